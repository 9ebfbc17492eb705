r"""The two-layer network FC → ReLU → FC → softmax → cross-entropy, built from the step functions.

Forward, steps (1)–(5):

$z^{(1)} = W^{(1)}x$, $a^{(1)} = \max(0, z^{(1)})$, $z^{(2)} = W^{(2)}a^{(1)}$,
$\hat y = \text{softmax}(z^{(2)})$, $L = \text{CE}(y, \hat y)$.

Backward, rows (5), (4), (3a), (3b), (2), (1):

$\partial L/\partial L = 1$, $\partial L/\partial z^{(2)} = \hat y - y$,
$\partial L/\partial W^{(2)} = (\hat y - y){a^{(1)}}^T$, $\partial L/\partial a^{(1)} = {W^{(2)}}^T(\hat y - y)$,
$\partial L/\partial z^{(1)} = \partial L/\partial a^{(1)} \cdot \mathbb{I}(z^{(1)} > 0)$,
$\partial L/\partial W^{(1)} = \partial L/\partial z^{(1)}\, x^T$.
"""

from __future__ import annotations

import numpy as np

from litbackprop._checks import as_float_array, check_rows
from litbackprop.activations import _grad_relu, _relu, _softmax
from litbackprop.linear import _grad_input, _grad_weights, _linear
from litbackprop.loss import _check_one_hot, _cross_entropy_from_logits, _grad_logits


class TwoLayerNet:
    r"""A network $x \to W^{(1)} \to \text{ReLU} \to W^{(2)} \to \text{softmax} \to \text{CE}$, without biases.

    Parameters
    ----------
    W1 : array_like, shape (h, d)
        First-layer weights: h hidden units, d inputs.
    W2 : array_like, shape (k, h)
        Second-layer weights: k classes.

    Examples
    --------
    >>> net = TwoLayerNet([[1.0, 0.0], [0.0, 1.0]], [[1.0, -1.0], [-1.0, 1.0]])
    >>> net.forward([2.0, 1.0]).round(4)
    array([0.8808, 0.1192])
    >>> grads = net.backward([2.0, 1.0], [1.0, 0.0])
    >>> grads["W2"].round(4)
    array([[-0.2384, -0.1192],
           [ 0.2384,  0.1192]])
    """

    def __init__(self, W1, W2) -> None:
        self.W1 = as_float_array("W1", W1, (2,))
        self.W2 = as_float_array("W2", W2, (2,))
        if self.W2.shape[1] != self.W1.shape[0]:
            raise ValueError(
                f"W2 must have {self.W1.shape[0]} columns, one per hidden unit (row of W1, "
                f"which has shape {self.W1.shape}), i.e. shape ({self.W2.shape[0]}, {self.W1.shape[0]}); "
                f"got shape {self.W2.shape}"
            )

    def forward(self, x) -> np.ndarray:
        r"""Return the class probabilities $\hat y = \text{softmax}(W^{(2)} \max(0, W^{(1)} x))$.

        Parameters
        ----------
        x : array_like, shape (d,) or (d, N)

        Returns
        -------
        numpy.ndarray, shape (k,) or (k, N)
        """
        _, _, z2 = self._forward(self._check_x(x))
        return _softmax(z2)

    def loss(self, x, y) -> np.floating:
        r"""Return the loss $L = \text{CE}(y, \hat y)$, averaged over the columns of a batch.

        Computed from the logits $z^{(2)}$ with a log-sum-exp, so it stays finite
        where $\log \hat y$ would be $\log 0$.
        """
        x, y = self._check_xy(x, y)
        _, _, z2 = self._forward(x)
        return _cross_entropy_from_logits(y, z2)

    def backward(self, x, y) -> dict[str, np.ndarray]:
        r"""Run the forward pass on `x`, then backpropagate the loss against `y`.

        Parameters
        ----------
        x : array_like, shape (d,) or (d, N)
        y : array_like, shape (k,) or (k, N)
            One-hot targets.

        Returns
        -------
        dict
            ``{"W1": dL/dW1, "W2": dL/dW2}``, each shaped like its weights.
        """
        x, y = self._check_xy(x, y)
        z1, a1, z2 = self._forward(x)
        y_hat = _softmax(z2)  # (4)
        # (5) dL/dL = 1 is the default upstream scale of _grad_logits.
        dz2 = _grad_logits(y_hat, y)  # (4)
        dW2 = _grad_weights(dz2, a1)  # (3a)
        da1 = _grad_input(self.W2, dz2)  # (3b)
        dz1 = _grad_relu(da1, z1)  # (2)
        dW1 = _grad_weights(dz1, x)  # (1)
        return {"W1": dW1, "W2": dW2}

    def _forward(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Steps (1)-(3), keeping each node the backward pass needs."""
        z1 = _linear(self.W1, x)  # (1)
        a1 = _relu(z1)  # (2)
        z2 = _linear(self.W2, a1)  # (3)
        return z1, a1, z2

    def _check_x(self, x) -> np.ndarray:
        x = as_float_array("x", x)
        check_rows("x", x, self.W1.shape[1], f"one per column of W1, which has shape {self.W1.shape}")
        return x

    def _check_xy(self, x, y) -> tuple[np.ndarray, np.ndarray]:
        x = self._check_x(x)
        y = as_float_array("y", y)
        expected = (self.W2.shape[0],) + x.shape[1:]
        if y.shape != expected:
            raise ValueError(
                f"y must have shape {expected}: one row per class (rows of W2, which has shape "
                f"{self.W2.shape}) and one column per example of x, which has shape {x.shape}; "
                f"got shape {y.shape}"
            )
        _check_one_hot(y)
        return x, y
