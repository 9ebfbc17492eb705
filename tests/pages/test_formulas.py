r"""The formulas are executed: each display equation holds with the values of its block (see formulas.py)."""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
import pytest

from litbackprop.pages.checks.formulas import (
    check_equation,
    equations,
    exemptions,
    formula_problems,
    page_namespaces,
)
from litbackprop.pages.checks.notation import NOTATION, code_name, table
from litbackprop.pages.mutate_symbols import course_pages

DOCS = Path(__file__).resolve().parents[2] / "docs"


def formula_problems_when(page: str, said: str, changed: str) -> list[str]:
    """The formula check of a page of docs/ whose TeX `said` (which it must hold) is `changed`, with its run."""
    source = (DOCS / page).read_text()
    assert said in source
    return formula_problems(source.replace(said, changed), page, points(page))


@functools.cache
def points(page: str) -> dict:
    """The page's equations' points, from one run of it: a test that changes only its TeX reads them."""
    return page_namespaces((DOCS / page).read_text(), page)


PAGES = sorted(DOCS.glob("*.md"))
BACKWARD_3B = r"\frac{\partial L}{\partial a^{(1)}} = {W^{(2)}}^T (\hat{y} - y)"


@pytest.fixture(scope="module")
def two_layer():
    page = DOCS / "two-layer-network.md"
    return page.read_text()


@pytest.mark.parametrize(
    "wrong",
    [
        r"\frac{\partial L}{\partial a^{(1)}} = {W^{(2)}} (\hat{y} - y)",  # the transpose dropped
        r"\frac{\partial L}{\partial a^{(1)}} = {W^{(2)}}^T (y - \hat{y})",  # the sign flipped
        r"\frac{\partial L}{\partial a^{(1)}} = {W^{(1)}}^T (\hat{y} - y)",  # the wrong layer
    ],
    ids=["transpose dropped", "sign flipped", "wrong layer"],
)
def test_a_wrong_row_3b_fails_though_its_printed_vector_is_right(two_layer, wrong):
    assert BACKWARD_3B in two_layer
    assert formula_problems(
        two_layer.replace(BACKWARD_3B, wrong), "two-layer-network.md", points("two-layer-network.md")
    )


def test_a_gradient_of_w1_written_with_the_gradient_of_w2_inside_fails(two_layer):
    right = r"\frac{\partial L}{\partial W^{(1)}} = \frac{\partial L}{\partial z^{(1)}}\, {x^{(1)}}^T"
    wrong = r"\frac{\partial L}{\partial W^{(1)}} = \frac{\partial L}{\partial W^{(2)}}\, {x^{(1)}}^T"
    assert right in two_layer
    assert formula_problems(two_layer.replace(right, wrong), "two-layer-network.md", points("two-layer-network.md"))


def test_a_column_times_a_transposed_column_is_their_outer_product():
    dz, a = np.array([1.0, -2.0]), np.array([0.5, 3.0, 1.0])
    ns = {"dz2": dz, "a1": a, "dW2": np.outer(dz, a)}
    dW2 = r"\frac{\partial L}{\partial W^{(2)}} = \frac{\partial L}{\partial z^{(2)}}"
    assert check_equation(dW2 + r" {a^{(1)}}^T", ns) == []
    assert check_equation(dW2 + r" a^{(1)}", ns)


def test_arrays_of_different_shapes_are_not_broadcast():
    ns = {"a": np.zeros((3, 2)), "b": np.zeros(3), "c": np.zeros((1, 2))}
    assert "must be equal" in check_equation(r"a = b + c", ns)[0]


def test_an_entry_by_entry_formula_is_evaluated_for_every_entry():
    W, a, dz = np.arange(6.0).reshape(2, 3), np.array([1.0, 2.0, 3.0]), np.array([0.5, -1.0])
    ns = {"W2": W, "a1": a, "dz2": dz, "da1": W.T @ dz}
    da1 = r"\frac{\partial L}{\partial a^{(1)}_j} = "
    assert check_equation(da1 + r"\sum_k \frac{\partial L}{\partial z^{(2)}_k} W^{(2)}_{kj}", ns) == []
    assert check_equation(da1 + r"\sum_j \frac{\partial L}{\partial z^{(2)}_k} W^{(2)}_{kj}", ns)


