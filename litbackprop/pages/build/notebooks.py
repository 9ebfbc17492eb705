"""MkDocs hook: every page with Python on it can be downloaded as a Jupyter notebook, with the library.

At build time each such page's Markdown becomes a notebook with jupytext: its
prose and equations as Markdown cells, its blocks, implementation and checks,
as code cells in page order. A notebook page (``notebooks/*.py``, jupytext's
percent format, which mkdocs-jupyter runs at build time) becomes one the same
way. The page gets a link to it under its title.

litbackprop is not on PyPI, so the notebooks cannot say "pip install
litbackprop". The build also writes ``downloads/litbackprop-VERSION-py3-none-any.whl``,
a pure-Python wheel of the package as it is at build time, with the dependencies
and extras of ``pyproject.toml``, and each notebook opens with the one command
that installs it, ``pip install "litbackprop-VERSION-py3-none-any.whl[train]"``
(pip fetches numpy and the extras from PyPI). The wheel is written with the
standard library: a PEP 517 build would need setuptools and a scratch folder
in the repository. ``tests/pages/test_notebooks.py`` executes each notebook and
checks the wheel.
"""

from __future__ import annotations

import ast
import base64
import functools
import hashlib
import io
import posixpath
import re
import textwrap
import tomllib
import zipfile
from html import escape
from pathlib import Path

import jupytext
import nbformat
from mkdocs.structure.files import File

from litbackprop.pages.build import graphs  # the computation graphs, drawn with the library's numbers
from litbackprop.pages.build.sections import SECTION, expand, outside_examples  # sections collapsed as on the site

ROOT = Path(__file__).resolve().parents[3]
DOWNLOADS = "downloads"
# Pages that read files of the repository (the performance page reads the committed benchmark results):
# their notebooks run in a clone, not from the wheel alone.
IN_A_CLONE = {"notebooks/performance.py"}
FENCE = re.compile(r"^```\{\.python(?: continuation)?(?: \.checked| \.solution)?\}\s*$", flags=re.M)


def install_note(in_a_clone: bool = False, plots: bool = False) -> str:
    """The notebook's second cell: what to install, and where the notebook runs (`plots`: it draws with matplotlib)."""
    if in_a_clone:
        return (
            "This notebook is a page of the litbackprop site. It reads the benchmark results committed in the "
            "repository (`benchmarks/results/`), which the library's wheel does not hold, so it runs top to "
            "bottom in a clone of the repository, with the library installed from the clone:\n\n"
            '    sh .ci/python -m venv .venv && .venv/bin/pip install -e ".[docs]"'
        )
    return (
        "This notebook is a page of the litbackprop site, made from its source. It needs Python 3.11 or "
        f"newer and the library's wheel, `{wheel_name()}`, linked under the page's title on the site: "
        "download it into this notebook's folder, and then this notebook runs top to bottom after\n\n"
        f'    pip install "{wheel_name()}[train]"{" matplotlib" if plots else ""}\n\n(the `train` extra brings '
        "scikit-learn, which some pages load their data from). Each equation's code cell is followed by the cell "
        "that checks it, collapsed as on the page."
    )


def page_notebook(
    source: str, site_url: str | None = None, page_dir: str = "", in_a_clone: bool = False, fmt: str = "md"
) -> nbformat.NotebookNode:
    """The notebook of a page: jupytext reads its Python fences as code cells, the rest as Markdown.

    As on the page, the code inside a collapsed section (a solution, a verification) is collapsed: its
    cells' source is hidden until the reader opens it. With `site_url`, links to the site's pages, its
    pictures and the API reference point there, since the notebook is read away from the site.
    """
    if fmt == "py:percent":  # a notebook page already (docs/notebooks/*.py)
        notebook = jupytext.reads(source, fmt=fmt)
    else:
        notebook = jupytext.reads(FENCE.sub("```python", _other_fences_as_text(source)), fmt="md")
        notebook.cells = [c for c in notebook.cells if c.cell_type == "code" or c.source.strip()]  # as_drills's gaps
    collapsed = False
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            opened, closed = cell.source.rfind("<details"), cell.source.rfind("</details>")
            collapsed = opened > closed or (collapsed and closed < 0)
            cell.source = for_jupyter(cell.source)
            attachments = diagram_attachments(cell)
            if attachments:
                cell.attachments = attachments
            if site_url:
                cell.source = absolute_links(cell.source, site_url, page_dir)
        elif collapsed or "solution" in cell.metadata.get("tags", []):  # a notebook page's solution, below
            cell.metadata["jupyter"] = {"source_hidden": True}
    after_title = 1 if notebook.cells and notebook.cells[0].cell_type == "markdown" else 0
    plots = re.search(r"^(import|from) matplotlib", source, flags=re.M) is not None
    notebook.cells.insert(after_title, nbformat.v4.new_markdown_cell(install_note(in_a_clone, plots)))
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return notebook


