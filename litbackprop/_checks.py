"""Every argument check of the library, each written once, and the door they are declared at.

A function that implements an equation keeps only the equation in its body.
What its arguments must be is declared next to its signature, in the manner of
scikit-learn's ``validate_params``::

    @checked(W=array((1, 2)), x=inputs_of("W"), b=optional(bias_of("W")), result="z")
    def linear(W, x, b=None):
        ...

`checked` turns the declarations into the function's door: a public call runs
each declared check once, in the order declared (a later check may read an
earlier argument), then the bare equation, under numpy's quiet error state,
then one check that the result is finite. The bare equation stays reachable
as ``linear.math``: code that has passed a door already (`TwoLayerNet.trace`
runs every row bare) calls it, so a value is checked at the door and not
again on the way down.

A check names the argument, what was expected and what was given, so a
mistake surfaces as one readable sentence instead of a numpy broadcasting
error deep inside a matrix product. One rule for errors, everywhere:
**everything litbackprop refuses is a ``ValueError``** whose message names the
argument or the result.

- a nan or an inf *given* to a function is a ``ValueError`` naming the argument;
- finite arguments whose result *overflows* (it does not fit the dtype), and
  training that diverges, raise `NumericalError`, a ``ValueError`` naming the
  result that is also a ``FloatingPointError``, numpy's class for the event.
"""

from __future__ import annotations

import functools
import inspect
import math

import numpy as np

ANY_NDIM = (0, 1, 2)


class NumericalError(ValueError, FloatingPointError):
    """Finite input whose computation left floating point's range: a result that overflows, or training that diverges.

    A ``ValueError``, like everything litbackprop refuses, and a ``FloatingPointError``, numpy's class for
    the same event, so that either ``except`` catches it.
    """


def as_float_array(name: str, value, ndims: tuple[int, ...] = (1, 2)) -> np.ndarray:
    """Return `value` as a floating array with a number of dimensions in `ndims`, or raise ``ValueError``.

    Integer and boolean input is promoted to float64; float32 stays float32; an array in the other byte
    order is read into this machine's, so that every result is in native order.
    Finiteness is the caller's to check (see the module's rule).
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
    words = {0: "a scalar", 1: "a 1-d array", 2: "a 2-d array"}
    return " or ".join(words[n] for n in ndims)


def working_dtype(array: np.ndarray) -> np.dtype:
    """The dtype to sum or scale `array` in: its own, but float32 at least, since float16 overflows at 65504."""
    dtype = array.dtype
    return dtype if dtype.itemsize >= 4 else np.promote_types(dtype, np.float32)


def all_finite(array: np.ndarray) -> bool:
    """Whether no entry of `array` is nan or inf.

    A small array, where a call costs more than the work, takes one elementwise
    test. A large one takes reductions that allocate nothing: in float64 its
    sum, which is nan or inf if any entry is (one pass, where the two below
    make two); else, or if the sum overflowed, its maximum and minimum,
    which cannot overflow (the maximum is nan if any entry is, +inf if any is;
    the minimum catches -inf).
    """
    if type(array) is not np.ndarray:  # a scalar result, such as a loss
        return math.isfinite(array)
    if array.size <= 4096:
        return bool(np.isfinite(array).all())
    if array.dtype == np.float64:
        with np.errstate(over="ignore", invalid="ignore"):  # an overflowing sum of finite entries is decided below
            if math.isfinite(array.sum()):
                return True
    return math.isfinite(array.max()) and math.isfinite(array.min())


def check_finite(name: str, array: np.ndarray) -> np.ndarray:
    """Return `array`, or raise ``ValueError`` saying where `name` holds a nan or an inf."""
    if not all_finite(array):
        if array.ndim == 0:
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


def check_int(name: str, value, minimum: int) -> int:
    """Return `value` as an int if it is an integer >= `minimum` (a bool is not), else raise ``ValueError``."""
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < minimum:
        what = {0: "a non-negative integer", 1: "a positive integer"}.get(minimum, f"an integer >= {minimum}")
        raise ValueError(f"{name} must be {what}; got {value!r}")
    return int(value)


def check_array_size(name: str, value: int, entries: int, itemsize: int, what: str) -> None:
    """Raise ``ValueError`` naming `name` if `entries` of `itemsize` bytes are more than any numpy array holds."""
    if entries * itemsize > np.iinfo(np.intp).max:
        raise ValueError(f"{name} must leave {what} small enough for an array; got {value!r}")


def check_seed(seed, name: str = "seed") -> int:
    """A seed for numpy's generators: an integer in [0, 2**64), or ``ValueError`` naming it."""
    seed = check_int(name, seed, 0)
    if seed >= 2**64:
        raise ValueError(f"{name} must be below 2**64; got {seed!r}")
    return seed