def test_printed_digits_stand_for_half_a_unit_of_their_last_place():
    ns = {"a": 0.993307}
    assert check_equation(r"a\,(1 - a) = 0.99331 \cdot (1 - 0.99331) \approx 0.0066", ns) == []
    assert check_equation(r"a\,(1 - a) \approx 0.0067", ns)


def test_a_derivative_of_an_expression_is_taken_by_central_differences():
    assert check_equation(r"\frac{\partial (a\,b)}{\partial a} = b", {"a": 2.0, "b": 3.0}) == []
    assert check_equation(r"\frac{\partial (a\,b)}{\partial a} = a", {"a": 2.0, "b": 3.0})


def test_an_update_compares_the_value_after_the_step_with_the_formula_before_it():
    before, after = {"theta": np.array([1.0]), "lr": 0.5, "dtheta": np.array([2.0])}, {}
    after.update(before, theta=np.array([0.0]))
    step = r"\theta \leftarrow \theta - \eta \frac{\partial L}{\partial \theta}"
    assert check_equation(step, after, before=before) == []
    after["theta"] = np.array([2.0])
    assert check_equation(step, after, before=before)


def test_a_formula_shown_as_wrong_must_give_another_value():
    ns = {"da1": np.array([1.0, 2.0]), "dz1": np.array([1.0, 0.0]), "z1": np.array([1.0, -1.0])}
    tex = (
        r"\frac{\partial L}{\partial z^{(1)}} = \frac{\partial L}{\partial a^{(1)}} \odot \mathbb{I}(z^{(1)} > 0)"
        r" \qquad\text{not}\qquad %s"
    )
    assert check_equation(tex % r"\frac{\partial L}{\partial a^{(1)}}", ns) == []
    assert "same value" in check_equation(tex % r"\frac{\partial L}{\partial z^{(1)}}", ns)[0]


def test_at_most_a_tenth_of_the_display_equations_are_not_evaluated():
    count = sum(len(equations((DOCS / page).read_text())) for page in course_pages())
    assert count >= 60
    left_out = exemptions([DOCS / page for page in course_pages()])
    assert len(left_out) <= count / 10, (len(left_out), count)
    assert all(reason for reason in left_out.values())


def test_the_home_page_shows_the_notation_table_the_checker_reads():
    assert "<!-- notation table -->" in (DOCS / "index.md").read_text()
    rows = {row.split("|")[1].strip(): row.split("|")[2].strip() for row in table().splitlines()[2:] if "|" in row}
    # the notes' names (the project's style): the table gives them because the checker reads them so
    assert rows["\\(W^{(1)}\\), \\(W^{(2)}\\)"] == "`W1`, `W2`"
    assert rows["\\(z^{(2)}\\), \\(\\hat y\\)"] == "`z2`, `y_hat`"
    assert rows["\\(\\dfrac{\\partial L}{\\partial W^{(2)}}\\)"] == "`dW2`"
    assert rows["\\(\\eta\\), \\(\\mu\\), \\(v\\)"] == "`lr`, `momentum`, `velocity`"
    assert len(rows) == len(NOTATION)


def test_a_symbol_of_the_notation_table_is_looked_up_by_the_name_the_table_gives():
    ns = {"W1": np.eye(2), "x": np.array([1.0, 2.0]), "z1": np.array([1.0, 2.0])}
    assert check_equation("z^{(1)} = W^{(1)} x^{(1)}", ns) == []
    assert "no value for" in check_equation("z^{(1)} = W^{(1)} a^{(1)}", ns)[0]


def test_a_subscript_in_words_and_a_greek_keyword_are_names_the_code_can_hold():
    assert (code_name(r"L_{\text{total}}"), code_name(r"\lambda"), code_name(r"\eta")) == ("L_total", "lambda_", "lr")
    ns = {"dL_total_dW1": np.full((2, 2), 1.5), "dW1": np.ones((2, 2)), "lambda_": 0.5, "W1": np.ones((2, 2))}
    tex = r"\frac{\partial L_{\text{total}}}{\partial W^{(1)}} = \frac{\partial L}{\partial W^{(1)}} + \lambda W^{(1)}"
    assert check_equation(tex, ns) == []
    assert check_equation(tex.replace("+", "-"), ns)


