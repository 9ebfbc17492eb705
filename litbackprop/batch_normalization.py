r"""Batch normalization: each unit's pre-activations normalized over the batch, then scaled and shifted.

For a batch $z$ of shape (d, N), one column per example, each unit (row) has a mean $\mu$ and a variance
$\sigma^2$ over the N columns; then $\hat z = (z - \mu)/\sqrt{\sigma^2 + \epsilon}$ and
$u = \gamma \odot \hat z + \beta$, with $\gamma$ and $\beta$ learned, one per unit
([Ioffe and Szegedy, 2015](https://arxiv.org/abs/1502.03167)). In training, $\mu$ and $\sigma^2$ are the
batch's own (`batch_statistics`); at inference, running averages of them (`running_average`), so that an
example's output does not depend on the others in its batch.
"""

from __future__ import annotations

import numpy as np

from litbackprop._checks import Array, BiasOf, Finite, Interval, SameShapeAs, check_finite, checked


class _Batch(Array):
    """A batch of pre-activations, (d, N), with at least two columns: one example has no spread to normalize by."""

    def __str__(self) -> str:
        return "a batch (d, N) of at least two columns"

    def check(self, name, value, arguments):
        z = super().check(name, value, arguments)
        if z.shape[1] < 2:
            raise ValueError(
                f"{name} must have at least 2 columns (examples): the variance of one example is 0, and batch "
                f"normalization divides by it; got shape {z.shape}"
            )
        return z

    def refused(self, name, arguments):
        yield from super().refused(name, arguments)
        yield np.ones((3, 1))


class _Variances(BiasOf):
    """Variances, one per row of `z`: finite and not negative."""

    def check(self, name, value, arguments):
        var = check_finite(name, super().check(name, value, arguments))  # an inf would make u 0, finite: named here
        if var.min() < 0:
            raise ValueError(f"{name} must hold variances, each >= 0; got {var.min():g}")
        return var

    def refused(self, name, arguments):
        yield from super().refused(name, arguments)
        yield -np.ones(arguments[self.W].shape[0])


BATCH = _Batch((2,))
PER_UNIT = BiasOf(W="z", ndims=(1,))
EPS = Interval(0.0, np.inf)


@checked(z=BATCH)
def batch_statistics(z) -> tuple[np.ndarray, np.ndarray]:
    r"""The mean and the variance of each unit over the batch, $\mu = \frac{1}{N}\sum_n z_n$ and
    $\sigma^2 = \frac{1}{N}\sum_n (z_n - \mu)^2$ (divided by N, not N - 1, as in training).

    Parameters
    ----------
    z : array_like, shape (d, N)
        A batch of pre-activations, one column per example, at least two.

    Returns
    -------
    tuple of numpy.ndarray
        $\mu$ and $\sigma^2$, each of shape (d,).

    Examples
    --------
    >>> mu, var = batch_statistics([[1.0, 3.0], [2.0, 2.0]])
    >>> mu, var
    (array([2., 2.]), array([1., 0.]))
    """
    mu = z.mean(axis=1)
    return mu, ((z - mu[:, np.newaxis]) ** 2).mean(axis=1)


@checked(
    z=Array((2,)),
    gamma=PER_UNIT,
    beta=PER_UNIT,
    mu=PER_UNIT,
    var=_Variances(W="z", ndims=(1,)),
    eps=EPS,
    result=Finite("u"),
)
def batch_norm(z, gamma, beta, mu, var, eps: float = 1e-5) -> np.ndarray:
    r"""Normalize each unit, then scale and shift it: $u = \gamma \odot \frac{z - \mu}{\sqrt{\sigma^2 +
    \epsilon}} + \beta$.

    In training, `mu` and `var` are the batch's (`batch_statistics`); at inference, running averages.

    Parameters
    ----------
    z : array_like, shape (d, N)
        Pre-activations, one column per example.
    gamma, beta : array_like, shape (d,)
        The scale and the shift of each unit.
    mu, var : array_like, shape (d,)
        The mean and the variance each unit is normalized by.
    eps : float, default 1e-5
        Added to the variance, so that a unit whose values are all equal is not divided by 0.

    Examples
    --------
    >>> z = np.array([[1.0, 3.0], [2.0, 2.0]])
    >>> batch_norm(z, [1.0, 1.0], [0.0, 5.0], *batch_statistics(z), eps=1e-12).round(6)
    array([[-1.,  1.],
           [ 5.,  5.]])
    """
    z_hat = (z - mu[:, np.newaxis]) / np.sqrt(var[:, np.newaxis] + eps)
    return gamma[:, np.newaxis] * z_hat + beta[:, np.newaxis]


