r"""The two-layer network FC → ReLU → FC → softmax → cross-entropy, one library function per row of the notes' tables.

Read [`TwoLayerNet.trace`][litbackprop.network.TwoLayerNet.trace] top to
bottom: the forward table, rows (1) to (5), then the backward table, rows (5)
to (1), each bias gradient beside the row of its layer.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from litbackprop._checks import (
    LATER,
    all_finite,
    array,
    as_float_array,
    bias_of,
    check_array_size,
    check_dtype,
    check_labels,
    check_one_hot,
    check_rows,
    check_seed,
    checked,
    finite_result,
    integer,
    nodes,
    optional,
    run_checks,
)
from litbackprop.activations import grad_relu, relu, softmax
from litbackprop.autodiff import Value
from litbackprop.linear import careful_linear, grad_bias, grad_input, grad_weights, linear
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


# The network's checks, declared at the doors below. The parameters are public attributes that may
# be replaced or updated in place between calls, so every call checks them again.


def _second_layer(name, W2, arguments):
    """`W2` of shape (k, h): k >= 2 classes, one column per hidden unit (row of `W1`)."""
    W2, W1 = array((2,))(name, W2, arguments), arguments["W1"]
    if W2.shape[0] < 2:
        raise ValueError(
            f"{name} must have at least 2 rows, one per class: a softmax over one class is always 1; "
            f"got shape {W2.shape}"
        )
    if W2.shape[1] != W1.shape[0]:
        raise ValueError(
            f"{name} must have {W1.shape[0]} columns, one per hidden unit (row of W1, "
            f"which has shape {W1.shape}), so shape (k, {W1.shape[0]}); got shape {W2.shape}"
        )
    return W2


def a_network(name, net, arguments):
    """`net` itself, once its parameters pass the checks its constructor declares."""
    if not isinstance(net, TwoLayerNet):
        raise ValueError(f"{name} must be a TwoLayerNet; got {type(net).__name__}")
    for parameter, value in net.parameters.items():  # set after construction: the methods use the attribute itself
        if type(value) is not np.ndarray:
            raise ValueError(
                f"{'net' if name == 'self' else name}.{parameter} must be a numpy array (assign np.asarray(...)); "
                f"got {type(value).__name__}"
            )
    run_checks(TwoLayerNet.__init__, W1=net.W1, W2=net.W2, b1=net.b1, b2=net.b2, **{LATER: arguments.get(LATER)})
    return net


def _weights_fit(dtype: np.dtype, arguments: dict) -> np.dtype:
    """`dtype`, once W1 (h × d) and W2 (k × h) in it are arrays numpy can make; else ``ValueError`` naming the size."""
    d, h, k = arguments["d"], arguments["h"], arguments["k"]
    largest = max(("h", h), ("d", d), ("k", k), key=lambda named: named[1])  # the size that cannot fit
    check_array_size(*largest, h * max(d, k), dtype.itemsize, f"W1 ({h} × {d}) and W2 ({k} × {h})")
    return dtype


def layer(W: np.ndarray, x: np.ndarray, b) -> np.ndarray:
    """`linear` for arguments checked already; where the product overflowed, computed as `linear`'s door does, and
    an entry that still does not fit made nan: what follows would hide an inf (the ReLU makes -inf a 0, the softmax
    gives it probability 0), while a nan reaches the result, whose check names the layer."""
    z = linear.math(W, x, b)
    if all_finite(z):
        return z
    z = careful_linear(W, x, b)
    return z if all_finite(z) else np.where(np.isfinite(z), z, np.nan)


def most_probable(net: TwoLayerNet, x: np.ndarray) -> np.ndarray:
    """The class of largest logit for each column of `x`, checked already: logits that overflowed are refused, as
    `TwoLayerNet.logits` refuses them, not ranked (the argmax of a nan is whichever entry comes first)."""
    z2 = finite_result(TwoLayerNet.logits.math(net, x), "z2", {"self": net, "x": x})
    return np.argmax(z2, axis=0)


def network_labels(name, labels, arguments):
    """Integer class labels for the network, one per column of `x`."""
    x = arguments["x"]
    return check_labels(name, labels, _network(arguments).W2.shape[0], x.shape[1:])


def _ends(trace: Trace, arguments) -> dict:
    """The loss and the gradients: every nan or inf of a pass, given or made, reaches one of them."""
    return {"L": trace.L, "dW2": trace.dW2, "db2": trace.db2, "dW1": trace.dW1, "db1": trace.db1}


def _true_or_false(name, value):
    if not isinstance(value, bool):
        raise ValueError(f"{name} must be True or False; got {value!r}")
    return value


def _network(arguments) -> TwoLayerNet:
    """The network the arguments describe: `self`, `net`, or the engine's values of its parameters."""
    net = arguments.get("self") or arguments.get("net")
    if net is None:  # its constructor's checks name a parameter whose shape does not fit
        names = ("W1", "W2", "b1", "b2")
        net = TwoLayerNet(**{n: arguments[n].data for n in names if arguments.get(n) is not None})
    return net