def test_a_missing_value_is_named_as_the_code_must_name_it():
    (problem,) = check_equation(r"\hat y = 1", {})
    assert "must name it y_hat" in problem


def test_every_page_of_the_nav_with_an_equation_is_mutated_with_nothing_to_register():
    from litbackprop.pages.tool import read_config

    def walk(entries):  # the nav as mkdocs.yml writes it, read here on its own
        for entry in entries:
            for value in entry.values() if isinstance(entry, dict) else [entry]:
                yield from walk(value) if isinstance(value, list) else [value]

    in_nav = [page for page in walk(read_config(DOCS.parent)["nav"]) if page.endswith(".md")]
    with_equations = [p for p in in_nav if equations((DOCS / p).read_text())]
    course = course_pages()
    assert course == with_equations and "checks.md" in course and "api.md" not in course


# Spellings that mean the same are read as the same (issue 29, item 4, in part)

RIGHT_SPELLINGS = {
    "\\top": r"\frac{\partial L}{\partial a^{(1)}} = {W^{(2)}}^\top (\hat{y} - y)",
    "\\intercal": r"\frac{\partial L}{\partial a^{(1)}} = {W^{(2)}}^{\intercal} (\hat{y} - y)",
    "W^{(2)T}": r"\frac{\partial L}{\partial a^{(1)}} = W^{(2)T} (\hat{y} - y)",
    "\\mathbf": r"\frac{\partial L}{\partial a^{(1)}} = {\mathbf{W}^{(2)}}^T (\hat{y} - y)",
    "\\nabla": r"\nabla_{a^{(1)}} L = {W^{(2)}}^T (\hat{y} - y)",
    "\\mathcal L": r"\frac{\partial \mathcal{L}}{\partial a^{(1)}} = {W^{(2)}}^T (\hat{y} - y)",
}


@pytest.mark.parametrize("spelling", RIGHT_SPELLINGS.values(), ids=RIGHT_SPELLINGS)
def test_a_right_formula_in_another_spelling_holds(two_layer, spelling):
    assert (
        formula_problems(
            two_layer.replace(BACKWARD_3B, spelling), "two-layer-network.md", points("two-layer-network.md")
        )
        == []
    )


@pytest.mark.parametrize(
    ("right", "spelling"),
    [
        (r"a^{(1)} = \max(0, z^{(1)}) = \begin", r"a^{(1)} = \operatorname{ReLU}(z^{(1)}) = \begin"),
        (r"\hat{y} = \text{softmax}(z^{(2)}), \quad", r"\hat{y} = \mathrm{softmax}(z^{(2)}), \quad"),
    ],
    ids=["\\operatorname{ReLU}", "\\mathrm{softmax}"],
)
def test_a_function_in_another_spelling_is_the_library_s(two_layer, right, spelling):
    assert right in two_layer
    assert (
        formula_problems(two_layer.replace(right, spelling), "two-layer-network.md", points("two-layer-network.md"))
        == []
    )


def test_a_wrong_formula_in_another_spelling_still_fails(two_layer):
    flipped = r"\frac{\partial L}{\partial a^{(1)}} = {W^{(2)}}^\top (y - \hat{y})"
    assert (
        "the sides differ"
        in formula_problems(
            two_layer.replace(BACKWARD_3B, flipped), "two-layer-network.md", points("two-layer-network.md")
        )[0]
    )


def test_a_braced_hat_on_the_left_is_read_not_a_crash(two_layer):
    right = "\\frac{\\partial L}{\\partial z^{(2)}} = \\hat{y} - y\n"
    assert right in two_layer
    swapped = two_layer.replace(right, "{\\hat{y}} - y = \\frac{\\partial L}{\\partial z^{(2)}}\n", 1)
    assert formula_problems(swapped, "two-layer-network.md", points("two-layer-network.md")) == []
    off = two_layer.replace(right, "{\\hat{y}} - y = \\frac{\\partial L}{\\partial z^{(2)}} + 1\n", 1)
    assert "the sides differ" in formula_problems(off, "two-layer-network.md", points("two-layer-network.md"))[0]


