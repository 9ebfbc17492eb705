"""The shared checks: each written once, each with the case that would slip through if it were loosened."""

import numpy as np
import pytest

from litbackprop._checks import all_finite, check_finite


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("size", [10, 5000])
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_all_finite_finds_a_single_bad_entry_in_small_and_large_arrays(size, bad, dtype):
    array = np.ones(size, dtype)
    array[size // 2] = bad
    assert not all_finite(array)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_all_finite_accepts_the_largest_finite_values_without_a_warning(dtype):
    assert all_finite(np.full(5000, np.finfo(dtype).max, dtype))


def test_all_finite_accepts_finite_entries_whose_sum_is_nan_on_the_way():
    big = np.finfo(np.float64).max
    assert all_finite(np.repeat([big, big, -big, -big], 2000))  # partial sums inf and -inf, their sum nan


def test_check_finite_names_the_first_bad_index():
    array = np.zeros((3, 4))
    array[2, 1] = -np.inf
    with pytest.raises(ValueError, match=r"W must be finite; got -inf at index \(2, 1\)"):
        check_finite("W", array)
