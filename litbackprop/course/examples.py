"""The notes' worked example of the two-layer network, to check a derivation of your own against; the deep
networks the vanishing gradients page measures.

The [two-layer page](../two-layer-network.md) derives every row of the forward
and backward tables on it; the pages on gradient checking and biases reuse it.
"""

from __future__ import annotations

import numpy as np

from litbackprop.deep_network import DeepNet


def worked_example() -> dict[str, np.ndarray]:
    r"""The input $x$, weights $W^{(1)}$, $W^{(2)}$ and one-hot target $y$ of the notes' worked example.

    Three inputs, four hidden units, three classes; the example belongs to
    class 1. Fresh arrays at each call, so changing them changes nothing else.

    Examples
    --------
    >>> from litbackprop import TwoLayerNet, worked_example
    >>> example = worked_example()
    >>> net = TwoLayerNet(example["W1"], example["W2"])
    >>> round(float(net.loss(example["x"], example["y"])), 4)
    0.9555
    """
    return {
        "x": np.array([1.0, 2.0, -1.0]),
        "W1": np.array([[0.5, -0.1, 0.2], [-0.3, 0.4, 0.2], [0.2, 0.1, -0.6], [-0.4, -0.1, 0.3]]),
        "W2": np.array([[0.3, -0.5, 0.8, 0.1], [-0.2, 0.6, 0.4, -0.7], [0.5, 0.2, -0.3, 0.4]]),
        "y": np.array([0.0, 1.0, 0.0]),
    }


# --8<-- [start:deep-pass]
def deep_pass(depth: int, activation: str, init: str, width: int = 64, seed: int = 0):
    """A network of `depth` layers of `width` units (10 classes), its weights drawn by `init`, and its trace on a
    batch of 32 random inputs with random labels: what the vanishing gradients page measures, and plots.

    Parameters
    ----------
    depth : int
        The number of layers.
    activation : {"relu", "sigmoid", "tanh"}
        The hidden layers' activation.
    init : {"naive", "xavier", "he"}
        The scale of the random weights.
    width : int, default 64
        The inputs, and the units of every hidden layer.
    seed : int, default 0
        Seeds the inputs, the labels and the weights.
    """
    rng = np.random.default_rng([seed, 1])  # a stream of its own: the weights are drawn from `seed` itself
    x = rng.normal(size=(width, 32))  # 32 columns of standard normal inputs
    labels = rng.integers(0, 10, size=32)
    net = DeepNet.initialize([width] * depth + [10], activation=activation, init=init, seed=seed)
    return net, net.trace(x, labels)


# --8<-- [end:deep-pass]
