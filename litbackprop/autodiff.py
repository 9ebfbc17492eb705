r"""A reverse-mode automatic differentiation engine on arrays, small enough to read in one sitting.

A [`Value`][litbackprop.autodiff.Value] holds an array, its gradient, and how to
pass a gradient back to the values it was made from. Arithmetic on values
records the forward pass as a graph; [`Value.backward`][litbackprop.autodiff.Value.backward]
walks that graph from the output back, in reverse topological order, and every
node adds (``+=``) its share of the gradient to its inputs. It derives, by
machine, the backward tables the other pages derive by hand.

Like micrograd's engine, but for the matrix operations of these pages: each
operation's backward rule is one line of the chain rule.
"""

from __future__ import annotations

import functools

import numpy as np

from litbackprop._checks import ANY_NDIM, NumericalError, as_float_array, check_finite, check_rows


def _operation(method):
    """Run an operation of `Value` with numpy's floating point errors raised: a result that overflows (or a
    log of 0) is a `NumericalError` naming the operation, not an inf passed on to every gradient."""

    @functools.wraps(method)
    def run(self, *args, **kwargs):
        try:
            with np.errstate(over="raise", divide="raise", invalid="raise"):
                return method(self, *args, **kwargs)
        except NumericalError:  # from an operation inside this one: it named itself
            raise
        except FloatingPointError as error:
            raise NumericalError(
                f"Value.{method.__name__} of {self!r}: {error}; the result is no finite {self.data.dtype} number"
            ) from None

    return run


