"""Exercises with feedback: derive a gradient yourself, and the checker says how close you are.

Like the ``cmp()`` of Karpathy's "backprop ninja" exercise: your array is
compared with the library's, and the answer is *exact*, *close* (within a
tolerance, with the largest relative difference), or *wrong*, with the largest
difference, where it is, and a hint.

Examples
--------
>>> import numpy as np
>>> from litbackprop.course.exercises import check
>>> print(check("neuron-da-dw", np.array([0.15, 0.075, 0.15])))  # doctest: +ELLIPSIS
neuron-da-dw: wrong
  the largest difference is ... that is ... relative: rounded too early?...
>>> print(check("neuron-da-dw", np.zeros(3)))  # doctest: +ELLIPSIS
neuron-da-dw: wrong
  the largest difference is ... at index 0 (yours 0, expected 0.149146). Hint: ...
"""

from __future__ import annotations

import functools
import textwrap
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from litbackprop._checks import ANY_NDIM, Array, Interval, checked
from litbackprop.activations import log_softmax
from litbackprop.autodiff import Value
from litbackprop.course import COLUMN
from litbackprop.course.examples import worked_example
from litbackprop.fully_connected import grad_input
from litbackprop.network import TwoLayerNet
from litbackprop.neuron import Neuron
from litbackprop.training import sgd_update


@dataclass(frozen=True)
class Verdict:
    """The checker's answer on the exercise ``name``: its ``verdict``, ``exact``, ``close`` or ``wrong``, and a
    ``message`` saying what it found."""

    name: str
    verdict: str
    message: str

    def __str__(self) -> str:
        line = f"{self.name}: {self.verdict}{': ' + self.message if self.message else ''}"
        if len(line) <= COLUMN:
            return line
        # on a phone: the verdict on a line of its own, the message wrapped below it
        return f"{self.name}: {self.verdict}\n" + textwrap.fill(
            self.message, COLUMN, initial_indent="  ", subsequent_indent="  ", break_on_hyphens=False
        )


ROUNDING = 1e-12
"""A relative difference no larger than this is rounding: the same computation with its sums in another order (a few
of float64's 2.2e-16 per operation, over the operations of a page's exercise)."""


@checked(
    yours=Array(ANY_NDIM, finite=False),  # a nan of yours is named in the verdict
    expected=Array(ANY_NDIM),
    rtol=Interval(0.0, np.inf, closed="left"),
)
def compare(name: str, yours, expected, rtol: float = 1e-6, hint: str = "") -> Verdict:
    """Compare your array with the expected one: exact, close to `rtol` (relative to the largest entry), or wrong.

    Parameters
    ----------
    name : str
        What is compared, for the message.
    yours : array_like
        Your answer.
    expected : array_like
        The right answer.
    rtol : float, default 1e-6
        The tolerance for *close*, relative to the largest entry of `expected`.
    hint : str, default ''
        Said after a wrong answer.

    Examples
    --------
    >>> print(compare("dW", [[1.0, 2.0]], [[1.0, 2.0]]))
    dW: exact
    >>> print(compare("dW", [1.0, 2.0], [1.0, 3.0], hint="check the second entry"))
    dW: wrong
      the largest difference is 1 at index 1 (yours 2, expected 3). Hint: check the second entry
    """
    yours, expected = yours.astype(np.float64), expected.astype(np.float64)
    if yours.shape != expected.shape:
        return Verdict(name, "wrong", f"expected shape {expected.shape}; got shape {yours.shape}")
    if np.array_equal(yours, expected):
        return Verdict(name, "exact", "")
    difference = np.abs(yours - expected)
    finite = np.isfinite(difference)  # the expected answers are finite: a nan or an inf is yours
    flat = np.argmax(difference) if finite.all() else np.argmin(finite)  # the largest difference, or the first nan
    index = tuple(int(i) for i in np.unravel_index(flat, difference.shape))
    where = index if len(index) != 1 else index[0]
    if finite.all():
        relative = difference.max() / max(np.abs(expected).max(), np.finfo(np.float64).tiny)
        if relative <= ROUNDING:  # another order of the same sums: the answer, as float64 can hold it
            return Verdict(name, "close", f"rounding only ({relative:.0e}): right")
        if relative <= rtol:
            return Verdict(name, "close", f"{relative:.1g} relative at {where}")  # short: a phone's line
        message = (
            f"the largest difference is {difference.max():.3g} at index {where} "
            f"(yours {yours[index]:.6g}, expected {expected[index]:.6g})"
        )
        if relative <= 1e-2:
            message += f"; that is {relative:.2g} relative: rounded too early?"
    else:
        message = (
            f"yours holds {yours[index]} at index {where} (expected {expected[index]:.6g}): "
            "a log of 0 or an overflow on the way?"
        )
    if hint:
        message += (" " if message.endswith("?") else ". ") + f"Hint: {hint}"
    return Verdict(name, "wrong", message)


def _neuron_da_dw():
    return Neuron([2.0, -3.0, 1.0]).backward([1.0, 0.5, 1.0])["w"]


