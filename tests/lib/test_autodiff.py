"""The autodiff engine derives the same gradients as the hand-derived backward pass."""

import os
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal

import litbackprop as lb
from litbackprop.autodiff import Value
from litbackprop.network import network_gradients, two_layer_loss


@settings(max_examples=int(os.environ.get("LITBACKPROP_EXAMPLES", 60)), deadline=None)
@given(
    d=st.integers(1, 12),
    h=st.integers(1, 12),
    k=st.integers(2, 8),
    n=st.one_of(st.none(), st.integers(1, 16)),
    biases=st.booleans(),
    dtype=st.sampled_from([np.float64, np.float32]),
    seed=st.integers(0, 2**32 - 1),
)
def test_the_engine_gives_the_gradients_of_the_hand_derived_backward_pass(d, h, k, n, biases, dtype, seed):
    rng = np.random.default_rng(seed)
    net = lb.TwoLayerNet.initialize(d, h, k, seed=seed, dtype=dtype, biases=biases)
    if biases:  # initialize gives zero biases: make them count
        net.b1[:] = rng.normal(size=h) * 0.1
        net.b2[:] = rng.normal(size=k) * 0.1
    x = rng.normal(size=(d,) if n is None else (d, n)).astype(dtype)
    y = lb.one_hot(rng.integers(0, k, size=() if n is None else n), k).astype(dtype)
    grads, expected = network_gradients(net, x, y), net.backward(x, y)
    p = net.parameters
    loss = two_layer_loss(Value(p["W1"]), Value(p["W2"]), x, y, *(Value(p[b]) for b in ("b1", "b2") if b in p))
    assert loss.data.dtype == dtype and all(g.dtype == dtype for g in grads.values())
    assert grads.keys() == expected.keys()
    rtol = 1e-12 if dtype == np.float64 else 1e-5
    # A gradient entry is a difference of terms of order 1 (y_hat - y, summed over a batch), so a small
    # one carries the rounding of those terms: a few units of eps on top of the relative tolerance.
    atol = 16 * np.finfo(dtype).eps
    assert_allclose(loss.data, net.loss(x, y), rtol=rtol)
    for name, grad in expected.items():
        scale = np.abs(grad).max()
        assert np.abs(grads[name] - grad).max() <= rtol * scale + atol, name


def test_a_value_used_twice_adds_up_its_gradients():
    a, b = Value(2.0), Value(3.0)
    f = a * b + a
    f.backward()
    assert (float(a.grad), float(b.grad)) == (4.0, 2.0)


def test_a_diamond_is_visited_in_topological_order():
    a = Value(2.0)
    b, c = a * 3.0, a * 5.0  # both made from a: a's gradient is complete only after both are visited
    (b * c).backward()  # d(15 a^2)/da = 30 a
    assert float(a.grad) == 60.0


def test_a_second_backward_starts_from_zero():
    a = Value(np.array([1.0, -2.0]))
    f = (a * a).sum()
    f.backward()
    f.backward()
    assert_allclose(a.grad, [2.0, -4.0])


def test_a_bias_added_to_every_column_collects_every_column_gradient():
    x, y = np.ones((2, 3)), np.eye(2)[:, [0, 1, 0]]
    b1 = Value(np.array([1.0, 2.0]))
    two_layer_loss(Value(np.eye(2)), Value(np.eye(2)), x, y, b1=b1).backward()
    net = lb.TwoLayerNet(np.eye(2), np.eye(2), b1=np.array([1.0, 2.0]), b2=np.zeros(2))
    assert_allclose(b1.grad, net.backward(x, y)["b1"], rtol=1e-12)


def test_a_value_of_text_is_refused_naming_it():
    with pytest.raises(ValueError, match=r"^W1 must be an array of real numbers; got dtype <U3"):
        Value("abc", name="W1")


def test_a_product_whose_shapes_do_not_fit_names_the_operand():
    with pytest.raises(ValueError, match=r"^the right operand of @ must have 2 rows"):
        Value(np.eye(2)) @ Value([1.0, 2.0, 3.0])


def test_the_loss_of_an_input_of_the_wrong_size_names_x():
    with pytest.raises(ValueError, match=r"^x must have 2 rows"):
        two_layer_loss(Value(np.eye(2)), Value(np.eye(2)), [1.0, 2.0, 3.0], [1.0, 0.0])


