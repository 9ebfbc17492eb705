r"""A network of any depth: M fully connected layers, one activation f between them, softmax and cross-entropy last.

The two-layer network's tables, written once for a layer l and run for every layer. With
$a^{(0)} = x$, the forward pass is, for $l = 1, \dots, M$,
$z^{(l)} = W^{(l)} a^{(l-1)} + b^{(l)}$ and $a^{(l)} = f(z^{(l)})$ below the last layer, whose $z^{(M)}$
are the logits: $\hat y = \text{softmax}(z^{(M)})$. The backward pass starts from
$\delta^{(M)} = (\hat y - y)/N$, where $\delta^{(l)} = \partial L / \partial z^{(l)}$, and goes down the layers:

$\frac{\partial L}{\partial W^{(l)}} = \delta^{(l)} {a^{(l-1)}}^T$,
$\delta^{(l-1)} = \big({W^{(l)}}^T \delta^{(l)}\big) \odot f'(z^{(l-1)})$.

Each step is a row function of the two-layer network (`linear`, `grad_weights`, `grad_input`, …); `DeepNet.trace`
reads as the loop over them. The number of layers is M (L is the loss).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from litbackprop._checks import (
    Array,
    Boolean,
    Constraint,
    Finite,
    FloatType,
    Integer,
    Optional,
    Seed,
    as_float_array,
    check_rows,
    checked,
)
from litbackprop.activations import grad_relu, grad_sigmoid, grad_tanh, relu, sigmoid, softmax, tanh
from litbackprop.fully_connected import grad_bias, grad_input, grad_weights, linear
from litbackprop.loss import cross_entropy_from_logits, grad_logits, grad_loss
from litbackprop.network import NETWORK_TARGETS


def _sigmoid(z, out=None):
    """The sigmoid, written into `out` when a training loop gives one."""
    if out is None:
        return sigmoid(z)
    out[...] = sigmoid(z)
    return out


ACTIVATIONS = {
    "relu": (relu, lambda da, z, a, out=None: grad_relu(da, z, out=out)),
    "sigmoid": (_sigmoid, lambda da, z, a, out=None: grad_sigmoid(da, a, out=out)),
    "tanh": (tanh, lambda da, z, a, out=None: grad_tanh(da, a, out=out)),
}
"""Each hidden activation f by name, with the row that takes a gradient back through it: from $z$ or from $a$."""

INITIALISATIONS = {
    "naive": lambda fan_in, fan_out: 0.01,
    "xavier": lambda fan_in, fan_out: np.sqrt(2.0 / (fan_in + fan_out)),
    "he": lambda fan_in, fan_out: np.sqrt(2.0 / fan_in),
}
"""The standard deviation of a layer's weights, $W \\sim \\mathcal{N}(0, s^2)$, by the scheme's name: small random
numbers (CS231n's 0.01), Glorot and Bengio's $s^2 = 2/(\\text{fan-in} + \\text{fan-out})$, He et al.'s
$s^2 = 2/\\text{fan-in}$."""


@dataclass(slots=True)
class DeepTrace:
    r"""Every node of one forward and backward pass, each a dictionary by layer number.

    Forward: ``x``, ``z[l]`` for $l = 1, \dots, M$, ``a[l]`` for $l = 0, \dots, M-1$ (``a[0]`` is ``x``),
    ``y_hat``, ``y``, ``L``. Backward: ``dL``, then ``dz[l]`` ($\delta^{(l)}$), ``dW[l]``, ``db[l]`` for every
    layer and ``da[l]`` below the last; ``db`` is None for a network without biases. A trace made by
    `DeepNet.buffers` holds arrays to write into, and ``checked``: what `DeepNet.trace` last found them fit for.
    """

    x: np.ndarray
    z: dict[int, np.ndarray]
    a: dict[int, np.ndarray]
    y_hat: np.ndarray
    y: np.ndarray
    L: np.floating
    dL: np.ndarray
    dz: dict[int, np.ndarray]
    da: dict[int, np.ndarray]
    dW: dict[int, np.ndarray]
    db: dict[int, np.ndarray] | None
    checked: tuple | None = None  # buffers only: what the door last found them fit for, and their arrays then

    @property
    def gradients(self) -> dict[str, np.ndarray]:
        """``{"W1": dW[1], "b1": db[1], "W2": dW[2], …}``, the biases' only when the network has them."""
        return _named(self.dW, self.db)


def _named(W: dict, b: dict | None) -> dict[str, np.ndarray]:
    """Layer dictionaries as one dictionary by the notes' names, layer by layer: W1, b1, W2, b2, …"""
    named = {}
    for layer in W:
        named[f"W{layer}"] = W[layer]
        if b is not None:
            named[f"b{layer}"] = b[layer]
    return named


# The network's constraints, declared at the doors below.


def _given(value) -> str:
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape}"
    return f"an empty {type(value).__name__}" if value in ([], ()) else type(value).__name__


