r"""The two-layer network FC → ReLU → FC → softmax → cross-entropy, built from the step functions.

Forward, steps (1)–(5):

$z^{(1)} = W^{(1)}x + b^{(1)}$, $a^{(1)} = \max(0, z^{(1)})$, $z^{(2)} = W^{(2)}a^{(1)} + b^{(2)}$,
$\hat y = \text{softmax}(z^{(2)})$, $L = \text{CE}(y, \hat y)$.

Backward, rows (5), (4), (3a), (3b), (2), (1):

$\partial L/\partial L = 1$, $\partial L/\partial z^{(2)} = (\hat y - y)/N$,
$\partial L/\partial W^{(2)} = \partial L/\partial z^{(2)}\,{a^{(1)}}^T$,
$\partial L/\partial a^{(1)} = {W^{(2)}}^T\,\partial L/\partial z^{(2)}$,
$\partial L/\partial z^{(1)} = \partial L/\partial a^{(1)} \cdot \mathbb{I}(z^{(1)} > 0)$,
$\partial L/\partial W^{(1)} = \partial L/\partial z^{(1)}\, x^T$;
with biases, $\partial L/\partial b = \sum_n \partial L/\partial z_{:,n}$ for each layer.
"""

from __future__ import annotations

import threading

import numpy as np

