"""The network of any depth: the two-layer network's rows in a loop over layers, checked against central differences
and against `TwoLayerNet`, and refusing what it cannot use by name."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal

import litbackprop as lb
from litbackprop.deep_network import _Sizes

rng = np.random.default_rng(0)
X = rng.normal(size=(4, 6))
LABELS = np.array([0, 1, 2, 2, 1, 0])


def central_differences(net, x, y, eps=1e-6):
    """Every parameter's gradient of the loss by central differences, in float64, moving one entry at a time."""
    grads = {}
    for name, theta in net.parameters.items():
        grads[name] = np.zeros_like(theta)
        for i in np.ndindex(theta.shape):
            kept = theta[i]
            theta[i] = kept + eps
            up = net.loss(x, y)
            theta[i] = kept - eps
            down = net.loss(x, y)
            theta[i] = kept
            grads[name][i] = (up - down) / (2 * eps)
    return grads


@pytest.mark.parametrize("biases", [True, False])
def test_two_relu_layers_are_the_two_layer_network_to_a_relative_1e_15(biases):
    two = lb.TwoLayerNet.initialize(4, 5, 3, seed=3, biases=biases)
    if biases:
        two.b1[:], two.b2[:] = rng.normal(size=5), rng.normal(size=3)
    deep = lb.DeepNet([two.W1, two.W2], [two.b1, two.b2] if biases else None)
    assert_allclose(deep.loss(X, LABELS), two.loss(X, LABELS), rtol=1e-15)
    expected = two.backward(X, LABELS)
    found = deep.backward(X, LABELS)
    assert found.keys() == expected.keys()
    for name in expected:
        assert_allclose(found[name], expected[name], rtol=1e-15, atol=0)


def test_initialize_draws_the_two_layer_network_s_he_weights_bit_for_bit():
    two, deep = lb.TwoLayerNet.initialize(4, 5, 3, seed=7), lb.DeepNet.initialize([4, 5, 3], seed=7)
    assert deep.parameters.keys() == two.parameters.keys()
    for name, theta in two.parameters.items():
        assert_array_equal(deep.parameters[name], theta)


@settings(max_examples=12, deadline=None)
@given(
    sizes=st.lists(st.integers(1, 4), min_size=1, max_size=4).map(lambda hidden: [4, *hidden, 3]),
    activation=st.sampled_from(["relu", "sigmoid", "tanh"]),
    biases=st.booleans(),
    seed=st.integers(0, 2**16),
)
def test_the_gradients_of_any_depth_match_central_differences(sizes, activation, biases, seed):
    net = lb.DeepNet.initialize(sizes, activation=activation, init="xavier", seed=seed, biases=biases)
    if biases:
        for layer in net.b:
            net.b[layer][:] = np.random.default_rng(seed).normal(size=net.b[layer].shape)
    analytic, numerical = net.backward(X, LABELS), central_differences(net, X, LABELS)
    for name in analytic:
        assert_allclose(analytic[name], numerical[name], rtol=1e-5, atol=1e-8)


@pytest.mark.parametrize("activation", ["relu", "sigmoid", "tanh"])
def test_each_delta_is_the_next_layers_delta_taken_back_through_w_transposed_and_f_prime(activation):
    net = lb.DeepNet.initialize([4, 5, 4, 3, 3], activation=activation, seed=1)
    t = net.trace(X, LABELS)
    f_prime = {
        "relu": lambda z: (z > 0).astype(float),
        "sigmoid": lambda z: np.exp(-z) / (1 + np.exp(-z)) ** 2,
        "tanh": lambda z: 1 / np.cosh(z) ** 2,
    }[activation]
    assert_allclose(t.dz[4], (t.y_hat - np.eye(3)[:, LABELS]) / 6, rtol=1e-14)
    for layer in (3, 2, 1):
        assert_allclose(t.dz[layer], (net.W[layer + 1].T @ t.dz[layer + 1]) * f_prime(t.z[layer]), rtol=1e-12)
        assert_allclose(t.dW[layer], t.dz[layer] @ t.a[layer - 1].T, rtol=1e-14)


@pytest.mark.parametrize(("init", "variance"), [("naive", lambda n, m: 1e-4), ("xavier", lambda n, m: 2 / (n + m)),
                                                ("he", lambda n, m: 2 / n)])  # fmt: skip
def test_each_initialisation_draws_weights_of_its_variance(init, variance):
    net = lb.DeepNet.initialize([400, 300, 200], init=init, seed=0)
    for layer, (n, m) in enumerate([(400, 300), (300, 200)], 1):
        assert_allclose(net.W[layer].var(), variance(n, m), rtol=0.02)  # 60,000 draws: the variance to about 0.6 %


def test_float32_parameters_give_float32_gradients():
    net = lb.DeepNet.initialize([4, 3, 3, 3], dtype=np.float32)
    assert {g.dtype for g in net.backward(X.astype(np.float32), LABELS).values()} == {np.dtype(np.float32)}


def test_a_parameter_updated_in_place_is_read_at_the_next_call():
    net = lb.DeepNet.initialize([4, 3, 3], seed=0)
    before = net.loss(X, LABELS)
    net.W[2] *= 2
    assert net.loss(X, LABELS) != before


def test_a_parameter_replaced_by_one_that_does_not_fit_is_refused_by_its_name():
    net = lb.DeepNet.initialize([4, 3, 3, 3], seed=0)
    net.W[2] = np.ones((3, 2))
    with pytest.raises(ValueError, match=r"^W2 \(net.W\[1\]\) must have 3 columns, one per row of W1"):
        net.forward(X)


def test_a_pass_that_overflows_names_the_first_node_that_did():
    net = lb.DeepNet([np.full((3, 4), 1e200), np.full((3, 3), 1e200)])
    with pytest.raises(lb.NumericalError, match=r"^z1 overflowed although x, y, W1, W2 are finite"):
        net.trace(X * 1e200, LABELS)


def test_predict_gives_the_most_probable_class_of_each_column():
    net = lb.DeepNet.initialize([4, 5, 5, 3], activation="tanh", seed=2)
    assert_array_equal(net.predict(X), net.forward(X).argmax(axis=0))


@pytest.mark.parametrize("sizes", list(_Sizes().refused("sizes", {})))
def test_initialize_refuses_sizes_that_make_no_network(sizes):
    with pytest.raises(ValueError, match=r"^sizes must be a list of layer widths"):
        lb.DeepNet.initialize(sizes)


@pytest.mark.parametrize("activation", ["relu", "sigmoid", "tanh"])
@pytest.mark.parametrize("biases", [True, False])
def test_a_pass_written_into_buffers_is_the_pass_without_them(activation, biases):
    net = lb.DeepNet.initialize([4, 5, 4, 3], activation=activation, seed=2, biases=biases)
    buffers = net.buffers(6)
    for _ in range(2):  # the second pass writes over the first's arrays
        into, fresh = net.trace(X, LABELS, buffers=buffers), net.trace(X, LABELS)
    for name, grad in fresh.gradients.items():
        assert_array_equal(into.gradients[name], grad)
        assert np.shares_memory(into.gradients[name], (buffers.dW if name[0] == "W" else buffers.db)[int(name[1:])])
    assert_array_equal(into.y_hat, fresh.y_hat)
