"""Digit mutation over the pages: change one digit, and count how often the checks notice.

    .venv/bin/python -m litbackprop.pages.mutate_digits [MUTANTS] [SEED] [PAGE ...]

Each mutant is one page of ``docs/`` with one digit, chosen at random among all
of its digits (prose, equations, tables, code), replaced by another. A mutant
is caught when the page's checks fail on it: its blocks, run in order
(their assertions), the tie of each printed number to the code beside it
(``printed_numbers``), the pairing of equations with blocks, and each equation evaluated with its
block's values (``formulas``). A course notebook (``docs/notebooks/digits.py``, ``cnn.py``) is mutated too: its
cells run in order and each number of its text tied to them (``check_notebook_page``). Pages named after the
seed (``convolution.md``, ``notebooks/cnn.py``) limit the mutants to them. It prints the
score and every survivor with its context, and ends with status 1 below 95 %.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

from litbackprop.pages.checks.formulas import formula_problems, points_of
from litbackprop.pages.checks.pairing import pairing_problems
from litbackprop.pages.checks.printed_numbers import check_notebook_page, check_page
from litbackprop.pages.runner import run_page

DOCS = Path(__file__).resolve().parents[2] / "docs"
NOTEBOOKS = ("digits.py", "cnn.py")
"""The course's notebook pages whose text is tied to their cells (the Performance page's reads measurements)."""


def mutants(rng: random.Random, count: int, only: tuple[str, ...] = ()):
    every = [*sorted(DOCS.glob("*.md")), *(DOCS / "notebooks" / name for name in NOTEBOOKS)]
    chosen = [page for page in every if not only or page.relative_to(DOCS).as_posix() in only]
    pages = {page: page.read_text() for page in chosen}
    sites = [(page, i) for page, text in pages.items() for i, c in enumerate(text) if c.isdigit()]
    for page, i in rng.sample(sites, min(count, len(sites))):
        text = pages[page]
        digit = rng.choice([d for d in "0123456789" if d != text[i]])
        yield page, i, text[:i] + digit + text[i + 1 :]


def problems(page: Path, source: str) -> set[str]:
    if page.suffix == ".py":
        return set(check_notebook_page(page, source))
    ran = run_page(source, page.name)  # one run of the mutant: both checks read it
    return (
        set(check_page(page, source, ran))
        | set(pairing_problems(source))
        | set(formula_problems(source, page.name, points_of(ran)))
    )


def caught(page: Path, source: str) -> bool:
    """Whether the mutant shows a problem the page itself does not (none, once every number is tied)."""
    return bool(problems(page, source) - BASELINE.setdefault(page, problems(page, page.read_text())))


BASELINE: dict[Path, set[str]] = {}


def main(count: int = 300, seed: int = 0, *only: str) -> int:
    rng = random.Random(seed)
    survivors, total = [], 0
    for page, i, source in mutants(rng, count, only):
        total += 1
        if not caught(page, source):
            line = source.count("\n", 0, i) + 1
            start = source.rfind("\n", 0, i) + 1
            end = source.find("\n", i)
            survivors.append(f"{page.name}:{line}: {source[start:i]}[{source[i]}]{source[i + 1 : end][:60]}")
    score = (total - len(survivors)) / total
    print(f"{total} mutants, {total - len(survivors)} caught ({score:.1%}), {len(survivors)} survived")
    for survivor in survivors:
        print("  survived:", survivor)
    return 0 if score >= 0.95 else 1


if __name__ == "__main__":
    sys.exit(main(*(int(a) for a in sys.argv[1:3]), *sys.argv[3:]))
