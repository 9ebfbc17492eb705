"""The door every public function is called through: its arguments' constraints, declared as data, and its result.

A function that implements an equation keeps only the equation in its body. What its arguments must
be is declared next to its signature, as objects, in the manner of scikit-learn's
``validate_params``::

    @checked(W=Array(), x=InputsOf("W"), b=Optional(BiasOf("W")), result=Finite("z", retry=careful_linear))
    def linear(W, x, b=None):
        ...

Each constraint states its rule once: it checks a value (`Constraint.check`), writes what it
expects into the message (``str(constraint)``), and lists values it must refuse
(`Constraint.refused`), from which a test calls every public function with each bad input.

A call from outside runs each constraint once, in the order declared (a later one may read an
earlier argument), then the bare equation under numpy's quiet error state, then the result's check.
Calls made while a door is open (the rows that `TwoLayerNet.trace` calls, say) skip their own doors,
as scikit-learn's ``prefer_skip_nested_validation`` does: a value is checked where it enters the
library, and the composite reads as plain calls, ``linear(W1, x, b1)``. A function that calls code
of the user's (a gradient check calls the user's ``f``) keeps the doors of what that code calls.
The bare equation stays reachable as ``linear.math``.

One rule for errors, everywhere: **everything litbackprop refuses is a ``ValueError``** whose
message names the argument or the result.

- a nan or an inf *given* to a function is a ``ValueError`` naming the argument: checked before
  the equation runs, or, for a function that declares its result `Finite` (every nan or inf given
  reaches that result), only once the result shows one;
- finite arguments whose result *overflows* (it does not fit the dtype), and training that
  diverges, raise `NumericalError`, a ``ValueError`` naming the result that is also a
  ``FloatingPointError``, numpy's class for the event.
"""

from __future__ import annotations

import contextvars
import functools
import inspect
import math
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

from litbackprop.errors import NumericalError

ANY_NDIM = (0, 1, 2)
PARAMETER_NDIM = (*ANY_NDIM, 4)
"""A parameter's dimensions: a scalar, a bias, a weight matrix, or a convolution's filters (F, C, k_h, k_w)."""


# Plain helpers, shared by the constraints and by the application's own checks.


def as_float_array(name: str, value, ndims: tuple[int, ...] = (1, 2)) -> np.ndarray:
    """Return `value` as a floating array with a number of dimensions in `ndims`, or raise ``ValueError``.

    Integer and boolean input is promoted to float64; float32 stays float32; an array in the other byte
    order is read into this machine's, so that every result is in native order.
    Finiteness is the door's to check.
    """
    if type(value) is not np.ndarray:  # the common case, an ndarray, skips the conversions
        if isinstance(value, np.ma.MaskedArray):
            raise ValueError(f"{name} must be a plain array: masked entries have no meaning here; got a masked array")
        try:
            value = np.asarray(value)
        except ValueError as error:  # ragged nested lists
            raise ValueError(f"{name} must be an array of numbers with a regular shape; {error}") from None
    kind = value.dtype.kind
    if kind != "f":
        if kind not in "biu":
            raise ValueError(f"{name} must be an array of real numbers; got dtype {value.dtype}")
        value = value.astype(np.float64)
    elif not value.dtype.isnative:  # big-endian on this machine: numpy's ufuncs refuse a dtype= of that order
        value = value.astype(value.dtype.newbyteorder("="))
    if value.ndim not in ndims:
        raise ValueError(f"{name} must be {_describe_ndims(ndims)}; got an array of shape {value.shape}")
    if value.size == 0:
        raise ValueError(f"{name} must not be empty; got an array of shape {value.shape}")
    return value


def _describe_ndims(ndims: tuple[int, ...]) -> str:
    if ndims == (1, 2):
        return "a 1-d array (one example) or a 2-d array (one example per column)"
    words = {0: "a scalar", 1: "a 1-d array", 2: "a 2-d array", 4: "a 4-d array (channels, height, width, examples)"}
    return " or ".join(words[n] for n in ndims)


