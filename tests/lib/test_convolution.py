"""The convolution layer and max-pooling: the matrix-product forms equal to loops over every index, their gradients
equal to central differences in float64, and each backward rule the one its docstring states."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal

import litbackprop as lb
from litbackprop.course.testing import assert_gradient_matches

rng = np.random.default_rng(0)


def conv_by_loops(x, W, b, stride, padding):
    """z[f, i, j, n] = sum over c, m, q of W[f, c, m, q] x_padded[c, s i + m, s j + q, n] + b[f], entry by entry."""
    C, H, Wd, N = x.shape
    F, _, kh, kw = W.shape
    padded = np.zeros((C, H + 2 * padding, Wd + 2 * padding, N))
    padded[:, padding : padding + H, padding : padding + Wd] = x
    Ho, Wo = (H + 2 * padding - kh) // stride + 1, (Wd + 2 * padding - kw) // stride + 1
    z = np.zeros((F, Ho, Wo, N))
    for f, i, j, n in np.ndindex(F, Ho, Wo, N):
        for c, m, q in np.ndindex(C, kh, kw):
            z[f, i, j, n] += W[f, c, m, q] * padded[c, stride * i + m, stride * j + q, n]
        z[f, i, j, n] += b[f]
    return z


def pool_by_loops(a, k):
    C, H, Wd, N = a.shape
    z = np.full((C, H // k, Wd // k, N), -np.inf)
    for c, i, j, n in np.ndindex(z.shape):
        for m, q in np.ndindex(k, k):
            z[c, i, j, n] = max(z[c, i, j, n], a[c, k * i + m, k * j + q, n])
    return z


LAYERS = [(1, 0), (1, 1), (2, 0), (2, 1), (3, 2)]  # (stride, padding)


@pytest.mark.parametrize(("stride", "padding"), LAYERS)
def test_the_layer_as_one_matrix_product_equals_the_loops_over_every_index(stride, padding):
    x, W, b = rng.normal(size=(2, 7, 6, 3)), rng.normal(size=(4, 2, 3, 2)), rng.normal(size=4)
    assert_allclose(lb.conv2d(x, W, b, stride, padding), conv_by_loops(x, W, b, stride, padding), rtol=1e-12)


@pytest.mark.parametrize(("stride", "padding"), LAYERS)
def test_each_gradient_of_the_layer_matches_central_differences(stride, padding):
    x, W, b = rng.normal(size=(2, 6, 5, 2)), rng.normal(size=(3, 2, 3, 2)), rng.normal(size=3)
    dz = rng.normal(size=lb.conv2d(x, W, b, stride, padding).shape)

    def L():
        return float((dz * lb.conv2d(x, W, b, stride, padding)).sum())  # any loss whose gradient at z is dz

    assert_gradient_matches(lb.grad_conv_weights(dz, x, W, stride, padding), L, W, name="dW")
    assert_gradient_matches(lb.grad_conv_input(dz, x, W, stride, padding), L, x, name="dx")
    assert_gradient_matches(lb.grad_conv_bias(dz), L, b, name="db")


def test_at_stride_one_the_input_gradient_is_the_full_correlation_with_the_flipped_kernel():
    x, W = rng.normal(size=(2, 6, 6, 2)), rng.normal(size=(3, 2, 3, 3))
    dz = rng.normal(size=lb.conv2d(x, W).shape)
    flipped = W[:, :, ::-1, ::-1].transpose(1, 0, 2, 3)  # (C, F, k, k): each filter turned half a turn
    full = lb.conv2d(dz, flipped, padding=2)  # padding k - 1: every overlap of kernel and image
    assert_allclose(lb.grad_conv_input(dz, x, W), full, rtol=1e-12)


def test_the_weight_gradient_is_the_input_correlated_with_the_upstream_gradient():
    x, W = rng.normal(size=(1, 5, 5, 1)), rng.normal(size=(1, 1, 3, 3))
    dz = rng.normal(size=lb.conv2d(x, W).shape)
    as_correlation = lb.conv2d(x, dz[None, :, :, :, 0])  # the image, correlated with dz as a 3 × 3 kernel
    assert_allclose(lb.grad_conv_weights(dz, x, W)[0, 0], as_correlation[0, :, :, 0], rtol=1e-12)


@settings(max_examples=25, deadline=None)
@given(st.integers(1, 3), st.integers(1, 3), st.integers(1, 3), st.integers(0, 2), st.integers(1, 3), st.integers(1, 2))
def test_any_layer_s_gradients_match_central_differences(C, F, k, padding, stride, N):
    size = k + 2 + stride
    local = np.random.default_rng(C * 100 + F * 10 + k)
    x, W, b = local.normal(size=(C, size, size, N)), local.normal(size=(F, C, k, k)), local.normal(size=F)
    dz = local.normal(size=lb.conv2d(x, W, b, stride, padding).shape)

    def L():
        return float((dz * lb.conv2d(x, W, b, stride, padding)).sum())

    assert_allclose(lb.conv2d(x, W, b, stride, padding), conv_by_loops(x, W, b, stride, padding), rtol=1e-12)
    assert_gradient_matches(lb.grad_conv_weights(dz, x, W, stride, padding), L, W, name="dW")
    assert_gradient_matches(lb.grad_conv_input(dz, x, W, stride, padding), L, x, name="dx")


@pytest.mark.parametrize("k", [2, 3])
def test_pooling_equals_the_loops_and_drops_the_pixels_past_the_last_whole_window(k):
    a = rng.normal(size=(2, 7, 8, 3))
    assert_array_equal(lb.max_pool(a, k), pool_by_loops(a, k))


def test_pooling_s_gradient_goes_to_each_window_s_largest_input_and_matches_central_differences():
    a = rng.normal(size=(2, 5, 7, 2))  # no ties: central differences see one winner per window
    dz = rng.normal(size=lb.max_pool(a).shape)
    da = lb.grad_max_pool(dz, a)
    assert_gradient_matches(da, lambda: float((dz * lb.max_pool(a)).sum()), a, name="da")
    assert np.count_nonzero(da) == dz.size, "one input per window receives the gradient"
    assert not da[:, 4].any() and not da[:, :, 6].any(), "the pixels past the last whole window get none"


def test_on_a_tie_pooling_routes_the_gradient_to_the_first_maximum_only():
    a = np.ones((1, 2, 2, 1))
    da = lb.grad_max_pool(np.full((1, 1, 1, 1), 5.0), a)
    assert_array_equal(da[0, :, :, 0], [[5.0, 0.0], [0.0, 0.0]])


@pytest.mark.parametrize(
    ("call", "said"),
    [
        (lambda: lb.conv2d(np.ones((2, 4, 4, 1)), np.ones((3, 1, 3, 3))), "W must have 2 channels"),
        (lambda: lb.conv2d(np.ones((1, 2, 2, 1)), np.ones((1, 1, 3, 3))), "padding must be a non-negative integer"),
        (lambda: lb.conv2d(np.ones((1, 4, 4)), np.ones((1, 1, 3, 3))), "x must be a 4-d array"),
        (lambda: lb.grad_conv_bias(np.ones((2, 2))), "dz must be a 4-d array"),
        (lambda: lb.max_pool(np.ones((1, 3, 3, 1)), 4), "size must be a positive integer no larger than the images"),
        (lambda: lb.grad_max_pool(np.ones((1, 2, 2, 1)), np.ones((1, 2, 2, 1))), "dz must have the pooled shape"),
    ],
)
def test_a_call_that_does_not_fit_is_refused_by_name(call, said):
    with pytest.raises(ValueError, match=said):
        call()
