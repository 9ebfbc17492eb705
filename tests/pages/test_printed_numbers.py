"""Every number on a page is checked by the code beside it (see printed_numbers.py), on every page."""

from pathlib import Path

import pytest

from litbackprop.pages.checks.printed_numbers import (
    check_notebook_page,
    check_page,
    in_digits,
    numbers,
    references,
    visible,
)

DOCS = Path(__file__).resolve().parents[2] / "docs"
PAGES = sorted(DOCS.glob("*.md"))


@pytest.mark.parametrize("notebook", ["digits.py", "cnn.py"])
def test_every_number_in_the_text_of_a_course_notebook_is_tied_to_its_cells(notebook):
    problems = check_notebook_page(DOCS / "notebooks" / notebook)
    assert not problems, "\n".join(problems)


def test_a_changed_digit_in_an_equation_is_caught():
    page = DOCS / "two-layer-network.md"
    source = page.read_text()
    assert "0.9555 \\tag{5}" in source
    assert any(
        "0.9565 is not checked" in p for p in check_page(page, source.replace("0.9555 \\tag{5}", "0.9565 \\tag{5}"))
    )


def test_a_changed_given_in_a_block_is_caught():
    page = DOCS / "single-neuron.md"
    source = page.read_text()
    mutated = source.replace("w = np.array([2.0, -3.0, 1.0])", "w = np.array([2.0, -4.0, 1.0])", 1)
    assert mutated != source
    assert any("the block fails" in p for p in check_page(page, mutated))


def test_indices_layer_numbers_and_tags_are_not_read_as_values():
    assert numbers(visible(r"x_0 + W^{(1)} z_{in} \tag{3a} [(4)](#eq-fwd-4) `eq-bwd-3b`")) == []


def test_a_reference_must_show_the_tag_it_links_to():
    source = '<a id="eq-a"></a>\n\n$$\na \\tag{3a}\n$$\n\nSee [(3b)](#eq-a).\n'
    assert references(source, Path("p.md")) == ["p.md: a reference shows (3b) but #eq-a is tagged (3a)"]


def test_a_tolerance_below_float64s_resolution_is_refused():
    source = "```{.python}\nimport numpy as np\nnp.testing.assert_allclose(1.0, 1.0, rtol=1e-95)\n```\n"
    (problem,) = [p for p in check_page(Path("p.md"), source) if "rtol" in p]
    assert "below float64's resolution" in problem


def test_a_number_a_print_shows_beside_a_value_is_one_of_its_statement():
    source = '```{.python}\nz = 2.0\nprint("z + 1004:", z + 1000.0)\n```\n\nWith 1000 added.\n'
    assert any("1004 in a check's label" in p for p in check_page(Path("p.md"), source))


SQUARED = r"""# Trial

For \(\hat y = (0.3, 0.5)\) and \(y = (0.2, 0.2)\), the loss \(\frac{1}{2}\lVert \hat y - y \rVert^2\)
is \(L = 0.05\), and its gradient \(\frac{\partial L}{\partial \hat y} = (0.10, 0.30)\):

```{.python}
import numpy as np
from litbackprop.course.testing import assert_rounds_to

y_hat, y = np.array([0.3, 0.5]), np.array([0.2, 0.2])
L = float(np.sum((y_hat - y) ** 2)) / 2
dL_dy_hat = y_hat - y
assert_rounds_to(L, "0.05", name="L")
assert_rounds_to(dL_dy_hat, ["0.10", "0.30"], name="dL/dy_hat")
```
"""


def test_a_value_stated_inline_is_tied_to_its_own_symbol_not_to_a_neighbour_s_other_value(tmp_path):
    page = tmp_path / "t.md"
    assert check_page(page, SQUARED) == []  # (0.1^2 + 0.3^2) / 2
    wrong = SQUARED.replace(r"\(L = 0.05\)", r"\(L = 0.10\)")  # 0.10 is a value the block checks, but not L's
    assert any(r"\(L = 0.10\) does not hold with the values beside it" in p for p in check_page(page, wrong))


def test_a_number_in_scientific_notation_is_one_number_with_its_mantissa():
    assert numbers(visible(r"about \(1.7 \times 10^{-13}\,\lvert f'''\rvert\)")) == ["1.7e-13"]
    page = DOCS / "gradient-checking.md"
    source = page.read_text()
    assert r"\(1.7 \times 10^{-13}" in source
    mutated = source.replace(r"\(1.7 \times 10^{-13}", r"\(1.0 \times 10^{-13}")
    assert any("1.0e-13 is not checked by the block" in p for p in check_page(page, mutated))


def problems_when(page_name: str, said: str, changed: str) -> list[str]:
    """What the checks say of a page of docs/ whose text `said` (which it must hold) is `changed`."""
    page = DOCS / page_name
    source = page.read_text()
    assert said in source
    return check_page(page, source.replace(said, changed))


