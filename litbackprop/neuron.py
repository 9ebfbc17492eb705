r"""A single sigmoid neuron, $a = \sigma(w^T x)$, and its gradient $\partial a / \partial w$.

The same interface as [`TwoLayerNet`][litbackprop.network.TwoLayerNet]:
`forward`, `predict`, `trace`, `backward`, `loss`, `parameters`. The notes'
neuron has no loss function: the number it differentiates is its output
$a$, so here $a$ plays the part of the loss (summed over a batch).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from litbackprop._checks import (
    Array,
    Constraint,
    Finite,
    as_float_array,
    check_rows,
    checked,
    finite_result,
    nodes,
    working_dtype,
)
from litbackprop.activations import sigmoid, sigmoid_derivative
from litbackprop.fully_connected import grad_weights, linear


@dataclass(slots=True)
class NeuronTrace:
    r"""Every node of the neuron's forward and backward pass: ``x``, ``z``, ``a``, then ``da``, ``dz``, ``dw``.

    ``da`` $= \partial a/\partial a = 1$, ``dz`` $= \partial a/\partial z$, ``dw`` $= \partial a/\partial w$.
    """

    x: np.ndarray
    z: np.ndarray
    a: np.ndarray
    da: np.ndarray
    dz: np.ndarray
    dw: np.ndarray

    @property
    def gradients(self) -> dict[str, np.ndarray]:
        """``{"w": dw}``."""
        return {"w": self.dw}


class _Neuron(Constraint):
    """The neuron, whose weights, a public attribute that may have been replaced, are a 1-d floating array."""

    finite = True

    def __str__(self) -> str:
        return "a Neuron"

    def check(self, name, neuron, arguments):
        if not isinstance(neuron, Neuron):
            raise ValueError(f"{name} must be a Neuron; got {type(neuron).__name__}")
        w = neuron.w
        if w is not neuron._checked:  # replaced since the last call: the rows will read it as it is
            if type(w) is not np.ndarray or w.dtype.kind != "f":
                given = f"dtype {w.dtype}" if type(w) is np.ndarray else type(w).__name__
                raise ValueError(
                    f"w must be a numpy array of floats (assign np.asarray(..., dtype=float)); got {given}"
                )
            neuron._checked = Neuron.__init__.constraints["w"].check("w", w, arguments)
        return neuron

    def arrays(self, name, neuron):
        return {"w": neuron.w}

    def refused(self, name, arguments):
        for bad in ([2.0, -3.0, 1.0], np.array([2, -3, 1]), np.ones((1, 3)), np.array([np.nan, 1.0, 1.0])):
            broken = Neuron(np.ones(3))
            broken.w = bad
            yield broken


class _Inputs(Array):
    """Inputs for the neuron: one row per weight."""

    def __str__(self) -> str:
        return "columns of inputs, one row per weight"

    def check(self, name, x, arguments):
        x, w = as_float_array(name, x, self.ndims), arguments["self"].w
        check_rows(name, x, w.shape[0], f"one per weight in w, which has shape {w.shape}")
        return x

    def refused(self, name, arguments):
        yield from super().refused(name, arguments)
        yield np.ones(arguments[name].shape[0] + 1)


NEURON, INPUTS = _Neuron(), _Inputs()


class Neuron:
    r"""One neuron with weights $w$ and a sigmoid: $z = w^T x$, $a = \sigma(z)$.

    A bias is folded into $w$ by giving $x$ a constant last entry of 1, as in the notes.

    Parameters
    ----------
    w : array_like, shape (d,)
        The weights.

    Examples
    --------
    >>> neuron = Neuron([2.0, -3.0, 1.0])
    >>> neuron
    Neuron(d=3, dtype=float64)
    >>> round(float(neuron.forward([-1.0, -2.0, 1.0])), 3)
    0.993
    >>> neuron.backward([-1.0, -2.0, 1.0])["w"].round(4)
    array([-0.0066, -0.0133,  0.0066])
    """

    @checked(w=Array((1,)))
    def __init__(self, w) -> None:
        self.w = self._checked = w  # the weights as checked: a door checks them again only once replaced

    def __repr__(self) -> str:
        return f"Neuron(d={self.w.shape[0]}, dtype={self.w.dtype})"

    @property
    def parameters(self) -> dict[str, np.ndarray]:
        """``{"w": w}``."""
        return {"w": self.w}

    @checked(self=NEURON, x=INPUTS, result=Finite("a"))
    def forward(self, x) -> np.ndarray:
        r"""Return the activation $a = \sigma(w^T x)$: a scalar for one input, shape ``(N,)`` for N columns.

        Parameters
        ----------
        x : array_like, shape (d,) or (d, N)
            An input column, or a batch of N columns (one entry per weight).
        """
        return sigmoid(linear(self.w, x))

    @checked(self=NEURON, x=INPUTS)
    def predict(self, x) -> np.ndarray:
        r"""Return the class the neuron votes for, 1 where $a \ge 0.5$ (that is, $z \ge 0$), else 0.

        Parameters
        ----------
        x : array_like, shape (d,) or (d, N)
            An input column, or a batch of N columns (one entry per weight).
        """
        z = finite_result(linear(self.w, x), "z", {"x": x, "w": self.w})  # a nan is not a vote
        return (z >= 0).astype(int)

    @checked(self=NEURON, x=INPUTS, result=Finite("the sum of a"))
    def loss(self, x) -> np.floating:
        r"""The number the backward pass differentiates: $a$, or $\sum_n a_n$ for a batch.

        Parameters
        ----------
        x : array_like, shape (d,) or (d, N)
            An input column, or a batch of N columns (one entry per weight).
        """
        a = self.forward(x)
        return a.sum(dtype=working_dtype(a)).astype(a.dtype)

    def backward(self, x) -> dict[str, np.ndarray]:
        r"""Return ``{"w": ∂a/∂w}`` at `x`, $a(1 - a)\,x$ (summed over the columns of a batch).

        Parameters
        ----------
        x : array_like, shape (d,) or (d, N)
            An input column, or a batch of N columns (one entry per weight).
        """
        return self.trace(x).gradients

    @checked(self=NEURON, x=INPUTS, result=Finite(nodes, rerun=True))
    def trace(self, x) -> NeuronTrace:
        """Run the forward and backward pass at `x`, keeping every node.

        Parameters
        ----------
        x : array_like, shape (d,) or (d, N)
            An input column, or a batch of N columns (one entry per weight).
        """
        z = linear(self.w, x)  # z = w^T x
        a = sigmoid(z)  # a = sigma(z)
        da = np.ones_like(a)  # da/da = 1
        dz = da * sigmoid_derivative(a)  # da/dz = a (1 - a)
        return NeuronTrace(x, z, a, da, dz, grad_weights(dz, x))  # da/dw = x da/dz
