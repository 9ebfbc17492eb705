"""The one run of a page: its blocks executed once, in order, and what every check reads recorded.

A page is text and Python blocks (`split`): a ``{.python}`` fence starts a new program,
``{.python continuation}`` goes on in the last one, as pytest-markdown-docs runs them. `run_page` executes
each block once and records, for every check that reads the page: the digits each ``assert_rounds_to``
call checked (`Block.printed`), what the block printed (`Block.output`), its namespace where a text beside it
states a value inline (`Block.values`), and, for each block that names an equation, the values before and
after it (`PageRun.points`, with a second point drawn where the block starts from zeros). The digits' check
(`checks.printed_numbers`), the formula check (`checks.formulas`), the mutation tests and the page tool all
read one `PageRun`, so that a page's blocks run once however many checks look at them.
"""

from __future__ import annotations

import contextlib
import functools
import io
import re
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np

from litbackprop.course import testing

FENCE = re.compile(r"^(`{3,}|~{3,})(.*)$")
EQUATION_TAG = re.compile(r"# (eq-[a-z0-9-]+)\s*$")
LEFT_TO_FILL = re.compile(r"assert_rounds_to\([^\n]*\.\.\.")

EXECUTIONS: Counter[tuple[str, int]] = Counter()
"""How often each block ran in this process, by (page, line): the measure of "each block runs once"."""


@dataclass
class Block:
    line: int
    code: str
    continuation: bool
    printed: list[list[str]] = field(default_factory=list)  # what each of its assert_rounds_to calls checked
    values: dict | None = None  # its namespace after it ran, kept for a text beside it that states a value
    output: str = ""  # what it printed
    checked: bool = False  # a one-fence verification (``.checked``): the build gives it its title


@dataclass
class Text:
    line: int
    text: str


def split(source: str) -> list[Block | Text]:
    """The page as alternating stretches of text and Python blocks; other fences count as text."""
    parts: list[Block | Text] = []
    lines = source.splitlines()
    start, i = 0, 0
    while i < len(lines):
        fence = FENCE.match(lines[i].strip())
        if fence:
            marker, info = fence.groups()
            j = i + 1
            while j < len(lines) and not lines[j].strip().startswith(marker):
                j += 1
            if "python" in info and "notest" not in info:  # notest: code shown, never run (the engine's own)
                parts.append(Text(start + 1, "\n".join(lines[start:i])))
                parts.append(
                    Block(i + 1, "\n".join(lines[i + 1 : j]), "continuation" in info, checked=".checked" in info)
                )
                start = j + 1
            else:  # an example in another language (a shell command, Markdown source): shown, never run
                lines[i : j + 1] = [""] * (min(j, len(lines) - 1) + 1 - i)
            i = j + 1
            continue
        i += 1
    parts.append(Text(start + 1, "\n".join(lines[start:])))
    return parts


@dataclass
class PageRun:
    """A page's parts as they ran, its equations' points, and the first failure (None when every block ran)."""

    parts: list[Block | Text]
    points: dict[str, list[tuple[dict, dict]]] = field(default_factory=dict)
    failure: str | None = None


@contextmanager
def recording_printed() -> Iterator[list[list[list[str]]]]:
    """While a page runs, `testing.assert_rounds_to` also records the digits each call checks, per call, in order:
    the last list of the one yielded is the current block's. The library knows nothing of it."""
    blocks: list[list[list[str]]] = [[]]
    original = testing.assert_rounds_to

    @functools.wraps(original)
    def recording(actual, printed, name="value"):
        blocks[-1].append([str(text) for text in np.asarray(printed, dtype=object).flat])
        return original(actual, printed, name)

    testing.assert_rounds_to = recording  # a block imports it by name when it runs: it gets this one
    try:
        yield blocks
    finally:
        testing.assert_rounds_to = original


GLUE = re.compile(r"^\s*(<details[^>]*>\s*(<summary>.*?</summary>)?|</details>)?\s*$", flags=re.S)


