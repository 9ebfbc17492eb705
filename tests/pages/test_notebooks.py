"""Every page with Python on it, as the notebook the site offers for download, runs top to bottom."""

import contextlib
import importlib.util
import io
import os
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("notebooks_hook", ROOT / "docs" / "_hooks" / "notebooks.py")
hook = importlib.util.module_from_spec(spec)
spec.loader.exec_module(hook)

PAGES = [p for p in sorted((ROOT / "docs").glob("*.md")) if hook.has_python(p.read_text())]


def test_the_pages_with_python_have_notebooks():
    assert {p.name for p in PAGES} >= {"single-neuron.md", "two-layer-network.md", "learning.md", "autodiff.md"}
    assert "writing-a-page.md" not in {p.name for p in PAGES}, "its Python is an example of Markdown source"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.stem)
def test_the_notebook_of_a_page_runs_top_to_bottom(page, tmp_path):
    source = page.read_text()
    notebook = hook.page_notebook(source)
    nbformat.validate(notebook)
    code = [cell.source for cell in notebook.cells if cell.cell_type == "code"]
    assert len(code) == len(hook.FENCE.findall(source)), "one code cell per block of the page"
    namespace = {"__name__": "__main__"}
    here = os.getcwd()
    os.chdir(tmp_path)  # a notebook runs wherever it was downloaded to
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            for number, cell in enumerate(code, start=1):
                try:
                    exec(compile(cell, f"{page.stem}.ipynb, cell {number}", "exec"), namespace)
                except Exception as error:
                    raise AssertionError(f"{page.stem}.ipynb: code cell {number} fails: {error!r}\n{cell}") from error
    finally:
        os.chdir(here)
