"""Time one training epoch of ``lb.train`` against a hand-written numpy loop and against the bound.

    python benchmarks/bench_epoch.py

MNIST-sized: 784 inputs, 256 hidden units, 10 classes, biases, 4,096 random examples, batches of
256, momentum 0.9, float64. Three contenders run the same 16 SGD steps per epoch, interleaved
(every round shuffles their order and gives each one an untimed epoch, then a timed one), and
the medians over the rounds are compared:

- ``train``: ``lb.train(net, x, labels, epochs=1, ...)``, recording its History;
- ``train, C-ordered x``: the same with ``x`` copied to C order, for which ``train`` makes its one
  copy of ``x`` with the examples as rows (``x`` is otherwise the transpose of an (N, d) array, the
  way a data loader gives examples, and needs no copy);
- ``hand loop``: a careful numpy loop, fresh temporaries, with biases, recording the mean batch
  loss and accuracy from the forward passes it makes anyway;
- ``bound``: the epoch's five matrix products per step into preallocated arrays, plus the
  momentum update of every parameter: no step can do less.

Writes benchmarks/results/epoch.json.
"""

from __future__ import annotations

import argparse
import datetime
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent

from bench_step import machine, race  # noqa: E402  (the same timing and machine description)

import litbackprop as lb  # noqa: E402

D, H, K, N, BATCH, LR, MOMENTUM = 784, 256, 10, 4096, 256, 0.01, 0.9
TARGETS = {"train / hand loop": 1.10, "train / bound": 1.25}


def data(seed: int = 0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(N, D)).T, rng.integers(0, K, size=N)  # examples arrive as rows; x is their transpose


def contenders() -> dict:
    x, labels = data()
    net = lb.TwoLayerNet.initialize(D, H, K, seed=0)
    hand = {name: value.copy() for name, value in net.parameters.items()}
    hand_velocity = {name: np.zeros_like(value) for name, value in hand.items()}
    rng = np.random.default_rng(0)

    def train(x=x):
        lb.train(net, x, labels, epochs=1, batch_size=BATCH, lr=LR, momentum=MOMENTUM, seed=0, progress=False)

    x_c = np.ascontiguousarray(x)

    def hand_loop():
        W1, b1, W2, b2 = hand["W1"], hand["b1"], hand["W2"], hand["b2"]
        x_rows = np.ascontiguousarray(x.T)  # a batch of whole rows gathers far faster than scattered columns
        order = rng.permutation(N)
        loss_sum, correct = 0.0, 0
        for start in range(0, N, BATCH):
            batch = np.sort(order[start : start + BATCH])
            X, lab = x_rows[batch].T, labels[batch]
            n = X.shape[1]
            cols = np.arange(n)
            Z1 = W1 @ X + b1[:, None]
            A1 = np.maximum(Z1, 0)
            Z2 = W2 @ A1 + b2[:, None]
            correct += int(np.count_nonzero(Z2.argmax(axis=0) == lab))
            S = Z2 - Z2.max(axis=0)
            E = np.exp(S)
            total = E.sum(axis=0)
            loss_sum += float(np.log(total).sum() - S[lab, cols].sum())
            dZ2 = E / total
            dZ2[lab, cols] -= 1
            dZ2 /= n
            dZ1 = (W2.T @ dZ2) * (Z1 > 0)
            grads = {"W1": dZ1 @ X.T, "b1": dZ1.sum(axis=1), "W2": dZ2 @ A1.T, "b2": dZ2.sum(axis=1)}
            for name, g in grads.items():
                v = hand_velocity[name]
                v *= MOMENTUM
                v -= LR * g
                hand[name] += v
        return loss_sum / N, correct / N

    W1, W2 = net.W1.copy(), net.W2.copy()
    params = {name: value.copy() for name, value in net.parameters.items()}
    velocity = {name: np.zeros_like(value) for name, value in params.items()}
    grads = {name: np.empty_like(value) for name, value in params.items()}
    Xb = x[:, :BATCH].copy()
    Z1, Z2, DA = np.empty((H, BATCH)), np.empty((K, BATCH)), np.empty((H, BATCH))

    def bound():
        for _ in range(0, N, BATCH):
            np.matmul(W1, Xb, out=Z1)
            np.matmul(W2, Z1, out=Z2)
            np.matmul(Z2, Z1.T, out=grads["W2"])
            np.matmul(W2.T, Z2, out=DA)
            np.matmul(DA, Xb.T, out=grads["W1"])
            for name, g in grads.items():
                v = velocity[name]
                v *= MOMENTUM
                v -= LR * g
                params[name] += v

    return {"train": train, "train, C-ordered x": lambda: train(x_c), "hand loop": hand_loop, "bound": bound}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=41)
    parser.add_argument("--json", default=str(ROOT / "benchmarks" / "results" / "epoch.json"))
    args = parser.parse_args(argv)

    times = race(contenders(), args.rounds)
    ratios = {
        "train / hand loop": times["train"] / times["hand loop"],
        "train / bound": times["train"] / times["bound"],
        "hand loop / bound": times["hand loop"] / times["bound"],
        "train, C-ordered x / bound": times["train, C-ordered x"] / times["bound"],
    }
    report = {
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "problem": {"d": D, "h": H, "k": K, "examples": N, "batch_size": BATCH, "momentum": MOMENTUM},
        "rounds": args.rounds,
        "median_s": times,
        "ratios": ratios,
        "targets": TARGETS,
    }
    Path(args.json).write_text(json.dumps(report, indent=1))
    for name, t in times.items():
        print(f"{name:20s} {t * 1e3:8.1f} ms")
    for name, r in ratios.items():
        target = f"  (target <= {TARGETS[name]:.2f})" if name in TARGETS else ""
        print(f"{name:28s} {r:.2f}{target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
