r"""The fully connected layer $z = W x + b$ and the rules that take a gradient back through it.

A vector ``x`` has shape ``(d,)``; a batch stacks examples as columns, shape ``(d, N)``.
"""

from __future__ import annotations

import numpy as np

from litbackprop._checks import (
    ANY_NDIM,
    Array,
    BiasOf,
    Finite,
    InputsOf,
    Optional,
    Out,
    checked,
    columns,
)

EXTENDED = np.finfo(np.longdouble).maxexp > np.finfo(np.float64).maxexp
"""Whether numpy's longdouble has a wider exponent than float64 (x86's 80-bit format does; on some platforms it is
float64 itself): then a product of float64 arrays has no overflowing partial sum in it."""


def _careful(product, A, B) -> np.ndarray:
    r"""``product(A, B)`` where the plain product overflowed in a partial sum although its value may fit the dtype,
    as in $10^{308} \cdot 10 - 10^{308} \cdot 10 = 0$: computed in extended precision and rounded to the dtype once
    (a value that does not fit becomes inf, for the door to refuse). Without a wider type, from `A` and `B` scaled
    to at most 1 in size, then scaled back: right for the large entries, while tiny ones may underflow."""
    dtype = np.result_type(A, B)
    if EXTENDED:
        return product(A.astype(np.longdouble), B.astype(np.longdouble)).astype(dtype)
    a, b = np.abs(A).max(), np.abs(B).max()
    low, high = sorted((a, b))
    return product(A / a, B / b) * low * high  # the smaller scale first: never an overflow the value lacks


def _careful_linear(W: np.ndarray, x: np.ndarray, b=None, out=None) -> np.ndarray:
    """$W x + b$ where the plain product overflowed: `_careful`'s product, in the dtype of the bias if it is
    wider, then the bias."""
    z = _careful(np.matmul, W if b is None else W.astype(np.result_type(W, b)), x)
    return z if b is None else z + (b[:, np.newaxis] if z.ndim == 2 else b)


def _dtype(*arrays) -> np.dtype:
    """The dtype numpy gives an expression of `arrays` (a bias that is None takes no part)."""
    return np.result_type(*[a for a in arrays if a is not None])


@checked(
    W=Array((1, 2)),
    x=InputsOf(W="W"),
    b=Optional(BiasOf(W="W")),
    out=Out(shape=lambda a: (*a["W"].shape[:-1], *a["x"].shape[1:])),
    result=Finite("z", retry=_careful_linear, inside=True),  # a ReLU or a sigmoid would hide an inf
)
def linear(W, x, b=None, *, out=None) -> np.ndarray:
    r"""Fully connected layer, $z = W x$, or $z = W x + b$ with a bias.

    Parameters
    ----------
    W : array_like, shape (h, d) or (d,)
        Weights, one row per output unit. A vector `w` of shape ``(d,)`` is one
        unit, $z = w^T x$, as in the single neuron.
    x : array_like, shape (d,) or (d, N)
        An input column, or a batch of N columns.
    b : array_like, shape (h,), or a scalar for a vector `W`, optional
        A bias per output unit, added to every column.
    out : numpy.ndarray, optional
        Where to write $z$ (a training loop's buffer), of its shape and dtype.

    Returns
    -------
    numpy.ndarray
        $z$, shape (h,) or (h, N); a scalar, or shape (N,), for a vector `W`.

    Examples
    --------
    >>> linear([[1.0, 2.0], [3.0, 4.0]], [1.0, -1.0])
    array([-1., -1.])
    >>> float(linear([2.0, -3.0, 1.0], [-1.0, -2.0, 1.0]))
    5.0
    >>> linear([[1.0, 2.0], [3.0, 4.0]], [[1.0, 0.0], [0.0, 1.0]], b=[10.0, 20.0])
    array([[11., 12.],
           [23., 24.]])
    """
    z = np.matmul(W, x, out=out, dtype=_dtype(W, x, b))  # W x, in the dtype W x + b has
    if b is not None:
        z += b[:, np.newaxis] if z.ndim == 2 else b  # the bias, added to every column
    return z


class _LayerInput(Array):
    """`x` for `grad_weights`: the layer's input, with one column per column (or entry) of `dz`."""

    def __str__(self) -> str:
        return "the layer's input, with one column per column of dz"

    def check(self, name, value, arguments):
        x, dz = super().check(name, value, arguments), arguments["dz"]
        single_unit = dz.ndim == x.ndim - 1 and dz.shape == x.shape[1:]
        if not (single_unit or (dz.ndim == x.ndim and dz.shape[1:] == x.shape[1:])):
            raise ValueError(
                "dz and x must both be vectors, or batches with the same number of columns; "
                f"got dz of shape {dz.shape} and x of shape {x.shape}"
            )
        return x

    def refused(self, name, arguments):
        yield from super().refused(name, arguments)
        yield np.ones((arguments[name].shape[0], 7))


