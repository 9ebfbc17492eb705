"""The exercise checker answers exact, close or wrong, and says where and how far off."""

import numpy as np
import pytest

from litbackprop.exercises import EXERCISES, check, compare


def test_the_same_array_is_exact():
    assert compare("g", [1.0, 2.0], [1.0, 2.0]).verdict == "exact"


def test_an_array_within_the_tolerance_is_close_and_says_how_close():
    verdict = compare("g", [1.0, 2.0 + 1e-9], [1.0, 2.0])
    assert verdict.verdict == "close" and "at index 1" in verdict.message


def test_a_wrong_array_names_the_largest_difference_its_index_and_the_hint():
    verdict = compare("g", [[1.0, 5.0]], [[1.0, 2.0]], hint="look again")
    assert verdict.verdict == "wrong"
    assert (
        str(verdict) == "g: wrong: the largest difference is 3 at index (0, 1) (yours 5, expected 2). Hint: look again"
    )


def test_an_answer_rounded_too_early_is_told_so():
    assert "rounded too early?" in compare("g", [1.001], [1.0]).message


def test_a_wrong_shape_is_named():
    assert compare("g", [1.0, 2.0, 3.0], [1.0, 2.0]).message == "expected shape (2,); got shape (3,)"


def test_every_exercise_accepts_its_own_reference():
    for name, exercise in EXERCISES.items():
        assert check(name, exercise.reference()).verdict == "exact", name


def test_an_unknown_exercise_is_a_value_error():
    with pytest.raises(ValueError, match=r"name must be one of .*; got 'nope'"):
        check("nope", np.zeros(3))


def test_a_name_that_is_not_text_is_a_value_error():
    with pytest.raises(ValueError, match=r"name must be one of .*; got \['nope'\]"):
        check(["nope"], np.zeros(3))


def test_a_tolerance_that_is_not_a_number_is_a_value_error():
    with pytest.raises(ValueError, match=r"^rtol must be a tolerance >= 0; got 'x'"):
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
