import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

import litbackprop as lb
from litbackprop.course.testing import assert_gradient_matches
from litbackprop.fully_connected import EXTENDED

rng = np.random.default_rng(0)
W = rng.normal(size=(4, 3))
x = rng.normal(size=3)
X = rng.normal(size=(3, 5))


def test_linear_is_the_matrix_vector_product():
    assert_allclose(lb.linear(W, x), [W[i] @ x for i in range(4)], rtol=1e-14)


def test_linear_maps_a_batch_column_by_column():
    assert_allclose(lb.linear(W, X), np.stack([W @ X[:, n] for n in range(5)], axis=1), rtol=1e-14)


def test_linear_with_a_weight_vector_is_the_dot_product():
    assert lb.linear([2.0, -3.0, 1.0], [-1.0, -2.0, 1.0]) == 5.0


def test_grad_weights_is_the_gradient_of_a_linear_readout():
    dz = rng.normal(size=(4, 5))
    W_param = W.copy()
    assert_gradient_matches(lb.grad_weights(dz, X), lambda: (dz * lb.linear(W_param, X)).sum(), W_param)


def test_grad_weights_of_vectors_is_their_outer_product():
    assert_allclose(lb.grad_weights([1.0, 2.0], [3.0, 4.0]), [[3.0, 4.0], [6.0, 8.0]])


def test_grad_input_is_the_gradient_of_a_linear_readout():
    dz = rng.normal(size=(4, 5))
    X_param = X.copy()
    assert_gradient_matches(lb.grad_input(W, dz), lambda: (dz * lb.linear(W, X_param)).sum(), X_param)


def test_linear_rejects_x_with_the_wrong_number_of_rows():
    with pytest.raises(ValueError, match=r"x must have 3 rows .*shape \(4, 3\).*got shape \(5,\)"):
        lb.linear(W, np.ones(5))


def test_linear_rejects_a_3d_input():
    with pytest.raises(
        ValueError,
        match=r"x must be a 1-d array \(one example\) or a 2-d array .*; got an array of shape \(3, 2, 2\)",
    ):
        lb.linear(W, np.ones((3, 2, 2)))


def test_grad_weights_rejects_batches_of_different_sizes():
    with pytest.raises(ValueError, match=r"dz and x must both be vectors, or batches .*\(4, 2\).*\(3, 5\)"):
        lb.grad_weights(np.ones((4, 2)), X)


def test_grad_input_rejects_dz_with_the_wrong_number_of_rows():
    with pytest.raises(ValueError, match=r"dz must have 4 rows .*got shape \(3,\)"):
        lb.grad_input(W, np.ones(3))


def test_linear_adds_the_bias_to_every_column():
    b = np.array([1.0, -2.0, 0.5, 3.0])
    assert_allclose(lb.linear(W, X, b), W @ X + b[:, None], rtol=1e-15)


def test_grad_bias_is_the_gradient_of_a_linear_readout():
    dz = rng.normal(size=(4, 5))
    b = rng.normal(size=4)
    assert_gradient_matches(lb.grad_bias(dz), lambda: (dz * lb.linear(W, X, b)).sum(), b)


def test_linear_rejects_a_bias_of_the_wrong_length():
    with pytest.raises(ValueError, match=r"b must have shape \(4,\), one entry per row of W.*got shape \(3,\)"):
        lb.linear(W, X, np.ones(3))


@pytest.mark.skipif(not EXTENDED, reason="needs a longdouble wider than float64, which the careful product uses")
def test_a_product_whose_partial_sums_overflow_keeps_its_small_entries():
    # row 0 is 1e309 - 1e309 = 0; row 1, 4e-19, must not vanish with row 0's scale
    W, x = np.array([[1e308, -1e308], [1e-20, 3e-20]]), np.array([10.0, 10.0])
    small = W[1] @ x  # the second row alone, which never overflows: 4e-19 to float64's rounding
    assert_allclose(lb.linear(W, x), [0.0, small], rtol=1e-15, atol=0)
    assert_allclose(lb.grad_input(W.T, x), [0.0, small], rtol=1e-15, atol=0)
    assert_allclose(lb.grad_weights(np.array([[10.0, 10.0]]), W), [[0.0, small]], rtol=1e-15, atol=0)


def test_a_wider_bias_widens_the_result_as_numpy_promotes():
    z = lb.linear(np.eye(2, dtype=np.float16), np.array([0.0, 1.0], np.float16), b=np.array([1e-30, 2e-30], np.float32))
    assert z.dtype == np.float32
    assert_array_equal(z, np.array([1e-30, 1.0 + 2e-30], np.float32))


@pytest.mark.parametrize(
    ("W", "x", "b", "expected"),
    [
        ([[1.0, 1.0]], [2048.0, 1.0], [0.5], [2049.5]),  # W x rounds to 2048 in float16 before the bias
        ([[60000.0, 60000.0]], [1.0, 1.0], [-60000.0], [60000.0]),  # W x overflows float16 before the bias
    ],
    ids=["rounded", "overflowing"],
)
def test_a_float64_bias_makes_the_whole_layer_float64(W, x, b, expected):
    z = lb.linear(np.array(W, np.float16), np.array(x, np.float16), np.array(b))
    assert z.dtype == np.float64
    assert_array_equal(z, expected)
