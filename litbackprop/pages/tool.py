"""The page tool: start a page, let the page's own numbers fill in its checks, check it in seconds.

    .venv/bin/litbackprop-page new weight-decay "Weight decay"   # a page that passes, to edit
    .venv/bin/litbackprop-page write docs/weight-decay.md        # its checks' titles and digits
    .venv/bin/litbackprop-page check docs/weight-decay.md        # all the page's checks, in seconds

``check`` runs what the test suite runs on one page, without the build and the browser: every block in
order, the tie of every number to the code beside it, the pairing of equations with blocks, each
equation evaluated with its block's values (``litbackprop/pages/checks/formulas.py``), the titles of the Checked
sections, and the page's place in mkdocs.yml's nav. Each problem says how to fix it. ``write`` fills in
what is written from the page itself: each Checked section's title, and the digits of every
``assert_rounds_to(value, ...)`` whose digits are left as ``...``, taken from the numbers the text
beside the block shows (so nobody retypes them). ``new`` writes a two-equation page that passes every
check, adds it to the nav and registers its exercise.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import io
import json
import os
import re
import sys
import time
import unicodedata
from collections import Counter
from pathlib import Path

import numpy as np
import yaml

import litbackprop.course.testing
from litbackprop.pages.checks import printed_numbers
from litbackprop.pages.checks.formulas import formula_problems, points_of
from litbackprop.pages.checks.pairing import pairing_problems
from litbackprop.pages.checks.printed_numbers import Block, Text, check_page, neighbours, split, write_summaries
from litbackprop.pages.checks.teaching import problems as teaching_problems
from litbackprop.pages.runner import run_page

ROOT = Path(__file__).resolve().parents[2]

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
SIGNED = re.compile(r"(?<![\w.])([-−]?)(\d+(?:\.\d+)?(?:e-?\d+)?)(?![\w])")


# check


PROJECT_SECTION = "The project"
"""The nav's section for the project rather than the course: its pages are not on the home page's list."""
ITEM = re.compile(r"^(\d+)\. \[\*\*(.+?)\*\*\]\(([^)]+)\)", flags=re.M)


class _ConfigLoader(yaml.SafeLoader):
    """Reads mkdocs.yml as data: a ``!!python/name:`` tag (a function MkDocs imports) is read as its name."""


_ConfigLoader.add_multi_constructor("tag:yaml.org,2002:python/", lambda loader, suffix, node: suffix)


def read_config(root: Path) -> dict:
    """mkdocs.yml of the project at `root`, as data."""
    return yaml.load((root / "mkdocs.yml").read_text(), Loader=_ConfigLoader)  # noqa: S506 (a SafeLoader)


def nav_sections(root: Path) -> dict[str, str]:
    """Each Markdown or notebook file of mkdocs.yml's nav, relative to docs/, and the section it is in."""

    def walk(entries, section):
        for entry in entries:
            title, value = next(iter(entry.items())) if isinstance(entry, dict) else (None, entry)
            yield from walk(value, title) if isinstance(value, list) else [(value, section)]

    return dict(walk(read_config(root)["nav"], None))


PLACEHOLDER_PAGE = "What this page derives, in a sentence or two."
PLACEHOLDER_HOME = "what this page derives, in a line."
"""The sentences `new` writes for the author to replace: `check` fails while either is left."""