def test_network_gradients_of_something_that_is_no_network_is_a_value_error():
    with pytest.raises(ValueError, match="net must be a TwoLayerNet; got dict"):
        network_gradients({"W1": np.ones((2, 2))}, np.ones(2), np.array([1.0, 0.0]))


def test_a_nan_in_x_is_refused_naming_x_not_passed_on_to_the_gradients():
    net = lb.TwoLayerNet.initialize(3, 4, 2)
    with pytest.raises(ValueError, match="x must be finite; got nan at index 0"):
        network_gradients(net, np.array([np.nan, 1.0, 1.0]), [1.0, 0.0])


def test_an_input_value_with_a_nan_is_refused_naming_it():
    with pytest.raises(ValueError, match="W1 must be finite; got nan at index 1"):
        Value([1.0, np.nan], name="W1")


@pytest.mark.parametrize(
    "operation, named",
    [
        (lambda: Value(1000.0).exp(), "Value.exp"),
        (lambda: Value(0.0).log(), "Value.log"),
        (lambda: Value(1e308) * 10.0, "Value.__mul__"),
        (lambda: Value([[1e200]]) @ Value([1e200]), "Value.__matmul__"),
    ],
)
def test_a_result_that_leaves_the_range_of_floats_is_a_numerical_error_naming_the_operation(operation, named):
    with pytest.raises(lb.NumericalError, match=rf"^{re.escape(named)} of Value"):
        operation()


def test_a_gradient_that_overflows_in_the_backward_pass_is_a_numerical_error():
    tiny = Value(1e-310)
    with pytest.raises(lb.NumericalError, match="the backward pass from"):
        tiny.log().backward()  # log(1e-310) is about -714, but its derivative, 1 / 1e-310, overflows


@pytest.mark.parametrize(
    ("call", "named"),
    [
        (lambda: np.dot(np.ones(3), Value(np.ones(3))), "numpy.dot"),
        (lambda: np.sum(Value(np.ones(3))), "numpy.sum"),
        (lambda: np.mean(Value(np.ones(3))), "numpy.mean"),
        (lambda: np.concatenate([Value(np.ones(2)), Value(np.ones(2))]), "numpy.concatenate"),
    ],
)
def test_a_numpy_function_the_engine_does_not_record_is_refused_in_one_line_naming_it(call, named):
    with pytest.raises(ValueError, match=rf"^{re.escape(named)} is not an operation of the engine") as refused:
        call()
    assert "\n" not in str(refused.value)


def test_a_constant_that_does_not_fit_the_values_dtype_is_refused_by_name():
    with pytest.raises(ValueError, match=r"^the other operand of - does not fit float32, .* got 1e\+300$"):
        Value(np.float32(1.0)) - 1e300


@pytest.mark.parametrize("operation", ["+", "-", "*"])
def test_operands_that_do_not_broadcast_are_refused_naming_both_shapes(operation):
    a, b = Value(np.ones(2)), Value(np.ones(3))
    with pytest.raises(ValueError, match=rf"^the operands of \{operation} must have shapes that broadcast together; "):
        {"+": a.__add__, "-": a.__sub__, "*": a.__mul__}[operation](b)


# Edges found by fuzzing (issue 24): each failed before its fix


def test_a_chain_of_twenty_thousand_operations_backpropagates_without_recursion():
    x = y = Value(1.0)
    for _ in range(20_000):  # twenty times Python's recursion limit
        y = y + 1.0
    y.backward()
    assert float(x.grad) == 1.0 and float(y.data) == 20_001.0


def test_a_value_times_a_matrix_at_the_left_of_a_number_is_refused_naming_the_operand():
    with pytest.raises(ValueError, match=r"^the right operand of @ must be a vector or a matrix; got shape \(\)$"):
        Value(np.eye(2)) @ 1.0


@pytest.mark.parametrize("other", [1j, object(), "2", np.array([1j])], ids=["complex", "object", "text", "array"])
def test_an_operand_that_is_no_real_number_is_refused_naming_the_operation(other):
    with pytest.raises(ValueError, match=r"^the other operand of \+ must be a Value or a real number or array"):
        Value(1.0) + other


