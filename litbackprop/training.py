r"""Mini-batch stochastic gradient descent for `TwoLayerNet`, with momentum.

One step on a batch $B$ with learning rate $\eta$ and momentum $\mu$ is
[`sgd_update`][litbackprop.training.sgd_update]:
$v \leftarrow \mu v - \eta \frac{\partial L_B}{\partial \theta}$, then $\theta \leftarrow \theta + v$
(plain SGD when $\mu = 0$). The gradients come from
[`TrainingWorkspace`][litbackprop.training.TrainingWorkspace], an optimised
copy of [`TwoLayerNet.trace`][litbackprop.network.TwoLayerNet.trace] owned
by the training loop.
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass, field

import numpy as np

from litbackprop._checks import (
    NumericalError,
    check_finite,
    check_int,
    check_number,
    check_seed,
    checked,
    integer,
    number,
    run_checks,
    same_shape_as,
    working_dtype,
)
from litbackprop.network import TwoLayerNet, a_network, most_probable, network_inputs, network_labels

# The defaults of `train`, the digits and the command line: one place.
EPOCHS = 30
BATCH_SIZE = 32
LR = 0.1
MOMENTUM = 0.9


@dataclass
class History:
    """What `train` measured, one entry per epoch.

    Attributes
    ----------
    loss, accuracy : list of float
        On the training set: the mean loss and the accuracy of the batches'
        forward passes during the epoch, each measured before its batch's update.
    val_loss, val_accuracy : list of float
        On the validation set, after the epoch; empty without validation.
    """

    loss: list[float] = field(default_factory=list)
    accuracy: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    val_accuracy: list[float] = field(default_factory=list)


@checked(net=a_network, x=network_inputs, labels=network_labels)
def accuracy(net: TwoLayerNet, x, labels) -> float:
    """Fraction of the columns of `x` whose most probable class is the label.

    Logits that do not fit the dtype are refused (`NumericalError`), as `TwoLayerNet.predict` refuses them.

    Parameters
    ----------
    net : TwoLayerNet
        The network whose predictions are counted.
    x : array_like, shape (d,) or (d, N)
        The inputs, one example per column.
    labels : array_like of int, shape () or (N,)
        Their classes, ``0 … k-1``.

    Examples
    --------
    >>> import numpy as np
    >>> from litbackprop import TwoLayerNet, accuracy
    >>> net = TwoLayerNet(np.eye(2), np.eye(2))
    >>> accuracy(net, np.array([[1.0, 0.0], [0.0, 1.0]]), np.array([0, 0]))
    0.5
    """
    return float(np.mean(most_probable(net, x) == labels))


LEARNING_RATE = number(0, math.inf, False, False, "a learning rate > 0")


def trainable_network(name, net, arguments):
    """A network whose parameters training can update in place: each a writable floating numpy array."""
    net = a_network(name, net, arguments)
    for parameter, theta in net.parameters.items():
        if theta.dtype.kind != "f":
            raise ValueError(
                f"{parameter} must be a floating array, since training updates it in place; got dtype "
                f"{theta.dtype} (assign net.{parameter} = net.{parameter}.astype(float))"
            )
        if not theta.flags.writeable:
            raise ValueError(
                f"{parameter} is read-only, and training updates it in place (give the network a writable copy: "
                f"net.{parameter} = net.{parameter}.copy())"
            )
    return net


def _updated_in_place(name, array_, arguments):
    """A finite, writable floating numpy array, which the step updates in place."""
    if not (isinstance(array_, np.ndarray) and array_.dtype.kind == "f" and array_.flags.writeable):
        raise ValueError(f"{name} must be a writable floating numpy array, updated in place; got {array_!r}")
    return check_finite(name, array_)


def _native(array_: np.ndarray) -> np.dtype:
    """The dtype of `array_` in this machine's byte order: what a step of it is computed in, and refused where
    it does not fit (a float16 parameter cannot take a step computed in float64 that overflows float16)."""
    return array_.dtype.newbyteorder("=")


def _at_least_as_precise_as(other: str, array_: np.ndarray, arguments) -> np.ndarray:
    """`array_` in float64 at least, and as precise as argument `other`: the step is computed there and rounded once
    to the parameter's dtype (in float16, a learning rate of 1e-8 is 0, and 1e5 times 1e-7 overflows)."""
    return array_.astype(np.result_type(array_, arguments[other], np.float64), copy=False)


