"""Time one gradient step of ``TwoLayerNet.backward`` against its matrix products, numpy, PyTorch and JAX.

    python benchmarks/bench_step.py                       # numpy-only process; torch/jax if importable
    python benchmarks/bench_step.py --compare-python PY   # run the torch/jax comparison with interpreter PY

Method. For each size (d, h, k, N), dtype (float64, float32) and with or without biases, the
contenders run interleaved: every round gives each contender, in a shuffled order, one untimed
call (the first call after another contender pays for that contender's allocations and evicted
caches) and then a timed sample; the table reports medians over the rounds, and ratios of
medians. Steps shorter than a millisecond are timed as a loop of calls and divided. The main
process imports numpy and litbackprop only, with no environment variables set, so litbackprop is
timed as a user's training loop would run it.
PyTorch and JAX run in a second process (they change the allocator and the thread pools), timed
interleaved with litbackprop there, so each ratio is measured side by side in one process.

Contenders:
- ``litbackprop``: ``net.backward(X, Y)``, the readable pass (``TwoLayerNet.trace``), argument checks included;
- ``products``: the five matrix products of a step alone, W1@X, W2@A1, dZ2@A1.T, W2.T@dZ2, dZ1@X.T,
  written into preallocated arrays: the bound no step can beat;
- ``numpy``: a plain hand-written numpy step, every temporary a fresh array;
- ``torch``: PyTorch CPU autograd, forward and ``loss.backward()``;
- ``jax``: ``jax.jit(jax.value_and_grad(loss))`` on the CPU.

Results are printed as a table and written as JSON (default: benchmarks/results/step.json),
with the machine, the BLAS, the thread counts and the versions.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import random
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent

import litbackprop as lb  # noqa: E402
from litbackprop._checks import all_finite, nodes  # noqa: E402

SIZES = {
    "tiny": (3, 4, 3, 1),
    "small": (64, 128, 10, 32),
    "mnist": (784, 256, 10, 256),
    "large": (1024, 2048, 1000, 1024),
}
# rounds per size, and calls per timed sample (so a sample lasts well above the timer's resolution)
ROUNDS = {"tiny": 300, "small": 300, "mnist": 80, "large": 5}
INNER = {"tiny": 50, "small": 10, "mnist": 1, "large": 1}
TARGETS = {"tiny": ("numpy", 2.0), "small": ("products", 2.0), "mnist": ("products", 1.3), "large": ("products", 1.3)}


def problem(size: str, dtype, biases: bool, seed: int = 0):
    d, h, k, N = SIZES[size]
    rng = np.random.default_rng(seed)
    W1 = (rng.normal(size=(h, d)) * np.sqrt(2 / d)).astype(dtype)
    W2 = (rng.normal(size=(k, h)) * np.sqrt(2 / h)).astype(dtype)
    b1 = (0.1 * rng.normal(size=h)).astype(dtype) if biases else None
    b2 = (0.1 * rng.normal(size=k)).astype(dtype) if biases else None
    X = rng.normal(size=(d, N)).astype(dtype)
    Y = np.eye(k, dtype=dtype)[:, rng.integers(0, k, size=N)]
    return W1, W2, b1, b2, X, Y


def numpy_contenders(size: str, dtype, biases: bool) -> dict:
    W1, W2, b1, b2, X, Y = problem(size, dtype, biases)
    N = X.shape[1]
    net = lb.TwoLayerNet(W1, W2, b1=b1, b2=b2)
    x, y = (X[:, 0], Y[:, 0]) if N == 1 else (X, Y)  # one example is passed as a vector, as in the notes
    h, d = W1.shape
    k = W2.shape[0]
    Z1, Z2, G2, DA, G1 = (np.empty(s, dtype) for s in ((h, N), (k, N), (k, h), (h, N), (h, d)))

    def products():
        np.matmul(W1, X, out=Z1)
        np.matmul(W2, Z1, out=Z2)
        np.matmul(Z2, Z1.T, out=G2)
        np.matmul(W2.T, Z2, out=DA)
        np.matmul(DA, X.T, out=G1)

    def numpy_step():
        Z1 = W1 @ X
        if b1 is not None:
            Z1 = Z1 + b1[:, None]
        A1 = np.maximum(Z1, 0)
        Z2 = W2 @ A1
        if b2 is not None:
            Z2 = Z2 + b2[:, None]
        E = np.exp(Z2 - Z2.max(axis=0))
        P = E / E.sum(axis=0)
        dZ2 = (P - Y) / N
        grads = {"W2": dZ2 @ A1.T}
        dZ1 = (W2.T @ dZ2) * (Z1 > 0)
        grads["W1"] = dZ1 @ X.T
        if b1 is not None:
            grads["b1"], grads["b2"] = dZ1.sum(axis=1), dZ2.sum(axis=1)
        return grads

    reference = numpy_step()
    for name, grad in net.backward(x, y).items():  # the contenders compute the same thing
        np.testing.assert_allclose(grad, reference[name], rtol=1e-4 if dtype == np.float32 else 1e-10, atol=1e-6)
    return {"litbackprop": lambda: net.backward(x, y), "products": products, "numpy": numpy_step}


def torch_contenders(size: str, dtype, biases: bool) -> dict:
    import torch

    W1, W2, b1, b2, X, Y = problem(size, dtype, biases)
    tW1, tW2 = (torch.tensor(W, requires_grad=True) for W in (W1, W2))
    tb = [torch.tensor(b, requires_grad=True) for b in (b1, b2)] if biases else [None, None]
    tX = torch.tensor(X.T.copy())  # PyTorch keeps examples as rows
    labels = torch.tensor(Y.argmax(axis=0))
    params = [p for p in (tW1, tW2, *tb) if p is not None]

    def torch_step():
        for p in params:
            p.grad = None
        z1 = torch.nn.functional.linear(tX, tW1, tb[0])
        z2 = torch.nn.functional.linear(torch.relu(z1), tW2, tb[1])
        torch.nn.functional.cross_entropy(z2, labels).backward()
        return [p.grad for p in params]

    net = lb.TwoLayerNet(W1, W2, b1=b1, b2=b2)
    x, y = (X[:, 0], Y[:, 0]) if X.shape[1] == 1 else (X, Y)
    return {"litbackprop": lambda: net.backward(x, y), "torch": torch_step}


def jax_contenders(size: str, dtype, biases: bool) -> dict:
    import jax

    if dtype == np.float64:
        jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp

    W1, W2, b1, b2, X, Y = problem(size, dtype, biases)
    params = {"W1": W1, "W2": W2, **({"b1": b1, "b2": b2} if biases else {})}
    params = {name: jnp.asarray(value) for name, value in params.items()}
    jX, jY = jnp.asarray(X), jnp.asarray(Y)

    def loss(p, X, Y):
        z1 = p["W1"] @ X + (p["b1"][:, None] if "b1" in p else 0)
        z2 = p["W2"] @ jnp.maximum(z1, 0) + (p["b2"][:, None] if "b2" in p else 0)
        return -jnp.mean(jnp.sum(Y * jax.nn.log_softmax(z2, axis=0), axis=0))

    step = jax.jit(jax.value_and_grad(loss))

    def jax_step():
        value, grads = step(params, jX, jY)
        jax.block_until_ready(grads)
        return grads

    net = lb.TwoLayerNet(W1, W2, b1=b1, b2=b2)
    x, y = (X[:, 0], Y[:, 0]) if X.shape[1] == 1 else (X, Y)
    return {"litbackprop": lambda: net.backward(x, y), "jax": jax_step}


def race(contenders: dict, rounds: int, inner: int = 1, seed: int = 0) -> dict:
    """Median seconds per call of each contender, timed interleaved in shuffled order.

    Every round gives each contender, in a new order, one untimed call (it settles the allocator and
    the caches after the previous contender) and one timed sample of `inner` calls.
    """
    for f in contenders.values():
        f()
    samples = {name: [] for name in contenders}
    order = list(contenders)
    shuffle = random.Random(seed)
    for _ in range(rounds):
        shuffle.shuffle(order)
        for name in order:
            f = contenders[name]
            f()
            start = time.perf_counter()
            for _ in range(inner):
                f()
            samples[name].append((time.perf_counter() - start) / inner)
    return {name: float(np.median(times)) for name, times in samples.items()}


def peak_memory(size: str, dtype, biases: bool) -> dict:
    """tracemalloc's peak during one backward call (after a warm-up call), against the gradients it returns."""
    W1, W2, b1, b2, X, Y = problem(size, dtype, biases)
    net = lb.TwoLayerNet(W1, W2, b1=b1, b2=b2)
    x, y = (X[:, 0], Y[:, 0]) if X.shape[1] == 1 else (X, Y)
    net.backward(x, y)
    tracemalloc.start()
    tracemalloc.reset_peak()
    before = tracemalloc.get_traced_memory()[0]
    grads = net.backward(x, y)
    peak = tracemalloc.get_traced_memory()[1] - before
    tracemalloc.stop()
    returned = sum(g.nbytes for g in grads.values())
    return {"peak_bytes": int(peak), "returned_gradients_bytes": int(returned)}


