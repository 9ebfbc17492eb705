"""MkDocs hook: the plots of the learning and vanishing gradients pages, drawn at build time from the library's
own numbers.

The page's table and this plot come from the same computation: twenty steps of
gradient descent on the first 200 training digits for three learning rates. The
block on the page asserts the table's digits; the plot is drawn from a fresh run
at every build, so it cannot show anything the code does not compute.
"""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")  # no display at build time
import matplotlib.pyplot as plt  # noqa: E402
from mkdocs.structure.files import File  # noqa: E402

import litbackprop as lb  # noqa: E402
from litbackprop.app.digits import load_digits_split  # noqa: E402

LEARNING_RATES = (0.1, 1.0, 10.0)
STEPS = 20


def descent_losses(lr: float, steps: int = STEPS) -> list[float]:
    """The loss before and after each of `steps` gradient steps on the first 200 training digits, as on the page."""
    split = load_digits_split(seed=0)
    net = lb.TwoLayerNet.initialize(64, 32, 10, seed=0)
    return lb.gradient_descent(net, split.x_train[:, :200], split.labels_train[:200], lr=lr, steps=steps)


def learning_rate_plot() -> bytes:
    # Drawn for a phone's column, 3.6 inches (345 px) wide with 10-point text, and shown at that size or a little
    # larger (stylesheets/extra.css): the text is 13 px or more at every width.
    plt.rcParams.update({"font.size": 10})
    fig, ax = plt.subplots(figsize=(3.6, 3.0), facecolor="white")  # white, like the notebook plots, in both palettes
    for lr in LEARNING_RATES:
        ax.plot(range(STEPS + 1), descent_losses(lr), marker="o", markersize=3, label=f"η = {lr:g}")
    ax.set(xlabel="step", ylabel="loss (200 digits)", title="Twenty steps of gradient descent", yscale="log")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    svg = io.BytesIO()
    fig.savefig(svg, format="svg")
    plt.close(fig)
    return svg.getvalue()


ACTIVATIONS = ("sigmoid", "tanh", "relu")
INITS = ("naive", "xavier", "he")


def gradient_size_plot(depth: int = 50) -> bytes:
    """The size of each layer's weight gradient in networks of `depth` layers, one panel per activation, one line per
    initialisation: the page's table computes the same passes (`deep_pass`), at three of the layers."""
    import numpy as np

    from litbackprop.course.examples import deep_pass

    plt.rcParams.update({"font.size": 10})
    fig, axes = plt.subplots(3, 1, figsize=(3.6, 7.6), sharex=True, facecolor="white")
    for ax, activation in zip(axes, ACTIVATIONS, strict=True):
        for init, marker in zip(INITS, ("v", "o", "^"), strict=True):
            _, t = deep_pass(depth, activation, init)
            sizes = [np.linalg.norm(t.dW[layer]) for layer in range(1, depth + 1)]
            ax.plot(range(1, depth + 1), sizes, marker=marker, markersize=2.5, label=init)
        ax.set(yscale="log", ylabel="size of dW", title=f"{activation}, {depth} layers")
        ax.grid(alpha=0.3)
    axes[0].legend(loc="lower right")
    axes[-1].set_xlabel("layer l (1 is next to the input)")
    fig.tight_layout()
    svg = io.BytesIO()
    fig.savefig(svg, format="svg")
    plt.close(fig)
    return svg.getvalue()


def on_files(files, config):
    files.append(File.generated(config, "plots/learning-rates.svg", content=learning_rate_plot()))
    files.append(File.generated(config, "plots/gradient-sizes.svg", content=gradient_size_plot()))
    return files