class _Weights(Constraint):
    """A non-empty list of weight matrices, W1 first, each with one column per row of the one before; the last,
    the logits' layer, has at least 2 rows (classes)."""

    finite = True

    def __str__(self) -> str:
        return "a list of weight matrices, one per layer"

    def check(self, name, value, arguments):
        if isinstance(value, dict):
            value = [value[layer] for layer in sorted(value)]
        if not isinstance(value, (list, tuple)) or not value:
            raise ValueError(f"{name} must be a non-empty list of weight matrices, W1 first; got {_given(value)}")
        W = [as_float_array(f"W{layer} ({name}[{layer - 1}])", w, (2,)) for layer, w in enumerate(value, 1)]
        for layer in range(2, len(W) + 1):
            rows, shape = W[layer - 2].shape[0], W[layer - 1].shape
            if shape[1] != rows:
                raise ValueError(
                    f"W{layer} ({name}[{layer - 1}]) must have {rows} columns, one per row of W{layer - 1}; "
                    f"got shape {shape}"
                )
        if W[-1].shape[0] < 2:
            raise ValueError(
                f"W{len(W)} ({name}[{len(W) - 1}]), the last layer, must have at least 2 rows, one per class: "
                f"a softmax over one class is always 1; got shape {W[-1].shape}"
            )
        return dict(enumerate(W, 1))

    def arrays(self, name, value):
        return {f"W{layer} ({name}[{layer - 1}])": w for layer, w in value.items()}

    def refused(self, name, arguments):
        W = list(arguments[name].values())
        yield from ([], W[0], "text", [W[0].ravel(), *W[1:]], [*W, np.ones((2, 7))])
        yield [W[0], np.ones((1, W[0].shape[0]))]
        broken = [w.copy() for w in W]
        broken[-1].flat[0] = np.nan
        yield broken


class _Biases(Constraint):
    """None, or one bias vector per layer, each with one entry per row of its layer's weights."""

    finite = True

    def __str__(self) -> str:
        return "None or a list of bias vectors, one per layer"

    def check(self, name, value, arguments):
        if value is None:
            return None
        W = arguments["weights"]
        if isinstance(value, dict):
            value = [value[layer] for layer in sorted(value)]
        if not isinstance(value, (list, tuple)) or len(value) != len(W):
            raise ValueError(
                f"{name} must be None or a list of {len(W)} bias vectors, one per layer; got "
                + (f"a list of {len(value)}" if isinstance(value, (list, tuple)) else _given(value))
            )
        b = {}
        for layer, vector in enumerate(value, 1):
            b[layer] = as_float_array(f"b{layer} ({name}[{layer - 1}])", vector, (1,))
            if b[layer].shape[0] != W[layer].shape[0]:
                raise ValueError(
                    f"b{layer} ({name}[{layer - 1}]) must have {W[layer].shape[0]} entries, one per row of "
                    f"W{layer}; got shape {b[layer].shape}"
                )
        return b

    def arrays(self, name, value):
        return {} if value is None else {f"b{layer} ({name}[{layer - 1}])": vector for layer, vector in value.items()}

    def refused(self, name, arguments):
        b = arguments[name]
        if b is not None:
            b = list(b.values())
            yield from (b[:-1], [np.ones(b[0].shape[0] + 1), *b[1:]], "text", [np.full_like(v, np.nan) for v in b])


