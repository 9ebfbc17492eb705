r"""Activation functions: the sigmoid of the single neuron, ReLU and softmax of the network, tanh of deeper ones.

Each forward function has its backward partner beside it, so the rule that
undoes a step is read next to the step.
"""

from __future__ import annotations

import numpy as np

from litbackprop._checks import (
    ANY_NDIM,
    Array,
    ClassAxis,
    Finite,
    Out,
    SameShapeAs,
    check_finite,
    checked,
    working_dtype,
)


class _SigmoidOutputs(Array):
    """Sigmoid outputs: a finite array with every entry in [0, 1]."""

    def __str__(self) -> str:
        return "sigmoid outputs in [0, 1]"

    def check(self, name, value, arguments):
        a = check_finite(name, super().check(name, value, arguments))  # a nan is named as one, not as out of range
        if not (a.min() >= 0 and a.max() <= 1):
            raise ValueError(f"{name} must hold sigmoid outputs in [0, 1]; got values outside [0, 1]")
        return a

    def refused(self, name, arguments):
        yield from super().refused(name, arguments)
        yield from (1.5, -0.5)


def _like(argument: str) -> Out:
    """A buffer for a result of the shape of `argument`."""
    return Out(shape=lambda arguments: arguments[argument].shape)


@checked(z=Array(ANY_NDIM))
def sigmoid(z) -> np.ndarray:
    r"""Logistic sigmoid, $\sigma(z) = \frac{1}{1 + e^{-z}}$, elementwise.

    Parameters
    ----------
    z : array_like
        A scalar, a vector or a matrix of pre-activations.

    Returns
    -------
    numpy.ndarray
        $\sigma(z)$, same shape and floating dtype as `z`.

    Notes
    -----
    Written as $e^{z}/(1+e^{z})$ for negative $z$, so no exponential of a large
    positive number is ever taken: $\sigma(\pm 1000)$ is exactly 1 or 0, with
    no overflow warning.

    Examples
    --------
    >>> float(sigmoid(0.0))
    0.5
    >>> sigmoid([-1000.0, 1000.0])
    array([0., 1.])
    """
    e = np.exp(-np.abs(z))  # e^{-|z|} <= 1: the exponential of a large positive number is never taken
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))


@checked(a=_SigmoidOutputs(ANY_NDIM))
def sigmoid_derivative(a) -> np.ndarray:
    r"""Derivative of the sigmoid from its output, $\sigma'(z) = a\,(1 - a)$ with $a = \sigma(z)$.

    Parameters
    ----------
    a : array_like
        Sigmoid outputs, each in $[0, 1]$.

    Returns
    -------
    numpy.ndarray
        $\partial a / \partial z$, elementwise.

    Examples
    --------
    >>> float(sigmoid_derivative(0.5))
    0.25
    >>> float(sigmoid_derivative(1.0))
    0.0
    """
    return a * (1 - a)


@checked(a=_SigmoidOutputs(ANY_NDIM), da=SameShapeAs(other="a"), out=_like("a"))
def grad_sigmoid(da, a, *, out=None) -> np.ndarray:
    r"""Backward through the sigmoid, $\frac{\partial L}{\partial z} = \frac{\partial L}{\partial a} \odot a\,(1 - a)$.

    Parameters
    ----------
    da : array_like
        Upstream gradient $\partial L / \partial a$, same shape as `a`.
    a : array_like
        The sigmoid's output $a = \sigma(z)$, each entry in $[0, 1]$.
    out : numpy.ndarray, optional
        Where to write the result (a training loop's buffer, which may be `da`'s own), of its shape and dtype.

    Examples
    --------
    >>> grad_sigmoid([1.0, 2.0], [0.5, 1.0])
    array([0.25, 0.  ])
    """
    return np.multiply(da, a * (1 - a), out=out)


class _TanhOutputs(Array):
    """Outputs of tanh: a finite array with every entry in [-1, 1]."""

    def __str__(self) -> str:
        return "tanh outputs in [-1, 1]"

    def check(self, name, value, arguments):
        a = check_finite(name, super().check(name, value, arguments))  # a nan is named as one, not as out of range
        if not (a.min() >= -1 and a.max() <= 1):
            raise ValueError(f"{name} must hold tanh outputs in [-1, 1]; got values outside [-1, 1]")
        return a

    def refused(self, name, arguments):
        yield from super().refused(name, arguments)
        yield from (1.5, -1.5)


@checked(z=Array(ANY_NDIM), out=_like("z"))
def tanh(z, *, out=None) -> np.ndarray:
    r"""Hyperbolic tangent, $\tanh z = \frac{e^{z} - e^{-z}}{e^{z} + e^{-z}}$, elementwise.

    The sigmoid stretched to run from -1 to 1: $\tanh z = 2\sigma(2z) - 1$.

    Parameters
    ----------
    z : array_like
        Pre-activations.
    out : numpy.ndarray, optional
        Where to write the result (a training loop's buffer), of its shape and dtype.

    Examples
    --------
    >>> tanh([-1000.0, 0.0, 1000.0])
    array([-1.,  0.,  1.])
    """
    return np.tanh(z, out=out)