def check_number(name: str, value, low: float, high: float, low_closed: bool, high_closed: bool, what: str) -> float:
    """Return `value` as a float in the interval from `low` to `high`, or raise ``ValueError`` naming it."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ValueError(f"{name} must be {what}; got {value!r}")
    try:
        number = float(value)
    except OverflowError:  # an int beyond the largest float
        raise ValueError(f"{name} must be {what}; got {value!r}") from None
    above = number >= low if low_closed else number > low
    below = number <= high if high_closed else number < high
    if not (math.isfinite(number) and above and below):
        raise ValueError(f"{name} must be {what}; got {value!r}")
    return number


def check_dtype(dtype) -> np.dtype:
    """`dtype` as a numpy floating type, or ``ValueError``."""
    try:
        float_type = np.dtype(dtype)
    except TypeError:
        float_type = None
    if float_type is None or float_type.kind != "f":
        raise ValueError(f"dtype must be a floating type such as numpy.float64 or numpy.float32; got {dtype!r}")
    return float_type


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


def batch_size(y: np.ndarray) -> int:
    """N, the number of examples: columns of a batch, 1 for a vector."""
    return 1 if y.ndim < 2 else y.shape[1]


# The door: declared checks, the bare equation, the finite result.


LATER = "finite: left to the result"
"""A key of a door's arguments while its checks run: set, `array` leaves finiteness to the result's check."""


def checked(*, result=None, careful=None, first=None, reaches_result=False, **declared):
    """Decorator: check the arguments as `declared`, run the equation quietly, check its `result` is finite.

    `declared` maps an argument's name to a check, called as ``check(name, value, arguments)``
    with the arguments checked so far, which returns the value the equation receives. `result`
    names the result for the message of a result that overflowed (or, for a result that is not
    one array, maps it and the arguments to the named arrays to check); `careful`, given the same
    arguments, recomputes a result that overflowed only in a partial sum; `first` maps the result
    to every array it holds, in the order computed, to name the first that left the range. With
    `reaches_result`, every nan or inf among the arguments reaches the result, so its one check
    replaces a pass over each argument: only a result that is not finite pays for looking through
    the arguments to name the one that was not. The bare function is the door's ``math``.
    """

    def decorate(math):
        signature = inspect.signature(math)
        parameters = signature.parameters.values()
        positional = [p.name for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        defaults = {p.name: p.default for p in parameters if p.default is not p.empty}
        order = [p.name for p in parameters]
        every = set(order)
        unknown = set(declared) - every
        assert not unknown, f"{math.__qualname__} declares checks for {unknown}, which it does not take"
        assert result is not None or not reaches_result, f"{math.__qualname__}: reaches_result needs a result"

        checks, every_default = tuple(declared.items()), tuple(defaults.items())

        @functools.wraps(math)
        def door(*args, **kwargs):
            arguments = dict(zip(positional, args, strict=False))
            if kwargs:
                repeated = kwargs.keys() & arguments.keys()
                arguments.update(kwargs)
            if len(arguments) < len(every):
                for name, default in every_default:
                    arguments.setdefault(name, default)
            if len(arguments) != len(every) or len(args) > len(positional) or kwargs and repeated:
                signature.bind(*args, **kwargs)  # Python's own TypeError: a missing, extra or repeated argument
            arguments[LATER] = reaches_result
            for name, check in checks:
                arguments[name] = check(name, arguments[name], arguments)
            del arguments[LATER]
            out = quietly(arguments)
            return out[()] if type(out) is np.ndarray and out.ndim == 0 else out

        @np.errstate(over="ignore", invalid="ignore", divide="ignore")  # numpy's warnings: the result is checked
        def quietly(arguments):
            out = math(**arguments)
            if result is None:
                return out
            return _finite_result(out, result, careful, first, reaches_result, arguments, order)

        door.math = math
        door.declared = declared
        return door

    return decorate


def _finite_result(out, result, careful, first, reaches_result, arguments, order):
    """`out` if its arrays are finite; else name the argument that was not, or return a careful result, or raise."""
    named = {result: out} if isinstance(result, str) else result(out, arguments)
    if all_finite_together([v for v in named.values() if v is not None]):
        return out
    given = {n: v for n in order if n != "self" and ((v := arguments[n]) is None or type(v) is np.ndarray)}
    given |= getattr(arguments.get("self"), "parameters", {})
    for name, value in given.items() if reaches_result else ():  # a nan or an inf given: it is named
        if value is not None:
            check_finite(name, value)
    if careful is not None:
        retried = careful(**arguments)
        if all_finite(retried):
            return retried
    named = named if first is None else first(out, arguments)
    name, value = next((n, v) for n, v in named.items() if v is not None and not all_finite(v))
    raise NumericalError(
        f"{name} overflowed although {', '.join(given)} {'is' if len(given) == 1 else 'are'} finite: "
        f"{'its' if len(given) == 1 else 'their'} values are too large for {np.asarray(value).dtype}"
    )


def finite_result(out, name: str, arguments: dict):
    """`out`, an array named `name` computed from `arguments` inside a door's body, refused as a door refuses its
    result: a nan or an inf given is named, else the overflow is a `NumericalError`."""
    return _finite_result(out, name, None, None, True, arguments, list(arguments))


def all_finite_together(arrays: list) -> bool:
    """Whether no entry of any of `arrays` is nan or inf: small ones joined into one test, which costs one call."""
    if sum(np.size(a) for a in arrays) <= 4096:
        return bool(np.isfinite(np.concatenate(arrays, axis=None)).all()) if arrays else True
    return all(all_finite(a) for a in arrays)


def run_checks(door, **arguments) -> dict:
    """The checks `door` declares for the given `arguments`, run in its order: the arguments as checked."""
    for name, check in door.declared.items():
        if name in arguments:
            arguments[name] = check(name, arguments[name], arguments)
    return arguments


def nodes(trace, arguments=None) -> dict:
    """The arrays of a trace by name, in the order its pass computes them: a `result` for `checked`."""
    return {name: getattr(trace, name) for name in trace.__slots__}


# The checks an argument is declared with. Each returns check(name, value, arguments) -> value.


def array(ndims: tuple[int, ...] = (1, 2)):
    """A finite floating array with a number of dimensions in `ndims` (finite as the door's result shows, if it can)."""

    def check(name, value, arguments):
        value = as_float_array(name, value, ndims)
        return value if arguments.get(LATER) else check_finite(name, value)

    return check


def optional(check):
    """None, or what `check` accepts."""
    return lambda name, value, arguments: None if value is None else check(name, value, arguments)


def inputs_of(W: str, axis: int = -1):
    """Columns of inputs to the layer whose weights are argument `W`: one row per column of `W`.

    With ``axis=0``, one row per row of `W`: the columns of gradients that go back through it.
    """
    along = "column" if axis == -1 else "row"

    def check(name, value, arguments):
        x, weights = array()(name, value, arguments), arguments[W]
        check_rows(name, x, weights.shape[axis], f"one per {along} of {W}, which has shape {weights.shape}")
        return x

    return check


def bias_of(W: str):
    """A bias for the layer whose weights are argument `W`: one entry per row (a scalar for a vector `W`)."""

    def check(name, value, arguments):
        b, weights = array(ANY_NDIM)(name, value, arguments), arguments[W]
        expected = weights.shape[:1] if weights.ndim == 2 else ()
        if b.shape != expected:
            raise ValueError(
                f"{name} must have shape {expected}, one entry per row of {W}, which has shape {weights.shape}; "
                f"got shape {b.shape}"
            )
        return b

    return check


def same_shape_as(other: str, ndims: tuple[int, ...] = ANY_NDIM):
    """A finite floating array of the shape of argument `other`."""

    def check(name, value, arguments):
        a, shape = array(ndims)(name, value, arguments), arguments[other].shape
        if a.shape != shape:
            raise ValueError(f"{name} must have the same shape as {other}, {shape}; got shape {a.shape}")
        return a

    return check


def one_hot_like(prediction: str):
    """One-hot targets shaped like argument `prediction`, in its dtype (0 and 1 are exact in any)."""

    def check(name, value, arguments):
        y = same_shape_as(prediction, (1, 2))(name, value, arguments)
        return check_one_hot(name, y).astype(arguments[prediction].dtype, copy=False)

    return check


def probabilities(name, value, arguments):
    """Columns that are probability distributions: a softmax output."""
    p = array()(name, value, arguments)
    if not (p.min() >= 0 and p.max() <= 1):
        raise ValueError(f"{name} must hold probabilities in [0, 1] (a softmax output, not logits); got values outside")
    sums = p.sum(axis=0, dtype=working_dtype(p))
    # Each entry is rounded (half an eps of it, so half an eps in all) and the pairwise sum adds about
    # log2(k) roundings: 8 (1 + log2 k) eps bounds both, and still refuses float16 columns summing to 1.05.
    tolerance = 8 * (1 + np.log2(p.shape[0])) * np.finfo(p.dtype).eps
    if (np.abs(sums - 1) > tolerance).any():
        worst = float(sums.flat[np.argmax(np.abs(sums - 1))])
        raise ValueError(f"each column of {name} must sum to 1 (a softmax output); got a column summing to {worst:.6g}")
    return p


def class_axis(of: str):
    """The class axis of argument `of`: an int within its dimensions, along which there are several classes.

    One row of several entries is refused: a batch laid out with examples as rows.
    """

    def check(name, axis, arguments):
        z = arguments[of]
        if not isinstance(axis, (int, np.integer)) or isinstance(axis, bool) or not -z.ndim <= axis < z.ndim:
            raise ValueError(
                f"{name} must be an integer in [{-z.ndim}, {z.ndim - 1}] for {of} of shape {z.shape}; got {axis!r}"
            )
        if z.ndim == 2 and z.shape[axis] == 1 and z.size > 1:
            raise ValueError(
                f"{of} has a single entry along axis {axis}, the class axis, so every result would be trivial; "
                f"got shape {z.shape}. Examples are columns here: pass one example as a vector of shape "
                f"({z.size},) or a column of shape ({z.size}, 1)"
            )
        return int(axis)

    return check


def number(low: float, high: float, low_closed: bool, high_closed: bool, what: str):
    """A real number in the interval from `low` to `high`, as a float; `what` says which, in the message."""
    return lambda name, value, _: check_number(name, value, low, high, low_closed, high_closed, what)


def integer(minimum: int):
    """An int at least `minimum` (a bool is not an int here)."""
    return lambda name, value, _: check_int(name, value, minimum)


def labels_below(k: str):
    """Integer class labels in 0 … `k` - 1, of shape () or (N,)."""
    return lambda name, value, arguments: check_labels(name, value, arguments[k])