class _OneOf(Constraint):
    """One of the names of a table."""

    def __init__(self, table: dict) -> None:
        self.names = tuple(table)

    def __str__(self) -> str:
        return "one of " + ", ".join(repr(name) for name in self.names)

    def check(self, name, value, arguments):
        if not isinstance(value, str) or value not in self.names:
            self.fail(name, value)
        return value

    def refused(self, name, arguments):
        yield from ("softplus", None, 1)


class _Sizes(Constraint):
    """The width of every layer, inputs first: at least 2 integers >= 1, the last (the classes) >= 2."""

    def __str__(self) -> str:
        return "a list of layer widths [d, h1, ..., k]: at least two integers >= 1, the last >= 2"

    def check(self, name, value, arguments):
        if not isinstance(value, (list, tuple)) or len(value) < 2:
            self.fail(name, value)
        if not all(isinstance(n, (int, np.integer)) and not isinstance(n, bool) and n >= 1 for n in value):
            self.fail(name, value)
        if value[-1] < 2:
            self.fail(name, value, f"{list(value)}, whose last width (the classes) is {value[-1]}")
        return [int(n) for n in value]

    def refused(self, name, arguments):
        yield from ([3], [3, 1], [3, 0, 2], [3, 2.0], [3, True, 2], 3)


class _DeepNetwork(Constraint):
    """A `DeepNet` whose parameters (public dictionaries by layer, which may have been changed since the last call)
    still pass its constructor's constraints; checked again only where one was replaced."""

    finite = True

    def __str__(self) -> str:
        return "a DeepNet"

    def check(self, name, net, arguments):
        if not isinstance(net, DeepNet):
            raise ValueError(f"{name} must be a DeepNet; got {type(net).__name__}")
        now = _parameter_ids(net)
        if now != net._checked:
            for parameter, value in net.parameters.items():
                if type(value) is not np.ndarray or value.dtype.kind != "f":
                    raise ValueError(
                        f"net.{parameter} must be a numpy array of floats (assign np.asarray(..., dtype=float)); "
                        f"got {_given(value)}" + (f" of dtype {value.dtype}" if type(value) is np.ndarray else "")
                    )
            W = _Weights().check("net.W", net.W, {})
            _Biases().check("net.b", net.b, {"weights": W})
            net._checked = now
        return net

    def arrays(self, name, net):
        return net.parameters

    def refused(self, name, arguments):
        net = arguments[name]
        yield object()
        broken = DeepNet([w.copy() for w in net.W.values()], activation=net.activation)
        broken.W[1] = broken.W[1].astype(int)
        yield broken
        broken = DeepNet([w.copy() for w in net.W.values()], activation=net.activation)
        broken.W[len(broken.W)] = broken.W[len(broken.W)][:1]
        yield broken


def _parameter_ids(net) -> tuple:
    return tuple(map(id, net.W.values())), None if net.b is None else tuple(map(id, net.b.values())), len(net.W)


class _Inputs(Array):
    """Columns of inputs: one row per column of W1."""

    def __str__(self) -> str:
        return "columns of inputs, one row per column of W1"

    def check(self, name, value, arguments):
        W1 = arguments["self"].W[1]
        x = as_float_array(name, value, self.ndims)
        check_rows(name, x, W1.shape[1], f"one per column of W1, which has shape {W1.shape}")
        return x

    def refused(self, name, arguments):
        yield from super().refused(name, arguments)
        x = arguments[name]
        yield np.ones((x.shape[0] + 1, *x.shape[1:]))