# Sums over their bounds, norms by their subscripts (issue 29, item 4, in part)

MEAN = r"L = \frac{1}{N}\sum_{n=1}^{N} \text{CE}(y_n, \hat y_n)"
NORM = r"\lVert g_{\text{analytic}} - g_{\text{numerical}} \rVert_2"


@pytest.mark.parametrize("bounds", [r"\sum_{n=2}^{N}", r"\sum_{n=1}^{N-1}", r"\sum_{n=1}^{1}"])
def test_a_sum_over_other_bounds_than_the_batch_fails(bounds):
    source = (DOCS / "mini-batches.md").read_text()
    assert MEAN in source
    problems = formula_problems(
        source.replace(MEAN, MEAN.replace(r"\sum_{n=1}^{N}", bounds)), "mini-batches.md", points("mini-batches.md")
    )
    assert any("eq-batch-loss" in p or "differ" in p for p in problems), problems


@pytest.mark.parametrize(("subscript", "holds"), [("_1", False), ("_\\infty", False), ("_F", True), ("_3", False)])
def test_a_norm_is_read_by_its_subscript(subscript, holds):
    source = (DOCS / "gradient-checking.md").read_text()
    assert NORM in source
    line = next(line for line in source.splitlines() if NORM in line)  # every norm of the equation: the page's
    changed = source.replace(line, line.replace("\\rVert_2", "\\rVert" + subscript))  # one differs in one entry
    assert (formula_problems(changed, "gradient-checking.md", points("gradient-checking.md")) == []) == holds


def test_a_relation_whose_side_is_prose_is_refused(two_layer):
    right = "\\frac{\\partial L}{\\partial z^{(2)}} = \\hat{y} - y\n"
    assert right in two_layer
    prose = two_layer.replace(right, "\\text{the gradient} = \\hat{y} - y + 1\n", 1)
    assert "a relation with an empty side" in "\n".join(
        formula_problems(prose, "two-layer-network.md", points("two-layer-network.md"))
    )


def test_an_ellipsis_outside_an_index_range_is_refused_not_dropped(two_layer):
    right = "\\frac{\\partial L}{\\partial z^{(2)}} = \\hat{y} - y\n"
    dotted = two_layer.replace(
        right, "\\frac{\\partial L}{\\partial z^{(2)}} = \\hat{y} - y, \\quad y_1 + \\ldots = 7\n", 1
    )
    assert "\\ldots outside the range of an index" in "\n".join(
        formula_problems(dotted, "two-layer-network.md", points("two-layer-network.md"))
    )


def test_a_formula_that_overflows_at_the_page_s_values_is_refused_not_taken_as_equal():
    problems = check_equation(r"e^{z} = 2\, e^{z}", {"z": np.array(1000.0)})  # inf = inf, where it is wrong
    assert problems and "is not finite at the page's values" in problems[0], problems
    assert check_equation(r"e^{z} = e^{z}", {"z": np.array(1.0)}) == []


# A page extends the notation and the exemptions itself (issue 29, item 3)

DECAY = """# Trial

{declarations}

<a id="eq-t-decay"></a>

$$
w = \\lambda\\, u
$$

```{{.python}}
# eq-t-decay
import numpy as np

weight_decay, u = 0.5, np.array([2.0, 4.0])
w = weight_decay * u
```
"""


def test_a_page_names_a_symbol_itself_in_its_notation_comment():
    declared = DECAY.format(declarations="<!-- notation\n\\lambda: weight_decay\n-->")
    assert formula_problems(declared, "t.md") == []
    undeclared = formula_problems(DECAY.format(declarations=""), "t.md")
    assert undeclared and "no value for \\lambda" in undeclared[0] and "<!-- notation -->" in undeclared[0]


def test_a_page_leaves_an_equation_out_with_its_reason_and_the_count_includes_it(tmp_path):
    leaving = DECAY.format(declarations="<!-- not evaluated\neq-t-decay: a trial of the declaration\n-->")
    assert formula_problems(leaving, "t.md") == []
    (tmp_path / "t.md").write_text(leaving)
    assert exemptions([tmp_path / "t.md"])["eq-t-decay"] == "a trial of the declaration"


