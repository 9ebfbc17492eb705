r"""Checking analytic gradients against central differences.

The centred difference $\frac{f(\theta + \epsilon) - f(\theta - \epsilon)}{2\epsilon}$
has a truncation error of order $\epsilon^2$; in float64 with $\epsilon = 10^{-6}$
an analytic gradient that is right agrees with it to about $10^{-8}$ relative.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def numerical_gradient(f: Callable[[], float], param: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    r"""Central-difference gradient of `f` with respect to `param`.

    Entry $i$ is $\frac{f(\theta_i + \epsilon) - f(\theta_i - \epsilon)}{2\epsilon}$.

    Parameters
    ----------
    f : callable
        Takes no arguments and returns a scalar computed from the current
        values in `param`.
    param : numpy.ndarray
        A floating array that `f` reads; each entry is nudged in place and
        written back exactly as it was.
    eps : float, default 1e-6
        The step $\epsilon$.

    Returns
    -------
    numpy.ndarray
        Same shape as `param`, in float64.

    Examples
    --------
    >>> import numpy as np
    >>> w = np.array([1.0, 2.0])
    >>> numerical_gradient(lambda: float((w ** 2).sum()), w).round(6)
    array([2., 4.])
    >>> w
    array([1., 2.])
    """
    if not callable(f):
        raise ValueError(f"f must be a callable taking no arguments; got {type(f).__name__}")
    if not isinstance(param, np.ndarray) or param.dtype != np.float64:
        raise ValueError(
            "param must be a float64 numpy array that f reads (it is nudged in place; in float32, rounding "
            "swamps a central difference); "
            f"got {type(param).__name__}" + (f" of dtype {param.dtype}" if isinstance(param, np.ndarray) else "")
        )
    if isinstance(eps, bool) or not (isinstance(eps, (int, float)) and np.isfinite(eps) and eps > 0):
        raise ValueError(f"eps must be a positive finite number; got {eps!r}")
    grad = np.zeros(param.shape, dtype=np.float64)
    for i in np.ndindex(param.shape):
        old = param[i]
        if not np.isfinite(old):
            raise ValueError(f"param must be finite; got {old} at index {i}")
        if old + eps == old:
            raise ValueError(f"eps={eps!r} is too small to change param[{i}] = {float(old)!r}")
        try:
            param[i] = old + eps
            f_plus = _scalar(f())
            param[i] = old - eps
            f_minus = _scalar(f())
        finally:
            param[i] = old
        if not (np.isfinite(f_plus) and np.isfinite(f_minus)):
            raise ValueError(f"f must stay finite; it gave {f_plus} and {f_minus} around param[{i}]")
        grad[i] = (f_plus - f_minus) / (2 * eps)
    return grad


def _scalar(value) -> float:
    if np.ndim(value) != 0 or not isinstance(np.asarray(value).item(), (int, float)):
        raise ValueError(f"f must return a real scalar; got {type(value).__name__} of shape {np.shape(value)}")
    return float(value)


def relative_error(analytic, numerical) -> float:
    r"""Relative error $\frac{\lVert g_a - g_n \rVert}{\max(\lVert g_a \rVert, \lVert g_n \rVert)}$, 0 when both are 0.

    One number for the whole array, so a gradient entry that is exactly 0
    (a ReLU unit that is off) does not turn into 0/0.

    Examples
    --------
    >>> relative_error([1.0, 0.0], [1.0, 0.0])
    0.0
    >>> relative_error([1.0], [1.1])
    0.0909...
    """
    analytic = np.asarray(analytic, dtype=np.float64)
    numerical = np.asarray(numerical, dtype=np.float64)
    if not (np.isfinite(analytic).all() and np.isfinite(numerical).all()):
        raise ValueError("analytic and numerical must be finite; got nan or inf")
    if analytic.shape != numerical.shape:
        raise ValueError(f"numerical must have the shape of analytic, {analytic.shape}; got shape {numerical.shape}")
    scale = max(np.linalg.norm(analytic), np.linalg.norm(numerical))
    if scale == 0:
        return 0.0
    return float(np.linalg.norm(analytic - numerical) / scale)


def gradient_check(model, x, y=None, eps: float = 1e-6) -> dict[str, float]:
    r"""Relative error of `model.backward` against central differences of `model.loss`, per parameter.

    Parameters
    ----------
    model : TwoLayerNet or Neuron
        Any object with a ``parameters`` dict and ``backward`` and ``loss``
        methods taking ``(x, y)``, or ``(x)`` when `y` is None.
    x : array_like, shape (d,) or (d, N)
        The inputs, one example per column.
    y : array_like, optional
        Their targets, for a model with a loss: one-hot columns, or integer
        class labels. None for a `Neuron`, whose output is what it differentiates.
    eps : float, default 1e-6

    Returns
    -------
    dict
        ``{name: relative error}`` for every parameter ``backward`` returns.

    Examples
    --------
    >>> import numpy as np
    >>> from litbackprop import Neuron, TwoLayerNet
    >>> rng = np.random.default_rng(0)
    >>> net = TwoLayerNet(rng.normal(size=(4, 3)), rng.normal(size=(2, 4)))
    >>> errors = gradient_check(net, rng.normal(size=(3, 5)), np.array([0, 1, 1, 0, 1]))
    >>> sorted(errors), all(e < 1e-7 for e in errors.values())
    (['W1', 'W2'], True)
    >>> gradient_check(Neuron([2.0, -3.0, 1.0]), [-1.0, -2.0, 1.0])["w"] < 1e-7
    True
    """
    methods = ("parameters", "backward", "loss")
    if not all(hasattr(model, name) for name in methods) or not isinstance(model.parameters, dict):
        raise ValueError(
            f"model must have a parameters dict and backward and loss methods, like TwoLayerNet or Neuron; "
            f"got {type(model).__name__}"
        )
    args = (x,) if y is None else (x, y)
    analytic = model.backward(*args)
    parameters = model.parameters
    return {
        name: relative_error(grad, numerical_gradient(lambda: model.loss(*args), parameters[name], eps))
        for name, grad in analytic.items()
    }