def place_problems(page: Path, root: Path) -> list[str]:
    """Where the page stands in the site: in the nav, and, for a course page, on the home page's list."""
    relative = page.resolve().relative_to((root / "docs").resolve()).as_posix()
    sections = nav_sections(root)
    if relative not in sections:
        html = relative.removesuffix(".md") + ".html"
        return [
            f"{page.name}: {html} is built but is not in mkdocs.yml's nav: add the line "
            f"'- {title_of(page)}: {relative}' under the section it belongs to"
        ]
    home = (root / "docs" / "index.md").read_text()
    items = {match[3]: home[match.start() : home.find("\n", match.start())] for match in ITEM.finditer(home)}
    if sections[relative] not in (None, PROJECT_SECTION) and relative not in items:
        return [
            f"{page.name}: a course page, but the home page's list of pages does not link to it: add the item "
            f"'[**{title_of(page)}**]({relative}): what it derives' to docs/index.md's list, in its place"
        ]
    problems = [
        problem for problem in teaching_problems(list(sections), root / "docs") if problem.startswith(f"{relative}: ")
    ]
    if PLACEHOLDER_PAGE in page.read_text():
        problems.append(
            f"{page.name}: the page still opens with the template's {PLACEHOLDER_PAGE!r}: say what it derives"
        )
    if PLACEHOLDER_HOME in items.get(relative, ""):
        problems.append(
            f"{page.name}: the home page's list still says {PLACEHOLDER_HOME!r} for it: say there what it derives"
        )
    return problems


def list_on_home_page(text: str, slug: str, title: str, section: str, root: Path) -> str:
    """The home page's `text` with the page in its numbered list after the last page of its nav section (of the
    sections before it, for the first page of a section), and the items after it renumbered."""
    sections = nav_sections(root)
    order = list(dict.fromkeys(sections.values()))
    items = list(ITEM.finditer(text))
    listed = [m for m in items if m[3] != f"{slug}.md" and sections.get(m[3]) in order]
    same = [m for m in listed if order.index(sections[m[3]]) <= order.index(section)] if section in order else []
    if not same:
        return text
    end = text.index("\n", same[-1].end())
    while text[end + 1 : end + 4] == "   ":  # the item's continuation lines
        end = text.index("\n", end + 1)
    number = int(same[-1][1]) + 1
    text = text[: end + 1] + f"{number}. [**{title}**]({slug}.md): {PLACEHOLDER_HOME}\n" + text[end + 1 :]
    later = [m for m in ITEM.finditer(text) if m.start() > end + 1]
    for match in reversed(later):  # renumber the items after it, from the end, so offsets stay right
        text = text[: match.start()] + str(int(match[1]) + 1) + text[match.start() + len(match[1]) :]
    return text


def title_of(page: Path) -> str:
    first = page.read_text().splitlines()[0] if page.exists() else ""
    return first.removeprefix("# ").strip() or page.stem


def check(page: Path, root: Path | None = None) -> list[str]:
    """Everything the suite would find wrong with one page, each with what to do; empty when it passes."""
    root = ROOT if root is None else root
    source = page.read_text()
    ran = run_page(source, page.name)  # the page's one run: both checks read it
    return [
        *place_problems(page, root),
        *(f"{page.name}: {problem}" for problem in pairing_problems(source)),
        *check_page(page, source, ran),
        *formula_problems(source, page.name, points_of(ran)),
    ]


def phone(page: Path, root: Path | None = None) -> tuple[list[str], str | None]:
    """The browser test's layout rules for `page` at a phone's width, the page built alone; or why they were not run."""
    from litbackprop.pages.checks.layout import phone_problems  # Playwright and MkDocs: only when asked

    root = ROOT if root is None else root
    relative = page.resolve().relative_to((root / "docs").resolve()).as_posix()
    section = nav_sections(root).get(relative)
    return phone_problems(page, section, root, course=section != PROJECT_SECTION)


# write


