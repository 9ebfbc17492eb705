"""Every display equation on the site has an id and is followed by the Python block that implements it."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[2] / "docs"
PAGES = sorted(DOCS.rglob("*.md"))

ANCHOR = re.compile(r'^<a id="(eq-[a-z0-9-]+)"></a>$')
BLOCK_ID = re.compile(r"^# (eq-[a-z0-9-]+)\s*$")
FENCE = re.compile(r"^(`{3,}|~{3,})(.*)$")


@dataclass
class Page:
    equations: list[tuple[int, str | None]] = field(default_factory=list)  # (line, id)
    blocks: list[tuple[int, bool, str | None]] = field(default_factory=list)  # (line, is_python, id)


def parse(text: str) -> Page:
    """Find the display equations (``$$`` blocks) and fenced code blocks of a page, in order."""
    page = Page()
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i].strip()
        fence = FENCE.match(line)
        if fence:
            marker, info = fence.groups()
            first = lines[i + 1].strip() if i + 1 < len(lines) else ""
            match = BLOCK_ID.match(first)
            page.blocks.append((i + 1, "python" in info, match.group(1) if match else None))
            i += 1
            while i < len(lines) and not lines[i].strip().startswith(marker):
                i += 1
        elif line.startswith("$$"):
            previous = next((lines[j].strip() for j in range(i - 1, -1, -1) if lines[j].strip()), "")
            anchor = ANCHOR.match(previous)
            page.equations.append((i + 1, anchor.group(1) if anchor else None))
            if not (len(line) > 4 and line.endswith("$$")):
                i += 1
                while i < len(lines) and not lines[i].strip().startswith("$$"):
                    i += 1
        i += 1
    return page


def pairing_problems(text: str) -> list[str]:
    """Say what is wrong with a page's pairing of equations and blocks; empty when all is well."""
    page = parse(text)
    problems = []
    ids = [eq_id for _, eq_id in page.equations if eq_id]
    for line, eq_id in page.equations:
        if eq_id is None:
            problems.append(f'line {line}: display equation without an <a id="eq-..."></a> anchor before it')
            continue
        following = [b for b in page.blocks if b[0] > line]
        next_equation = min((n for n, _ in page.equations if n > line), default=None)
        if not following or (next_equation is not None and following[0][0] > next_equation):
            problems.append(f"line {line}: equation {eq_id} is not followed by a code block")
        elif not following[0][1] or following[0][2] != eq_id:
            problems.append(
                f"line {line}: equation {eq_id} is followed by a block that does not start with '# {eq_id}'"
            )
    for eq_id in {i for i in ids if ids.count(i) > 1}:
        problems.append(f"equation id {eq_id} is used more than once")
    for line, _, block_id in page.blocks:
        if block_id is not None and block_id not in ids:
            problems.append(f"line {line}: block names {block_id}, which no equation on the page has")
    return problems


def test_the_site_has_pages_with_equations():
    assert sum(len(parse(p.read_text()).equations) for p in PAGES) >= 20


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(DOCS)))
def test_every_equation_is_paired_with_its_block(page):
    problems = pairing_problems(page.read_text())
    assert not problems, f"{page.name}:\n" + "\n".join(problems)


GOOD = """
<a id="eq-a"></a>

$$
a = 1
$$

```{.python}
# eq-a
a = 1
```
"""


def test_a_well_paired_page_has_no_problems():
    assert pairing_problems(GOOD) == []


def test_an_equation_without_a_block_is_reported():
    text = GOOD + '\n<a id="eq-b"></a>\n\n$$\nb = 2\n$$\n'
    assert pairing_problems(text) == ["line 15: equation eq-b is not followed by a code block"]


def test_an_equation_without_an_id_is_reported():
    problems = pairing_problems("Text.\n\n$$\nc = 3\n$$\n\n```python\nc = 3\n```\n")
    assert problems == ['line 3: display equation without an <a id="eq-..."></a> anchor before it']


def test_a_block_naming_an_unknown_id_is_reported():
    problems = pairing_problems(GOOD + "\n```{.python}\n# eq-nowhere\n```\n")
    assert problems == ["line 13: block names eq-nowhere, which no equation on the page has"]


def test_a_block_naming_another_equation_is_reported():
    text = GOOD.replace("# eq-a", "# eq-z")
    assert "equation eq-a is followed by a block that does not start with '# eq-a'" in pairing_problems(text)[0]


def test_an_equation_whose_block_comes_after_the_next_equation_is_reported():
    text = '<a id="eq-x"></a>\n\n$$\nx\n$$\n\n' + GOOD
    assert pairing_problems(text)[0] == "line 3: equation eq-x is not followed by a code block"


def test_dollars_inside_a_code_block_are_not_equations():
    assert parse("```python\n# $$\nprint('$$')\n```\n").equations == []
