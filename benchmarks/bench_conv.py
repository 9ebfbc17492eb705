"""Time the convolution layer's forward and backward pass against the matrix products it cannot avoid (im2col's bound)
and against PyTorch, and the digits CNN's training, at the digits CNN's sizes.

    python benchmarks/bench_conv.py                       # torch from this interpreter, if it imports
    python benchmarks/bench_conv.py --compare-python PY   # run the PyTorch comparison with interpreter PY

The layer: ``conv2d``, ``grad_conv_weights``, ``grad_conv_input`` and ``grad_conv_bias``, on a batch of 32 digits
(1 × 8 × 8) and 16 filters of 3 × 3 with padding 1, timed two ways:

- ``layer, as a step runs it``: the four equations as `ConvNet.trace` runs them, inside the network's door, which
  checked the arguments once (the functions' ``.math``), as ``bench_step.py`` times ``net.backward``;
- ``layer, four checked calls``: the four public functions called from outside, each checking its arguments.

The bound, ``its matrix products``: the three products of im2col written into preallocated arrays, the forward
(16 × 9)(9 × 2048), the kernel's gradient (16 × 2048)(2048 × 9) and the spread-back one (9 × 16)(16 × 2048), their
windows gathered already. ``torch``: ``torch.nn.functional.conv2d`` and ``backward`` with the same upstream gradient,
PyTorch's CPU eager mode (its batch first, (32, 1, 8, 8)), run in a second process as ``bench_step.py`` runs it,
interleaved there with the layer as a step runs it. Each set of contenders runs interleaved, in shuffled order
(``race`` of ``bench_step.py``); a trial reports medians, and the table the trial of median ratio among three. The
training: ``train_digits_cnn()`` as the tests run it, timed three times. Results go to benchmarks/results/conv.json.
"""

from __future__ import annotations

import argparse
import datetime
import json
import platform
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_step import race  # noqa: E402

import litbackprop as lb  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
BATCH, FILTERS, KERNEL, SIDE, PADDING = 32, 16, 3, 8, 1
TARGET = 2.0
TRIALS = 3
ROUNDS, INNER = 200, 5


def problem(seed: int):
    rng = np.random.default_rng(seed)
    x = rng.random((1, SIDE, SIDE, BATCH))
    W, b = rng.normal(size=(FILTERS, 1, KERNEL, KERNEL)), rng.normal(size=FILTERS)
    dz = rng.normal(size=(FILTERS, SIDE, SIDE, BATCH))
    return x, W, b, dz


def layer_as_a_step_runs_it(x, W, b, dz):
    calls = (lb.conv2d.math, lb.grad_conv_weights.math, lb.grad_conv_input.math, lb.grad_conv_bias.math)
    conv2d, grad_weights, grad_input, grad_bias = calls

    def layer():
        conv2d(x, W, b, padding=PADDING)
        grad_weights(dz, x, W, padding=PADDING)
        grad_input(dz, x, W, padding=PADDING)
        grad_bias(dz)

    return layer


def checked_calls(x, W, b, dz):
    def layer():
        lb.conv2d(x, W, b, padding=PADDING)
        lb.grad_conv_weights(dz, x, W, padding=PADDING)
        lb.grad_conv_input(dz, x, W, padding=PADDING)
        lb.grad_conv_bias(dz)

    return layer


def contenders(seed: int) -> dict:
    x, W, b, dz = problem(seed)
    columns = np.random.default_rng(seed).random((KERNEL * KERNEL, SIDE * SIDE * BATCH))  # the windows, gathered
    W_mat, dz_mat = W.reshape(FILTERS, -1), dz.reshape(FILTERS, -1)
    z, dW, spread = np.empty((FILTERS, columns.shape[1])), np.empty(W_mat.shape), np.empty(columns.shape)

    def products():
        np.matmul(W_mat, columns, out=z)
        np.matmul(dz_mat, columns.T, out=dW)
        np.matmul(W_mat.T, dz_mat, out=spread)

    return {
        "layer, as a step runs it": layer_as_a_step_runs_it(x, W, b, dz),
        "layer, four checked calls": checked_calls(x, W, b, dz),
        "its matrix products": products,
    }