def digits_wanted(page: Path) -> list[tuple[int, tuple[int, int], object]]:
    """Run the page; for each ``assert_rounds_to(value, ...)`` left to fill: its block, where the call starts in the
    block's code (line, column in bytes, as Python's syntax tree counts them), and the value."""
    wanted: list[tuple[int, tuple[int, int], object]] = []
    original = litbackprop.course.testing.assert_rounds_to
    current = {"block": -1}

    def recording(actual, printed, name="value"):
        if printed is Ellipsis:
            frame = sys._getframe(1)
            line, _, column, _ = list(frame.f_code.co_positions())[frame.f_lasti // 2]  # the call running now
            # a copy: a later block may change the array in place (a step of training), not what was checked
            wanted.append((current["block"], (line, column), np.array(actual, dtype=np.float64, copy=True)))
            return None
        return original(actual, printed, name)

    parts = split(page.read_text())
    litbackprop.course.testing.assert_rounds_to = recording
    try:
        namespace: dict = {}
        for index, part in enumerate(parts):
            if isinstance(part, Block):
                namespace = namespace if part.continuation else {"__name__": "__main__"}
                current["block"] = index
                exec(compile(part.code, f"{page.name}:{part.line}", "exec"), namespace)
    finally:
        litbackprop.course.testing.assert_rounds_to = original
    return wanted


def rounds_to(value: float, text: str) -> bool:
    try:
        litbackprop.course.testing.assert_rounds_to(value, text)
    except (AssertionError, ValueError):  # ValueError: a token that is no plain number, such as 1e-5
        return False
    return True


def shown_digits(texts: list[str], values: np.ndarray) -> list[str] | None:
    """The last run of numbers in `texts` that `values` round to, entry by entry, in order; None if there is none."""
    tokens = [
        (sign.replace("−", "-"), digits)
        for text in texts
        for sign, digits in SIGNED.findall(printed_numbers.visible(text).replace(",", ""))
    ]
    flat, n = values.ravel(), values.size
    for start in range(len(tokens) - n, -1, -1):
        found = []
        for (sign, digits), value in zip(tokens[start : start + n], flat, strict=True):
            candidates = [sign + digits, digits] if sign else [digits]
            match = next((c for c in candidates if rounds_to(value, c)), None)
            if match is None:
                break
            found.append(match)
        else:
            return found
    return None


def _ellipsis_of(code: str, line: int, column: int) -> tuple[int, int, int] | None:
    """Where the ``...`` of the ``assert_rounds_to`` call starting at (`line`, `column`) of `code` is: its line and
    its columns in bytes, found in the syntax tree (not by text: ``z[...]`` may come first on the line)."""
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.Call) and (node.lineno, node.col_offset) == (line, column) and len(node.args) > 1:
            dots = node.args[1]
            if isinstance(dots, ast.Constant) and dots.value is Ellipsis and dots.lineno == dots.end_lineno:
                return dots.lineno, dots.col_offset, dots.end_col_offset
    return None


def write_digits(page: Path) -> list[str]:
    """Fill in each ``assert_rounds_to(value, ...)`` with the digits the text beside it shows; what could not be."""
    parts = split(page.read_text())
    lines = page.read_text().splitlines(keepends=True)
    problems = []
    wanted, edits = digits_wanted(page), []
    runs = Counter((index, position) for index, position, _ in wanted)
    for index, (line, column), value in wanted:
        block = parts[index]
        if runs[index, (line, column)] > 1:  # a loop: one `...` cannot hold the digits of every pass
            runs[index, (line, column)] = 0  # said once
            problems.append(
                f"{page.name}:{block.line + line}: this assert_rounds_to runs more than once (in a loop): "
                "its ... cannot hold the digits of every pass; write them out, one call per value"
            )
            continue
        if runs[index, (line, column)] == 0:  # the loop's other passes
            continue
        beside = [
            i for i, p in enumerate(parts) if isinstance(p, Text) and any(b is block for b in neighbours(parts, i))
        ]
        before = [parts[i].text for i in beside if i < index]
        after = [parts[i].text for i in beside if i > index]
        digits = shown_digits(before, value) or shown_digits(after, value)  # the equation before, first
        where = block.line + line  # the fence is line block.line; the code's first line the next
        if digits is None:
            shown = value.round(6).tolist()
            problems.append(
                f"{page.name}:{where}: the text beside this block shows no number that {shown} rounds to: "
                "write the value in the equation (or the prose) beside it, then run write again"
            )
            continue
        printed = (
            repr(digits[0]) if value.ndim == 0 else repr(np.array(digits, dtype=object).reshape(value.shape).tolist())
        )
        dots_line, start, end = _ellipsis_of(block.code, line, column)
        at = block.line + dots_line - 1  # the fence is line block.line of the page; the code's first, the next
        edits.append((at, start, end, printed.replace("'", '"')))
    for at, start, end, printed in sorted(edits, reverse=True):  # from the right: earlier columns stay right
        text = lines[at].encode()  # the syntax tree counts columns in bytes
        lines[at] = (text[:start] + printed.encode() + text[end:]).decode()
    page.write_text("".join(lines))
    return problems


