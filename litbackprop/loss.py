r"""Cross-entropy loss on softmax outputs, and where the backward pass starts.

The loss of a batch is the mean over its N columns, so every gradient carries
a factor $1/N$; for a single example $N = 1$.
"""

from __future__ import annotations

import numpy as np

from litbackprop._checks import as_float_array, check_same_shape
from litbackprop.activations import _log_softmax


def cross_entropy(y, y_hat) -> np.floating:
    r"""Cross-entropy $L = \text{CE}(y, \hat y) = -\frac{1}{N}\sum_{n}\sum_i y_{in} \log \hat y_{in}$.

    Parameters
    ----------
    y : array_like, shape (k,) or (k, N)
        One-hot targets, one column per example.
    y_hat : array_like, same shape as y
        Predicted probabilities, each column summing to 1.

    Returns
    -------
    numpy.floating
        The loss, averaged over the N examples of a batch.

    Examples
    --------
    >>> round(float(cross_entropy([0.0, 1.0], [0.5, 0.5])), 6)
    0.693147
    """
    y, y_hat = _check_targets(y, _check_probabilities(y_hat), "y_hat")
    picked = (y_hat * y).sum(axis=0)
    if (picked == 0).any():
        n = int(np.argmax(picked == 0))
        raise ValueError(
            f"y_hat gives probability 0 to the true class of example {n}, so the loss is infinite; "
            "compute it from the logits with cross_entropy_from_logits(y, z), which stays finite"
        )
    # + 0.0 turns the -0.0 of a perfect prediction into 0.0
    return -np.log(picked).sum() / _batch_size(y) + 0.0


def cross_entropy_from_logits(y, z) -> np.floating:
    r"""Cross-entropy of $\text{softmax}(z)$, computed from the logits.

    $L = -\frac{1}{N}\sum_n \sum_i y_{in}\,(z_{in} - \log\sum_j e^{z_{jn}})$.

    Equal to ``cross_entropy(y, softmax(z))``, but finite where the softmax
    rounds a probability to 0 and its logarithm would be ``-inf``.

    Examples
    --------
    >>> round(float(cross_entropy_from_logits([0.0, 1.0], [0.0, 0.0])), 6)
    0.693147
    >>> float(cross_entropy_from_logits([0.0, 1.0], [1000.0, 0.0]))
    1000.0
    """
    y, z = _check_targets(y, as_float_array("z", z), "z")
    return _cross_entropy_from_logits(y, z)


def _cross_entropy_from_logits(y: np.ndarray, z: np.ndarray) -> np.floating:
    return -(y * _log_softmax(z)).sum() / _batch_size(y)


def grad_loss(L) -> np.ndarray:
    r"""The seed of backpropagation, $\frac{\partial L}{\partial L} = 1$, in the dtype of `L`.

    Examples
    --------
    >>> float(grad_loss(0.25))
    1.0
    """
    L = as_float_array("L", L, (0,))
    return np.ones_like(L)[()]


def grad_logits(y_hat, y, dL=1.0) -> np.ndarray:
    r"""Gradient of softmax and cross-entropy with respect to the logits.

    $\frac{\partial L}{\partial z^{(2)}} = \hat y - y$.

    For a batch of N columns the loss is a mean, so the gradient is
    $(\hat y - y)/N$; it is scaled by the upstream `dL` (1 when $L$ is the final output).

    Examples
    --------
    >>> grad_logits([0.25, 0.75], [0.0, 1.0])
    array([ 0.25, -0.25])
    """
    y, y_hat = _check_targets(y, _check_probabilities(y_hat), "y_hat")
    dL = as_float_array("dL", dL, (0,)).astype(y_hat.dtype)  # a float64 seed must not promote float32 work
    return _grad_logits(y_hat, y, dL)


def _grad_logits(y_hat: np.ndarray, y: np.ndarray, dL=1.0, out: np.ndarray | None = None) -> np.ndarray:
    dz = np.subtract(y_hat, y, out=out)
    dz *= dL / _batch_size(y)
    return dz


def _check_probabilities(y_hat) -> np.ndarray:
    """`y_hat` as an array whose columns are probability distributions, or a ``ValueError``."""
    y_hat = as_float_array("y_hat", y_hat)
    if ((y_hat < 0) | (y_hat > 1)).any():
        raise ValueError("y_hat must hold probabilities in [0, 1] (a softmax output, not logits); got values outside")
    sums = y_hat.sum(axis=0)
    tolerance = 100 * y_hat.shape[0] * np.finfo(y_hat.dtype).eps
    if (np.abs(sums - 1) > tolerance).any():
        worst = float(sums.flat[np.argmax(np.abs(sums - 1))])
        raise ValueError(f"each column of y_hat must sum to 1 (a softmax output); got a column summing to {worst:.6g}")
    return y_hat


def _batch_size(y: np.ndarray) -> int:
    return 1 if y.ndim == 1 else y.shape[1]


def one_hot(labels, k: int) -> np.ndarray:
    r"""One-hot columns for integer class labels: column $n$ is $e_{\text{labels}_n}$.

    Parameters
    ----------
    labels : array_like of int, shape () or (N,)
        Class indices in ``0 … k-1``.
    k : int
        The number of classes.

    Returns
    -------
    numpy.ndarray, shape (k,) or (k, N), float64

    Examples
    --------
    >>> one_hot([2, 0], 3)
    array([[0., 1.],
           [0., 0.],
           [1., 0.]])
    """
    if not isinstance(k, (int, np.integer)) or isinstance(k, bool) or k < 1:
        raise ValueError(f"k must be a positive integer number of classes; got {k!r}")
    labels = np.asarray(labels)
    if labels.dtype.kind not in "iu" or labels.ndim > 1:
        raise ValueError(
            f"labels must be integer class indices of shape () or (N,); got dtype {labels.dtype}, shape {labels.shape}"
        )
    if labels.size == 0:
        raise ValueError(f"labels must not be empty; got an array of shape {labels.shape}")
    outside = (labels < 0) | (labels >= k)
    if outside.any():
        raise ValueError(f"labels must be class indices in 0…{k - 1}; got {labels[outside].flat[0]}")
    y = np.zeros((k, labels.size))  # no k × k identity to index: k may be large
    y[labels.ravel(), np.arange(labels.size)] = 1.0
    return y.reshape((k, *labels.shape))


def _check_targets(y, prediction: np.ndarray, prediction_name: str):
    """Check `y` is one-hot with the shape of `prediction`; return both, `y` in the prediction's dtype."""
    y = as_float_array("y", y)
    check_same_shape("y", y, prediction_name, prediction)
    _check_one_hot(y)
    # One-hot entries are exactly 0 or 1 in any dtype: casting keeps float32 work in float32.
    return y.astype(prediction.dtype, copy=False), prediction


def _check_one_hot(y: np.ndarray) -> None:
    # N nonzero entries, all of them 1, and every column summing to 1: a single 1 per column.
    # Counting, and column sums as a matrix-vector product, cost a fraction of comparing
    # every entry with 0 and with 1 and reducing along the short axis.
    n = 1 if y.ndim == 1 else y.shape[1]
    one_hot = np.count_nonzero(y) == n and np.count_nonzero(y == 1) == n
    if one_hot and y.ndim == 2:
        one_hot = bool((np.ones(y.shape[0], y.dtype) @ y == 1).all())
    if not one_hot:
        raise ValueError(
            "y must be one-hot: zeros and a single 1 in each column (one per example); "
            f"got an array of shape {y.shape} that is not"
        )