def argument_checks(door, **arguments) -> dict:
    """The constraints `door` declares, checked for the given `arguments` as its door checks them."""
    for name, constraint in door.constraints.items():
        if name in arguments:
            arguments[name] = constraint.check(name, arguments[name], arguments)
    return arguments


def stage_profile(dtype, size: str = "mnist") -> dict:
    """Median time of each row of the readable pass (`TwoLayerNet.trace`), each timed on its own as trace runs it."""
    W1, W2, _, _, X, Y = problem(size, dtype, False)
    net = lb.TwoLayerNet(W1, W2)
    t = net.trace(X, Y)
    stages = {  # as trace runs them: the checks at its door, every row inside it (its .math), the nodes finite
        "argument checks": lambda: argument_checks(lb.TwoLayerNet.trace, self=net, x=X, y=Y, buffers=None),
        "finiteness of the nodes": lambda: [all_finite(v) for v in nodes(t).values() if v is not None],
        "(1) z1 = linear(W1, x)": lambda: lb.linear.math(W1, t.x),
        "(2) a1 = relu(z1)": lambda: lb.relu.math(t.z1),
        "(3) z2 = linear(W2, a1)": lambda: lb.linear.math(W2, t.a1),
        "(4) y_hat = softmax(z2)": lambda: lb.softmax.math(t.z2),
        "(5) L = cross_entropy_from_logits(y, z2)": lambda: lb.cross_entropy_from_logits.math(t.y, t.z2),
        "(4) dz2 = grad_logits(y_hat, y)": lambda: lb.grad_logits.math(t.y_hat, t.y, t.dL),
        "(3a) dW2 = grad_weights(dz2, a1)": lambda: lb.grad_weights.math(t.dz2, t.a1),
        "(3b) da1 = grad_input(W2, dz2)": lambda: lb.grad_input.math(W2, t.dz2),
        "(2) dz1 = grad_relu(da1, z1)": lambda: lb.grad_relu.math(t.da1, t.z1),
        "(1) dW1 = grad_weights(dz1, x)": lambda: lb.grad_weights.math(t.dz1, t.x),
    }
    times = race(stages, 100, INNER[size])
    times["whole backward"] = race({"whole": lambda: net.backward(X, Y)}, 100, INNER[size])["whole"]
    return times


