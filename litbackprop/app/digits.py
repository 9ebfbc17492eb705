"""The 8×8 handwritten digits that ship inside scikit-learn (1,797 images, no download), split for training.

Images become columns of 64 pixels scaled to [0, 1], as the rest of the
library expects: ``x`` of shape ``(64, N)`` and integer labels of shape ``(N,)``.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import NamedTuple

import numpy as np

from litbackprop._checks import Integer, Interval, Seed, check_array_size, checked
from litbackprop.network import TwoLayerNet
from litbackprop.training import BATCH_SIZE, EPOCHS, LR, MOMENTUM, History, train

HIDDEN = 64
PIXELS = 8 * 8


class DigitsSplit(NamedTuple):
    """Train, validation and test sets: inputs as columns, integer labels."""

    x_train: np.ndarray
    labels_train: np.ndarray
    x_val: np.ndarray
    labels_val: np.ndarray
    x_test: np.ndarray
    labels_test: np.ndarray


@checked(test_fraction=Interval(0, 1), val_fraction=Interval(0, 1), seed=Seed())
def load_digits_split(test_fraction: float = 0.25, val_fraction: float = 0.1, seed: int = 0) -> DigitsSplit:
    """Load scikit-learn's digits and split them at random, the same way for the same `seed`.

    `test_fraction` of the images are held out for the final test; of the rest,
    `val_fraction` is kept aside for validation during training.

    Parameters
    ----------
    test_fraction : float, default 0.25
        The share of the images held out for the final test.
    val_fraction : float, default 0.1
        The share of the rest kept aside for validation.
    seed : int, default 0
        Seeds the split.

    Examples
    --------
    >>> split = load_digits_split()
    >>> split.x_train.shape, split.x_val.shape, split.x_test.shape
    ((64, 1213), (64, 135), (64, 449))
    >>> float(split.x_train.max())
    1.0
    """
    pixels, labels = _digits()
    x = (pixels / 16.0).T  # pixels are 0…16
    order = np.random.default_rng(seed).permutation(labels.size)
    n_test = int(round(test_fraction * labels.size))
    test, rest = order[:n_test], order[n_test:]
    n_val = int(round(val_fraction * rest.size))
    val, train = rest[:n_val], rest[n_val:]
    return DigitsSplit(x[:, train], labels[train], x[:, val], labels[val], x[:, test], labels[test])


def _digits() -> tuple[np.ndarray, np.ndarray]:
    """The 1,797 images, one per row of 64 pixels, and their labels, as scikit-learn ships them.

    Importing scikit-learn takes over a second (it brings scipy along), more than the rest of a
    training run: the data file is found without importing it and read as scikit-learn's own
    ``load_digits`` reads it, with ``load_digits`` itself as the fallback should the file ever move.
    """
    spec = importlib.util.find_spec("sklearn")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("the digits data set comes with scikit-learn: pip install 'litbackprop[train]'")
    path = Path(spec.submodule_search_locations[0], "datasets", "data", "digits.csv.gz")
    if path.is_file():
        data = np.loadtxt(path, delimiter=",")  # the last column is the label
        return data[:, :-1], data[:, -1].astype(np.int64)
    from sklearn.datasets import load_digits

    digits = load_digits()
    return digits.data, digits.target.astype(np.int64)


class DigitsRun(NamedTuple):
    """A trained network, its per-epoch history and the split it was trained on."""

    net: TwoLayerNet
    history: History
    split: DigitsSplit


def train_digits(
    hidden: int = HIDDEN,
    epochs: int = EPOCHS,
    batch_size: int = BATCH_SIZE,
    lr: float = LR,
    momentum: float = MOMENTUM,
    seed: int = 0,
    progress: bool = True,
) -> DigitsRun:
    """Train a `TwoLayerNet` with biases on the digits: He initialisation and SGD, all seeded by `seed`.

    The defaults are the ones the command line, the notebook page and the
    tests use; the digits page shows the accuracy they reach, and the
    Performance page how long they take.

    Parameters
    ----------
    hidden : int
        Hidden units.
    epochs, batch_size, lr, momentum : optional
        As for [`train`][litbackprop.training.train].
    seed : int, default 0
        Seeds the split, the initial weights and the shuffling.
    progress : bool, default True
        Show a progress bar over the epochs.
    """
    hidden = Integer(1).check("hidden", hidden)  # before the data is loaded; train checks the rest
    check_array_size("hidden", hidden, hidden * PIXELS, np.dtype(np.float64).itemsize, f"W1 ({hidden} × {PIXELS})")
    split = load_digits_split(seed=seed)
    net = TwoLayerNet.initialize(split.x_train.shape[0], hidden, 10, seed=seed)
    history = train(
        net,
        split.x_train,
        split.labels_train,
        epochs=epochs,
        batch_size=batch_size,
        lr=lr,
        momentum=momentum,
        seed=seed,
        validation=(split.x_val, split.labels_val),
        progress=progress,
    )
    return DigitsRun(net, history, split)


def as_images(x) -> np.ndarray:
    """Columns of 64 pixels, ``(64, N)``, as the convolutional network reads them: one channel of 8 × 8 pixels,
    ``(1, 8, 8, N)`` (the pixels of a column are the image's rows, one after the other).

    Parameters
    ----------
    x : array_like, shape (64, N)
        Digits as columns, as `load_digits_split` gives them.

    Examples
    --------
    >>> as_images(np.arange(64.0)[:, None])[0, 1, :3, 0]  # the second row starts at pixel 8
    array([ 8.,  9., 10.])
    """
    x = np.asarray(x, dtype=float)
    if x.ndim != 2 or x.shape[0] != PIXELS:
        raise ValueError(f"x must have shape (64, N), one digit of 8 × 8 pixels per column; got shape {x.shape}")
    return x.reshape(8, 8, 1, -1).transpose(2, 0, 1, 3)


FILTERS, CNN_EPOCHS, CNN_LR = 16, 30, 0.05
"""The digits' convolutional network: 16 filters of 3 × 3, and 30 epochs of SGD at a learning rate of 0.05 with
`MOMENTUM`, in batches of `BATCH_SIZE`."""


def train_digits_cnn(
    filters: int = FILTERS, epochs: int = CNN_EPOCHS, lr: float = CNN_LR, momentum: float = MOMENTUM, seed: int = 0
):
    """Train a `ConvNet` on the digits' training set, on the split `train_digits` uses: He's weights, then
    mini-batch SGD with momentum (`sgd_update`), every draw seeded by `seed`.

    Parameters
    ----------
    filters : int, default 16
        The network's filters.
    epochs : int, default 30
        Passes over the training set.
    lr : float, default 0.05
        The learning rate.
    momentum : float, default 0.9
        The momentum.
    seed : int, default 0
        Seeds the split, the initial weights and the order of the batches.

    Returns
    -------
    tuple
        The network, its training loss after each epoch, and the split.

    Examples
    --------
    >>> net, losses, split = train_digits_cnn(filters=2, epochs=1)
    >>> net.W1.shape, len(losses)
    ((2, 1, 3, 3), 1)
    """
    from litbackprop.convolutional_network import ConvNet
    from litbackprop.training import sgd_update

    filters, epochs = Integer(1).check("filters", filters), Integer(1).check("epochs", epochs)
    split = load_digits_split(seed=seed)
    x, labels = as_images(split.x_train), split.labels_train
    net = ConvNet.initialize(channels=1, filters=filters, classes=10, image=8, seed=seed)
    velocity = {name: np.zeros_like(theta) for name, theta in net.parameters.items()}
    order, losses = np.random.default_rng(seed + 1), []
    for _ in range(epochs):
        shuffled, total = order.permutation(labels.size), 0.0
        for start in range(0, labels.size, BATCH_SIZE):
            batch = shuffled[start : start + BATCH_SIZE]
            t = net.trace(x[..., batch], labels[batch])
            total += float(t.L) * batch.size
            grads = t.gradients
            for name, theta in net.parameters.items():
                sgd_update(theta, velocity[name], grads[name], lr, momentum)
        losses.append(total / labels.size)
    return net, losses, split
