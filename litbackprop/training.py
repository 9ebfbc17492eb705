r"""Mini-batch stochastic gradient descent for `TwoLayerNet`, with optional momentum.

One step on a batch $B$ with learning rate $\eta$ and momentum $\mu$:
$v \leftarrow \mu v - \eta \frac{\partial L_B}{\partial \theta}$, then $\theta \leftarrow \theta + v$
(plain SGD when $\mu = 0$).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from litbackprop._checks import as_float_array, check_seed, is_int
from litbackprop.network import TwoLayerNet


@dataclass
class History:
    """What `train` measured at the end of every epoch, on the whole training and validation sets.

    Attributes
    ----------
    loss, accuracy : list of float
        On the training set, one entry per epoch.
    val_loss, val_accuracy : list of float
        On the validation set, one entry per epoch; empty without validation.
    """

    loss: list[float] = field(default_factory=list)
    accuracy: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    val_accuracy: list[float] = field(default_factory=list)


def accuracy(net: TwoLayerNet, x, labels) -> float:
    """Fraction of the columns of `x` whose most probable class is the label.

    Examples
    --------
    >>> import numpy as np
    >>> from litbackprop import TwoLayerNet, accuracy
    >>> net = TwoLayerNet(np.eye(2), np.eye(2))
    >>> accuracy(net, np.array([[1.0, 0.0], [0.0, 1.0]]), np.array([0, 0]))
    0.5
    """
    x = net._check_x(x)
    labels = _check_labels("labels", labels, x, net.W2.shape[0])
    net._check_parameters()
    return _accuracy(net, x, labels)


def _accuracy(net: TwoLayerNet, x: np.ndarray, labels: np.ndarray) -> float:
    _, _, z2 = net._forward(x)
    return float(np.mean(np.argmax(z2, axis=0) == labels))


def train(
    net: TwoLayerNet,
    x,
    labels,
    *,
    epochs: int = 30,
    batch_size: int = 32,
    lr: float = 0.1,
    momentum: float = 0.0,
    seed: int = 0,
    validation: tuple | None = None,
    progress: bool = True,
    stop_at: float | None = None,
) -> History:
    r"""Train `net` in place by mini-batch SGD on the columns of `x`; return the per-epoch history.

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
    FloatingPointError
        When the loss becomes nan or inf; the message names the epoch and step.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(size=(2, 200))
    >>> labels = (x[0] > 0).astype(int)
    >>> net = TwoLayerNet.initialize(2, 8, 2, seed=0)
    >>> history = train(net, x, labels, epochs=20, lr=0.5, progress=False)
    >>> history.accuracy[-1] > 0.95
    True
    """
    if not isinstance(net, TwoLayerNet):
        raise ValueError(f"net must be a TwoLayerNet; got {type(net).__name__}")
    _check_hyperparameters(epochs, batch_size, lr, momentum)
    seed = check_seed(seed)
    if stop_at is not None:
        if validation is None:
            raise ValueError("stop_at needs validation=(x_val, labels_val) to measure the accuracy on")
        if isinstance(stop_at, bool) or not isinstance(stop_at, (int, float)) or not 0 < stop_at <= 1:
            raise ValueError(f"stop_at must be an accuracy in (0, 1], such as 0.97; got {stop_at!r}")
    k = net.W2.shape[0]
    x = net._check_x(x)
    if x.ndim != 2:
        raise ValueError(f"x must be a 2-d array of examples as columns; got shape {x.shape}")
    labels = _check_labels("labels", labels, x, k)
    x, y = net._check_xy(x, labels)
    if validation is not None:
        if not (isinstance(validation, tuple | list) and len(validation) == 2):
            raise ValueError(f"validation must be a pair (x_val, labels_val); got {type(validation).__name__}")
        try:
            val_x = net._check_x(validation[0])
        except ValueError as error:
            raise ValueError(f"validation: {error}") from None
        val_labels = _check_labels("validation labels", validation[1], val_x, k)
        val_x, val_y = net._check_xy(val_x, val_labels)

    rng = np.random.default_rng(seed)
    velocity = {name: np.zeros_like(value) for name, value in net.parameters.items()}
    history = History()
    n = x.shape[1]
    bar = _progress_bar(epochs, progress)
    epoch = step = 0
    try:
        # An overflow anywhere in a step raises at once, so no inf or nan reaches the weights.
        with np.errstate(over="raise", divide="raise", invalid="raise"):
            for epoch in range(1, epochs + 1):  # noqa: B007 (read by the except clause)
                order = rng.permutation(n)
                for step, start in enumerate(range(0, n, batch_size), start=1):  # noqa: B007
                    batch = order[start : start + batch_size]
                    # Inputs were checked once above; the per-step path skips the checks.
                    loss, grads = net._backward(x[:, batch], y[:, batch], with_loss=True)
                    if not np.isfinite(loss):
                        raise FloatingPointError(f"the loss became {loss}")
                    for name, param in net.parameters.items():
                        v = velocity[name]
                        v *= momentum
                        v -= lr * grads[name]
                        param += v
                step = "end"
                history.loss.append(float(net._loss_unchecked(x, y)))
                history.accuracy.append(_accuracy(net, x, labels))
                if validation is not None:
                    history.val_loss.append(float(net._loss_unchecked(val_x, val_y)))
                    history.val_accuracy.append(_accuracy(net, val_x, val_labels))
                if bar is not None:
                    bar.update(1)
                    bar.set_postfix(loss=f"{history.loss[-1]:.4f}", acc=f"{history.accuracy[-1]:.3f}")
                if stop_at is not None and history.val_accuracy[-1] >= stop_at:
                    break
    except FloatingPointError as error:
        where = f"epoch {epoch}, " + ("after its last step" if step == "end" else f"step {step}")
        raise FloatingPointError(
            f"training diverged at {where}: {error}; try a smaller learning rate than lr={lr}"
        ) from None
    finally:
        if bar is not None:
            bar.close()
    return history


def _check_labels(name: str, labels, x: np.ndarray, k: int) -> np.ndarray:
    """Integer class labels, one per column of `x`, each in 0…k-1; or ``ValueError`` naming them."""
    labels = np.asarray(labels)
    expected = x.shape[1:]
    if labels.dtype.kind not in "iu" or labels.shape != expected:
        raise ValueError(
            f"{name} must be integer class indices of shape {expected}, one per column of x; "
            f"got dtype {labels.dtype}, shape {labels.shape}"
        )
    if labels.size and (labels.min() < 0 or labels.max() >= k):
        bad = labels[(labels < 0) | (labels >= k)].flat[0]
        raise ValueError(f"{name} must be class indices in 0…{k - 1}; got {bad}")
    return labels


def _check_hyperparameters(epochs, batch_size, lr, momentum) -> None:
    if not is_int(epochs) or epochs < 1:
        raise ValueError(f"epochs must be an integer >= 1; got {epochs!r}")
    if not is_int(batch_size) or batch_size < 1:
        raise ValueError(f"batch_size must be an integer >= 1; got {batch_size!r}")
    if isinstance(lr, bool):
        raise ValueError(f"lr must be a learning rate > 0; got {lr!r}")
    lr_value = float(as_float_array("lr", lr, (0,)))
    if lr_value <= 0:
        raise ValueError(f"lr must be a learning rate > 0; got {lr!r}")
    momentum_value = float(as_float_array("momentum", momentum, (0,)))
    if not 0 <= momentum_value < 1:
        raise ValueError(f"momentum must be in [0, 1); got {momentum!r}")


def _progress_bar(epochs: int, progress: bool):
    if not progress:
        return None
    try:
        from tqdm.auto import tqdm
    except ImportError:  # the bar is a nicety; training does not need it
        return None
    return tqdm(total=epochs, unit="epoch", desc="training")
