"""Argument checks shared by every public function.

Each check names the argument, what was expected and what was given, so a
shape mistake surfaces as one readable sentence instead of a numpy
broadcasting error deep inside a matrix product.
"""

from __future__ import annotations

import numpy as np


def as_float_array(name: str, value, ndims: tuple[int, ...] = (1, 2), finite: bool = True) -> np.ndarray:
    """Return `value` as a floating array, or raise ``ValueError`` naming `name`.

    Integer and boolean input is promoted to float64; float32 stays float32.
    With ``finite=False`` the caller takes on the check for nan and inf.
    """
    if isinstance(value, np.ma.MaskedArray):
        raise ValueError(f"{name} must be a plain array: masked entries have no meaning here; got a masked array")
    try:
        array = np.asarray(value)
    except ValueError as error:  # ragged nested lists
        raise ValueError(f"{name} must be an array of numbers with a regular shape; {error}") from None
    if array.dtype.kind in "biu":
        array = array.astype(np.float64)
    elif array.dtype.kind != "f":
        raise ValueError(f"{name} must be an array of real numbers; got dtype {array.dtype}")
    if array.ndim not in ndims:
        raise ValueError(f"{name} must be {_describe_ndims(ndims)}; got an array of shape {array.shape}")
    if array.size == 0:
        raise ValueError(f"{name} must not be empty; got an array of shape {array.shape}")
    if finite:
        check_finite(name, array)
    return array


def check_finite(name: str, array: np.ndarray) -> None:
    """Raise ``ValueError`` if `array` holds a nan or an inf.

    The maximum is nan if any entry is, +inf if any entry is; the minimum
    catches -inf. Only when they fail does the entry-by-entry look find where.
    """
    if not all_finite(array):
        if array.ndim == 0:
            raise ValueError(f"{name} must be finite; got {array}")
        where = tuple(int(i) for i in np.argwhere(~np.isfinite(array))[0])
        index = where if array.ndim > 1 else where[0]
        raise ValueError(f"{name} must be finite; got {array[where]} at index {index}")


def all_finite(array: np.ndarray) -> bool:
    """Whether no entry is nan or inf.

    A large array takes two reductions that allocate nothing and cannot overflow;
    a small one, where a call costs more than the work, takes one.
    """
    if array.size <= 4096:
        return bool(np.isfinite(array).all())
    return bool(np.isfinite(array.max()) and np.isfinite(array.min()))


def check_rows(name: str, array: np.ndarray, rows: int, what: str) -> None:
    """Raise ``ValueError`` unless ``array.shape[0] == rows``."""
    if array.shape[0] != rows:
        raise ValueError(
            f"{name} must have {rows} rows ({what}): shape ({rows},), or ({rows}, N) with one example per "
            f"column; got shape {array.shape}"
        )


def check_same_shape(name: str, array: np.ndarray, other_name: str, other: np.ndarray) -> None:
    """Raise ``ValueError`` unless the two arrays have the same shape."""
    if array.shape != other.shape:
        raise ValueError(f"{name} must have the same shape as {other_name}, {other.shape}; got shape {array.shape}")


def _describe_ndims(ndims: tuple[int, ...]) -> str:
    if ndims == (1, 2):
        return "a 1-d array (one example) or a 2-d array (one example per column)"
    words = {0: "a scalar", 1: "a 1-d array", 2: "a 2-d array"}
    return " or ".join(words[n] for n in ndims)


def is_int(value) -> bool:
    """Whether `value` is an integer, and not a bool (which Python counts as one)."""
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def check_seed(seed) -> int:
    """A seed for numpy's generators: a non-negative integer, or ``ValueError`` naming it."""
    if not is_int(seed) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer; got {seed!r}")
    return int(seed)