def _velocity(name, v, arguments):
    """The velocity: updated in place like `theta`, and of its shape."""
    return same_shape_as("theta")(name, _updated_in_place(name, v, arguments), arguments)


@checked(
    lr=LEARNING_RATE,
    momentum=number(0, 1, True, False, "in [0, 1)"),
    theta=_updated_in_place,
    v=_velocity,
    grad=lambda name, grad, arguments: _at_least_as_precise_as(
        "theta", same_shape_as("theta")(name, grad, arguments), arguments
    ),
    result=lambda step, _: {"the updated theta": step[0], "the updated velocity": step[1]},
)
def momentum_step(theta: np.ndarray, v: np.ndarray, grad: np.ndarray, lr: float, momentum: float) -> tuple:
    r"""The next parameter and velocity of SGD with momentum, $(\theta + v', v')$, computed, not taken.

    $v' = \mu v - \eta\,\partial L/\partial\theta$. Nothing is changed:
    [`sgd_update`][litbackprop.training.sgd_update] takes the step once it is computed.

    Parameters
    ----------
    theta : numpy.ndarray
        The parameter, a writable floating array (the step will be taken in place).
    v : numpy.ndarray, same shape as theta
        Its velocity.
    grad : array_like, same shape as theta
        $\partial L / \partial \theta$ for the current batch.
    lr : float
        The learning rate $\eta > 0$.
    momentum : float
        $\mu$ in $[0, 1)$; 0 is plain SGD.

    Examples
    --------
    >>> import numpy as np
    >>> momentum_step(np.array([1.0, 2.0]), np.zeros(2), np.array([0.5, -1.0]), lr=0.1, momentum=0.9)
    (array([0.95, 2.1 ]), array([-0.05,  0.1 ]))
    """
    v_next = momentum * v - lr * grad
    return (theta + v_next).astype(_native(theta), copy=False), v_next.astype(_native(v), copy=False)


def sgd_update(theta: np.ndarray, v: np.ndarray, grad: np.ndarray, lr: float, momentum: float) -> None:
    r"""One SGD step with momentum, in place.

    $v \leftarrow \mu v - \eta\,\frac{\partial L}{\partial \theta}$, then $\theta \leftarrow \theta + v$.

    $v$ is the velocity, a running sum of past steps that decays by $\mu$ at
    each one; with $\mu = 0$ the step is plain gradient descent,
    $\theta \leftarrow \theta - \eta\,\partial L/\partial\theta$. The step is computed
    first ([`momentum_step`][litbackprop.training.momentum_step]) and taken only once it is
    finite: a step that overflows raises `NumericalError` and leaves `theta` and `v` as they were.

    Parameters
    ----------
    theta : numpy.ndarray
        The parameter, a writable floating array, updated in place.
    v : numpy.ndarray, same shape as theta
        Its velocity, updated in place.
    grad : array_like, same shape as theta
        $\partial L / \partial \theta$ for the current batch.
    lr : float
        The learning rate $\eta > 0$.
    momentum : float
        $\mu$ in $[0, 1)$; 0 is plain SGD.

    Examples
    --------
    >>> import numpy as np
    >>> theta, v = np.array([1.0, 2.0]), np.zeros(2)
    >>> sgd_update(theta, v, np.array([0.5, -1.0]), lr=0.1, momentum=0.9)
    >>> theta
    array([0.95, 2.1 ])
    """
    theta_next, v_next = momentum_step(theta, v, grad, lr, momentum)
    v[...], theta[...] = v_next, theta_next


