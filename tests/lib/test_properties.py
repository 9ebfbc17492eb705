"""Property tests: random sizes (every dimension 1…16, batches 1…32), checked against central differences."""

import os

import numpy as np
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

import litbackprop as lb

dims = st.integers(1, 16)
classes = st.integers(2, 16)  # softmax over one class is trivially 1
batches = st.integers(1, 32)
seeds = st.integers(0, 2**32 - 1)


def random_problem(d, h, k, n, seed, biases):
    rng = np.random.default_rng(seed)
    # He-scaled weights keep the logits of order 1, as in training: with unit-variance weights
    # the logits reach 30 or more, and the rounding noise of a central difference of the loss
    # (about 1e-16 x |logit| / eps) approaches the 1e-6 tolerance when the gradient is small.
    net = lb.TwoLayerNet(
        rng.normal(size=(h, d)) * np.sqrt(2 / d),
        rng.normal(size=(k, h)) * np.sqrt(2 / h),
        b1=0.1 * rng.normal(size=h) if biases else None,
        b2=0.1 * rng.normal(size=k) if biases else None,
    )
    x = rng.normal(size=(d, n))
    y = lb.one_hot(rng.integers(0, k, size=n), k)
    return net, x, y


def away_from_the_kink(net, x):
    """Central differences straddle ReLU's kink when a nudge can reach it: a pre-activation within the step times
    max(1, max |x|) of 0. The 1e-4 kept here is well beyond that for these inputs and steps."""
    z1 = lb.linear(net.W1, x, net.b1)
    return np.abs(z1).min() > 1e-4


@settings(max_examples=int(os.environ.get("LITBACKPROP_EXAMPLES", 60)), deadline=None)
@given(d=dims, h=dims, k=classes, n=batches, seed=seeds, biases=st.booleans())
def test_analytic_gradients_match_central_differences(d, h, k, n, seed, biases):
    net, x, y = random_problem(d, h, k, n, seed, biases)
    assume(away_from_the_kink(net, x))
    # When every example is predicted with near certainty the loss is a difference of nearly equal
    # numbers (a logit minus its log-sum-exp), and its central differences are rounding noise:
    # seen at L = 4e-7, where the analytic gradient was exact and the numerical one off by 7e-5.
    assume(net.loss(x, y) > 1e-4)
    # Likewise when a whole gradient is small: each entry of a central difference carries rounding
    # noise of about 1e-16 x L / 1e-6, so a gradient of norm 1e-4 cannot be checked to 1e-6 (seen:
    # L = 1.8, |dW2| = 5e-5, relative error 2.4e-6 with a step of 1e-6, 2.2e-7 with 1e-5).
    assume(min(np.linalg.norm(g) for g in net.backward(x, y).values()) > 1e-3)
    errors = lb.gradient_check(net, x, y)
    assert max(errors.values()) <= 1e-6, errors


@settings(max_examples=60, deadline=None)
@given(k=classes, n=batches, seed=seeds, scale=st.sampled_from([1.0, 30.0, 1e4]))
def test_softmax_columns_sum_to_one(k, n, seed, scale):
    z = scale * np.random.default_rng(seed).normal(size=(k, n))
    y_hat = lb.softmax(z)
    assert np.all(y_hat >= 0)
    assert_allclose(y_hat.sum(axis=0), np.ones(n), rtol=1e-13)


@settings(max_examples=40, deadline=None)
@given(d=dims, h=dims, k=classes, n=batches, seed=seeds, biases=st.booleans())
def test_batch_gradient_is_the_mean_of_the_per_example_gradients(d, h, k, n, seed, biases):
    net, x, y = random_problem(d, h, k, n, seed, biases)
    batch = net.backward(x, y)
    singles = [net.backward(x[:, i], y[:, i]) for i in range(n)]
    for name, grad in batch.items():
        mean = np.mean([s[name] for s in singles], axis=0)
        assert_allclose(grad, mean, rtol=1e-10, atol=1e-14, err_msg=name)