@checked(
    z=BATCH,
    du=SameShapeAs(other="z", ndims=(2,)),
    gamma=PER_UNIT,
    eps=EPS,
    result=Finite(lambda grads, arguments: dict(zip(("dz", "dgamma", "dbeta"), grads, strict=True))),
)
def grad_batch_norm(du, z, gamma, eps: float = 1e-5) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""Backward through batch normalization in training, in its compact form.

    With $\hat z$ and $\sigma^2$ the forward pass's (recomputed here from `z`),
    $\frac{\partial L}{\partial \beta} = \sum_n \frac{\partial L}{\partial u_n}$,
    $\frac{\partial L}{\partial \gamma} = \sum_n \frac{\partial L}{\partial u_n} \odot \hat z_n$ and, with
    $g_n = \gamma \odot \frac{\partial L}{\partial u_n}$,
    $\frac{\partial L}{\partial z_n} = \frac{1}{N\sqrt{\sigma^2 + \epsilon}} \odot
    \left(N g_n - \sum_m g_m - \hat z_n \odot \sum_m g_m \odot \hat z_m\right)$.

    Parameters
    ----------
    du : array_like, shape (d, N)
        Upstream gradient $\partial L / \partial u$.
    z : array_like, shape (d, N)
        The batch that went into the forward pass, at least two columns.
    gamma : array_like, shape (d,)
        The scale of each unit.
    eps : float, default 1e-5
        The forward pass's $\epsilon$.

    Returns
    -------
    tuple of numpy.ndarray
        $\partial L/\partial z$, shape (d, N); $\partial L/\partial \gamma$ and $\partial L/\partial \beta$, shape (d,).

    Examples
    --------
    >>> dz, dgamma, dbeta = grad_batch_norm(np.ones((1, 2)), np.array([[1.0, 3.0]]), np.array([2.0]))
    >>> dz, dbeta
    (array([[0., 0.]]), array([2.]))
    """
    N = z.shape[1]
    mu, var = batch_statistics.math(z)
    z_hat = (z - mu[:, np.newaxis]) / np.sqrt(var[:, np.newaxis] + eps)
    g = gamma[:, np.newaxis] * du  # dL/dz_hat
    dz = (N * g - g.sum(axis=1, keepdims=True) - z_hat * (g * z_hat).sum(axis=1, keepdims=True)) / (
        N * np.sqrt(var[:, np.newaxis] + eps)
    )
    return dz, (du * z_hat).sum(axis=1), du.sum(axis=1)


@checked(running=Array((1,)), batch=SameShapeAs(other="running", ndims=(1,)), momentum=Interval(0.0, 1.0, "left"))
def running_average(running, batch, momentum: float = 0.9) -> np.ndarray:
    r"""The running average inference uses: $m \cdot \text{running} + (1 - m) \cdot \text{batch}$.

    Parameters
    ----------
    running : array_like, shape (d,)
        The average so far (a mean or a variance per unit).
    batch : array_like, shape (d,)
        The batch's own.
    momentum : float in [0, 1), default 0.9
        How much of the average so far is kept at each step.

    Examples
    --------
    >>> running_average(np.array([0.0, 1.0]), np.array([1.0, 3.0]))
    array([0.1, 1.2])
    """
    return momentum * running + (1 - momentum) * batch
