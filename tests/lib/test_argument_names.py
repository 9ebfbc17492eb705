"""Every public function names the argument it refuses: a nan, an inf or a string in each argument in turn."""

import numpy as np
import pytest

import litbackprop as lb

W = np.array([[1.0, 2.0], [3.0, 4.0]])
V = np.array([1.0, -1.0])
P = np.array([0.25, 0.75])
Y = np.array([0.0, 1.0])

# function, its valid arguments by name (in order), the arguments it checks for finiteness
CALLS = {
    "linear": (lb.linear, {"W": W, "x": V, "b": V}),
    "grad_weights": (lb.grad_weights, {"dz": V, "x": V}),
    "grad_input": (lb.grad_input, {"W": W, "dz": V}),
    "grad_bias": (lb.grad_bias, {"dz": V}),
    "relu": (lb.relu, {"z": V}),
    "grad_relu": (lb.grad_relu, {"da": V, "z": V}),
    "tanh": (lb.tanh, {"z": V}),
    "grad_tanh": (lb.grad_tanh, {"da": V, "a": P}),
    "grad_sigmoid": (lb.grad_sigmoid, {"da": V, "a": P}),
    "sigmoid": (lb.sigmoid, {"z": V}),
    "softmax": (lb.softmax, {"z": V}),
    "log_softmax": (lb.log_softmax, {"z": V}),
    "cross_entropy_from_logits": (lb.cross_entropy_from_logits, {"y": Y, "z": V}),
    "grad_loss": (lb.grad_loss, {"L": np.float64(0.5)}),
    "grad_logits": (lb.grad_logits, {"y_hat": P, "y": Y, "dL": np.float64(1.0)}),
}
FINITE = [
    (f, arg)
    for f, (_, args) in CALLS.items()
    for arg in args
    if arg != "y" and not (f, arg) == ("grad_logits", "y_hat")
]
ARRAYS = [(f, arg) for f, (_, args) in CALLS.items() for arg in args]


def call_with(function: str, argument: str, value):
    f, args = CALLS[function]
    return f(**{**args, argument: value})


@pytest.mark.parametrize(("function", "argument"), FINITE, ids=[f"{f}-{a}" for f, a in FINITE])
def test_a_nan_in_an_argument_is_refused_by_its_name(function, argument):
    value = np.array(CALLS[function][1][argument], dtype=float)
    value.flat[-1] = np.nan
    with pytest.raises(ValueError, match=rf"^{argument} must be finite; got nan"):
        call_with(function, argument, value)


@pytest.mark.parametrize(("function", "argument"), ARRAYS, ids=[f"{f}-{a}" for f, a in ARRAYS])
def test_a_string_for_an_argument_is_refused_by_its_name(function, argument):
    value = np.full(np.shape(CALLS[function][1][argument]), "a")
    with pytest.raises(ValueError, match=rf"^{argument} must be an array of real numbers; got dtype <U1"):
        call_with(function, argument, value)


@pytest.mark.parametrize("function", CALLS)
def test_the_valid_arguments_of_these_tests_are_accepted(function):
    f, args = CALLS[function]
    assert np.all(np.isfinite(f(**args)))


def test_linear_that_overflows_is_a_floating_point_error_naming_z():
    with pytest.raises(lb.NumericalError, match=r"^z overflowed although W, x, b are"):
        lb.linear(np.full((2, 2), 1e300), np.full(2, 1e300), b=V)