def write(page: Path) -> list[str]:
    """Fill in the page's digits left as ``...`` and rewrite its hand-written Checked titles; what could not be.

    The page keeps its line endings: one written with CRLF is written back with CRLF."""
    crlf = b"\r\n" in page.read_bytes()
    problems = write_digits(page)
    write_summaries(page)
    if crlf:
        page.write_bytes(page.read_text().replace("\n", "\r\n").encode())
    return problems


def what_was_written(before: str, after: str) -> str:
    """How many checks had their digits filled in, and how many hand-written titles were rewritten."""
    changed = [(a, b) for a, b in zip(before.splitlines(), after.splitlines(), strict=False) if a != b]
    digits = sum("<summary>" not in a for a, _ in changed)
    titles = len(changed) - digits
    return f"{digits} check{'s' * (digits != 1)} given its digits, {titles} title{'s' * (titles != 1)} rewritten"


# new

TEMPLATE = r"""# {title}

{placeholder} The example below is a layer
\(z = W x\) and the gradient of its weights; replace it with yours, keeping the
pattern: an equation, the block that computes it (its first line the equation's id), its checks.

## The forward step

$$
z = W x = \begin{{bmatrix}} 1 & 2 \\ 3 & 4 \end{{bmatrix}} \begin{{bmatrix}} 0.5 \\ -1 \end{{bmatrix}}
= \begin{{bmatrix}} -1.5 \\ -2.5 \end{{bmatrix}}
$$

```{{.python}}
# eq-{slug}-forward
import numpy as np
import litbackprop as lb

W = np.array([[1.0, 2.0], [3.0, 4.0]])
x = np.array([0.5, -1.0])
z = lb.linear(W, x)
print(z)
```

```{{.python continuation .checked}}
from litbackprop.course.testing import assert_allclose, assert_gradient_matches, assert_rounds_to

assert_allclose(z, W @ x, rtol=1e-15)
assert_rounds_to(z, ..., name="z")
```

## The backward step

With an upstream gradient \(\frac{{\partial L}}{{\partial z}}\), each weight
\(W_{{kj}}\) meets the loss only through \(z_k\), so
\(\frac{{\partial L}}{{\partial W_{{kj}}}} = \frac{{\partial L}}{{\partial z_k}}\, x_j\):
an outer product.

$$
\frac{{\partial L}}{{\partial W}} = \frac{{\partial L}}{{\partial z}}\, x^T
= \begin{{bmatrix}} 1 \\ -2 \end{{bmatrix}} \begin{{bmatrix}} 0.5 & -1 \end{{bmatrix}}
= \begin{{bmatrix}} 0.5 & -1 \\ -1 & 2 \end{{bmatrix}}
$$

```{{.python continuation}}
# eq-{slug}-backward
dz = np.array([1.0, -2.0])
dW = lb.grad_weights(dz, x)
print(dW)
```

```{{.python continuation .checked}}
assert_gradient_matches(dW, lambda: float(dz @ (W @ x)), W)
assert_rounds_to(dW, ..., name="dW")
```

## Your turn

Compute \(\frac{{\partial L}}{{\partial W}}\) for the upstream gradient
\(\frac{{\partial L}}{{\partial z}} = (3, 1)\), then give your array to the checker.

Name your array `answer` and run `check("{slug}", answer)`, from
`litbackprop.course.exercises`; the solution below ends with that call.

```{{.python continuation .solution}}
answer = np.outer(np.array([3.0, 1.0]), x)

from litbackprop.course.exercises import check

verdict = check("{slug}", answer)
print(verdict)
```

```{{.python continuation .checked}}
assert verdict.verdict != "wrong", verdict
```
"""