def _two_layer_dW1():
    e = worked_example()
    return TwoLayerNet(e["W1"], e["W2"]).backward([0.5, -1.0, 2.0], e["y"])["W1"]


def _biases_db1():
    e = worked_example()
    net = TwoLayerNet(e["W1"], e["W2"], b1=np.array([0.2, -0.1, 0.0, 0.5]), b2=np.array([0.1, 0.0, -0.1]))
    return net.backward(e["x"], np.array([0.0, 0.0, 1.0]))["b1"]


def _batch_dW2():
    e = worked_example()
    X = np.column_stack([e["x"], [0.5, -1.0, 2.0]])
    return TwoLayerNet(e["W1"], e["W2"]).backward(X, np.array([1, 2]))["W2"]


def _worked_example_gradients():
    e = worked_example()
    return TwoLayerNet(e["W1"], e["W2"]).backward(e["x"], e["y"])


def _learning_two_steps():
    e = worked_example()
    net = TwoLayerNet(e["W1"], e["W2"])
    for _ in range(2):
        grads = net.backward(e["x"], e["y"])
        for name, theta in net.parameters.items():  # plain gradient descent: momentum 0, no velocity kept
            sgd_update(theta, np.zeros_like(theta), grads[name], lr=0.5, momentum=0.0)
    return net.W2


@functools.cache  # trained once per process, however many answers are checked against it: it is only read
def _digits_network():
    from litbackprop.app.digits import train_digits  # the train extra's data: imported only when asked for

    return train_digits(progress=False)  # the digits page's network: same defaults, same seed


def _digits_input_gradient():
    net, _, split = _digits_network()
    x, label = split.x_test[:, 0], split.labels_test[0]
    return grad_input(net.W1, net.trace(x, label).dz1)


def _stable_log_softmax():
    return log_softmax(np.array([1000.0, 0.0, -1000.0]))


def _used_three_times():
    a, b = Value(2.0), Value(3.0)
    (a * b + a * a).backward()
    return np.array([a.grad, b.grad])


def _staged_backprop():
    # h(w, x) = log(1 + e^{w x}) / (1 + w^2) at w = 0.5, x = 2, derived by the engine: the gradient (dh/dw, dh/dx)
    w, x = Value(0.5), Value(2.0)
    h = (1 + (w * x).exp()).log() / (1 + w**2)
    h.backward()
    return np.array([w.grad, x.grad])


def _deep_network():
    from litbackprop.deep_network import DeepNet

    net = DeepNet.initialize([2, 3, 3, 2], activation="sigmoid", seed=1, biases=False)
    return net.trace(np.array([[0.5, -1.0], [2.0, 1.0]]), [1, 0]).dW[1]


def _vanishing_gradients():
    from litbackprop.course.examples import deep_pass

    net, t = deep_pass(50, "tanh", "xavier")
    return net.W[2].std() * np.sqrt(64 * np.mean((1 - np.tanh(t.z[1]) ** 2) ** 2))


def _batch_normalization():
    from litbackprop.batch_normalization import grad_batch_norm

    du = np.ones((2, 3))
    du[:, 0] = [2.0, -1.0]
    return grad_batch_norm(du, np.array([[0.0, 1.0, 5.0], [2.0, -2.0, 3.0]]), np.array([1.0, 3.0]))[0]


def _dropout():
    from litbackprop.regularization import dropout_mask, grad_dropout

    return grad_dropout(np.array([[0.5, 1.0, -1.0], [2.0, -0.5, 1.0]]), dropout_mask((2, 3), 0.25, seed=5))


def _convolution():
    # the convolution page's image and kernel, and an upstream gradient of ones: dL/dx, each pixel's share
    from litbackprop.convolution import grad_conv_input

    x = np.array([[1.0, 2.0, 0.0, 1.0], [0.0, 1.0, 3.0, 1.0], [2.0, 0.0, 1.0, 0.0], [1.0, 1.0, 0.0, 2.0]])
    W = np.array([[1.0, -1.0], [0.5, 2.0]])
    return grad_conv_input(np.ones((1, 3, 3, 1)), x[None, :, :, None], W[None, None])[0, :, :, 0]


@dataclass(frozen=True)
class Exercise:
    """An exercise of the site: how the library computes its answer (``reference``), a ``hint`` for a wrong one, and
    ``rtol``, the tolerance for a close one."""

    reference: Callable[[], np.ndarray]
    hint: str
    rtol: float = 1e-6


