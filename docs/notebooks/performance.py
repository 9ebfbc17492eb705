# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Performance
#
# A gradient step of the two-layer network is five matrix products, plus some
# elementwise work: the ReLU and its mask, the softmax, the bias terms. The
# products are done by the BLAS library numpy links to, and nothing can make
# them cheaper. So the question is how much litbackprop costs on top of them,
# in two places: `TwoLayerNet.backward`, the readable pass that calls one
# checked library function per row of the notes' tables and keeps every node
# in a fresh array; and the training loop, which runs the same pass with each
# row writing its node into a buffer the loop owns. This page shows the
# latest measurements, which `benchmarks/bench_step.py`,
# `benchmarks/bench_epoch.py` and `benchmarks/bench_train.py` write to
# `benchmarks/results/`. The page reads those files when the site is built; it
# does not time anything itself.
#
# **Method.** Four sizes \((d, h, k, N)\): inputs, hidden units, classes,
# batch. For each size, float64 and float32, with and without biases, the
# contenders run interleaved. Every round gives each one an untimed call and
# then a timed sample, in a shuffled order. The tables report medians over the
# rounds and ratios of those medians. The contenders:
#
# - **litbackprop**: `net.backward(X, Y)`, argument checks included, in a
#   process that imports only numpy and litbackprop, with no environment
#   variables set;
# - **products**: the five matrix products alone (`W1@X`, `W2@A1`,
#   `dZ2@A1.T`, `W2.T@dZ2`, `dZ1@X.T`) into preallocated arrays, the bound;
# - **numpy**: a plain hand-written numpy step, with fresh temporaries;
# - **PyTorch** (CPU autograd) and **JAX** (`jit(value_and_grad)`): each
#   timed in a second process, interleaved with litbackprop there.

# %%
import json
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from IPython.display import Markdown, display

import litbackprop

# The figures are drawn for a phone's column, as on the digits page: 3.6 inches wide, text of 8 to 10 points,
# at 200 dots per inch, shown at most 480 px wide: the smallest text is 10 CSS px or more. Panels are stacked.
plt.rcParams.update({"font.size": 9, "figure.dpi": 200, "savefig.dpi": 200})

results = Path(litbackprop.__file__).resolve().parents[1] / "benchmarks" / "results"
if not results.is_dir():  # the library installed from its wheel: the results are in the repository only
    raise FileNotFoundError(
        f"no benchmark results beside the library ({results}): run this notebook in a clone of the "
        'repository, after sh .ci/python -m venv .venv && .venv/bin/pip install -e ".[docs]"'
    )
step = json.loads((results / "step.json").read_text())
train = json.loads((results / "train.json").read_text())
epoch = json.loads((results / "epoch.json").read_text())
m = step["machine"]
sizes = {row["size"]: tuple(row["shape"]) for row in step["rows"]}
assert list(sizes) == ["tiny", "small", "mnist", "large"], sizes
display(Markdown(
    f"Measured on **{step['date'][:10]}**: {m['cpu']}, {m['cores']} cores, "
    f"Python {m['python']}, numpy {m['numpy']} with {m['blas']['name']} "
    f"{m['blas']['version']} on {m['blas']['threads']} threads; "
    + ", ".join(f"{name} {info['version']}" for name, info in step["frameworks"].items() if "version" in info)
    + ". Sizes (d, h, k, N): "
    + ", ".join(f"{name} {shape}" for name, shape in sizes.items()) + "."
))

# %% [markdown]
# ## The table
#
# Times are litbackprop's medians. Each ratio is litbackprop's time over the
# other contender's: below 1, litbackprop is faster.

# %%
def ratio(row, other):
    if other in row["median_s"]:
        return row["median_s"]["litbackprop"] / row["median_s"][other]
    times = row.get("vs", {}).get(other)
    return None if times is None else times["litbackprop"] / times[other]


others = ["products", "numpy", "torch", "jax"]
lines = ["| size | dtype, biases | litbackprop | ÷ products | ÷ numpy | ÷ PyTorch | ÷ JAX |",
         "|---|---|---|---|---|---|---|"]
for row in step["rows"]:
    t = row["median_s"]["litbackprop"]
    time_text = f"{t * 1e6:.1f} µs" if t < 1e-3 else f"{t * 1e3:.2f} ms"
    cells = [f"{r:.2f}" if (r := ratio(row, o)) is not None else "–" for o in others]
    lines.append(f"| {row['size']} | {row['dtype']}{', b' if row['biases'] else ''} "
                 f"| {time_text} | " + " | ".join(cells) + " |")
display(Markdown("\n".join(lines)))
assert all(ratio(row, "products") > 0.9 for row in step["rows"]), "nothing beats its own products"

# %% [markdown]
# ## The ratios in a picture

