import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

import litbackprop as lb


def test_numerical_gradient_of_a_quadratic_is_twice_the_point():
    w = np.array([[1.0, -2.0], [0.5, 3.0]])
    assert_allclose(lb.numerical_gradient(lambda: (w**2).sum(), w), 2 * w, rtol=1e-9)


def test_numerical_gradient_writes_param_back_bit_for_bit():
    w = np.random.default_rng(0).normal(size=(3, 4))
    before = w.copy()
    lb.numerical_gradient(lambda: np.sin(w).sum(), w)
    assert_array_equal(w, before)


def test_numerical_gradient_writes_param_back_when_f_raises():
    w = np.array([1.0, 2.0])

    def f():
        if w[0] != 1.0:
            raise ZeroDivisionError
        return w.sum()

    with pytest.raises(ZeroDivisionError):
        lb.numerical_gradient(f, w)
    assert_array_equal(w, [1.0, 2.0])


def test_numerical_gradient_refuses_a_param_it_cannot_nudge_in_place():
    with pytest.raises(ValueError, match=r"param must be a float64 numpy array .*got list"):
        lb.numerical_gradient(lambda: 0.0, [1.0, 2.0])


def test_numerical_gradient_refuses_a_non_positive_eps():
    with pytest.raises(ValueError, match=r"eps must be a number > 0; got 0"):
        lb.numerical_gradient(lambda: 0.0, np.ones(2), eps=0)


def test_relative_error_is_zero_for_two_zero_gradients():
    assert lb.relative_error(np.zeros(3), np.zeros(3)) == 0.0


def test_relative_error_is_scaled_by_the_larger_norm():
    assert_allclose(lb.relative_error([3.0, 4.0], [3.0, 4.5]), 0.5 / np.hypot(3.0, 4.5), rtol=1e-15)


def test_gradient_check_flags_a_wrong_gradient():
    class WrongNet(lb.TwoLayerNet):
        def backward(self, x, y):
            grads = super().backward(x, y)
            grads["W2"] = 1.01 * grads["W2"]
            return grads

    rng = np.random.default_rng(1)
    net = WrongNet(rng.normal(size=(4, 3)), rng.normal(size=(2, 4)))
    errors = lb.gradient_check(net, rng.normal(size=(3, 5)), np.eye(2)[:, [0, 1, 1, 0, 1]])
    assert errors["W1"] < 1e-7 and errors["W2"] > 1e-3, errors


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: lb.gradient_check(lb.Neuron([1.0, 2.0]), [1.0, 2.0], [0, 1]), "^y must be None for a Neuron"),
        (
            lambda: lb.gradient_check(lb.TwoLayerNet(np.eye(2), np.eye(2)), [1.0, 2.0]),
            "^y must be given for a TwoLayerNet",
        ),
        (lambda: lb.numerical_gradient(lambda: 2**2000, np.ones(2)), "^f must return a real scalar that fits a float"),
        (lambda: lb.numerical_gradient(lambda: 0.0, np.zeros(1), 1e308), r"^eps=1e\+308 is too large"),
    ],
    ids=["y given to a neuron", "no y for a network", "an int beyond a float", "twice eps overflows"],
)
def test_a_gradient_check_that_cannot_be_run_is_refused_in_one_line(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_a_read_only_parameter_is_refused_since_it_is_nudged_in_place():
    w = np.array([1.0, 2.0])
    w.flags.writeable = False
    with pytest.raises(ValueError, match="^param must be writable"):
        lb.numerical_gradient(lambda: float(w.sum()), w)
