r"""Checking analytic gradients against central differences.

The centred difference $\frac{f(\theta + \epsilon) - f(\theta - \epsilon)}{2\epsilon}$
has a truncation error of order $\epsilon^2$; in float64 with $\epsilon = 10^{-6}$
an analytic gradient that is right agrees with it to about $10^{-8}$ relative.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable

import numpy as np

from litbackprop._checks import PARAMETER_NDIM, Array, Function, Interval, SameShapeAs, checked, finite_result


class _Float64Param(Array):
    """A float64 numpy array that `f` reads, nudged in place: in float32, rounding swamps a central difference at
    the steps that resolve a gradient well (a step sized for float32, near 1e-2, checks it only coarsely)."""

    def __str__(self) -> str:
        return "a writable float64 numpy array that f reads"

    def check(self, name, param, arguments):
        if not isinstance(param, np.ndarray) or param.dtype.kind != "f" or param.dtype.itemsize != 8:
            raise ValueError(
                f"{name} must be a float64 numpy array that f reads (it is nudged in place; in float32, rounding "
                "swamps a central difference at the usual steps); "
                f"got {type(param).__name__}" + (f" of dtype {param.dtype}" if isinstance(param, np.ndarray) else "")
            )
        if not param.flags.writeable:
            raise ValueError(
                f"{name} must be writable, since it is nudged in place where f reads it; got a read-only array"
            )
        if not param.dtype.isnative:  # a copy in this machine's order would not be the array f reads
            raise ValueError(
                f"{name} must be float64 in this machine's byte order ({np.dtype(np.float64).str}), since it is "
                f"nudged in place where f reads it; got {param.dtype.str} (give f an array of dtype float64)"
            )
        return super().check(name, param, arguments)

    def refused(self, name, arguments):
        valid = arguments[name]
        yield from (valid.tolist(), valid.astype(np.float32), valid.astype(">f8"))
        read_only = valid.copy()
        read_only.flags.writeable = False
        yield read_only
        for bad in (np.nan, np.inf):
            given = valid.copy()
            given.flat[-1] = bad
            yield given


_STEP = Interval(0.0, math.inf)


@checked(f=Function(), param=_Float64Param(PARAMETER_NDIM), eps=_STEP)
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
    grad = np.zeros(param.shape, dtype=np.float64)
    for i in np.ndindex(param.shape):
        old = param[i]
        if old + eps == old:
            raise ValueError(f"eps={eps!r} is too small to change param[{i}] = {float(old)!r}")
        if not (math.isfinite(old + eps) and math.isfinite(old - eps) and math.isfinite(2 * eps)):
            raise ValueError(
                f"eps={eps!r} is too large: param[{i}] = {float(old)!r} plus or minus it, or 2 eps, is not finite"
            )
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
    return finite_result(grad, "the numerical gradient", {"param": param})


def _scalar(value) -> float:
    if np.ndim(value) != 0 or not isinstance(np.asarray(value).item(), (int, float)):
        raise ValueError(f"f must return a real scalar; got {type(value).__name__} of shape {np.shape(value)}")
    try:
        return float(value)
    except OverflowError:  # an int beyond the largest float
        raise ValueError(
            f"f must return a real scalar that fits a float; got an int of {len(str(value))} digits"
        ) from None


@checked(analytic=Array(PARAMETER_NDIM), numerical=SameShapeAs(other="analytic", ndims=PARAMETER_NDIM))
def relative_error(analytic, numerical) -> float:
    r"""Relative error $\frac{\lVert g_a - g_n \rVert}{\max(\lVert g_a \rVert, \lVert g_n \rVert)}$, 0 when both are 0.

    One number for the whole array, so a gradient entry that is exactly 0
    (a ReLU unit that is off) does not turn into 0/0.

    Parameters
    ----------
    analytic : array_like
        The gradient from the chain rule.
    numerical : array_like, same shape as analytic
        The gradient from central differences.

    Examples
    --------
    >>> relative_error([1.0, 0.0], [1.0, 0.0])
    0.0
    >>> relative_error([1.0], [1.1])
    0.0909...
    """
    analytic, numerical = analytic.astype(np.float64), numerical.astype(np.float64)
    scale = max(np.abs(analytic).max(initial=0.0), np.abs(numerical).max(initial=0.0))
    if scale == 0:
        return 0.0
    # Divided by their largest entry first, the norms neither underflow (1e-200 squared) nor overflow (1e200).
    analytic, numerical = analytic / scale, numerical / scale
    return float(np.linalg.norm(analytic - numerical) / max(np.linalg.norm(analytic), np.linalg.norm(numerical)))


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
        The relative step: a parameter whose largest entry is $m$ is nudged by
        $\epsilon \max(1, m)$, since a step of $10^{-6}$ is mostly rounding on
        entries near $10^3$.

    Returns
    -------
    dict
        ``{name: relative error}`` for every parameter ``backward`` returns.

    Raises
    ------
    ValueError
        A parameter is not float64 (in float32 or float16 the rounding of the
        loss swamps a central difference at this step; a step sized for float32
        checks only coarsely), or a gradient is too small for
        central differences to resolve: its largest entry is within 100 times the
        rounding error of the loss over the step, as when the inputs are
        scaled by $10^{-150}$. Either way no error it could report would mean
        anything.

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
    _STEP.check("eps", eps)
    parameters = model.parameters
    for name, value in parameters.items():
        if not isinstance(value, np.ndarray):  # set in place of the array the model was made with
            raise ValueError(f"{name} must be a numpy array of floats; got {type(value).__name__}")
        if value.dtype != np.float64:
            raise ValueError(
                f"gradient_check needs float64 parameters: in {value.dtype}, rounding swamps a central difference; "
                f"{name} is {value.dtype} (check a float64 copy of the model)"
            )
    args = (x,) if y is None else (x, y)
    takes = len(inspect.signature(model.backward).parameters)  # x, or x and y
    if takes != len(args):
        raise ValueError(
            f"y must be {'None' if takes == 1 else 'given'} for a {type(model).__name__}, whose backward takes "
            f"{'x alone' if takes == 1 else 'x and y'}; got {'none' if y is None else type(y).__name__}"
        )
    analytic = model.backward(*args)
    loss = abs(float(model.loss(*args)))
    errors = {}
    for name, grad in analytic.items():
        param = parameters[name]
        step = eps * max(1.0, float(np.abs(param).max()))  # relative to the parameter: 1e-6 is lost on 1e3
        numerical = numerical_gradient(lambda: model.loss(*args), param, step)
        # A loss is computed from terms of order 1 at least (a log-sum-exp, a sigmoid), so it is uncertain by
        # about eps_mach max(|L|, 1), and each entry of a central difference by that over the step: a gradient that
        # small cannot be told from rounding.
        resolution = np.finfo(np.float64).eps * max(loss, 1.0) / step
        largest = max(np.abs(grad).max(), np.abs(numerical).max())  # not a norm: 1e-290 squared is 0
        if 0 < largest <= RESOLVABLE * resolution:
            raise ValueError(
                f"the gradient of {name} is too small for central differences to check: its largest entry, "
                f"{largest:.3g}, "
                f"is within the rounding error of a loss of {loss:.3g} over a step of {step:.3g} "
                f"(about {resolution:.3g}); scale the inputs or the loss up"
            )
        errors[name] = relative_error(grad, numerical)
    return errors


RESOLVABLE = 100
"""How many times the rounding error of a central difference a gradient's largest entry must be for
`gradient_check` to check it: one within that is refused as too small to check."""