def _value(name, value, arguments) -> Value:
    """A parameter for the engine: a `Value`."""
    if not isinstance(value, Value):
        raise ValueError(f"{name} must be a litbackprop.autodiff.Value; got {type(value).__name__}")
    return value


def network_inputs(name, x, arguments):
    """Columns of inputs for the network: one row per column of its `W1`."""
    W1 = _network(arguments).W1
    x = array()(name, x, arguments)
    check_rows(name, x, W1.shape[1], f"one per column of W1, which has shape {W1.shape}")
    return x


def network_targets(name, y, arguments):
    """Targets for the network: one-hot, ``(k,)`` or ``(k, N)``, or integer labels, ``()`` or ``(N,)``.

    Returned one-hot, in the network's dtype.
    """
    net, x = _network(arguments), arguments["x"]
    k = net.W2.shape[0]
    same = type(y) is np.ndarray and y.shape == (k, *x.shape[1:]) and y.dtype == x.dtype
    if same and all(theta.dtype == x.dtype for theta in net.parameters.values()):
        return check_one_hot(name, y)  # one-hot columns in the network's dtype already: nothing to convert
    y = np.asarray(y)
    if y.shape == x.shape[1:] and y.shape != (k, *x.shape[1:]):  # one label per example
        y = one_hot.math(check_labels(name, y, k, x.shape[1:]), k)
    expected = (k, *x.shape[1:])
    if y.shape != expected:
        raise ValueError(
            f"{name} must have shape {expected}: one row per class (rows of W2, which has shape "
            f"{net.W2.shape}) and one column per example of x, which has shape {x.shape}; "
            f"or integer labels of shape {x.shape[1:]}; got shape {y.shape}"
        )
    dtype = np.result_type(x, *net.parameters.values())
    return check_one_hot(name, as_float_array(name, y)).astype(dtype, copy=False)


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

    @checked(W1=array((2,)), W2=_second_layer, b1=optional(bias_of("W1")), b2=optional(bias_of("W2")))
    def __init__(self, W1, W2, b1=None, b2=None) -> None:
        self.W1, self.W2, self.b1, self.b2 = W1, W2, b1, b2

    @classmethod
    @checked(
        d=integer(1),
        h=integer(1),
        k=integer(1),
        seed=lambda name, seed, _: check_seed(seed, name),
        dtype=lambda name, dtype, arguments: _weights_fit(check_dtype(dtype), arguments),
        biases=lambda name, biases, _: _true_or_false(name, biases),
    )
    def initialize(cls, d: int, h: int, k: int, seed: int = 0, dtype=np.float64, biases: bool = True) -> TwoLayerNet:
        r"""A network with He-initialised weights, $W \sim \mathcal{N}(0, 2/\text{fan-in})$, and zero biases.

        The variance $2/\text{fan-in}$ keeps the size of the activations
        roughly constant from layer to layer through a ReLU. The same `seed`
        gives the same weights, bit for bit.

        Parameters
        ----------
        d, h, k : int
            Inputs, hidden units and classes.
        seed : int, default 0
            Seeds numpy's generator for the weights.
        dtype : numpy floating type, default numpy.float64
            The parameters' dtype.
        biases : bool, default True
            Give both layers a bias, initialised to zero.

        Examples
        --------
        >>> net = TwoLayerNet.initialize(64, 32, 10, seed=0)
        >>> net.W1.shape, net.b2.shape, float(net.b1.sum())
        ((32, 64), (10,), 0.0)
        """
        rng = np.random.default_rng(seed)
        W1 = rng.normal(0.0, np.sqrt(2.0 / d), size=(h, d)).astype(dtype)
        W2 = rng.normal(0.0, np.sqrt(2.0 / h), size=(k, h)).astype(dtype)
        return cls(W1, W2, b1=np.zeros(h, dtype), b2=np.zeros(k, dtype)) if biases else cls(W1, W2)

    def __repr__(self) -> str:
        (h, d), k = self.W1.shape, self.W2.shape[0]
        return f"TwoLayerNet(d={d}, h={h}, k={k}, biases={self.b1 is not None}, dtype={self.W1.dtype})"

    @property
    def parameters(self) -> dict[str, np.ndarray]:
        """The parameters by name, in the order of the layers: ``W1``, (``b1``), ``W2``, (``b2``)."""
        named = {"W1": self.W1, "b1": self.b1, "W2": self.W2, "b2": self.b2}
        return {name: value for name, value in named.items() if value is not None}

    @checked(self=a_network, x=network_inputs, result="y_hat", reaches_result=True)
    def forward(self, x) -> np.ndarray:
        r"""Return the class probabilities $\hat y = \text{softmax}(z^{(2)})$, shape (k,) or (k, N).

        Parameters
        ----------
        x : array_like, shape (d,) or (d, N)
            An input column, or a batch of N columns.
        """
        return softmax.math(TwoLayerNet.logits.math(self, x))

    @checked(self=a_network, x=network_inputs)
    def predict(self, x) -> np.ndarray:
        """Return the most probable class of each column of `x`: an int, or shape (N,).

        Parameters
        ----------
        x : array_like, shape (d,) or (d, N)
            An input column, or a batch of N columns.
        """
        return most_probable(self, x)[()]

    @checked(self=a_network, x=network_inputs, result="z2", reaches_result=True)
    def logits(self, x) -> np.ndarray:
        r"""Return $z^{(2)} = W^{(2)} \max(0, W^{(1)} x + b^{(1)}) + b^{(2)}$, rows (1)–(3) of the forward table.

        Parameters
        ----------
        x : array_like, shape (d,) or (d, N)
            An input column, or a batch of N columns.
        """
        return layer(self.W2, relu.math(layer(self.W1, x, self.b1)), self.b2)

    @checked(self=a_network, x=network_inputs, y=network_targets, result="L", reaches_result=True)
    def loss(self, x, y) -> np.floating:
        r"""Return $L = \text{CE}(y, \hat y)$, averaged over the columns of a batch.

        Computed from the logits with a log-sum-exp, so it stays finite where
        $\log \hat y$ would be $\log 0$. `y` is one-hot, ``(k,)`` or ``(k, N)``,
        or integer labels, ``()`` or ``(N,)``.

        Parameters
        ----------
        x : array_like, shape (d,) or (d, N)
            An input column, or a batch of N columns.
        y : array_like
            One-hot targets, ``(k,)`` or ``(k, N)``, or integer labels, ``()`` or ``(N,)``.
        """
        return cross_entropy_from_logits.math(y, TwoLayerNet.logits.math(self, x))

    def backward(self, x, y) -> dict[str, np.ndarray]:
        """Return the gradient of `loss(x, y)` for every parameter: ``{"W1": dW1, "W2": dW2}`` (and ``b1``, ``b2``).

        Parameters
        ----------
        x : array_like, shape (d,) or (d, N)
            An input column, or a batch of N columns.
        y : array_like
            One-hot targets, ``(k,)`` or ``(k, N)``, or integer labels, ``()`` or ``(N,)``.
        """
        return self.trace(x, y).gradients

    @checked(self=a_network, x=network_inputs, y=network_targets, result=_ends, first=nodes, reaches_result=True)
    def trace(self, x, y) -> Trace:
        """Run the forward pass on `x` and backpropagate the loss against `y`, keeping every node.

        `y` is one-hot, ``(k,)`` or ``(k, N)``, or integer labels, ``()`` or ``(N,)``.

        The arguments are checked once, at the door declared above, and the rows
        run bare, each the ``math`` of its library function. Then the loss and the
        gradients are checked finite: every nan or inf, given or made, reaches one
        of them. Only when one is not are the arguments looked through, to name
        the one that held it, or else every node in the order computed, to name
        the first that overflowed.

        Parameters
        ----------
        x : array_like, shape (d,) or (d, N)
            An input column, or a batch of N columns.
        y : array_like
            One-hot targets, ``(k,)`` or ``(k, N)``, or integer labels, ``()`` or ``(N,)``.
        """
        W1, b1, W2, b2 = self.W1, self.b1, self.W2, self.b2
        # Forward
        z1 = layer(W1, x, b1)  # (1) z1 = W1 x + b1
        a1 = relu.math(z1)  # (2) a1 = max(0, z1)
        z2 = layer(W2, a1, b2)  # (3) z2 = W2 a1 + b2
        y_hat = softmax.math(z2)  # (4) y_hat = softmax(z2)
        L = cross_entropy_from_logits.math(y, z2)  # (5) L = CE(y, y_hat), from z2: finite where log y_hat is log 0
        # Backward
        dL = grad_loss.math(L)  # (5) dL/dL = 1
        dz2 = grad_logits.math(y_hat, y, dL)  # (4) dL/dz2 = (y_hat - y) / N
        dW2 = grad_weights.math(dz2, a1)  # (3a) dL/dW2 = dz2 a1^T
        db2 = None if b2 is None else grad_bias.math(dz2)  # dL/db2 = sum of the columns of dz2
        da1 = grad_input.math(W2, dz2)  # (3b) dL/da1 = W2^T dz2
        dz1 = grad_relu.math(da1, z1)  # (2) dL/dz1 = da1 · I(z1 > 0)
        dW1 = grad_weights.math(dz1, x)  # (1) dL/dW1 = dz1 x^T
        db1 = None if b1 is None else grad_bias.math(dz1)  # dL/db1 = sum of the columns of dz1
        return Trace(x, z1, a1, z2, y_hat, y, L, dL, dz2, dW2, db2, da1, dz1, dW1, db1)

    def check_parameters(self) -> None:
        """Raise ``ValueError`` unless the parameters are finite and their shapes fit together."""
        a_network("net", self, {})


