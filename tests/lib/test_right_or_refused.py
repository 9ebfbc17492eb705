"""Every public function that computes a number returns the right one or refuses in one line, at the edges.

Each case draws a dtype (float16, float32, float64), a byte order (this machine's or the other), a memory
layout (C or Fortran) and entries that mix the ordinary with the extremes of that dtype: zero, the smallest
subnormal, the smallest normal number, its largest finite number, both signs. The reference is the
equation written out in numpy in extended precision (``np.longdouble``), on the very values the function
was given. The function must then either

- return a finite result in this machine's byte order, within a rounding bound of the reference (the
  bound a careful float computation of the same formula meets: a few units of the dtype's epsilon times
  the sizes of the terms it adds), or
- refuse with a ``ValueError`` (or its subclass ``NumericalError``) whose message is one line.

Where every entry is ordinary (at most 16 in size) and the reference lies well within range, refusing
counts as a failure too, so that a function cannot pass by refusing everything. Empty arrays are refused.
"""

from __future__ import annotations

import os

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import litbackprop as lb
from litbackprop.autodiff import Value

pytestmark = pytest.mark.skipif(
    np.finfo(np.longdouble).maxexp <= np.finfo(np.float64).maxexp,
    reason="the references need a longdouble wider than float64 (x86's 80-bit one); here it is float64 itself",
)

EXAMPLES = int(os.environ.get("LITBACKPROP_EXAMPLES", 30))
DTYPES = (np.float16, np.float32, np.float64)
C = 8  # units of rounding allowed per term of the bound: generous for a careful formula, far below a wrong one
LD = np.longdouble


class Drawn:
    """The arrays of one case, all of one dtype, byte order and layout."""

    def __init__(self, data, dtype, order: str, layout: str):
        self.data, self.dtype, self.order, self.layout = data, np.dtype(dtype), order, layout
        info = np.finfo(self.dtype)
        self.eps, self.sub, self.max = LD(info.eps), LD(info.smallest_subnormal), float(info.max)
        edges = [info.smallest_subnormal, info.tiny, info.max]
        self.elements = st.one_of(
            st.floats(-4, 4, width=16),  # ordinary, exact in every dtype
            st.sampled_from([0.0, 1.0, 16.0]),
            st.sampled_from([sign * float(e) for e in edges for sign in (1, -1)]),
        )
        self.ordinary = True

    def array(self, shape, elements=None, low=None) -> np.ndarray:
        values = self.data.draw(
            st.lists(
                self.elements if elements is None else elements,
                min_size=int(np.prod(shape)),
                max_size=int(np.prod(shape)),
            )
        )
        values = np.array(values, dtype=np.float64).reshape(shape)
        if low is not None:
            values = np.maximum(values, low)
        self.ordinary &= bool((np.abs(values) <= 16).all() and ((values == 0) | (np.abs(values) >= 2**-8)).all())
        a = values.astype(self.dtype)
        if self.order == "swapped":
            a = a.astype(a.dtype.newbyteorder("S"))
        return np.asfortranarray(a) if self.layout == "F" and a.ndim == 2 else a


def draw_case(data) -> Drawn:
    return Drawn(
        data,
        data.draw(st.sampled_from(DTYPES), label="dtype"),
        data.draw(st.sampled_from(["native", "swapped"]), label="order"),
        data.draw(st.sampled_from(["C", "F"]), label="layout"),
    )


def ld(a) -> np.ndarray:
    return np.asarray(a).astype(LD)


def outcome(call):
    """("value", result) or ("refused", message); any other exception, or a message of several lines, fails."""
    try:
        return "value", call()
    except ValueError as error:  # NumericalError included
        message = str(error)
        assert message and "\n" not in message, f"a refusal must be one line; got {message!r}"
        return "refused", message


