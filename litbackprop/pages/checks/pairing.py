"""The pairing of a page's display equations with the Python blocks that implement them.

The next block after a display equation starts with the line ``# eq-...`` naming it (the id is
``eq-`` then lowercase letters, digits and hyphens: ``eq-weight-decay``), and that line is the
equation's id: the site's build puts its anchor, ``<a id="eq-..."></a>``, before the equation, so that
``[(3a)](#eq-bwd-3a)`` links to it. An anchor written by hand on the line before the equation says the
same and must agree. `parse` reads a page's equations and blocks once; every check reads them from it.
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
    tex: dict[int, str] = field(default_factory=dict)  # an equation's line: its TeX, between the $$
    written: dict[int, str] = field(default_factory=dict)  # an equation's line: the id of its hand-written anchor
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
            start = i
            page.equations.append((i + 1, anchor.group(1) if anchor else None))
            if anchor:
                page.written[i + 1] = anchor.group(1)
            if malformed and not anchor:
                page.malformed[i + 1] = malformed.group(1)
            if not (len(line) > 4 and line.endswith("$$")):
                i += 1
                while i < len(lines) and not lines[i].strip().startswith("$$"):
                    i += 1
            body = "\n".join(lines[start : i + 1]).strip()
            page.tex[start + 1] = body[2:-2] if len(body) >= 4 and body.endswith("$$") else body[2:]
        i += 1
    _name_by_blocks(page)
    return page


def _name_by_blocks(page: Page) -> None:
    """An equation without an anchor takes the id its block names, the next block before the next equation."""
    for k, (line, eq_id) in enumerate(page.equations):
        if eq_id is not None or line in page.malformed:
            continue
        block = next((b for b in page.blocks if b[0] > line), None)
        following = page.equations[k + 1][0] if k + 1 < len(page.equations) else None
        if block is not None and block[1] and block[2] and (following is None or block[0] < following):
            page.equations[k] = (line, block[2])


@dataclass(frozen=True)
class Display:
    eq_id: str
    line: int  # the line of its opening $$
    tex: str


def displays(text: str) -> list[Display]:
    """The page's display equations that have an id (their anchor's, or their block's), in order."""
    page = parse(text)
    return [Display(eq_id, line, page.tex[line]) for line, eq_id in page.equations if eq_id]


def anchored(text: str) -> str:
    """The page with an anchor before each equation that its block names and no hand-written anchor gives."""
    page = parse(text)
    lines = text.split("\n")
    for line, eq_id in reversed(page.equations):
        if eq_id and line not in page.written:
            indent = lines[line - 1][: len(lines[line - 1]) - len(lines[line - 1].lstrip())]  # in an admonition too
            lines[line - 1 : line - 1] = [f'{indent}<a id="{eq_id}"></a>', ""]
    return "\n".join(lines)


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
                f"line {line}: display equation without an id: start the Python block after it with a line "
                f"'# eq-...', the id {ID_FORMAT}"
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
