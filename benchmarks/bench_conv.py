"""Time the convolution layer's forward and backward pass against the matrix products it cannot avoid (im2col's bound),
and the digits CNN's training, at the digits CNN's sizes.

    python benchmarks/bench_conv.py

The layer: ``conv2d``, ``grad_conv_weights``, ``grad_conv_input`` and ``grad_conv_bias`` as a training step calls
them (argument checks included), on a batch of 32 digits (1 × 8 × 8) and 16 filters of 3 × 3 with padding 1. Its
bound: the three matrix products of im2col written into preallocated arrays, the forward (16 × 9)(9 × 2048), the
weights' gradient (16 × 2048)(2048 × 9) and the spread-back one (9 × 16)(16 × 2048), their windows gathered
already. The two run interleaved, in shuffled order (``race`` of ``bench_step.py``); a trial reports medians and
their ratio, and the table the trial of median ratio among three. The training: ``train_digits_cnn()`` as the
tests run it, timed three times. Results go to benchmarks/results/conv.json.
"""

from __future__ import annotations

import datetime
import json
import platform
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_step import race  # noqa: E402

import litbackprop as lb  # noqa: E402
from litbackprop.app.digits import train_digits_cnn  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
BATCH, FILTERS, KERNEL, SIDE = 32, 16, 3, 8
TARGET = 2.0
TRIALS = 3


def contenders(seed: int) -> dict:
    rng = np.random.default_rng(seed)
    x = rng.random((1, SIDE, SIDE, BATCH))
    W, b = rng.normal(size=(FILTERS, 1, KERNEL, KERNEL)), np.zeros(FILTERS)
    dz = rng.normal(size=(FILTERS, SIDE, SIDE, BATCH))

    def layer():
        lb.conv2d(x, W, b, padding=1)
        lb.grad_conv_weights(dz, x, W, padding=1)
        lb.grad_conv_input(dz, x, W, padding=1)
        lb.grad_conv_bias(dz)

    columns = rng.random((KERNEL * KERNEL, SIDE * SIDE * BATCH))  # the windows, gathered
    W_mat, dz_mat = W.reshape(FILTERS, -1), dz.reshape(FILTERS, -1)
    z, dW, spread = np.empty((FILTERS, columns.shape[1])), np.empty(W_mat.shape), np.empty(columns.shape)

    def products():
        np.matmul(W_mat, columns, out=z)
        np.matmul(dz_mat, columns.T, out=dW)
        np.matmul(W_mat.T, dz_mat, out=spread)

    return {"layer": layer, "its matrix products": products}


def main() -> None:
    trials = []
    for trial in range(TRIALS):
        times = race(contenders(trial), rounds=200, inner=5, seed=trial)
        trials.append({**times, "ratio": times["layer"] / times["its matrix products"]})
    trials.sort(key=lambda t: t["ratio"])
    median = trials[len(trials) // 2]
    training = []
    for _ in range(3):
        start = time.perf_counter()
        train_digits_cnn()
        training.append(time.perf_counter() - start)
    result = {
        "date": datetime.date.today().isoformat(),
        "machine": platform.platform(),
        "numpy": np.__version__,
        "sizes": {"batch": BATCH, "filters": FILTERS, "kernel": KERNEL, "image": SIDE, "padding": 1},
        "layer_seconds": median["layer"],
        "products_seconds": median["its matrix products"],
        "ratio": median["ratio"],
        "ratios_of_trials": [t["ratio"] for t in trials],
        "target": TARGET,
        "training_seconds": sorted(training),
    }
    out = ROOT / "benchmarks" / "results" / "conv.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    ratios = [round(t["ratio"], 2) for t in trials]
    print(f"layer {median['layer'] * 1e6:.0f} µs, its products {median['its matrix products'] * 1e6:.0f} µs: "
          f"ratio {median['ratio']:.2f} (target {TARGET}); trials {ratios}")  # fmt: skip
    print(f"train_digits_cnn(): {', '.join(f'{t:.2f}' for t in sorted(training))} s")


if __name__ == "__main__":
    main()
