"""`backward` keeps no state between calls: concurrent and re-entrant calls each get their own right answer."""

import signal
import threading

import numpy as np
import pytest
from numpy.testing import assert_array_equal

import litbackprop as lb

rng = np.random.default_rng(5)
NET = lb.TwoLayerNet(rng.normal(size=(6, 4)), rng.normal(size=(3, 6)), b1=rng.normal(size=6), b2=rng.normal(size=3))


def batch(n, seed):
    r = np.random.default_rng(seed)
    return r.normal(size=(4, n)), r.integers(0, 3, size=n)


BATCHES = [batch(16, seed) for seed in range(8)]
EXPECTED = [NET.backward(x, y) for x, y in BATCHES]


def mismatches(i, grads):
    return [(i, name) for name, grad in grads.items() if not np.array_equal(grad, EXPECTED[i][name])]


def test_gradients_stay_unchanged_after_the_next_call():
    first = NET.backward(*BATCHES[0])
    kept = {name: grad.copy() for name, grad in first.items()}
    NET.backward(*BATCHES[1])
    for name in kept:
        assert_array_equal(first[name], kept[name], err_msg=name)


def test_a_net_used_from_two_threads_gives_each_the_right_gradients():
    failures = []

    def work(offset):
        for _ in range(30):
            for i in range(offset, len(BATCHES), 2):
                failures.extend(mismatches(i, NET.backward(*BATCHES[i])))

    threads = [threading.Thread(target=work, args=(offset,)) for offset in (0, 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not failures, failures[:5]


@pytest.mark.skipif(not hasattr(signal, "setitimer"), reason="needs POSIX interval timers")
def test_a_call_re_entered_from_a_signal_handler_gives_both_calls_the_right_gradients():
    failures, interrupts, stopping = [], [], []

    def handler(signum, frame):  # runs between two bytecodes of the call in progress below
        interrupts.append(1)
        failures.extend(mismatches(1, NET.backward(*BATCHES[1])))
        if not stopping:  # a handler that ran late must not re-arm the timer once the default action is back
            signal.setitimer(signal.ITIMER_REAL, 1e-3)  # one shot, re-armed here: handlers never nest, however slow

    previous = signal.signal(signal.SIGALRM, handler)
    signal.setitimer(signal.ITIMER_REAL, 1e-3)
    try:
        for _ in range(1500):
            failures.extend(mismatches(0, NET.backward(*BATCHES[0])))
    finally:
        stopping.append(True)  # first: from here on no handler re-arms, so the timer disarmed next stays so
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)  # SIGALRM's default action ends the process
    assert len(interrupts) > 50, f"only {len(interrupts)} interrupts: the test did not re-enter backward"
    assert not failures, failures[:5]