@pytest.mark.parametrize("shape", [(2, 2), "x", (-1, 5), 3.5])
def test_a_reshape_to_what_cannot_hold_the_value_is_refused_naming_the_shape(shape):
    with pytest.raises(ValueError, match=r"^shape must be a tuple of integers that holds the value's 3 entries"):
        Value(np.ones(3)).reshape(shape)


@pytest.mark.parametrize("axis", ["0", 1.5, True, 1, -2])
def test_a_sum_over_an_axis_that_is_no_axis_is_refused(axis):
    with pytest.raises(ValueError, match=r"^axis must be None or an integer in \[-1, 0\]"):
        Value(np.ones(2)).sum(axis=axis)


def test_numpy_on_the_left_gives_a_value_with_its_gradient_not_an_array_of_values():
    v = Value(np.array([1.0, 2.0, 3.0]))
    product = np.array([2.0, 3.0, 4.0]) * v
    assert isinstance(product, Value)
    product.sum().backward()
    assert v.grad.tolist() == [2.0, 3.0, 4.0]


def test_a_matrix_of_numpy_times_a_value_is_the_value_s_product():
    x = Value(np.array([1.0, 2.0]))
    z = np.array([[1.0, 0.0], [1.0, 1.0]]) @ x
    z.sum().backward()
    assert isinstance(z, Value) and z.data.tolist() == [1.0, 3.0] and x.grad.tolist() == [2.0, 1.0]


def test_the_loss_of_no_weights_is_refused_naming_them():
    e = lb.worked_example()
    with pytest.raises(ValueError, match=r"^W1 must be a litbackprop.autodiff.Value; got NoneType$"):
        two_layer_loss(None, Value(e["W2"]), e["x"], 0)


@pytest.mark.parametrize("b1", [None, np.zeros(4)], ids=["alone", "with b1"])
def test_a_bias_of_one_entry_for_three_classes_is_refused_not_broadcast(b1):
    e = lb.worked_example()
    b1 = None if b1 is None else Value(b1)
    with pytest.raises(ValueError, match=r"^b2 must have shape \(3,\), one entry per row of W2"):
        two_layer_loss(Value(e["W1"]), Value(e["W2"]), e["x"], 1, b1=b1, b2=Value(np.zeros(1)))


# The scalar operations of a staged computation (the page "Backprop anything"): each gradient against central
# differences in float64, computed with numpy alone from the operation's own formula.

SCALAR_OPERATIONS = {
    "v ** 3": (lambda v: v**3, lambda t: t**3),
    "v ** -0.5": (lambda v: v**-0.5, lambda t: t**-0.5),
    "2 / v": (lambda v: 2.0 / v, lambda t: 2.0 / t),
    "v / 3": (lambda v: v / 3.0, lambda t: t / 3.0),
    "sigmoid": (lambda v: v.sigmoid(), lambda t: 1 / (1 + np.exp(-t))),
    "tanh": (lambda v: v.tanh(), lambda t: (np.exp(t) - np.exp(-t)) / (np.exp(t) + np.exp(-t))),
}


@settings(max_examples=int(os.environ.get("LITBACKPROP_EXAMPLES", 60)), deadline=None)
@given(
    name=st.sampled_from(sorted(SCALAR_OPERATIONS)),
    data=st.lists(st.floats(0.1, 4.0), min_size=1, max_size=5),
    negate=st.booleans(),
)
def test_each_scalar_operation_s_gradient_is_its_central_difference(name, data, negate):
    engine, formula = SCALAR_OPERATIONS[name]
    t = np.array(data) * (-1 if negate and "-0.5" not in name else 1)  # no square root of a negative number
    v = Value(t.copy())
    engine(v).sum().backward()
    eps = 1e-6
    central = (formula(t + eps) - formula(t - eps)) / (2 * eps)
    assert_allclose(v.grad, central, rtol=1e-6, atol=1e-9)


def test_a_quotient_of_two_values_passes_each_its_own_gradient():
    a, b = Value(6.0), Value(-4.0)
    (a / b).backward()
    assert (float(a.grad), float(b.grad)) == (1 / -4.0, -6.0 / 16.0)  # 1/b and -a/b^2, both exact in binary


