r"""The two-layer network FC → ReLU → FC → softmax → cross-entropy, one library function per row of the notes' tables.

Read [`TwoLayerNet.trace`][litbackprop.network.TwoLayerNet.trace] top to
bottom: the forward table, rows (1) to (5), then the backward table, rows (5)
to (1), each bias gradient beside the row of its layer.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from litbackprop._checks import (
    Array,
    BiasOf,
    Boolean,
    Constraint,
    Finite,
    FloatType,
    Integer,
    Optional,
    Seed,
    as_float_array,
    check_array_size,
    check_labels,
    check_one_hot,
    check_rows,
    checked,
    finite_result,
    nodes,
)
from litbackprop.activations import grad_relu, relu, softmax
from litbackprop.autodiff import Value
from litbackprop.fully_connected import grad_bias, grad_input, grad_weights, linear
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


# The network's constraints, declared at the doors below.


class _SecondLayer(Array):
    """`W2` of shape (k, h): k >= 2 classes, one column per hidden unit (row of `W1`)."""

    ndims: tuple[int, ...] = (2,)

    def __str__(self) -> str:
        return "second-layer weights: at least 2 rows, one column per row of W1"

    def check(self, name, value, arguments):
        W2, W1 = as_float_array(name, value, (2,)), arguments["W1"]
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

    def refused(self, name, arguments):
        yield from super().refused(name, arguments)
        W2 = arguments[name]
        yield from (np.ones((1, W2.shape[1])), np.ones((W2.shape[0], W2.shape[1] + 1)))


class _Network(Constraint):
    """A `TwoLayerNet` whose parameters, which are public attributes and may have been replaced since the last
    call, are numpy arrays that pass the constraints its constructor declares. Those are checked again only for
    parameters that were replaced: an array updated in place keeps its shape, and its finiteness is the door's."""

    finite = True

    def __str__(self) -> str:
        return "a TwoLayerNet"

    def check(self, name, net, arguments):
        if not isinstance(net, TwoLayerNet):
            raise ValueError(f"{name} must be a TwoLayerNet; got {type(net).__name__}")
        parameters = (net.W1, net.W2, net.b1, net.b2)
        if any(now is not then for now, then in zip(parameters, net._checked, strict=True)):
            for parameter, value in net.parameters.items():
                if type(value) is not np.ndarray or value.dtype.kind != "f":
                    given = f"dtype {value.dtype}" if type(value) is np.ndarray else type(value).__name__
                    raise ValueError(
                        f"{'net' if name == 'self' else name}.{parameter} must be a numpy array of floats "
                        f"(assign np.asarray(..., dtype=float)); got {given}"
                    )
            checked_so_far = {}
            for parameter, constraint in TwoLayerNet.__init__.constraints.items():
                value = getattr(net, parameter)
                checked_so_far[parameter] = constraint.check(parameter, value, checked_so_far)
            net._checked = parameters
        return net

    def arrays(self, name, net):
        return net.parameters

    def refused(self, name, arguments):
        net = arguments[name]
        yield object()
        for parameter, bad in (
            ("W1", net.W1.tolist()),
            ("W1", net.W1.astype(int)),
            ("W2", net.W2[:1]),
            ("W1", np.full_like(net.W1, np.nan)),
        ):
            broken = TwoLayerNet(net.W1.copy(), net.W2.copy(), net.b1, net.b2)
            setattr(broken, parameter, bad)
            yield broken


def _parameters(arguments) -> dict[str, np.ndarray]:
    """The network's parameters by name: those of `self` or `net`, or the engine's values' arrays."""
    net = arguments.get("self") or arguments.get("net")
    if net is not None:
        return net.parameters
    return {name: arguments[name].data for name in ("W1", "b1", "W2", "b2") if arguments.get(name) is not None}


def _parameter(arguments, name: str) -> np.ndarray:
    """One parameter of the network the arguments describe, as `_parameters` finds it."""
    net = arguments.get("self") or arguments.get("net")
    return getattr(net, name) if net is not None else arguments[name].data


class _NetworkInputs(Array):
    """Columns of inputs for the network: one row per column of its `W1`."""

    def __str__(self) -> str:
        return "columns of inputs, one row per column of W1"

    def check(self, name, value, arguments):
        W1 = _parameter(arguments, "W1")
        x = as_float_array(name, value, self.ndims)
        check_rows(name, x, W1.shape[1], f"one per column of W1, which has shape {W1.shape}")
        return x

    def refused(self, name, arguments):
        yield from super().refused(name, arguments)
        x = arguments[name]
        yield np.ones((x.shape[0] + 1, *x.shape[1:]))