def blas_info() -> dict:
    config = getattr(np, "__config__", None)
    blas = {}
    if config is not None and hasattr(config, "CONFIG"):
        found = config.CONFIG.get("Build Dependencies", {}).get("blas", {})
        blas = {"name": found.get("name"), "version": found.get("version")}
    blas["threads"] = _blas_threads()
    return blas


def _blas_threads() -> int | None:
    """The BLAS thread count, read from the loaded OpenBLAS itself (no extra package needed)."""
    import ctypes

    try:
        maps = Path("/proc/self/maps").read_text()
    except OSError:
        return None
    for line in maps.splitlines():
        path = line.split()[-1] if line.split() else ""
        if "openblas" in path.lower() and path.endswith(".so") or ".so." in path and "openblas" in path.lower():
            lib = ctypes.CDLL(path)
            for symbol in (
                "scipy_openblas_get_num_threads64_",
                "openblas_get_num_threads64_",
                "openblas_get_num_threads",
            ):
                if hasattr(lib, symbol):
                    return int(getattr(lib, symbol)())
    return None


def machine() -> dict:
    cpu = platform.processor()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "blas": blas_info(),
        "thread_env": {v: os.environ.get(v) for v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")},
        "glibc_tunables": os.environ.get("GLIBC_TUNABLES"),
    }


def variants(sizes):
    for size in sizes:
        for dtype in (np.float64, np.float32):
            for biases in (False, True):
                yield size, dtype, biases


