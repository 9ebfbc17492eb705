"""MkDocs hook: every page with Python on it can be downloaded as a Jupyter notebook.

At build time each such page's Markdown becomes a notebook with jupytext: its
prose and equations as Markdown cells, its blocks, implementation and checks,
as code cells in page order. The page gets a link to it under its title. The
notebook runs top to bottom after ``pip install litbackprop[train]``;
``tests/pages/test_notebooks.py`` executes each one.
"""

from __future__ import annotations

import re
from pathlib import Path

import jupytext
import nbformat
from mkdocs.structure.files import File

DOWNLOADS = "downloads"
FENCE = re.compile(r"^```\{\.python(?: continuation)?\}\s*$", flags=re.M)
INSTALL = (
    "This notebook is a page of the litbackprop site, made from its Markdown. It runs top to "
    "bottom after\n\n    pip install litbackprop[train]\n\n(the `train` extra brings scikit-learn, which "
    "some pages load their data from). Each equation's code cell is followed by the cell that checks it."
)


def page_notebook(source: str) -> nbformat.NotebookNode:
    """The notebook of a page: jupytext reads its Python fences as code cells, the rest as Markdown."""
    notebook = jupytext.reads(FENCE.sub("```python", _other_fences_as_text(source)), fmt="md")
    notebook.cells.insert(
        1 if notebook.cells and notebook.cells[0].cell_type == "markdown" else 0, nbformat.v4.new_markdown_cell(INSTALL)
    )
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return notebook


def _other_fences_as_text(source: str) -> str:
    """Wrap every fence that is not a Python block (a shell command, an example of Markdown) in jupytext's
    region markers, which keep it in a Markdown cell instead of making it a code cell."""
    lines, out, i = source.split("\n"), [], 0
    while i < len(lines):
        opening = re.match(r"^(`{3,})(.*)$", lines[i])
        if not opening:
            out.append(lines[i])
            i += 1
            continue
        j = i + 1
        while j < len(lines) and lines[j].rstrip() != opening.group(1):
            j += 1
        fence = lines[i : j + 1]
        out += fence if opening.group(2).startswith("{.python") else ["<!-- #region -->", *fence, "<!-- #endregion -->"]
        i = j + 1
    return "\n".join(out)


def has_python(source: str) -> bool:
    """Whether the page has Python blocks of its own (not inside an example of Markdown source)."""
    return bool(FENCE.search(re.sub(r"^````.*?^````", "", source, flags=re.S | re.M)))


def on_files(files, config):
    for page in list(files.documentation_pages()):
        source = Path(page.abs_src_path).read_text(encoding="utf-8")
        if has_python(source):
            name = f"{DOWNLOADS}/{Path(page.src_uri).stem}.ipynb"
            files.append(File.generated(config, name, content=nbformat.writes(page_notebook(source))))
    return files


def on_page_markdown(markdown, page, config, files):
    if page.file.src_uri.endswith(".md") and has_python(markdown):
        link = f"[Run this page yourself: download it as a notebook]({DOWNLOADS}/{Path(page.file.src_uri).stem}.ipynb)"
        title, _, rest = markdown.partition("\n")
        return f"{title}\n\n{link}\n{rest}" if title.startswith("# ") else f"{link}\n\n{markdown}"
    return markdown
