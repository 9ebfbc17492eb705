"""Every bad input gets a ValueError that names the argument, what was expected and what was given."""

import numpy as np
import pytest

import litbackprop as lb

W1 = np.ones((4, 3))
W2 = np.ones((2, 4))
X = np.ones((3, 5))
Y = lb.one_hot(np.array([0, 1, 1, 0, 1]), 2)


def net(**biases):
    return lb.TwoLayerNet(W1.copy(), W2.copy(), **biases)


def net_with_nan_written_into_W1():
    n = net()
    n.W1[2, 1] = np.nan
    return n


CASES = {
    # shapes
    "x with too few rows": (
        lambda: net().forward(np.ones(2)),
        r"x must have 3 rows .*W1, which has shape \(4, 3\).*got shape \(2,\)",
    ),
    "x as a 3-d array": (
        lambda: net().forward(np.ones((3, 5, 1))),
        r"x must be a 1-d array \(one example\) or a 2-d array \(one example per column\); got an array of shape \(3, 5, 1\)",
    ),
    "W1 as a vector": (lambda: lb.TwoLayerNet(np.ones(3), W2), r"W1 must be a 2-d array; got an array of shape \(3,\)"),
    "W2 with too few columns": (
        lambda: lb.TwoLayerNet(W1, np.ones((2, 3))),
        r"W2 must have 4 columns.*got shape \(2, 3\)",
    ),
    "b1 of the wrong length": (
        lambda: net(b1=np.ones(3)),
        r"b1 must have shape \(4,\), one entry per row of W1.*got shape \(3,\)",
    ),
    "b2 as a matrix": (
        lambda: net(b2=np.ones((2, 1))),
        r"b2 must have shape \(2,\), one entry per row of W2, which has shape \(2, 4\); got shape \(2, 1\)",
    ),
    "y with too few classes": (
        lambda: net().backward(X, np.ones((1, 5))),
        r"y must have shape \(2, 5\).*got shape \(1, 5\)",
    ),
    "y with too few examples": (lambda: net().loss(X, Y[:, :3]), r"y must have shape \(2, 5\).*got shape \(2, 3\)"),
    "linear: x against W": (lambda: lb.linear(W1, np.ones((4, 2))), r"x must have 3 rows .*got shape \(4, 2\)"),
    "grad_weights: batches of different sizes": (
        lambda: lb.grad_weights(np.ones((4, 2)), X),
        r"dz and x must both be vectors, or batches .*got dz of shape \(4, 2\) and x of shape \(3, 5\)",
    ),
    "grad_input: dz against W": (lambda: lb.grad_input(W1, np.ones(3)), r"dz must have 4 rows .*got shape \(3,\)"),
    "grad_relu: da against z": (
        lambda: lb.grad_relu(np.ones(3), np.ones(4)),
        r"da must have the same shape as z, \(4,\); got shape \(3,\)",
    ),
    "cross_entropy: y against y_hat": (
        lambda: lb.cross_entropy(np.eye(3)[0], np.full(2, 0.5)),
        r"y must have the same shape as y_hat, \(2,\); got shape \(3,\)",
    ),
    "grad_logits: y against y_hat": (
        lambda: lb.grad_logits(np.full((2, 3), 0.5), np.eye(2)),
        r"y must have the same shape as y_hat, \(2, 3\); got shape \(2, 2\)",
    ),
    "softmax of a 3-d array": (
        lambda: lb.softmax(np.ones((2, 2, 2))),
        r"z must be .*; got an array of shape \(2, 2, 2\)",
    ),
    "softmax along a missing axis": (
        lambda: lb.softmax(np.ones((2, 2)), axis=2),
        r"axis must be an integer in \[-2, 1\] for z of shape \(2, 2\); got 2",
    ),
    # targets
    "y that is not one-hot": (
        lambda: net().backward(X, np.full((2, 5), 0.5)),
        r"y must be one-hot: zeros and a single 1 in each column .*shape \(2, 5\)",
    ),
    "y with two ones in a column": (lambda: lb.cross_entropy(np.ones(2), np.full(2, 0.5)), r"y must be one-hot"),
    "integer label outside 0..k-1": (
        lambda: net().backward(X, np.array([0, 1, 2, 0, 1])),
        r"y must be class indices in 0…1; got 2",
    ),
    "negative integer label": (lambda: lb.one_hot([0, -1], 3), r"labels must be class indices in 0…2; got -1"),
    "float labels for one_hot": (
        lambda: lb.one_hot([0.0, 1.0], 2),
        r"labels must be integer class indices .*got dtype float64",
    ),
    "k of zero classes": (lambda: lb.one_hot([0], 0), r"k must be a positive integer; got 0"),
    "y_hat that is not a probability": (
        lambda: lb.cross_entropy(np.eye(2)[0], [1.5, -0.5]),
        r"y_hat must hold probabilities in \[0, 1\]",
    ),
    "sigmoid_derivative of a non-sigmoid value": (
        lambda: lb.sigmoid_derivative(2.0),
        r"a must hold sigmoid outputs in \[0, 1\]",
    ),
    # values
    "nan in x": (lambda: net().forward(np.array([1.0, np.nan, 0.0])), r"x must be finite; got nan at index 1"),
    "inf in a batch x": (
        lambda: net().backward(np.where(np.eye(3, 5) > 0, np.inf, 1.0), Y),
        r"x must be finite; got inf at index \(0, 0\)",
    ),
    "inf in W1": (lambda: lb.TwoLayerNet(np.full((4, 3), np.inf), W2), r"W1 must be finite; got inf at index \(0, 0\)"),
    "nan in b2": (lambda: net(b2=np.array([0.0, np.nan])), r"b2 must be finite; got nan at index 1"),
    "nan written into W1 after construction": (
        lambda: net_with_nan_written_into_W1().backward(X, Y),
        r"W1 must be finite; got nan at index \(2, 1\)",
    ),
    "nan in z for softmax": (lambda: lb.softmax([0.0, np.nan]), r"z must be finite; got nan at index 1"),
    "-inf for sigmoid": (lambda: lb.sigmoid(-np.inf), r"z must be finite; got -inf$"),
    "strings as x": (
        lambda: net().forward(np.array(["1", "2", "3"])),
        r"x must be an array of real numbers; got dtype <U1",
    ),
    "complex weights": (
        lambda: lb.linear(np.ones((2, 2), dtype=complex), np.ones(2)),
        r"W must be an array of real numbers; got dtype complex128",
    ),
    # empty
    "an empty batch": (
        lambda: net().backward(np.ones((3, 0)), np.ones((2, 0))),
        r"x must not be empty; got an array of shape \(3, 0\)",
    ),
    "an empty label list": (lambda: lb.one_hot(np.array([], dtype=int), 2), r"labels must not be empty"),
    "weights with no hidden units": (
        lambda: lb.TwoLayerNet(np.ones((0, 3)), np.ones((2, 0))),
        r"W1 must not be empty; got an array of shape \(0, 3\)",
    ),
    # gradient checking
    "numerical_gradient of a list": (
        lambda: lb.numerical_gradient(lambda: 0.0, [1.0]),
        r"param must be a float64 numpy array .*got list",
    ),
    "numerical_gradient of an int array": (
        lambda: lb.numerical_gradient(lambda: 0.0, np.arange(3)),
        r"param must be a float64 numpy array .*got ndarray of dtype int64",
    ),
    "numerical_gradient with eps <= 0": (
        lambda: lb.numerical_gradient(lambda: 0.0, np.ones(2), eps=-1e-6),
        r"eps must be a number > 0; got -1e-06",
    ),
    "numerical_gradient of a non-callable": (
        lambda: lb.numerical_gradient(3.0, np.ones(2)),
        r"f must be a callable taking no arguments; got float",
    ),
    "a ragged nested list": (
        lambda: lb.linear(W1, [1.0, [2.0, 3.0], 4.0]),
        r"x must be an array of numbers with a regular shape",
    ),
    "a masked array": (
        lambda: lb.linear(W1, np.ma.array([1.0, 2.0, 3.0], mask=[0, 1, 0])),
        r"x must be a plain array: masked entries",
    ),
    "softmax along axis=True": (
        lambda: lb.softmax(np.ones((2, 2)), axis=True),
        r"axis must be an integer in \[-2, 1\] .*got True",
    ),
    "y_hat giving the true class probability 0": (
        lambda: lb.cross_entropy(np.eye(2)[:, [0, 1, 1]], np.array([[1.0, 0.0, 1.0], [0.0, 1.0, 0.0]])),
        r"y_hat gives probability 0 to the true class of example 2, so the loss is infinite; compute it from the logits",
    ),
    "y_hat whose columns do not sum to 1": (
        lambda: lb.cross_entropy([0.0, 1.0], [0.9, 0.9]),
        r"each column of y_hat must sum to 1 \(a softmax output\); got a column summing to 1.8",
    ),
    "logits passed to grad_logits as y_hat": (
        lambda: lb.grad_logits([2.0, 1.0, 0.1], [0.0, 1.0, 0.0]),
        r"y_hat must hold probabilities in \[0, 1\] \(a softmax output, not logits\)",
    ),
    "numerical_gradient of a float32 param": (
        lambda: lb.numerical_gradient(lambda: 0.0, np.ones(2, np.float32)),
        r"param must be a float64 numpy array .*float32, rounding swamps a central difference at the usual steps.*got ndarray of dtype float32",
    ),
    "numerical_gradient with f returning an array": (
        lambda: lb.numerical_gradient(lambda: np.ones(2), np.ones(2)),
        r"f must return a real scalar; got ndarray of shape \(2,\)",
    ),
    "numerical_gradient with f returning None": (
        lambda: lb.numerical_gradient(lambda: None, np.ones(2)),
        r"f must return a real scalar; got NoneType",
    ),
    "numerical_gradient with f returning nan": (
        lambda: lb.numerical_gradient(lambda: np.nan, np.ones(2)),
        r"f must stay finite; it gave nan and nan around param\[\(0,\)\]",
    ),
    "numerical_gradient of a param holding nan": (
        lambda: lb.numerical_gradient(lambda: 0.0, np.array([1.0, np.nan])),
        r"param must be finite; got nan at index 1$",
    ),
    "numerical_gradient with eps too small to matter": (
        lambda: lb.numerical_gradient(lambda: 0.0, np.ones(2), eps=1e-300),
        r"eps=1e-300 is too small to change param\[\(0,\)\] = 1.0",
    ),
    "numerical_gradient with eps=True": (
        lambda: lb.numerical_gradient(lambda: 0.0, np.ones(2), eps=True),
        r"eps must be a number > 0; got True",
    ),
    "relative_error of a nan gradient": (
        lambda: lb.relative_error([np.nan], [1.0]),
        r"analytic must be finite; got nan at index 0",
    ),
    "gradient_check of something that is not a net": (
        lambda: lb.gradient_check(object(), X, Y),
        r"model must have a parameters dict and backward and loss methods, like TwoLayerNet or Neuron; got object",
    ),
    "Neuron.backward at an x of the wrong length": (
        lambda: lb.Neuron(np.ones(3)).backward(np.ones(2)),
        r"x must have 3 rows \(one per weight in w, which has shape \(3,\)\).*got shape \(2,\)",
    ),
}


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_bad_input_gets_a_clear_error(case):
    call, message = CASES[case]
    with pytest.raises(ValueError, match=message):
        call()
