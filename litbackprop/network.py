r"""The two-layer network FC → ReLU → FC → softmax → cross-entropy, one library function per row of the notes' tables.

Read [`TwoLayerNet.trace`][litbackprop.network.TwoLayerNet.trace] top to
bottom: the forward table, rows (1) to (5), then the backward table, rows (5)
to (1), each bias gradient beside the row of its layer.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from litbackprop._checks import (
    as_float_array,
    check_bias,
    check_dtype,
    check_finite,
    check_int,
    check_labels,
    check_one_hot,
    check_result,
    check_rows,
    check_seed,
    quiet,
)
from litbackprop.activations import grad_relu, relu, softmax
from litbackprop.linear import grad_bias, grad_input, grad_weights, linear
from litbackprop.loss import cross_entropy_from_logits, grad_logits, grad_loss, one_hot


@dataclass(slots=True)  # not frozen: that costs a setattr call per field, a twentieth of a tiny pass
class Trace:
    r"""Every node of one forward and backward pass, under the notes' names.

    Forward: ``x``, ``z1``, ``a1``, ``z2``, ``y_hat``, ``y``, ``L``.
    Backward: ``dL`` $=\partial L/\partial L$, then ``dz2``, ``dW2``, ``db2``,
    ``da1``, ``dz1``, ``dW1``, ``db1``, each $\partial L/\partial(\cdot)$; the
    bias entries are None for a network without biases.
    """

    x: np.ndarray
    z1: np.ndarray
    a1: np.ndarray
    z2: np.ndarray
    y_hat: np.ndarray
    y: np.ndarray
    L: np.floating
    dL: np.ndarray
    dz2: np.ndarray
    dW2: np.ndarray
    db2: np.ndarray | None
    da1: np.ndarray
    dz1: np.ndarray
    dW1: np.ndarray
    db1: np.ndarray | None

    @property
    def gradients(self) -> dict[str, np.ndarray]:
        """``{"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}``, the bias entries only when the network has them."""
        named = {"W1": self.dW1, "b1": self.db1, "W2": self.dW2, "b2": self.db2}
        return {name: grad for name, grad in named.items() if grad is not None}


class TwoLayerNet:
    r"""A network $x \to W^{(1)} \to \text{ReLU} \to W^{(2)} \to \text{softmax} \to \text{CE}$.

    Parameters
    ----------
    W1 : array_like, shape (h, d)
        First-layer weights: h hidden units, d inputs.
    W2 : array_like, shape (k, h)
        Second-layer weights: k classes.
    b1 : array_like, shape (h,), optional
        First-layer bias. Without it the layer is $W^{(1)}x$, as in the notes.
    b2 : array_like, shape (k,), optional
        Second-layer bias.

    Notes
    -----
    The parameters are kept as attributes ``W1``, ``W2`` (and ``b1``, ``b2``)
    and read at every call, so they may be updated in place between calls.
    Float32 parameters and inputs give float32 results.

    Examples
    --------
    >>> net = TwoLayerNet([[1.0, 0.0], [0.0, 1.0]], [[1.0, -1.0], [-1.0, 1.0]])
    >>> net
    TwoLayerNet(d=2, h=2, k=2, biases=False, dtype=float64)
    >>> net.forward([2.0, 1.0]).round(4)
    array([0.8808, 0.1192])
    >>> int(net.predict([2.0, 1.0]))
    0
    >>> net.backward([2.0, 1.0], [1.0, 0.0])["W2"].round(4)
    array([[-0.2384, -0.1192],
           [ 0.2384,  0.1192]])
    >>> net.trace([2.0, 1.0], 0).dz2.round(4)
    array([-0.1192,  0.1192])
    """

    def __init__(self, W1, W2, b1=None, b2=None) -> None:
        self.W1 = as_float_array("W1", W1, (2,))
        self.W2 = as_float_array("W2", W2, (2,))
        self.b1 = None if b1 is None else as_float_array("b1", b1, (1,))
        self.b2 = None if b2 is None else as_float_array("b2", b2, (1,))
        self.check_parameters()

    @classmethod
    def initialize(cls, d: int, h: int, k: int, seed: int = 0, dtype=np.float64, biases: bool = True) -> TwoLayerNet:
        r"""A network with He-initialised weights, $W \sim \mathcal{N}(0, 2/\text{fan-in})$, and zero biases.

        The variance $2/\text{fan-in}$ keeps the size of the activations
        roughly constant from layer to layer through a ReLU. The same `seed`
        gives the same weights, bit for bit.

        Examples
        --------
        >>> net = TwoLayerNet.initialize(64, 32, 10, seed=0)
        >>> net.W1.shape, net.b2.shape, float(net.b1.sum())
        ((32, 64), (10,), 0.0)
        """
        d, h, k = check_int("d", d, 1), check_int("h", h, 1), check_int("k", k, 1)
        dtype = check_dtype(dtype)
        if not isinstance(biases, bool):
            raise ValueError(f"biases must be True or False; got {biases!r}")
        rng = np.random.default_rng(check_seed(seed))
        W1 = rng.normal(0.0, np.sqrt(2.0 / d), size=(h, d)).astype(dtype)
        W2 = rng.normal(0.0, np.sqrt(2.0 / h), size=(k, h)).astype(dtype)
        if not biases:
            return cls(W1, W2)
        return cls(W1, W2, b1=np.zeros(h, dtype), b2=np.zeros(k, dtype))

    def __repr__(self) -> str:
        (h, d), k = self.W1.shape, self.W2.shape[0]
        return f"TwoLayerNet(d={d}, h={h}, k={k}, biases={self.b1 is not None}, dtype={self.W1.dtype})"

    @property
    def parameters(self) -> dict[str, np.ndarray]:
        """The parameters by name, in the order of the layers: ``W1``, (``b1``), ``W2``, (``b2``)."""
        named = {"W1": self.W1, "b1": self.b1, "W2": self.W2, "b2": self.b2}
        return {name: value for name, value in named.items() if value is not None}

    def forward(self, x) -> np.ndarray:
        r"""Return the class probabilities $\hat y = \text{softmax}(z^{(2)})$, shape (k,) or (k, N)."""
        return softmax(self.logits(x))

    def predict(self, x) -> np.ndarray:
        """Return the most probable class of each column of `x`: an int, or shape (N,)."""
        return np.argmax(self.logits(x), axis=0)[()]

    @quiet
    def logits(self, x) -> np.ndarray:
        r"""Return $z^{(2)} = W^{(2)} \max(0, W^{(1)} x + b^{(1)}) + b^{(2)}$, rows (1)–(3) of the forward table."""
        x = self.check_x(x)
        z1 = linear(self.W1, x, self.b1, check=False)
        check_result("z1", z1, W1=self.W1, x=x, b1=self.b1)  # one pass over z1 proves W1, x and b1 finite
        z2 = linear(self.W2, relu(z1, check=False), self.b2, check=False)
        return check_result("z2", z2, W2=self.W2, b2=self.b2)

    def loss(self, x, y) -> np.floating:
        r"""Return $L = \text{CE}(y, \hat y)$, averaged over the columns of a batch.

        Computed from the logits with a log-sum-exp, so it stays finite where
        $\log \hat y$ would be $\log 0$. `y` is one-hot, ``(k,)`` or ``(k, N)``,
        or integer labels, ``()`` or ``(N,)``.
        """
        x, y = self.check_xy(x, y)
        return cross_entropy_from_logits(y, self.logits(x))

    def backward(self, x, y) -> dict[str, np.ndarray]:
        """Return the gradient of `loss(x, y)` for every parameter: ``{"W1": dW1, "W2": dW2}`` (and ``b1``, ``b2``)."""
        return self.trace(x, y).gradients

    @quiet
    def trace(self, x, y) -> Trace:
        """Run the forward pass on `x` and backpropagate the loss against `y`, keeping every node.

        `y` is one-hot, ``(k,)`` or ``(k, N)``, or integer labels, ``()`` or ``(N,)``.

        The arguments are checked once, here: their shapes at the start, their
        finiteness by one pass over each layer's result (a nan or an inf among
        the parameters or in `x` reaches it). The rows themselves run with
        ``check=False``.
        """
        x, y = self.check_xy(x, y)
        W1, b1, W2, b2 = self.W1, self.b1, self.W2, self.b2
        # Forward
        z1 = linear(W1, x, b1, check=False)  # (1) z1 = W1 x + b1
        check_result("z1", z1, W1=W1, x=x, b1=b1)
        a1 = relu(z1, check=False)  # (2) a1 = max(0, z1)
        z2 = linear(W2, a1, b2, check=False)  # (3) z2 = W2 a1 + b2
        check_result("z2", z2, W2=W2, b2=b2)
        y_hat = softmax(z2, check=False)  # (4) y_hat = softmax(z2)
        L = cross_entropy_from_logits(y, z2, check=False)  # (5) L = CE(y, y_hat)
        check_result("L", L, z2=z2)
        # Backward
        dL = grad_loss(L, check=False)  # (5) dL/dL = 1
        dz2 = grad_logits(y_hat, y, dL, check=False)  # (4) dL/dz2 = (y_hat - y) / N
        dW2 = grad_weights(dz2, a1, check=False)  # (3a) dL/dW2 = dz2 a1^T
        db2 = None if b2 is None else grad_bias(dz2, check=False)  # dL/db2 = sum of the columns of dz2
        da1 = grad_input(W2, dz2, check=False)  # (3b) dL/da1 = W2^T dz2
        dz1 = grad_relu(da1, z1, check=False)  # (2) dL/dz1 = da1 · I(z1 > 0)
        dW1 = grad_weights(dz1, x, check=False)  # (1) dL/dW1 = dz1 x^T
        db1 = None if b1 is None else grad_bias(dz1, check=False)  # dL/db1 = sum of the columns of dz1
        check_result("dL/dW1", dW1)  # the first gradient that an overflow upstream (in da1, in dz1) reaches
        return Trace(x, z1, a1, z2, y_hat, y, L, dL, dz2, dW2, db2, da1, dz1, dW1, db1)

    def check_parameters(self) -> None:
        """Raise ``ValueError`` unless the parameters are finite and their shapes fit together."""
        self._check_shapes()
        for name, value in self.parameters.items():
            check_finite(name, value)

    def _check_shapes(self) -> None:
        # Run at every call: the parameters are public attributes and may have been replaced. Their
        # finiteness costs a pass over them, so a call leaves it to the layers' check of their results,
        # z1 and z2, which every nan or inf among the parameters reaches.
        if self.W2.shape[0] < 2:
            raise ValueError(
                f"W2 must have at least 2 rows, one per class: a softmax over one class is always 1; "
                f"got shape {self.W2.shape}"
            )
        if self.W2.shape[1] != self.W1.shape[0]:
            raise ValueError(
                f"W2 must have {self.W1.shape[0]} columns, one per hidden unit (row of W1, "
                f"which has shape {self.W1.shape}), so shape (k, {self.W1.shape[0]}); got shape {self.W2.shape}"
            )
        if self.b1 is not None:
            check_bias("b1", self.b1, self.W1, "W1")
        if self.b2 is not None:
            check_bias("b2", self.b2, self.W2, "W2")

    def check_x(self, x) -> np.ndarray:
        """`x` as a floating array of inputs for this network, or ``ValueError``."""
        self._check_shapes()
        x = as_float_array("x", x)
        check_rows("x", x, self.W1.shape[1], f"one per column of W1, which has shape {self.W1.shape}")
        return x

    def check_xy(self, x, y) -> tuple[np.ndarray, np.ndarray]:
        """`x` checked, and `y` as one-hot columns in the network's dtype: integer labels are converted."""
        x = self.check_x(x)
        k = self.W2.shape[0]
        y_array = np.asarray(y)
        if y_array.shape == x.shape[1:] and y_array.shape != (k, *x.shape[1:]):  # one label per example
            y_array = one_hot(check_labels("y", y_array, k, x.shape[1:]), k)
        expected = (k, *x.shape[1:])
        if y_array.shape != expected:
            raise ValueError(
                f"y must have shape {expected}: one row per class (rows of W2, which has shape "
                f"{self.W2.shape}) and one column per example of x, which has shape {x.shape}; "
                f"or integer labels of shape {x.shape[1:]}; got shape {y_array.shape}"
            )
        dtype = np.result_type(x, *self.parameters.values())
        return x, check_one_hot("y", as_float_array("y", y_array)).astype(dtype, copy=False)
