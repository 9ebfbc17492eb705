import numpy as np
import pytest
from numpy.testing import assert_array_equal

import litbackprop as lb
from litbackprop.app.digits import _digits, load_digits_split, train_digits
from litbackprop.fully_connected import EXTENDED

rng = np.random.default_rng(0)
X = rng.normal(size=(2, 120))
LABELS = (X[0] + 0.5 * X[1] > 0).astype(int)


def fresh_net():
    return lb.TwoLayerNet.initialize(2, 8, 2, seed=3)


def test_he_initialisation_has_variance_two_over_fan_in():
    net = lb.TwoLayerNet.initialize(400, 300, 10, seed=0)
    assert abs(net.W1.var() - 2 / 400) < 0.05 * 2 / 400
    assert abs(net.W2.var() - 2 / 300) < 0.05 * 2 / 300
    assert abs(net.W1.mean()) < 0.01 and abs(net.W2.mean()) < 0.01  # standard errors 0.0002 and 0.0015


@pytest.mark.parametrize("size", ["d", "h", "k"])
def test_initialize_names_a_size_that_is_not_a_positive_integer(size):
    sizes = {"d": 4, "h": 3, "k": 2, size: 0}
    with pytest.raises(ValueError, match=rf"^{size} must be a positive integer; got 0"):
        lb.TwoLayerNet.initialize(**sizes)


def test_the_same_seed_gives_the_same_weights_and_history_bit_for_bit():
    nets = [fresh_net(), fresh_net()]
    histories = [lb.train(n, X, LABELS, epochs=5, momentum=0.9, seed=11, progress=False) for n in nets]
    assert histories[0] == histories[1]
    for name in nets[0].parameters:
        assert_array_equal(nets[0].parameters[name], nets[1].parameters[name], err_msg=name)


def test_another_seed_shuffles_differently():
    a, b = fresh_net(), fresh_net()
    lb.train(a, X, LABELS, epochs=2, seed=1, progress=False)
    lb.train(b, X, LABELS, epochs=2, seed=2, progress=False)
    assert not np.array_equal(a.W1, b.W1)


def test_training_lowers_the_loss_and_records_every_epoch():
    history = lb.train(fresh_net(), X, LABELS, epochs=8, lr=0.2, validation=(X, LABELS), progress=False)
    assert len(history.loss) == len(history.accuracy) == len(history.val_loss) == len(history.val_accuracy) == 8
    assert history.loss[-1] < 0.5 * history.loss[0], history.loss
    assert history.accuracy[-1] > 0.9


def test_a_step_is_plain_sgd_when_momentum_is_zero():
    net = fresh_net()
    before = {name: value.copy() for name, value in net.parameters.items()}
    grads = net.backward(X, LABELS)
    lb.train(net, X, LABELS, epochs=1, batch_size=X.shape[1], lr=0.3, progress=False)
    for name, value in net.parameters.items():
        np.testing.assert_allclose(value, before[name] - 0.3 * grads[name], rtol=1e-13, err_msg=name)


@pytest.mark.parametrize("lr", [0.0, -0.1])
def test_a_learning_rate_that_is_not_positive_is_refused(lr):
    with pytest.raises(ValueError, match=rf"lr must be a number > 0; got {lr}"):
        lb.train(fresh_net(), X, LABELS, lr=lr, progress=False)


def test_a_batch_size_below_one_is_refused():
    with pytest.raises(ValueError, match=r"batch_size must be a positive integer; got 0"):
        lb.train(fresh_net(), X, LABELS, batch_size=0, progress=False)


def test_momentum_outside_0_1_is_refused():
    with pytest.raises(ValueError, match=r"momentum must be a number in \[0, 1\); got 1.0"):
        lb.train(fresh_net(), X, LABELS, momentum=1.0, progress=False)


def test_labels_must_be_integers():
    with pytest.raises(
        ValueError,
        match=r"labels must be integer class indices of shape \(120,\), one per column of x; got dtype float64",
    ):
        lb.train(fresh_net(), X, LABELS.astype(float), progress=False)


def test_a_diverging_loss_stops_training_naming_the_epoch_and_step():
    with pytest.raises(
        FloatingPointError, match=r"training diverged at epoch 1, step 2: .*try a smaller learning rate"
    ):
        lb.train(fresh_net(), X, LABELS, lr=1e300, progress=False)


def test_the_progress_bar_can_be_shown(capsys):
    lb.train(fresh_net(), X, LABELS, epochs=2, progress=True)
    assert "2/2" in capsys.readouterr().err


