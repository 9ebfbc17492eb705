r"""The fully connected layer $z = W x$ and the two rules that take a gradient back through it.

A vector ``x`` has shape ``(d,)``; a batch stacks examples as columns, shape ``(d, N)``.
"""

from __future__ import annotations

import numpy as np

from litbackprop._checks import as_float_array, check_rows


def linear(W, x, b=None) -> np.ndarray:
    r"""Fully connected layer, $z = W x$, or $z = W x + b$ with a bias.

    Parameters
    ----------
    W : array_like, shape (h, d) or (d,)
        Weights, one row per output unit. A vector `w` of shape ``(d,)`` is one
        unit, $z = w^T x$, as in the single neuron.
    x : array_like, shape (d,) or (d, N)
        An input column, or a batch of N columns.
    b : array_like, shape (h,), optional
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
    W = as_float_array("W", W, (1, 2))
    x = as_float_array("x", x)
    check_rows("x", x, W.shape[-1], f"one per column of W, which has shape {W.shape}")
    if b is not None:
        b = as_float_array("b", b, (1,) if W.ndim == 2 else (0,))
        check_bias("b", b, W, "W")
    return _linear(W, x, b)


def _linear(W: np.ndarray, x: np.ndarray, b: np.ndarray | None = None, out: np.ndarray | None = None) -> np.ndarray:
    z = np.matmul(W, x, out=out)
    if b is not None:
        z += b if x.ndim == 1 else b[:, np.newaxis]
    return z


def check_bias(name: str, b: np.ndarray, W: np.ndarray, W_name: str) -> None:
    """Raise ``ValueError`` unless `b` has one entry per row of `W`."""
    expected = W.shape[:1] if W.ndim == 2 else ()
    if b.shape != expected:
        raise ValueError(
            f"{name} must have shape {expected}, one entry per row of {W_name}, which has shape {W.shape}; "
            f"got shape {b.shape}"
        )


def grad_bias(dz) -> np.ndarray:
    r"""Gradient of the loss with respect to the bias of $z = W x + b$.

    $\frac{\partial L}{\partial b} = \sum_n \frac{\partial L}{\partial z_{:,n}}$: the
    bias is added to every column, so its gradient collects every column's.
    For one example it is $\frac{\partial L}{\partial z}$ itself.

    Examples
    --------
    >>> grad_bias([[1.0, 2.0], [3.0, 4.0]])
    array([3., 7.])
    """
    dz = as_float_array("dz", dz)
    return _grad_bias(dz)


def _grad_bias(dz: np.ndarray) -> np.ndarray:
    # A copy for one example: dz may be a reused buffer, and a returned gradient must not be.
    if dz.ndim == 1:
        return dz.copy()
    # Row sums as a matrix-vector product: BLAS runs it on every core, 3-6x faster than dz.sum(axis=1).
    return dz @ np.ones(dz.shape[1], dz.dtype)


def grad_weights(dz, x) -> np.ndarray:
    r"""Gradient of the loss with respect to the weights of $z = W x$.

    $\frac{\partial L}{\partial W} = \frac{\partial L}{\partial z}\, x^T$.

    For a batch the product sums the per-example outer products over the N columns.

    Parameters
    ----------
    dz : array_like, shape (h,) or (h, N)
        Upstream gradient $\partial L / \partial z$.
    x : array_like, shape (d,) or (d, N)
        The layer's input.

    Returns
    -------
    numpy.ndarray
        $\partial L / \partial W$, shape (h, d).

    Examples
    --------
    >>> grad_weights([1.0, 2.0], [3.0, 4.0, 5.0])
    array([[ 3.,  4.,  5.],
           [ 6.,  8., 10.]])
    """
    dz = as_float_array("dz", dz)
    x = as_float_array("x", x)
    if dz.ndim != x.ndim or dz.shape[1:] != x.shape[1:]:
        raise ValueError(
            "dz and x must both be vectors, or batches with the same number of columns; "
            f"got dz of shape {dz.shape} and x of shape {x.shape}"
        )
    return _grad_weights(dz, x)


def _grad_weights(dz: np.ndarray, x: np.ndarray) -> np.ndarray:
    if dz.ndim == 1:
        return np.multiply.outer(dz, x)
    return dz @ x.T


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
    W = as_float_array("W", W, (2,))
    dz = as_float_array("dz", dz)
    check_rows("dz", dz, W.shape[0], f"one per row of W, which has shape {W.shape}")
    return _grad_input(W, dz)


def _grad_input(W: np.ndarray, dz: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    return np.matmul(W.T, dz, out=out)
