"""The page tool starts a page that passes, fills in its checks from the page itself, and says what to fix.

The trial page is called tool-trial, a name no page of the course will take (the guide's example, weight-decay,
may well become one).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from litbackprop.pages import tool
from litbackprop.pages.tool import PLACEHOLDER_HOME, PLACEHOLDER_PAGE, read_config

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    """A copy of the project with a page started by `new` and its placeholders replaced."""
    root = _fresh_copy(tmp_path_factory.mktemp("project"))
    started = page_tool(root, "new", "tool-trial", "Tool trial")
    assert started.returncode == 0, started.stderr
    (root / "untouched.txt").write_text(page_tool(root, "check", "--no-browser", "docs/tool-trial.md").stderr)
    for path, placeholder, said in (
        (root / "docs" / "tool-trial.md", PLACEHOLDER_PAGE, "This page derives a layer's weight gradient."),
        (root / "docs" / "index.md", PLACEHOLDER_HOME, "a layer's weight gradient, as a trial."),
    ):
        path.write_text(path.read_text().replace(placeholder, said))  # as its author does first
    return root


def page_tool(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "litbackprop.pages.tool", *args],  # the copy's package: the folder comes first
        cwd=root,
        env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )


def check_with(path: Path, edit, project: Path) -> subprocess.CompletedProcess:
    """`litbackprop-page check` of the trial page while the file at `path` holds `edit` of its text; put back after."""
    source = path.read_text()
    path.write_text(edit(source))
    try:
        return page_tool(project, "check", "--no-browser", "docs/tool-trial.md")
    finally:
        path.write_text(source)


def test_a_new_page_fails_until_its_author_replaces_the_template_s_placeholders(project):
    untouched = (project / "untouched.txt").read_text()
    assert f"the page still opens with the template's {PLACEHOLDER_PAGE!r}" in untouched
    assert f"the home page's list still says {PLACEHOLDER_HOME!r}" in untouched


def test_a_new_page_passes_every_check_once_its_placeholders_are_replaced(project):
    checked = page_tool(project, "check", "--no-browser", "docs/tool-trial.md")
    assert checked.returncode == 0 and "every check passes, the phone-width rules left out" in checked.stdout, (
        checked.stderr
    )


def test_a_new_page_is_in_the_nav_and_its_exercise_registered(project):
    assert '- "Tool trial": tool-trial.md' in (project / "mkdocs.yml").read_text()
    assert '"tool-trial": Exercise(' in (project / "litbackprop" / "course" / "exercises.py").read_text()


def test_write_fills_in_the_digits_the_equation_shows(project):
    page = project / "docs" / "tool-trial.md"
    source = page.read_text()
    assert 'assert_rounds_to(z, ["-1.5", "-2.5"], name="z")' in source
    assert 'assert_rounds_to(dW, [["0.5", "-1"], ["-1", "2"]], name="dW")' in source


def test_write_says_so_when_the_text_shows_no_such_number(project, tmp_path):
    page = project / "docs" / "unshown.md"
    page.write_text(
        (project / "docs" / "tool-trial.md")
        .read_text()
        .replace('["-1.5", "-2.5"]', "...")
        .replace("-1.5 \\\\ -2.5", "-1.4 \\\\ -2.5")
    )
    written = page_tool(project, "write", "docs/unshown.md")
    page.unlink()
    assert written.returncode == 1 and "shows no number that [-1.5, -2.5] rounds to" in written.stderr


@pytest.mark.parametrize(
    ("change", "said"),
    [
        (("-1.5 \\\\ -2.5", "-1.5 \\\\ -2.6"), "2.6 is not checked by the block before or after it: if the code"),
        (("# eq-tool-trial-forward\n", "# Eq-Forward\n"), "display equation without an id"),
        (
            ("# eq-tool-trial-backward\n", "# eq-tool-trial-forward\n"),
            "equation id eq-tool-trial-forward is used more than once",
        ),
        (("x = np.array([0.5, -1.0])", "x = np.array([0.5, -1.0, 2.0])"), "the block fails: ValueError: x must"),
    ],
    ids=["a digit", "an id", "a pairing", "a block"],
)
def test_a_broken_page_is_refused_saying_what_to_do(project, change, said):
    checked = check_with(project / "docs" / "tool-trial.md", lambda text: text.replace(*change, 1), project)
    assert checked.returncode == 1 and said in checked.stderr, checked.stderr


def test_a_page_missing_from_the_nav_is_named_with_the_line_to_add(project):
    nav_line = '      - "Tool trial": tool-trial.md\n'
    checked = check_with(project / "mkdocs.yml", lambda text: text.replace(nav_line, ""), project)
    assert "tool-trial.html is built but is not in mkdocs.yml's nav: add the line '- Tool trial: " in checked.stderr


@pytest.mark.parametrize("path", ["docs/nowhere.md", "README.md", "litbackprop/pages/tool.py"])
def test_a_path_that_is_no_page_of_the_site_is_refused_in_one_line(project, path):
    checked = page_tool(project, "check", "--no-browser", path)
    assert checked.returncode == 2 and "is not a Markdown page of docs/" in checked.stderr
    assert "Traceback" not in checked.stderr


def test_a_page_name_that_is_no_slug_is_refused(project):
    started = page_tool(project, "new", "Weight Decay", "Tool trial")
    assert started.returncode == 1 and "must be lowercase words joined by hyphens" in started.stderr


def test_a_new_page_is_on_the_home_page_s_list_after_its_section_and_the_list_still_counts_up(project):
    index = (project / "docs" / "index.md").read_text()
    items = re.findall(r"^(\d+)\. \[\*\*(.+?)\*\*\]\(([^)]+)\)", index, flags=re.M)
    files = [file for _, _, file in items]
    nav = re.search(r"^  - Beyond the basics:\n((?:      - .*\n)+)", (project / "mkdocs.yml").read_text(), flags=re.M)
    section = re.findall(r"(\S+\.md)$", nav[1], flags=re.M)
    assert section[-1] == "tool-trial.md"
    assert files.index("tool-trial.md") == files.index(section[-2]) + 1  # after the section's last page before it
    assert [int(n) for n, _, _ in items] == list(range(1, len(items) + 1))


def test_a_course_page_missing_from_the_home_page_s_list_is_named(project):
    item = re.compile(r"^\d+\. \[\*\*Tool trial\*\*\].*\n", flags=re.M)
    checked = check_with(project / "docs" / "index.md", lambda text: item.sub("", text), project)
    assert "a course page, but the home page's list of pages does not link to it" in checked.stderr


def test_write_fills_in_a_check_written_over_several_lines(project):
    page = project / "docs" / "several-lines.md"
    source = (project / "docs" / "tool-trial.md").read_text()
    page.write_text(
        source.replace(
            'assert_rounds_to(z, ["-1.5", "-2.5"], name="z")', 'assert_rounds_to(\n    z,\n    ...,\n    name="z",\n)'
        )
    )
    try:
        written = page_tool(project, "write", "docs/several-lines.md")
        text = page.read_text()
    finally:
        page.unlink()
    assert written.returncode == 0, written.stderr
    assert 'assert_rounds_to(\n    z,\n    ["-1.5", "-2.5"],\n    name="z",\n)' in text


# The tool never corrupts the site: every failure is one line and changes nothing (issue 29, item 7)


def _fresh_copy(tmp_path: Path) -> Path:
    """A copy of what the tool reads and writes: the library, the pages, mkdocs.yml and the page checks."""
    root = tmp_path / "project"
    shutil.copytree(ROOT / "litbackprop", root / "litbackprop", ignore=shutil.ignore_patterns("__pycache__"))
    (root / "docs" / "notebooks").mkdir(parents=True)
    for page in [*(ROOT / "docs").glob("*.md"), *(ROOT / "docs").glob("notebooks/*.py")]:
        shutil.copy(page, root / "docs" / page.relative_to(ROOT / "docs"))
    shutil.copy(ROOT / "mkdocs.yml", root / "mkdocs.yml")
    return root


def _state(root: Path) -> dict[str, bytes]:
    """Every file `new` may write, as bytes: the page folder, the nav and the exercises."""
    files = [
        *sorted(p for p in (root / "docs").rglob("*") if p.is_file()),
        root / "mkdocs.yml",
        root / "litbackprop" / "course" / "exercises.py",
    ]
    return {str(f.relative_to(root)): f.read_bytes() for f in files}


@pytest.fixture
def fresh(tmp_path) -> Path:
    return _fresh_copy(tmp_path)


def run_tool(root: Path, *args: str, monkeypatch, capsys) -> tuple[int, str]:
    """The command line of the tool run in this process on the project at `root`: its status and its stderr."""
    monkeypatch.setattr(tool, "ROOT", root)
    monkeypatch.chdir(root)
    try:
        status = tool.main(list(args))
    except SystemExit as exit_:  # as the interpreter reports it: a message is one line on stderr, status 1
        status = exit_.code if isinstance(exit_.code, int) else 1
        if not isinstance(exit_.code, int):
            print(exit_.code, file=sys.stderr)
    return status, capsys.readouterr().err


@pytest.mark.parametrize("title", ["The gradient \\(W\\)", 'A "quoted" title: with a colon', "# hash, and 'quotes'"])
def test_a_title_of_any_text_is_written_into_the_nav_as_that_text(fresh, title):
    tool.new("grad-w", title, "Beyond the basics", root=fresh)  # the files only: its checks are the test above
    config = read_config(fresh)  # mkdocs.yml as YAML reads it, its !!python/name tags read as names
    entries = [i for s in config["nav"] if isinstance(s, dict) for items in s.values() for i in items]
    assert {title: "grad-w.md"} in entries


@pytest.mark.parametrize(
    ("slug", "title", "said"),
    [
        ("grad-w", "Two\nlines", "must be one line of text"),
        ("grad-w", "A line\u2028separator", "must be one line of text"),
        ("grad-w", "   ", "must be one line of text"),
        ("used-three-times", "X", "has an exercise or a helper named 'used-three-times' or _used_three_times"),
        ("a" * 300, "X", "must be lowercase words joined by hyphens, at most 80 characters"),
        ("index", "X", "exists already"),
    ],
    ids=["newline", "U+2028", "blank", "a helper's name", "300 characters", "an existing page"],
)
def test_new_refuses_in_one_line_and_changes_nothing(fresh, slug, title, said, monkeypatch, capsys):
    before = _state(fresh)
    status, stderr = run_tool(fresh, "new", slug, title, monkeypatch=monkeypatch, capsys=capsys)
    assert status == 1 and said in stderr and stderr.count("\n") == 1, stderr
    assert _state(fresh) == before


def _page_with(fresh: Path, code: str, text: str = "") -> Path:
    page = fresh / "docs" / "tool-trial.md"
    page.write_text(f"# Trial\n\n{text}\n\n```{{.python}}\n{code}\n```\n")
    return page


def test_write_fills_the_ellipsis_of_the_check_not_an_index_before_it(fresh, monkeypatch, capsys):
    code = (
        "import numpy as np\nfrom litbackprop.course.testing import assert_rounds_to\n"
        "z = np.array([[-1.5, 7.0], [-2.5, 8.0]])\nassert_rounds_to(z[..., 0], ...); assert_rounds_to(z[0, 1], ...)"
    )
    page = _page_with(fresh, code, "The first column is -1.5 and -2.5; the corner is 7.")
    status, stderr = run_tool(fresh, "write", "docs/tool-trial.md", monkeypatch=monkeypatch, capsys=capsys)
    assert status == 0, stderr
    assert 'assert_rounds_to(z[..., 0], ["-1.5", "-2.5"]); assert_rounds_to(z[0, 1], "7")' in page.read_text()


def test_write_refuses_to_fill_a_check_that_runs_in_a_loop(fresh, monkeypatch, capsys):
    code = (
        "from litbackprop.course.testing import assert_rounds_to\nfor v in (0.5, 0.25):\n    assert_rounds_to(v, ...)"
    )
    page = _page_with(fresh, code, "The values are 0.5 and 0.25.")
    before = page.read_text()
    status, stderr = run_tool(fresh, "write", "docs/tool-trial.md", monkeypatch=monkeypatch, capsys=capsys)
    assert status == 1 and "runs more than once (in a loop)" in stderr, stderr
    assert page.read_text() == before


@pytest.mark.parametrize("summary", ["", "checked", "1", "d"])
def test_write_rewrites_a_hand_written_title_not_the_tag_that_holds_it(fresh, summary, monkeypatch, capsys):
    page = fresh / "docs" / "tool-trial.md"
    page.write_text(
        "# Trial\n\n```{.python}\nx = 0.5\nprint(x)\n```\n\n"
        f'<details class="success checked" markdown="1">\n<summary>{summary}</summary>\n\n'
        "```{.python continuation}\nassert x == 0.5\n```\n\n</details>\n"
    )
    status, stderr = run_tool(fresh, "write", "docs/tool-trial.md", monkeypatch=monkeypatch, capsys=capsys)
    assert status == 0, stderr
    text = page.read_text()
    assert '<details class="success checked" markdown="1">' in text and f"<summary>{summary}</summary>" not in text


def test_write_keeps_a_page_s_crlf_line_endings(fresh, monkeypatch, capsys):
    page = fresh / "docs" / "tool-trial.md"
    page.write_bytes(
        b"# Trial\r\n\r\nThe value is 0.5.\r\n\r\n```{.python}\r\n"
        b"from litbackprop.course.testing import assert_rounds_to\r\nassert_rounds_to(0.5, ...)\r\n```\r\n"
    )
    status, stderr = run_tool(fresh, "write", "docs/tool-trial.md", monkeypatch=monkeypatch, capsys=capsys)
    assert status == 0, stderr
    data = page.read_bytes()
    assert b'assert_rounds_to(0.5, "0.5")\r\n' in data and data.count(b"\n") == data.count(b"\r\n")


@pytest.mark.parametrize(
    ("content", "said"),
    [
        (b"# Trial\n\n\xff\xfe not UTF-8\n", "is not UTF-8 text: byte 9 is 0xff"),
        (b"# Trial\n\n```{.python}\nraise RuntimeError('in a block')\n```\n", "RuntimeError: in a block"),
    ],
    ids=["not UTF-8", "a block that raises"],
)
def test_a_page_the_tool_cannot_read_or_run_is_one_line(fresh, content, said, monkeypatch, capsys):
    (fresh / "docs" / "tool-trial.md").write_bytes(content)
    status, stderr = run_tool(fresh, "write", "docs/tool-trial.md", monkeypatch=monkeypatch, capsys=capsys)
    assert status in (1, 2) and said in stderr, stderr
    assert "Traceback" not in stderr and stderr.strip().count("\n") <= 1, stderr


WIDE = """# Wide