def working_dtype(array: np.ndarray) -> np.dtype:
    """The dtype to sum or scale `array` in: its own, but float32 at least, since float16 overflows at 65504."""
    dtype = array.dtype
    return dtype if dtype.itemsize >= 4 else np.promote_types(dtype, np.float32)


def all_finite(array: np.ndarray) -> bool:
    """Whether no entry of `array` is nan or inf.

    A small array, where a call costs more than the work, takes one elementwise
    test. A large one takes reductions that allocate nothing: in float32 or
    float64 its sum, which is nan or inf if any entry is (one pass, where the
    two below make two); else, or if the sum overflowed, its maximum and
    minimum, which cannot overflow (the maximum is nan if any entry is, +inf if
    any is; the minimum catches -inf).
    """
    if type(array) is not np.ndarray:  # a scalar result, such as a loss
        return math.isfinite(array)
    if array.size <= 4096:
        return bool(np.isfinite(array).all())
    if array.dtype.kind == "f" and array.dtype.itemsize >= 4:  # float16's sum overflows at 65504: not worth a try
        with np.errstate(over="ignore", invalid="ignore"):  # an overflowing sum of finite entries is decided below
            if math.isfinite(array.sum()):
                return True
    return math.isfinite(array.max()) and math.isfinite(array.min())


def all_finite_together(arrays: list) -> bool:
    """Whether no entry of any of `arrays` is nan or inf: small ones joined into one test, which costs one call."""
    if sum(getattr(a, "size", 1) for a in arrays) <= 4096:  # arrays, numpy scalars or floats
        return bool(np.isfinite(np.concatenate(arrays, axis=None)).all()) if arrays else True
    return all(all_finite(a) for a in arrays)


def check_finite(name: str, array: np.ndarray) -> np.ndarray:
    """Return `array`, or raise ``ValueError`` saying where `name` holds a nan or an inf."""
    if not all_finite(array):
        if np.ndim(array) == 0:
            raise ValueError(f"{name} must be finite; got {array}")
        where = tuple(int(i) for i in np.argwhere(~np.isfinite(array))[0])
        index = where if array.ndim > 1 else where[0]
        raise ValueError(f"{name} must be finite; got {array[where]} at index {index}")
    return array


def check_rows(name: str, array: np.ndarray, rows: int, what: str) -> None:
    """Raise ``ValueError`` unless ``array.shape[0] == rows``."""
    if array.shape[0] != rows:
        raise ValueError(
            f"{name} must have {rows} rows ({what}): shape ({rows},), or ({rows}, N) with one example per "
            f"column; got shape {array.shape}"
        )


def check_array_size(name: str, value: int, entries: int, itemsize: int, what: str) -> None:
    """Raise ``ValueError`` naming `name` if `entries` of `itemsize` bytes are more than any numpy array holds."""
    if entries * itemsize > np.iinfo(np.intp).max:
        raise ValueError(f"{name} must leave {what} small enough for an array; got {value!r}")


def check_one_hot(name: str, y: np.ndarray) -> np.ndarray:
    """Return `y` if every column holds zeros and a single 1, else raise ``ValueError``."""
    # Each column's largest entry is 1, and there are only N nonzero entries in all: so every column
    # holds its 1 and nothing else. Two reductions, cheaper than comparing every entry with 0 and 1.
    n = 1 if y.ndim == 1 else y.shape[1]
    one_hot = np.count_nonzero(y) == n and bool((y.max(axis=0) == 1).all())
    if not one_hot:
        raise ValueError(
            f"{name} must be one-hot: zeros and a single 1 in each column (one per example); "
            f"got an array of shape {y.shape} that is not"
        )
    return y


