import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

import litbackprop as lb

rng = np.random.default_rng(42)
W1 = rng.normal(size=(5, 4))
W2 = rng.normal(size=(3, 5))
X = rng.normal(size=(4, 6))
Y = np.eye(3)[:, [0, 1, 2, 2, 1, 0]]


def test_forward_chains_the_five_steps():
    expected = lb.softmax(lb.linear(W2, lb.relu(lb.linear(W1, X))))
    assert_allclose(lb.TwoLayerNet(W1, W2).forward(X), expected, rtol=1e-15)


def test_loss_is_cross_entropy_of_the_prediction():
    net = lb.TwoLayerNet(W1, W2)
    assert_allclose(net.loss(X, Y), lb.cross_entropy(Y, net.forward(X)), rtol=1e-14)


def test_backward_returns_gradients_shaped_like_the_weights():
    grads = lb.TwoLayerNet(W1, W2).backward(X, Y)
    assert {k: v.shape for k, v in grads.items()} == {"W1": W1.shape, "W2": W2.shape}


def test_backward_matches_central_differences():
    errors = lb.gradient_check(lb.TwoLayerNet(W1.copy(), W2.copy()), X, Y)
    assert max(errors.values()) < 1e-7, errors


def test_batch_gradient_is_the_mean_of_the_per_example_gradients():
    net = lb.TwoLayerNet(W1, W2)
    batch = net.backward(X, Y)
    singles = [net.backward(X[:, n], Y[:, n]) for n in range(6)]
    for name in ("W1", "W2"):
        assert_allclose(batch[name], np.mean([g[name] for g in singles], axis=0), rtol=1e-13, err_msg=name)


def test_loss_is_finite_when_the_softmax_rounds_a_probability_to_zero():
    net = lb.TwoLayerNet(np.eye(2) * 1000, np.eye(2))
    assert_allclose(net.loss([1.0, 0.0], [0.0, 1.0]), 1000.0, rtol=1e-12)


def test_w2_must_have_one_column_per_hidden_unit():
    with pytest.raises(ValueError, match=r"W2 must have 5 columns.*shape \(k, 5\); got shape \(3, 4\)"):
        lb.TwoLayerNet(W1, np.ones((3, 4)))


def test_x_must_have_one_row_per_column_of_w1():
    with pytest.raises(ValueError, match=r"x must have 4 rows \(one per column of W1, which has shape \(5, 4\)\)"):
        lb.TwoLayerNet(W1, W2).forward(np.ones(3))


def test_y_must_have_one_row_per_class():
    with pytest.raises(ValueError, match=r"y must have shape \(3, 6\).*got shape \(2, 6\)"):
        lb.TwoLayerNet(W1, W2).backward(X, np.eye(2)[:, [0, 1, 0, 1, 0, 1]])


def test_y_must_have_one_column_per_example():
    with pytest.raises(ValueError, match=r"y must have shape \(3, 6\).*got shape \(3,\)"):
        lb.TwoLayerNet(W1, W2).loss(X, [1.0, 0.0, 0.0])


def test_a_3d_input_is_refused():
    with pytest.raises(ValueError, match=r"x must be .*; got an array of shape \(4, 2, 3\)"):
        lb.TwoLayerNet(W1, W2).forward(np.ones((4, 2, 3)))


def test_a_weight_vector_is_refused_where_a_matrix_is_expected():
    with pytest.raises(ValueError, match=r"W1 must be a 2-d array; got an array of shape \(4,\)"):
        lb.TwoLayerNet(np.ones(4), W2)


def test_float32_weights_and_inputs_give_float32_gradients():
    net = lb.TwoLayerNet(W1.astype(np.float32), W2.astype(np.float32), b1=np.zeros(5, np.float32))
    grads = net.backward(X.astype(np.float32), Y)
    assert {name: g.dtype for name, g in grads.items()} == dict.fromkeys(grads, np.dtype(np.float32))


def test_integer_inputs_are_promoted_to_float64():
    net = lb.TwoLayerNet(np.ones((5, 4), dtype=int), np.ones((3, 5), dtype=int))
    assert net.forward(np.ones(4, dtype=int)).dtype == np.float64


