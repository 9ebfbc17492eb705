import numpy as np
import pytest
from numpy.testing import assert_allclose

import litbackprop as lb
from litbackprop.course.testing import assert_gradient_matches

rng = np.random.default_rng(0)
Z = rng.normal(size=(3, 4))
Y = np.eye(3)[:, [0, 2, 1, 2]]


def test_cross_entropy_of_one_example_is_minus_log_of_the_true_class():
    y_hat = np.array([0.2, 0.5, 0.3])
    assert_allclose(lb.cross_entropy([0.0, 1.0, 0.0], y_hat), -np.log(0.5), rtol=1e-15)


def test_cross_entropy_of_a_batch_is_the_mean_over_its_columns():
    y_hat = lb.softmax(Z)
    per_example = [lb.cross_entropy(Y[:, n], y_hat[:, n]) for n in range(4)]
    assert_allclose(lb.cross_entropy(Y, y_hat), np.mean(per_example), rtol=1e-14)


def test_cross_entropy_from_logits_equals_cross_entropy_of_softmax():
    assert_allclose(lb.cross_entropy_from_logits(Y, Z), lb.cross_entropy(Y, lb.softmax(Z)), rtol=1e-14)


def test_cross_entropy_from_logits_is_finite_where_softmax_underflows():
    assert lb.cross_entropy_from_logits([0.0, 1.0], [1000.0, 0.0]) == 1000.0


def test_grad_loss_is_one_in_the_dtype_of_the_loss():
    seed = lb.grad_loss(np.float32(0.3))
    assert seed == 1.0 and seed.dtype == np.float32


def test_grad_logits_matches_central_differences_for_a_batch():
    Z_param = Z.copy()
    dz = lb.grad_logits(lb.softmax(Z), Y)
    assert_gradient_matches(dz, lambda: lb.cross_entropy_from_logits(Y, Z_param), Z_param)


def test_grad_logits_is_scaled_by_the_upstream_gradient():
    y_hat = lb.softmax(Z)
    assert_allclose(lb.grad_logits(y_hat, Y, 2.0), 2.0 * lb.grad_logits(y_hat, Y), rtol=1e-15)


def test_cross_entropy_rejects_a_target_that_is_not_one_hot():
    with pytest.raises(ValueError, match=r"y must be one-hot"):
        lb.cross_entropy([0.5, 0.5], [0.5, 0.5])


def test_cross_entropy_rejects_y_of_another_shape_than_y_hat():
    with pytest.raises(ValueError, match=r"y must have the same shape as y_hat, \(3,\); got shape \(2,\)"):
        lb.cross_entropy([0.0, 1.0], [0.2, 0.5, 0.3])


def test_cross_entropy_rejects_probabilities_outside_0_1():
    with pytest.raises(ValueError, match=r"y_hat must hold probabilities in \[0, 1\]"):
        lb.cross_entropy([0.0, 1.0], [-0.5, 1.5])


def test_grad_loss_rejects_a_non_scalar():
    with pytest.raises(ValueError, match=r"L must be a scalar; got an array of shape \(2,\)"):
        lb.grad_loss([1.0, 2.0])


def test_grad_logits_keeps_float32():
    y_hat = lb.softmax(Z.astype(np.float32))
    assert lb.grad_logits(y_hat, Y).dtype == np.float32


def test_a_perfect_prediction_has_loss_plus_zero():
    L = lb.cross_entropy([0.0, 1.0], [0.0, 1.0])
    assert L == 0.0 and not np.signbit(L)


def test_a_target_that_is_nearly_one_hot_is_refused():
    with pytest.raises(ValueError, match=r"y must be one-hot"):
        lb.grad_logits([0.5, 0.5], [0.0, 0.995])


def test_an_exact_one_hot_target_in_float32_is_accepted():
    assert lb.grad_logits(np.array([0.25, 0.75], np.float32), np.array([0.0, 1.0], np.float32)).dtype == np.float32


@pytest.mark.parametrize("order", [">", "<"])
def test_a_loss_and_its_gradient_read_either_byte_order_into_this_machines(order):
    y_hat = lb.softmax(Z)
    swapped = {"z": Z.astype(f"{order}f8"), "y_hat": y_hat.astype(f"{order}f8"), "y": Y.astype(f"{order}f8")}
    results = {
        "cross_entropy_from_logits": (
            lb.cross_entropy_from_logits(swapped["y"], swapped["z"]),
            lb.cross_entropy_from_logits(Y, Z),
        ),
        "cross_entropy": (lb.cross_entropy(swapped["y"], swapped["y_hat"]), lb.cross_entropy(Y, y_hat)),
        "grad_logits": (lb.grad_logits(swapped["y_hat"], swapped["y"]), lb.grad_logits(y_hat, Y)),
    }
    for name, (got, native) in results.items():
        assert np.asarray(got).dtype.isnative, name
        assert_allclose(got, native, rtol=0, err_msg=name)


def test_one_hot_refuses_more_classes_than_an_array_can_hold_naming_k():
    with pytest.raises(ValueError, match=r"^k must leave .* small enough for an array"):
        lb.one_hot([0], 2**62)