EXERCISES: dict[str, Exercise] = {
    "neuron-da-dw": Exercise(
        _neuron_da_dw,
        "da/dw = a (1 - a) x: keep a at full precision, and multiply before you round",
    ),
    "two-layer-dW1": Exercise(
        _two_layer_dW1,
        "dW1 = dz1 x^T, where dz1 = (W2^T (y_hat - y)) masked by z1 > 0: recompute z1 for this x",
    ),
    "biases-db1": Exercise(
        _biases_db1,
        "db1 = dz1: the same masked W2^T (y_hat - y) as for dW1, without the outer product with x",
    ),
    "batch-dW2": Exercise(
        _batch_dW2,
        "dW2 = dZ2 A1^T with dZ2 = (Y_hat - Y) / N: did you divide by N = 2?",
    ),
    "learning-two-steps": Exercise(
        _learning_two_steps,
        "each step moves W1 and W2 against their gradients, eta = 0.5, and the second step's gradients "
        "are computed at the weights after the first",
    ),
    # A correct central difference differs from backprop's gradient by about 1e-11 of its largest entry; a
    # one-sided difference by about 1e-6: the tolerance tells them apart.
    "central-difference-dW2": Exercise(
        lambda: _worked_example_gradients()["W2"],
        "centred, not one-sided: (L(W2 + eps E_ij) - L(W2 - eps E_ij)) / (2 eps), one entry at a time, "
        "putting each entry back after",
        rtol=1e-8,
    ),
    "autodiff-used-three-times": Exercise(
        _used_three_times,
        "a reaches f three times, once through a b and twice through a a: add the three gradients",
    ),
    "pitfalls-fix-the-backward": Exercise(
        lambda: _worked_example_gradients()["W1"],
        "row (2): dz1 = da1 * (z1 > 0); the fourth hidden unit is off, so its row of dW1 is 0",
    ),
    "digits-dL-dx": Exercise(
        _digits_input_gradient,
        "one row further than dW1: dL/dx = W1^T dz1, with dz1 = (W2^T (y_hat - y)) masked by z1 > 0, and "
        "z1 = W1 x + b1 with the bias",
    ),
    "stable-log-softmax": Exercise(
        _stable_log_softmax,
        "never form softmax(z) and take its log: log softmax(z) = (z - m) - log sum exp(z - m), m the largest logit",
    ),
    "staged-backprop": Exercise(
        _staged_backprop, "w feeds two stages, a = w x and g = 1 + w^2: dh/dw adds x dh/da and 2 w dh/dg"
    ),
    "deep-network": Exercise(
        _deep_network, "dz3 = (y_hat - y) / N; each layer down multiplies by W^T, then by a (1 - a); dW1 = dz1 x^T"
    ),
    "batch-normalization": Exercise(
        _batch_normalization, "c feeds z_hat and v: dc adds dz_hat / s and (2 / N) c dv; each z feeds c and mu (1 / N)"
    ),
    "dropout": Exercise(_dropout, "the backward pass multiplies by the forward pass's mask: 0 or 1 / (1 - p)"),
    "vanishing-gradients": Exercise(
        _vanishing_gradients, "tanh'(z) = 1 - a^2; the estimate is s * sqrt(n * mean(tanh'(z)^2)), with n = 64"
    ),
    "convolution": Exercise(
        _convolution, "pixel (u, v) gets W[u - i, v - j] from every output (i, j) whose window held it: corners once"
    ),
}
"""Each exercise of the site, by the name the pages give ``check``."""


def check(name: str, yours, rtol: float | None = None) -> Verdict:
    """Check your answer to the exercise `name` (see ``EXERCISES``) against the library's, to its own tolerance.

    Parameters
    ----------
    name : str
        The exercise, as the page names it (a key of ``EXERCISES``).
    yours : array_like
        Your answer.
    rtol : float, optional
        The tolerance for *close*; by default the exercise's own.
    """
    if not isinstance(name, str) or name not in EXERCISES:
        raise ValueError(f"name must be one of {', '.join(sorted(EXERCISES))}; got {name!r}")
    exercise = EXERCISES[name]
    rtol = exercise.rtol if rtol is None else rtol
    return cmp(name, yours, exercise.reference(), rtol=rtol, hint=exercise.hint)


UNWRITTEN = "not written yet: replace the ... of the cell above with your code"


def _unwritten(yours) -> bool:
    """Whether `yours` is, or holds, the ``...`` of a notebook's stub: the student has not written that row yet."""
    if yours is Ellipsis:
        return True
    if isinstance(yours, list | tuple):
        return any(_unwritten(entry) for entry in yours)
    return isinstance(yours, np.ndarray) and yours.dtype == object and any(entry is Ellipsis for entry in yours.flat)


def cmp(name: str, yours, expected, rtol: float = 1e-6, hint: str = "") -> Verdict:
    """A drill's check, as backprop ninja's ``cmp``: your row against the engine's gradient, exact, close or wrong.

    A row still written as the notebook's stub, ``...``, is *wrong*, not yet written: the notebook runs to its end
    with every row a stub.

    Parameters
    ----------
    name : str
        The row, for the message (``"dh/dd"``).
    yours : array_like
        Your value of the row.
    expected : array_like
        The engine's gradient of the same stage.
    rtol : float, default 1e-6
        The tolerance for *close*, relative to the largest entry of `expected`.
    hint : str, default ''
        Said after a wrong answer (not after one not written yet).

    Examples
    --------
    >>> print(cmp("dh/dd", 0.8, 0.8))
    dh/dd: exact
    >>> print(cmp("dh/dd", ..., 0.8))
    dh/dd: wrong
      not written yet: replace the ... of the cell above with your code
    """
    if _unwritten(yours):
        return Verdict(name, "wrong", UNWRITTEN)
    return compare(name, yours, expected, rtol=rtol, hint=hint)