def test_a_declaration_that_is_not_key_and_value_is_one_line():
    problems = formula_problems(DECAY.format(declarations="<!-- notation\n\\lambda weight_decay\n-->"), "t.md")
    assert problems == [
        "t.md: the page's notation comment has a line that is not 'key: value': '\\\\lambda weight_decay'"
    ]


def test_a_declaration_shown_as_an_example_in_a_fence_declares_nothing():
    shown = DECAY.format(declarations="```text\n<!-- notation\n\\lambda: weight_decay\n-->\n```")
    assert "no value for \\lambda" in formula_problems(shown, "t.md")[0]


DIAMOND = r"\frac{\partial f}{\partial a} = 30\,a = 60"


@pytest.mark.parametrize("numerator", ["c", "b", "a"])
def test_an_engine_derivative_is_read_from_the_pass_of_its_own_numerator(numerator):
    source = (DOCS / "autodiff.md").read_text()
    assert DIAMOND in source
    wrong = source.replace(DIAMOND, DIAMOND.replace(r"\partial f}", rf"\partial {numerator}}}"))
    problems = formula_problems(wrong, "autodiff.md", points("autodiff.md"))
    assert any("eq-ad-diamond" in p for p in problems), problems


def test_an_engine_derivative_leaves_every_grad_as_the_block_left_it():
    from litbackprop.autodiff import Value
    from litbackprop.pages.checks.formulas import ENGINE, snapshot

    a = Value(2.0)
    b, c = a * 3.0, a * 5.0
    f = b * c
    b.backward()  # the last pass ran from b: a.grad is db/da = 3, not df/da = 60
    copied = snapshot({"a": a, "b": b, "c": c, "f": f})
    assert copied[ENGINE][("f", "a")] == 60 and copied[ENGINE][("b", "a")] == 3 and copied[ENGINE][("c", "b")] == 0
    assert (a.grad, b.grad, c.grad, f.grad) == (3.0, 1.0, 0.0, 0.0)


MOMENTUM = r"v \leftarrow \mu\, v - \eta"


@pytest.mark.parametrize(
    "wrong", [r"v \leftarrow v - \eta", r"v \leftarrow \mu - \eta", r"v \leftarrow 2 \mu\, v - \eta"]
)
@pytest.mark.parametrize("page", ["learning.md", "mini-batches.md"])
def test_a_wrong_momentum_term_fails_though_the_page_steps_from_zero_velocity(page, wrong):
    source = (DOCS / page).read_text()
    assert MOMENTUM in source
    assert formula_problems(source.replace(MOMENTUM, wrong), page), f"{wrong} passed on {page}"


def test_a_block_that_starts_from_zeros_is_also_evaluated_from_values_drawn_in_their_place():
    points = page_namespaces((DOCS / "learning.md").read_text(), "learning.md")["eq-learn-momentum"]
    (before, _), (drawn, _) = points
    assert not any(v.any() for v in before["velocity"].values())
    assert all(v.all() for v in drawn["velocity"].values())


LOG_SOFTMAX = r"\log \text{softmax}(z)_i = z_i - m - \log \sum_j e^{z_j - m}"


@pytest.mark.parametrize("dropped", [r"z_i - m", r"z_i - \log \sum_j e^{z_j - m}"])
def test_a_log_softmax_without_its_log_sum_exp_fails_at_the_page_s_second_point(dropped):
    source = (DOCS / "numerical-stability.md").read_text()
    assert LOG_SOFTMAX in source
    wrong = source.replace(LOG_SOFTMAX, LOG_SOFTMAX.split("= ")[0] + "= " + dropped)
    assert any(
        "eq-stab-lse" in p for p in formula_problems(wrong, "numerical-stability.md", points("numerical-stability.md"))
    )


MSE = """# Trial

<a id="eq-t-mse"></a>

$$
L = \\frac{{1}}{{2N}} \\sum_{{n=1}}^{{N}} \\lVert \\hat y_n - y_n \\rVert{norm}^2
$$

```{{.python}}
# eq-t-mse
import numpy as np

Y_hat = np.array([[0.5, 1.0, -1.0], [2.0, 0.0, 1.0]])
Y = np.array([[0.0, 1.0, 0.0], [1.0, 1.0, 1.0]])
N = Y.shape[1]
L = np.sum((Y_hat - Y) ** 2) / (2 * N)
```
"""