def _weights_shape(arguments) -> tuple:
    dz, x = arguments["dz"], arguments["x"]
    return x.shape[:1] if dz.ndim < x.ndim else (*dz.shape[:1], *x.shape[:1])


def _careful_weights(dz, x, out=None):
    if dz.ndim < x.ndim:
        return _careful(np.matmul, columns(x), dz.reshape(-1))
    return _careful(np.matmul, columns(dz), columns(x).T)


@checked(
    dz=Array(ANY_NDIM),
    x=_LayerInput(),
    out=Out(shape=_weights_shape),
    result=Finite("dL/dW", retry=_careful_weights),
)
def grad_weights(dz, x, *, out=None) -> np.ndarray:
    r"""Gradient of the loss with respect to the weights of $z = W x$.

    $\frac{\partial L}{\partial W} = \frac{\partial L}{\partial z}\, x^T$.

    For a batch the product sums the per-example outer products over the N
    columns. For a single unit $z = w^T x$ (a scalar `dz`, or one per
    example) it is $x\,\frac{\partial L}{\partial z}$, shaped like $w$.

    Parameters
    ----------
    dz : array_like, shape (h,) or (h, N); or () or (N,) for a single unit
        Upstream gradient $\partial L / \partial z$.
    x : array_like, shape (d,) or (d, N)
        The layer's input.
    out : numpy.ndarray, optional
        Where to write the gradient (a training loop's buffer), of its shape and dtype.

    Returns
    -------
    numpy.ndarray
        $\partial L / \partial W$, shape (h, d), or (d,) for a single unit.

    Examples
    --------
    >>> grad_weights([1.0, 2.0], [3.0, 4.0, 5.0])
    array([[ 3.,  4.,  5.],
           [ 6.,  8., 10.]])
    >>> grad_weights(0.5, [3.0, 4.0, 5.0])
    array([1.5, 2. , 2.5])
    """
    if dz.ndim < x.ndim:  # a single unit, z = w^T x, has one dz per example: dL/dw = x dz, shaped like w
        return np.matmul(columns(x), dz.reshape(-1), out=out)
    return np.matmul(columns(dz), columns(x).T, out=out)  # dz x^T, where one example is one column


@checked(
    W=Array((2,)),
    dz=InputsOf(W="W", axis=0),
    out=Out(shape=lambda a: (*a["W"].shape[1:], *a["dz"].shape[1:])),
    result=Finite("dL/dx", retry=lambda W, dz, out=None: _careful(np.matmul, W.T, dz)),
)
def grad_input(W, dz, *, out=None) -> np.ndarray:
    r"""Gradient of the loss with respect to the input of $z = W x$.

    $\frac{\partial L}{\partial x} = W^T \frac{\partial L}{\partial z}$.

    Parameters
    ----------
    W : array_like, shape (h, d)
        The layer's weights.
    dz : array_like, shape (h,) or (h, N)
        Upstream gradient $\partial L / \partial z$.
    out : numpy.ndarray, optional
        Where to write the gradient (a training loop's buffer), of its shape and dtype.

    Returns
    -------
    numpy.ndarray
        $\partial L / \partial x$, shape (d,) or (d, N).

    Examples
    --------
    >>> grad_input([[1.0, 2.0], [3.0, 4.0]], [1.0, 1.0])
    array([4., 6.])
    """
    return np.matmul(W.T, dz, out=out)


def _careful_bias(dz, out=None):
    return _careful(np.matmul, columns(dz), np.ones(columns(dz).shape[1], dz.dtype))


@checked(
    dz=Array(),
    out=Out(shape=lambda a: a["dz"].shape[:1]),
    result=Finite("dL/db", retry=_careful_bias),
)
def grad_bias(dz, *, out=None) -> np.ndarray:
    r"""Gradient of the loss with respect to the bias of $z = W x + b$.

    $\frac{\partial L}{\partial b} = \sum_n \frac{\partial L}{\partial z_{:,n}}$.

    The bias is added to every column, so its gradient collects every
    column's. For one example it is $\frac{\partial L}{\partial z}$ itself.

    Parameters
    ----------
    dz : array_like, shape (h,) or (h, N)
        Upstream gradient $\partial L / \partial z$.
    out : numpy.ndarray, optional
        Where to write the gradient (a training loop's buffer), of its shape and dtype.

    Examples
    --------
    >>> grad_bias([[1.0, 2.0], [3.0, 4.0]])
    array([3., 7.])
    """
    return columns(dz).sum(axis=1, out=out)  # one example is one column: its gradient is dz itself
