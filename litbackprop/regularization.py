r"""Dropout, inverted: each unit of a layer kept with probability $1 - p$ and scaled by $1/(1 - p)$ in training,
the layer left as it is at test time ([Srivastava et al., 2014](https://jmlr.org/papers/v15/srivastava14a.html)).

The mask $m$ holds $1/(1 - p)$ where a unit is kept and 0 where it is dropped, so that its mean is one and the
next layer sees, on average, what it sees at test time. The forward pass multiplies by it, and so does the backward
pass: a dropped unit passes no gradient back.
"""

from __future__ import annotations

import numpy as np

from litbackprop._checks import ANY_NDIM, Array, Constraint, Interval, SameShapeAs, Seed, checked


class _Shape(Constraint):
    """A shape: a tuple of positive ints (a single int is a vector's)."""

    def __str__(self) -> str:
        return "a shape: a tuple of positive integers"

    def check(self, name, value, arguments):
        shape = (value,) if isinstance(value, (int, np.integer)) and not isinstance(value, bool) else value
        if not isinstance(shape, tuple) or not all(
            isinstance(n, (int, np.integer)) and not isinstance(n, bool) and n >= 1 for n in shape
        ):
            self.fail(name, value)
        return tuple(int(n) for n in shape)

    def refused(self, name, arguments):
        yield from ((2, 0), (2, 1.5), [2, 3], "2", (True, 2))


@checked(shape=_Shape(), p=Interval(0.0, 1.0, "left"), seed=Seed())
def dropout_mask(shape, p: float, seed: int = 0) -> np.ndarray:
    r"""The mask of inverted dropout, $m = \frac{1}{1 - p}\,\mathbb{I}(r > p)$, with $r$ uniform in [0, 1).

    Parameters
    ----------
    shape : tuple of int
        The shape of the layer's activations, (h, N) for a batch.
    p : float in [0, 1)
        The probability of dropping each unit, for each example, independently.
    seed : int, default 0
        Seeds numpy's generator: the same seed gives the same mask.

    Returns
    -------
    numpy.ndarray
        $1/(1 - p)$ where a unit is kept, 0 where it is dropped.

    Examples
    --------
    >>> dropout_mask((2, 3), 0.5, seed=1)
    array([[2., 2., 0.],
           [2., 0., 0.]])
    """
    r = np.random.default_rng(seed).random(shape)
    return (r > p) / (1 - p)


@checked(a=Array(ANY_NDIM), mask=SameShapeAs(other="a"))
def dropout(a, mask) -> np.ndarray:
    r"""Inverted dropout's forward pass, $a_{\text{drop}} = m \odot a$.

    Parameters
    ----------
    a : array_like
        The layer's activations.
    mask : array_like
        From `dropout_mask`, of the shape of `a`.

    Examples
    --------
    >>> dropout([1.0, 2.0, 3.0], [2.0, 0.0, 2.0])
    array([2., 0., 6.])
    """
    return mask * a


@checked(da_drop=Array(ANY_NDIM), mask=SameShapeAs(other="da_drop"))
def grad_dropout(da_drop, mask) -> np.ndarray:
    r"""Backward through dropout, $\frac{\partial L}{\partial a} = m \odot \frac{\partial L}{\partial a_{\text{drop}}}$.

    Parameters
    ----------
    da_drop : array_like
        Upstream gradient $\partial L / \partial a_{\text{drop}}$.
    mask : array_like
        The forward pass's mask.

    Examples
    --------
    >>> grad_dropout([0.5, 0.5, 0.5], [2.0, 0.0, 2.0])
    array([1., 0., 1.])
    """
    return mask * da_drop