# The bridge to the autodiff engine, which knows nothing of networks: the loss as engine operations.


@checked(W1=_value, W2=_value, b1=optional(_value), b2=optional(_value), x=network_inputs, y=network_targets)
def two_layer_loss(W1: Value, W2: Value, x, y, b1: Value | None = None, b2: Value | None = None) -> Value:
    r"""The two-layer network's loss built from [`Value`][litbackprop.autodiff.Value] operations only.

    $L = -\frac{1}{N}\sum_n \sum_i y_{in}\,\log\text{softmax}(z^{(2)})_{in}$ with
    $z^{(2)} = W^{(2)}\max(0, W^{(1)}x + b^{(1)}) + b^{(2)}$. Softmax and the logarithm
    are written out, so the engine derives row (4) by itself.

    Parameters
    ----------
    W1, W2 : Value
        The weights, shapes (h, d) and (k, h).
    x : array_like, shape (d,) or (d, N)
        An input column, or a batch of N columns.
    y : array_like
        One-hot targets, ``(k,)`` or ``(k, N)``, or integer labels, ``()`` or ``(N,)``.
    b1, b2 : Value, optional
        The biases, shapes (h,) and (k,).

    Examples
    --------
    >>> import numpy as np
    >>> from litbackprop import TwoLayerNet, worked_example
    >>> e = worked_example()
    >>> W1, W2 = Value(e["W1"]), Value(e["W2"])
    >>> L = two_layer_loss(W1, W2, e["x"], e["y"])
    >>> L.backward()
    >>> grads = TwoLayerNet(e["W1"], e["W2"]).backward(e["x"], e["y"])
    >>> bool(np.allclose(W1.grad, grads["W1"], rtol=1e-12)), round(float(L.data), 4)
    (True, 0.9555)
    """
    z1 = W1 @ Value(x) + _added(b1, x)
    z2 = W2 @ z1.relu() + _added(b2, x)
    shifted = z2 - z2.data.max(axis=0)  # a constant shift: softmax is unchanged, and no exponential overflows
    log_y_hat = shifted - shifted.exp().sum(axis=0).log()
    return -(Value(y) * log_y_hat).sum() * (1.0 / (x.shape[1] if x.ndim == 2 else 1))