def worker(framework: str, sizes: list[str]) -> dict:
    """Run in a second process: litbackprop against one framework, interleaved."""
    make = {"torch": torch_contenders, "jax": jax_contenders}[framework]
    try:
        if framework == "torch":
            import torch

            version, threads = torch.__version__, torch.get_num_threads()
        else:
            import jax

            version, threads = jax.__version__, None
    except ImportError as error:
        return {"skipped": f"{framework} is not installed in {sys.executable} ({error})"}
    rows = []
    for size, dtype, biases in variants(sizes):
        times = race(make(size, dtype, biases), ROUNDS[size], INNER[size])
        rows.append({"size": size, "dtype": np.dtype(dtype).name, "biases": biases, "median_s": times})
    return {"version": version, "threads": threads, "python": platform.python_version(), "rows": rows}


def compare(framework: str, python: str, sizes: list[str]) -> dict:
    command = [python, str(Path(__file__).resolve()), "--worker", framework, "--sizes", ",".join(sizes)]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        return {"skipped": f"{framework} run failed: {result.stderr.strip().splitlines()[-1:]}"}
    return json.loads(result.stdout.strip().splitlines()[-1])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default=",".join(SIZES), help="comma-separated sizes (default: all four)")
    parser.add_argument("--json", default=str(ROOT / "benchmarks" / "results" / "step.json"), help="where to write")
    parser.add_argument("--compare-python", default=sys.executable, help="interpreter for the torch/jax comparison")
    parser.add_argument("--worker", choices=["torch", "jax"], help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    sizes = [s for s in args.sizes.split(",") if s]
    unknown = set(sizes) - set(SIZES)
    if unknown:
        parser.error(f"unknown sizes {sorted(unknown)}; choose from {list(SIZES)}")
    if args.worker:
        print(json.dumps(worker(args.worker, sizes)))
        return 0

    started = time.perf_counter()
    rows = []
    for size, dtype, biases in variants(sizes):
        times = race(numpy_contenders(size, dtype, biases), ROUNDS[size], INNER[size])
        row = {"size": size, "shape": SIZES[size], "dtype": np.dtype(dtype).name, "biases": biases, "median_s": times}
        row["memory"] = peak_memory(size, dtype, biases)
        rows.append(row)
        print(
            f"{size:6s} {row['dtype']:8s} biases={biases!s:5s} "
            + "  ".join(f"{n} {t * 1e6:10.1f} us" for n, t in times.items()),
            flush=True,
        )
    frameworks = {name: compare(name, args.compare_python, sizes) for name in ("torch", "jax")}
    for name, result in frameworks.items():
        for row in result.get("rows", []):
            target = next(
                r for r in rows if (r["size"], r["dtype"], r["biases"]) == (row["size"], row["dtype"], row["biases"])
            )
            target.setdefault("vs", {})[name] = row["median_s"]
    profile = (
        {dtype: stage_profile(np.dtype(dtype).type) for dtype in ("float64", "float32")} if "mnist" in sizes else {}
    )
    report = {
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "frameworks": {n: {k: v for k, v in r.items() if k != "rows"} for n, r in frameworks.items()},
        "targets": TARGETS,
        "rows": rows,
        "stage_profile_mnist": profile,
        "seconds": time.perf_counter() - started,
    }
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps(report, indent=1))
    print()
    print(table(report))
    print(f"\nwritten to {args.json} in {report['seconds']:.0f} s")
    return 0


def ratios(row: dict) -> dict:
    t = row["median_s"]
    out = {
        "litbackprop / products": t["litbackprop"] / t["products"],
        "litbackprop / numpy": t["litbackprop"] / t["numpy"],
        "numpy / products": t["numpy"] / t["products"],
    }
    for name, times in row.get("vs", {}).items():
        out[f"litbackprop / {name}"] = times["litbackprop"] / times[name]
    return out


def table(report: dict) -> str:
    names = sorted({name for row in report["rows"] for name in ratios(row)}, key=lambda n: (n.count("/"), n))
    header = "| size | dtype | biases | litbackprop | " + " | ".join(names) + " |"
    lines = [header, "|" + "---|" * (4 + len(names))]
    for row in report["rows"]:
        r = ratios(row)
        cells = [f"{r[n]:.2f}" if n in r else "–" for n in names]
        lines.append(
            f"| {row['size']} | {row['dtype']} | {'yes' if row['biases'] else 'no'} | "
            f"{row['median_s']['litbackprop'] * 1e6:.1f} µs | " + " | ".join(cells) + " |"
        )
    for name, info in report["frameworks"].items():
        if "skipped" in info:
            lines.append(f"\n{name}: skipped, {info['skipped']}")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