def _shapes(net: DeepNet, n: int) -> dict[str, dict[int, tuple] | None]:
    """The shape of every node a pass of `n` columns writes, by field of `DeepTrace` and layer."""
    rows = {layer: W.shape[0] for layer, W in net.W.items()}
    M = net.depth
    return {
        "z": {layer: (rows[layer], n) for layer in rows},
        "a": {layer: (rows[layer], n) for layer in rows if layer < M},
        "y_hat": {M: (rows[M], n)},
        "dz": {layer: (rows[layer], n) for layer in rows},
        "da": {layer: (rows[layer], n) for layer in rows if layer < M},
        "dW": {layer: W.shape for layer, W in net.W.items()},
        "db": None if net.b is None else {layer: (rows[layer],) for layer in rows},
    }


class _Buffers(Constraint):
    """A trace of writable arrays for `trace` to write into: `DeepNet.buffers` for as many columns as `x` has."""

    def __str__(self) -> str:
        return "a DeepTrace from net.buffers(N), for the N columns of x"

    def check(self, name, buffers, arguments):
        net, x = arguments["self"], arguments["x"]
        fits = isinstance(buffers, DeepTrace) and x.ndim == 2
        dtype = np.result_type(x, *net.parameters.values())
        if fits:  # the arrays checked at the last call, unchanged: a training loop's every step after its first
            seen = (net._checked, x.shape, dtype, _layout(buffers))
            if buffers.checked == seen:
                return buffers
        for field, shapes in _shapes(net, x.shape[-1]).items() if fits else ():
            arrays = getattr(buffers, field) if field != "y_hat" else {net.depth: buffers.y_hat}
            if shapes is None or arrays is None:
                fits &= shapes is None and arrays is None
                continue
            fits &= isinstance(arrays, dict) and arrays.keys() == shapes.keys()
            fits = fits and all(
                type(arrays[layer]) is np.ndarray
                and arrays[layer].shape == shape
                and arrays[layer].dtype == dtype
                and arrays[layer].flags.writeable
                for layer, shape in shapes.items()
            )
        if not fits:
            raise ValueError(f"{name} must be {self}; got {type(buffers).__name__}")
        buffers.checked = seen
        return buffers

    def refused(self, name, arguments):
        net, x = arguments["self"], arguments["x"]
        other = net.buffers(x.shape[-1])
        other.z[1] = np.zeros_like(other.z[1], np.float32 if other.z[1].dtype != np.float32 else np.float64)
        yield from (object(), net.buffers(x.shape[-1] + 1), other)


def _layout(buffers: DeepTrace) -> tuple:
    """Each array of `buffers`: which one it is, its shape, dtype and writeability (any may change between calls)."""
    arrays = [buffers.y_hat]
    for field in (buffers.z, buffers.a, buffers.dz, buffers.da, buffers.dW, buffers.db or {}):
        arrays += field.values() if isinstance(field, dict) else [field]
    return tuple(
        (id(a), a.shape, a.dtype, a.flags.writeable) if type(a) is np.ndarray else (id(a), None) for a in arrays
    )


def _ends(trace: DeepTrace, arguments=None) -> dict:
    """The loss and the gradients: every nan or inf of a pass, given or made, reaches one of them."""
    ends = {"L": trace.L}
    for layer in trace.dW:
        ends[f"dW{layer}"] = trace.dW[layer]
        if trace.db is not None:
            ends[f"db{layer}"] = trace.db[layer]
    return ends


def _nodes(trace: DeepTrace, arguments=None) -> dict:
    """Every array of a pass by name, in the order computed: the first that is not finite is the one named."""
    nodes = {"x": trace.x}
    for layer in trace.z:
        nodes[f"z{layer}"] = trace.z[layer]
        if layer in trace.a:
            nodes[f"a{layer}"] = trace.a[layer]
    nodes |= {"y_hat": trace.y_hat, "L": trace.L}
    for layer in sorted(trace.dz, reverse=True):
        nodes |= {f"dz{layer}": trace.dz[layer], f"dW{layer}": trace.dW[layer]}
        if trace.db is not None:
            nodes[f"db{layer}"] = trace.db[layer]
    return nodes


