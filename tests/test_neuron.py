import numpy as np
import pytest
from numpy.testing import assert_allclose

import litbackprop as lb
from litbackprop.testing import assert_gradient_matches

w = np.array([2.0, -3.0, 1.0])
x = np.array([-1.0, -2.0, 1.0])


def test_forward_is_sigmoid_of_the_weighted_sum():
    assert_allclose(lb.Neuron(w).forward(x), 1 / (1 + np.exp(-5.0)), rtol=1e-15)


def test_backward_matches_central_differences():
    neuron = lb.Neuron(w.copy())
    neuron.forward(x)
    assert_gradient_matches(neuron.backward(), lambda: lb.Neuron(neuron.w).forward(x), neuron.w)


def test_backward_of_a_batch_gives_one_gradient_column_per_example():
    X = np.random.default_rng(0).normal(size=(3, 4))
    neuron = lb.Neuron(w)
    neuron.forward(X)
    columns = []
    for n in range(4):
        neuron_n = lb.Neuron(w)
        neuron_n.forward(X[:, n])
        columns.append(neuron_n.backward())
    assert_allclose(neuron.backward(), np.stack(columns, axis=1), rtol=1e-15)


def test_backward_before_forward_says_what_is_missing():
    with pytest.raises(RuntimeError, match=r"needs a forward\(x\) first"):
        lb.Neuron(w).backward()


def test_forward_rejects_an_input_of_the_wrong_length():
    with pytest.raises(ValueError, match=r"x must have 3 rows .*got shape \(2,\)"):
        lb.Neuron(w).forward([1.0, 2.0])


def test_weights_must_be_a_vector():
    with pytest.raises(ValueError, match=r"w must be a 1-d array; got an array of shape \(1, 3\)"):
        lb.Neuron([[2.0, -3.0, 1.0]])


def test_backward_uses_the_x_of_the_last_forward_even_if_the_caller_reuses_the_array():
    neuron = lb.Neuron(w)
    x_buffer = x.copy()
    neuron.forward(x_buffer)
    expected = neuron.backward()
    x_buffer[:] = 100.0
    assert_allclose(neuron.backward(), expected, rtol=0)