def _added(b: Value | None, x: np.ndarray):
    """A bias as the engine adds it to every column: a (h, 1) column for a batch; 0 without one."""
    return 0.0 if b is None else b if x.ndim == 1 else b.reshape((-1, 1))


@checked(net=a_network, x=network_inputs, y=network_targets)
def network_gradients(net: TwoLayerNet, x, y) -> dict[str, np.ndarray]:
    """The gradients of `net`'s loss on `x` and `y`, derived by the engine; named as `TwoLayerNet.backward` names them.

    The hand-derived rows play no part: `two_layer_loss` records the forward pass and
    [`Value.backward`][litbackprop.autodiff.Value.backward] walks it back. The
    network's parameters are copied into values; `net` is left as it was.

    Parameters
    ----------
    net : TwoLayerNet
        The network whose parameters are differentiated.
    x : array_like, shape (d,) or (d, N)
        An input column, or a batch of N columns.
    y : array_like
        One-hot targets, ``(k,)`` or ``(k, N)``, or integer labels, ``()`` or ``(N,)``.

    Examples
    --------
    >>> import numpy as np
    >>> from litbackprop import TwoLayerNet, worked_example
    >>> e = worked_example()
    >>> net = TwoLayerNet(e["W1"], e["W2"])
    >>> by_engine, by_rows = network_gradients(net, e["x"], e["y"]), net.backward(e["x"], e["y"])
    >>> sorted(by_engine), bool(np.allclose(by_engine["W1"], by_rows["W1"], rtol=1e-12))
    (['W1', 'W2'], True)
    """
    values = {name: Value(theta.copy(), name=name) for name, theta in net.parameters.items()}
    two_layer_loss.math(values["W1"], values["W2"], x, y, values.get("b1"), values.get("b2")).backward()
    return {name: value.grad for name, value in values.items()}
