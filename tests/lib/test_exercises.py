"""The exercise checker answers exact, close or wrong, and says where and how far off."""

import numpy as np
import pytest

import litbackprop as lb
from litbackprop.course import COLUMN, exercises
from litbackprop.course.exercises import EXERCISES, check, compare


def test_the_same_array_is_exact():
    assert compare("g", [1.0, 2.0], [1.0, 2.0]).verdict == "exact"


def test_an_array_within_the_tolerance_is_close_and_says_how_close():
    verdict = compare("g", [1.0, 2.0 + 1e-9], [1.0, 2.0])
    assert verdict.verdict == "close" and "at 1" in verdict.message


def test_an_array_off_by_rounding_only_is_close_and_said_to_be_right():
    verdict = compare("g", [1.0, 2.0 * (1 + 2e-16)], [1.0, 2.0])
    assert verdict.verdict == "close" and verdict.message == "rounding only (2e-16): right", verdict


def test_a_wrong_array_names_the_largest_difference_its_index_and_the_hint():
    verdict = compare("g", [[1.0, 5.0]], [[1.0, 2.0]], hint="look again")
    assert verdict.verdict == "wrong"
    assert verdict.message == "the largest difference is 3 at index (0, 1) (yours 5, expected 2). Hint: look again"


def test_a_verdict_too_long_for_a_phone_s_line_puts_its_message_below_wrapped_to_the_column():
    verdict = compare("g", [[1.0, 5.0]], [[1.0, 2.0]], hint="look again")
    lines = str(verdict).splitlines()
    assert lines[0] == "g: wrong" and all(len(line) <= COLUMN for line in lines)
    assert " ".join(line.strip() for line in lines[1:]) == verdict.message
    assert str(compare("g", [1.0], [1.0])) == "g: exact"


def test_an_answer_rounded_too_early_is_told_so():
    assert "rounded too early?" in compare("g", [1.001], [1.0]).message


def test_a_wrong_shape_is_named():
    assert compare("g", [1.0, 2.0, 3.0], [1.0, 2.0]).message == "expected shape (2,); got shape (3,)"


def _loss(W1, W2, x, y, b1=0.0, b2=0.0):
    """The two-layer loss from numpy alone: mean cross-entropy of softmax(W2 max(0, W1 x + b1) + b2)."""
    x, y = x.reshape(len(x), -1), y.reshape(len(y), -1)
    z2 = W2 @ np.maximum(W1 @ x + np.reshape(b1, (-1, 1)), 0) + np.reshape(b2, (-1, 1))
    log_y_hat = z2 - z2.max(axis=0) - np.log(np.exp(z2 - z2.max(axis=0)).sum(axis=0))
    return -(y * log_y_hat).sum() / x.shape[1]


def _central(f, theta, eps=1e-6):
    """Central differences of f() in each entry of theta, written here rather than taken from the library."""
    grad = np.zeros_like(theta)
    for i in np.ndindex(theta.shape):
        old = theta[i]
        theta[i] = old + eps
        up = f()
        theta[i] = old - eps
        down = f()
        theta[i] = old
        grad[i] = (up - down) / (2 * eps)
    return grad


def _example():
    return (
        np.array([1.0, 2.0, -1.0]),
        np.array([[0.5, -0.1, 0.2], [-0.3, 0.4, 0.2], [0.2, 0.1, -0.6], [-0.4, -0.1, 0.3]]),
        np.array([[0.3, -0.5, 0.8, 0.1], [-0.2, 0.6, 0.4, -0.7], [0.5, 0.2, -0.3, 0.4]]),
        np.array([0.0, 1.0, 0.0]),
    )


def _two_steps():
    x, W1, W2, y = _example()
    for _ in range(2):
        dW1 = _central(lambda W1=W1, W2=W2: _loss(W1, W2, x, y), W1)
        dW2 = _central(lambda W1=W1, W2=W2: _loss(W1, W2, x, y), W2)
        W1, W2 = W1 - 0.5 * dW1, W2 - 0.5 * dW2
    return W2


def _digits_dx():
    net, _, split = exercises._digits_network()  # the trained network is given; its gradient is computed here
    x, y = split.x_test[:, 0], np.eye(10)[split.labels_test[0]]
    # the loss is near 0 here, so central differences are rounding noise: the chain rule in numpy instead
    z1 = net.W1 @ x + net.b1
    z2 = net.W2 @ np.maximum(z1, 0) + net.b2
    y_hat = np.exp(z2 - z2.max()) / np.exp(z2 - z2.max()).sum()
    return net.W1.T @ ((net.W2.T @ (y_hat - y)) * (z1 > 0))


