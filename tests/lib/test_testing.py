import numpy as np
import pytest

from litbackprop.course.testing import assert_gradient_matches, assert_rounds_to


def test_rounds_to_accepts_the_correctly_rounded_digits():
    assert_rounds_to(0.9933071490757153, "0.993")


def test_rounds_to_refuses_digits_that_are_not_the_rounding():
    with pytest.raises(AssertionError, match=r"a: printed 0.994, but the computed value 0.99330\d* rounds to 0.993"):
        assert_rounds_to(0.9933071490757153, "0.994", name="a")


def test_rounds_to_names_the_entry_of_an_array_that_differs():
    with pytest.raises(AssertionError, match=r"g\[1\]: printed -0.0138"):
        assert_rounds_to([-0.0066481, -0.0132962], ["-0.0066", "-0.0138"], name="g")


def test_rounds_to_prints_negative_zero_as_zero():
    assert_rounds_to(-0.0, "0")
    assert_rounds_to(-1e-9, "0.0000")


def test_rounds_to_needs_one_string_per_entry():
    with pytest.raises(ValueError, match=r"printed must have one string per entry of actual, shape \(2,\)"):
        assert_rounds_to([1.0, 2.0], "1.0")


def test_gradient_matches_reports_the_error_it_found():
    w = np.array([1.0, -1.0])
    with pytest.raises(AssertionError, match=r"dw: relative error 0.5 against central differences exceeds 1e-07"):
        assert_gradient_matches(w, lambda: (w**2).sum(), w, name="dw")


def test_rounds_to_refuses_the_wrong_sign():
    with pytest.raises(AssertionError, match=r"printed 0.5, but the computed value -0.5 rounds to -0.5"):
        assert_rounds_to(-0.5, "0.5")


def test_gradient_matches_refuses_an_error_just_above_its_tolerance():
    w = np.array([1.0, 2.0])
    with pytest.raises(AssertionError, match=r"relative error 3e-07 against central differences exceeds 1e-07"):
        assert_gradient_matches(2 * w * (1 + 3e-7), lambda: (w**2).sum(), w)


@pytest.mark.parametrize("printed", ["1.7e", "abc", "1e-x", "", "0.5 "])
def test_rounds_to_refuses_digits_that_are_no_number_naming_them(printed):
    with pytest.raises(ValueError, match=r"^printed must be a number as a page prints it, .*; got "):
        assert_rounds_to(1.0, printed)