def test_a_number_in_the_docstring_of_a_function_a_block_defines_is_one_its_code_is_written_with():
    problems = problems_when("pitfalls.md", "slope a(1 - a) is below", "slope a(3 - a) is below")
    assert any(p.endswith(": 3 in a comment is not in its code") for p in problems), problems


@pytest.mark.parametrize(
    ("page", "tagged", "wrong"),
    [
        ("two-layer-network.md", r"= 0.9555 \tag{5}", r"= 0.9555 \tag{4}"),
        ("biases.md", r"\end{bmatrix} \tag{1b}", r"\end{bmatrix} \tag{3b}"),
        ("mini-batches.md", r"X^T \tag{1}", r"X^T \tag{2}"),
    ],
)
def test_a_tag_is_the_row_of_the_notes_tables_that_defines_what_its_line_defines(page, tagged, wrong):
    source = (DOCS / page).read_text()
    assert tagged in source
    problems = check_page(DOCS / page, source.replace(tagged, wrong))
    assert any("but row (" in p and "of the notes' tables defines it" in p for p in problems), problems


def test_a_number_written_in_words_from_ten_up_is_tied_as_its_digits_are():
    assert in_digits("Two hundred steps, twenty of them, a power of ten, two layers") == (
        "200 steps, 20 of them, a power, two layers"
    )
    page = DOCS / "pitfalls.md"
    source = page.read_text()
    assert "Two hundred steps" in source
    assert any(
        "500 is not checked" in p for p in check_page(page, source.replace("Two hundred steps", "Five hundred steps"))
    )


def test_a_value_stated_inline_is_not_tied_to_a_number_the_code_gives_another_symbol(tmp_path):
    wrong = SQUARED.replace(r"\(L = 0.05\)", r"\(L = 0.3\)")  # 0.3 is written in the block, for y_hat
    problems = check_page(tmp_path / "t.md", wrong)
    assert any(r"\(L = 0.3\) does not hold with the values beside it" in p for p in problems), problems


def test_a_value_stated_inline_may_be_one_the_code_gives_its_symbol_in_a_loop(tmp_path):
    text = "Of 0.1 and \\(\\eta = 0.5\\), the second steps further:\n\n"
    page = text + "```{.python}\nfor lr in (0.1, 0.5):\n    w = 1 - lr\n```\n"
    assert check_page(tmp_path / "t.md", page) == []


def test_a_name_a_print_shows_beside_its_values_is_one_its_code_prints():
    problems = problems_when(
        "pitfalls.md", 'f"with the mask, dL/dz1:\\n{t.dz1}"', 'f"with the mask, dL/dz2:\\n{t.dz1}"'
    )
    assert any(p.endswith("a print says dz2 beside values its code does not name") for p in problems), problems


def test_a_value_stated_inline_of_an_entry_the_value_does_not_have_fails(tmp_path):
    text = "The second unit is off, \\(z^{(1)}_1 = -2\\):\n\n"
    page = text + "```{.python}\nimport numpy as np\n\nz1 = np.array([1.0, -2.0])\n```\n"
    assert check_page(tmp_path / "t.md", page) == []
    problems = check_page(tmp_path / "t.md", page.replace("z^{(1)}_1", "z^{(1)}_3"))
    assert any("does not hold with the values beside it" in p and "entries count from 0" in p for p in problems), (
        problems
    )


def test_a_value_stated_inline_is_not_tied_to_a_number_a_check_reads_the_symbol_with(tmp_path):
    text = "At \\(x = 2\\) the sigmoid is about 0.88:\n\n"
    check = "assert s == 1 / (1 + np.exp(-x))\n"  # reads x beside a 1: it gives x no value
    shown = "from litbackprop.course.testing import assert_rounds_to\n\nassert_rounds_to(s, '0.88', name='s')\n"
    block = f"```{{.python}}\nimport numpy as np\n\nx = 2.0\ns = 1 / (1 + np.exp(-x))\n{check}{shown}```\n"
    assert check_page(tmp_path / "t.md", text + block) == []
    problems = check_page(tmp_path / "t.md", text.replace("x = 2", "x = 1") + block)
    assert any(r"\(x = 1\) does not hold with the values beside it" in p for p in problems), problems


def test_a_value_stated_inline_may_be_one_a_call_gives_its_symbol_by_keyword(tmp_path):
    text = "With \\(\\eta = 0.5\\) rather than the 0.1 set before, one step:\n\n"
    page = text + "```{.python}\ndef step(w, lr):\n    return w - lr\n\n\nlr = 0.1\nw = step(1.0, lr=0.5)\n```\n"
    assert check_page(tmp_path / "t.md", page) == []
