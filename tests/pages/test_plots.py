"""The learning page's plot, drawn by a build hook, shows the numbers of the page's table."""

import re
from pathlib import Path

from litbackprop.course.testing import assert_rounds_to
from litbackprop.pages.build import plots as hook

ROOT = Path(__file__).resolve().parents[2]


def test_the_plot_draws_the_losses_of_the_table():
    """The table has a row per step (0, 4, ..., 20) and a column per learning rate, in the hook's order."""
    rows = re.findall(r"^\| ([0-9]+) \| (.+) \|$", (ROOT / "docs" / "learning.md").read_text(), flags=re.M)
    steps = [int(step) for step, _ in rows]
    assert steps == list(range(0, hook.STEPS + 1, 4)), steps
    columns = list(zip(*([cell.strip() for cell in cells.split("|")] for _, cells in rows), strict=True))
    assert len(columns) == len(hook.LEARNING_RATES)
    for lr, printed in zip(hook.LEARNING_RATES, columns, strict=True):
        assert_rounds_to(hook.descent_losses(lr)[::4], list(printed), name=f"the plotted losses for lr {lr:g}")


def test_the_plot_is_an_svg_drawing():
    assert hook.learning_rate_plot().lstrip().startswith(b"<?xml")