class _NetworkTargets(Constraint):
    """Targets for the network: one-hot, ``(k,)`` or ``(k, N)``, or integer labels, ``()`` or ``(N,)``.

    Returned one-hot, in the network's dtype.
    """

    def __str__(self) -> str:
        return "one-hot columns, or integer class labels, one per column of x"

    def check(self, name, y, arguments):
        parameters, x = _parameters(arguments), arguments["x"]
        last, W_last = _last_layer(parameters)
        k = W_last.shape[0]
        expected = (k, *x.shape[1:])
        same = type(y) is np.ndarray and y.shape == expected and y.dtype == x.dtype
        if same and all(theta.dtype == x.dtype for theta in parameters.values()):
            return check_one_hot(name, y)  # one-hot columns in the network's dtype already: nothing to convert
        y = np.asarray(y)
        if y.shape == x.shape[1:] and y.shape != expected:  # one label per example
            y = one_hot(check_labels(name, y, k, x.shape[1:]), k)
        if y.shape != expected:
            raise ValueError(
                f"{name} must have shape {expected}: one row per class (rows of {last}, which has shape "
                f"{W_last.shape}) and one column per example of x, which has shape {x.shape}; "
                f"or integer labels of shape {x.shape[1:]}; got shape {y.shape}"
            )
        dtype = np.result_type(x, *parameters.values())
        return check_one_hot(name, as_float_array(name, y)).astype(dtype, copy=False)

    def refused(self, name, arguments):
        k, x = _last_layer(_parameters(arguments))[1].shape[0], arguments["x"]
        yield from (np.full(x.shape[1:], k), np.zeros((k, *x.shape[1:])), np.ones((k + 1, *x.shape[1:])), "text")


def _last_layer(parameters: dict) -> tuple[str, np.ndarray]:
    """The last layer's weights, one row per class, and their name: ``W2``, or a deeper network's last."""
    name = [parameter for parameter in parameters if parameter.startswith("W")][-1]
    return name, parameters[name]


class _NetworkLabels(Constraint):
    """Integer class labels for the network, one per column of `x`."""

    def __str__(self) -> str:
        return "integer class labels, one per column of x"

    def check(self, name, labels, arguments):
        return check_labels(name, labels, _parameter(arguments, "W2").shape[0], arguments["x"].shape[1:])

    def refused(self, name, arguments):
        k, x = _parameter(arguments, "W2").shape[0], arguments["x"]
        yield from (np.full(x.shape[1:], k), np.full(x.shape[1:], -1), np.zeros(x.shape[1:]), np.zeros((1, 1), int))


A_NETWORK, NETWORK_INPUTS = _Network(), _NetworkInputs()
NETWORK_TARGETS, NETWORK_LABELS = _NetworkTargets(), _NetworkLabels()


class _WeightsFit(FloatType):
    """A floating type in which W1 (h × d) and W2 (k × h) are arrays numpy can make."""

    def check(self, name, value, arguments):
        dtype = super().check(name, value, arguments)
        d, h, k = arguments["d"], arguments["h"], arguments["k"]
        largest = max(("h", h), ("d", d), ("k", k), key=lambda named: named[1])  # the size that cannot fit
        check_array_size(*largest, h * max(d, k), dtype.itemsize, f"W1 ({h} × {d}) and W2 ({k} × {h})")
        return dtype


def _most_probable(net: TwoLayerNet, x: np.ndarray) -> np.ndarray:
    """The class of largest logit for each column of `x`, inside a door: logits that overflowed are refused, as
    `TwoLayerNet.logits` refuses them, not ranked (the argmax of a nan is whichever entry comes first)."""
    return np.argmax(finite_result(net.logits(x), "z2", {"x": x, **net.parameters}), axis=0)


def _node_shapes(net: TwoLayerNet, n: int) -> dict:
    """The shape of each node of a pass over `n` columns that a row can write into a buffer; None for the others."""
    (h, d), k = net.W1.shape, net.W2.shape[0]
    shapes = dict.fromkeys(Trace.__slots__)
    shapes.update(z1=(h, n), a1=(h, n), z2=(k, n), y_hat=(k, n), dz2=(k, n), dW2=(k, h), da1=(h, n), dz1=(h, n))
    shapes.update(dW1=(h, d), db2=(k,) if net.b2 is not None else None, db1=(h,) if net.b1 is not None else None)
    return shapes