A_NETWORK, INPUTS, TARGETS = _DeepNetwork(), _Inputs(), NETWORK_TARGETS  # targets as the two-layer network's


class DeepNet:
    r"""M layers: $x \to W^{(1)} \to f \to W^{(2)} \to f \to \cdots \to W^{(M)} \to \text{softmax} \to \text{CE}$.

    Parameters
    ----------
    weights : list of array_like
        $W^{(1)}, \dots, W^{(M)}$: each of shape (rows, columns), with one column per row of the one before;
        the last has one row per class (at least 2).
    biases : list of array_like, optional
        $b^{(1)}, \dots, b^{(M)}$, one entry per row of their layer's weights. Without them every layer is
        $z^{(l)} = W^{(l)} a^{(l-1)}$.
    activation : {"relu", "sigmoid", "tanh"}, default "relu"
        The activation f of every layer but the last.

    Notes
    -----
    The parameters are kept as dictionaries by layer number, ``net.W[l]`` and ``net.b[l]`` (None without
    biases), and read at every call, so they may be updated in place between calls. A network of two layers
    with ReLU is `TwoLayerNet`'s, and gives its losses and gradients.

    Examples
    --------
    >>> net = DeepNet([[[1.0, 0.0], [0.0, 1.0]], [[1.0, -1.0], [-1.0, 1.0]]])
    >>> net
    DeepNet(sizes=[2, 2, 2], activation='relu', biases=False, dtype=float64)
    >>> net.forward([2.0, 1.0]).round(4)
    array([0.8808, 0.1192])
    >>> net.backward([2.0, 1.0], 0)["W2"].round(4)
    array([[-0.2384, -0.1192],
           [ 0.2384,  0.1192]])
    """

    @checked(weights=_Weights(), biases=_Biases(), activation=_OneOf(ACTIVATIONS))
    def __init__(self, weights, biases=None, activation: str = "relu") -> None:
        self.W, self.b, self.activation = weights, biases, activation
        self._checked = _parameter_ids(self)  # a door checks them again only when one was replaced

    @classmethod
    @checked(sizes=_Sizes(), activation=_OneOf(ACTIVATIONS), init=_OneOf(INITIALISATIONS), seed=Seed(),
             dtype=FloatType(), biases=Boolean())  # fmt: skip
    def initialize(
        cls, sizes, activation: str = "relu", init: str = "he", seed: int = 0, dtype=np.float64, biases: bool = True
    ) -> DeepNet:
        r"""A network with random weights, $W^{(l)} \sim \mathcal{N}(0, s^2)$, $s$ by `init`, and zero biases.

        Layer by layer, from the same generator, as `TwoLayerNet.initialize` draws them: with ``init="he"`` a
        network of sizes ``[d, h, k]`` has its weights bit for bit.

        Parameters
        ----------
        sizes : list of int
            The widths $[d, h_1, \dots, h_{M-1}, k]$: the inputs, each hidden layer's units, the classes.
        activation : {"relu", "sigmoid", "tanh"}, default "relu"
            The activation of every layer but the last.
        init : {"naive", "xavier", "he"}, default "he"
            The weights' standard deviation: 0.01, $\sqrt{2/(\text{fan-in} + \text{fan-out})}$ or
            $\sqrt{2/\text{fan-in}}$ (`INITIALISATIONS`).
        seed : int, default 0
            Seeds numpy's generator.
        dtype : numpy floating type, default numpy.float64
            The parameters' dtype.
        biases : bool, default True
            Give every layer a bias, initialised to zero.

        Examples
        --------
        >>> net = DeepNet.initialize([64, 32, 32, 10], activation="tanh", init="xavier")
        >>> net.depth, net.W[1].shape, net.b[3].shape
        (3, (32, 64), (10,))
        """
        rng = np.random.default_rng(seed)
        widths = enumerate(zip(sizes[:-1], sizes[1:], strict=True), 1)
        W = {l: rng.normal(0.0, INITIALISATIONS[init](n, m), size=(m, n)).astype(dtype) for l, (n, m) in widths}  # noqa: E741
        b = {layer: np.zeros(len(W[layer]), dtype) for layer in W} if biases else None
        return cls(W, b, activation)  # dictionaries by layer, as the constructor's door makes of lists

    @property
    def depth(self) -> int:
        """M, the number of layers (of weights)."""
        return len(self.W)

    @property
    def sizes(self) -> list[int]:
        """The widths $[d, h_1, \\dots, k]$: the inputs, then each layer's rows."""
        return [self.W[1].shape[1], *(self.W[layer].shape[0] for layer in self.W)]

    def __repr__(self) -> str:
        return (
            f"DeepNet(sizes={self.sizes}, activation={self.activation!r}, biases={self.b is not None}, "
            f"dtype={self.W[1].dtype})"
        )

    @property
    def parameters(self) -> dict[str, np.ndarray]:
        """The parameters by name, layer by layer: ``W1``, (``b1``), ``W2``, (``b2``), …"""
        return _named(self.W, self.b)

    @checked(self=A_NETWORK, x=INPUTS, result=Finite("z"))
    def logits(self, x) -> np.ndarray:
        """Return the last layer's $z^{(M)}$, shape (k,) or (k, N).

        Parameters
        ----------
        x : array_like, shape (d,) or (d, N)
            An input column, or a batch of N columns.
        """
        f = ACTIVATIONS[self.activation][0]
        a = x
        for layer in range(1, self.depth):
            a = f(linear(self.W[layer], a, None if self.b is None else self.b[layer]))
        return linear(self.W[self.depth], a, None if self.b is None else self.b[self.depth])

    @checked(self=A_NETWORK, x=INPUTS, result=Finite("y_hat"))
    def forward(self, x) -> np.ndarray:
        r"""Return the class probabilities $\hat y = \text{softmax}(z^{(M)})$, shape (k,) or (k, N).

        Parameters
        ----------
        x : array_like, shape (d,) or (d, N)
            An input column, or a batch of N columns.
        """
        return softmax(self.logits(x))

    @checked(self=A_NETWORK, x=INPUTS)
    def predict(self, x) -> np.ndarray:
        """Return the most probable class of each column of `x`: an int, or shape (N,).

        Parameters
        ----------
        x : array_like, shape (d,) or (d, N)
            An input column, or a batch of N columns.
        """
        return np.argmax(self.logits(x), axis=0)[()]

    @checked(self=A_NETWORK, x=INPUTS, y=TARGETS, result=Finite("L"))
    def loss(self, x, y) -> np.floating:
        r"""Return $L = \text{CE}(y, \hat y)$, averaged over the columns of a batch, computed from the logits.

        Parameters
        ----------
        x : array_like, shape (d,) or (d, N)
            An input column, or a batch of N columns.
        y : array_like
            One-hot targets, ``(k,)`` or ``(k, N)``, or integer labels, ``()`` or ``(N,)``.
        """
        return cross_entropy_from_logits(y, self.logits(x))

    def backward(self, x, y) -> dict[str, np.ndarray]:
        """Return the gradient of `loss(x, y)` for every parameter: ``{"W1": dW1, …}`` (and ``b1``, …).

        Parameters
        ----------
        x : array_like, shape (d,) or (d, N)
            An input column, or a batch of N columns.
        y : array_like
            One-hot targets, ``(k,)`` or ``(k, N)``, or integer labels, ``()`` or ``(N,)``.
        """
        return self.trace(x, y).gradients

    @checked(
        self=A_NETWORK,
        x=INPUTS,
        y=TARGETS,
        buffers=Optional(_Buffers()),
        result=Finite(_ends, order=_nodes, rerun=True),  # a row whose partial sum overflowed, computed again
    )
    def trace(self, x, y, *, buffers: DeepTrace | None = None) -> DeepTrace:
        r"""Run the forward pass on `x` and backpropagate the loss against `y`, keeping every node.

        The two-layer network's rows, in a loop over the layers: forward from layer 1 up, backward from layer M
        down, $\delta^{(l-1)} = ({W^{(l)}}^T \delta^{(l)}) \odot f'(z^{(l-1)})$ the step from one layer to the
        one below.

        Parameters
        ----------
        x : array_like, shape (d,) or (d, N)
            An input column, or a batch of N columns.
        y : array_like
            One-hot targets, ``(k,)`` or ``(k, N)``, or integer labels, ``()`` or ``(N,)``.
        buffers : DeepTrace, optional
            Arrays to write the nodes into, from `DeepNet.buffers`: a training loop's, the same rows without a
            fresh array per node and step.
        """
        W, b, M = self.W, self.b, self.depth
        f, grad_f = ACTIVATIONS[self.activation]
        into = buffers or _FRESH
        # Forward
        a, z = {0: x}, {}
        for l in range(1, M + 1):  # noqa: E741 - the notes' layer index
            z[l] = linear(W[l], a[l - 1], None if b is None else b[l], out=into.z.get(l))  # z(l) = W(l) a(l-1) + b(l)
            if l < M:
                a[l] = f(z[l], out=into.a.get(l))  # a(l) = f(z(l)); the last layer's z are the logits
        y_hat = softmax(z[M], out=into.y_hat)
        L = cross_entropy_from_logits(y, z[M])  # from the logits: finite where log y_hat is log 0
        # Backward
        dL = grad_loss(L)
        dz, da, dW, db = {M: grad_logits(y_hat, y, dL, out=into.dz.get(M))}, {}, {}, None if b is None else {}
        for l in range(M, 0, -1):  # noqa: E741
            dW[l] = grad_weights(dz[l], a[l - 1], out=into.dW.get(l))  # dL/dW(l) = delta(l) a(l-1)^T
            if b is not None:
                db[l] = grad_bias(dz[l], out=(into.db or {}).get(l))  # dL/db(l) = the sum of delta(l)'s columns
            if l > 1:
                da[l - 1] = grad_input(W[l], dz[l], out=into.da.get(l - 1))  # dL/da(l-1) = W(l)^T delta(l)
                dz[l - 1] = grad_f(da[l - 1], z[l - 1], a[l - 1], out=into.dz.get(l - 1))  # delta(l-1)
        return DeepTrace(x, z, a, y_hat, y, L, dL, dz, da, dW, db)

    @checked(self=A_NETWORK, columns=Integer(1), dtype=Optional(FloatType()))
    def buffers(self, columns: int, dtype=None) -> DeepTrace:
        """Arrays for `trace` to write a batch of `columns` examples into: a training loop allocates them once.

        Parameters
        ----------
        columns : int
            The number of examples in a batch.
        dtype : numpy floating type, optional
            The dtype of the inputs `x`; by default the parameters'.
        """
        dtype = np.result_type(*self.parameters.values(), *([] if dtype is None else [dtype]))
        arrays = {
            field: None if shapes is None else {layer: np.empty(shape, dtype) for layer, shape in shapes.items()}
            for field, shapes in _shapes(self, columns).items()
        }
        y_hat = arrays.pop("y_hat")[self.depth]
        return DeepTrace(None, arrays["z"], arrays["a"], y_hat, None, None, None, arrays["dz"], arrays["da"],
                         arrays["dW"], arrays["db"])  # fmt: skip


_FRESH = DeepTrace(None, {}, {}, None, None, None, None, {}, {}, {}, None)
"""No buffers: every row makes a fresh array."""
