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
from litbackprop.pages.showing import PRINT_OPTIONS

FENCE = re.compile(r"^(`{3,}|~{3,})(.*)$")
EQUATION_TAG = re.compile(r"# (eq-[a-z0-9-]+)\s*$")
LEFT_TO_FILL = re.compile(r"assert_rounds_to\([^\n]*\.\.\.")

EXECUTIONS: Counter[tuple[str, str, int]] = Counter()
"""How often each block ran in this process, by (runner, page, line): the measure of "each block runs once"."""


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


_RECORDING: list[list[list[str]]] = []  # the digits checked by the block now running: one list per call
_ORIGINAL = testing.assert_rounds_to


@functools.wraps(_ORIGINAL)
def _recording(actual, printed, name="value"):
    if _RECORDING:
        _RECORDING[-1].append([str(text) for text in np.asarray(printed, dtype=object).flat])
    return _ORIGINAL(actual, printed, name)


@contextmanager
def recording_printed() -> Iterator[list[list[list[str]]]]:
    """While a block runs, `testing.assert_rounds_to` also records the digits each call checks, per call, in order:
    the last list of the one yielded is the block's. The library knows nothing of it.

    A block imports the function by name and a later block calls it: so the recording one stays in place once
    put there, and records only while a block of a page runs.
    """
    testing.assert_rounds_to = _recording
    calls: list[list[str]] = []
    _RECORDING.append(calls)
    try:
        yield [calls]
    finally:
        _RECORDING.remove(calls)


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
    session = Session(parts, name)
    for block in session.blocks:
        try:
            session.step(block)
        except Exception:  # noqa: BLE001 - the run records the failure: the page's checks report it
            break
    return session.run


class Session:
    """A page being run block by block, in order, each block once: `execute` runs them all at once, the
    pytest plugin one per test of pytest-markdown-docs, so that the page's checks can read that same run.

    `filename` names the page in a traceback, with each block's code at the page's own line numbers.
    """

    def __init__(self, parts: list[Block | Text], name: str, filename: str | None = None, kind: str = "checks"):
        self.name, self.filename, self.kind = name, filename, kind
        self.blocks = [part for part in parts if isinstance(part, Block)]
        self.keep = {
            id(block)
            for i, part in enumerate(parts)
            if isinstance(part, Text) and stated(part.text)
            for block in neighbours(parts, i)
        }
        self.run = PageRun(parts)
        self.namespace: dict = {}
        self.done = 0  # how many blocks ran, in order

    @property
    def complete(self) -> bool:
        return self.run.failure is None and self.done == len(self.blocks)

    def step(self, part: Block) -> None:
        """Run `part`, the next block; a failure is recorded in the run, and raised."""
        from litbackprop.pages.checks.formulas import MOVED, moved, snapshot  # it reads runs: not at the top

        if not part.continuation:
            self.namespace = {"__name__": "__main__"}
        first = part.code.lstrip().splitlines()[0] if part.code.strip() else ""
        tag = EQUATION_TAG.match(first)
        before = snapshot(self.namespace) if tag else None
        EXECUTIONS[(self.kind, self.name, part.line)] += 1
        printed = io.StringIO()
        with recording_printed() as calls:
            try:
                if self.filename is None:
                    code = compile(part.code, f"{self.name}:{part.line}", "exec")
                else:  # the page's own line numbers in a traceback
                    code = compile("\n" * part.line + part.code, self.filename, "exec")
                with contextlib.redirect_stdout(printed), np.printoptions(**PRINT_OPTIONS):  # as the site prints
                    exec(code, self.namespace)
            except Exception as error:
                self.run.failure = f"{self.name}:{part.line}: the block fails: {type(error).__name__}: {error}"
                if LEFT_TO_FILL.search(part.code):
                    self.run.failure += " (an assert_rounds_to(value, ...) is left to fill: run litbackprop-page write)"
                raise
        self.done += 1
        part.output = printed.getvalue()
        part.printed = calls[-1]
        if id(part) in self.keep:
            part.values = snapshot(self.namespace)
        if tag:
            points = self.run.points.setdefault(tag.group(1), [])
            after = snapshot(self.namespace)
            points.append((before, after | {MOVED: True} if points else after))  # a second point: no worked value
            drawn = moved(before, code)
            if drawn is not None:
                points.append(drawn)


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
        most = max(counts.values(), default=0)
        print(f"{runner}: {len(counts)} blocks, each run at most {most} times")
    return 0


if __name__ == "__main__":
    import sys

    sys.exit(main(sys.argv[1]))