def test_integer_labels_give_the_same_gradients_as_one_hot_targets():
    net = lb.TwoLayerNet(W1, W2)
    by_labels = net.backward(X, np.array([0, 1, 2, 2, 1, 0]))
    by_one_hot = net.backward(X, Y)
    for name in by_one_hot:
        assert_allclose(by_labels[name], by_one_hot[name], rtol=0, err_msg=name)


def test_backward_with_biases_returns_their_gradients():
    net = lb.TwoLayerNet(W1, W2, b1=np.zeros(5), b2=np.zeros(3))
    assert sorted(net.backward(X, Y)) == ["W1", "W2", "b1", "b2"]


def test_trace_keeps_every_node_of_both_tables_under_the_notes_names():
    net = lb.TwoLayerNet(W1, W2, b1=np.zeros(5), b2=np.zeros(3))
    t = net.trace(X, Y)
    assert np.array_equal(t.x, X) and np.array_equal(t.y, Y)
    assert_allclose(t.z1, W1 @ X, rtol=1e-15)
    assert_allclose(t.a1, np.maximum(t.z1, 0), rtol=1e-15)
    assert_allclose(t.z2, W2 @ t.a1, rtol=1e-15)
    assert_allclose(t.y_hat, lb.softmax(t.z2), rtol=1e-15)
    assert_allclose(t.L, net.loss(X, Y), rtol=1e-15)
    assert float(t.dL) == 1.0
    assert_allclose(t.dz2, (t.y_hat - Y) / 6, rtol=1e-14)
    assert_allclose(t.da1, W2.T @ t.dz2, rtol=1e-14)
    assert_allclose(t.dz1, t.da1 * (t.z1 > 0), rtol=1e-15)
    assert list(t.gradients) == ["W1", "b1", "W2", "b2"]


def test_trace_of_a_network_without_biases_has_no_bias_gradients():
    t = lb.TwoLayerNet(W1, W2).trace(X, Y)
    assert t.db1 is None and t.db2 is None and list(t.gradients) == ["W1", "W2"]


def test_predict_is_the_most_probable_class():
    net = lb.TwoLayerNet(W1, W2)
    assert np.array_equal(net.predict(X), np.argmax(net.forward(X), axis=0))
    assert net.predict(X[:, 0]) == np.argmax(net.forward(X[:, 0]))


def test_repr_names_the_sizes_biases_and_dtype():
    net = lb.TwoLayerNet.initialize(4, 5, 3, dtype=np.float32)
    assert repr(net) == "TwoLayerNet(d=4, h=5, k=3, biases=True, dtype=float32)"


def test_a_network_needs_two_classes():
    with pytest.raises(ValueError, match=r"W2 must have at least 2 rows, one per class"):
        lb.TwoLayerNet(W1, np.ones((1, 5)))


def test_float_labels_are_refused_for_their_dtype():
    with pytest.raises(ValueError, match=r"y must be integer class indices .*got dtype float64.*astype\(int\)"):
        lb.TwoLayerNet(W1, W2).backward(X, np.array([0.0, 1.0, 2.0, 2.0, 1.0, 0.0]))


def test_every_row_of_the_trace_computes_what_its_checked_function_computes():
    # trace runs the rows bare (their .math); the calls through their doors must give the same arrays
    net = lb.TwoLayerNet(W1, W2, b1=rng.normal(size=5), b2=rng.normal(size=3))
    t = net.trace(X, Y)
    rows = {
        "z1": lb.linear(W1, X, net.b1),
        "a1": lb.relu(t.z1),
        "z2": lb.linear(W2, t.a1, net.b2),
        "y_hat": lb.softmax(t.z2),
        "L": lb.cross_entropy_from_logits(Y, t.z2),
        "dL": lb.grad_loss(t.L),
        "dz2": lb.grad_logits(t.y_hat, Y, t.dL),
        "dW2": lb.grad_weights(t.dz2, t.a1),
        "db2": lb.grad_bias(t.dz2),
        "da1": lb.grad_input(W2, t.dz2),
        "dz1": lb.grad_relu(t.da1, t.z1),
        "dW1": lb.grad_weights(t.dz1, X),
        "db1": lb.grad_bias(t.dz1),
    }
    for name, checked in rows.items():
        assert np.array_equal(getattr(t, name), checked), name


def test_a_nan_written_into_b1_is_named_by_trace():
    net = lb.TwoLayerNet(W1, W2, b1=np.zeros(5), b2=np.zeros(3))
    net.b1[3] = np.nan
    with pytest.raises(ValueError, match=r"b1 must be finite; got nan at index 3"):
        net.trace(X, Y)