REFERENCE = """def _{name}():
    from litbackprop.fully_connected import grad_weights

    return grad_weights(np.array([3.0, 1.0]), np.array([0.5, -1.0]))


"""

EXERCISE = """    "{slug}": Exercise(_{name}, "dL/dW = dL/dz x^T: entry (k, j) is dL/dz_k times x_j"),
"""
EXERCISE_WRAPPED = """    "{slug}": Exercise(
        _{name},
        "dL/dW = dL/dz x^T: entry (k, j) is dL/dz_k times x_j",
    ),
"""
"""The exercise's entry on one line where it fits ruff's 120 characters, as ruff format writes it."""


MAX_SLUG = 80
"""The longest page name: its file, notebook and anchors stay well within a file system's 255 bytes."""


def new(slug: str, title: str, section: str, root: Path | None = None) -> Path:
    """Write docs/SLUG.md from the template, add it to the nav's `section` and the home page's list, register its
    exercise: every file or none, each written whole, once every one of them is made and checked."""
    root = ROOT if root is None else root
    if not SLUG.match(slug) or len(slug) > MAX_SLUG:
        raise SystemExit(
            f"litbackprop-page: the name {slug[:100]!r} must be lowercase words joined by hyphens, at most "
            f"{MAX_SLUG} characters, such as weight-decay"
        )
    if not title.strip() or any(unicodedata.category(c)[0] in "CZ" and c != " " for c in title):
        raise SystemExit(
            f"litbackprop-page: the title {title[:100]!r} must be one line of text: no line break, tab or other "
            "control or separator character"
        )
    page = root / "docs" / f"{slug}.md"
    if page.exists():
        raise SystemExit(f"litbackprop-page: {page} exists already")
    config = root / "mkdocs.yml"
    text = config.read_text()
    heading = re.search(rf"^  - {re.escape(section)}:\n((?:      - .*\n)+)", text, flags=re.M)
    if heading is None:
        sections = re.findall(r"^  - ([^:\n]+):\n      - ", text, flags=re.M)
        raise SystemExit(
            f"litbackprop-page: mkdocs.yml's nav has no section {section!r}; its sections: {', '.join(sections)}"
        )
    exercises = root / "litbackprop" / "course" / "exercises.py"
    registry = exercises.read_text()
    name = slug.replace("-", "_")
    if f'"{slug}": Exercise(' in registry or re.search(rf"^(def|class) _{name}\b|^_{name}\b", registry, flags=re.M):
        raise SystemExit(
            f"litbackprop-page: litbackprop/course/exercises.py has an exercise or a helper named {slug!r} or "
            f"_{name} already: choose another name"
        )
    entry = f"      - {json.dumps(title, ensure_ascii=False)}: {slug}.md\n"  # a JSON string is a YAML string
    written = {
        page: TEMPLATE.format(slug=slug, title=title, placeholder=PLACEHOLDER_PAGE),
        config: text[: heading.end()] + entry + text[heading.end() :],
    }
    end = registry.index("\n}\n", registry.index("EXERCISES: dict[str, Exercise] = {"))
    entry = EXERCISE.format(slug=slug, name=name)
    if max(map(len, entry.splitlines())) > 120:
        entry = EXERCISE_WRAPPED.format(slug=slug, name=name)
    registry = registry[: end + 1] + entry + registry[end + 1 :]
    before = registry.index("@dataclass(frozen=True)\nclass Exercise")
    written[exercises] = registry[:before] + REFERENCE.format(name=name) + registry[before:]
    if section != PROJECT_SECTION:
        index = root / "docs" / "index.md"
        written[index] = list_on_home_page(index.read_text(), slug, title, section, root)
    _check_staged(written, config, exercises, slug, title)
    _write_all(written)
    return page