def _independent(name):
    """The answer to an exercise of the course's first pages, computed here with numpy alone."""
    x, W1, W2, y = _example()
    b1, b2 = np.array([0.2, -0.1, 0.0, 0.5]), np.array([0.1, 0.0, -0.1])
    X, Y = np.column_stack([x, [0.5, -1.0, 2.0]]), np.eye(3)[:, [1, 2]]
    a = 1 / (1 + np.exp(-(2.0 * 1.0 - 3.0 * 0.5 + 1.0 * 1.0)))
    x2 = np.array([0.5, -1.0, 2.0])
    return {
        "neuron-da-dw": lambda: a * (1 - a) * np.array([1.0, 0.5, 1.0]),
        "two-layer-dW1": lambda: _central(lambda: _loss(W1, W2, x2, y), W1),
        "biases-db1": lambda: _central(lambda: _loss(W1, W2, x, np.eye(3)[2], b1, b2), b1),
        "batch-dW2": lambda: _central(lambda: _loss(W1, W2, X, Y), W2),
        "learning-two-steps": _two_steps,
        "central-difference-dW2": lambda: _central(lambda: _loss(W1, W2, x, y), W2),
        "autodiff-used-three-times": lambda: np.array([3.0 + 2 * 2.0, 2.0]),  # f = ab + a^2: b + 2a, a
        "pitfalls-fix-the-backward": lambda: _central(lambda: _loss(W1, W2, x, y), W1),
        "digits-dL-dx": _digits_dx,
        "stable-log-softmax": lambda: np.array([0.0, -1000.0, -2000.0]),  # z - max - log(1 + e^-1000 + e^-2000)
    }[name]()


INDEPENDENT = [
    "neuron-da-dw",
    "two-layer-dW1",
    "biases-db1",
    "batch-dW2",
    "learning-two-steps",
    "central-difference-dW2",
    "autodiff-used-three-times",
    "pitfalls-fix-the-backward",
    "digits-dL-dx",
    "stable-log-softmax",
]


@pytest.mark.parametrize("name", INDEPENDENT)
def test_an_exercise_s_answer_agrees_with_an_independent_computation(name):
    assert check(name, _independent(name), rtol=1e-6).verdict != "wrong", name


def test_every_exercise_is_set_on_a_page_whose_solution_the_suite_checks_against_it():
    from pathlib import Path

    docs = Path(__file__).resolve().parents[2] / "docs"
    pages = "".join(p.read_text() for p in [*docs.glob("*.md"), *docs.glob("notebooks/*.py")])
    assert [name for name in EXERCISES if f'check("{name}"' not in pages] == []


def test_an_unknown_exercise_is_a_value_error():
    with pytest.raises(ValueError, match=r"name must be one of .*; got 'nope'"):
        check("nope", np.zeros(3))


def test_a_name_that_is_not_text_is_a_value_error():
    with pytest.raises(ValueError, match=r"name must be one of .*; got \['nope'\]"):
        check(["nope"], np.zeros(3))


def test_a_tolerance_that_is_not_a_number_is_a_value_error():
    with pytest.raises(ValueError, match=r"^rtol must be a number >= 0; got 'x'"):
        compare("g", [1.0], [1.0], rtol="x")


def test_a_nan_or_an_inf_in_the_answer_is_named_with_its_index():
    verdict = compare("z", [1.0, np.nan, np.inf], [1.0, 2.0, 3.0], hint="shift first")
    assert verdict.verdict == "wrong"
    assert (
        verdict.message
        == "yours holds nan at index 1 (expected 2): a log of 0 or an overflow on the way? Hint: shift first"
    )


def test_a_one_sided_difference_is_wrong_where_a_centred_one_is_close():
    import litbackprop as lb

    e = lb.worked_example()
    W2 = e["W2"]

    def loss():
        return lb.TwoLayerNet(e["W1"], W2).loss(e["x"], e["y"])

    centred = lb.numerical_gradient(loss, W2, eps=1e-5)
    one_sided = np.zeros_like(W2)
    for index in np.ndindex(W2.shape):
        kept = W2[index]
        W2[index] = kept + 1e-5
        up = loss()
        W2[index] = kept
        one_sided[index] = (up - loss()) / 1e-5
    assert check("central-difference-dW2", centred).verdict == "close"
    assert check("central-difference-dW2", one_sided).verdict == "wrong"


def test_the_log_of_a_softmax_that_underflowed_is_wrong_and_told_why():
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        z = np.array([1000.0, 0.0, -1000.0])
        e = np.exp(z - z.max())
        verdict = check("stable-log-softmax", np.log(e / e.sum()))
    assert verdict.verdict == "wrong" and "yours holds -inf at index 1" in verdict.message, verdict


# Edges found by fuzzing (issue 24): each failed before its fix


def _right_answer():
    e = lb.worked_example()
    return lb.TwoLayerNet(e["W1"], e["W2"]).backward([0.5, -1.0, 2.0], e["y"])["W1"]


def test_a_right_answer_plus_an_imaginary_part_is_refused_not_called_exact():
    with pytest.raises(ValueError, match=r"^yours must be an array of real numbers; got dtype complex128$"):
        check("two-layer-dW1", _right_answer() + 5j)


def test_a_right_answer_written_as_text_is_refused_not_called_exact():
    with pytest.raises(ValueError, match=r"^yours must be an array of real numbers; got dtype <U"):
        check("two-layer-dW1", _right_answer().astype(str))


@pytest.mark.parametrize("expected", [1j, "a", object()], ids=["complex", "text", "object"])
def test_an_expected_answer_that_is_no_real_number_is_refused_naming_it(expected):
    with pytest.raises(ValueError, match=r"^expected must be an array of real numbers"):
        compare("dW", [1.0], expected)