def _take_step(parameters: dict, velocity: dict, grads: dict, spare: dict, lr: float, momentum: float) -> None:
    """`sgd_update` of every parameter at once, for the training loop: each step computed into `spare` buffers,
    owned by the loop, before any is taken, so that an overflow (numpy raises inside the loop) changes nothing.
    Taking it swaps the velocity with its buffer and copies the parameter, which belongs to the network."""
    for name, theta in parameters.items():
        theta_next, v_next = spare[name]
        np.multiply(velocity[name], momentum, out=v_next)
        v_next -= np.multiply(grads[name], lr, dtype=working_dtype(grads[name]))  # float16's lr of 1e-8 would be 0
        np.add(theta, v_next, out=theta_next)
    for name, theta in parameters.items():
        theta_next, v_next = spare[name]
        np.copyto(theta, theta_next)
        velocity[name], spare[name] = v_next, (theta_next, velocity[name])


@checked(
    net=trainable_network,
    x=network_inputs,
    labels=network_labels,
    lr=LEARNING_RATE,
    steps=integer(0),
)
def gradient_descent(net: TwoLayerNet, x, labels, lr: float, steps: int) -> list[float]:
    r"""Full-batch gradient descent on `net`, in place: `steps` times, every parameter moves against its gradient.

    $\theta \leftarrow \theta - \eta\,\frac{\partial L}{\partial \theta}$, with $L$ the mean loss over all of `x`.

    Parameters
    ----------
    net : TwoLayerNet
        Updated in place.
    x : array_like, shape (d, N)
        The inputs, one example per column: every step uses all of them.
    labels : array_like of int, shape (N,)
        Their classes, ``0 … k-1``.
    lr : float
        The learning rate $\eta > 0$.
    steps : int
        How many steps to take.

    Returns
    -------
    list of float
        The loss before the first step and after each step: ``steps + 1`` numbers.

    Raises
    ------
    NumericalError
        A step would overflow a parameter or the loss after it. That step is
        not taken: the parameters are as they were before it.

    Examples
    --------
    >>> import numpy as np
    >>> from litbackprop import TwoLayerNet, worked_example
    >>> e = worked_example()
    >>> net = TwoLayerNet(e["W1"].copy(), e["W2"].copy())
    >>> [round(loss, 4) for loss in gradient_descent(net, e["x"][:, None], [1], lr=0.5, steps=1)]
    [0.9555, 0.1976]
    """
    losses = [float(net.loss(x, labels))]
    for step in range(1, steps + 1):
        grads, parameters = net.backward(x, labels), net.parameters
        try:  # computed as sgd_update computes a step (momentum 0), and taken only if the loss stays finite
            stepped = {}
            for name, theta in parameters.items():
                stepped[name], _ = momentum_step(theta, np.zeros_like(theta), grads[name], lr, 0.0)
            loss = float(TwoLayerNet(**stepped).loss(x, labels))
        except NumericalError as error:
            raise NumericalError(
                f"gradient_descent's step {step} was not taken: {error}; the parameters are as they were before "
                f"it; try a smaller learning rate than lr={lr}"
            ) from None
        for name, theta in parameters.items():
            theta[...] = stepped[name]
        losses.append(loss)
    return losses


