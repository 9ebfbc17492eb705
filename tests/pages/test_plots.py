"""The learning page's plot, drawn by a build hook, shows the numbers of the page's table."""

import re
import sys
from pathlib import Path

from litbackprop.testing import assert_rounds_to

sys.path.insert(0, str(Path(__file__).resolve().parent))
from site_hooks import load_hook  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
hook = load_hook("plots")


def test_the_plot_draws_the_losses_of_the_table():
    rows = re.findall(r"^\| ([0-9.]+) \| (.+) \|$", (ROOT / "docs" / "learning.md").read_text(), flags=re.M)
    table = {float(lr): [cell.strip() for cell in cells.split("|")] for lr, cells in rows}
    assert sorted(table) == sorted(hook.LEARNING_RATES)
    for lr, printed in table.items():
        assert_rounds_to(hook.descent_losses(lr)[::4], printed, name=f"the plotted losses for lr {lr:g}")


def test_the_plot_is_an_svg_drawing():
    assert hook.learning_rate_plot().lstrip().startswith(b"<?xml")
