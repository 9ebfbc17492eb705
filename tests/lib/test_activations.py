import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

import litbackprop as lb
from litbackprop.course.testing import assert_gradient_matches


def test_sigmoid_of_zero_is_one_half():
    assert lb.sigmoid(0.0) == 0.5


def test_sigmoid_matches_its_definition():
    z = np.linspace(-20, 20, 41)
    assert_allclose(lb.sigmoid(z), 1 / (1 + np.exp(-z)), rtol=1e-14)


def test_sigmoid_saturates_without_overflow_warning():
    assert_array_equal(lb.sigmoid([-1000.0, 1000.0]), [0.0, 1.0])


def test_sigmoid_derivative_matches_central_differences():
    z = np.array([-3.0, -0.5, 0.0, 2.0, 5.0])
    # sum(sigmoid) has gradient sigmoid'(z) entry by entry
    assert_gradient_matches(lb.sigmoid_derivative(lb.sigmoid(z)), lambda: lb.sigmoid(z).sum(), z)


def test_sigmoid_derivative_of_five_is_0_0066481():
    assert_allclose(lb.sigmoid_derivative(lb.sigmoid(5.0)), 0.006648056670790033, rtol=1e-12)


def test_relu_zeroes_negatives_and_keeps_positives():
    assert_array_equal(lb.relu([-2.0, -0.0, 0.0, 3.5]), [0.0, 0.0, 0.0, 3.5])


def test_grad_relu_passes_gradient_only_where_input_was_positive():
    assert_array_equal(lb.grad_relu([1.0, 2.0, 3.0], [-1.0, 0.0, 1.0]), [0.0, 0.0, 3.0])


def test_grad_relu_matches_central_differences_away_from_the_kink():
    z = np.array([[-1.5, 0.7], [2.0, -0.3]])
    weights = np.array([[1.0, -2.0], [0.5, 3.0]])
    assert_gradient_matches(lb.grad_relu(weights, z), lambda: (weights * lb.relu(z)).sum(), z)


def test_softmax_columns_sum_to_one():
    z = np.random.default_rng(1).normal(size=(5, 7))
    assert_allclose(lb.softmax(z).sum(axis=0), np.ones(7), rtol=1e-15)


def test_softmax_normalises_along_the_given_axis():
    z = np.random.default_rng(2).normal(size=(5, 7))
    assert_allclose(lb.softmax(z, axis=1), lb.softmax(z.T).T, rtol=1e-15)


def test_softmax_is_unchanged_by_adding_a_constant():
    z = np.array([1.0, 2.0, 3.0])
    assert_allclose(lb.softmax(z + 100.0), lb.softmax(z), rtol=1e-14)


def test_softmax_of_huge_logits_is_finite():
    assert_array_equal(lb.softmax([1e4, -1e4, 0.0]), [1.0, 0.0, 0.0])


def test_log_softmax_equals_log_of_softmax():
    z = np.random.default_rng(3).normal(size=(4, 3))
    assert_allclose(lb.log_softmax(z), np.log(lb.softmax(z)), rtol=1e-14)


def test_float32_in_gives_float32_out():
    z = np.array([-1.0, 0.5], dtype=np.float32)
    for f in (lb.sigmoid, lb.relu, lb.softmax, lb.log_softmax):
        assert f(z).dtype == np.float32, f.__name__


def test_integer_input_is_promoted_to_float64():
    for f in (lb.sigmoid, lb.relu, lb.softmax, lb.log_softmax):
        assert f(np.array([1, 2, 3])).dtype == np.float64, f.__name__


@pytest.mark.parametrize("bad_axis", [2, -3, 0.5])
def test_softmax_rejects_an_axis_outside_the_array(bad_axis):
    with pytest.raises(ValueError, match=r"axis must be an integer in \[-2, 1\]"):
        lb.softmax(np.ones((2, 2)), axis=bad_axis)


def test_sigmoid_derivative_rejects_values_outside_0_1():
    with pytest.raises(ValueError, match=r"a must hold sigmoid outputs in \[0, 1\]"):
        lb.sigmoid_derivative([0.5, 1.5])


def test_grad_relu_rejects_shapes_that_differ():
    with pytest.raises(ValueError, match=r"da must have the same shape as z, \(3,\); got shape \(2,\)"):
        lb.grad_relu([1.0, 2.0], [1.0, 2.0, 3.0])


def test_softmax_refuses_a_batch_laid_out_as_a_row():
    message = r"z has a single entry along axis 0.*shape \(1, 3\).*\(3,\) or a column of shape \(3, 1\)"
    with pytest.raises(ValueError, match=message):
        lb.softmax([[1.0, 2.0, 3.0]])


def test_sigmoid_derivative_is_zero_at_both_ends():
    assert_array_equal(lb.sigmoid_derivative([0.0, 1.0]), [0.0, 0.0])


def test_log_softmax_of_a_batch_of_large_logits_is_exact_along_the_columns():
    z = np.array([[1000.0, 0.0], [1000.0, -1000.0]])
    expected = np.array([[-np.log(2), 0.0], [-np.log(2), -1000.0]])
    assert_allclose(lb.log_softmax(z), expected, rtol=1e-15, atol=0)
    assert_allclose(lb.log_softmax(z.T, axis=1), expected.T, rtol=1e-15, atol=0)


@pytest.mark.parametrize(("forward", "backward"), [(lb.sigmoid, lb.grad_sigmoid), (lb.tanh, lb.grad_tanh)])
def test_grad_sigmoid_and_grad_tanh_from_the_output_match_central_differences(forward, backward):
    z, da, eps = np.linspace(-4, 4, 9), np.linspace(1, 2, 9), 1e-6
    numerical = da * (np.asarray(forward(z + eps)) - np.asarray(forward(z - eps))) / (2 * eps)
    np.testing.assert_allclose(backward(da, forward(z)), numerical, rtol=1e-8, atol=1e-12)


def test_tanh_is_a_sigmoid_centred_on_zero():
    z = np.linspace(-30, 30, 61)
    np.testing.assert_allclose(lb.tanh(z), 2 * lb.sigmoid(2 * z) - 1, rtol=1e-15, atol=1e-15)


@pytest.mark.parametrize(("backward", "outside"), [(lb.grad_tanh, 1.5), (lb.grad_sigmoid, -0.5)])
def test_a_backward_row_refuses_an_output_its_activation_cannot_give(backward, outside):
    with pytest.raises(ValueError, match=r"^a must hold .* outputs in \["):
        backward([1.0, 1.0], [0.0, outside])
