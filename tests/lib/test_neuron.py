import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

import litbackprop as lb
from litbackprop.course.testing import assert_gradient_matches

w = np.array([2.0, -3.0, 1.0])
x = np.array([-1.0, -2.0, 1.0])


def test_forward_is_sigmoid_of_the_weighted_sum():
    assert_allclose(lb.Neuron(w).forward(x), 1 / (1 + np.exp(-5.0)), rtol=1e-15)


def test_backward_matches_central_differences():
    neuron = lb.Neuron(w.copy())
    assert_gradient_matches(neuron.backward(x)["w"], lambda: neuron.forward(x), neuron.w)


def test_backward_is_a_times_one_minus_a_times_x():
    a = lb.Neuron(w).forward(x)
    assert_allclose(lb.Neuron(w).backward(x)["w"], a * (1 - a) * x, rtol=1e-15)


def test_backward_of_a_batch_is_the_sum_of_the_per_example_gradients():
    X = np.random.default_rng(0).normal(size=(3, 4))
    neuron = lb.Neuron(w)
    singles = [neuron.backward(X[:, n])["w"] for n in range(4)]
    assert_allclose(neuron.backward(X)["w"], np.sum(singles, axis=0), rtol=1e-14)


def test_gradient_check_accepts_a_neuron():
    errors = lb.gradient_check(lb.Neuron(w.copy()), np.random.default_rng(1).normal(size=(3, 5)))
    assert list(errors) == ["w"] and errors["w"] < 1e-8, errors


def test_trace_keeps_every_node_under_the_notes_names():
    trace = lb.Neuron(w).trace(x)
    assert_array_equal(trace.x, x)
    assert float(trace.z) == 5.0
    assert_allclose(trace.a, lb.sigmoid(5.0), rtol=1e-15)
    assert float(trace.da) == 1.0
    assert_allclose(trace.dz, lb.sigmoid_derivative(trace.a), rtol=1e-15)
    a = 1 / (1 + np.exp(-5.0))  # sigma(w . x), from numpy alone
    assert_allclose(trace.dw, a * (1 - a) * x, rtol=1e-15)


def test_predict_is_one_where_the_output_is_at_least_a_half():
    X = np.array([[-1.0, 1.0, 0.0], [-2.0, 1.0, 0.0], [1.0, 1.0, 0.0]])  # z = 5, 0, 0
    assert_array_equal(lb.Neuron(w).predict(X), [1, 1, 1])
    assert_array_equal(lb.Neuron(-w).predict(X[:, :1]), [0])


def test_repr_names_the_size_and_dtype():
    assert repr(lb.Neuron(w.astype(np.float32))) == "Neuron(d=3, dtype=float32)"


def test_forward_rejects_an_input_of_the_wrong_length():
    with pytest.raises(ValueError, match=r"x must have 3 rows .*got shape \(2,\)"):
        lb.Neuron(w).forward([1.0, 2.0])


def test_weights_must_be_a_vector():
    with pytest.raises(ValueError, match=r"w must be a 1-d array; got an array of shape \(1, 3\)"):
        lb.Neuron([[2.0, -3.0, 1.0]])


def test_predict_votes_for_the_class_forward_gives_where_partial_sums_overflow():
    # z = 1e308 * 10 - 1e308 * 10 - 1 = -1, so a = 0.269 and the class is 0; the bare sum is inf - inf = nan
    neuron = lb.Neuron([1e308, 1e308, -1.0])
    x_big = [10.0, -10.0, 1.0]
    # z comes from a rescaled sum: -1 to within a few eps (-1.000000000000002)
    assert_allclose(neuron.forward(x_big), np.exp(-1.0) / (1 + np.exp(-1.0)), rtol=1e-14)  # sigma(-1)
    assert neuron.predict(x_big) == 0