@checked(a=_TanhOutputs(ANY_NDIM), da=SameShapeAs(other="a"), out=_like("a"))
def grad_tanh(da, a, *, out=None) -> np.ndarray:
    r"""Backward through tanh, $\frac{\partial L}{\partial z} = \frac{\partial L}{\partial a} \odot (1 - a^2)$.

    Parameters
    ----------
    da : array_like
        Upstream gradient $\partial L / \partial a$, same shape as `a`.
    a : array_like
        The output $a = \tanh z$, each entry in $[-1, 1]$.
    out : numpy.ndarray, optional
        Where to write the result (a training loop's buffer, which may be `da`'s own), of its shape and dtype.

    Examples
    --------
    >>> grad_tanh([1.0, 2.0], [0.0, 0.5])
    array([1. , 1.5])
    """
    return np.multiply(da, 1 - a * a, out=out)


@checked(z=Array(ANY_NDIM), out=_like("z"))
def relu(z, *, out=None) -> np.ndarray:
    r"""Rectified linear unit, $\max(0, z)$, elementwise.

    Parameters
    ----------
    z : array_like
        Pre-activations.
    out : numpy.ndarray, optional
        Where to write the result (a training loop's buffer), of its shape and dtype.

    Examples
    --------
    >>> relu([-2.0, 0.0, 3.0])
    array([0., 0., 3.])
    """
    return np.maximum(z, 0, out=out)


@checked(z=Array(ANY_NDIM), da=SameShapeAs(other="z"), out=_like("z"))
def grad_relu(da, z, *, out=None) -> np.ndarray:
    r"""Backward through ReLU, $\frac{\partial L}{\partial z} = \frac{\partial L}{\partial a} \cdot \mathbb{I}(z > 0)$.

    Parameters
    ----------
    da : array_like
        Upstream gradient $\partial L / \partial a$, same shape as `z`.
    z : array_like
        The pre-activation that went into ReLU.
    out : numpy.ndarray, optional
        Where to write the result (a training loop's buffer, which may be `da`'s own), of its shape and dtype.

    Returns
    -------
    numpy.ndarray
        $\partial L / \partial z$. At the kink $z = 0$ the gradient is taken as 0.

    Examples
    --------
    >>> grad_relu([5.0, 5.0, 5.0], [-1.0, 0.0, 2.0])
    array([0., 0., 5.])
    """
    return np.multiply(da, z > 0, out=out)


@checked(z=Array(), axis=ClassAxis("z"), out=_like("z"))
def softmax(z, axis: int = 0, *, out=None) -> np.ndarray:
    r"""Softmax, $\text{softmax}(z)_i = \frac{e^{z_i}}{\sum_j e^{z_j}}$, along `axis`.

    Parameters
    ----------
    z : array_like
        Logits: a vector of shape ``(k,)`` or a batch of shape ``(k, N)``.
    axis : int, default 0
        The class axis. Examples are columns, so the default normalises each column.
    out : numpy.ndarray, optional
        Where to write the result (a training loop's buffer, which may be `z`'s own), of its shape and dtype.

    Returns
    -------
    numpy.ndarray
        Probabilities that sum to 1 along `axis`.

    Notes
    -----
    The largest logit is subtracted first; softmax is unchanged by adding a
    constant, and no exponential can overflow.

    Examples
    --------
    >>> softmax([0.0, 0.0])
    array([0.5, 0.5])
    >>> softmax([1e4, 0.0])
    array([1., 0.])
    """
    e = np.exp(np.subtract(z, z.max(axis=axis, keepdims=True), out=out), out=out)  # e^{z_i - max_j z_j}
    return np.divide(e, e.sum(axis=axis, keepdims=True, dtype=working_dtype(e)), out=e)  # over their sum


@checked(z=Array(), axis=ClassAxis("z"), result=Finite("log_softmax(z)"))
def log_softmax(z, axis: int = 0) -> np.ndarray:
    r"""Logarithm of the softmax, $z_i - \log \sum_j e^{z_j}$, computed without forming the softmax.

    Parameters
    ----------
    z : array_like
        Logits: a vector of shape ``(k,)`` or a batch of shape ``(k, N)``.
    axis : int, default 0
        The class axis. Examples are columns, so the default works on each column.

    Examples
    --------
    >>> import numpy as np
    >>> bool(np.allclose(log_softmax([1.0, 2.0]), np.log(softmax([1.0, 2.0]))))
    True
    """
    shifted = z - z.max(axis=axis, keepdims=True)  # -inf where the logits spread past the largest float
    log_sum = np.log(np.exp(shifted).sum(axis=axis, keepdims=True, dtype=working_dtype(shifted)))
    return (shifted - log_sum).astype(z.dtype, copy=False)