def torch_contenders(seed: int) -> dict:
    import torch

    x, W, b, dz = problem(seed)
    tx = torch.tensor(np.ascontiguousarray(x.transpose(3, 0, 1, 2)), requires_grad=True)  # PyTorch: batch first
    tW, tb = torch.tensor(W, requires_grad=True), torch.tensor(b, requires_grad=True)
    tdz = torch.tensor(np.ascontiguousarray(dz.transpose(3, 0, 1, 2)))

    def torch_layer():
        tx.grad = tW.grad = tb.grad = None
        torch.nn.functional.conv2d(tx, tW, tb, padding=PADDING).backward(tdz)

    torch_layer()  # the same gradients as the layer's, or the race would compare different work
    assert np.allclose(tW.grad.numpy(), lb.grad_conv_weights(dz, x, W, padding=PADDING))
    assert np.allclose(tx.grad.numpy().transpose(1, 2, 3, 0), lb.grad_conv_input(dz, x, W, padding=PADDING))
    assert np.allclose(tb.grad.numpy(), lb.grad_conv_bias(dz))
    return {
        "layer, as a step runs it": layer_as_a_step_runs_it(x, W, b, dz),
        "layer, four checked calls": checked_calls(x, W, b, dz),
        "torch": torch_layer,
    }


def trials(make) -> list[dict]:
    return [race(make(trial), rounds=ROUNDS, inner=INNER, seed=trial) for trial in range(TRIALS)]


def median_trial(results: list[dict], mine: str, theirs: str) -> dict:
    """The trial whose ratio mine/theirs is the median of the trials', with the ratios of all."""
    ratios = sorted((r[mine] / r[theirs], i) for i, r in enumerate(results))
    ratio, index = ratios[len(ratios) // 2]
    return {
        "seconds": {mine: results[index][mine], theirs: results[index][theirs]},
        "ratio": ratio,
        "ratios_of_trials": [round(r, 3) for r, _ in ratios],
    }


def worker() -> dict:
    """Run in a second process: the layer against PyTorch, interleaved."""
    try:
        import torch
    except ImportError as error:
        return {"skipped": f"torch is not installed in {sys.executable} ({error})"}
    results = trials(torch_contenders)
    row = median_trial(results, "layer, as a step runs it", "torch")
    row["four_checked_calls"] = median_trial(results, "layer, four checked calls", "torch")
    versions = {"version": torch.__version__, "threads": torch.get_num_threads(), "python": platform.python_version()}
    return {**row, **versions}


def compare(python: str) -> dict:
    result = subprocess.run([python, str(Path(__file__).resolve()), "--worker"], capture_output=True, text=True)
    if result.returncode != 0:
        return {"skipped": f"torch run failed: {result.stderr.strip().splitlines()[-1:]}"}
    return json.loads(result.stdout.strip().splitlines()[-1])


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--compare-python", default=sys.executable, help="interpreter for the PyTorch comparison")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(worker()))
        return
    from litbackprop.app.digits import train_digits_cnn

    results = trials(contenders)
    step = median_trial(results, "layer, as a step runs it", "its matrix products")
    checked = median_trial(results, "layer, four checked calls", "its matrix products")
    torch_row = compare(args.compare_python)
    training = []
    for _ in range(3):
        start = time.perf_counter()
        train_digits_cnn()
        training.append(time.perf_counter() - start)
    result = {
        "date": datetime.date.today().isoformat(),
        "machine": platform.platform(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "sizes": {"batch": BATCH, "filters": FILTERS, "kernel": KERNEL, "image": SIDE, "padding": PADDING},
        "as_a_step_runs_it": step,
        "four_checked_calls": checked,
        "torch": torch_row,
        "target": TARGET,
        "training_seconds": sorted(training),
    }
    out = ROOT / "benchmarks" / "results" / "conv.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    for name, row in (("as a step runs it", step), ("four checked calls", checked)):
        layer = next(iter(row["seconds"].values()))
        print(f"layer {name}: {layer * 1e6:.0f} µs, ÷ its products {row['ratio']:.2f} "
              f"(target {TARGET}); trials {row['ratios_of_trials']}")  # fmt: skip
    if "ratio" in torch_row:
        for name, row in (("as a step runs it", torch_row), ("four checked calls", torch_row["four_checked_calls"])):
            print(f"layer {name} ÷ torch {torch_row['version']}: {row['ratio']:.2f}; trials {row['ratios_of_trials']}")
    else:
        print(f"torch: {torch_row['skipped']}")
    print(f"train_digits_cnn(): {', '.join(f'{t:.2f}' for t in sorted(training))} s")


if __name__ == "__main__":
    main()