def right_or_refused(case: Drawn, call, reference, bound, name: str):
    """The call's value is within `bound` of `reference` (arrays in longdouble), or the call refused."""
    kind, got = outcome(call)
    reference = np.asarray(reference, dtype=LD)
    fits = bool(np.all(np.abs(reference) <= LD(case.max) / 2))
    if kind == "refused":
        assert not (case.ordinary and fits), f"{name} refused ordinary input: {got}"
        return
    got = np.asarray(got)
    assert got.dtype.isnative, f"{name} returned {got.dtype.str}, not this machine's byte order"
    assert np.all(np.isfinite(got)), f"{name} returned {got} (non-finite) instead of refusing"
    assert got.shape == reference.shape, f"{name}: shape {got.shape}, expected {reference.shape}"
    error = np.abs(got.astype(LD) - reference)
    allowed = np.broadcast_to(np.asarray(bound, dtype=LD), error.shape)
    worst = np.unravel_index(np.argmax(error - allowed), error.shape) if error.size else ()
    assert np.all(error <= allowed), (
        f"{name}: {got[worst]!r} at {worst}, the reference is {reference[worst]!r} (allowed {allowed[worst]!r})"
    )


def shapes(data, *names, low=1, high=4):
    return [data.draw(st.integers(low, high), label=n) for n in names]


def sigmoid_ref(z):
    e = np.exp(-np.abs(z))  # e^{-|z|}: never overflows, even at float16's or float64's extremes
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))


def softmax_ref(z):
    m = z.max(axis=0)
    e = np.exp(z - m)
    return e / e.sum(axis=0)


def log_softmax_ref(z):
    m = z.max(axis=0)
    return z - m - np.log(np.exp(z - m).sum(axis=0))


def dot_bound(case, magnitude, terms):
    """Rounding bound of sums of `terms` products: C (terms + 2) eps times their sizes, plus underflow."""
    return C * (terms + 2) * (case.eps * magnitude + case.sub)


def one_hot_columns(data, k, n):
    labels = np.array(data.draw(st.lists(st.integers(0, k - 1), min_size=n, max_size=n)))
    return labels, np.eye(k)[:, labels]


SETTINGS = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# The equations


@SETTINGS
@given(data=st.data())
def test_linear(data):
    case = draw_case(data)
    h, d, n = shapes(data, "h", "d", "n")
    W, x, b = case.array((h, d)), case.array((d, n)), case.array((h,))
    magnitude = np.abs(ld(W)) @ np.abs(ld(x)) + np.abs(ld(b))[:, None]
    right_or_refused(
        case, lambda: lb.linear(W, x, b), ld(W) @ ld(x) + ld(b)[:, None], dot_bound(case, magnitude, d), "linear"
    )


@SETTINGS
@given(data=st.data())
def test_relu_and_its_gradient(data):
    case = draw_case(data)
    (h, n) = shapes(data, "h", "n")
    z, da = case.array((h, n)), case.array((h, n))
    right_or_refused(case, lambda: lb.relu(z), np.maximum(ld(z), 0), 0, "relu")
    right_or_refused(case, lambda: lb.grad_relu(da, z), ld(da) * (ld(z) > 0), 0, "grad_relu")


@SETTINGS
@given(data=st.data())
def test_sigmoid_and_its_derivative(data):
    case = draw_case(data)
    (h, n) = shapes(data, "h", "n")
    z = case.array((h, n))
    reference = sigmoid_ref(ld(z))
    right_or_refused(case, lambda: lb.sigmoid(z), reference, C * (case.eps * reference + case.sub), "sigmoid")
    a = case.array((h, n), st.sampled_from([0.0, 1.0, 0.5, 0.25, float(case.sub), float(np.finfo(case.dtype).tiny)]))
    slope = ld(a) * (1 - ld(a))
    bound = C * (case.eps * slope + case.sub)
    right_or_refused(case, lambda: lb.sigmoid_derivative(a), slope, bound, "sigmoid_derivative")


@SETTINGS
@given(data=st.data())
def test_softmax_log_softmax_and_the_loss_from_logits(data):
    case = draw_case(data)
    k, n = shapes(data, "k", "n", low=2)
    z = case.array((k, n))
    labels, y = one_hot_columns(data, k, n)
    y = y.astype(case.dtype)
    spread = np.abs(ld(z) - ld(z).max(axis=0)) + np.log(LD(k)) + 1  # the size of each log-softmax entry's terms
    right_or_refused(case, lambda: lb.softmax(z), softmax_ref(ld(z)), C * (k + 2) * (case.eps + case.sub), "softmax")
    bound = C * (k + 2) * case.eps * spread
    right_or_refused(case, lambda: lb.log_softmax(z), log_softmax_ref(ld(z)), bound, "log_softmax")
    loss = -(log_softmax_ref(ld(z)) * ld(y)).sum(axis=0).mean()
    bound = C * (k + n + 2) * case.eps * spread.max()
    right_or_refused(case, lambda: lb.cross_entropy_from_logits(y, z), loss, bound, "cross_entropy_from_logits")