class _Buffers(Constraint):
    """A trace of writable arrays for `trace` to write into: `TwoLayerNet.buffers` for as many columns as `x` has."""

    def __str__(self) -> str:
        return "a Trace from net.buffers(N), for the N columns of x"

    def check(self, name, buffers, arguments):
        net, x = arguments["self"], arguments["x"]
        n = x.shape[1] if x.ndim == 2 else None
        dtype = np.result_type(x, *net.parameters.values())
        fits = isinstance(buffers, Trace) and n is not None
        for node, shape in _node_shapes(net, n or 1).items() if fits else ():
            array = getattr(buffers, node)
            fits &= (
                array is None
                if shape is None
                else (
                    type(array) is np.ndarray
                    and array.shape == shape
                    and array.dtype == dtype
                    and array.flags.writeable
                )
            )
        if not fits:
            raise ValueError(f"{name} must be {self}; got {type(buffers).__name__}")
        return buffers

    def refused(self, name, arguments):
        net, x = arguments["self"], arguments["x"]
        other_dtype = net.buffers(x.shape[-1])
        other_dtype.z1 = np.zeros_like(other_dtype.z1, np.float32 if other_dtype.z1.dtype != np.float32 else np.float64)
        yield from (object(), net.buffers(x.shape[-1] + 1), other_dtype)


_BUFFERS = _Buffers()


