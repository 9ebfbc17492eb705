r"""The fully connected layer $z = W x + b$ and the rules that take a gradient back through it.

A vector ``x`` has shape ``(d,)``; a batch stacks examples as columns, shape ``(d, N)``.
"""

from __future__ import annotations

import numpy as np

from litbackprop._checks import ANY_NDIM, array, bias_of, checked, inputs_of, optional

EXTENDED = np.finfo(np.longdouble).maxexp > np.finfo(np.float64).maxexp
"""Whether numpy's longdouble has a wider exponent than float64 (x86's 80-bit format does; on some platforms it is
float64 itself): then a product of float64 arrays has no overflowing partial sum in it."""


def _careful(bilinear, A, B) -> np.ndarray:
    r"""``bilinear(A, B)`` where the plain product overflowed in a partial sum although its value may fit the dtype,
    as in $10^{308} \cdot 10 - 10^{308} \cdot 10 = 0$: computed in extended precision and rounded to the dtype once
    (a value that does not fit becomes inf, for the door to refuse). Without a wider type, from `A` and `B` scaled
    to at most 1 in size, then scaled back: right for the large entries, while tiny ones may underflow."""
    dtype = np.result_type(A, B)
    if EXTENDED:
        return bilinear(A.astype(np.longdouble), B.astype(np.longdouble)).astype(dtype)
    a, b = np.abs(A).max(), np.abs(B).max()
    low, high = sorted((a, b))
    return bilinear(A / a, B / b) * low * high  # the smaller scale first: never an overflow the value lacks


def _widened(W: np.ndarray, b) -> np.ndarray:
    """`W`, in a wider bias's dtype where there is one: the product then is computed as numpy would promote the
    sum, not rounded to (or overflowing) the narrower dtype before the bias is added."""
    return W if b is None or b.dtype.itemsize <= W.dtype.itemsize else W.astype(b.dtype)


def _plus(z: np.ndarray, b) -> np.ndarray:
    if b is not None:
        z += b[:, np.newaxis] if z.ndim == 2 else b  # z is a fresh array: adding in place saves a copy
    return z


def careful_linear(W: np.ndarray, x: np.ndarray, b=None) -> np.ndarray:
    """$W x + b$ where the plain product overflowed: `_careful`'s product, then the bias."""
    return _plus(_careful(np.matmul, _widened(W, b), x), b)


def _careful_sum(dz: np.ndarray) -> np.ndarray:
    """The sum of the columns of `dz` where a partial sum overflowed: in extended precision, as `_careful`."""
    if EXTENDED:
        return dz.astype(np.longdouble).sum(axis=1).astype(dz.dtype)
    scale = np.abs(dz).max()
    return (dz / scale).sum(axis=1) * scale


@checked(
    W=array((1, 2)),
    x=inputs_of("W"),
    b=optional(bias_of("W")),
    result="z",
    careful=lambda W, x, b=None: careful_linear(W, x, b),
    reaches_result=True,
)
def linear(W, x, b=None) -> np.ndarray:
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
    return _plus(_widened(W, b) @ x, b)


def _single_unit_or_same_columns(name, value, arguments):
    """`x` for `grad_weights`: the layer's input, with one column per column (or entry) of `dz`."""
    x, dz = array()(name, value, arguments), arguments["dz"]
    single_unit = dz.ndim == x.ndim - 1 and dz.shape == x.shape[1:]
    if not (single_unit or (dz.ndim == x.ndim and dz.shape[1:] == x.shape[1:])):
        raise ValueError(
            "dz and x must both be vectors, or batches with the same number of columns; "
            f"got dz of shape {dz.shape} and x of shape {x.shape}"
        )
    return x


@checked(
    dz=array(ANY_NDIM),
    x=_single_unit_or_same_columns,
    result="dL/dW",
    careful=lambda dz, x: _careful(grad_weights.math, dz, x),
    reaches_result=True,
)
def grad_weights(dz, x) -> np.ndarray:
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
    if dz.ndim < x.ndim:  # a single unit, z = w^T x: one dz per example, and dL/dw = x dz
        return np.dot(x, dz)
    return dz @ x.T if dz.ndim == 2 else np.multiply.outer(dz, x)


@checked(
    W=array((2,)),
    dz=inputs_of("W", axis=0),
    result="dL/dx",
    careful=lambda W, dz: _careful(np.matmul, W.T, dz),
    reaches_result=True,
)
def grad_input(W, dz) -> np.ndarray:
    r"""Gradient of the loss with respect to the input of $z = W x$.

    $\frac{\partial L}{\partial x} = W^T \frac{\partial L}{\partial z}$.

    Parameters
    ----------
    W : array_like, shape (h, d)
        The layer's weights.
    dz : array_like, shape (h,) or (h, N)
        Upstream gradient $\partial L / \partial z$.

    Returns
    -------
    numpy.ndarray
        $\partial L / \partial x$, shape (d,) or (d, N).

    Examples
    --------
    >>> grad_input([[1.0, 2.0], [3.0, 4.0]], [1.0, 1.0])
    array([4., 6.])
    """
    return W.T @ dz


@checked(dz=array(), result="dL/db", careful=lambda dz: _careful_sum(dz), reaches_result=True)
def grad_bias(dz) -> np.ndarray:
    r"""Gradient of the loss with respect to the bias of $z = W x + b$.

    $\frac{\partial L}{\partial b} = \sum_n \frac{\partial L}{\partial z_{:,n}}$.

    The bias is added to every column, so its gradient collects every
    column's. For one example it is $\frac{\partial L}{\partial z}$ itself.

    Parameters
    ----------
    dz : array_like, shape (h,) or (h, N)
        Upstream gradient $\partial L / \partial z$.

    Examples
    --------
    >>> grad_bias([[1.0, 2.0], [3.0, 4.0]])
    array([3., 7.])
    """
    return dz.copy() if dz.ndim == 1 else dz.sum(axis=1)
