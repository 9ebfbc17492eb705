r"""Assertions for checking a derivation: printed digits, and gradients against central differences.

They raise ``AssertionError`` with a message that says what was expected and
what was computed, so a failing docs block reads on its own. numpy's `assert_allclose`
is here too, so that a page's checks need one import line.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

import numpy as np
from numpy.testing import assert_allclose as assert_allclose  # re-exported: one import for a page's checks

from litbackprop.gradcheck import numerical_gradient, relative_error

_PRINTED = re.compile(r"-?\d+(\.\d+)?(e-?\d+)?")


def assert_rounds_to(actual, printed: str | Sequence, name: str = "value") -> None:
    r"""Assert that `printed` is `actual` correctly rounded to the decimals it shows.

    ``"0.993"`` shows three decimals, so it passes for 0.99330 and fails for
    0.9936 (which rounds to 0.994). A number printed with no decimal point,
    such as ``"0"`` or ``"-2"``, claims to be exact and must equal the value.
    A number in scientific notation, ``"1.7e-13"`` (the page's
    \(1.7 \times 10^{-13}\)), is its mantissa rounded to the decimals it shows.
    For an array give one string per entry.

    Parameters
    ----------
    actual : float or array_like
        The computed value.
    printed : str or nested sequence of str
        The digits as a page prints them.
    name : str
        What the value is, for the failure message.

    Examples
    --------
    >>> assert_rounds_to(0.9933071, "0.993")
    >>> assert_rounds_to([0.0066, -0.01329], ["0.0066", "-0.0133"])
    >>> assert_rounds_to([0.0, 1e-20], ["0", "0"])
    Traceback (most recent call last):
    ...
    AssertionError: value[1]: printed 0 as exact, but the computed value is 1e-20
    >>> assert_rounds_to(0.0066481, "0.0069", name="da/dz")
    Traceback (most recent call last):
    ...
    AssertionError: da/dz: printed 0.0069, but the computed value 0.0066481 rounds to 0.0066
    >>> assert_rounds_to(1.6667e-13, "1.7e-13", name="truncation")
    >>> assert_rounds_to(1.6667e-13, "1.0e-13", name="truncation")
    Traceback (most recent call last):
    ...
    AssertionError: truncation: printed 1.0e-13, but the computed value 1.6667e-13 rounds to 1.7e-13
    """
    values = np.asarray(actual, dtype=np.float64)
    texts = np.asarray(printed, dtype=object)
    if values.shape != texts.shape:
        raise ValueError(
            f"printed must have one string per entry of actual, shape {values.shape}; got shape {texts.shape}"
        )
    for index in np.ndindex(values.shape):
        text = str(texts[index])
        if not _PRINTED.fullmatch(text):
            where = f"printed{list(index)}" if index else "printed"
            raise ValueError(
                f"{where} must be a number as a page prints it, such as '0.993' or '1.7e-13'; got {text!r}"
            )
        mantissa, e, exponent = text.partition("e")
        if e:  # 1.7e-13: the value over its power of ten, rounded as the mantissa shows it
            decimals = len(mantissa.partition(".")[2])
            rounded = f"{values[index] / 10.0 ** int(exponent):.{decimals}f}e{exponent}"
            if rounded != text:
                where = f"{name}{list(index)}" if index else name
                raise AssertionError(
                    f"{where}: printed {text}, but the computed value {float(values[index])!r} rounds to {rounded}"
                )
            continue
        if "." not in text:
            if values[index] != int(text):
                where = f"{name}{list(index)}" if index else name
                raise AssertionError(
                    f"{where}: printed {text} as exact, but the computed value is {float(values[index])!r}"
                )
            continue
        decimals = len(text.partition(".")[2])
        rounded = f"{values[index]:.{decimals}f}"
        if rounded.startswith("-") and not rounded.strip("-0."):
            rounded = rounded[1:]  # -0.0000 is printed as 0.0000
        if rounded != text:
            where = f"{name}{list(index)}" if index else name
            raise AssertionError(
                f"{where}: printed {text}, but the computed value {float(values[index])!r} rounds to {rounded}"
            )


def assert_gradient_matches(
    analytic,
    f: Callable[[], float],
    param: np.ndarray,
    name: str = "gradient",
    rtol: float = 1e-7,
) -> float:
    r"""Assert that `analytic` is the gradient of `f` with respect to `param`, to a relative error of `rtol`.

    The reference is [`numerical_gradient`][litbackprop.gradcheck.numerical_gradient]
    (central differences); the error is
    [`relative_error`][litbackprop.gradcheck.relative_error]. Returns the error found.

    Parameters
    ----------
    analytic : array_like
        The gradient to check, shaped like `param`.
    f : callable
        Takes no arguments and returns the scalar computed from the current values in `param`.
    param : numpy.ndarray
        A float64 array that `f` reads; nudged in place and put back.
    name : str, default 'gradient'
        What the failure message calls the gradient.
    rtol : float, default 1e-7
        The largest relative error accepted.

    Examples
    --------
    >>> import numpy as np
    >>> w = np.array([1.0, 2.0])
    >>> assert_gradient_matches(2 * w, lambda: (w ** 2).sum(), w) < 1e-7
    True
    >>> assert_gradient_matches(3 * w, lambda: (w ** 2).sum(), w, name="dw")
    Traceback (most recent call last):
    ...
    AssertionError: dw: relative error 0.333... against central differences exceeds 1e-07 ...
    """
    numerical = numerical_gradient(f, param)
    error = relative_error(analytic, numerical)
    if not error <= rtol:
        raise AssertionError(
            f"{name}: relative error {error:.3g} against central differences exceeds {rtol:g}\n"
            f"analytic:\n{np.asarray(analytic)}\nnumerical:\n{numerical}"
        )
    return error