class TrainingWorkspace:
    r"""An optimised copy of [`TwoLayerNet.trace`][litbackprop.network.TwoLayerNet.trace] for the training loop.

    The same equations, rows (1)–(5) forward and (5)–(1) backward, but every
    intermediate is written into a buffer allocated once, here, for batches of
    up to `batch_size` columns: fresh temporaries of a few hundred kilobytes
    come with fresh memory pages, and touching them costs a sizeable part of a
    step at MNIST size. Nothing is checked: `train` checked its arguments
    once. The gradients returned are these buffers, valid until the next
    `step`. A workspace belongs to one loop; it is never shared or kept
    between calls of `train`. A property test holds it equal to `trace`.
    """

    def __init__(self, net: TwoLayerNet, batch_size: int, dtype) -> None:
        self.net = net
        h, k = net.W1.shape[0], net.W2.shape[0]
        self._memory = {
            name: np.empty(rows * batch_size, dtype)
            for name, rows in (("z1", h), ("a1", h), ("da1", h), ("z2", k), ("ones", 1))
        }
        self._mask = np.empty(h * batch_size, bool)
        self.grads = {name: np.empty_like(value) for name, value in net.parameters.items()}

    def _buffer(self, name: str, rows: int, n: int) -> np.ndarray:
        # The first rows × n entries, as a contiguous (rows, n) array, whatever the batch's size.
        return self._memory[name][: rows * n].reshape(rows, n)

    def step(self, x: np.ndarray, labels: np.ndarray) -> tuple[float, int, dict[str, np.ndarray]]:
        """Return the batch's summed loss, its number of correct predictions, and the gradients of its mean loss.

        Parameters
        ----------
        x : numpy.ndarray, shape (d, n)
            The batch's inputs, n at most the workspace's batch size.
        labels : numpy.ndarray of int, shape (n,)
            Their classes.
        """
        net, grads = self.net, self.grads
        W1, b1, W2, b2 = net.W1, net.b1, net.W2, net.b2
        (h, _), k, n = W1.shape, W2.shape[0], x.shape[1]
        columns = np.arange(n)
        z1 = np.matmul(W1, x, out=self._buffer("z1", h, n))  # (1)
        if b1 is not None:
            z1 += b1[:, np.newaxis]
        a1 = np.maximum(z1, 0, out=self._buffer("a1", h, n))  # (2)
        z2 = np.matmul(W2, a1, out=self._buffer("z2", k, n))  # (3)
        if b2 is not None:
            z2 += b2[:, np.newaxis]
        correct = int(np.count_nonzero(np.argmax(z2, axis=0) == labels))
        # (4)-(5) from the logits: L_n = log sum_j exp(z2_jn - m_n) - (z2_{label,n} - m_n)
        z2 -= z2.max(axis=0)
        true_logit = z2[labels, columns]
        y_hat = np.exp(z2, out=z2)
        total = y_hat.sum(axis=0)
        loss_sum = float(np.log(total).sum() - true_logit.sum())
        y_hat /= total
        dz2 = y_hat  # (4) dz2 = (y_hat - y) / N, in place of y_hat
        dz2[labels, columns] -= 1
        dz2 *= 1 / n
        ones = self._buffer("ones", n, 1)[:, 0]
        ones.fill(1)
        np.matmul(dz2, a1.T, out=grads["W2"])  # (3a)
        if b2 is not None:
            np.matmul(dz2, ones, out=grads["b2"])  # row sums on BLAS, several times faster than .sum(axis=1)
        da1 = np.matmul(W2.T, dz2, out=self._buffer("da1", h, n))  # (3b)
        dz1 = np.multiply(da1, np.greater(z1, 0, out=self._mask[: h * n].reshape(h, n)), out=da1)  # (2)
        np.matmul(dz1, x.T, out=grads["W1"])  # (1)
        if b1 is not None:
            np.matmul(dz1, ones, out=grads["b1"])
        return loss_sum, correct, grads