# %%
fig, axes = plt.subplots(2, 1, figsize=(3.6, 6.4), sharex=True)
for ax, dtype in zip(axes, ["float64", "float32"], strict=True):
    rows = [r for r in step["rows"] if r["dtype"] == dtype and not r["biases"]]
    x = np.arange(len(rows))
    for i, other in enumerate(others):
        values = [ratio(r, other) or np.nan for r in rows]
        ax.bar(x + (i - 1.5) * 0.2, values, width=0.2, label=f"÷ {other}")
    ax.axhline(1.0, color="black", linewidth=0.8)
    ax.set_xticks(x, [r["size"] for r in rows])
    ax.set_yscale("log")
    ax.set_title(f"{dtype}, no biases")
    ax.grid(axis="y", alpha=0.3)
for ax in axes:
    ax.set_ylabel("litbackprop's time ÷ theirs\n(below 1: litbackprop faster)")
axes[1].legend(fontsize=8)
fig.tight_layout()
# alt: For float64 and float32, in two stacked panels, the time of each contender over the matrix products' at each size
plt.show()

# %% [markdown]
# ## The targets
#
# The project set itself these targets; each row says whether the latest
# measurement meets it, for every dtype and with and without biases.

# %%
targets = [(size, other, limit) for size, (other, limit) in step["targets"].items()]
targets += [(size, "torch", 1.0) for size in sizes]
lines = ["| size | litbackprop ÷ | target | measured (worst case) | met |", "|---|---|---|---|---|"]
for size, other, limit in targets:
    measured = [ratio(r, other) for r in step["rows"] if r["size"] == size]
    if None in measured:
        lines.append(f"| {size} | {other} | ≤ {limit:.2f} | not measured | – |")
        continue
    worst = max(measured)
    lines.append(f"| {size} | {other} | ≤ {limit:.2f} | {worst:.2f} | {'yes' if worst <= limit else '**no**'} |")
display(Markdown("\n".join(lines)))

# %% [markdown]
# Where the readable pass misses a target, the reasons are in its design. It
# checks its arguments once, at its door (shapes, dtypes, a one-hot `y`), runs
# every row as one library function, and checks its loss and gradients for
# nan and inf. At the tiny size a step is nothing but calls, each costing
# more than its arithmetic, and the pass makes more of them than a bare
# gradient step: it also computes the loss (row 5), which a gradient step
# skips, and keeps every node in an array of its own. At MNIST size in float64
# those fresh arrays are megabytes of new memory pages per call, which the
# plain numpy step pays too, and the bound, writing into arrays allocated
# once, does not. The ratio between the plain step and the products, and
# between litbackprop and the plain step, separates the two costs:

# %%
for size in sizes:
    plain = [r["median_s"]["numpy"] / r["median_s"]["products"] for r in step["rows"] if r["size"] == size]
    ours = [ratio(r, "numpy") for r in step["rows"] if r["size"] == size]
    print(f"{size:6s} plain numpy step ÷ products: {min(plain):.2f}–{max(plain):.2f};"
          f"  litbackprop ÷ plain numpy step: {min(ours):.2f}–{max(ours):.2f}")

# %% [markdown]
# Where speed matters, in training, the loop runs the same pass with each
# row writing into a buffer it owns: see the epoch below. Timings on this shared machine drift between runs by
# about 10 % (ratios included), so a ratio near its target can fall on either
# side of it from one run to the next. How much memory a step needs:

# %%
lines = ["| size | dtype | peak memory of a step | gradients returned |", "|---|---|---|---|"]
for row in step["rows"]:
    if row["biases"]:
        continue
    mem = row["memory"]
    lines.append(f"| {row['size']} | {row['dtype']} | {mem['peak_bytes'] / 1024:.1f} KiB "
                 f"| {mem['returned_gradients_bytes'] / 1024:.1f} KiB |")
    assert mem["peak_bytes"] >= mem["returned_gradients_bytes"], mem
display(Markdown("\n".join(lines)))

# %% [markdown]
# The peak, measured with `tracemalloc` over one call, is the gradients plus
# every node of the pass, all alive until the call returns. Nothing is kept
# between calls: two threads, or a call re-entered from a signal handler, each
# get their own arrays.
#
# ## What a step spends its time on
#
# Each stage of the readable pass at MNIST size, timed on its own: the
# argument checks at its door, a check that every node is
# finite (more than `trace` makes: its loss and its gradients, and the two
# products a ReLU could hide), then each row bare (the `math` of its library
# function, as a row runs inside the pass's door, which its own door skips):

# %%
profile = step["stage_profile_mnist"]
fig, ax = plt.subplots(figsize=(3.6, 7.0))
names = [n for n in profile["float64"] if n != "whole backward"]
y = np.arange(len(names))
for i, dtype in enumerate(["float64", "float32"]):
    share = [profile[dtype][n] / profile[dtype]["whole backward"] * 100 for n in names]
    ax.barh(y + (i - 0.5) * 0.4, share, height=0.4, label=dtype)
