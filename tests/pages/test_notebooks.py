"""Every page with Python on it, as the notebook the site offers for download, runs top to bottom."""

import contextlib
import importlib.util
import io
import os
import re
import subprocess
import sys
import zipfile
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


def test_the_wheel_holds_the_package_and_the_dependencies_of_pyproject():
    wheel = zipfile.ZipFile(io.BytesIO(hook.build_wheel()))
    info = f"litbackprop-{hook.project()['version']}.dist-info"
    modules = {f"litbackprop/{p.name}" for p in (ROOT / "litbackprop").glob("*.py")}
    dist_info = {f"{info}/{name}" for name in ("METADATA", "WHEEL", "entry_points.txt", "RECORD")}
    assert set(wheel.namelist()) == modules | dist_info
    for line in wheel.read(f"{info}/RECORD").decode().splitlines()[:-1]:  # the last line is RECORD itself
        name, digest, size = line.split(",")
        data = wheel.read(name)
        assert (digest, int(size)) == (f"sha256={hook._digest(data)}", len(data)), name
    metadata = wheel.read(f"{info}/METADATA").decode()
    assert "Requires-Dist: numpy>=1.26" in metadata and 'Requires-Dist: scikit-learn>=1.3; extra == "train"' in metadata
    assert hook.build_wheel() == hook.build_wheel(), "the same sources give the same wheel, byte for byte"


def test_a_notebook_runs_with_the_library_installed_from_the_wheel(tmp_path):
    wheel = tmp_path / hook.wheel_name()
    wheel.write_bytes(hook.build_wheel())
    target = tmp_path / "installed"
    install = [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index", "--target", str(target)]
    result = subprocess.run([*install, str(wheel)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    notebook = hook.page_notebook((ROOT / "docs" / "single-neuron.md").read_text())
    cells = [cell.source for cell in notebook.cells if cell.cell_type == "code"]
    script = tmp_path / "single-neuron.py"
    script.write_text("\n".join([*cells, "import litbackprop", "print(litbackprop.__file__)"]))
    env = {**os.environ, "PYTHONPATH": str(target)}  # numpy and the rest from this environment, as pip would fetch
    result = subprocess.run([sys.executable, str(script)], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().endswith(str(target / "litbackprop" / "__init__.py")), result.stdout[-300:]


def test_solutions_and_verifications_are_collapsed_as_on_the_page():
    notebook = hook.page_notebook((ROOT / "docs" / "learning.md").read_text())
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    hidden = [cell.metadata.get("jupyter", {}).get("source_hidden", False) for cell in code]
    assert hidden[0] is False and hidden[1] is True, "the first block shows the step, the second checks it"
    solution = next(i for i, cell in enumerate(code) if "answer =" in cell.source)
    assert hidden[solution] and not hidden[solution + 1], "the solution is collapsed, the checker's call is not"


def test_links_and_pictures_point_to_the_site():
    notebook = hook.page_notebook((ROOT / "docs" / "learning.md").read_text(), "https://example.org/lb/")
    markdown = "".join(cell.source for cell in notebook.cells if cell.cell_type == "markdown")
    assert "](https://example.org/lb/two-layer-network.html)" in markdown
    assert "](https://example.org/lb/plots/learning-rates.svg)" in markdown
    assert "](https://example.org/lb/api.html#litbackprop.training.train)" in markdown
    assert not re.search(r"\]\((?!https?:|#)[^)]*\)", markdown), "a relative link is left"
