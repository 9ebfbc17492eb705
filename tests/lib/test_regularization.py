"""Inverted dropout: a mask of mean one, the same mask forward and backward, the layer left alone at test time."""

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

import litbackprop as lb
from litbackprop.course.testing import assert_gradient_matches


@pytest.mark.parametrize("p", [0.0, 0.2, 0.5, 0.9])
def test_the_mask_holds_zero_or_one_over_one_minus_p(p):
    mask = lb.dropout_mask((50, 40), p, seed=3)
    assert set(np.unique(mask)) <= {0.0, 1 / (1 - p)}


@pytest.mark.parametrize("p", [0.2, 0.5, 0.9])
def test_the_mask_drops_a_share_p_and_has_mean_one(p):
    mask = lb.dropout_mask((1000, 1000), p, seed=0)
    assert abs((mask == 0).mean() - p) < 0.005  # a million draws: the share to within about five standard errors
    assert abs(mask.mean() - 1) < 0.005 / (1 - p)


def test_the_same_seed_gives_the_same_mask_and_another_seed_another():
    assert_array_equal(lb.dropout_mask((4, 5), 0.5, seed=7), lb.dropout_mask((4, 5), 0.5, seed=7))
    assert not np.array_equal(lb.dropout_mask((4, 5), 0.5, seed=7), lb.dropout_mask((4, 5), 0.5, seed=8))


def test_the_backward_pass_is_the_forward_mask_times_the_gradient_as_central_differences_find():
    rng = np.random.default_rng(0)
    a, w = rng.normal(size=(3, 4)), rng.normal(size=(3, 4))
    mask = lb.dropout_mask(a.shape, 0.5, seed=2)
    assert_gradient_matches(lb.grad_dropout(w, mask), lambda: float((w * lb.dropout(a, mask)).sum()), a)


def test_averaged_over_masks_the_next_layer_sees_what_it_sees_without_dropout():
    rng = np.random.default_rng(1)
    W, a = rng.normal(size=(2, 5)), rng.normal(size=(5,))
    copies = np.repeat(a[:, np.newaxis], 20000, axis=1)  # the same input, under 20,000 masks
    average = (W @ lb.dropout(copies, lb.dropout_mask(copies.shape, 0.5, seed=0))).mean(axis=1)
    assert_allclose(average, W @ a, atol=0.05)
