"""The buffers `backward` reuses between calls never leak into what it returns."""

import threading

import numpy as np
from numpy.testing import assert_array_equal

import litbackprop as lb

rng = np.random.default_rng(5)
NET = lb.TwoLayerNet(rng.normal(size=(6, 4)), rng.normal(size=(3, 6)), b1=rng.normal(size=6), b2=rng.normal(size=3))


def batch(n, seed):
    r = np.random.default_rng(seed)
    return r.normal(size=(4, n)), r.integers(0, 3, size=n)


def test_gradients_stay_unchanged_after_the_next_call():
    x1, y1 = batch(8, 1)
    first = NET.backward(x1, y1)
    kept = {name: grad.copy() for name, grad in first.items()}
    x2, y2 = batch(8, 2)
    NET.backward(x2, y2)
    for name in kept:
        assert_array_equal(first[name], kept[name], err_msg=name)


def test_gradients_of_one_example_stay_unchanged_after_the_next_call():
    x1, y1 = batch(1, 3)
    first = NET.backward(x1[:, 0], y1[0])
    kept = {name: grad.copy() for name, grad in first.items()}
    x2, y2 = batch(1, 4)
    NET.backward(x2[:, 0], y2[0])
    for name in kept:
        assert_array_equal(first[name], kept[name], err_msg=name)


def test_no_returned_gradient_shares_memory_with_another_call():
    x, y = batch(8, 5)
    first, second = NET.backward(x, y), NET.backward(x, y)
    for name in first:
        assert not np.shares_memory(first[name], second[name]), name


def test_a_net_used_from_two_threads_gives_each_the_right_gradients():
    batches = [batch(16, seed) for seed in range(8)]
    expected = [lb.TwoLayerNet(NET.W1, NET.W2, b1=NET.b1, b2=NET.b2).backward(x, y) for x, y in batches]
    failures = []

    def work(offset):
        for _ in range(50):
            for i in range(offset, len(batches), 2):
                grads = NET.backward(*batches[i])
                for name, grad in grads.items():
                    if not np.array_equal(grad, expected[i][name]):
                        failures.append((i, name))

    threads = [threading.Thread(target=work, args=(offset,)) for offset in (0, 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not failures, failures[:5]


def test_a_changed_batch_size_gets_buffers_of_its_own_size():
    for n in (3, 7, 3):
        x, y = batch(n, n)
        grads = NET.backward(x, y)
        reference = lb.TwoLayerNet(NET.W1, NET.W2, b1=NET.b1, b2=NET.b2).backward(x, y)
        for name in grads:
            assert_array_equal(grads[name], reference[name], err_msg=f"{name}, N={n}")


def test_a_copied_network_does_not_share_buffers():
    import copy

    x, y = batch(8, 9)
    NET.backward(x, y)
    twin = copy.deepcopy(NET)
    assert "_local" not in vars(twin)
    for name, grad in twin.backward(x, y).items():
        assert_array_equal(grad, NET.backward(x, y)[name], err_msg=name)
