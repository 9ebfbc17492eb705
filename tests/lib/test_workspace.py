"""The training loop's optimised copy of the pass gives what the readable pass gives."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

import litbackprop as lb
from litbackprop.training import TrainingWorkspace


@settings(max_examples=60, deadline=None)
@given(
    d=st.integers(1, 12),
    h=st.integers(1, 12),
    k=st.integers(2, 8),
    capacity=st.integers(1, 16),
    data=st.data(),
    seed=st.integers(0, 2**32 - 1),
    biases=st.booleans(),
    dtype=st.sampled_from([np.float64, np.float32]),
)
def test_workspace_step_equals_the_readable_trace(d, h, k, capacity, data, seed, biases, dtype):
    rng = np.random.default_rng(seed)
    net = lb.TwoLayerNet.initialize(d, h, k, seed=seed % 1000, dtype=dtype, biases=biases)
    if biases:
        net.b1[:] = 0.1 * rng.normal(size=h)
        net.b2[:] = 0.1 * rng.normal(size=k)
    workspace = TrainingWorkspace(net, capacity, np.dtype(dtype))
    rtol = 1e-12 if dtype == np.float64 else 2e-5
    for n in data.draw(st.lists(st.integers(1, capacity), min_size=1, max_size=3)):  # batches of changing size
        x = rng.normal(size=(d, n)).astype(dtype)
        labels = rng.integers(0, k, size=n)
        trace = net.trace(x, labels)
        loss_sum, correct, grads = workspace.step(x, labels)
        assert_allclose(loss_sum / n, trace.L, rtol=rtol, atol=1e-6 if dtype == np.float32 else 1e-15)
        assert correct == int(np.count_nonzero(np.argmax(trace.z2, axis=0) == labels))
        assert list(grads) == list(trace.gradients)
        for name, grad in trace.gradients.items():
            scale = np.abs(grad).max()
            assert_allclose(grads[name], grad, rtol=rtol, atol=rtol * scale, err_msg=name)
            assert grads[name].dtype == grad.dtype, name
