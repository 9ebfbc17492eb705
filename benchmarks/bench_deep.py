"""Time one training step of a network of any depth, ``DeepNet``, against the matrix products it cannot avoid.

    python benchmarks/bench_deep.py

A step is the readable pass, ``net.trace(X, Y, buffers=...)`` (argument checks included), writing every node into
arrays the loop allocated once, and the update ``W -= lr * dW`` of every parameter. Its bound is its matrix
products alone, written into preallocated arrays: the forward product of every layer, the weights' gradient of
every layer, and the gradient passed down through every layer but the first (at 784-256-256-10, eight products).
The two run interleaved, in shuffled order, with an untimed call before each timed one (``race`` of
``bench_step.py``); a trial reports medians over its rounds and their ratio, and the table the trial of median
ratio among three, each with fresh arrays, for float64 and float32. Results go to benchmarks/results/deep.json.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_step import race  # noqa: E402

import litbackprop as lb  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SIZES = [784, 256, 256, 10]
BATCH = 256
TARGET = 1.3
LR = 0.01
BIASES = "--no-biases" not in sys.argv
TRIALS = 3


def contenders(dtype) -> dict:
    rng = np.random.default_rng(0)
    net = lb.DeepNet.initialize(SIZES, activation="relu", init="he", seed=0, dtype=dtype, biases=BIASES)
    X = rng.normal(size=(SIZES[0], BATCH)).astype(dtype)
    labels = rng.integers(0, SIZES[-1], size=BATCH)
    Y = np.eye(SIZES[-1], dtype=dtype)[:, labels]
    W = net.W
    M = len(W)
    Z = {l: np.empty((W[l].shape[0], BATCH), dtype) for l in W}  # noqa: E741
    G = {l: np.empty_like(W[l]) for l in W}  # noqa: E741
    D = {l: np.empty((W[l].shape[1], BATCH), dtype) for l in W if l > 1}  # noqa: E741

    def products():
        previous = X
        for l in range(1, M + 1):  # noqa: E741
            np.matmul(W[l], previous, out=Z[l])
            previous = Z[l]
        for l in range(M, 0, -1):  # noqa: E741
            np.matmul(Z[l], (X if l == 1 else Z[l - 1]).T, out=G[l])
            if l > 1:
                np.matmul(W[l].T, Z[l], out=D[l])

    buffers = net.buffers(BATCH)  # the loop's own arrays, as a training loop keeps them

    def step():
        grads = net.trace(X, Y, buffers=buffers).gradients
        for name, theta in net.parameters.items():
            grad = grads[name]
            grad *= LR  # in place: the gradient's buffer is the loop's, rewritten at the next step
            theta -= grad

    return {"litbackprop": step, "products": products}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=60)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "deep.json")
    parser.add_argument("--no-biases", action="store_true", help="layers without biases")
    args = parser.parse_args()
    rows = []
    print(f"{'dtype':8} {'step (ms)':>10} {'products (ms)':>14} {'ratio':>6}  target <= {TARGET}")
    for dtype in (np.float64, np.float32):
        # Three trials, each with fresh arrays (where they land in memory moves a ratio by a tenth here): the median.
        trials = [race(contenders(dtype), args.rounds, seed=trial) for trial in range(TRIALS)]
        ratios = [t["litbackprop"] / t["products"] for t in trials]
        times = trials[int(np.argsort(ratios)[len(ratios) // 2])]
        ratio = times["litbackprop"] / times["products"]
        rows.append(
            {"dtype": np.dtype(dtype).name, **{f"{k}_s": v for k, v in times.items()}, "ratio": ratio, "trials": ratios}
        )
        print(
            f"{np.dtype(dtype).name:8} {1e3 * times['litbackprop']:10.2f} {1e3 * times['products']:14.2f} {ratio:6.2f}"
        )
    result = {
        "what": "one DeepNet training step (trace and update) against its matrix products",
        "sizes": SIZES,
        "batch": BATCH,
        "target": TARGET,
        "rounds": args.rounds,
        "rows": rows,
        "machine": {
            "python": platform.python_version(),
            "numpy": np.__version__,
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
        },  # fmt: skip
        "date": datetime.date.today().isoformat(),
    }
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
