"""The formulas of every course page, mutated: the pages' own checks count their mutants, this adds them up.

Each page of docs/ is checked by one test beside its blocks' tests (``docs/PAGE.md::every number and every
formula of the page hold``, `pytest_plugin.PageChecks`), which reads the run those tests made: a page's blocks
run once for pytest-markdown-docs and its checks together. A course page's checks also mutate its formulas
with the values of that run; this test, the run's last, adds up their tallies (a page whose checks did not
run here is mutated here) and holds them to the bar.
"""

from litbackprop.pages.mutate_symbols import TARGET, run
from litbackprop.pages.pytest_plugin import tally_of_every_page


def test_symbol_mutants_of_the_course_formulas_are_caught(capsys):
    score = run(verbose=True, tallies=tally_of_every_page())
    assert score >= TARGET, capsys.readouterr().out