def check_labels(name: str, labels, k: int, shape: tuple[int, ...] | None = None) -> np.ndarray:
    """Integer class labels in 0…k-1, of `shape` when given (else () or (N,)); or ``ValueError`` naming them."""
    labels = np.asarray(labels)
    shape_ok = labels.shape == shape if shape is not None else labels.ndim <= 1
    expected = f"shape {shape}, one per column of x" if shape is not None else "shape () or (N,)"
    if labels.dtype.kind not in "iu":
        hint = " (convert them with .astype(int))" if labels.dtype.kind == "f" and shape_ok else ""
        raise ValueError(
            f"{name} must be integer class indices of {expected}; got dtype {labels.dtype}, shape {labels.shape}{hint}"
        )
    if not shape_ok:
        raise ValueError(f"{name} must be integer class indices of {expected}; got shape {labels.shape}")
    if labels.size == 0:
        raise ValueError(f"{name} must not be empty; got an array of shape {labels.shape}")
    outside = (labels < 0) | (labels >= k)
    if outside.any():
        raise ValueError(f"{name} must be class indices in 0…{k - 1}; got {labels[outside].flat[0]}")
    return labels


def batch_size(y: np.ndarray) -> int:
    """N, the number of examples: columns of a batch, 1 for a vector."""
    return 1 if y.ndim < 2 else y.shape[1]


def columns(a: np.ndarray) -> np.ndarray:
    """`a` as a matrix of columns: a vector is one column, a batch is itself (a view, never a copy)."""
    return a.reshape(a.shape[0], -1)


# The constraints. Each checks a value and returns what the equation receives, writes what it expects
# (its str), and lists values it must refuse, given valid arguments (for the test of every refusal).


class Constraint:
    """What an argument must be."""

    finite = False
    """Whether the door holds the value's arrays finite (see `Constraint.arrays`)."""

    def check(self, name: str, value, arguments: dict):
        """`value` as the equation receives it, or ``ValueError`` naming `name`; `arguments`: those checked so far."""
        raise NotImplementedError

    def arrays(self, name: str, value) -> dict:
        """The arrays of a checked `value` that the door holds finite, by the name a message gives them."""
        return {name: value} if self.finite and value is not None else {}

    def refused(self, name: str, arguments: dict) -> Iterator:
        """Values this constraint refuses for argument `name`, where `arguments` holds a valid call's checked values."""
        return iter(())

    def fail(self, name: str, value, detail: str = ""):
        raise ValueError(f"{name} must be {self}; got {detail or repr(value)}")


def _real(value) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_))


@dataclass(frozen=True)
class Interval(Constraint):
    """A real number between `low` and `high`, each end included or not, as a float."""

    low: float
    high: float
    closed: str = "neither"  # "left", "right", "both" or "neither"

    def __str__(self) -> str:
        if self.high == math.inf:
            return f"a number {'>=' if self.closed in ('left', 'both') else '>'} {self.low:g}"
        left = "[" if self.closed in ("left", "both") else "("
        right = "]" if self.closed in ("right", "both") else ")"
        return f"a number in {left}{self.low:g}, {self.high:g}{right}"

    def check(self, name, value, arguments=None) -> float:
        try:
            number = float(value) if _real(value) else math.nan
        except OverflowError:  # an int beyond the largest float
            number = math.nan
        above = number >= self.low if self.closed in ("left", "both") else number > self.low
        below = number <= self.high if self.closed in ("right", "both") else number < self.high
        if not (math.isfinite(number) and above and below):
            self.fail(name, value)
        return number

    def refused(self, name, arguments):
        yield from (math.nan, math.inf, "0.5", True, None)
        yield self.low if self.closed in ("neither", "right") else self.low - 1
        if self.high != math.inf:
            yield self.high if self.closed in ("neither", "left") else self.high + 1


