"""The pairing of a page's display equations with the Python blocks that implement them.

Each display equation carries an anchor, ``<a id="eq-..."></a>``, on the line before it (the id
is ``eq-`` then lowercase letters, digits and hyphens: ``eq-weight-decay``), and the next block
on the page starts with the line ``# eq-...`` naming it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

ANCHOR = re.compile(r'^<a id="(eq-[a-z0-9-]+)"></a>$')
ANY_ANCHOR = re.compile(r'^<a id="([^"]*)"></a>$')
ID_FORMAT = "eq- then lowercase letters, digits and hyphens, such as eq-weight-decay"
BLOCK_ID = re.compile(r"^# (eq-[a-z0-9-]+)\s*$")
FENCE = re.compile(r"^(`{3,}|~{3,})(.*)$")
SNIPPET = re.compile(r'^--8<-- "[^"]+"$')


@dataclass
class Page:
    equations: list[tuple[int, str | None]] = field(default_factory=list)  # (line, id)
    blocks: list[tuple[int, bool, str | None]] = field(default_factory=list)  # (line, is_python, id)
    malformed: dict[int, str] = field(default_factory=dict)  # an equation's line: the id of its malformed anchor
    glued: list[int] = field(default_factory=list)  # closing fences with text after them on their line
    untested: list[int] = field(default_factory=list)  # notest blocks that hold more than the library's code
    other_displays: list[tuple[int, str]] = field(default_factory=list)  # displays not between $$: (line, form)


OTHER_DISPLAY = re.compile(r"\\\[|\\begin\{(?:align|equation|gather|multline|eqnarray)\*?\}")
"""A display equation typeset without ``$$``: MathJax shows it, so the checks must see it too."""


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
            page.blocks.append((i + 1, "python" in info and "notest" not in info, match.group(1) if match else None))
            i += 1
            start = i
            while i < len(lines) and not lines[i].strip().startswith(marker):
                i += 1
            shown = [line.strip() for line in lines[start:i] if line.strip()]
            if "notest" in info and not all(SNIPPET.match(line) for line in shown):
                page.untested.append(start)
            if i < len(lines) and lines[i].strip().rstrip("`~") != "":
                page.glued.append(i + 1)
        elif OTHER_DISPLAY.match(line):
            page.other_displays.append((i + 1, OTHER_DISPLAY.match(line).group(0)))
        elif line.startswith("$$"):
            previous = next((lines[j].strip() for j in range(i - 1, -1, -1) if lines[j].strip()), "")
            anchor = ANCHOR.match(previous)
            malformed = ANY_ANCHOR.match(previous)
            page.equations.append((i + 1, anchor.group(1) if anchor else None))
            if malformed and not anchor:
                page.malformed[i + 1] = malformed.group(1)
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
        if eq_id is None and line in page.malformed:
            problems.append(
                f"line {line}: the anchor's id {page.malformed[line]!r} is not an equation id: write {ID_FORMAT}"
            )
            continue
        if eq_id is None:
            problems.append(
                f'line {line}: display equation without an anchor: put <a id="eq-..."></a> on a line of its own '
                f"before it, the id {ID_FORMAT}"
            )
            continue
        following = [b for b in page.blocks if b[0] > line]
        next_equation = min((n for n, _ in page.equations if n > line), default=None)
        if not following or (next_equation is not None and following[0][0] > next_equation):
            problems.append(
                f"line {line}: equation {eq_id} is not followed by a code block: add a Python block after it "
                f"whose first line is '# {eq_id}'"
            )
        elif not following[0][1] or following[0][2] != eq_id:
            problems.append(
                f"line {line}: equation {eq_id} is followed by a block that does not start with '# {eq_id}'"
            )
    for line in page.untested:
        problems.append(
            f"line {line}: a notest block shows code that never runs: it may hold only the library's own code, "
            'included with --8<-- "litbackprop/FILE.py:SECTION"'
        )
    for line, form in page.other_displays:
        problems.append(
            f"line {line}: a display equation opened with {form}: write it between $$ lines, with its anchor and its "
            "block, so that its pairing and its formula are checked"
        )
    for line in page.glued:
        problems.append(f"line {line}: text after a closing fence: put the fence's ``` on a line of its own")
    for eq_id in {i for i in ids if ids.count(i) > 1}:
        problems.append(f"equation id {eq_id} is used more than once")
    for line, _, block_id in page.blocks:
        if block_id is not None and block_id not in ids:
            problems.append(f"line {line}: block names {block_id}, which no equation on the page has")
    return problems
