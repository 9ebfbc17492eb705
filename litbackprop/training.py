r"""Mini-batch stochastic gradient descent for `TwoLayerNet`, with momentum.

One step on a batch $B$ with learning rate $\eta$ and momentum $\mu$ is
[`sgd_update`][litbackprop.training.sgd_update]:
$v \leftarrow \mu v - \eta \frac{\partial L_B}{\partial \theta}$, then $\theta \leftarrow \theta + v$
(plain SGD when $\mu = 0$). The gradients come from
[`TwoLayerNet.trace`][litbackprop.network.TwoLayerNet.trace], its rows
writing into buffers that the training loop owns.
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass, field

import numpy as np

from litbackprop._checks import (
    PARAMETER_NDIM,
    Boolean,
    Constraint,
    Finite,
    Integer,
    Interval,
    NumericalError,
    Optional,
    SameShapeAs,
    Seed,
    all_finite_together,
    check_finite,
    checked,
    finite_result,
)
from litbackprop.loss import one_hot
from litbackprop.network import A_NETWORK, NETWORK_INPUTS, NETWORK_LABELS, TwoLayerNet, _most_probable, _Network

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


@checked(net=A_NETWORK, x=NETWORK_INPUTS, labels=NETWORK_LABELS)
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
    return float(np.mean(_most_probable(net, x) == labels))


LEARNING_RATE, MOMENTUM_RANGE = Interval(0, math.inf), Interval(0, 1, closed="left")


class _Trainable(_Network):
    """A network whose parameters training can update in place: each writable (a network's are floating arrays)."""

    def check(self, name, net, arguments):
        net = super().check(name, net, arguments)
        for parameter, theta in net.parameters.items():
            if not theta.flags.writeable:
                raise ValueError(
                    f"{parameter} is read-only, and training updates it in place (give the network a writable "
                    f"copy: net.{parameter} = net.{parameter}.copy())"
                )
        return net

    def refused(self, name, arguments):
        yield from super().refused(name, arguments)
        net = arguments[name]
        read_only = TwoLayerNet(net.W1.copy(), net.W2.copy(), net.b1, net.b2)
        read_only.W1.flags.writeable = False
        yield read_only


TRAINABLE = _Trainable()


class _UpdatedInPlace(Constraint):
    """A finite, writable floating numpy array, which the step updates in place."""

    finite = True

    def __str__(self) -> str:
        return "a writable floating numpy array, updated in place"

    def check(self, name, value, arguments):
        if not (isinstance(value, np.ndarray) and value.dtype.kind == "f" and value.flags.writeable):
            self.fail(name, value)
        return value

    def refused(self, name, arguments):
        valid = arguments[name]
        read_only = valid.copy()
        read_only.flags.writeable = False
        yield from (valid.tolist(), valid.astype(int), read_only, np.full_like(valid, np.nan))


class _Velocity(_UpdatedInPlace):
    """The velocity: updated in place like `theta`, and of its shape."""

    def check(self, name, value, arguments):
        return SameShapeAs(other="theta", ndims=PARAMETER_NDIM).check(
            name, super().check(name, value, arguments), arguments
        )

    def refused(self, name, arguments):
        yield from super().refused(name, arguments)
        yield np.zeros(arguments[name].size + 1)


class _StepBuffers(Constraint):
    """Two writable arrays of the shape and the dtype of `theta`, to write the next parameter and velocity into."""

    def __str__(self) -> str:
        return "None or a pair of writable arrays of the shape and dtype of theta"

    def check(self, name, value, arguments):
        theta = arguments["theta"]
        if not (isinstance(value, tuple) and len(value) == 2) or not all(
            type(a) is np.ndarray and a.shape == theta.shape and a.dtype == theta.dtype and a.flags.writeable
            for a in value
        ):
            self.fail(name, value, type(value).__name__)
        return value

    def refused(self, name, arguments):
        theta = arguments["theta"]
        yield from ((np.empty_like(theta),), (np.empty_like(theta), np.empty(theta.size + 1)), [theta, theta])


def _native(array_: np.ndarray) -> np.dtype:
    """The dtype of `array_` in this machine's byte order: what a step of it is rounded to."""
    return array_.dtype.newbyteorder("=")


def _precise(array_: np.ndarray, *others: np.ndarray) -> np.ndarray:
    """`array_` in float64 at least, and as precise as `others`: a step is computed there and rounded once to its
    parameter's dtype (in float16, a learning rate of 1e-8 is 0, and 1e5 times 1e-7 overflows)."""
    return array_.astype(np.result_type(array_, *others, np.float64), copy=False)


@checked(
    lr=LEARNING_RATE,
    momentum=MOMENTUM_RANGE,
    theta=_UpdatedInPlace(),
    v=_Velocity(),
    grad=SameShapeAs(other="theta", ndims=PARAMETER_NDIM),
    out=Optional(_StepBuffers()),
    result=Finite(lambda step, _: {"the updated theta": step[0], "the updated velocity": step[1]}),
)
def momentum_step(
    theta: np.ndarray, v: np.ndarray, grad: np.ndarray, lr: float, momentum: float, *, out: tuple | None = None
) -> tuple:
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
    out : (numpy.ndarray, numpy.ndarray), optional
        Two arrays of the shape and dtype of `theta` to write $(\theta + v', v')$ into: a training loop's buffers.
        Without them, the step is computed in float64 at least and rounded once to the parameter's dtype.

    Examples
    --------
    >>> import numpy as np
    >>> momentum_step(np.array([1.0, 2.0]), np.zeros(2), np.array([0.5, -1.0]), lr=0.1, momentum=0.9)
    (array([0.95, 2.1 ]), array([-0.05,  0.1 ]))
    """
    theta_buffer, v_buffer = out or (None, None)
    lr_grad = np.multiply(lr, _precise(grad, theta), out=theta_buffer)  # eta dL/dtheta
    v_next = np.subtract(np.multiply(momentum, _precise(v, theta), out=v_buffer), lr_grad, out=v_buffer)  # mu v - ...
    theta_next = np.add(theta, v_next, out=lr_grad)  # theta + v', where eta dL/dtheta was: it is used
    return theta_next.astype(_native(theta), copy=False), v_next.astype(_native(v), copy=False)


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
    _take({"theta": theta}, {"theta": v}, {"theta": momentum_step(theta, v, grad, lr, momentum)})


def _take(parameters: dict, velocity: dict, steps: dict, spare: dict | None = None) -> None:
    """Take every computed step at once: each parameter, and its velocity if it has one, becomes its next value.
    Only ever called once every step is computed and finite, so an overflow leaves every parameter as it was.

    A parameter belongs to its network and is written in place. A velocity that the caller's loop owns, with the
    `spare` buffers its next value was computed into, is swapped with them instead of copied."""
    for name, (theta_next, v_next) in steps.items():
        if spare is not None:
            velocity[name], spare[name] = v_next, (spare[name][0], velocity[name])
        elif name in velocity:
            velocity[name][...] = v_next
        parameters[name][...] = theta_next


@checked(net=TRAINABLE, x=NETWORK_INPUTS, labels=NETWORK_LABELS, lr=LEARNING_RATE, steps=Integer(0))
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
    y = one_hot(labels, net.W2.shape[0]).astype(np.result_type(x, *net.parameters.values()))
    losses = [float(finite_result(net.loss(x, y), "L", {"x": x, **net.parameters}))]  # before any step
    for step in range(1, steps + 1):
        grads = net.backward(x, y)
        steps_ = {name: momentum_step(theta, 0 * theta, grads[name], lr, 0.0) for name, theta in net.parameters.items()}
        loss = float(TwoLayerNet(**{name: theta for name, (theta, _) in steps_.items()}).loss(x, y))
        if not all_finite_together([loss, *(theta for theta, _ in steps_.values())]):
            raise NumericalError(
                f"gradient_descent's step {step} was not taken: the parameters or the loss after it overflowed; "
                f"the parameters are as they were before it; try a smaller learning rate than lr={lr}"
            )
        _take(net.parameters, {}, steps_)
        losses.append(loss)
    return losses


class _TrainingInputs(Constraint):
    """The training examples, a 2-d array of columns for the network, in the dtype of the network's arithmetic."""

    finite = True

    def __str__(self) -> str:
        return "a 2-d array of examples as columns, one row per column of W1"

    def check(self, name, value, arguments):
        x = NETWORK_INPUTS.check(name, value, arguments)
        if x.ndim != 2:
            raise ValueError(f"{name} must be a 2-d array of examples as columns; got shape {x.shape}")
        return x.astype(np.result_type(x, *arguments["net"].parameters.values()), copy=False)

    def refused(self, name, arguments):
        yield from NETWORK_INPUTS.refused(name, arguments)
        yield arguments[name][:, 0]


class _Validation(Constraint):
    """A pair (x_val, labels_val) for the network, as `accuracy` takes them; returned with one-hot targets, as
    (x_val, labels_val, y_val), for the loss."""

    def __str__(self) -> str:
        return "a pair (x_val, labels_val)"

    def check(self, name, value, arguments):
        if not (isinstance(value, tuple | list) and len(value) == 2):
            self.fail(name, value, type(value).__name__)
        examples = {"net": arguments["net"]}
        try:
            examples["x"] = NETWORK_INPUTS.check("x", value[0], examples)
            labels = NETWORK_LABELS.check("labels", value[1], examples)
            check_finite("x", examples["x"])
        except ValueError as error:
            raise ValueError(f"{name}: {error}") from None
        net, x = arguments["net"], examples["x"]
        y = one_hot(labels, net.W2.shape[0]).astype(np.result_type(x, *net.parameters.values()))
        return x, labels, y

    def refused(self, name, arguments):
        x, labels, _ = arguments[name]
        yield from (x, (x,), (x, labels + 100), (x[:-1], labels))


class _StopAt(Interval):
    """An accuracy to stop at, which needs a validation set to measure it on."""

    def check(self, name, value, arguments):
        if value is not None and arguments["validation"] is None:
            raise ValueError(f"{name} needs validation=(x_val, labels_val) to measure the accuracy on")
        return None if value is None else super().check(name, value, arguments)

    def refused(self, name, arguments):
        yield from (v for v in super().refused(name, arguments) if v is not None)


@checked(
    net=TRAINABLE,
    x=_TrainingInputs(),
    labels=NETWORK_LABELS,
    epochs=Integer(1),
    batch_size=Integer(1),
    lr=LEARNING_RATE,
    momentum=MOMENTUM_RANGE,
    seed=Seed(),
    validation=Optional(_Validation()),
    progress=Boolean(),
    stop_at=_StopAt(0, 1, closed="right"),
)
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
    rng = np.random.default_rng(seed)
    n, k = x.shape[1], net.W2.shape[0]
    # Examples as rows, so that a batch is a gather of whole rows: about ten times faster than gathering
    # scattered columns. A copy of x, made once; none when x is Fortran-ordered (the transpose of rows).
    x_rows, y_rows = np.ascontiguousarray(x.T), one_hot(labels, k).T.astype(x.dtype, order="C")
    buffers = {size: net.buffers(size, x.dtype) for size in {min(batch_size, n), n % batch_size or batch_size}}
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
                    t = net.trace(x_rows[batch].T, y_rows[batch].T, buffers=buffers[len(batch)])
                    loss_sum += float(t.L) * len(batch)
                    correct += int(np.count_nonzero(np.argmax(t.z2, axis=0) == labels[batch]))
                    first_loss = _check_not_diverging(float(t.L), first_loss, k)
                    stage = "update"
                    grads = t.gradients
                    steps = {
                        name: momentum_step(theta, velocity[name], grads[name], lr, momentum, out=spare[name])
                        for name, theta in net.parameters.items()
                    }
                    _take(net.parameters, velocity, steps, spare)
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
    if validation is not None:  # measured as the loss and accuracy of the validation set, outside training's errstate
        x_val, labels_val, y_val = validation
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            val_loss = finite_result(net.loss(x_val, y_val), "the validation loss", {"x_val": x_val, **net.parameters})
            history.val_loss.append(float(val_loss))
            history.val_accuracy.append(accuracy(net, x_val, labels_val))


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
