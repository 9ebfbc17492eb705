"""Batch normalization: the forward pass's statistics, the compact backward pass against central differences and
against the engine's own derivation, and the running averages inference uses."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

import litbackprop as lb
from litbackprop.autodiff import Value
from litbackprop.course.testing import assert_gradient_matches


def batch(d, N, seed):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(d, N)) * 3 + 1, rng.normal(size=d), rng.normal(size=d), rng.normal(size=(d, N))


@settings(max_examples=15, deadline=None)
@given(d=st.integers(1, 3), N=st.integers(3, 6), seed=st.integers(0, 2**16))
def test_the_compact_backward_pass_matches_central_differences(d, N, seed):
    # (at N = 2 the outputs are +-1 whatever z is: a gradient near 0, below central differences' floor)
    z, gamma, beta, w = batch(d, N, seed)
    dz, dgamma, dbeta = lb.grad_batch_norm(w, z, gamma)

    def loss():  # a weighted sum of the outputs: its gradient with respect to u is w
        return float((w * lb.batch_norm(z, gamma, beta, *lb.batch_statistics(z))).sum())

    assert_gradient_matches(dz, loss, z)
    assert_gradient_matches(dgamma, loss, gamma)
    assert_gradient_matches(dbeta, loss, beta)


def test_the_compact_backward_pass_is_what_the_engine_derives_from_the_forward_stages():
    z, gamma, beta, w = batch(4, 6, 0)
    N, eps = 6, 1e-5
    Z, G, B = Value(z), Value(gamma.reshape(-1, 1)), Value(beta.reshape(-1, 1))
    centred = Z - Z.sum(axis=1).reshape((-1, 1)) * (1 / N)
    variance = (centred * centred).sum(axis=1).reshape((-1, 1)) * (1 / N)
    ((G * (centred * (variance + eps) ** -0.5) + B) * Value(w)).sum().backward()
    dz, dgamma, dbeta = lb.grad_batch_norm(w, z, gamma, eps)
    assert_allclose(dz, Z.grad, rtol=1e-12, atol=1e-15)
    assert_allclose(dgamma, G.grad[:, 0], rtol=1e-12)
    assert_allclose(dbeta, B.grad[:, 0], rtol=1e-12)


def test_in_training_each_unit_comes_out_with_mean_beta_and_spread_gamma():
    z, gamma, beta, _ = batch(3, 50, 1)
    u = lb.batch_norm(z, gamma, beta, *lb.batch_statistics(z), eps=1e-12)
    assert_allclose(u.mean(axis=1), beta, atol=1e-12)
    assert_allclose(u.std(axis=1), np.abs(gamma), rtol=1e-9)


def test_the_statistics_divide_by_n():
    z = np.array([[1.0, 2.0, 6.0]])
    mu, var = lb.batch_statistics(z)
    assert_allclose(mu, [3.0])
    assert_allclose(var, [((1 - 3) ** 2 + (2 - 3) ** 2 + (6 - 3) ** 2) / 3])


def test_at_inference_an_example_s_output_does_not_depend_on_its_batch():
    z, gamma, beta, _ = batch(3, 8, 2)
    mean, var = np.array([0.5, -1.0, 2.0]), np.array([1.0, 4.0, 0.25])
    alone = lb.batch_norm(z[:, :1], gamma, beta, mean, var)
    in_batch = lb.batch_norm(z, gamma, beta, mean, var)
    assert_allclose(alone[:, 0], in_batch[:, 0], rtol=1e-15)


def test_the_running_average_keeps_momentum_of_the_old_and_the_rest_of_the_new():
    assert_allclose(lb.running_average(np.array([2.0]), np.array([4.0]), momentum=0.75), [2.5])


def test_the_running_average_of_a_constant_statistic_tends_to_it():
    running = np.zeros(2)
    for _ in range(200):
        running = lb.running_average(running, np.array([1.0, -3.0]))
    assert_allclose(running, [1.0, -3.0], rtol=1e-9)