ax.set_yticks(y, [n.replace(" = ", " =\n") for n in names], fontsize=8)  # two lines: the column is narrow
ax.invert_yaxis()
ax.set_xlabel("% of a whole backward step")
fig.suptitle("A backward step at MNIST size, stage by stage", fontsize=9)
ax.legend()
ax.grid(axis="x", alpha=0.3)
fig.tight_layout()
# alt: Where a backward step of the two-layer network spends its time, row by row, in float64 and float32
plt.show()
products = ["(1) z1 = linear(W1, x)", "(3) z2 = linear(W2, a1)", "(3a) dW2 = grad_weights(dz2, a1)",
            "(3b) da1 = grad_input(W2, dz2)", "(1) dW1 = grad_weights(dz1, x)"]
for dtype in ("float64", "float32"):
    whole = profile[dtype]["whole backward"]
    share = sum(profile[dtype][n] for n in products) / whole
    print(f"{dtype}: the five rows with a product, each timed alone, take {share:.0%} of the whole step's time")
    assert share > 0.5, share

# %% [markdown]
# ## One training epoch
#
# `lb.train` at MNIST size: 784 inputs, 256 hidden units, 10 classes, biases,
# 4,096 examples, batches of 256, momentum 0.9, recording its History (the mean
# loss and accuracy of the batches' forward passes, which it makes anyway).
# Against it, interleaved in one run: a careful hand-written numpy loop doing
# the same steps and recording the same two numbers, and the bound, each step's
# five matrix products into preallocated arrays plus the momentum update.

# %%
e = epoch["median_s"]
lines = ["| contender | one epoch (median) |", "|---|---|"]
lines += [f"| {name} | {seconds * 1e3:.1f} ms |" for name, seconds in e.items()]
lines += ["", "| ratio | measured | target | met |", "|---|---|---|---|"]
for name, value in epoch["ratios"].items():
    limit = epoch["targets"].get(name)
    met = "–" if limit is None else ("yes" if value <= limit else "**no**")
    lines.append(f"| {name} | {value:.2f} | {'–' if limit is None else f'≤ {limit:.2f}'} | {met} |")
display(Markdown("\n".join(lines)))
assert abs(epoch["ratios"]["train / hand loop"] - e["train"] / e["hand loop"]) < 1e-12

# %% [markdown]
# The training loop runs `TwoLayerNet.trace` itself, each row that makes an
# array writing it into a buffer the loop allocated once (`TwoLayerNet.buffers`), and the
# momentum step of every parameter into two more; both loops gather each
# shuffled batch as whole rows of a copy of `x` with the examples as rows (no
# copy when `x` is the transpose of an array of rows, as a data loader gives
# it; the row `train, C-ordered x` pays for that copy within its one epoch).
# The rest of the gap to the bound is the elementwise work of a step (bias,
# ReLU, its mask, the softmax), run on one core.

# %% [markdown]
# ## A deeper network: one training step of `DeepNet`
#
# A network of three layers, 784-256-256-10 with ReLU and no biases, on a batch
# of 256: `net.trace(X, Y, buffers=...)`, the loop of the
# [any depth page](../deep-network.md) writing each node into an array the loop
# allocated once (`DeepNet.buffers`), then `W -= lr * dW` for every layer.
# Against it, interleaved in one run (`benchmarks/bench_deep.py`), the bound:
# its eight matrix products alone, into preallocated arrays (the forward
# product of each layer, each layer's weight gradient, and the gradient passed
# down through the top two). The run makes three trials, each with fresh
# arrays, and the table shows the trial of median ratio, with all three.

# %%
deep = json.loads((results / "deep.json").read_text())
lines = ["| dtype | step | products | ratio | trials | target | met |", "|---|---|---|---|---|---|---|"]
for row in deep["rows"]:
    met = "yes" if row["ratio"] <= deep["target"] else "**no**"
    trials = ", ".join(f"{r:.2f}" for r in row["trials"])
    lines.append(
        f"| {row['dtype']} | {row['litbackprop_s'] * 1e3:.2f} ms | {row['products_s'] * 1e3:.2f} ms "
        f"| {row['ratio']:.2f} | {trials} | ≤ {deep['target']:.1f} | {met} |"
    )
missed = [row["dtype"] for row in deep["rows"] if row["ratio"] > deep["target"]]
lines += ["", f"The target is missed in {' and '.join(missed)}." if missed else "The target is met in both dtypes."]
display(Markdown("\n".join(lines)))
assert all(abs(r["ratio"] - r["litbackprop_s"] / r["products_s"]) < 1e-12 for r in deep["rows"])