@SETTINGS
@given(data=st.data())
def test_cross_entropy_and_its_gradient_from_probabilities(data):
    case = draw_case(data)
    k, n = shapes(data, "k", "n", low=2)
    first = [0.0, 1.0, 0.5, 0.75, float(case.sub), float(np.finfo(case.dtype).tiny)]
    p = np.array(data.draw(st.lists(st.sampled_from(first), min_size=n, max_size=n)))
    rows = np.array(data.draw(st.lists(st.integers(1, k - 1), min_size=n, max_size=n)))
    columns = np.zeros((k, n))
    columns[0], columns[rows, np.arange(n)] = p, 1 - p  # two classes share each column's probability
    y_hat = case.array((k, n), st.just(0.0))  # the case's dtype, order and layout, filled below
    y_hat[...] = columns.astype(case.dtype)
    case.ordinary = bool(np.isin(p, [0.0, 1.0, 0.5, 0.75]).all())
    labels, y = one_hot_columns(data, k, n)
    y = y.astype(case.dtype)
    with np.errstate(divide="ignore"):  # log 0 where a class has no probability: counted only for the true class
        loss = -np.where(ld(y) > 0, np.log(ld(y_hat)), 0).sum(axis=0).mean()
    right_or_refused(
        case, lambda: lb.cross_entropy(y, y_hat), loss, C * (k + n) * case.eps * (np.abs(loss) + 1), "cross_entropy"
    )
    gradient = (ld(y_hat) - ld(y)) / n
    right_or_refused(case, lambda: lb.grad_logits(y_hat, y), gradient, C * (case.eps * 2 / n + case.sub), "grad_logits")


@SETTINGS
@given(data=st.data())
def test_the_gradients_of_a_layer(data):
    case = draw_case(data)
    h, d, n = shapes(data, "h", "d", "n")
    W, x, dz = case.array((h, d)), case.array((d, n)), case.array((h, n))
    bound = dot_bound(case, np.abs(ld(dz)) @ np.abs(ld(x)).T, n)
    right_or_refused(case, lambda: lb.grad_weights(dz, x), ld(dz) @ ld(x).T, bound, "grad_weights")
    bound = dot_bound(case, np.abs(ld(W)).T @ np.abs(ld(dz)), h)
    right_or_refused(case, lambda: lb.grad_input(W, dz), ld(W).T @ ld(dz), bound, "grad_input")
    bound = dot_bound(case, np.abs(ld(dz)).sum(axis=1), n)
    right_or_refused(case, lambda: lb.grad_bias(dz), ld(dz).sum(axis=1), bound, "grad_bias")


@SETTINGS
@given(data=st.data())
def test_a_momentum_step_and_the_relative_error(data):
    case = draw_case(data)
    (d,) = shapes(data, "d")
    theta, v, grad = case.array((d,)), case.array((d,)), case.array((d,))
    lr, mu = data.draw(st.sampled_from([1e-3, 0.1, 1.0, 1e300])), data.draw(st.sampled_from([0.0, 0.5, 0.9]))
    step = LD(mu) * ld(v) - LD(lr) * ld(grad)
    bound = C * (case.eps * (np.abs(ld(theta)) + LD(mu) * np.abs(ld(v)) + LD(lr) * np.abs(ld(grad))) + case.sub)
    if lr > 16:
        case.ordinary = False  # a learning rate of 1e300 is an extreme, whose step may not fit
    right_or_refused(
        case, lambda: lb.momentum_step(theta, v, grad, lr, mu)[0], ld(theta) + step, bound, "momentum_step"
    )
    a, b = case.array((d,)), case.array((d,))
    difference, scale = np.linalg.norm(ld(a) - ld(b)), max(np.linalg.norm(ld(a)), np.linalg.norm(ld(b)))
    reference = difference / scale if scale else LD(0)
    right_or_refused(case, lambda: lb.relative_error(a, b), reference, C * (d + 2) * 2.3e-16, "relative_error")