def _ends(trace: Trace, arguments) -> dict:
    """The loss and the gradients: every nan or inf of a pass, given or made, reaches one of them."""
    return {"L": trace.L, "dW2": trace.dW2, "db2": trace.db2, "dW1": trace.dW1, "db1": trace.db1}


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

    @checked(W1=Array((2,)), W2=_SecondLayer(), b1=Optional(BiasOf(W="W1")), b2=Optional(BiasOf(W="W2")))
    def __init__(self, W1, W2, b1=None, b2=None) -> None:
        self.W1, self.W2, self.b1, self.b2 = W1, W2, b1, b2
        self._checked = (W1, W2, b1, b2)  # the parameters as checked: a door checks again only what was replaced

    @classmethod
    @checked(
        d=Integer(1),
        h=Integer(1),
        k=Integer(1),
        seed=Seed(),
        dtype=_WeightsFit(),
        biases=Boolean(),
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

    @checked(self=A_NETWORK, x=NETWORK_INPUTS, result=Finite("y_hat"))
    def forward(self, x) -> np.ndarray:
        r"""Return the class probabilities $\hat y = \text{softmax}(z^{(2)})$, shape (k,) or (k, N).

        Parameters
        ----------
        x : array_like, shape (d,) or (d, N)
            An input column, or a batch of N columns.
        """
        return softmax(self.logits(x))

    @checked(self=A_NETWORK, x=NETWORK_INPUTS)
    def predict(self, x) -> np.ndarray:
        """Return the most probable class of each column of `x`: an int, or shape (N,).

        Parameters
        ----------
        x : array_like, shape (d,) or (d, N)
            An input column, or a batch of N columns.
        """
        return _most_probable(self, x)[()]

    @checked(self=A_NETWORK, x=NETWORK_INPUTS, result=Finite("z2"))
    def logits(self, x) -> np.ndarray:
        r"""Return $z^{(2)} = W^{(2)} \max(0, W^{(1)} x + b^{(1)}) + b^{(2)}$, rows (1)–(3) of the forward table.

        Parameters
        ----------
        x : array_like, shape (d,) or (d, N)
            An input column, or a batch of N columns.
        """
        return linear(self.W2, relu(linear(self.W1, x, self.b1)), self.b2)

    @checked(self=A_NETWORK, x=NETWORK_INPUTS, y=NETWORK_TARGETS, result=Finite("L"))
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
        return cross_entropy_from_logits(y, self.logits(x))

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

    @checked(
        self=A_NETWORK,
        x=NETWORK_INPUTS,
        y=NETWORK_TARGETS,
        buffers=Optional(_BUFFERS),
        result=Finite(_ends, order=nodes, rerun=True),  # a backward row whose partial sum overflowed, computed again
    )
    def trace(self, x, y, *, buffers: Trace | None = None) -> Trace:
        """Run the forward pass on `x` and backpropagate the loss against `y`, keeping every node.

        `y` is one-hot, ``(k,)`` or ``(k, N)``, or integer labels, ``()`` or ``(N,)``.

        The arguments are checked once, at the door declared above, and the rows
        are called inside it, so their own doors are skipped. Then the loss and the
        gradients are checked finite: every nan or inf, given or made, reaches one
        of them. Only when one is not are the arguments looked through, to name
        the one that held it, or else every node in the order computed, to name
        the first that overflowed.

        A training loop passes `buffers`, a trace of arrays it owns, and every
        row writes its node into its buffer: the same rows, without a fresh
        array per node and step.

        Parameters
        ----------
        x : array_like, shape (d,) or (d, N)
            An input column, or a batch of N columns.
        y : array_like
            One-hot targets, ``(k,)`` or ``(k, N)``, or integer labels, ``()`` or ``(N,)``.
        buffers : Trace, optional
            Arrays to write the nodes into, from `TwoLayerNet.buffers`.
        """
        W1, b1, W2, b2 = self.W1, self.b1, self.W2, self.b2
        into = buffers or _FRESH
        # Forward
        z1 = linear(W1, x, b1, out=into.z1)  # (1) z1 = W1 x + b1
        a1 = relu(z1, out=into.a1)  # (2) a1 = max(0, z1)
        z2 = linear(W2, a1, b2, out=into.z2)  # (3) z2 = W2 a1 + b2
        y_hat = softmax(z2, out=into.y_hat)  # (4) y_hat = softmax(z2)
        L = cross_entropy_from_logits(y, z2)  # (5) L = CE(y, y_hat), from z2: finite where log y_hat is log 0
        # Backward
        dL = grad_loss(L)  # (5) dL/dL = 1
        dz2 = grad_logits(y_hat, y, dL, out=into.dz2)  # (4) dL/dz2 = (y_hat - y) / N
        dW2 = grad_weights(dz2, a1, out=into.dW2)  # (3a) dL/dW2 = dz2 a1^T
        db2 = None if b2 is None else grad_bias(dz2, out=into.db2)  # dL/db2 = sum of the columns of dz2
        da1 = grad_input(W2, dz2, out=into.da1)  # (3b) dL/da1 = W2^T dz2
        dz1 = grad_relu(da1, z1, out=into.dz1)  # (2) dL/dz1 = da1 ⊙ I(z1 > 0)
        dW1 = grad_weights(dz1, x, out=into.dW1)  # (1) dL/dW1 = dz1 x^T
        db1 = None if b1 is None else grad_bias(dz1, out=into.db1)  # dL/db1 = sum of the columns of dz1
        return Trace(x, z1, a1, z2, y_hat, y, L, dL, dz2, dW2, db2, da1, dz1, dW1, db1)

    @checked(self=A_NETWORK, columns=Integer(1), dtype=Optional(FloatType()))
    def buffers(self, columns: int, dtype=None) -> Trace:
        """Arrays for `trace` to write a batch of `columns` examples into: a training loop allocates them once.

        Parameters
        ----------
        columns : int
            The number of examples in a batch.
        dtype : numpy floating type, optional
            The dtype of the inputs `x`; by default the parameters'. The nodes are in the dtype numpy gives
            `x` and the parameters together.
        """
        shapes = _node_shapes(self, columns)
        dtype = np.result_type(*self.parameters.values(), *([] if dtype is None else [dtype]))
        return Trace(**{name: None if shape is None else np.empty(shape, dtype) for name, shape in shapes.items()})

    def check_parameters(self) -> None:
        """Raise ``ValueError`` unless the parameters are finite and their shapes fit together."""
        _check_network(self)


@checked(net=A_NETWORK)
def _check_network(net: TwoLayerNet) -> None:
    """Nothing: the door checks `net`."""


_FRESH = Trace(*[None] * len(Trace.__slots__))
"""No buffers: every row returns a fresh array."""


# The bridge to the autodiff engine, which knows nothing of networks: the loss as engine operations.


class _EngineValue(Constraint):
    """A parameter for the engine: a `Value` whose array passes `inner`, as the network's constructor declares it."""

    def __init__(self, inner: Constraint) -> None:
        self.inner = inner

    def __str__(self) -> str:
        return f"a litbackprop.autodiff.Value holding {self.inner}"

    def check(self, name, value, arguments):
        if not isinstance(value, Value):
            raise ValueError(f"{name} must be a litbackprop.autodiff.Value; got {type(value).__name__}")
        arrays = {n: getattr(v, "data", v) for n, v in arguments.items()}
        self.inner.check(name, value.data, arrays)
        return value

    def arrays(self, name, value):
        return {name: value.data}

    @property
    def finite(self) -> bool:
        return True

    def refused(self, name, arguments):
        yield arguments[name].data
        arrays = {n: getattr(v, "data", v) for n, v in arguments.items()}
        for bad in self.inner.refused(name, arrays):
            try:
                yield Value(bad)
            except ValueError:  # the engine itself refuses it: a value never holds it
                continue


_ENGINE_BIAS = {layer: Optional(_EngineValue(BiasOf(W=f"W{layer}"))) for layer in (1, 2)}


@checked(
    W1=_EngineValue(TwoLayerNet.__init__.constraints["W1"]),
    W2=_EngineValue(TwoLayerNet.__init__.constraints["W2"]),
    b1=_ENGINE_BIAS[1],
    b2=_ENGINE_BIAS[2],
    x=NETWORK_INPUTS,
    y=NETWORK_TARGETS,
)
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


@checked(net=A_NETWORK, x=NETWORK_INPUTS, y=NETWORK_TARGETS)
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
    two_layer_loss(values["W1"], values["W2"], x, y, values.get("b1"), values.get("b2")).backward()
    return {name: value.grad for name, value in values.items()}
