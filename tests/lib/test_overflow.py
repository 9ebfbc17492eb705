"""Finite input gives a finite, right result or a clear error: never a nan, an inf or a RuntimeWarning.

The suite turns every warning into an error (``filterwarnings = error``), so each test here also
proves that numpy's RuntimeWarning no longer escapes.
"""

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

import litbackprop as lb
from litbackprop.app.digits import load_digits_split


def test_every_refusal_is_a_value_error_and_an_overflow_also_a_floating_point_error():
    assert issubclass(lb.NumericalError, ValueError) and issubclass(lb.NumericalError, FloatingPointError)


def test_cross_entropy_from_logits_spread_past_the_largest_float_is_exact():
    assert lb.cross_entropy_from_logits([1.0, 0.0], [1e308, -1e308]) == 0.0


def test_cross_entropy_from_logits_that_truly_overflows_names_L():
    with pytest.raises(lb.NumericalError, match=r"^L overflowed although y, z are finite"):
        lb.cross_entropy_from_logits([0.0, 1.0], [1e308, -1e308])  # the true value, 2e308, is no float


def spread_net():
    """A network whose logits are [1e308, -1e308] for the input [1]."""
    return lb.TwoLayerNet(np.array([[1.0]]), np.array([[1e308], [-1e308]]))


def test_the_network_loss_with_logits_spread_past_the_largest_float_is_exact():
    assert spread_net().loss([1.0], [1.0, 0.0]) == 0.0


def test_the_network_loss_that_truly_overflows_is_a_numerical_error():
    with pytest.raises(lb.NumericalError, match=r"^L overflowed although"):
        spread_net().loss([1.0], [0.0, 1.0])
    with pytest.raises(lb.NumericalError, match=r"^L overflowed although"):
        spread_net().backward([1.0], [0.0, 1.0])


@pytest.mark.parametrize("layout", ["C", "reversed"], ids=["contiguous", "reversed-strides"])
def test_a_neuron_whose_partial_sum_overflows_gives_the_exact_value_in_any_layout(layout):
    x = np.full((2, 3), 10.0)
    x = x if layout == "C" else x[::-1, ::-1]
    assert_array_equal(lb.Neuron([1e308, -1e308]).forward(x), [0.5, 0.5, 0.5])  # z = 1e309 - 1e309 = 0


def test_linear_whose_partial_sum_overflows_gives_the_exact_value():
    # scaled to at most 1, the 1 becomes a subnormal 1e-308 and keeps all but a bit or two
    assert_allclose(lb.linear([1e308, -1e308, 1.0], [10.0, 10.0, 3.0]), 3.0, rtol=1e-15)


def test_linear_whose_value_overflows_is_a_numerical_error():
    with pytest.raises(lb.NumericalError, match=r"^z overflowed although W, x, b are finite"):
        lb.linear([1e308, 1e308], [10.0, 10.0])


def test_grad_weights_that_overflow_are_a_numerical_error():
    with pytest.raises(lb.NumericalError, match=r"^dL/dW overflowed although dz, x are finite"):
        lb.grad_weights(np.array([[1e300]]), np.array([[1e300]]))


def test_grad_input_whose_partial_sum_overflows_gives_the_exact_value():
    W = np.array([[1e308], [-1e308]])
    assert_array_equal(lb.grad_input(W, np.array([10.0, 10.0])), [0.0])


def test_grad_bias_that_overflows_is_a_numerical_error():
    with pytest.raises(lb.NumericalError, match=r"^dL/db overflowed although dz is finite"):
        lb.grad_bias(np.array([[1e308, 1e308]]))


def test_grad_logits_in_float16_with_a_large_upstream_gradient_is_a_numerical_error():
    y_hat, y = np.array([0.25, 0.75], np.float16), np.array([1.0, 0.0], np.float16)
    with pytest.raises(lb.NumericalError, match=r"^dL/dz overflowed although y_hat, y, dL are finite: .*float16"):
        lb.grad_logits(y_hat, y, dL=1e5)  # 0.75 x 1e5 is more than float16's largest, 65504


def test_grad_logits_in_float16_with_an_upstream_gradient_beyond_float16_is_right_when_the_result_fits():
    y_hat = np.array([1 - 2**-11, 2**-11], np.float16)  # both exact in float16
    dz = lb.grad_logits(y_hat, np.array([1.0, 0.0], np.float16), dL=1e5)
    assert dz.dtype == np.float16
    assert_allclose(dz.astype(np.float64), [-1e5 * 2**-11, 1e5 * 2**-11], rtol=1e-3)


def test_softmax_of_70000_float16_zeros_sums_to_one():
    p = lb.softmax(np.zeros(70000, np.float16))
    assert p.dtype == np.float16
    # 1/70000 is a float16 subnormal, so each entry is within 2**-25 of it: the sum within 70000 x 2**-25
    assert abs(p.sum(dtype=np.float64) - 1) < 70000 * 2**-25