from litbackprop._checks import all_finite, as_float_array, check_finite, check_rows, check_seed
from litbackprop.activations import _grad_relu, _relu, _softmax
from litbackprop.linear import _grad_bias, _grad_input, _grad_weights, _linear, check_bias
from litbackprop.loss import _check_one_hot, _cross_entropy_from_logits, _grad_logits, one_hot


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
    >>> net.forward([2.0, 1.0]).round(4)
    array([0.8808, 0.1192])
    >>> grads = net.backward([2.0, 1.0], [1.0, 0.0])
    >>> grads["W2"].round(4)
    array([[-0.2384, -0.1192],
           [ 0.2384,  0.1192]])
    >>> sorted(TwoLayerNet(np.eye(2), np.eye(2), b1=[0.0, 0.0], b2=[0.0, 0.0]).backward([1.0, 2.0], 1))
    ['W1', 'W2', 'b1', 'b2']
    """

    def __init__(self, W1, W2, b1=None, b2=None) -> None:
        self.W1 = as_float_array("W1", W1, (2,))
        self.W2 = as_float_array("W2", W2, (2,))
        self.b1 = None if b1 is None else as_float_array("b1", b1, (1,))
        self.b2 = None if b2 is None else as_float_array("b2", b2, (1,))
        self._check_parameters()
        for name, value in self.parameters.items():
            check_finite(name, value)

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
        for name, value in (("d", d), ("h", h), ("k", k)):
            if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < 1:
                raise ValueError(f"{name} must be a positive integer; got {value!r}")
        try:
            float_type = np.dtype(dtype)
        except TypeError:
            float_type = None
        if float_type is None or float_type.kind != "f":
            raise ValueError(f"dtype must be a floating type such as numpy.float64 or numpy.float32; got {dtype!r}")
        if not isinstance(biases, bool):
            raise ValueError(f"biases must be True or False; got {biases!r}")
        rng = np.random.default_rng(check_seed(seed))
        W1 = rng.normal(0.0, np.sqrt(2.0 / d), size=(h, d)).astype(dtype)
        W2 = rng.normal(0.0, np.sqrt(2.0 / h), size=(k, h)).astype(dtype)
        if not biases:
            return cls(W1, W2)
        return cls(W1, W2, b1=np.zeros(h, dtype), b2=np.zeros(k, dtype))

    @property
    def parameters(self) -> dict[str, np.ndarray]:
        """The parameters by name, in the order of the layers: ``W1``, (``b1``), ``W2``, (``b2``)."""
        named = {"W1": self.W1, "b1": self.b1, "W2": self.W2, "b2": self.b2}
        return {name: value for name, value in named.items() if value is not None}

    def forward(self, x) -> np.ndarray:
        r"""Return the class probabilities $\hat y = \text{softmax}(z^{(2)})$.

        Parameters
        ----------
        x : array_like, shape (d,) or (d, N)
            One input, or N inputs as columns.

        Returns
        -------
        numpy.ndarray
            $\hat y$, shape (k,) or (k, N): each column sums to 1.
        """
        self._check_parameters()
        _, _, z2 = self._forward(self._check_x(x))
        return _softmax(z2)

    def loss(self, x, y) -> np.floating:
        r"""Return the loss $L = \text{CE}(y, \hat y)$, averaged over the columns of a batch.

        Computed from the logits $z^{(2)}$ with a log-sum-exp, so it stays finite
        where $\log \hat y$ would be $\log 0$.

        Parameters
        ----------
        x : array_like, shape (d,) or (d, N)
            One input, or N inputs as columns.
        y : array_like
            One-hot targets of shape ``(k,)`` or ``(k, N)``, or integer class
            labels of shape ``()`` or ``(N,)``.
        """
        self._check_parameters()
        x, y = self._check_xy(x, y)
        return self._loss_unchecked(x, y)

    def _loss_unchecked(self, x: np.ndarray, y: np.ndarray) -> np.floating:
        _, _, z2 = self._forward(x)
        return _cross_entropy_from_logits(y, z2)

    def backward(self, x, y) -> dict[str, np.ndarray]:
        r"""Run the forward pass on `x`, then backpropagate the loss against `y`.

        Parameters
        ----------
        x : array_like, shape (d,) or (d, N)
            One input, or N inputs as columns.
        y : array_like
            One-hot targets of shape ``(k,)`` or ``(k, N)``, or integer class
            labels of shape ``()`` or ``(N,)``.

        Returns
        -------
        dict
            ``{"W1": dL/dW1, "W2": dL/dW2}``, each shaped like its parameter,
            plus ``"b1"`` and ``"b2"`` when the network has biases.
        """
        self._check_parameters()
        x, y = self._check_xy(x, y)
        return self._backward(x, y)

    def loss_and_gradients(self, x, y) -> tuple[np.floating, dict[str, np.ndarray]]:
        """Return ``(loss(x, y), backward(x, y))`` from a single forward pass."""
        self._check_parameters()
        x, y = self._check_xy(x, y)
        return self._backward(x, y, with_loss=True)

    def _backward(self, x: np.ndarray, y: np.ndarray, with_loss: bool = False):
        # The intermediates live in buffers kept between calls (see _Workspace); the gradients
        # returned are fresh arrays, never one of those buffers.
        ws = self._workspace(x, y)
        z1, a1, z2 = self._forward(x, ws)  # (1)-(3)
        loss = _cross_entropy_from_logits(y, z2) if with_loss else None  # (5), before z2 is overwritten
        y_hat = _softmax(z2, out=ws.z2)  # (4)
        # (5) dL/dL = 1 is the default upstream scale of _grad_logits.
        dz2 = _grad_logits(y_hat, y, out=ws.z2)  # (4)
        dW2 = _grad_weights(dz2, a1)  # (3a)
        da1 = _grad_input(self.W2, dz2, out=ws.da1)  # (3b)
        dz1 = _grad_relu(da1, z1, out=ws.da1, mask=ws.mask)  # (2)
        dW1 = _grad_weights(dz1, x)  # (1)
        grads = {"W1": dW1, "W2": dW2}
        if self.b1 is not None:
            grads["b1"] = _grad_bias(dz1)
        if self.b2 is not None:
            grads["b2"] = _grad_bias(dz2)
        if with_loss:
            return loss, grads
        return grads

    def _workspace(self, x: np.ndarray, y: np.ndarray) -> _Workspace:
        """This thread's buffers for a batch shaped like `x`, made anew only when the shapes change."""
        key = (self.W1.shape[0], self.W2.shape[0], x.shape[1:], y.dtype)  # y is in the network's dtype
        local = self.__dict__.get("_local")
        if local is None:
            local = self.__dict__.setdefault("_local", threading.local())
        ws = getattr(local, "workspace", None)
        if ws is None or ws.key != key:
            ws = local.workspace = _Workspace(key)
        return ws

    def __getstate__(self):
        # Buffers are a cache, per thread: not part of the network, not copied or pickled.
        return {name: value for name, value in self.__dict__.items() if name != "_local"}

    def _forward(self, x: np.ndarray, ws: _Workspace | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Steps (1)-(3), keeping each node the backward pass needs; into `ws`'s buffers when given."""
        z1 = _linear(self.W1, x, self.b1, out=None if ws is None else ws.z1)  # (1)
        self._ensure_finite("z1", z1, x)
        a1 = _relu(z1, out=None if ws is None else ws.a1, zeros=None if ws is None else ws.zeros)  # (2)
        z2 = _linear(self.W2, a1, self.b2, out=None if ws is None else ws.z2)  # (3)
        self._ensure_finite("z2", z2, x)
        return z1, a1, z2

    def _ensure_finite(self, name: str, z: np.ndarray, x: np.ndarray) -> None:
        """Raise if the pre-activation `z` holds a nan or an inf, naming the argument that put it there.

        A nan or inf in x, W or b always reaches z = W x + b (0 · inf is nan), so checking
        the small z instead of the large x and W on every call costs a fraction as much;
        only a failure pays for looking through the inputs.
        """
        if all_finite(z):
            return
        inputs = {"x": x, "W1": self.W1, "b1": self.b1} if name == "z1" else {"W2": self.W2, "b2": self.b2}
        for argument, value in inputs.items():
            if value is not None:
                check_finite(argument, value)
        raise FloatingPointError(
            f"{name} overflowed to inf although its inputs are finite: the inputs or the weights are too large "
            f"(largest |x| is {float(np.abs(x).max()):.3g})"
        )

    def _check_parameters(self) -> None:
        # Run at every call: the parameters are public and may have been replaced. Their values
        # are checked for nan and inf through z1 and z2 (_ensure_finite), which is cheaper.
        if self.W2.shape[1] != self.W1.shape[0]:
            raise ValueError(
                f"W2 must have {self.W1.shape[0]} columns, one per hidden unit (row of W1, "
                f"which has shape {self.W1.shape}), so shape (k, {self.W1.shape[0]}); got shape {self.W2.shape}"
            )
        if self.b1 is not None:
            check_bias("b1", self.b1, self.W1, "W1")
        if self.b2 is not None:
            check_bias("b2", self.b2, self.W2, "W2")

    def _check_x(self, x) -> np.ndarray:
        x = as_float_array("x", x, finite=False)  # nan and inf are caught in z1 (_ensure_finite)
        check_rows("x", x, self.W1.shape[1], f"one per column of W1, which has shape {self.W1.shape}")
        return x

    def _check_xy(self, x, y) -> tuple[np.ndarray, np.ndarray]:
        x = self._check_x(x)
        k = self.W2.shape[0]
        y_array = np.asarray(y)
        if y_array.dtype.kind in "iu" and y_array.shape == x.shape[1:]:
            y_array = one_hot(y_array, k)
        y_array = as_float_array("y", y_array, finite=False)  # the one-hot check below rules out nan and inf
        expected = (k,) + x.shape[1:]
        if y_array.shape != expected:
            raise ValueError(
                f"y must have shape {expected}: one row per class (rows of W2, which has shape "
                f"{self.W2.shape}) and one column per example of x, which has shape {x.shape}; "
                f"or integer labels of shape {x.shape[1:]}; got shape {y_array.shape}"
            )
        _check_one_hot(y_array)
        return x, y_array.astype(self._dtype(x), copy=False)

    def _dtype(self, x: np.ndarray) -> np.dtype:
        """The floating type the network computes in for input `x`."""
        return np.result_type(x, self.W1, self.W2, *(b for b in (self.b1, self.b2) if b is not None))


class _Workspace:
    """Buffers for the intermediates of one backward pass, reused from call to call.

    A fresh temporary of a few hundred kilobytes comes with fresh memory pages,
    and touching them costs a sizeable part of a step at MNIST size; reused
    buffers are already mapped. Each thread gets its own (`threading.local`),
    so one network can serve several threads.
    """

    def __init__(self, key) -> None:
        h, k, batch, dtype = key
        self.key = key
        self.z1 = np.empty((h, *batch), dtype)
        self.a1 = np.empty((h, *batch), dtype)
        self.zeros = np.zeros((h, *batch), dtype)
        self.mask = np.empty((h, *batch), bool)
        self.da1 = np.empty((h, *batch), dtype)
        self.z2 = np.empty((k, *batch), dtype)