# The models


def network(case, data, biases: bool):
    """A network's parameters, a batch of inputs for it and their labels: W1, W2, b1, b2, x, labels, y (one-hot)."""
    h, d, k, n = shapes(data, "h", "d", "k", "n")
    k = max(k, 2)
    W1, W2 = case.array((h, d)), case.array((k, h))
    b1, b2 = (case.array((h,)), case.array((k,))) if biases else (None, None)
    labels, y = one_hot_columns(data, k, n)
    return W1, W2, b1, b2, case.array((d, n)), labels, y


def forward_ref(W1, W2, b1, b2, x):
    z1 = ld(W1) @ ld(x) + (0 if b1 is None else ld(b1)[:, None])
    a1 = np.maximum(z1, 0)
    return z1, a1, ld(W2) @ a1 + (0 if b2 is None else ld(b2)[:, None])


def logits_bound(case, W1, W2, b1, b2, x):
    """How far rounding can move the logits: each layer's own sums, and the first layer's carried by W2."""
    d, h = W1.shape[1], W1.shape[0]
    sizes = np.abs(ld(W1)) @ np.abs(ld(x)) + (0 if b1 is None else np.abs(ld(b1))[:, None])
    err_z1 = dot_bound(case, sizes, d)
    sizes2 = np.abs(ld(W2)) @ sizes + (0 if b2 is None else np.abs(ld(b2))[:, None])
    return err_z1, dot_bound(case, sizes2, h) + np.abs(ld(W2)) @ err_z1


@SETTINGS
@given(data=st.data(), biases=st.booleans())
def test_a_networks_logits_probabilities_loss_and_predictions(data, biases):
    case = draw_case(data)
    W1, W2, b1, b2, x, labels, _ = network(case, data, biases)
    n = x.shape[1]
    kind, net = outcome(lambda: lb.TwoLayerNet(W1, W2, b1=b1, b2=b2))
    assert kind == "value", net  # every drawn parameter is finite
    _, _, z2 = forward_ref(W1, W2, b1, b2, x)
    _, err = logits_bound(case, W1, W2, b1, b2, x)
    right_or_refused(case, lambda: net.logits(x), z2, err, "TwoLayerNet.logits")
    lip = 2 * err.max(axis=0)  # softmax and log-sum-exp move by at most twice the largest logit's error
    k = W2.shape[0]
    right_or_refused(
        case, lambda: net.forward(x), softmax_ref(z2), lip + C * (k + 2) * (case.eps + case.sub), "forward"
    )
    loss = -log_softmax_ref(z2)[labels, np.arange(n)].mean()
    spread = np.abs(z2 - z2.max(axis=0)).max() + np.log(LD(k)) + 1
    right_or_refused(case, lambda: net.loss(x, labels), loss, lip.max() + C * (k + n + 2) * case.eps * spread, "loss")
    for name, call in (("predict", lambda: net.predict(x)), ("accuracy", lambda: lb.accuracy(net, x, labels))):
        kind, got = outcome(call)
        if kind == "refused":
            assert not case.ordinary, f"{name} refused ordinary input: {got}"
            continue
        top = np.sort(z2, axis=0)
        ties = (top[-1] - top[-2]) <= 2 * err.max(axis=0)  # a class within rounding of the best may win
        chosen = np.asarray(net.predict(x) if name == "accuracy" else got).reshape(n)
        assert np.all((chosen == np.argmax(z2, axis=0)) | ties), (name, chosen, z2)
        if name == "accuracy":
            assert got == np.mean(chosen == labels), (got, chosen, labels)