ADMONITION = re.compile(r'^!!! (\w+)(?: "(.*)")?\s*$')
# Inline math outside code: a code span or a fence is matched first, and kept as it is.
CODE_OR_MATH = re.compile(r"^(`{3,}).*?^\1[ \t]*$|(`+).+?\2|\\\((.+?)\\\)", flags=re.S | re.M)
DIAGRAM = re.compile(
    r'<figure class="diagram"[^>]*>\s*<!-- graph: ([\w-]+) -->\s*<figcaption>(.*?)</figcaption>\s*</figure>',
    re.S,
)
# A collapsed section of the page that opens in one cell and closes in another: Jupyter cannot collapse a
# code cell from Markdown, so the summary becomes a line that points to the collapsed cell below it.
SPLIT_DETAILS = re.compile(r"<details[^>]*>\s*<summary>(.*?)</summary>\s*(\*[^\n]*\*)?\s*$", flags=re.S)


def for_jupyter(markdown: str) -> str:
    """A page's Markdown as Jupyter renders it: the site's extensions turned into what Jupyter reads.

    Inline math ``\\( \\)`` becomes ``$ $``, which Jupyter typesets (it reads ``\\(`` as an escaped
    bracket); an admonition becomes a quote under its title in bold; a diagram, an image attached to the
    cell (`diagram_attachments`); a collapsed section split across cells, a line naming the cell it hides.
    Code spans and fences are left as they are.
    """
    markdown = CODE_OR_MATH.sub(lambda m: m[0] if m[3] is None else f"${m[3].strip()}$", markdown)
    markdown = _admonitions_as_quotes(markdown)
    markdown = DIAGRAM.sub(lambda m: f"![{m[1]}](attachment:{m[1]}.svg)\n\n*{m[2].strip()}*", markdown)
    if markdown.rfind("<details") > markdown.rfind("</details>"):
        markdown = SPLIT_DETAILS.sub(
            lambda m: f"*{m[1].strip()}: in the collapsed cell below.*" + (f" {m[2]}" if m[2] else ""), markdown
        )
    return re.sub(r"^\s*</details>\s*", "", markdown)


def _admonitions_as_quotes(markdown: str) -> str:
    """Each ``!!! kind "Title"`` and the lines indented under it, as a quote that opens with the title in bold."""
    lines, out, i = markdown.split("\n"), [], 0
    while i < len(lines):
        opening = ADMONITION.match(lines[i])
        if not opening:
            out.append(lines[i])
            i += 1
            continue
        body = []
        i += 1
        while i < len(lines) and (lines[i].startswith("    ") or not lines[i].strip()):
            body.append(lines[i].removeprefix("    "))
            i += 1
        while body and not body[-1].strip():  # the blank lines after the box are the text's, not the box's
            body.pop()
            i -= 1
        title = opening[2] or opening[1].capitalize()
        out += [f"> **{title}**", ">", *(f"> {line}".rstrip() for line in body)]
    return "\n".join(out)


def diagram_attachments(cell) -> dict:
    """The diagrams a Markdown cell shows, as standalone SVG attachments: the site's CSS for them goes inside."""
    names = re.findall(r"\(attachment:([\w-]+)\.svg\)", cell.source)
    if not names:
        return {}
    css = (ROOT / "docs" / "stylesheets" / "extra.css").read_text(encoding="utf-8")
    rules = "\n".join(re.findall(r"^\.graph[^{]*\{[^}]*\}", css, flags=re.M))
    # Drawn on white, in the light palette's colours, whatever the notebook's theme.
    style = "svg { --litbackprop-backward: #b34700; color: #222; background: #fff; font-family: sans-serif; }\n"
    attachments = {}
    for name in names:
        svg = graphs.drawing(name)
        opening = svg.index(">") + 1
        svg = f"{svg[:opening]}<style>{style}{rules}</style>{svg[opening:]}"
        attachments[f"{name}.svg"] = {"image/svg+xml": base64.b64encode(svg.encode()).decode()}
    return attachments


def absolute_links(markdown: str, site_url: str, page_dir: str = "") -> str:
    """Relative links and images of a page's Markdown, and its API cross-references, as addresses on the site.

    `page_dir` is the page's folder in ``docs/`` (``notebooks`` for a notebook page), which its links start from.
    """

    def address(match: re.Match) -> str:
        target = match.group(2)
        if re.match(r"[a-z]+:|#", target):  # already absolute, or an anchor on this page
            return match.group(0)
        path, hash_, anchor = target.partition("#")
        path = posixpath.normpath(posixpath.join(page_dir, path))
        path = re.sub(r"\.md$", ".html", re.sub(r"^(notebooks/.*)\.py$", r"\1.html", path))
        return f"{match.group(1)}({site_url}{path}{hash_}{anchor})"

    markdown = re.sub(r"(!?\[[^\]]*\])\(([^)\s]+)\)", address, markdown)
    return re.sub(r"(\[[^\]]*\])\[(litbackprop\.[\w.]+)\]", rf"\1({site_url}api.html#\2)", markdown)


