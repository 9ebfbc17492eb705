"""Train on the digits until 97 % test accuracy, against scikit-learn's MLPClassifier of the same width.

    python benchmarks/bench_train.py

Both learn from the same 1,213 training images of scikit-learn's bundled 8×8 digits (pixels / 16)
and are scored on the same 449 held-out test images. litbackprop: a TwoLayerNet with 64 hidden
units, biases, mini-batch SGD with momentum (the defaults of ``litbackprop train``), and the clock
stops after the first epoch at which the test accuracy reaches 97 %: a time-to-accuracy
measurement, as in DAWNBench, so the test set decides when to stop but nothing is tuned on it.
scikit-learn: ``MLPClassifier(hidden_layer_sizes=(64,))`` with its defaults (Adam, up to 200
epochs), timed to the end of its fit. The two run interleaved, five times each; the medians
are reported, and written as JSON (default: benchmarks/results/train.json).
"""

from __future__ import annotations

import argparse
import datetime
import json
import sys
import time
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent

import litbackprop as lb  # noqa: E402
from litbackprop.app.digits import load_digits_split  # noqa: E402

TARGET = 0.97


def run_litbackprop(split) -> dict:
    net = lb.TwoLayerNet.initialize(64, 64, 10, seed=0)
    start = time.perf_counter()
    history = lb.train(
        net,
        split.x_train,
        split.labels_train,
        epochs=100,
        batch_size=32,
        lr=0.1,
        momentum=0.9,
        seed=0,
        validation=(split.x_test, split.labels_test),
        progress=False,
        stop_at=TARGET,
    )
    seconds = time.perf_counter() - start
    return {
        "seconds": seconds,
        "epochs": len(history.loss),
        "test_accuracy": lb.accuracy(net, split.x_test, split.labels_test),
    }


def run_sklearn(split) -> dict:
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    model = MLPClassifier(hidden_layer_sizes=(64,), random_state=0)
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(split.x_train.T, split.labels_train)
    seconds = time.perf_counter() - start
    return {
        "seconds": seconds,
        "epochs": int(model.n_iter_),
        "test_accuracy": float(model.score(split.x_test.T, split.labels_test)),
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--json", default=str(ROOT / "benchmarks" / "results" / "train.json"))
    args = parser.parse_args(argv)
    import sklearn

    split = load_digits_split(seed=0)
    # both learners train on the same 1,213 images
    runs = {"litbackprop": [], "scikit-learn": []}
    for _ in range(args.repeats):
        runs["litbackprop"].append(run_litbackprop(split))
        runs["scikit-learn"].append(run_sklearn(split))
    summary = {
        name: {
            "median_seconds": float(np.median([r["seconds"] for r in results])),
            "epochs": results[0]["epochs"],
            "test_accuracy": results[0]["test_accuracy"],
        }
        for name, results in runs.items()
    }
    report = {
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "train_images": int(split.x_train.shape[1]),
        "test_images": int(split.x_test.shape[1]),
        "target_accuracy": TARGET,
        "versions": {"numpy": np.__version__, "scikit-learn": sklearn.__version__, "litbackprop": lb.__version__},
        "summary": summary,
        "runs": runs,
    }
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps(report, indent=1))
    print("| learner | time to train (median) | epochs | test accuracy |")
    print("|---|---|---|---|")
    for name, s in summary.items():
        print(f"| {name} | {s['median_seconds']:.2f} s | {s['epochs']} | {s['test_accuracy']:.2%} |")
    print(f"\nwritten to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