@dataclass(frozen=True)
class Integer(Constraint):
    """An int at least `minimum` (a bool is not an int here)."""

    minimum: int

    def __str__(self) -> str:
        return {0: "a non-negative integer", 1: "a positive integer"}.get(self.minimum, f"an integer >= {self.minimum}")

    def check(self, name, value, arguments=None) -> int:
        if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < self.minimum:
            self.fail(name, value)
        return int(value)

    def refused(self, name, arguments):
        yield from (self.minimum - 1, 1.5, True, "1")


@dataclass(frozen=True)
class Seed(Constraint):
    """A seed for numpy's generators: an integer in [0, 2**64)."""

    def __str__(self) -> str:
        return "an integer in [0, 2**64)"

    def check(self, name, value, arguments=None) -> int:
        if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or not 0 <= value < 2**64:
            self.fail(name, value)
        return int(value)

    def refused(self, name, arguments):
        yield from (-1, 2**64, 0.5, True)


@dataclass(frozen=True)
class Boolean(Constraint):
    """True or False."""

    def __str__(self) -> str:
        return "True or False"

    def check(self, name, value, arguments=None) -> bool:
        if not isinstance(value, bool):
            self.fail(name, value)
        return value

    def refused(self, name, arguments):
        yield from (1, "yes", None)


@dataclass(frozen=True)
class FloatType(Constraint):
    """A numpy floating type, such as numpy.float64."""

    def __str__(self) -> str:
        return "a floating type such as numpy.float64 or numpy.float32"

    def check(self, name, value, arguments=None) -> np.dtype:
        try:
            dtype = np.dtype(value)
        except TypeError:
            dtype = None
        if dtype is None or dtype.kind != "f":
            self.fail(name, value)
        return dtype

    def refused(self, name, arguments):
        yield from (int, np.int32, "text")


@dataclass(frozen=True)
class Function(Constraint):
    """A callable taking no arguments: the caller's code, which runs as the caller's (its calls pass their doors)."""

    def __str__(self) -> str:
        return "a callable taking no arguments"

    def check(self, name, value, arguments=None):
        if not callable(value):
            self.fail(name, value, type(value).__name__)

        @functools.wraps(value)
        def as_the_callers():
            token = _inside_a_door.set(False)
            try:
                return value()
            finally:
                _inside_a_door.reset(token)

        return as_the_callers

    def refused(self, name, arguments):
        yield 1.0


@dataclass(frozen=True)
class Optional(Constraint):
    """None, or what `inner` accepts."""

    inner: Constraint

    def __str__(self) -> str:
        return f"None or {self.inner}"

    @property
    def finite(self) -> bool:
        return self.inner.finite

    def check(self, name, value, arguments):
        return None if value is None else self.inner.check(name, value, arguments)

    def arrays(self, name, value):
        return {} if value is None else self.inner.arrays(name, value)

    def refused(self, name, arguments):
        return self.inner.refused(name, arguments) if arguments.get(name) is not None else iter(())


@dataclass(frozen=True)
class Array(Constraint):
    """A finite floating array with a number of dimensions in `ndims` (finite, unless `finite` is False)."""

    ndims: tuple[int, ...] = (1, 2)
    finite: bool = True

    def __str__(self) -> str:
        return ("a finite " if self.finite else "a ") + f"floating array: {_describe_ndims(self.ndims)}"

    def check(self, name, value, arguments):
        return as_float_array(name, value, self.ndims)

    def refused(self, name, arguments):
        valid = np.asarray(arguments[name], dtype=np.float64)
        yield from ("text", np.ma.masked_array(valid), valid.astype(complex))
        yield np.ones((1,) * next(n for n in range(4) if n not in self.ndims))
        if valid.ndim:
            yield valid[..., :0]
            yield [[1.0], [1.0, 2.0]]
        if self.finite:
            for bad in (np.nan, np.inf):
                given = valid.copy()
                given.flat[-1] = bad
                yield given


