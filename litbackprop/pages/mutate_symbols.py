r"""Symbol mutation over the course's formulas: make the mistakes a student makes, and count how many are caught.

    .venv/bin/python -m litbackprop.pages.mutate_symbols [-v]

Each mutant is one display equation (or one formula of a table row that links to an equation) with one
of these changed, at one place:

- a layer swapped: ``W^{(1)}`` for ``W^{(2)}``, ``a^{(1)}`` for ``a^{(2)}``, and back; of a layer l,
  ``W^{(l+1)}`` for ``W^{(l)}``, ``a^{(l-1)}`` for ``a^{(l)}``, and back, and ``z^{(M)}`` for ``z^{(l)}``;
- a transpose dropped (``{W^{(2)}}^T`` → ``{W^{(2)}}``) or added (``W^{(1)}`` → ``{W^{(1)}}^T``);
- a difference flipped: ``(\hat y - y)`` → ``(y - \hat y)``, ``1 - a`` → ``a - 1``;
- a prediction and its target swapped: ``\hat y`` → ``y``, or ``y`` → ``\hat y``;
- a mean turned into a sum: ``\frac{1}{N}`` dropped;
- a sum's bounds moved: ``\sum_{n=1}^{N}`` → ``\sum_{n=2}^{N}`` or ``\sum_{n=1}^{N-1}``;
- an index changed: ``z_i`` → ``z_j`` where the formula uses both, ``W_{kj}`` → ``W_{jk}``;
- a norm changed: ``\rVert_2`` → ``\rVert_1`` or ``\rVert_\infty``, a plain ``\rVert`` → ``\rVert_1``;
- a derivative's numerator changed: ``\frac{\partial f}{\partial a}`` → ``\frac{\partial b}{\partial a}``,
  with another symbol the formula differentiates;
- an update's term changed: in ``S \leftarrow ...``, a Greek factor dropped (``\mu``, ``\eta``) or the first
  sign turned;
- a stable form's term dropped: the shift ``- m`` or ``+ c``, the ``- \log \sum_j e^{...}``.

A wrong formula shown as wrong (``X \qquad\text{not}\qquad Y``) is not mutated: changed, it stays wrong.
A mutant is caught when the formula check (``formulas.py``) reports a problem for it that the page itself
does not have. The page's blocks run once; each mutant is evaluated in the values they left. It prints
the score, each operator's, and (with ``-v``) every survivor; it ends with status 1 below 96 %. Every mutant
counts, the equivalent ones too (``\delta_{ji}`` for ``\delta_{ij}``, ``\sum_i y_i`` for ``\sum_i \hat y_i``,
which are both 1): the survivors ``-v`` lists are each either equivalent or in a part a page leaves out.
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from litbackprop.pages.checks.formulas import equations, formula_problems, page_namespaces
from litbackprop.pages.tool import nav_sections

DOCS = Path(__file__).resolve().parents[2] / "docs"


def course_pages() -> list[str]:
    """Every page of the nav with a display equation: each is mutated, with nothing to register."""
    in_nav = [page for page in nav_sections(DOCS.parent) if page.endswith(".md")]  # in the nav's order
    return [page for page in in_nav if equations((DOCS / page).read_text())]


TARGET = 0.96

LAYER = re.compile(r"\^\{\(([12])\)\}")
LAYER_OF_L = re.compile(r"\^\{\((l|l\+1|l-1|M)\)\}")
OTHER_LAYERS = {"l": ("l+1", "l-1"), "l+1": ("l",), "l-1": ("l",), "M": ("l",)}
"""The layers a student confuses with each layer of an equation written for layer l (or the last, M)."""
SYMBOL = re.compile(r"(?<![\\{A-Za-z])([A-Za-z])\^\{\(([12])\)\}")  # W^{(1)}, a^{(1)}
HAT = re.compile(r"\\hat\{?\s*([yY])\}?")
LONE_Y = re.compile(r"(?<![\\A-Za-z{])([yY])(?![A-Za-z}])")
DIFFERENCE = re.compile(r"(\\hat\{?\s*[yY]\}?|\b1|[A-Za-z]_?[a-z]?) - (\\hat\{?\s*[yY]\}?|[A-Za-z](?:_[a-z])?\b)")


@dataclass
class Mutant:
    page: str
    kind: str
    start: int  # where in the page the change is
    source: str


def formula_spans(source: str) -> list[tuple[int, int]]:
    """The display equations and the table rows' inline formulas that the check evaluates."""
    spans = []
    for match in re.finditer(r"(?s)\$\$(.*?)\$\$", source):
        spans.append((match.start(1), match.end(1)))
    for line in re.finditer(r"(?m)^\|.*\(#eq-[a-z0-9-]+\).*$", source):
        for inline in re.finditer(r"\\\((.*?)\\\)", line.group(0)):
            if "=" in inline.group(1):
                spans.append((line.start() + inline.start(1), line.start() + inline.end(1)))
    return spans


