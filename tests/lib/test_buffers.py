"""A pass written into a training loop's buffers gives what a pass into fresh arrays gives, and refuses buffers that
do not fit."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_array_equal

import litbackprop as lb


@settings(max_examples=60, deadline=None)
@given(
    d=st.integers(1, 12),
    h=st.integers(1, 12),
    k=st.integers(2, 8),
    sizes=st.lists(st.integers(1, 16), min_size=1, max_size=3),
    seed=st.integers(0, 2**32 - 1),
    biases=st.booleans(),
    dtype=st.sampled_from([np.float64, np.float32]),
)
def test_a_trace_into_buffers_is_the_trace_into_fresh_arrays(d, h, k, sizes, seed, biases, dtype):
    rng = np.random.default_rng(seed)
    net = lb.TwoLayerNet.initialize(d, h, k, seed=seed % 1000, dtype=dtype, biases=biases)
    if biases:
        net.b1[:] = 0.1 * rng.normal(size=h)
        net.b2[:] = 0.1 * rng.normal(size=k)
    for n in sizes:  # batches of changing size, each into buffers of its own
        x = rng.normal(size=(d, n)).astype(dtype)
        labels = rng.integers(0, k, size=n)
        buffers = net.buffers(n)
        fresh, into = net.trace(x, labels), net.trace(x, labels, buffers=buffers)
        for name in lb.Trace.__slots__:
            expected, got = getattr(fresh, name), getattr(into, name)
            if expected is None:
                assert got is None, name
                continue
            assert_array_equal(got, expected, err_msg=name)  # the same operations: bit for bit
            assert np.asarray(got).dtype == np.asarray(expected).dtype, name
            if getattr(buffers, name) is not None:
                assert got is getattr(buffers, name), f"{name} was not written into its buffer"


def test_buffers_for_another_number_of_columns_are_refused():
    net = lb.TwoLayerNet.initialize(3, 4, 2, seed=0)
    x = np.ones((3, 5))
    with pytest.raises(ValueError, match=r"^buffers must be a Trace from net.buffers\(N\), for the N columns of x"):
        net.trace(x, np.zeros(5, int), buffers=net.buffers(4))