@SETTINGS
@given(data=st.data(), biases=st.booleans())
def test_a_networks_gradients(data, biases):
    case = draw_case(data)
    W1, W2, b1, b2, x, labels, y = network(case, data, biases)
    n = x.shape[1]
    net = lb.TwoLayerNet(W1, W2, b1=b1, b2=b2)
    z1, a1, z2 = forward_ref(W1, W2, b1, b2, x)
    err_z1, err_z2 = logits_bound(case, W1, W2, b1, b2, x)
    dz2 = (softmax_ref(z2) - ld(y)) / n
    err_dz2 = (2 * err_z2.max(axis=0) + C * (W2.shape[0] + 2) * (case.eps + case.sub)) / n
    err_dz2 = err_dz2 * np.ones_like(dz2)
    da1 = ld(W2).T @ dz2
    err_da1 = np.abs(ld(W2)).T @ err_dz2 + dot_bound(case, np.abs(ld(W2)).T @ np.abs(dz2), W2.shape[0])
    kink = np.abs(z1) <= err_z1  # within rounding of 0: the mask may fall either way
    dz1 = da1 * (z1 > 0)
    err_dz1 = err_da1 + kink * np.abs(da1)
    reference = {"W1": dz1 @ ld(x).T, "W2": dz2 @ a1.T}
    bounds = {
        "W1": err_dz1 @ np.abs(ld(x)).T + dot_bound(case, np.abs(dz1) @ np.abs(ld(x)).T, n),
        "W2": err_dz2 @ (a1 + err_z1).T + np.abs(dz2) @ err_z1.T + dot_bound(case, np.abs(dz2) @ a1.T, n),
    }
    if biases:
        reference |= {"b1": dz1.sum(axis=1), "b2": dz2.sum(axis=1)}
        bounds |= {"b1": err_dz1.sum(axis=1) + dot_bound(case, np.abs(dz1).sum(axis=1), n)}
        bounds |= {"b2": err_dz2.sum(axis=1) + dot_bound(case, np.abs(dz2).sum(axis=1), n)}
    kind, grads = outcome(lambda: net.backward(x, labels))
    if kind == "refused":
        assert not case.ordinary, f"backward refused ordinary input: {grads}"
        return
    for name in reference:
        right_or_refused(case, lambda name=name: grads[name], reference[name], bounds[name], f"backward: {name}")


@SETTINGS
@given(data=st.data())
def test_gradient_descent_takes_the_right_step_or_none(data):
    case = draw_case(data)
    W1, W2, _, _, x, labels, _ = network(case, data, biases=False)
    lr = data.draw(st.sampled_from([0.1, 1.0, 1e300]))
    net = lb.TwoLayerNet(W1.copy(), W2.copy())
    before = {name: theta.copy() for name, theta in net.parameters.items()}
    backward, expected = outcome(lambda: lb.TwoLayerNet(W1, W2).backward(x, labels))
    kind, losses = outcome(lambda: lb.gradient_descent(net, x, labels, lr=lr, steps=1))
    assert kind == "refused" or backward == "value", (losses, expected)
    if kind == "refused":
        for name, theta in net.parameters.items():
            np.testing.assert_array_equal(theta, before[name], err_msg=f"a refused step changed {name}")
        return
    for name, theta in net.parameters.items():
        step = ld(before[name]) - LD(lr) * ld(expected[name])
        bound = C * (case.eps * (np.abs(ld(before[name])) + LD(lr) * np.abs(ld(expected[name]))) + case.sub)
        assert np.all(np.abs(ld(theta) - step) <= bound), (name, theta, step)
    assert all(np.isfinite(losses)), losses


@SETTINGS
@given(data=st.data())
def test_a_neurons_activation_vote_and_gradient(data):
    case = draw_case(data)
    d, n = shapes(data, "d", "n")
    w, x = case.array((d,)), case.array((d, n))
    neuron = lb.Neuron(w)
    z = ld(w) @ ld(x)
    err_z = dot_bound(case, np.abs(ld(w)) @ np.abs(ld(x)), d)
    a = sigmoid_ref(z)
    err_a = err_z / 4 + C * (case.eps * a + case.sub)  # the sigmoid's slope is at most 1/4
    right_or_refused(case, lambda: neuron.forward(x), a, err_a, "Neuron.forward")
    kind, vote = outcome(lambda: neuron.predict(x))
    if kind == "value":
        assert np.all((vote == (z >= 0)) | (np.abs(z) <= err_z)), (vote, z)
    else:
        assert not case.ordinary, vote
    slope = a * (1 - a)
    gradient = (slope * ld(x)).sum(axis=1)
    bound = (np.abs(ld(x)) @ (err_a + C * case.eps * slope)) + dot_bound(case, np.abs(ld(x)) @ slope, n)
    right_or_refused(case, lambda: neuron.backward(x)["w"], gradient, bound, "Neuron.backward")