def edits(tex: str) -> list[tuple[str, int, int, str]]:
    """Every single change of the operators above: (operator, start, end, replacement)."""
    out = []
    for m in LAYER.finditer(tex):
        other = "2" if m.group(1) == "1" else "1"
        out.append(("layer swapped", m.start(), m.end(), "^{(" + other + ")}"))
    for m in LAYER_OF_L.finditer(tex):
        for other in OTHER_LAYERS[m.group(1)]:
            out.append(("layer swapped", m.start(), m.end(), "^{(" + other + ")}"))
    for m in re.finditer(r"\}\^T", tex):
        out.append(("transpose dropped", m.start(), m.end(), "}"))
    for m in SYMBOL.finditer(tex):
        before = tex[: m.start()]
        if before.endswith("{") and tex[m.end() :].startswith("}^T"):
            continue
        out.append(("transpose added", m.start(), m.end(), "{" + m.group(0) + "}^T"))
    for m in DIFFERENCE.finditer(tex):
        out.append(("difference flipped", m.start(), m.end(), f"{m.group(2)} - {m.group(1)}"))
    for m in HAT.finditer(tex):
        out.append(("prediction and target swapped", m.start(), m.end(), m.group(1)))
    hats = [(m.start(), m.end()) for m in HAT.finditer(tex)]
    texts = [(m.start(), m.end()) for m in re.finditer(r"\\text\{[^}]*\}", tex)]
    for m in LONE_Y.finditer(tex):
        if any(a <= m.start() < b for a, b in hats + texts):
            continue
        out.append(("prediction and target swapped", m.start(), m.end(), "\\hat " + m.group(1)))
    for m in re.finditer(r"\\frac\{1\}\{N\}", tex):
        out.append(("1/N dropped", m.start(), m.end(), ""))
    out += bounds(tex) + indices(tex) + norms(tex) + numerators(tex) + updates(tex) + stable_forms(tex)
    return out


SUM = re.compile(r"\\sum_\{([a-z])=(\d+)\}\^(\{[^{}]+\}|[A-Za-z0-9])")
SUBSCRIPT = re.compile(r"(?<!\\sum)(?<!\\max)(?<!\\min)_(?:([a-z])(?![A-Za-z])|\{([a-z])([a-z])\})")
NUMERATOR = re.compile(
    r"\\d?frac\{\\partial\s*((?:[^{}]|\{(?:[^{}]|\{[^{}]*\})*\})+)\}\{\\partial\s*((?:[^{}]|\{(?:[^{}]|\{[^{}]*\})*\})+)\}"
)
UPDATE = re.compile(r"\\leftarrow([^,\\]*(?:\\(?!qquad|quad|\\)[^,\\]*)*)")


def bounds(tex: str) -> list[tuple[str, int, int, str]]:
    out = []
    for m in SUM.finditer(tex):
        index, low, high = m.groups()
        top = high.strip("{}")
        start = f"\\sum_{{{index}="
        out.append(("sum bounds moved", m.start(), m.end(), f"{start}{int(low) + 1}}}^{high}"))
        out.append(("sum bounds moved", m.start(), m.end(), f"{start}{low}}}^{{{top}-1}}"))
    return out


def indices(tex: str) -> list[tuple[str, int, int, str]]:
    found = list(SUBSCRIPT.finditer(tex))
    letters = sorted({letter for m in found for letter in m.groups() if letter})
    out = []
    for m in found:
        if m.group(1):
            other = next((letter for letter in letters if letter != m.group(1)), None)
            if other:
                out.append(("index changed", m.start(), m.end(), "_" + other))
        elif m.group(2) != m.group(3):
            out.append(("index changed", m.start(), m.end(), "_{" + m.group(3) + m.group(2) + "}"))
    return out


def norms(tex: str) -> list[tuple[str, int, int, str]]:
    out = []
    for m in re.finditer(r"\\rVert(_(?:\{[^{}]*\}|\\infty|[0-9A-Za-z]))?", tex):
        if m.group(1) is None:
            out.append(("norm changed", m.start(), m.end(), "\\rVert_1"))
        else:
            for other in ("_1", "_\\infty"):
                if m.group(1) != other:
                    out.append(("norm changed", m.start(), m.end(), "\\rVert" + other))
    return out