def test_a_norm_inside_a_sum_is_taken_for_each_example():
    assert formula_problems(MSE.format(norm=""), "t.md") == []


@pytest.mark.parametrize("norm", ["_1", "_\\infty"])
def test_a_norm_inside_a_sum_is_still_read_by_its_subscript(norm):
    assert "the sides differ" in formula_problems(MSE.format(norm=norm), "t.md")[0]


def test_a_numbered_example_of_a_batch_counts_from_one():
    source = MSE.format(norm="").replace(
        "\\sum_{n=1}^{N} \\lVert \\hat y_n - y_n \\rVert^2", "\\lVert \\hat y_1 - y_1 \\rVert^2"
    )
    # the whole batch's 3.25 / 6 against the first example's 1.25 / 6
    assert "the sides differ: 0.541667 against 0.208333" in formula_problems(source, "t.md")[0]
    assert (
        formula_problems(
            source.replace("N}", "}")
            .replace("np.sum((Y_hat - Y) ** 2)", "np.sum((Y_hat[:, 0] - Y[:, 0]) ** 2)")
            .replace("(2 * N)", "2"),
            "t.md",
        )
        == []
    )


BATCH_DATA = r"Y = \begin{bmatrix} y_1 & y_2 & \cdots & y_N \end{bmatrix}"


@pytest.mark.parametrize(
    "wrong",
    [
        r"\hat y_1 & y_2 & \cdots & y_N",
        r"y_1 & y_2 & \cdots & \hat y_N",
        r"y_1 & y_2 & \cdots & y_{N-1}",
        r"y_2 & \cdots & y_N",
    ],
)
def test_a_row_with_an_ellipsis_is_every_column_of_its_range(wrong):
    changed = BATCH_DATA.replace(r"y_1 & y_2 & \cdots & y_N", wrong)
    assert any("eq-batch-data" in p for p in formula_problems_when("mini-batches.md", BATCH_DATA, changed))


PARAMETERS = r"\theta \in \{W^{(1)}, b^{(1)}, W^{(2)}, b^{(2)}\}"


@pytest.mark.parametrize(
    "wrong",
    [
        r"\{W^{(2)}, b^{(1)}, W^{(2)}, b^{(2)}\}",
        r"\{W^{(1)}, {b^{(1)}}^T, W^{(2)}, b^{(2)}\}",
        r"\{W^{(1)}, b^{(1)}, W^{(2)}\}",
    ],
)
def test_a_set_of_parameters_must_hold_each_parameter(wrong):
    problems = formula_problems_when("mini-batches.md", PARAMETERS, r"\theta \in " + wrong)
    assert any("none of the set's members" in p for p in problems), problems


def test_a_page_leaves_out_a_part_written_as_its_tex_and_the_rest_is_still_evaluated():
    declarations = (
        "<!-- notation\n\\lambda: weight_decay\n-->\n<!-- not evaluated\neq-t-decay \\text{decay}(u): a trial\n-->"
    )
    page = DECAY.replace("w = \\lambda\\, u", "w = \\lambda\\, u = \\text{{decay}}(u)").format(
        declarations=declarations
    )
    assert formula_problems(page, "t.md") == []
    assert "the sides differ" in formula_problems(page.replace("w = \\lambda", "w = 2 \\lambda"), "t.md")[0]


@pytest.mark.parametrize(
    ("kind", "tex"),
    [
        ("sum bounds moved", r"L = \frac{1}{N}\sum_{n=1}^{N} \ell_n"),
        ("index changed", r"z_i = \sum_j W_{ij} x_j"),
        ("norm changed", r"e = \lVert g \rVert_2"),
        (
            "derivative numerator changed",
            r"\frac{\partial f}{\partial a} = \frac{\partial f}{\partial b}\frac{\partial b}{\partial a}",
        ),
        ("update term changed", r"v \leftarrow \mu\, v - \eta\, g"),
        ("stable form's term dropped", r"\log \text{softmax}(z)_i = z_i - m - \log \sum_j e^{z_j - m}"),
    ],
)
def test_each_new_mutation_class_makes_its_mistake(kind, tex):
    from litbackprop.pages.mutate_symbols import edits

    made = [tex[:a] + replacement + tex[b:] for k, a, b, replacement in edits(tex) if k == kind]
    assert made and all(m != tex for m in made), made