# Empty arrays, and the engine's values


@pytest.mark.parametrize(
    "call",
    [
        lambda e: lb.linear(np.ones((2, 0)), e),
        lambda e: lb.relu(e),
        lambda e: lb.sigmoid(e),
        lambda e: lb.softmax(e),
        lambda e: lb.log_softmax(e),
        lambda e: lb.grad_bias(e),
        lambda e: lb.relative_error(e, e),
        lambda e: lb.TwoLayerNet(np.ones((2, 0)), np.ones((2, 2))),
        lambda e: lb.Neuron(e),
        lambda e: lb.TwoLayerNet(np.eye(2), np.eye(2)).forward(e),
        lambda e: lb.accuracy(lb.TwoLayerNet(np.eye(2), np.eye(2)), np.ones((2, 0)), e.astype(int)),
    ],
)
def test_an_empty_array_is_refused_in_one_line(call):
    kind, message = outcome(lambda: call(np.ones(0)))
    assert kind == "refused", message


@pytest.mark.parametrize("order", ["native", "swapped"])
@pytest.mark.parametrize("dtype", DTYPES)
def test_the_engine_takes_either_byte_order_and_keeps_the_dtype(dtype, order):
    W = np.array([[1.0, -2.0], [0.5, 3.0]], dtype=dtype)
    x = np.array([2.0, 1.0], dtype=dtype)
    if order == "swapped":
        W, x = W.astype(W.dtype.newbyteorder("S")), x.astype(x.dtype.newbyteorder("S"))
    W_v = Value(W)
    out = (W_v @ Value(x)).relu().sum()
    out.backward()
    assert W_v.grad.dtype == np.dtype(dtype) and W_v.grad.dtype.isnative
    np.testing.assert_array_equal(W_v.grad, np.outer([0.0, 1.0], [2.0, 1.0]).astype(dtype))  # W x = (0, 4)


@SETTINGS
@given(data=st.data())
def test_sgd_update_takes_the_momentum_step_in_place_or_changes_nothing(data):
    case = draw_case(data)
    (d,) = shapes(data, "d")
    theta, v, grad = case.array((d,)), case.array((d,)), case.array((d,))
    lr, mu = data.draw(st.sampled_from([0.1, 1.0, 1e300])), data.draw(st.sampled_from([0.0, 0.9]))
    before, velocity = theta.copy(), v.copy()
    kind, message = outcome(lambda: lb.sgd_update(theta, v, grad, lr, mu))
    step = LD(mu) * ld(velocity) - LD(lr) * ld(grad)
    if kind == "refused":
        assert not case.ordinary or lr > 16 or np.any(np.abs(ld(before) + step) > LD(case.max) / 2), message
        np.testing.assert_array_equal(theta, before, err_msg="a refused step changed theta")
        np.testing.assert_array_equal(v, velocity, err_msg="a refused step changed v")
        return
    bound = C * (case.eps * (np.abs(ld(before)) + np.abs(step)) + case.sub)
    assert np.all(np.abs(ld(theta) - (ld(before) + step)) <= bound), (theta, before, step)


@SETTINGS
@given(data=st.data())
def test_a_gradient_check_reports_a_finite_error_or_refuses(data):
    case = draw_case(data)
    W1, W2, _, _, x, labels, _ = network(case, data, biases=False)
    kind, errors = outcome(lambda: lb.gradient_check(lb.TwoLayerNet(W1, W2), x, labels))
    if kind == "value":
        assert case.dtype == np.float64, f"gradient_check must refuse {case.dtype}, too coarse for its step"
        assert all(np.isfinite(e) and 0 <= e <= 2 for e in errors.values()), errors