def test_log_softmax_of_70000_float16_zeros_is_minus_log_70000():
    logp = lb.log_softmax(np.zeros(70000, np.float16))
    assert logp.dtype == np.float16
    assert_allclose(logp.astype(np.float64), -np.log(70000), rtol=1e-3)


def test_cross_entropy_of_a_large_float16_batch_does_not_overflow_its_sum():
    k, n = 10, 40_000  # each example's loss is log 10 = 2.3; their sum, 92 103, does not fit float16 (65 504)
    y = lb.one_hot(np.arange(n) % k, k).astype(np.float16)
    L = lb.cross_entropy_from_logits(y, np.full((k, n), 7.0, np.float16))
    assert L.dtype == np.float16
    assert_allclose(float(L), np.log(10), rtol=1e-3)


def test_relative_error_of_tiny_values_does_not_underflow():
    assert_allclose(lb.relative_error([1e-200], [2e-200]), 0.5, rtol=1e-15)


def test_relative_error_of_huge_values_does_not_overflow():
    assert_allclose(lb.relative_error([1e200], [-1e200]), 2.0, rtol=1e-15)


def test_linear_with_a_vector_W_and_a_scalar_bias_adds_it_to_every_example():
    assert_array_equal(lb.linear([1.0, 2.0], [[1.0, 2.0], [3.0, 4.0]], b=0.5), [7.5, 10.5])


def test_the_network_names_an_overflowing_z1_with_a_value_error():
    net = lb.TwoLayerNet(np.array([[1e308, 1e308]]), np.ones((2, 1)))
    with pytest.raises(ValueError, match=r"^z1 overflowed although x, y, W1, W2 are finite"):
        net.backward([10.0, 10.0], 0)


def test_gradient_check_scales_its_step_to_a_large_parameter():
    rng = np.random.default_rng(0)
    w, x = rng.normal(size=3), rng.normal(size=(3, 4))
    # z = w^T x is the same as at scale 1; a fixed step of 1e-6 on entries near 1e3 measured 2e-7
    assert lb.gradient_check(lb.Neuron(w * 1e3), x / 1e3)["w"] < 1e-9


def test_gradient_check_refuses_a_gradient_too_small_to_resolve():
    rng = np.random.default_rng(0)
    net = lb.TwoLayerNet.initialize(3, 4, 2, seed=0)
    x, labels = rng.normal(size=(3, 5)) * 1e-150, rng.integers(0, 2, 5)
    with pytest.raises(ValueError, match=r"the gradient of W1 is too small for central differences to check"):
        lb.gradient_check(net, x, labels)


def test_gradient_check_refuses_float16_parameters():
    net = lb.TwoLayerNet.initialize(3, 4, 2, dtype=np.float32)
    net = lb.TwoLayerNet(net.W1.astype(np.float16), net.W2.astype(np.float16))
    with pytest.raises(ValueError, match=r"gradient_check needs float64 parameters: .*W1 is float16"):
        lb.gradient_check(net, np.ones(3, np.float16), 0)


def test_a_learning_rate_far_too_large_stops_training_as_diverged():
    split = load_digits_split(seed=0)
    net = lb.TwoLayerNet.initialize(64, 32, 10, seed=0)
    with pytest.raises(lb.NumericalError, match=r"^training diverged at epoch 1, step \d+: the batch loss rose to"):
        lb.train(net, split.x_train, split.labels_train, epochs=5, lr=10.0, momentum=0.9, progress=False)


def test_continuing_from_a_trained_network_is_not_read_as_divergence():
    split = load_digits_split(seed=0)
    net = lb.TwoLayerNet.initialize(64, 32, 10, seed=0)
    lb.train(net, split.x_train, split.labels_train, epochs=10, lr=0.1, momentum=0.9, progress=False)
    history = lb.train(net, split.x_train, split.labels_train, epochs=3, lr=0.1, momentum=0.9, progress=False)
    assert history.accuracy[-1] > 0.95


LARGEST = np.finfo(np.float64).max


def test_softmax_of_logits_spread_past_the_largest_float_is_exact():
    assert_array_equal(lb.softmax([1e308, -1e308]), [1.0, 0.0])


@pytest.mark.parametrize(
    "z", [np.array([1e308, -1e308]), np.array([60000.0, -60000.0], np.float16)], ids=["float64", "float16"]
)
def test_log_softmax_whose_value_does_not_fit_is_a_numerical_error(z):
    with pytest.raises(lb.NumericalError, match=r"^log_softmax\(z\) overflowed although z is finite"):
        lb.log_softmax(z)


def test_the_network_forward_with_logits_spread_past_the_largest_float_is_exact():
    net = lb.TwoLayerNet(np.array([[1.0]]), np.array([[LARGEST], [-LARGEST]]))
    assert_array_equal(net.forward([1.0]), [1.0, 0.0])


def test_backward_through_an_overflowing_dL_da1_is_a_numerical_error():
    net = lb.TwoLayerNet(np.array([[1.0]]), np.array([[LARGEST], [-LARGEST]]))
    with pytest.raises(lb.NumericalError, match=r"^da1 overflowed although .* too large for float64"):
        net.backward([1e-300], 1)