# The autodiff page shows the engine's own code, cut at these markers: --8<-- [start:value]
class Value:
    """An array in a computation graph, with the gradient of the output with respect to it.

    Parameters
    ----------
    data : array_like
        The value: a scalar, a vector or a matrix, finite.
    parents : tuple of Value, default ()
        The values it was computed from (set by the operation that makes it; an input has none).
    name : str, default ''
        What to call it in a message.

    Examples
    --------
    >>> a, b = Value(2.0), Value(3.0)
    >>> f = a * b + a  # a is used twice: its gradient is b + 1
    >>> f.backward()
    >>> float(a.grad), float(b.grad)
    (4.0, 2.0)
    """

    def __init__(self, data, parents: tuple[Value, ...] = (), name: str = "") -> None:
        self.data = as_float_array(name or "data", data, ANY_NDIM)  # integers become float64, float32 stays
        if not parents:  # an input: a nan or an inf would reach every gradient (results are checked by _operation)
            check_finite(name or "data", self.data)
        self.grad = np.zeros_like(self.data)
        self.parents = parents
        self.name = name
        self._backward = lambda: None  # passes self.grad on to the parents: set by the operation that made it

    def __repr__(self) -> str:
        return f"Value({self.name or 'unnamed'}, shape {self.data.shape})"

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        """numpy on the left of an operator (``ndarray * Value``) is the Value's own operation, not a broadcast into
        an array of values; any other ufunc (``np.exp(v)``) would not be recorded, and is refused naming the engine's.
        """
        reflected = _REFLECTED.get(ufunc.__name__)
        if method == "__call__" and not kwargs and reflected and len(inputs) == 2 and inputs[1] is self:
            return getattr(self, reflected)(inputs[0])
        own = _OWN_OPERATIONS.get(ufunc.__name__)
        raise ValueError(
            f"numpy.{ufunc.__name__} is not an operation of the engine, so its gradient would not be recorded; "
            + (f"use the Value's own: {own}" if own else f"the engine's operations are {', '.join(_OPERATIONS)}")
        )

    def _result(self, data, parents: tuple[Value, ...], backward) -> Value:
        out = Value(data, parents)
        out._backward = lambda: backward(out.grad)
        return out

    # --8<-- [end:value]

    def __array_function__(self, func, types, args, kwargs):
        """numpy's functions (``np.dot``, ``np.sum``, ...) are refused: the graph would not record them."""
        own = _OWN_OPERATIONS.get(func.__name__)
        raise ValueError(
            f"numpy.{func.__name__} is not an operation of the engine, so its gradient would not be recorded; "
            + (f"use the Value's own: {own}" if own else f"the engine's operations are {', '.join(_OPERATIONS)}")
        )

    # Each operation: the forward value, and the chain rule for each input (gradient arriving times local derivative).

    # --8<-- [start:add-mul]
    @_operation
    def __add__(self, other) -> Value:
        other = _value(other, like=self, operation="+")

        def backward(grad):
            self.grad += _unbroadcast(grad, self.data.shape)
            other.grad += _unbroadcast(grad, other.data.shape)

        return self._result(self.data + other.data, (self, other), backward)

    @_operation
    def __mul__(self, other) -> Value:
        other = _value(other, like=self, operation="*")

        def backward(grad):
            self.grad += _unbroadcast(grad * other.data, self.data.shape)
            other.grad += _unbroadcast(grad * self.data, other.data.shape)

        return self._result(self.data * other.data, (self, other), backward)

    # --8<-- [end:add-mul]

    # --8<-- [start:matmul]
    @_operation
    def __matmul__(self, other) -> Value:
        other = _value(other, like=self, operation="@")
        if self.data.ndim != 2:
            raise ValueError(f"the left operand of @ must be a matrix W, (h, d); got shape {self.data.shape}")
        if other.data.ndim not in (1, 2):
            raise ValueError(f"the right operand of @ must be a vector or a matrix; got shape {other.data.shape}")
        check_rows("the right operand of @", other.data, self.data.shape[1], f"one per column of W, {self.data.shape}")

        def backward(grad):  # z = W x: dW = dz x^T, dx = W^T dz, as in rows (3a) and (3b)
            self.grad += np.outer(grad, other.data) if grad.ndim == 1 else grad @ other.data.T
            other.grad += self.data.T @ grad

        return self._result(self.data @ other.data, (self, other), backward)

    # --8<-- [end:matmul]

    __radd__ = __add__
    __rmul__ = __mul__

    def __rmatmul__(self, other) -> Value:
        return _value(other, like=self, operation="@") @ self

    def __neg__(self) -> Value:
        return self * -1.0

    def __sub__(self, other) -> Value:
        return self + (-_value(other, like=self, operation="-"))

    def __rsub__(self, other) -> Value:
        return _value(other, like=self, operation="-") + (-self)

    # --8<-- [start:relu]
    @_operation
    def relu(self) -> Value:
        def backward(grad):  # row (2): the gradient passes where the input was positive
            self.grad += grad * (self.data > 0)

        return self._result(np.maximum(self.data, 0), (self,), backward)

    # --8<-- [end:relu]

    # --8<-- [start:pow-div]
    @_operation
    def __pow__(self, exponent) -> Value:
        """The value to a constant power, entry by entry: $v^p$, whose local derivative is $p\\,v^{p-1}$.

        Parameters
        ----------
        exponent : int or float
            The power $p$, a finite real number (a `Value` as exponent is not an operation of the engine).
        """
        if isinstance(exponent, bool) or not isinstance(exponent, int | float | np.integer | np.floating):
            raise ValueError(f"the exponent of ** must be a real number (a constant); got {type(exponent).__name__}")
        if not np.isfinite(exponent):
            raise ValueError(f"the exponent of ** must be finite; got {exponent!r}")

        def backward(grad):
            self.grad += grad * exponent * self.data ** (exponent - 1)

        return self._result(self.data**exponent, (self,), backward)

    def __truediv__(self, other) -> Value:
        return self * _value(other, like=self, operation="/") ** -1  # a / b = a b^{-1}: no rule of its own

    def __rtruediv__(self, other) -> Value:
        return _value(other, like=self, operation="/") * self**-1

    # --8<-- [end:pow-div]

    # --8<-- [start:sigmoid]
    @_operation
    def sigmoid(self) -> Value:
        out_data = np.exp(-np.logaddexp(0, -self.data))  # 1 / (1 + e^{-v}), with no overflow for v << 0

        def backward(grad):  # the neuron page's row: sigma' = sigma (1 - sigma), from the output alone
            self.grad += grad * out_data * (1 - out_data)

        return self._result(out_data, (self,), backward)

    # --8<-- [end:sigmoid]

    @_operation
    def tanh(self) -> Value:
        out_data = np.tanh(self.data)

        def backward(grad):
            self.grad += grad * (1 - out_data**2)

        return self._result(out_data, (self,), backward)

    @_operation
    def exp(self) -> Value:
        out_data = np.exp(self.data)

        def backward(grad):
            self.grad += grad * out_data

        return self._result(out_data, (self,), backward)

    @_operation
    def log(self) -> Value:
        def backward(grad):
            self.grad += grad / self.data

        return self._result(np.log(self.data), (self,), backward)

    @_operation
    def sum(self, axis: int | None = None) -> Value:
        """The sum of the entries, or along `axis`.

        Parameters
        ----------
        axis : int, optional
            The axis to sum along; all of them by default.
        """
        if axis is not None and (
            not isinstance(axis, int | np.integer)
            or isinstance(axis, bool)
            or not -self.data.ndim <= axis < self.data.ndim
        ):
            raise ValueError(
                f"axis must be None or an integer in [{-self.data.ndim}, {self.data.ndim - 1}] for a value of shape "
                f"{self.data.shape}; got {axis!r}"
            )

        def backward(grad):  # every summed entry receives the gradient of the sum
            self.grad += np.broadcast_to(grad if axis is None else np.expand_dims(grad, axis), self.data.shape)

        return self._result(self.data.sum(axis=axis), (self,), backward)

    @_operation
    def reshape(self, shape: tuple[int, ...]) -> Value:
        """The same entries in another shape.

        Parameters
        ----------
        shape : tuple of int
            The new shape, which holds as many entries (one of its entries may be -1).
        """
        try:  # numpy's own reading of the shape: a tuple of ints, one of them -1 at most
            data = self.data.reshape(shape)
        except (TypeError, ValueError):
            raise ValueError(
                f"shape must be a tuple of integers that holds the value's {self.data.size} entries "
                f"(its shape is {self.data.shape}); got {shape!r}"
            ) from None

        def backward(grad):  # the same entries in another shape: their gradients go back unchanged
            self.grad += grad.reshape(self.data.shape)

        return self._result(data, (self,), backward)

    @_operation
    def take(self, indices) -> Value:
        """The entries at `indices`, positions in the value read row by row (``numpy.take``): a gather, such as a
        convolution's windows laid out as columns, one entry read as many times as its position appears.

        Parameters
        ----------
        indices : array_like of int, at most 2-d
            Positions in 0 … size − 1.

        Examples
        --------
        >>> x = Value([[1.0, 2.0], [3.0, 4.0]])
        >>> y = x.take([[0, 1], [1, 3]])  # entry 1 read twice
        >>> y.sum().backward()
        >>> x.grad
        array([[1., 2.],
               [0., 1.]])
        """
        at = np.asarray(indices)
        if at.dtype.kind not in "iu" or at.ndim > 2 or at.size and not (0 <= at.min() and at.max() < self.data.size):
            raise ValueError(
                f"indices must be integers of at most 2 dimensions in 0…{self.data.size - 1}, positions in the "
                f"value of shape {self.data.shape}; got {indices!r}"
            )

        def backward(grad):  # each read passes its gradient back to the position it read; repeated reads add up
            np.add.at(self.grad.reshape(-1), at, grad)

        return self._result(np.take(self.data, at), (self,), backward)

    @_operation
    def max(self, axis: int) -> Value:
        """The largest entry along `axis`: a max-pool, once each window is a row or a column.

        Parameters
        ----------
        axis : int
            The axis along which to take it.

        Examples
        --------
        >>> a = Value([[1.0, 3.0], [4.0, 2.0]])
        >>> m = a.max(axis=0)  # the largest of each column: 4 and 3
        >>> m.sum().backward()
        >>> a.grad  # each column's gradient goes to its largest entry (the first, on a tie)
        array([[0., 1.],
               [1., 0.]])
        """
        if (
            not isinstance(axis, int | np.integer)
            or isinstance(axis, bool)
            or not -self.data.ndim <= axis < self.data.ndim
        ):
            raise ValueError(
                f"axis must be an integer in [{-self.data.ndim}, {self.data.ndim - 1}] for a value of shape "
                f"{self.data.shape}; got {axis!r}"
            )
        winner = np.expand_dims(self.data.argmax(axis=axis), axis)

        def backward(grad):  # the maximum moves with its winner alone: the whole gradient goes there
            routed = np.zeros_like(self.grad)
            np.put_along_axis(routed, winner, np.expand_dims(grad, axis), axis=axis)
            self.grad += routed

        return self._result(self.data.max(axis=axis), (self,), backward)

    # --8<-- [start:backward]
    def backward(self) -> None:
        r"""Fill in ``grad`` for every value this one was computed from: $\partial(\text{self})/\partial v$.

        The graph is sorted so that each value comes after everything it was made
        from, then visited in reverse, from the output back: when a value's turn
        comes, all the values made from it have added their share to its ``grad``.
        """
        order, seen, stack = [], {id(self)}, [(self, iter(self.parents))]
        while stack:  # depth first, with a stack of its own: a chain of a million operations is no recursion
            value, parents = stack[-1]
            parent = next(parents, None)
            if parent is None:  # every parent is in the order: the value comes after them
                order.append(value)
                stack.pop()
            elif id(parent) not in seen:
                seen.add(id(parent))
                stack.append((parent, iter(parent.parents)))
        for value in order:
            value.grad = np.zeros_like(value.data)  # a second backward starts from zero, not from the first
        self.grad = np.ones_like(self.data)  # d(self)/d(self) = 1, row (5)
        try:
            with np.errstate(over="raise", divide="raise", invalid="raise"):
                for value in reversed(order):
                    value._backward()
        except FloatingPointError as error:  # a gradient left the range: an error, not an inf in every gradient
            raise NumericalError(f"the backward pass from {self!r}: {error}") from None

    # --8<-- [end:backward]