def test_the_digits_split_is_fixed_by_the_seed():
    a, b = load_digits_split(seed=0), load_digits_split(seed=0)
    assert_array_equal(a.labels_test, b.labels_test)
    assert a.x_train.shape[1] + a.x_val.shape[1] + a.x_test.shape[1] == 1797


def test_the_digits_read_from_their_file_are_scikit_learns_digits():
    from sklearn.datasets import load_digits

    pixels, labels = _digits()
    digits = load_digits()
    assert_array_equal(pixels, digits.data)
    assert_array_equal(labels, digits.target)


def test_without_the_data_file_the_digits_come_from_scikit_learns_loader(monkeypatch, tmp_path):
    import importlib.machinery
    import importlib.util

    moved = importlib.machinery.ModuleSpec("sklearn", None, is_package=True)
    moved.submodule_search_locations = [str(tmp_path)]  # a scikit-learn whose data file is elsewhere
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: moved)
    pixels, labels = _digits()
    assert pixels.shape == (1797, 64) and labels.dtype == np.int64
    assert_array_equal(np.bincount(labels), [178, 182, 177, 183, 181, 182, 181, 179, 174, 180])


def test_the_defaults_reach_97_percent_on_the_digits_test_split():
    net, history, split = train_digits(progress=False)
    accuracy = lb.accuracy(net, split.x_test, split.labels_test)
    assert accuracy >= 0.97, f"test accuracy {accuracy:.4f}"


@pytest.mark.parametrize("stop_at", [90, 0.0, float("nan"), "0.9", True])
def test_stop_at_must_be_an_accuracy(stop_at):
    with pytest.raises(ValueError, match=r"stop_at must be a number in \(0, 1\]"):
        lb.train(fresh_net(), X, LABELS, validation=(X, LABELS), stop_at=stop_at, progress=False)


def test_stop_at_stops_at_the_first_epoch_that_reaches_it():
    history = lb.train(fresh_net(), X, LABELS, epochs=50, lr=0.2, validation=(X, LABELS), stop_at=0.9, progress=False)
    assert history.val_accuracy[-1] >= 0.9 and all(a < 0.9 for a in history.val_accuracy[:-1])


@pytest.mark.parametrize("seed", [-1, "a", 1.5])
def test_a_seed_that_is_not_a_non_negative_integer_is_refused(seed):
    with pytest.raises(ValueError, match=r"seed must be an integer in \[0, 2\*\*64\)"):
        lb.train(fresh_net(), X, LABELS, seed=seed, progress=False)


def test_labels_of_the_wrong_length_are_named():
    with pytest.raises(ValueError, match=r"labels must be integer class indices of shape \(120,\).*shape \(10,\)"):
        lb.train(fresh_net(), X, LABELS[:10], progress=False)


def test_validation_must_be_a_pair():
    with pytest.raises(ValueError, match=r"validation must be a pair \(x_val, labels_val\); got ndarray"):
        lb.train(fresh_net(), X, LABELS, validation=X, progress=False)


def test_accuracy_refuses_labels_outside_the_classes():
    with pytest.raises(ValueError, match=r"labels must be class indices in 0…1; got 5"):
        lb.accuracy(fresh_net(), X, np.full(120, 5))


@pytest.mark.parametrize("dtype", [int, bool, "foo"])
def test_initialize_needs_a_floating_dtype(dtype):
    with pytest.raises(ValueError, match=r"dtype must be a floating type"):
        lb.TwoLayerNet.initialize(4, 3, 2, dtype=dtype)


def test_one_hot_of_many_classes_needs_no_identity_matrix():
    y = lb.one_hot([3, 999_999], 1_000_000)
    assert y.shape == (1_000_000, 2) and y[3, 0] == 1 and y[999_999, 1] == 1 and y.sum() == 2


def test_accuracy_refuses_a_label_equal_to_the_number_of_classes():
    with pytest.raises(ValueError, match=r"labels must be class indices in 0…1; got 2"):
        lb.accuracy(fresh_net(), X[:, :3], np.array([0, 1, 2]))


