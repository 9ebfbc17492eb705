r"""Symbol mutation over the course's formulas: make the mistakes a student makes, and count how many are caught.

    .venv/bin/python -m litbackprop.pages.mutate_symbols [-v]

Each mutant is one display equation (or one formula of a table row that links to an equation) with one
of these changed, at one place:

- a layer swapped: ``W^{(1)}`` for ``W^{(2)}``, ``a^{(1)}`` for ``a^{(2)}``, and back;
- a transpose dropped (``{W^{(2)}}^T`` → ``{W^{(2)}}``) or added (``W^{(1)}`` → ``{W^{(1)}}^T``);
- a difference flipped: ``(\hat y - y)`` → ``(y - \hat y)``, ``1 - a`` → ``a - 1``;
- a prediction and its target swapped: ``\hat y`` → ``y``, or ``y`` → ``\hat y``;
- a mean turned into a sum: ``\frac{1}{N}`` dropped.

A wrong formula shown as wrong (``X \qquad\text{not}\qquad Y``) is not mutated: changed, it stays wrong.
A mutant is caught when the formula check (``formulas.py``) reports a problem for it that the page itself
does not have. The page's blocks run once; each mutant is evaluated in the values they left. It prints
the score, each operator's, and (with ``-v``) every survivor; it ends with status 1 below 90 %.
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from litbackprop.pages.checks.formulas import equations, formula_problems, page_namespaces, visible_source
from litbackprop.pages.tool import nav_sections

DOCS = Path(__file__).resolve().parents[2] / "docs"


def course_pages() -> list[str]:
    """Every page of the nav with a display equation: each is mutated, with nothing to register."""
    in_nav = [page for page in nav_sections(DOCS.parent) if page.endswith(".md")]  # in the nav's order
    return [page for page in in_nav if equations(visible_source((DOCS / page).read_text()))]


TARGET = 0.90

LAYER = re.compile(r"\^\{\(([12])\)\}")
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


def run(verbose: bool = False) -> float:
    total, caught = Counter(), Counter()
    survivors = []
    for page in course_pages():
        source = (DOCS / page).read_text()
        namespaces, memo = page_namespaces(source, page), {}
        baseline = set(formula_problems(source, page, namespaces, memo))
        for mutant in mutants(page, source):
            total[mutant.kind] += 1
            found = set(formula_problems(mutant.source, page, namespaces, memo)) - baseline
            if found:
                caught[mutant.kind] += 1
            else:
                line = mutant.source.count("\n", 0, mutant.start) + 1
                begin = mutant.source.rfind("\n", 0, mutant.start) + 1
                end = mutant.source.find("\n", mutant.start)
                survivors.append(f"{page}:{line} ({mutant.kind}): {mutant.source[begin:end].strip()[:110]}")
    all_total, all_caught = sum(total.values()), sum(caught.values())
    score = all_caught / all_total
    print(f"{all_total} symbol mutants, {all_caught} caught ({score:.1%}), {all_total - all_caught} survived")
    for kind in sorted(total):
        print(f"  {kind}: {caught[kind]} of {total[kind]}")
    if verbose:
        for survivor in survivors:
            print("  survived:", survivor)
    return score


if __name__ == "__main__":
    sys.exit(0 if run("-v" in sys.argv) >= TARGET else 1)