SECOND = r"""# Trial

$$
z = W x = 5
$$

```{.python}
# eq-t-second
import numpy as np

W, x = np.array([[1.0, 2.0]]), np.array([1.0, 2.0])
z = W @ x
```

At another point:

```{.python continuation}
# eq-t-second
W, x = np.array([[3.0, -1.0]]), np.array([0.5, 4.0])
z = W @ x
```
"""


def test_a_second_point_evaluates_the_formula_and_leaves_the_worked_value_out():
    assert formula_problems(SECOND, "t.md") == []  # 5 is the first point's z, not the second's 0.5 * 3 - 4
    first, second = SECOND.rsplit("z = W @ x", 1)
    assert "the sides differ" in formula_problems(first + "z = W @ x + 1" + second, "t.md")[0]


def test_a_block_left_to_fill_says_to_run_the_page_tool_s_write():
    from litbackprop.pages.runner import run_page

    ran = run_page(
        "```{.python}\nfrom litbackprop.course.testing import assert_rounds_to\nassert_rounds_to(1.5, ...)\n```\n",
        "t.md",
    )
    assert ran.failure.endswith("(an assert_rounds_to(value, ...) is left to fill: run litbackprop-page write)")


@pytest.mark.parametrize(
    ("tex", "holds"),
    [
        (r"a = \tanh(z) = \frac{e^{z} - e^{-z}}{e^{z} + e^{-z}}", True),
        (r"\frac{\partial a}{\partial z} = 1 - a^2", True),
        (r"a = \tanh(2 z)", False),
        (r"a = \sinh(z) / \cosh(z)", True),
    ],
)
def test_an_elementary_function_is_applied_entry_by_entry_as_numpy_computes_it(tex, holds):
    z = np.array([0.5, -1.5])
    a = np.tanh(z)
    assert (check_equation(tex, {"z": z, "a": a, "da_dz": 1 - a**2}) == []) == holds


def test_a_block_that_does_not_compile_is_the_page_s_failure_not_a_crash_of_its_checks():
    from litbackprop.pages.checks.printed_numbers import check_page
    from litbackprop.pages.runner import run_page

    source = "Text.\n\n```{.python}\nx = 00_001\n```\n"
    assert run_page(source, "t.md").failure.startswith("t.md:3: the block fails: SyntaxError")
    assert check_page(Path("t.md"), source)[0].startswith("t.md:3: the block fails: SyntaxError")


@pytest.mark.parametrize(
    ("right", "wrong"),
    [
        ("`linear(W2, a1)`", "`linear(W1, a1)`"),
        ("`grad_weights(dz1, x)`", "`grad_weights(dz2, x)`"),
        ("`softmax(z2)`", "`softmax(z1)`"),
        ("`cross_entropy(y, y_hat)`", "`cross_entropy(y_hat, y)`"),
    ],
)
def test_the_library_call_of_a_table_row_computes_the_row_s_quantity(two_layer, right, wrong):
    assert right in two_layer
    problems = formula_problems(two_layer.replace(right, wrong), "two-layer-network.md", points("two-layer-network.md"))
    assert any("the table's row for" in p and wrong.strip("`").split("(")[0] in p for p in problems), problems


@pytest.fixture
def three_layers():
    """A block's network of three layers, its values in dictionaries by layer, as a deep network's page keeps them."""
    rng = np.random.default_rng(0)
    W = {1: rng.normal(size=(4, 3)), 2: rng.normal(size=(3, 4)), 3: rng.normal(size=(2, 3))}
    a, z = {0: rng.normal(size=(3, 5))}, {}
    for layer in (1, 2, 3):
        z[layer] = W[layer] @ a[layer - 1]
        if layer < 3:
            a[layer] = np.tanh(z[layer])
    delta = {3: rng.normal(size=(2, 5))}
    for layer in (2, 1):
        delta[layer] = (W[layer + 1].T @ delta[layer + 1]) * (1 - np.tanh(z[layer]) ** 2)
    return {"W": W, "a": a, "z": z, "delta": delta, "f": np.tanh, "f_prime": lambda z: 1 - np.tanh(z) ** 2}


