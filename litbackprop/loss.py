r"""Cross-entropy loss on softmax outputs, and where the backward pass starts.

The loss of a batch is the mean over its N columns, so every gradient carries
a factor $1/N$; for a single example $N = 1$.
"""

from __future__ import annotations

import numpy as np

from litbackprop._checks import (
    Array,
    Finite,
    Integer,
    LabelsBelow,
    OneHotLike,
    Out,
    Probabilities,
    batch_size,
    check_array_size,
    checked,
    working_dtype,
)


class _TargetsWithProbability(OneHotLike):
    """One-hot targets for `y_hat` whose true classes `y_hat` gives a probability above 0: a finite loss."""

    def check(self, name, value, arguments):
        y = super().check(name, value, arguments)
        picked = (arguments["y_hat"] * y).sum(axis=0)
        if (picked == 0).any():
            n = int(np.argmax(picked == 0))
            raise ValueError(
                f"y_hat gives probability 0 to the true class of example {n}, so the loss is infinite; "
                "compute it from the logits with cross_entropy_from_logits(y, z), which stays finite"
            )
        return y


@checked(y_hat=Probabilities(), y=_TargetsWithProbability(other="y_hat"))
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
    true_class = (y * y_hat).sum(axis=0)  # each example's probability of its true class
    return 0.0 - np.log(true_class).mean()  # 0.0 - rather than -: a perfect prediction's loss is 0.0, not -0.0


@checked(z=Array(), y=OneHotLike(other="z"), result=Finite("L"))
def cross_entropy_from_logits(y, z) -> np.floating:
    r"""Cross-entropy of $\text{softmax}(z)$, computed from the logits.

    $L = -\frac{1}{N}\sum_n \sum_i y_{in}\,(z_{in} - \log\sum_j e^{z_{jn}})$.

    Equal to ``cross_entropy(y, softmax(z))``, but finite where the softmax
    rounds a probability to 0 and its logarithm would be ``-inf``.

    Parameters
    ----------
    y : array_like, shape (k,) or (k, N)
        One-hot targets, one column per example.
    z : array_like, same shape as y
        Logits.

    Examples
    --------
    >>> round(float(cross_entropy_from_logits([0.0, 1.0], [0.0, 0.0])), 6)
    0.693147
    >>> float(cross_entropy_from_logits([0.0, 1.0], [1000.0, 0.0]))
    1000.0
    """
    m = z.max(axis=0)  # log sum_j e^{z_j} = m + log sum_j e^{z_j - m}, and no exponential overflows
    true_logit = (y * z).sum(axis=0)  # z is finite, so the zeros of y pick each example's true logit exactly
    # z - m is -inf where logits spread past the largest float: its exponential is 0 all the same
    return (np.log(np.exp(z - m).sum(axis=0)) - (true_logit - m)).mean() + 0.0  # + 0.0: -0.0 becomes 0.0


@checked(L=Array((0,)))
def grad_loss(L) -> np.ndarray:
    r"""The seed of backpropagation, $\frac{\partial L}{\partial L} = 1$, in the dtype of `L`.

    Parameters
    ----------
    L : float
        The loss, a scalar: only its dtype is read.

    Examples
    --------
    >>> float(grad_loss(0.25))
    1.0
    """
    return L.dtype.type(1)


@checked(
    y_hat=Probabilities(),
    y=OneHotLike(other="y_hat"),
    dL=Array((0,)),
    out=Out(shape=lambda a: a["y_hat"].shape),
    result=Finite("dL/dz"),
)
def grad_logits(y_hat, y, dL=1.0, *, out=None) -> np.ndarray:
    r"""Gradient of softmax and cross-entropy with respect to the logits.

    $\frac{\partial L}{\partial z^{(2)}} = \hat y - y$.

    For a batch of N columns the loss is a mean, so the gradient is
    $(\hat y - y)/N$; it is scaled by the upstream `dL` (1 when $L$ is the final output).

    Parameters
    ----------
    y_hat : array_like, shape (k,) or (k, N)
        The softmax output.
    y : array_like, same shape as y_hat
        One-hot targets.
    dL : float, default 1.0
        Upstream gradient $\partial(\text{output})/\partial L$.
    out : numpy.ndarray, optional
        Where to write the result (a training loop's buffer, which may be `y_hat`'s own), of its shape and dtype.

    Examples
    --------
    >>> grad_logits([0.25, 0.75], [0.0, 1.0])
    array([ 0.25, -0.25])
    """
    dz = np.subtract(y_hat, y, out=out)  # y_hat - y
    # times dL / N, computed in float32 at least: in float16, dL alone may not fit where the product does
    return np.multiply(dz, float(dL) / batch_size(y), out=dz, dtype=working_dtype(dz))


class _ColumnsThatFit(LabelsBelow):
    """Labels for `one_hot`, once k columns of their number are an array numpy can make."""

    def check(self, name, value, arguments):
        labels = super().check(name, value, arguments)
        k = arguments["k"]
        check_array_size("k", k, k * labels.size, np.dtype(np.float64).itemsize, f"{k} × {labels.size} one-hot entries")
        return labels


@checked(k=Integer(1), labels=_ColumnsThatFit("k"))
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
    y = np.zeros((k, labels.size))  # no k × k identity to index: k may be large
    y[labels.ravel(), np.arange(labels.size)] = 1.0
    return y.reshape((k, *labels.shape))