def test_an_overflowing_first_layer_is_a_floating_point_error_naming_z1():
    net = lb.TwoLayerNet(np.full((5, 4), 1e300), W2)
    with pytest.raises(lb.NumericalError, match=r"^z1 overflowed although x, y, W1, W2 are finite"):
        net.trace(np.full((4, 6), 1e10), Y)


def test_a_nan_written_into_w2_is_named_by_trace():
    net = lb.TwoLayerNet(W1, W2.copy())
    net.W2[1, 2] = np.nan
    with pytest.raises(ValueError, match=r"W2 must be finite; got nan at index \(1, 2\)"):
        net.trace(X, Y)


def test_an_overflowing_second_layer_is_a_floating_point_error_naming_z2():
    net = lb.TwoLayerNet(np.eye(4)[:, :4], np.full((3, 4), 1e300), b2=np.zeros(3))
    with pytest.raises(lb.NumericalError, match=r"^z2 overflowed although x, y, W1, W2, b2 are finite"):
        net.trace(np.full((4, 6), 1e10), Y)


def test_an_overflowing_weight_gradient_is_a_floating_point_error_naming_it():
    # z1 and z2 are finite, but dL/da1 is about 1e200 and x about 1e200: their product overflows
    net = lb.TwoLayerNet(np.full((5, 4), 1e-200), np.full((3, 5), 1e200) * np.arange(1, 4)[:, None])
    with pytest.raises(lb.NumericalError, match=r"^dW1 overflowed although .* finite: .* too large for float64"):
        net.trace(np.full((4, 6), 1e200), Y)


@pytest.mark.parametrize("name", ["W1", "b1", "W2", "b2"])
def test_a_nan_written_into_a_parameter_is_named_by_forward(name):
    net = lb.TwoLayerNet(W1.copy(), W2.copy(), b1=np.zeros(5), b2=np.zeros(3))
    net.parameters[name].flat[0] = np.nan
    with pytest.raises(ValueError, match=rf"^{name} must be finite; got nan"):
        net.forward(X)


@pytest.mark.parametrize(("W1_scale", "W2_scale"), [(1e300, 1.0), (1.0, 1e300)], ids=["z1", "z2"])
def test_an_overflowing_layer_in_forward_is_a_floating_point_error_naming_its_result(W1_scale, W2_scale):
    net = lb.TwoLayerNet(np.abs(W1) * W1_scale, np.abs(W2) * W2_scale)
    with pytest.raises(lb.NumericalError, match=r"^y_hat overflowed although x, W1, W2 are finite"):
        net.forward(np.full((4, 6), 1e10))


@pytest.mark.filterwarnings("ignore::PendingDeprecationWarning")  # numpy's warning on making a matrix
@pytest.mark.parametrize(
    "make", [lambda: [[1.0, 0.0], [0.0, 1.0]], lambda: np.matrix(np.eye(2))], ids=["list", "matrix"]
)
def test_a_parameter_set_to_something_other_than_an_array_is_refused_naming_it(make):
    net = lb.TwoLayerNet(np.eye(2), np.eye(2))
    net.W1 = make()
    with pytest.raises(ValueError, match=r"^net\.W1 must be a numpy array of floats"):
        net.logits([1.0, 2.0])


def test_a_backward_row_whose_partial_sum_overflows_in_trace_gives_what_its_own_door_gives():
    x, labels = np.array([[1e308, 1e308, -1e308]]), [1, 1, 1]
    net = lb.TwoLayerNet(np.array([[1e-300]]), np.array([[1.5], [-1.5]]), b1=np.array([1e9]), b2=np.zeros(2))
    t = net.trace(x, labels)
    assert_array_equal(t.dW1, lb.grad_weights(t.dz1, x))  # the door computes 1e308 where a partial sum is inf
    assert t.dW1[0, 0] == 1e308


def test_a_layer_computed_again_is_written_into_the_buffer_it_was_given():
    net = lb.TwoLayerNet(np.array([[1e308, 1e308, -1e308]]), np.array([[1e-300], [-1e-300]]))
    buffers = net.buffers(1)
    t = net.trace(np.ones((3, 1)), [0], buffers=buffers)
    assert t.z1 is buffers.z1 and buffers.z1[0, 0] == 1e308