RECURSION = r"\delta^{(l)} = \left({W^{(l+1)}}^T \delta^{(l+1)}\right) \odot f'(z^{(l)})"


def test_a_formula_of_layer_l_holds_for_every_layer_of_the_block(three_layers):
    assert check_equation(RECURSION, three_layers) == []
    assert check_equation(r"z^{(l)} = W^{(l)} a^{(l-1)}, \qquad a^{(l)} = f(z^{(l)})", three_layers) == []


@pytest.mark.parametrize(
    "wrong",
    [
        RECURSION.replace("{W^{(l+1)}}^T", "{W^{(l)}}^T"),  # the layer's own weights
        RECURSION.replace("f'(z^{(l)})", "f'(z^{(l+1)})"),  # the next layer's derivative
        RECURSION.replace("f'", "f"),  # the activation for its derivative
        RECURSION.replace("}}^T", "}}"),  # no transpose
    ],
)
def test_a_wrong_formula_of_layer_l_fails(three_layers, wrong):
    assert check_equation(wrong, three_layers)


def test_a_formula_of_layer_l_fails_at_the_one_layer_it_gets_wrong(three_layers):
    three_layers["delta"][1] = three_layers["delta"][1] * 1.001
    (problem,) = check_equation(RECURSION, three_layers)
    assert "( 1 )" in problem and "the sides differ" in problem


def test_a_formula_of_layer_l_that_names_no_layer_of_the_block_fails(three_layers):
    (problem,) = check_equation(r"\delta^{(l)} = {W^{(l+4)}}^T \delta^{(l)}", three_layers)
    assert "none of its layers" in problem


def test_kronecker_s_delta_keeps_its_indices_when_delta_with_a_layer_is_a_symbol(three_layers):
    x = {"x": np.array([1.0, 2.0])}
    assert check_equation(r"x_i = \sum_j x_j \delta_{ij}", x) == []
    assert check_equation(r"x_i = \sum_j x_j x_j \delta_{ij}", x)


CONV_FORWARD = r"z_{ij} = \sum_{m,n} W_{mn}\, x_{i+m,\, j+n} + b"


@pytest.mark.parametrize(
    "changed",
    [
        r"z_{ij} = \sum_{m,n} W_{mn}\, x_{i+n,\, j+m} + b",  # the kernel transposed
        r"z_{ij} = \sum_{m,n} W_{nm}\, x_{i+m,\, j+n} + b",  # its indices swapped
        r"z_{ij} = \sum_{m,n} W_{mn}\, x_{i,\, j+n} + b",  # one shift dropped: not a window
        r"z_{ij} = \sum_{m} W_{mn}\, x_{i+m,\, j+n} + b",  # a sum over one index of two
    ],
)
def test_a_convolution_s_window_arithmetic_is_evaluated_and_a_wrong_index_fails(changed):
    assert formula_problems_when("convolution.md", CONV_FORWARD, CONV_FORWARD) == []
    assert formula_problems_when("convolution.md", CONV_FORWARD, changed), changed


def test_a_shifted_index_that_names_a_letter_twice_is_refused():
    problems = formula_problems_when("convolution.md", CONV_FORWARD, CONV_FORWARD.replace("i+m", "i+m+n"))
    assert problems and "distinct letter" in problems[0], problems


POOL_FORWARD = r"p_{ij} = \max_{m,n < 2} a_{2i+m,\, 2j+n}"


@pytest.mark.parametrize(
    "changed",
    [
        r"p_{ij} = \max_{m,n < 2} a_{i+m,\, j+n}",  # a stride of one: overlapping windows
        r"p_{ij} = \max_{m,n < 3} a_{2i+m,\, 2j+n}",  # a window past the map's edge
        r"p_{ij} = \max_{m < 2} a_{2i+m,\, 2j+n}",  # n given no range
    ],
)
def test_a_max_pool_s_window_with_its_stride_is_evaluated_and_a_wrong_one_fails(changed):
    assert formula_problems_when("convolution.md", POOL_FORWARD, POOL_FORWARD) == []
    assert formula_problems_when("convolution.md", POOL_FORWARD, changed), changed