The sum of twelve long entries, as no phone shows it:

$$
s = \\begin{bmatrix} 1000.25 & 2000.25 & 3000.25 & 4000.25 & 5000.25 & 6000.25 & 7000.25 & 8000.25 & 9000.25 & 10000.25
\\end{bmatrix}
$$

two equations side by side, which MathJax breaks between the second's name and its "=":

$$
z^{(1)} = W^{(1)}x + b^{(1)}, \\qquad z^{(2)} = W^{(2)}a^{(1)} + b^{(2)}
$$

and a line printed wider than a phone's column:

```{.python}
print("the entries:", [1000.25 * k for k in range(1, 11)])
```
"""


def test_check_applies_the_browser_s_phone_width_rule_to_the_page_built_alone(tmp_path):
    from litbackprop.pages.checks import layout
    from litbackprop.pages.tool import phone

    if layout.CHROMIUM is None:
        pytest.skip("no Chromium: the phone-width rule says so and is not run (the next test)")
    shutil.copytree(ROOT / "docs", tmp_path / "docs", ignore=shutil.ignore_patterns("notebooks"))
    config = (ROOT / "mkdocs.yml").read_text().replace("      - Biases: biases.md\n", "      - Wide: wide.md\n")
    (tmp_path / "mkdocs.yml").write_text(config)
    (tmp_path / "docs" / "wide.md").write_text(WIDE)
    problems, why_not = phone(tmp_path / "docs" / "wide.md", root=tmp_path)
    assert why_not is None
    assert len(problems) == 3, problems
    assert "wide.md at 390 px: the equation after #the top is" in problems[0] and "px wider than its box" in problems[0]
    assert problems[1] == (
        "wide.md at 390 px: the equation after #the top is broken badly: line 2 starts with =, its left side alone"
        " at the end of line 1"
    ), problems
    assert "wide.md at 390 px: an output is" in problems[2] and "the entries:" in problems[2], problems


def test_without_a_browser_check_says_the_phone_width_rule_was_not_run(monkeypatch):
    from litbackprop.pages.checks import layout

    monkeypatch.setattr(layout, "CHROMIUM", None)
    assert layout.phone_problems(ROOT / "docs" / "biases.md", "Beyond the basics", ROOT) == (
        [],
        "no Chromium (apt-get install chromium-headless-shell)",
    )


@pytest.mark.parametrize("slug", ["mse", "m" * 80], ids=["short", "80 characters"])
def test_the_exercise_new_registers_is_as_ruff_formats_it(tmp_path, slug):
    from litbackprop.pages.tool import new

    shutil.copytree(ROOT / "litbackprop" / "course", tmp_path / "litbackprop" / "course")
    (tmp_path / "docs").mkdir()
    shutil.copy(ROOT / "docs" / "index.md", tmp_path / "docs" / "index.md")
    shutil.copy(ROOT / "mkdocs.yml", tmp_path / "mkdocs.yml")
    new(slug, "Trial", "Beyond the basics", root=tmp_path)
    exercises = tmp_path / "litbackprop" / "course" / "exercises.py"
    ruff = Path(sys.executable).with_name("ruff")
    checked = subprocess.run(
        [str(ruff), "format", "--check", "--diff", "--config", str(ROOT / "pyproject.toml"), str(exercises)],
        capture_output=True,
        text=True,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_the_first_page_of_a_section_goes_after_the_pages_of_the_sections_before_it(tmp_path):
    (tmp_path / "mkdocs.yml").write_text(
        "nav:\n  - Home: index.md\n  - A:\n      - One: one.md\n  - B:\n      - Two: two.md\n      - New: new.md\n"
        "  - C:\n      - Three: three.md\n"
    )
    home = "1. [**One**](one.md): first.\n\n2. [**Three**](three.md): last.\n"
    listed = tool.list_on_home_page(home, "new", "New", "B", tmp_path)
    new = f"2. [**New**](new.md): {PLACEHOLDER_HOME}\n"
    assert listed == f"1. [**One**](one.md): first.\n{new}\n3. [**Three**](three.md): last.\n"
