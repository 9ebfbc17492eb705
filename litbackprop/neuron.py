r"""A single sigmoid neuron, $a = \sigma(w^T x)$, and its gradient $\partial a / \partial w$."""

from __future__ import annotations

import numpy as np

from litbackprop._checks import as_float_array, check_rows
from litbackprop.activations import _sigmoid
from litbackprop.linear import _linear


class Neuron:
    r"""One neuron with weights $w$ and a sigmoid: $z = w^T x$, $a = \sigma(z)$.

    A bias is folded into $w$ by giving $x$ a constant last entry of 1, as in the notes.

    Parameters
    ----------
    w : array_like, shape (d,)
        The weights.

    Examples
    --------
    >>> n = Neuron([2.0, -3.0, 1.0])
    >>> round(float(n.forward([-1.0, -2.0, 1.0])), 3)
    0.993
    >>> n.backward().round(4)
    array([-0.0066, -0.0133,  0.0066])
    """

    def __init__(self, w) -> None:
        self.w = as_float_array("w", w, (1,))
        self._x: np.ndarray | None = None
        self._a: np.ndarray | None = None

    def forward(self, x) -> np.ndarray:
        r"""Return the activation $a = \sigma(w^T x)$.

        Parameters
        ----------
        x : array_like, shape (d,) or (d, N)
            One input, or N inputs as columns.

        Returns
        -------
        numpy.ndarray
            A scalar for one input, shape ``(N,)`` for a batch.
        """
        x = as_float_array("x", x)
        check_rows("x", x, self.w.shape[0], f"one per weight in w, which has shape {self.w.shape}")
        self._x = x.copy()  # backward must see the x of this call, even if the caller reuses the array
        self._a = _sigmoid(_linear(self.w, x))
        return self._a

    def backward(self) -> np.ndarray:
        r"""Return $\frac{\partial a}{\partial w} = a(1 - a)\, x$ for the last call to `forward`.

        Returns
        -------
        numpy.ndarray
            Shape ``(d,)`` for one input; ``(d, N)`` for a batch, column n the gradient of $a_n$.
        """
        if self._x is None:
            raise RuntimeError("Neuron.backward() needs a forward(x) first: there is no x to differentiate at")
        return self._a * (1 - self._a) * self._x