def train(
    net: TwoLayerNet,
    x,
    labels,
    *,
    epochs: int = EPOCHS,
    batch_size: int = BATCH_SIZE,
    lr: float = LR,
    momentum: float = MOMENTUM,
    seed: int = 0,
    validation: tuple | None = None,
    progress: bool = True,
    stop_at: float | None = None,
) -> History:
    r"""Train `net` in place by mini-batch SGD with momentum on the columns of `x`; return the per-epoch history.

    Parameters
    ----------
    net : TwoLayerNet
        Updated in place: its parameter arrays are the ones trained.
    x : array_like, shape (d, N)
        Training inputs, one example per column.
    labels : array_like of int, shape (N,)
        Their classes, ``0 … k-1``.
    epochs : int
        Passes over the training set.
    batch_size : int
        Examples per step; the last batch of an epoch may be smaller.
    lr : float
        The learning rate $\eta > 0$.
    momentum : float
        $\mu$ in $[0, 1)$; 0 is plain SGD.
    seed : int
        Seeds the shuffling: the same seed and starting weights give the same
        weights and history, bit for bit.
    validation : (x_val, labels_val), optional
        Measured at the end of every epoch, never trained on.
    progress : bool
        Show a tqdm progress bar over the epochs.
    stop_at : float, optional
        Stop after the first epoch whose validation accuracy reaches this value
        (needs `validation`).

    Returns
    -------
    History

    Raises
    ------
    NumericalError
        Training diverged: a step overflowed, or a batch's loss rose to more
        than `DIVERGED` (10) times where it started. The message names the
        epoch and step and suggests a smaller learning rate.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(size=(2, 200))
    >>> labels = (x[0] > 0).astype(int)
    >>> net = TwoLayerNet.initialize(2, 8, 2, seed=0)
    >>> history = train(net, x, labels, epochs=20, lr=0.1, progress=False)
    >>> history.accuracy[-1] > 0.95
    True
    """
    x, labels, validation = _check_data(net, x, labels, validation)
    epochs, batch_size = check_int("epochs", epochs, 1), check_int("batch_size", batch_size, 1)
    lr, momentum = run_checks(momentum_step, lr=lr, momentum=momentum).values()
    if stop_at is not None:
        stop_at = check_number("stop_at", stop_at, 0, 1, False, True, "an accuracy in (0, 1], such as 0.97")
        if validation is None:
            raise ValueError("stop_at needs validation=(x_val, labels_val) to measure the accuracy on")
    rng = np.random.default_rng(check_seed(seed))

    n = x.shape[1]
    # Examples as rows, so that a batch is a gather of whole rows: about ten times faster than gathering
    # scattered columns. A copy of x, made once; none when x is Fortran-ordered (the transpose of rows).
    x_rows = np.ascontiguousarray(x.T)
    workspace = TrainingWorkspace(net, min(batch_size, n), x.dtype)
    velocity = {name: np.zeros_like(theta) for name, theta in net.parameters.items()}
    spare = {name: (np.empty_like(theta), np.empty_like(theta)) for name, theta in net.parameters.items()}
    history = History()
    bar = _ProgressBar(epochs) if progress else None
    epoch = step = 0
    first_loss, stage = None, "gradients"
    try:
        with np.errstate(over="raise", divide="raise", invalid="raise"):  # no inf or nan reaches the weights
            for epoch in range(1, epochs + 1):  # noqa: B007 (read by the except clause)
                loss_sum, correct, order = 0.0, 0, rng.permutation(n)
                for step, start in enumerate(range(0, n, batch_size), start=1):  # noqa: B007
                    batch = np.sort(order[start : start + batch_size])  # read in memory order; the sum is the same
                    stage = "gradients"
                    batch_loss, batch_correct, grads = workspace.step(x_rows[batch].T, labels[batch])
                    loss_sum, correct = loss_sum + batch_loss, correct + batch_correct
                    first_loss = _check_not_diverging(batch_loss / len(batch), first_loss, net.W2.shape[0])
                    stage = "update"
                    _take_step(net.parameters, velocity, grads, spare, lr, momentum)
                step = "end"
                _record(history, net, loss_sum / n, correct / n, validation)
                if bar is not None:
                    bar.epoch_done(history)
                if stop_at is not None and history.val_accuracy[-1] >= stop_at:
                    break
    except FloatingPointError as error:
        if epoch == 1 and step == 1 and stage == "gradients":  # before any update: not the learning rate's doing
            raise NumericalError(
                f"training failed at its first step, before any update: {error}; the inputs or the initial "
                f"weights are too large for {x.dtype}"
                + (f", or their gradients for the parameters' {net.W1.dtype}" if net.W1.dtype != x.dtype else "")
            ) from None
        if epoch == 1 and step == 1:
            raise NumericalError(
                f"training failed at its first step: its update overflowed ({error}) and was not taken; the "
                f"parameters are as they were; try a smaller learning rate than lr={lr}"
            ) from None
        where = f"epoch {epoch}, " + ("after its last step" if step == "end" else f"step {step}")
        untaken = "; that step was not taken" if stage == "update" and step != "end" else ""
        raise NumericalError(
            f"training diverged at {where}: {error}{untaken}; try a smaller learning rate than lr={lr}"
        ) from None
    finally:
        if bar is not None:
            bar.close()
    return history