@dataclass(frozen=True)
class InputsOf(Array):
    """Columns of inputs to the layer whose weights are argument `W`: one row per column of `W`.

    With ``axis=0``, one row per row of `W`: the columns of gradients that go back through it.
    """

    W: str = "W"
    axis: int = -1

    def __str__(self) -> str:
        return f"columns with one row per {'column' if self.axis == -1 else 'row'} of {self.W}"

    def check(self, name, value, arguments):
        x, weights = as_float_array(name, value, self.ndims), arguments[self.W]
        along = "column" if self.axis == -1 else "row"
        check_rows(name, x, weights.shape[self.axis], f"one per {along} of {self.W}, which has shape {weights.shape}")
        return x

    def refused(self, name, arguments):
        yield from super().refused(name, arguments)
        valid = arguments[name]
        yield np.ones((valid.shape[0] + 1, *valid.shape[1:]))


@dataclass(frozen=True)
class BiasOf(Array):
    """A bias for the layer whose weights are argument `W`: one entry per row, or per filter of a convolution's
    `W` (along its first axis); a scalar for a vector `W`."""

    W: str = "W"
    ndims: tuple[int, ...] = ANY_NDIM

    def __str__(self) -> str:
        return f"a bias with one entry per row of {self.W}"

    def check(self, name, value, arguments):
        b, weights = as_float_array(name, value, self.ndims), arguments[self.W]
        expected = weights.shape[:1] if weights.ndim >= 2 else ()
        if b.shape != expected:
            raise ValueError(
                f"{name} must have shape {expected}, one entry per row of {self.W}, which has shape {weights.shape}; "
                f"got shape {b.shape}"
            )
        return b

    def refused(self, name, arguments):
        yield from super().refused(name, arguments)
        yield np.ones(np.size(arguments[name]) + 1)


@dataclass(frozen=True)
class SameShapeAs(Array):
    """A floating array of the shape of argument `other`."""

    other: str = ""
    ndims: tuple[int, ...] = ANY_NDIM

    def __str__(self) -> str:
        return f"an array of the shape of {self.other}"

    def check(self, name, value, arguments):
        a, shape = as_float_array(name, value, self.ndims), arguments[self.other].shape
        if a.shape != shape:
            raise ValueError(f"{name} must have the same shape as {self.other}, {shape}; got shape {a.shape}")
        return a

    def refused(self, name, arguments):
        yield from super().refused(name, arguments)
        yield np.ones(np.size(arguments[name]) + 1)


@dataclass(frozen=True)
class OneHotLike(SameShapeAs):
    """One-hot targets shaped like argument `other`, in its dtype (0 and 1 are exact in any)."""

    ndims: tuple[int, ...] = (1, 2)

    def __str__(self) -> str:
        return f"one-hot columns shaped like {self.other}"

    def check(self, name, value, arguments):
        y = super().check(name, value, arguments)
        return check_one_hot(name, y).astype(arguments[self.other].dtype, copy=False)

    def refused(self, name, arguments):
        yield from super().refused(name, arguments)
        yield 2 * np.asarray(arguments[name])
        yield np.zeros_like(arguments[name])


@dataclass(frozen=True)
class Probabilities(Array):
    """Columns that are probability distributions: a softmax output."""

    def __str__(self) -> str:
        return "columns of probabilities, each summing to 1 (a softmax output)"

    def check(self, name, value, arguments):
        p = as_float_array(name, value, self.ndims)
        if not (p.min() >= 0 and p.max() <= 1):
            raise ValueError(
                f"{name} must hold probabilities in [0, 1] (a softmax output, not logits); got values outside"
            )
        sums = p.sum(axis=0, dtype=working_dtype(p))
        # Each entry is rounded (half an eps of it, so half an eps in all) and the pairwise sum adds about
        # log2(k) roundings: 8 (1 + log2 k) eps bounds both, and still refuses float16 columns summing to 1.05.
        tolerance = 8 * (1 + np.log2(p.shape[0])) * np.finfo(p.dtype).eps
        if (np.abs(sums - 1) > tolerance).any():
            worst = float(sums.flat[np.argmax(np.abs(sums - 1))])
            raise ValueError(
                f"each column of {name} must sum to 1 (a softmax output); got a column summing to {worst:.6g}"
            )
        return p

    def refused(self, name, arguments):
        yield from super().refused(name, arguments)
        p = np.asarray(arguments[name])
        yield 3 * p - 1  # logits
        yield p / 2