def test_grad_bias_whose_partial_sum_overflows_gives_the_exact_value():
    assert_array_equal(lb.grad_bias(np.array([[LARGEST, LARGEST, -LARGEST]])), [LARGEST])


def test_a_neuron_loss_whose_sum_does_not_fit_float16_is_a_numerical_error():
    neuron = lb.Neuron(np.ones(1, np.float16))
    with pytest.raises(lb.NumericalError, match=r"^the sum of a overflowed although x, w are finite: .*float16"):
        neuron.loss(np.ones((1, 100_000), np.float16))


def test_sgd_update_that_overflows_is_a_numerical_error():
    with pytest.raises(lb.NumericalError, match=r"^the updated theta overflowed"):
        lb.sgd_update(np.array([1e308]), np.array([1e308]), np.array([-1e308]), 1.0, 0.9)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ((np.ones(1), np.ones(1), np.ones(1), float("nan"), 0.9), r"lr must be a number > 0; got nan"),
        (([1.0], np.ones(1), np.ones(1), 0.1, 0.9), r"theta must be a writable floating numpy array"),
        ((np.ones(1, int), np.ones(1), np.ones(1), 0.1, 0.9), r"theta must be a writable floating numpy array"),
        ((np.ones(1), np.ones(2), np.ones(1), 0.1, 0.9), r"v must have the same shape as theta"),
        ((np.ones(1), np.ones(1), [np.inf], 0.1, 0.9), r"grad must be finite"),
    ],
    ids=["nan-lr", "list-theta", "int-theta", "v-shape", "inf-grad"],
)
def test_sgd_update_names_what_it_refuses(arguments, message):
    with pytest.raises(ValueError, match=message):
        lb.sgd_update(*arguments)


def test_numerical_gradient_that_overflows_is_a_numerical_error():
    w = np.array([0.0])
    with pytest.raises(lb.NumericalError, match=r"^the numerical gradient overflowed"):
        lb.numerical_gradient(lambda: float(w[0] * 1e300 * 1e14), w)


def test_a_step_that_takes_the_parameter_past_the_largest_float_is_refused():
    with pytest.raises(ValueError, match=r"eps=1e\+300 is too large"):
        lb.numerical_gradient(lambda: 0.0, np.array([LARGEST]), eps=1e300)


@pytest.mark.parametrize("eps", ["a", None, 10**400, -1.0], ids=["str", "None", "huge-int", "negative"])
def test_a_step_that_is_not_a_positive_number_is_a_value_error(eps):
    with pytest.raises(ValueError, match=r"eps must be a number > 0"):
        lb.numerical_gradient(lambda: 0.0, np.ones(1), eps=eps)
    with pytest.raises(ValueError, match=r"eps must be a number > 0"):
        lb.gradient_check(lb.Neuron([1.0]), [1.0], eps=eps)


def test_a_float32_step_is_accepted():
    w = np.array([1.0, 2.0])
    assert_allclose(lb.numerical_gradient(lambda: float((w**2).sum()), w, eps=np.float32(1e-6)), [2.0, 4.0])


@pytest.mark.parametrize("value", [[1 + 1j], {}], ids=["complex", "dict"])
def test_relative_error_of_what_is_not_real_numbers_is_a_value_error(value):
    with pytest.raises(ValueError, match=r"^analytic must be an array of real numbers"):
        lb.relative_error(value, [1.0])


def test_accuracy_of_what_is_not_a_network_is_a_value_error():
    with pytest.raises(ValueError, match=r"net must be a TwoLayerNet; got NoneType"):
        lb.accuracy(None, [[1.0], [2.0]], [0])


@pytest.mark.parametrize(
    ("y_hat", "k"),
    [(np.full(20, 0.09, np.float16), 20), (np.full(100_000, 2e-5, np.float32), 100_000)],
    ids=["float16-sums-1.8", "float32-sums-2"],
)
def test_columns_that_do_not_sum_to_one_are_refused_in_low_precision_too(y_hat, k):
    with pytest.raises(ValueError, match=r"each column of y_hat must sum to 1"):
        lb.cross_entropy(lb.one_hot(0, k), y_hat)


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
@pytest.mark.parametrize("k", [2, 10, 1000, 100_000])
def test_softmax_outputs_pass_the_probability_check_in_every_precision(dtype, k):
    z = np.random.default_rng(k).normal(scale=3, size=(k, 4)).astype(dtype)
    L = lb.cross_entropy(lb.one_hot(np.arange(4) % k, k).astype(dtype), lb.softmax(z))
    assert np.isfinite(L)


def test_training_that_fails_before_any_update_says_so():
    split = load_digits_split(seed=0)
    net = lb.TwoLayerNet.initialize(64, 32, 10, seed=0)
    with pytest.raises(
        lb.NumericalError,
        match=r"^training failed at its first step, before any update: overflow .* too large for float64",
    ):
        lb.train(net, split.x_train * (1e308 / split.x_train.max()), split.labels_train, epochs=1, progress=False)