def numerators(tex: str) -> list[tuple[str, int, int, str]]:
    found = list(NUMERATOR.finditer(tex))
    symbols = list(dict.fromkeys(part.strip() for m in found for part in m.groups()))
    out = []
    for m in found:
        top, bottom = m.group(1).strip(), m.group(2).strip()
        other = next((s for s in symbols if s not in (top, bottom) and s.replace("\\,", "").strip()), None)
        if other is not None:
            out.append(("derivative numerator changed", m.start(1), m.end(1), " " + other))
    return out


def updates(tex: str) -> list[tuple[str, int, int, str]]:
    out = []
    for m in UPDATE.finditer(tex):
        right, at = m.group(1), m.start(1)
        for greek in re.finditer(r"\\(?:mu|eta)(?:\\,|\s)*", right):
            out.append(("update term changed", at + greek.start(), at + greek.end(), ""))
        sign = re.search(r"[-+]", right)
        if sign:
            out.append(("update term changed", at + sign.start(), at + sign.end(), "+" if sign.group() == "-" else "-"))
    return out


def stable_forms(tex: str) -> list[tuple[str, int, int, str]]:
    out = []
    for m in re.finditer(r"\s*(?:- m|\+ c)(?![A-Za-z])", tex):
        out.append(("stable form's term dropped", m.start(), m.end(), ""))
    for m in re.finditer(r"\s*- \\log \\sum_[a-z] e\^\{[^{}]*\}", tex):
        out.append(("stable form's term dropped", m.start(), m.end(), ""))
    return out


def mutants(page: str, source: str):
    for start, end in formula_spans(source):
        tex = source[start:end]
        wrong = tex.find("\\text{not}")  # X \text{not} Y: Y is a wrong formula, and changed it stays wrong
        for kind, a, b, replacement in edits(tex):
            if 0 <= wrong < a:
                continue
            mutated = tex[:a] + replacement + tex[b:]
            if mutated != tex:
                yield Mutant(page, kind, start + a, source[:start] + mutated + source[end:])


@dataclass
class Tally:
    """Mutants made and caught, by operator, and where each survivor is."""

    total: Counter = field(default_factory=Counter)
    caught: Counter = field(default_factory=Counter)
    survivors: list[str] = field(default_factory=list)

    def add(self, other: Tally) -> None:
        self.total.update(other.total)
        self.caught.update(other.caught)
        self.survivors += other.survivors


def mutate_page(page: str, source: str, namespaces: dict | None = None) -> Tally:
    """Every mutant of one page, evaluated with the values of the page's run (`namespaces`, or a run here)."""
    namespaces, memo, tally = page_namespaces(source, page) if namespaces is None else namespaces, {}, Tally()
    baseline = set(formula_problems(source, page, namespaces, memo))
    for mutant in mutants(page, source):
        tally.total[mutant.kind] += 1
        if set(formula_problems(mutant.source, page, namespaces, memo)) - baseline:
            tally.caught[mutant.kind] += 1
        else:
            line = mutant.source.count("\n", 0, mutant.start) + 1
            begin = mutant.source.rfind("\n", 0, mutant.start) + 1
            end = mutant.source.find("\n", mutant.start)
            tally.survivors.append(f"{page}:{line} ({mutant.kind}): {mutant.source[begin:end].strip()[:110]}")
    return tally


def run(verbose: bool = False, tallies: dict[str, Tally] | None = None) -> float:
    """The score over every course page; `tallies` holds pages already mutated (by the pages' own tests)."""
    tallies = {} if tallies is None else tallies
    whole = Tally()
    for page in course_pages():
        whole.add(tallies[page] if page in tallies else mutate_page(page, (DOCS / page).read_text()))
    all_total, all_caught = sum(whole.total.values()), sum(whole.caught.values())
    score = all_caught / all_total
    print(f"{all_total} symbol mutants, {all_caught} caught ({score:.1%}), {all_total - all_caught} survived")
    for kind in sorted(whole.total):
        print(f"  {kind}: {whole.caught[kind]} of {whole.total[kind]}")
    if verbose:
        for survivor in whole.survivors:
            print("  survived:", survivor)
    return score


if __name__ == "__main__":
    sys.exit(0 if run("-v" in sys.argv) >= TARGET else 1)