@dataclass(frozen=True)
class ClassAxis(Constraint):
    """The class axis of argument `of`: an int within its dimensions, along which there are several classes.

    One row of several entries is refused: a batch laid out with examples as rows.
    """

    of: str

    def __str__(self) -> str:
        return f"an axis of {self.of}"

    def check(self, name, axis, arguments):
        z = arguments[self.of]
        if not isinstance(axis, (int, np.integer)) or isinstance(axis, bool) or not -z.ndim <= axis < z.ndim:
            raise ValueError(
                f"{name} must be an integer in [{-z.ndim}, {z.ndim - 1}] for {self.of} of shape {z.shape}; got {axis!r}"
            )
        if z.ndim == 2 and z.shape[axis] == 1 and z.size > 1:
            raise ValueError(
                f"{self.of} has a single entry along axis {axis}, the class axis, so every result would be trivial; "
                f"got shape {z.shape}. Examples are columns here: pass one example as a vector of shape "
                f"({z.size},) or a column of shape ({z.size}, 1)"
            )
        return int(axis)

    def refused(self, name, arguments):
        ndim = np.ndim(arguments[self.of])
        yield from (ndim, -ndim - 1, 0.0, True)


@dataclass(frozen=True)
class LabelsBelow(Constraint):
    """Integer class labels in 0 … k - 1, of shape () or (N,), with k the argument `k`."""

    k: str

    def __str__(self) -> str:
        return f"integer class labels below {self.k}"

    def check(self, name, value, arguments):
        return check_labels(name, value, arguments[self.k])

    def refused(self, name, arguments):
        k = arguments[self.k]
        yield from ([k], [-1], [0.0], [[0]], np.array([], dtype=int))


# The door.


@dataclass(frozen=True)
class Finite:
    """A function's result, held finite: what to name it, how to compute it again, how to find what overflowed.

    `name` names the result, or maps it and the arguments to the named arrays it holds (None entries
    are skipped). `retry`, given the same arguments, recomputes a result that overflowed only in a partial
    sum. With `inside`, the result is held so even when the call is nested in another door's (which
    skips the rest of this door): retried where it is not finite, and what still does not fit made nan,
    so that no later step hides it (a ReLU makes -inf a 0, a sigmoid makes inf a 1). With `rerun`, a
    result that is not finite is computed once more with every nested call held to its own `retry`, at
    no cost to a result that is finite. `order`
    maps the result and the arguments to every array it holds, in the order computed, to name the
    first that left the range. Every nan or inf among the arguments reaches this result, so its one
    check replaces a pass over each argument: only a result that is not finite pays for looking
    through the arguments to name the one that was not.
    """

    name: str | Callable
    retry: Callable | None = None
    order: Callable | None = None
    inside: bool = False
    rerun: bool = False

    def named(self, out, arguments) -> dict:
        return {self.name: out} if isinstance(self.name, str) else self.name(out, arguments)


_inside_a_door = contextvars.ContextVar("litbackprop_inside_a_door", default=False)
"""Whether a door is open in this context: only then can a call be nested, and its frames are worth walking."""

_rerunning = contextvars.ContextVar("litbackprop_rerunning", default=False)
"""Whether a door computes its result once more, each nested call held to its own retry (`Finite.rerun`)."""


_LIBRARY: set[int] = set()
"""The namespaces of the modules that declare doors, by id: a frame running in one of them is the library's."""