def test_an_epoch_trains_on_every_example_including_the_last_partial_batch():
    net, x, labels = fresh_net(), X[:, :5], LABELS[:5]
    expected = {name: value.copy() for name, value in net.parameters.items()}
    reference = lb.TwoLayerNet(**expected)
    order = np.random.default_rng(7).permutation(5)  # train's shuffle for seed=7
    for batch in (order[:3], order[3:]):
        grads = reference.backward(x[:, batch], labels[batch])
        for name, value in reference.parameters.items():
            value -= 0.3 * grads[name]
    lb.train(net, x, labels, epochs=1, batch_size=3, lr=0.3, momentum=0.0, seed=7, progress=False)
    for name, value in net.parameters.items():
        np.testing.assert_allclose(value, reference.parameters[name], rtol=1e-13, err_msg=name)


def test_stop_at_stops_when_the_accuracy_equals_it():
    separable = (np.array([[3.0, -3.0, 2.0, -2.0], [0.0, 0.0, 0.0, 0.0]]), np.array([1, 0, 1, 0]))
    history = lb.train(fresh_net(), X, LABELS, epochs=30, validation=separable, stop_at=1.0, progress=False)
    assert history.val_accuracy[-1] == 1.0 and len(history.val_accuracy) < 30, history.val_accuracy


def test_the_history_is_the_mean_of_the_batches_forward_passes():
    net = fresh_net()
    before = lb.TwoLayerNet(**{name: value.copy() for name, value in net.parameters.items()})
    history = lb.train(net, X, LABELS, epochs=1, batch_size=X.shape[1], progress=False)
    np.testing.assert_allclose(history.loss[0], before.loss(X, LABELS), rtol=1e-13)
    assert history.accuracy[0] == lb.accuracy(before, X, LABELS)


def test_sgd_update_is_the_momentum_rule():
    theta, v, grad = np.array([1.0, -2.0]), np.array([0.5, 0.5]), np.array([2.0, 4.0])
    lb.sgd_update(theta, v, grad, lr=0.1, momentum=0.9)
    np.testing.assert_allclose(v, 0.9 * np.array([0.5, 0.5]) - 0.1 * grad, rtol=1e-15)
    np.testing.assert_allclose(theta, np.array([1.0, -2.0]) + v, rtol=1e-15)


@pytest.mark.parametrize("where", ["train", "train_digits", "the command line"])
def test_every_way_to_train_has_the_defaults_the_docs_give(where):
    import inspect

    from litbackprop.app.cli import build_parser
    from litbackprop.app.digits import train_digits

    documented = {"epochs": 30, "batch_size": 32, "lr": 0.1, "momentum": 0.9}  # README and the digits page
    if where == "the command line":
        cli = build_parser().parse_args(["train"])
        defaults = {name: getattr(cli, name) for name in documented}
    else:
        function = lb.train if where == "train" else train_digits
        defaults = {k: p.default for k, p in inspect.signature(function).parameters.items() if k in documented}
    assert defaults == documented


def test_the_memory_order_of_x_does_not_change_training():
    c_net, f_net = fresh_net(), fresh_net()
    c_history = lb.train(c_net, np.ascontiguousarray(X), LABELS, epochs=3, batch_size=16, progress=False)
    f_history = lb.train(f_net, np.asfortranarray(X), LABELS, epochs=3, batch_size=16, progress=False)
    assert c_history == f_history
    for name, theta in c_net.parameters.items():
        assert_array_equal(theta, f_net.parameters[name])


@pytest.mark.skipif(not EXTENDED, reason="needs a longdouble wider than float64, which the careful product uses")
def test_accuracy_and_predict_rank_the_true_logits_where_partial_sums_overflow():
    # the true logits are (0, -10), class 0; W2's partial sums overflow, and an argmax of nan would say class 1
    net = lb.TwoLayerNet(np.eye(2), [[1e308, -1e308], [0.0, -1.0]])
    assert_array_equal(net.logits([10.0, 10.0]), [0.0, -10.0])
    assert net.predict([10.0, 10.0]) == 0
    assert lb.accuracy(net, [[10.0], [10.0]], [0]) == 1.0


def test_accuracy_refuses_logits_that_do_not_fit_as_predict_does():
    net = lb.TwoLayerNet(np.eye(2), [[1e308, 1e308], [0.0, -1.0]])  # the first logit is 2e309
    for call in (lambda: lb.accuracy(net, [[10.0], [10.0]], [0]), lambda: net.predict([[10.0], [10.0]])):
        with pytest.raises(lb.NumericalError, match=r"^z2 overflowed although x, W1, W2 are finite"):
            call()