SNIPPET = re.compile(r'^--8<-- "(?P<path>[^":]+):(?P<section>[a-z][-_0-9a-z]*)"$')


def _snippets(fence: list[str]) -> list[str]:
    """The lines of a fence with each ``--8<-- "file.py:section"`` replaced by that section of the file, as
    pymdownx.snippets puts it on the page (the autodiff page shows the engine's own code this way)."""
    out = []
    for line in fence:
        match = SNIPPET.match(line.strip())
        if not match:
            out.append(line)
            continue
        text = (ROOT / match["path"]).read_text("utf-8").splitlines()
        start = next(i for i, t in enumerate(text) if f"--8<-- [start:{match['section']}]" in t)
        end = next(i for i, t in enumerate(text) if f"--8<-- [end:{match['section']}]" in t)
        out += textwrap.dedent("\n".join(t for t in text[start + 1 : end] if "--8<-- [" not in t)).splitlines()
    return out


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
        fence = _snippets(lines[i : j + 1])
        runs = opening.group(2).startswith("{.python") and "notest" not in opening.group(2)
        out += fence if runs else ["<!-- #region -->", *fence, "<!-- #endregion -->"]
        i = j + 1
    return "\n".join(out)


def has_python(source: str) -> bool:
    """Whether the page has Python blocks of its own (not inside an example of Markdown source)."""
    return bool(FENCE.search(re.sub(r"^````.*?^````", "", source, flags=re.S | re.M)))


def notebook_name(src_uri: str, docs: Path = ROOT / "docs") -> str | None:
    """Where the notebook of the page at `src_uri` (in `docs`) is offered, or None if it has no Python of its own."""
    path = Path(src_uri)
    if path.suffix == ".py" or (path.suffix == ".md" and has_python((docs / src_uri).read_text("utf-8"))):
        return f"{DOWNLOADS}/{path.stem}.ipynb"
    return None


# A fixed date for every member, so that the same sources give the same wheel, byte for byte.
STAMP = (2026, 1, 1, 0, 0, 0)


@functools.cache  # read once per build: every page's link names the wheel
def project() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def wheel_name() -> str:
    return f"litbackprop-{project()['version']}-py3-none-any.whl"


def metadata(meta: dict) -> str:
    lines = [
        "Metadata-Version: 2.1",
        f"Name: {meta['name']}",
        f"Version: {meta['version']}",
        f"Summary: {meta['description']}",
        f"Requires-Python: {meta['requires-python']}",
        f"License: {meta['license']['text']}",
    ]
    lines += [f"Requires-Dist: {requirement}" for requirement in meta["dependencies"]]
    for extra, requirements in meta["optional-dependencies"].items():
        lines.append(f"Provides-Extra: {extra}")
        lines += [f'Requires-Dist: {requirement}; extra == "{extra}"' for requirement in requirements]
    return "\n".join(lines) + "\n"