_EQUATIONS: set[int] = set()
"""The code of every door's equation: a call from one of them, while a door is open, is a nested call."""


def _called_by_a_door() -> bool:
    """Whether the door's caller is the library's own code running inside another door: its frames, walked up from
    the caller, reach a door's `_quietly` before any frame of other code (a user's function that a gradient check
    calls, a signal handler that re-enters the library: their calls are checked as any user's). A call from a door's
    own equation is the common case, and answered without a walk."""
    frame = sys._getframe(2)
    if id(frame.f_code) in _EQUATIONS:
        return True
    while frame is not None and id(frame.f_globals) in _LIBRARY:
        if frame.f_code is _QUIET:
            return True
        frame = frame.f_back
    return False


def checked(*, result: Finite | None = None, **constraints: Constraint):
    """Decorator: check the arguments against their `constraints`, run the equation quietly, check its `result`.

    Without a `result`, the arrays of the arguments whose constraints say `finite` are checked finite
    before the equation runs. Calls that the library's own code makes inside the equation skip their
    doors. The bare function is the door's ``math``; the constraints are its ``constraints``.
    """

    def decorate(math):
        _LIBRARY.add(id(math.__globals__))
        _EQUATIONS.add(id(math.__code__))  # code objects live as long as their functions: ids stay theirs
        signature = inspect.signature(math)
        parameters = signature.parameters.values()
        positional = [p.name for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        every_default = tuple((p.name, p.default) for p in parameters if p.default is not p.empty)
        every = {p.name for p in parameters}
        unknown = set(constraints) - every
        assert not unknown, f"{math.__qualname__} declares constraints for {unknown}, which it does not take"
        checks = tuple(constraints.items())
        # the arguments a message of an overflow names: the positional ones (not a buffer to write into)
        names = [p.name for p in parameters if p.name != "self" and p.kind is p.POSITIONAL_OR_KEYWORD]
        held_finite = tuple((n, c) for n, c in checks if c.finite)

        @functools.wraps(math)
        def door(*args, **kwargs):
            if _inside_a_door.get() and _called_by_a_door():  # whose own door checked what it passes
                out = math(*args, **kwargs)
                careful = inside or retry is not None and _rerunning.get()
                return _retried_inside(out, args, kwargs) if careful else out
            arguments = dict(zip(positional, args, strict=False))
            if kwargs:
                repeated = kwargs.keys() & arguments.keys()
                arguments.update(kwargs)
            if len(arguments) < len(every):
                for name, default in every_default:
                    arguments.setdefault(name, default)
            if len(arguments) != len(every) or len(args) > len(positional) or kwargs and repeated:
                signature.bind(*args, **kwargs)  # Python's own TypeError: a missing, extra or repeated argument
            token = _inside_a_door.set(True)
            try:
                for name, constraint in checks:
                    arguments[name] = constraint.check(name, arguments[name], arguments)
                if result is None:
                    _check_all_finite(_given(held_finite, arguments))
                out = _quietly(math, arguments)
                if result is not None:
                    out = _finite_result(out, result, arguments, held_finite, names, math)
            finally:
                _inside_a_door.reset(token)
            return out[()] if type(out) is np.ndarray and out.ndim == 0 else out

        retry, inside = (None, False) if result is None else (result.retry, result.inside)

        def _retried_inside(out, args, kwargs):
            if all_finite(out):
                return out
            bound = signature.bind(*args, **kwargs)
            bound.apply_defaults()
            with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                out = retry(**bound.arguments)
                out = out if all_finite(out) else np.where(np.isfinite(out), out, np.nan)
            buffer = bound.arguments.get("out")
            if buffer is not None:  # the caller reads the buffer it gave, not only what is returned
                buffer[...] = out
                return buffer
            return out

        door.math = math
        door.constraints = constraints
        return door

    return decorate


def _quietly(math, arguments):
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):  # numpy's warnings: the result is checked
        return math(**arguments)