def test_the_sigmoid_of_a_very_negative_value_is_zero_not_an_overflow():
    v = Value(-1000.0)
    s = v.sigmoid()
    s.backward()
    assert (float(s.data), float(v.grad)) == (0.0, 0.0)


@pytest.mark.parametrize("exponent", [Value(2.0), "2", True, None])
def test_an_exponent_that_is_no_real_constant_is_refused_naming_it(exponent):
    with pytest.raises(ValueError, match=r"^the exponent of \*\* must be a real number \(a constant\); got "):
        Value(2.0) ** exponent


def test_an_infinite_exponent_is_refused():
    with pytest.raises(ValueError, match=r"^the exponent of \*\* must be finite; got inf$"):
        Value(2.0) ** float("inf")


def test_a_division_by_zero_is_a_numerical_error_naming_the_power():
    with pytest.raises(lb.NumericalError, match=r"^Value.__pow__ of Value"):
        Value(1.0) / Value(0.0)


def test_a_value_divided_by_a_vector_it_does_not_broadcast_with_is_refused():
    with pytest.raises(ValueError, match=r"^the operands of / must have shapes that broadcast together; "):
        Value(np.ones(2)) / Value(np.ones(3))


@pytest.mark.parametrize(
    ("call", "named", "own"),
    [
        (lambda v: np.exp(v), "numpy.exp", "v.exp()"),
        (lambda v: np.log(v), "numpy.log", "v.log()"),
        (lambda v: np.tanh(v), "numpy.tanh", "v.tanh()"),
        (lambda v: np.maximum(v, 0), "numpy.maximum", "v.relu()"),
        (lambda v: np.ones(2) ** v, "numpy.power", "v ** p"),
    ],
)
def test_a_numpy_ufunc_on_a_value_is_refused_naming_the_engine_s_own_operation(call, named, own):
    refusal = rf"^{re.escape(named)} is not an operation of the engine, .*{re.escape(own)}$"
    with pytest.raises(ValueError, match=refusal):
        call(Value(np.ones(2)))


def test_a_numpy_array_divided_by_a_value_is_the_value_s_quotient():
    v = Value(np.array([2.0, 4.0]))
    q = np.array([1.0, 2.0]) / v
    q.sum().backward()
    assert isinstance(q, Value) and np.array_equal(q.data, [0.5, 0.5]) and np.array_equal(v.grad, [-0.25, -0.125])


def test_a_gather_passes_each_read_s_gradient_back_to_its_position_and_repeated_reads_add_up():
    from litbackprop.course.testing import assert_gradient_matches

    data = np.random.default_rng(3).normal(size=(3, 4))
    at = np.array([[0, 5, 5], [11, 2, 5]])
    weights = np.random.default_rng(4).normal(size=at.shape)
    x = Value(data.copy())
    (x.take(at) * weights).sum().backward()
    assert_gradient_matches(x.grad, lambda: float((np.take(data, at) * weights).sum()), data, name="take")


def test_a_maximum_s_gradient_goes_to_the_first_largest_entry_only():
    from litbackprop.course.testing import assert_gradient_matches

    data = np.random.default_rng(5).normal(size=(4, 3))
    weights = np.array([1.0, -2.0, 0.5])
    a = Value(data.copy())
    (a.max(axis=0) * weights).sum().backward()
    assert_gradient_matches(a.grad, lambda: float((data.max(axis=0) * weights).sum()), data, name="max")
    tie = Value(np.ones((2, 2)))
    tie.max(axis=1).sum().backward()
    assert_array_equal(tie.grad, [[1.0, 0.0], [1.0, 0.0]])


@pytest.mark.parametrize("at", [[4], [-1], [0.5], [[[0]]]])
def test_a_gather_from_positions_outside_the_value_is_refused_naming_indices(at):
    with pytest.raises(ValueError, match="indices must be integers"):
        Value([[1.0, 2.0]]).take(at)


@pytest.mark.parametrize("axis", [2, -3, True, 0.5])
def test_a_maximum_over_an_axis_that_is_no_axis_is_refused(axis):
    with pytest.raises(ValueError, match="axis must be an integer"):
        Value([[1.0, 2.0]]).max(axis)