def build_wheel() -> bytes:
    """The wheel's bytes: the package's modules, then the dist-info files, RECORD last."""
    meta = project()
    info = f"{meta['name']}-{meta['version']}.dist-info"
    package = ROOT / "litbackprop"
    members = {  # every module of every subpackage
        path.relative_to(ROOT).as_posix(): path.read_bytes()
        for path in sorted(package.rglob("*.py"))
        if "__pycache__" not in path.parts
    }
    members[f"{info}/METADATA"] = metadata(meta).encode()
    members[f"{info}/WHEEL"] = (
        b"Wheel-Version: 1.0\nGenerator: litbackprop docs hook\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    )
    scripts = "".join(f"{name} = {target}\n" for name, target in meta["scripts"].items())
    members[f"{info}/entry_points.txt"] = f"[console_scripts]\n{scripts}".encode()
    record = [f"{name},sha256={_digest(data)},{len(data)}" for name, data in members.items()]
    members[f"{info}/RECORD"] = ("\n".join([*record, f"{info}/RECORD,,"]) + "\n").encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as wheel:
        for name, data in members.items():
            member = zipfile.ZipInfo(name, STAMP)
            member.external_attr = 0o644 << 16
            wheel.writestr(member, data, zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def _digest(data: bytes) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


STUB = "# Your turn: write this row, then run the check below (the page's solution is collapsed on the site)"


def as_drills(source: str) -> str:
    """A page's source as its notebook's student gets it: each solution a stub, the page's checks of them out.

    A ``.solution`` block becomes a block of its own that sets each name the solution sets to ``...``, for the
    student to replace; the check after it (``cmp``, ``check``) answers "not written yet" until then, so the
    notebook runs top to bottom. The ``.checked`` blocks after the first solution check the page's own
    solutions, which a stub would fail: they are left out. The solutions are neither run nor shown.
    """
    drilling = False

    def drill(match: re.Match) -> str:
        nonlocal drilling
        if match["kind"] == "checked":
            return "" if drilling else match[0]
        drilling = True
        assigned = dict.fromkeys(
            name.id
            for statement in ast.parse(match["code"]).body
            if isinstance(statement, ast.Assign | ast.AugAssign | ast.AnnAssign)
            for target in getattr(statement, "targets", [getattr(statement, "target", None)])
            for name in ast.walk(target)
            if isinstance(name, ast.Name)
        )
        info = " ".join((match["info"] + match["rest"]).split())
        return f"```{{{info}}}\n{STUB}\n" + "\n".join(f"{name} = ..." for name in assigned) + "\n```"

    return outside_examples(source, lambda text: SECTION.sub(drill, text))


def notebook_of(src_uri: str, site_url: str | None = None, docs: Path = ROOT / "docs") -> nbformat.NotebookNode:
    """The notebook offered for the page at `src_uri` (a path in `docs`), as the site offers it."""
    source = (docs / src_uri).read_text(encoding="utf-8")
    fmt = "py:percent" if src_uri.endswith(".py") else "md"
    source = source if fmt == "py:percent" else expand(as_drills(source))
    return page_notebook(source, site_url, posixpath.dirname(src_uri), src_uri in IN_A_CLONE, fmt)


def on_files(files, config):
    docs = Path(config["docs_dir"])  # the build's own: a page built alone has another (pages.checks.layout)
    for page in list(files.documentation_pages()):
        name = notebook_name(page.src_uri, docs)
        if name is not None:
            notebook = notebook_of(page.src_uri, config["site_url"], docs)
            files.append(File.generated(config, name, content=nbformat.writes(notebook)))
    files.append(File.generated(config, f"{DOWNLOADS}/{wheel_name()}", content=build_wheel()))
    return files


def download_link(src_uri: str, docs: Path = ROOT / "docs") -> str:
    """The line under a page's title that offers it as a notebook, with the wheel; links relative to the page."""
    up = "../" * src_uri.count("/")
    notebook = f'<a href="{up}{notebook_name(src_uri, docs)}">Run this page yourself: download it as a notebook</a>'
    if src_uri in IN_A_CLONE:
        return f'<span class="run-yourself">{notebook}, to run in a clone of the repository</span>'
    wheel = f'<a href="{up}{DOWNLOADS}/{wheel_name()}">the library</a>'
    return f'<span class="run-yourself">{notebook}, with {wheel} it installs</span>'


def on_page_markdown(markdown, page, config, files):
    docs = Path(config["docs_dir"])
    if page.file.src_uri.endswith(".md") and notebook_name(page.file.src_uri, docs):
        title, _, rest = markdown.partition("\n")
        link = download_link(page.file.src_uri, docs)
        return f"{title}\n\n{link}\n{rest}" if title.startswith("# ") else f"{link}\n\n{markdown}"
    return markdown


NO_ALT = 'alt="No description has been provided for this image"'
"""What mkdocs-jupyter writes for every image a cell draws: a screen reader would read it aloud."""

ALT = re.compile(r"^# alt: (.+)$", flags=re.M)
"""A notebook page's description of the image its cell draws: a comment ``# alt: ...`` in that cell."""


def described(html: str, source: str, name: str) -> str:
    """`html` with each image mkdocs-jupyter left undescribed given the next ``# alt:`` of the notebook's source."""
    alts = ALT.findall(source)
    if html.count(NO_ALT) != len(alts):
        raise ValueError(f"{name}: {html.count(NO_ALT)} images drawn, {len(alts)} '# alt:' descriptions in its cells")
    for alt in alts:
        html = html.replace(NO_ALT, f'alt="{escape(alt, quote=True)}"', 1)
    return html


def on_page_content(html, page, config, files):
    """A notebook page (rendered by mkdocs-jupyter, which skips the Markdown event) gets its link here, and its
    images their descriptions."""
    if page.file.src_uri.endswith(".py") and notebook_name(page.file.src_uri, Path(config["docs_dir"])):
        title_end = html.find("</h1>")
        if title_end < 0:
            raise ValueError(f"{page.file.src_uri}: no title to put the notebook's link under")
        at = title_end + len("</h1>")
        html = f"{html[:at]}\n<p>{download_link(page.file.src_uri, Path(config['docs_dir']))}</p>\n{html[at:]}"
        source = (Path(config["docs_dir"]) / page.file.src_uri).read_text(encoding="utf-8")
        return described(html, source, page.file.src_uri)
    return html