def neighbours(parts: list[Block | Text], index: int) -> list[Block]:
    """The blocks around `parts[index]`: the one before and the one after, each with the block it is split
    from by a "checked" section (an equation's implementation and its collapsed verification are one)."""
    found = []
    for step in (-1, 1):
        i = index + step
        while 0 <= i < len(parts):
            part = parts[i]
            if isinstance(part, Block):
                found.append(part)
            elif not GLUE.match(part.text):
                break
            i += step
            if isinstance(part, Block) and not (
                0 <= i < len(parts) and isinstance(parts[i], Text) and GLUE.match(parts[i].text)
            ):
                break
    return found


INLINE = re.compile(r"\\\((.*?)\\\)", flags=re.S)
STATES = re.compile(r"(?:=|\\approx)\s*-?\d")
"""An inline equation that gives a symbol a number: ``\\(L = 1.417\\)``, ``\\(e \\approx 10^{-6}\\)``."""


def stated(text: str) -> list[tuple[int, str]]:
    """The inline equations of a text that state a value: (where in the text, the TeX)."""
    return [
        (m.start(), m.group(1))
        for m in INLINE.finditer(text)
        if STATES.search(m.group(1)) and re.search(r"[A-Za-z]", m.group(1).split("=")[0])
    ]


def run_page(source: str, name: str) -> PageRun:
    """Run the page at `source` once (`execute` of its `split`)."""
    return execute(split(source), name)


def execute(parts: list[Block | Text], name: str) -> PageRun:
    """Execute `parts`' blocks in order, once each, recording what every check reads (see the module)."""
    from litbackprop.pages.checks.formulas import MOVED, moved, snapshot  # it reads runs: here, not at the top

    keep = {
        id(block)
        for i, part in enumerate(parts)
        if isinstance(part, Text) and stated(part.text)
        for block in neighbours(parts, i)
    }
    run = PageRun(parts)
    namespace: dict = {}
    with recording_printed() as blocks:
        for part in parts:
            if not isinstance(part, Block):
                continue
            if not part.continuation:
                namespace = {"__name__": "__main__"}
            blocks.append([])
            first = part.code.lstrip().splitlines()[0] if part.code.strip() else ""
            tag = EQUATION_TAG.match(first)
            before = snapshot(namespace) if tag else None
            code = compile(part.code, f"{name}:{part.line}", "exec")
            EXECUTIONS[(name, part.line)] += 1
            printed = io.StringIO()
            try:
                with contextlib.redirect_stdout(printed):
                    exec(code, namespace)
            except Exception as error:  # noqa: BLE001 - any failure of a block is the page's problem
                run.failure = f"{name}:{part.line}: the block fails: {type(error).__name__}: {error}"
                if LEFT_TO_FILL.search(part.code):
                    run.failure += " (an assert_rounds_to(value, ...) is left to fill: run litbackprop-page write)"
                return run
            part.output = printed.getvalue()
            part.printed = blocks[-1]
            if id(part) in keep:
                part.values = snapshot(namespace)
            if tag:
                points = run.points.setdefault(tag.group(1), [])
                after = snapshot(namespace)
                points.append((before, after | {MOVED: True} if points else after))  # a second point: no worked value
                drawn = moved(before, code)
                if drawn is not None:
                    points.append(drawn)
    return run


def main(folder: str) -> int:
    """Add up the counts each pytest worker wrote (``LITBACKPROP_COUNT_RUNS``) and print the most runs of a block."""
    import json
    from pathlib import Path

    totals: dict[str, Counter] = {}
    for path in Path(folder).glob("*.json"):
        for runner, rows in json.loads(path.read_text()).items():
            for page, line, n in rows:
                totals.setdefault(runner, Counter())[(page, line)] += n
    for runner, counts in sorted(totals.items()):
        started = sum(n for (page, line), n in counts.items() if line == "chains started")
        blocks = {key: n for key, n in counts.items() if key[1] != "chains started"}
        most = max(blocks.values(), default=0)
        print(f"{runner}: {len(blocks)} blocks, each run at most {most} times; {started} chains started")
    return 0


if __name__ == "__main__":
    import sys

    sys.exit(main(sys.argv[1]))