def _check_data(net, x, labels, validation):
    """The training data checked once, `x` in the network's dtype; `validation` as (x, labels) or None."""
    net = trainable_network("net", net, {})  # once: the data below are checked against it
    x, labels = _examples(net, x, labels)
    if x.ndim != 2:
        raise ValueError(f"x must be a 2-d array of examples as columns; got shape {x.shape}")
    x = x.astype(np.result_type(x, *net.parameters.values()), copy=False)
    if validation is not None:
        if not (isinstance(validation, tuple | list) and len(validation) == 2):
            raise ValueError(f"validation must be a pair (x_val, labels_val); got {type(validation).__name__}")
        try:
            validation = _examples(net, *validation)
        except ValueError as error:
            raise ValueError(f"validation: {error}") from None
    return x, labels, validation


def _examples(net: TwoLayerNet, x, labels) -> tuple[np.ndarray, np.ndarray]:
    """`x` and `labels` checked as `accuracy` declares them, for `net`, which is checked already."""
    x = network_inputs("x", x, {"net": net})
    return x, network_labels("labels", labels, {"net": net, "x": x})


DIVERGED = 10
"""Training has diverged when a batch's loss is this many times where it started (or log k, if larger)."""


def _check_not_diverging(loss: float, first_loss: float | None, k: int) -> float:
    r"""The loss training started from; a ``FloatingPointError`` if `loss` has risen far above it.

    An overflow stops training by itself, but a learning rate that is far too
    large often does not overflow: the weights grow to 1e29 and the network
    ends at chance, its loss having risen a hundredfold on the way. The start
    is at least $\log k$, the loss of a uniform guess, so that continuing from
    a good network does not read its normal ups and downs as divergence.
    """
    if first_loss is None:
        return max(loss, math.log(k))
    if loss > DIVERGED * first_loss:
        raise FloatingPointError(
            f"the batch loss rose to {loss:.4g}, more than {DIVERGED} times where it started ({first_loss:.4g})"
        )
    return first_loss


def _record(history: History, net: TwoLayerNet, loss: float, accuracy_: float, validation) -> None:
    if not math.isfinite(loss):
        raise FloatingPointError(f"the loss became {loss}")
    history.loss.append(loss)
    history.accuracy.append(accuracy_)
    if validation is not None:
        history.val_loss.append(float(net.loss(*validation)))
        history.val_accuracy.append(accuracy(net, *validation))


class _ProgressBar:
    """tqdm's bar over the epochs, a nicety: once stderr cannot be written, it goes quiet and training goes on."""

    def __init__(self, epochs: int) -> None:
        self.bar = None
        if sys.stderr is None or sys.stderr.closed:  # started with 2>&-: there is nowhere to draw it
            return
        try:
            from tqdm.auto import tqdm
        except ImportError:  # training does not need it
            return
        self._write(lambda: setattr(self, "bar", tqdm(total=epochs, unit="epoch", desc="training")))

    def epoch_done(self, history: History) -> None:
        def draw():
            self.bar.update(1)
            self.bar.set_postfix(loss=f"{history.loss[-1]:.4f}", acc=f"{history.accuracy[-1]:.3f}")

        if self.bar is not None:
            self._write(draw)

    def close(self) -> None:
        if self.bar is not None:
            self._write(self.bar.close)

    def _write(self, draw) -> None:
        try:
            draw()
        except OSError:  # a full disk, a reader that left: no more bar
            if self.bar is not None:
                self.bar.disable = True  # tqdm then writes nothing more, not even when it is collected
            self.bar = None
