"""Every page of docs/, run once: the digits' check and the formula check read that one run.

The page's blocks run here once (`runner.run_page`), and pytest-markdown-docs runs them once more as the
reader's ``pytest docs/`` does (each block once: `pytest_plugin.OnceEach`); the site's build runs them
a third time, in its own process, to show their output. The formulas of each course page are also mutated
here, with the values of the same run, and the last test adds the pages' tallies up against the bar.
"""

from pathlib import Path

import pytest

from litbackprop.pages.checks.formulas import formula_problems, points_of
from litbackprop.pages.checks.printed_numbers import check_page
from litbackprop.pages.mutate_symbols import TARGET, Tally, course_pages, mutate_page, run
from litbackprop.pages.runner import run_page

DOCS = Path(__file__).resolve().parents[2] / "docs"
PAGES = sorted(DOCS.glob("*.md"))
COURSE = set(course_pages())
TALLIES: dict[str, Tally] = {}  # the mutants of each page whose test ran, for the last test


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_every_number_and_every_formula_of_the_page_holds(page):
    source = page.read_text()
    ran = run_page(source, page.name)
    problems = [*check_page(page, source, ran), *formula_problems(source, page.name, points_of(ran))]
    assert not problems, "\n".join(problems)
    if page.name in COURSE:
        TALLIES[page.name] = mutate_page(page.name, source, points_of(ran))


def test_symbol_mutants_of_the_course_formulas_are_caught(capsys):
    score = run(verbose=True, tallies=TALLIES)  # a page whose test did not run is mutated here
    assert score >= TARGET, capsys.readouterr().out