_OPERATIONS = (
    "+", "-", "*", "/", "** p", "@", ".relu()", ".sigmoid()", ".tanh()", ".exp()", ".log()", ".sum(axis)",
    ".reshape(shape)", ".take(indices)", ".max(axis)",
)  # fmt: skip
_OWN_OPERATIONS = {
    "dot": "W @ x",
    "matmul": "W @ x",
    "sum": "v.sum(axis)",
    "reshape": "v.reshape(shape)",
    "exp": "v.exp()",
    "log": "v.log()",
    "tanh": "v.tanh()",
    "power": "v ** p",
    "maximum": "v.relu()",
    "take": "v.take(indices)",
    "max": "v.max(axis)",
    "amax": "v.max(axis)",
}
_REFLECTED = {
    "add": "__radd__",
    "subtract": "__rsub__",
    "multiply": "__rmul__",
    "true_divide": "__rtruediv__",
    "divide": "__rtruediv__",
    "matmul": "__rmatmul__",
}
"""numpy's ufunc for each operator whose reflected form a Value has: ``ndarray * v`` is ``v.__rmul__(ndarray)``."""


def _value(x, like: Value, operation: str) -> Value:
    """`x` as a Value; a constant takes `like`'s dtype, so that float32 work stays float32."""
    if isinstance(x, Value):
        return _broadcasting(x, like, operation)
    constant = np.asarray(x) if isinstance(x, int | float | np.number | np.ndarray | list | tuple) else None
    if constant is None or constant.dtype.kind not in "biuf":
        raise ValueError(
            f"the other operand of {operation} must be a Value or a real number or array; got {type(x).__name__}"
            + (f" of dtype {constant.dtype}" if constant is not None else "")
        )
    with np.errstate(over="ignore"):  # a constant too large for the Value's dtype is refused below, by name
        cast = constant.astype(like.data.dtype)
    if np.isfinite(constant).all() and not np.isfinite(cast).all():
        raise ValueError(
            f"the other operand of {operation} does not fit {like.data.dtype}, the dtype of the Value it meets; "
            f"got {x!r}"
        )
    return _broadcasting(Value(cast, name="a constant"), like, operation)


def _broadcasting(other: Value, like: Value, operation: str) -> Value:
    """`other`, once its shape broadcasts with `like`'s for an elementwise `operation` (@ checks its own)."""
    if operation in ("+", "-", "*", "/"):
        try:
            np.broadcast_shapes(like.data.shape, other.data.shape)
        except ValueError:
            raise ValueError(
                f"the operands of {operation} must have shapes that broadcast together; "
                f"got {like.data.shape} and {other.data.shape}"
            ) from None
    return other


def _unbroadcast(grad: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Sum `grad` down to `shape`: a value broadcast over columns (a bias) collects every column's gradient."""
    while grad.ndim > len(shape):
        grad = grad.sum(axis=0)
    for axis, size in enumerate(shape):
        if size == 1 and grad.shape[axis] != 1:
            grad = grad.sum(axis=axis, keepdims=True)
    return grad