def _check_staged(written: dict[Path, str], config: Path, exercises: Path, slug: str, title: str) -> None:
    """Refuse, before anything is written, a nav that does not read back with the page under its title, or an
    exercises module that is no longer Python."""
    nav = yaml.load(written[config], Loader=_ConfigLoader)["nav"]
    entries = [item for section in nav if isinstance(section, dict) for items in section.values() for item in items]
    if {title: f"{slug}.md"} not in entries:
        raise SystemExit(
            f"litbackprop-page: the title {title[:100]!r} does not read back from mkdocs.yml; choose another"
        )
    try:
        ast.parse(written[exercises])
    except SyntaxError as error:
        raise SystemExit(f"litbackprop-page: the exercise for {slug!r} would not be Python: {error}") from None


def _write_all(written: dict[Path, str]) -> None:
    """Each file written beside itself, then all moved into place: a failure leaves every file as it was."""
    staged = {}
    try:
        for path, text in written.items():
            temporary = path.with_name(f".{path.name}.litbackprop-page")
            temporary.write_text(text, encoding="utf-8")
            staged[path] = temporary
        for path, temporary in staged.items():
            os.replace(temporary, path)
    finally:
        for temporary in staged.values():
            temporary.unlink(missing_ok=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="litbackprop-page", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    start = commands.add_parser("new", help="start a page that passes every check, to edit")
    start.add_argument("slug", help="the page's file name without .md, such as weight-decay")
    start.add_argument("title", help='the page\'s title, such as "Weight decay"')
    start.add_argument("--section", default="Beyond the basics", help="the nav section (default: Beyond the basics)")
    for name, help_ in (("write", "fill in the Checked titles and the digits left as ..."), ("check", "check pages")):
        command = commands.add_parser(name, help=help_)
        command.add_argument("pages", nargs="+", type=Path)
        if name == "check":
            command.add_argument(
                "--no-browser", action="store_true", help="leave out the phone-width rules (a few seconds a page)"
            )
    args = parser.parse_args(argv)
    docs = (ROOT / "docs").resolve()
    for page in getattr(args, "pages", []):
        if not (page.suffix == ".md" and page.is_file() and page.resolve().is_relative_to(docs)):
            parser.error(f"{page} is not a Markdown page of docs/ (such as docs/weight-decay.md)")
        try:
            page.read_text(encoding="utf-8")
        except UnicodeDecodeError as error:
            parser.error(f"{page} is not UTF-8 text: byte {error.start} is {error.object[error.start]:#04x}")

    if args.command == "new":
        page = new(args.slug, args.title, args.section)
        with contextlib.redirect_stdout(io.StringIO()):
            problems = write(page)
        print(
            f"wrote {page.relative_to(ROOT)}, added it to the nav under {args.section!r} and to the home page's "
            "list, and its exercise to litbackprop/course/exercises.py; edit them, then run\n"
            f"  .venv/bin/litbackprop-page check {page.relative_to(ROOT)}"
        )
        return report(problems)
    problems = []
    for page in args.pages:
        started, before = time.perf_counter(), page.read_text()
        try:
            with contextlib.redirect_stdout(io.StringIO()):  # what the blocks print is the site's, not the tool's
                found = write(page) if args.command == "write" else check(page)
            said = ", the phone-width rules left out (--no-browser)"
            if args.command == "check" and not found and not args.no_browser:
                found, why_not = phone(page)
                said = ", the phone-width rules among them"
                if why_not:
                    said = f", the phone-width rules not run: {why_not}"
        except (Exception, RecursionError) as error:  # noqa: BLE001 - a page the tool cannot read: one line
            found = [f"{page}: {args.command} stopped: {type(error).__name__}: {str(error)[:300]}"]
        problems += found
        if args.command == "check" and not found:
            print(f"{page}: every check passes{said} ({time.perf_counter() - started:.1f} s)")
        if args.command == "write":
            print(f"{page}: {what_was_written(before, page.read_text())}")
    return report(problems)


def report(problems: list[str]) -> int:
    sys.stdout.flush()  # what went to stdout first stays first where both streams go to one terminal
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
