"""Every page with Python on it, as the notebook the site offers for download, runs top to bottom."""

import base64
import contextlib
import io
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import jupytext
import nbformat
import pytest

from litbackprop.pages.build import notebooks as hook

ROOT = Path(__file__).resolve().parents[2]

DOCS = ROOT / "docs"
PAGES = [p for p in sorted(DOCS.glob("*.md")) if hook.has_python(p.read_text())] + sorted(DOCS.glob("notebooks/*.py"))


def test_the_pages_with_python_have_notebooks():
    assert {p.name for p in PAGES} >= {"single-neuron.md", "two-layer-network.md", "learning.md", "autodiff.md"}
    assert {p.name for p in PAGES} >= {"digits.py", "performance.py"}, "the notebook pages are notebooks too"
    assert "writing-a-page.md" not in {p.name for p in PAGES}, "its Python is an example of Markdown source"


# Runs a downloaded notebook's code cells in order, in a fresh interpreter, as "Run all" does in Jupyter.
RUN_ALL = """
import json
import sys
notebook = json.loads(open(sys.argv[1], encoding="utf-8").read())
namespace = {"__name__": "__main__"}
code = ["".join(cell["source"]) for cell in notebook["cells"] if cell["cell_type"] == "code"]
for number, cell in enumerate(code, start=1):
    try:
        exec(compile(cell, f"{sys.argv[1]}, cell {number}", "exec"), namespace)
    except Exception as error:
        sys.exit(f"{sys.argv[1]}: code cell {number} of {len(code)} fails: {error!r}\\n{cell}")
import litbackprop
print("litbackprop from", litbackprop.__file__)
"""