# %% [markdown]
# The rest of the gap is the elementwise work of a step (the ReLU and its mask,
# the softmax, the update), run on one core, and the larger set of arrays the
# readable pass touches: each node its own buffer, where the bound reuses a
# few. The three trials show how much a ratio moves on this two-core machine
# from one set of arrays to the next.

# %% [markdown]
# ## A convolution layer: forward and backward against im2col's products and PyTorch
#
# The layer of the [convolution page](../convolution.md) at the digits CNN's
# sizes: a batch of 32 digits of 8 × 8 pixels, 16 filters of 3 × 3, padding 1.
# `conv2d`, `grad_conv_weights`, `grad_conv_input` and `grad_conv_bias`, timed
# two ways: as a training step runs them (inside the network's door, which
# checks the arguments once, as the two-layer step above is timed), and as four
# calls from outside, each checking its own arguments. Against them: the bound,
# the layer's three matrix products alone, the windows already gathered, into
# preallocated arrays; and PyTorch's `conv2d` with its `backward` in CPU eager
# mode, timed in a second process interleaved with the layer as a step runs it
# (`benchmarks/bench_conv.py`, interleaved, three trials). The same run times
# the CNN's training, `train_digits_cnn()`, three times.

# %%
conv = json.loads((results / "conv.json").read_text())
torch_run = conv["torch"]
rows = [("as a step runs it", conv["as_a_step_runs_it"], torch_run),
        ("four checked calls", conv["four_checked_calls"], torch_run.get("four_checked_calls"))]
lines = ["| layer | time | ÷ products | ÷ PyTorch |", "|---|---|---|---|"]
for name, row, vs_torch in rows:
    layer_s = next(iter(row["seconds"].values()))
    torch_text = f"{vs_torch['ratio']:.2f}" if vs_torch else "–"
    lines.append(f"| {name} | {layer_s * 1e6:.0f} µs | {row['ratio']:.2f} | {torch_text} |")
step_row = conv["as_a_step_runs_it"]
met = "yes" if step_row["ratio"] <= conv["target"] else "**no**"
lines += ["", "| target, the layer as a step runs it | measured | trials | met |", "|---|---|---|---|",
          f"| ÷ products ≤ {conv['target']:.1f} | {step_row['ratio']:.2f} "
          f"| {', '.join(f'{r:.2f}' for r in step_row['ratios_of_trials'])} | {met} |"]
if "ratio" in torch_run:
    torch_met = "yes" if torch_run["ratio"] < 1 else "**no**"
    lines.append(f"| ÷ PyTorch {torch_run['version']} < 1 | {torch_run['ratio']:.2f} "
                 f"| {', '.join(f'{r:.2f}' for r in torch_run['ratios_of_trials'])} | {torch_met} |")
else:
    lines.append(f"| ÷ PyTorch < 1 | not measured: {torch_run['skipped']} | – | – |")
lines += ["", f"Training the CNN: {', '.join(f'{t:.2f}' for t in conv['training_seconds'])} s."]
display(Markdown("\n".join(lines)))
assert step_row["ratio"] > 0.9 and conv["four_checked_calls"]["ratio"] >= step_row["ratio"] * 0.9

# %% [markdown]
# The products are small here (a 16 × 9 kernel against 2,048 windows), and a
# ratio above 2 says that what the bound leaves out costs more than the
# products themselves: gathering the windows (once for the forward pass, once
# more for the kernel's gradient), spreading the image's gradient back, one
# strided add per window position, and the bias's sum; the table above says
# whether the latest run met the bound. The checked calls add four doors, each
# checking its arrays for a nan or an inf.

# %% [markdown]
# ## Learning the digits: litbackprop against scikit-learn
#
# Both learners see the same 1,213 training images and are scored on the same
# 449 test images. litbackprop trains a `TwoLayerNet` with 64 hidden units by
# SGD with momentum, and its clock stops after the first epoch at which the test
# accuracy reaches 97 %. This is a time-to-accuracy measurement, as in
# DAWNBench: the test set decides when to stop, but no setting is tuned on it
# (the digits page trains with the same settings for a fixed 30 epochs). scikit-learn
# trains `MLPClassifier(hidden_layer_sizes=(64,))` with its defaults (Adam, up
# to 200 epochs), timed to the end of its fit.

# %%
lines = ["| learner | time to train (median of 5) | epochs | test accuracy |", "|---|---|---|---|"]
for name, s in train["summary"].items():
    lines.append(f"| {name} | {s['median_seconds']:.2f} s | {s['epochs']} | {s['test_accuracy']:.2%} |")
display(Markdown("\n".join(lines)))
assert train["summary"]["litbackprop"]["test_accuracy"] >= train["target_accuracy"]