def test_a_first_layer_whose_product_overflows_is_not_hidden_by_the_relu():
    # row 0 of W1 x is 1e309 - 9e308 = 1e308; a product that overflows to -inf would become a ReLU's 0
    net = lb.TwoLayerNet(np.array([[1e308, -9e307], [1.0, 1.0]]), np.eye(2))
    x = np.array([10.0, 10.0])
    assert_array_equal(net.logits(x), lb.linear(net.W1, x))
    assert net.predict(x) == 0 and lb.accuracy(net, x[:, None], [0]) == 1.0


@pytest.mark.parametrize("lr", [1e308, 1e250, 1e200])
def test_a_gradient_descent_step_that_overflows_is_refused_and_changes_nothing(lr):
    net, x = fresh_net(), 100 * X[:, :10]
    before = {name: theta.copy() for name, theta in net.parameters.items()}
    with pytest.raises(lb.NumericalError, match=r"^gradient_descent's step 1 was not taken: .* overflowed"):
        lb.gradient_descent(net, x, LABELS[:10], lr=lr, steps=1)
    for name, theta in net.parameters.items():
        assert_array_equal(theta, before[name], err_msg=name)


def test_gradient_descent_takes_the_step_sgd_update_takes_without_momentum():
    net, by_hand = fresh_net(), fresh_net()
    losses = lb.gradient_descent(net, X, LABELS, lr=0.3, steps=2)
    for _ in range(2):
        grads = by_hand.backward(X, LABELS)
        for name, theta in by_hand.parameters.items():
            lb.sgd_update(theta, np.zeros_like(theta), grads[name], lr=0.3, momentum=0.0)
    for name, theta in net.parameters.items():
        assert_array_equal(theta, by_hand.parameters[name], err_msg=name)
    assert losses[-1] == float(by_hand.loss(X, LABELS))


def test_a_step_that_does_not_fit_a_narrower_parameter_is_refused_and_changes_nothing():
    theta, v = np.array([60000.0], np.float16), np.zeros(1, np.float16)
    with pytest.raises(lb.NumericalError, match=r"^the updated theta overflowed .* float16"):
        lb.sgd_update(theta, v, np.array([-1e4]), lr=1.0, momentum=0.0)
    assert_array_equal(theta, [60000.0]) and assert_array_equal(v, [0.0])
    net = lb.TwoLayerNet(np.array([[100.0]], np.float16), np.array([[100.0], [-100.0]], np.float16))
    with pytest.raises(lb.NumericalError, match=r"^gradient_descent's step 1 was not taken"):
        lb.gradient_descent(net, np.array([[100.0]]), [1], lr=10.0, steps=1)
    assert_array_equal(net.W1, [[100.0]])


def test_a_step_is_computed_at_least_as_precisely_as_its_parameter():
    theta = np.zeros(1)
    lb.sgd_update(theta, np.zeros(1), np.ones(1, np.float16), lr=1e-10, momentum=0.0)  # 1e-10 underflows float16
    assert_array_equal(theta, [-1e-10])


@pytest.mark.parametrize(
    ("theta", "grad", "lr"),
    [
        (np.zeros(1, np.float16), np.array([60000.0], np.float16), 1e-8),  # lr alone is 0 in float16
        (np.ones(1, np.float16), np.array([1e-7], np.float16), 1e5),  # lr alone overflows float16
        (np.zeros(1, np.float32), np.array([1e30], np.float32), 1e-50),  # lr alone is 0 in float32
    ],
    ids=["a learning rate below float16", "a learning rate above float16", "a learning rate below float32"],
)
def test_a_step_is_its_learning_rate_times_the_gradient_rounded_once_to_the_parameter(theta, grad, lr):
    stepped, _ = lb.momentum_step(theta, np.zeros_like(theta), grad, lr, 0.0)
    once = (theta.astype(np.float64) - lr * grad.astype(np.float64)).astype(theta.dtype)  # exact in float64 here
    assert stepped.dtype == theta.dtype and once != theta
    assert_array_equal(stepped, once)


def test_training_in_float16_takes_a_learning_rate_float16_cannot_hold():
    # lr = 1e-10 is 0 in float16, but lr times b1's gradient, 1762, is -1.8e-7, a float16 (subnormal)
    f16 = np.float16
    net = lb.TwoLayerNet(np.eye(2, dtype=f16), (1000 * np.array([[1, -1], [-1, 1]])).astype(f16))
    net.b1, net.b2 = np.zeros(2, f16), np.zeros(2, f16)
    x = np.array([[1e-3], [0.0]], f16)
    db1 = net.backward(x, [1])["b1"]
    lb.train(net, x, np.array([1]), epochs=1, batch_size=1, lr=1e-10, momentum=0.0, progress=False)
    assert net.b1[0] != 0 and net.b1[0] == f16(-1e-10 * float(db1[0]))