@pytest.fixture(scope="module")
def installed_wheel(tmp_path_factory):
    """The site's wheel installed into a folder of its own, as a reader installs it (numpy and the rest are
    this environment's, as pip would fetch them)."""
    folder = tmp_path_factory.mktemp("wheel")
    wheel = folder / hook.wheel_name()
    wheel.write_bytes(hook.build_wheel())
    install = [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index", "--target"]
    result = subprocess.run([*install, str(folder / "installed"), str(wheel)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return folder / "installed"


def drill_blocks(source: str) -> list[str]:
    """The page's Python fences that its notebook keeps: all but the ``.checked`` ones after its first solution."""
    fences = re.findall(r"^```\{\.python[^}]*\}", re.sub(r"^````.*?^````", "", source, flags=re.S | re.M), flags=re.M)
    first = next((i for i, fence in enumerate(fences) if ".solution" in fence), len(fences))
    return [fence for i, fence in enumerate(fences) if (i < first or ".checked" not in fence) and "notest" not in fence]


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.stem)
def test_the_notebook_of_a_page_runs_top_to_bottom(page, tmp_path, installed_wheel):
    src_uri = page.relative_to(DOCS).as_posix()
    notebook = hook.notebook_of(src_uri)
    nbformat.validate(notebook)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    source = page.read_text()
    blocks = re.findall(r"^# %%(?: tags=.*)?$", source, flags=re.M) if page.suffix == ".py" else drill_blocks(source)
    assert len(code) == len(blocks), "one code cell per block of the page, but for the checks of its solutions"
    downloaded = tmp_path / f"{page.stem}.ipynb"  # a notebook runs wherever it was downloaded to
    downloaded.write_text(nbformat.writes(notebook))
    # The library from the wheel, except for a page that runs in a clone of the repository
    library = ROOT if src_uri in hook.IN_A_CLONE else installed_wheel
    env = {**os.environ, "PYTHONPATH": str(library), "MPLBACKEND": "Agg"}
    result = subprocess.run(
        [sys.executable, "-c", RUN_ALL, downloaded.name], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.rstrip().endswith(str(library / "litbackprop" / "__init__.py")), result.stdout[-300:]


def test_a_solution_shown_as_text_is_the_code_its_hidden_cell_runs():
    """A notebook page cannot collapse a code cell: its solution is text in a collapsed section, run by the
    next cell, tagged "solution", whose input the page leaves out (mkdocs.yml). The two must not drift apart."""
    checked = []
    for page in sorted(DOCS.glob("notebooks/*.py")):
        cells = jupytext.read(page).cells
        for number, cell in enumerate(cells):
            if "solution" in cell.metadata.get("tags", []):
                shown = re.findall(r"<details[^>]*>.*?```python\n(.*?)```\s*</details>", cells[number - 1].source, re.S)
                assert shown == [cell.source.strip() + "\n"], f"{page.name}, cell {number}: the text shows {shown}"
                checked.append(page.name)
    assert "digits.py" in checked, "the digits page's exercise has a solution cell"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.stem)
def test_the_notebook_of_a_page_is_written_in_the_markdown_jupyter_reads(page):
    """No MkDocs syntax left that Jupyter shows as text: \\( math, snippets, admonitions, split collapsed sections."""
    notebook = hook.notebook_of(page.relative_to(DOCS).as_posix())
    for number, cell in enumerate(notebook.cells):
        if cell.cell_type != "markdown":
            continue
        text = re.sub(r"`[^`]*`", "", cell.source)  # code spans show what they hold
        where = f"{page.name}, cell {number}: {cell.source[:200]!r}"
        assert "\\(" not in text and "--8<--" not in text and not re.search(r"^!!! ", text, re.M), where
        assert not re.search(r"^> .*\n {4}", text, re.M), f"an admonition's body left out of its quote: {where}"
        assert text.count("<details") == text.count("</details>"), where
        for name, data in cell.get("attachments", {}).items():
            svg = base64.b64decode(data["image/svg+xml"]).decode()
            assert svg.startswith("<svg") and "<style>" in svg and ".graph text" in svg, name


def test_an_admonition_at_the_end_of_a_cell_keeps_its_body_in_the_quote():
    text = '!!! warning "The notes give 0.0069"\n    The right value is \\(0.0066\\), ending with ->'
    assert hook.for_jupyter(text) == "> **The notes give 0.0069**\n>\n> The right value is $0.0066$, ending with ->"


def test_the_text_after_an_admonition_stays_outside_its_quote():
    assert hook.for_jupyter("!!! info\n    a\n\n    b\n\nAfter.") == "> **Info**\n>\n> a\n>\n> b\n\nAfter."


def test_code_spans_and_fences_keep_their_backslashed_brackets():
    text = '`re.sub(r"\\(", x)` and \\(z\\) and `f(\\)`\n```bash\necho \\(a\\)\n```\n'
    expected = '`re.sub(r"\\(", x)` and $z$ and `f(\\)`\n```bash\necho \\(a\\)\n```\n'
    assert hook.for_jupyter(text) == expected


def test_a_diagram_is_attached_to_the_notebook_that_shows_it():
    cells = hook.notebook_of("single-neuron.md").cells
    assert any("neuron.svg" in cell.get("attachments", {}) for cell in cells)


IMPORT_EVERY_MODULE = """
import importlib, pkgutil, litbackprop
names = [m.name for m in pkgutil.walk_packages(litbackprop.__path__, "litbackprop.")]
names.remove("litbackprop.__main__")
for name in names:
    assert importlib.import_module(name).__file__.startswith(litbackprop.__path__[0]), name
print(len(names), litbackprop.__file__)
"""


def test_every_module_of_the_package_imports_from_the_installed_wheel(installed_wheel):
    env = {**os.environ, "PYTHONPATH": str(installed_wheel)}
    result = subprocess.run(  # from the wheel's folder: not the clone's, which -c would put first on the path
        [sys.executable, "-c", IMPORT_EVERY_MODULE], cwd=installed_wheel, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr[-2000:]
    count, path = result.stdout.split()
    assert int(count) >= 20 and path == str(installed_wheel / "litbackprop" / "__init__.py"), result.stdout


def test_the_wheel_holds_the_package_and_the_dependencies_of_pyproject():
    wheel = zipfile.ZipFile(io.BytesIO(hook.build_wheel()))
    info = f"litbackprop-{hook.project()['version']}.dist-info"
    modules = {
        p.relative_to(ROOT).as_posix() for p in (ROOT / "litbackprop").rglob("*.py") if "__pycache__" not in p.parts
    }
    assert {"litbackprop/app/cli.py", "litbackprop/course/testing.py", "litbackprop/pages/showing.py"} <= modules
    dist_info = {f"{info}/{name}" for name in ("METADATA", "WHEEL", "entry_points.txt", "RECORD")}
    assert set(wheel.namelist()) == modules | dist_info
    for line in wheel.read(f"{info}/RECORD").decode().splitlines()[:-1]:  # the last line is RECORD itself
        name, digest, size = line.split(",")
        data = wheel.read(name)
        assert (digest, int(size)) == (f"sha256={hook._digest(data)}", len(data)), name
    metadata = wheel.read(f"{info}/METADATA").decode()
    assert "Requires-Dist: numpy>=1.26" in metadata and 'Requires-Dist: scikit-learn>=1.3; extra == "train"' in metadata
    assert hook.build_wheel() == hook.build_wheel(), "the same sources give the same wheel, byte for byte"


DRILL = """# A drill

```{.python}
w = 0.5
```

```{.python continuation .checked}
assert w == 0.5
```

```{.python continuation .solution}
dh_dd = 1 / (1 + w**2)
dh_dg, dh_dc = -w, 2 * w
```

```{.python continuation}
print(cmp("dh/dd", dh_dd, 0.8))
```

```{.python continuation .checked}
assert cmp("dh/dd", dh_dd, 0.8).verdict == "exact"
```
"""


def test_a_solution_is_a_stub_in_the_notebook_setting_each_of_its_names_to_an_ellipsis():
    code = [c.source for c in hook.page_notebook(hook.expand(hook.as_drills(DRILL))).cells if c.cell_type == "code"]
    stub = code[2].splitlines()
    assert stub[0].startswith("# Your turn") and stub[1:] == ["dh_dd = ...", "dh_dg = ...", "dh_dc = ..."]


def test_a_solution_s_code_is_in_no_cell_of_the_notebook():
    notebook = hook.page_notebook(hook.expand(hook.as_drills(DRILL)))
    assert not any("1 / (1 + w**2)" in cell.source for cell in notebook.cells)


def test_the_page_s_checks_of_its_solutions_are_left_out_and_the_checks_before_them_kept():
    code = [c.source for c in hook.page_notebook(hook.expand(hook.as_drills(DRILL))).cells if c.cell_type == "code"]
    assert "assert w == 0.5" in code[1]
    assert not any("verdict ==" in cell for cell in code)
    assert len(code) == 4


def test_a_drill_notebook_runs_to_its_end_with_every_row_unwritten():
    namespace = {"cmp": __import__("litbackprop.course.exercises", fromlist=["cmp"]).cmp}
    printed = io.StringIO()
    cells = [c.source for c in hook.page_notebook(hook.expand(hook.as_drills(DRILL))).cells if c.cell_type == "code"]
    with contextlib.redirect_stdout(printed):
        for cell in cells:
            exec(cell, namespace)
    lines = printed.getvalue().splitlines()
    assert lines[0] == "dh/dd: wrong"
    assert (
        " ".join(line.strip() for line in lines[1:])
        == "not written yet: replace the ... of the cell above with your code"
    )


def test_a_notebook_page_with_an_image_left_undescribed_is_refused():
    from litbackprop.pages.build.notebooks import NO_ALT, described

    html = f"<img {NO_ALT} src='a.png'><img {NO_ALT} src='b.png'>"
    assert described(html, "# alt: first\n# alt: second", "n.py") == (
        "<img alt=\"first\" src='a.png'><img alt=\"second\" src='b.png'>"
    )
    with pytest.raises(ValueError, match="2 images drawn, 1 '# alt:' descriptions"):
        described(html, "# alt: first", "n.py")