_QUIET = _quietly.__code__
_LIBRARY.add(id(globals()))
"""The frame of a door's equation: a call whose library frames reach it is nested in that door."""


def _given(held_finite: tuple, arguments: dict) -> dict:
    """The arrays among the arguments that the door holds finite, by the names a message gives them."""
    given = {}
    for name, constraint in held_finite:
        given.update(constraint.arrays(name, arguments[name]))
    return given


def _check_all_finite(given: dict) -> None:
    if not all_finite_together(list(given.values())):
        for name, value in given.items():
            check_finite(name, value)


def _finite_result(out, result: Finite, arguments: dict, held_finite: tuple, names: list, math=None):
    """`out` if its arrays are finite; else name the argument that was not, or return a retried result, or raise.

    The message of an overflow names the arguments that are arrays (or None), then `self`'s parameters."""
    named = result.named(out, arguments)
    if all_finite_together([v for v in named.values() if v is not None]):
        return out
    given = _given(held_finite, arguments)  # looked at only now: a result that is finite shows them finite
    _check_all_finite(given)  # a nan or an inf given: it is named
    if result.rerun:
        token = _rerunning.set(True)
        try:
            out = _quietly(math, arguments)
        finally:
            _rerunning.reset(token)
        named = result.named(out, arguments)
        if all_finite_together([v for v in named.values() if v is not None]):
            return out
    if result.retry is not None:
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            retried = result.retry(**arguments)
        if all_finite(retried):
            return retried
    named = named if result.order is None else result.order(out, arguments)
    name, value = next((n, v) for n, v in named.items() if v is not None and not all_finite(v))
    given = [n for n in names if arguments[n] is None or type(arguments[n]) is np.ndarray]
    given += list(getattr(arguments.get("self"), "parameters", {}))
    raise NumericalError(
        f"{name} overflowed although {', '.join(given)} {'is' if len(given) == 1 else 'are'} finite: "
        f"{'its' if len(given) == 1 else 'their'} values are too large for {np.asarray(value).dtype}"
    )


def finite_result(out, name: str, arguments: dict):
    """`out`, an array named `name` computed from the arrays `arguments` inside a door's body, refused as a door
    refuses its result: a nan or an inf given is named, else the overflow is a `NumericalError`."""
    held = tuple((n, _AN_ARRAY) for n, v in arguments.items() if v is not None)
    return _finite_result(out, Finite(name), arguments, held, list(arguments))


_AN_ARRAY = Array(ANY_NDIM)


def nodes(trace, arguments=None) -> dict:
    """The arrays of a trace by name, in the order its pass computes them: a `Finite` result's `order`."""
    return {name: getattr(trace, name) for name in trace.__slots__}


@dataclass(frozen=True)
class Out(Constraint):
    """None, or a writable numpy array the result is written into: of shape `shape(arguments)`, in the result's dtype.

    The result's dtype is the one numpy gives the floating arrays among the arguments.
    """

    shape: Callable

    def __str__(self) -> str:
        return "None or a writable numpy array of the result's shape and dtype"

    def check(self, name, value, arguments):
        if value is None:
            return None
        shape = tuple(self.shape(arguments))
        dtype = np.result_type(*[a for n, a in arguments.items() if n != name and _floating(a)])
        if not (type(value) is np.ndarray and value.flags.writeable and value.shape == shape and value.dtype == dtype):
            detail = f"{type(value).__name__}" + (
                f" of shape {value.shape}, dtype {value.dtype}" if isinstance(value, np.ndarray) else ""
            )
            raise ValueError(
                f"{name} must be None or a writable numpy array of shape {shape}, dtype {dtype}; got {detail}"
            )
        return value

    def refused(self, name, arguments):
        yield from ([0.0], np.empty(0), np.empty(tuple(self.shape(arguments)), np.float16))


def _floating(a) -> bool:
    return type(a) is np.ndarray and a.dtype.kind == "f"