# Edges found by fuzzing (issue 24): each failed before its fix


def _data():
    rng = np.random.default_rng(0)
    return rng.normal(size=(4, 20)), rng.integers(0, 3, 20)


def test_a_first_update_that_overflows_is_not_taken():
    x, labels = _data()
    net = lb.TwoLayerNet.initialize(4, 8, 3)
    net.b2[:] = 1.79e308
    before = {name: theta.copy() for name, theta in net.parameters.items()}
    with pytest.raises(lb.NumericalError, match=r"^training failed at its first step: its update overflowed"):
        lb.train(net, x, labels, lr=1e307, momentum=0, epochs=1, progress=False)
    assert all(np.array_equal(before[name], theta) for name, theta in net.parameters.items())


def test_an_sgd_update_that_overflows_leaves_the_parameter_and_its_velocity_as_they_were():
    theta, v = np.array([1e308]), np.array([1e308])
    with pytest.raises(lb.NumericalError, match=r"^the updated theta overflowed"):
        lb.sgd_update(theta, v, np.array([-1e308]), 1.0, 0.9)
    assert theta.tolist() == [1e308] and v.tolist() == [1e308]


def test_an_integer_bias_is_refused_naming_it_before_training():
    x, labels = _data()
    net = lb.TwoLayerNet.initialize(4, 8, 3)
    net.b1 = np.zeros(8, int)
    with pytest.raises(ValueError, match=r"^net\.b1 must be a numpy array of floats .*got dtype int64"):
        lb.train(net, x, labels, epochs=1, progress=False)


def test_a_read_only_weight_is_refused_naming_it_before_training():
    x, labels = _data()
    net = lb.TwoLayerNet.initialize(4, 8, 3)
    net.W1.flags.writeable = False
    with pytest.raises(ValueError, match=r"^W1 is read-only, and training updates it in place"):
        lb.train(net, x, labels, epochs=1, progress=False)


def test_a_nan_in_the_validation_data_is_named_as_such_before_any_update():
    x, labels = _data()
    net = lb.TwoLayerNet.initialize(4, 8, 3)
    before = net.W1.copy()
    x_val = x.copy()
    x_val[1, 2] = np.nan
    with pytest.raises(ValueError, match=r"^validation: x must be finite; got nan at index \(1, 2\)$"):
        lb.train(net, x, labels, epochs=1, progress=False, validation=(x_val, labels))
    assert np.array_equal(net.W1, before)


# Nested calls skip their doors (found by a review of that change): what their doors did is done by the caller


def test_gradient_descent_refuses_a_network_whose_loss_overflows_before_any_step():
    net = lb.TwoLayerNet(np.array([[1e200]]), np.array([[1e200], [-1e200]]))
    with pytest.raises(lb.NumericalError, match=r"^L overflowed although x, W1, W2 are finite"):
        lb.gradient_descent(net, np.array([[1.0]]), [1], lr=0.1, steps=0)


def test_training_float32_inputs_on_a_float16_network_computes_the_pass_in_float32_as_trace_does():
    net = lb.TwoLayerNet(np.array([[300.0]], np.float16), np.array([[1e-3], [-1e-3]], np.float16))
    x, labels = np.array([[400.0, -400.0]], np.float32), np.array([0, 1])
    expected = float(net.trace(x, labels).L)  # z1 = ±120000: beyond float16, within float32
    history = lb.train(net, x, labels, epochs=1, batch_size=2, lr=1e-3, momentum=0.0, progress=False)
    assert history.loss == [expected]


def test_a_validation_set_the_network_handles_is_measured_as_the_network_measures_it():
    net = lb.TwoLayerNet(np.array([[1.0]]), np.array([[1.0], [-1.0]]))
    x_val, labels_val = np.array([[1e308]]), np.array([0])  # logits of ±1e308: a loss of exactly 0
    expected = (float(net.loss(x_val, labels_val)), lb.accuracy(net, x_val, labels_val))
    history = lb.train(
        net,
        np.array([[1.0, 2.0]]),
        np.array([0, 0]),
        epochs=1,
        lr=1e-300,
        validation=(x_val, labels_val),
        progress=False,
    )
    assert (history.val_loss[0], history.val_accuracy[0]) == expected == (0.0, 1.0)
