"""The shared checks: each written once, each with the case that would slip through if it were loosened."""

import numpy as np
import pytest

from litbackprop._checks import all_finite, check_finite


@pytest.mark.parametrize("size", [10, 5000])
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_all_finite_finds_a_single_bad_entry_in_small_and_large_arrays(size, bad):
    array = np.ones(size)
    array[size // 2] = bad
    assert not all_finite(array)


def test_all_finite_accepts_the_largest_finite_values_without_a_warning():
    assert all_finite(np.full(5000, np.finfo(np.float64).max))


def test_check_finite_names_the_first_bad_index():
    array = np.zeros((3, 4))
    array[2, 1] = -np.inf
    with pytest.raises(ValueError, match=r"W must be finite; got -inf at index \(2, 1\)"):
        check_finite("W", array)
