r"""A small convolutional network: conv → ReLU → max-pool → FC → softmax → cross-entropy.

$$x \to W^{(1)} * x + b^{(1)} = z^{(1)} \to a^{(1)} = \max(0, z^{(1)}) \to p^{(1)} = \text{pool}(a^{(1)})
\to z^{(2)} = W^{(2)} \operatorname{vec}(p^{(1)}) + b^{(2)} \to \hat y \to L$$

Images are a batch of shape ``(C, H, W, N)``; the filters $W^{(1)}$ are ``(F, C, k, k)``, applied with a padding
of $(k - 1)/2$ so that the image keeps its size, then pooled over 2 × 2 windows; the pooled maps, read as one
column per example, ``(F (H/2) (W/2), N)``, feed the fully connected layer of the two-layer network. Each node is
one call of the library, in the order of the forward pass, and the backward pass takes them in reverse.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from litbackprop._checks import Array, Constraint, Integer, Seed, check_finite, check_labels, checked
from litbackprop.activations import grad_relu, relu, softmax
from litbackprop.convolution import conv2d, grad_conv_bias, grad_conv_input, grad_conv_weights, grad_max_pool, max_pool
from litbackprop.fully_connected import grad_bias, grad_input, grad_weights, linear
from litbackprop.loss import cross_entropy_from_logits, grad_logits, one_hot

POOL = 2
"""The side of the max-pool's windows, and their stride."""


@dataclass(slots=True)
class ConvTrace:
    r"""Every node of one forward and backward pass, named as the module's chain names them.

    Forward: ``x``, ``z1`` (the convolution), ``a1``, ``p1`` (pooled), ``f`` (``p1`` as columns), ``z2``,
    ``y_hat``, ``y``, ``L``. Backward: ``dz2``, ``dW2``, ``db2``, ``df``, ``dp1``, ``da1``, ``dz1``, ``dW1``,
    ``db1``; and ``dx``, the gradient of the input (a saliency map).
    """

    x: np.ndarray
    z1: np.ndarray
    a1: np.ndarray
    p1: np.ndarray
    f: np.ndarray
    z2: np.ndarray
    y_hat: np.ndarray
    y: np.ndarray
    L: np.floating
    dz2: np.ndarray
    dW2: np.ndarray
    db2: np.ndarray
    df: np.ndarray
    dp1: np.ndarray
    da1: np.ndarray
    dz1: np.ndarray
    dW1: np.ndarray
    db1: np.ndarray
    dx: np.ndarray

    @property
    def gradients(self) -> dict[str, np.ndarray]:
        """``{"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}``."""
        return {"W1": self.dW1, "b1": self.db1, "W2": self.dW2, "b2": self.db2}


class _Parameters(Constraint):
    """The four parameters of a `ConvNet`, finite and fitting one another (declared at W1, checked together)."""

    def __str__(self) -> str:
        return "W1 (F, C, k, k) with k odd, b1 (F,), W2 (classes, F h w), b2 (classes,)"

    def check(self, name, value, arguments):
        W1 = Array(ndims=(4,)).check("W1", arguments["W1"], arguments)
        b1, W2, b2 = (Array(ndims=n).check(k, arguments[k], arguments) for k, n in (("b1", (1,)), ("W2", (2,)),
                                                                                    ("b2", (1,))))  # fmt: skip
        F, _, k, k_w = W1.shape
        if k != k_w or k % 2 == 0:
            raise ValueError(f"W1 must hold square filters of odd size, (F, C, k, k); got shape {W1.shape}")
        if b1.shape != (F,) or b2.shape != W2.shape[:1] or W2.shape[0] < 2 or W2.shape[1] % F:
            raise ValueError(
                f"the parameters must fit: b1 ({F},), W2 (classes >= 2, a multiple of {F} columns), b2 (classes,); "
                f"got b1 {b1.shape}, W2 {W2.shape}, b2 {b2.shape}"
            )
        for parameter, array in (("W1", W1), ("b1", b1), ("W2", W2), ("b2", b2)):
            arguments[parameter] = check_finite(parameter, array)
        return W1

    def refused(self, name, arguments):
        W1 = arguments[name]
        yield from (np.ones((2, 1, 2, 2)), np.ones((1, 3, 3)), np.full(W1.shape, np.nan))


class _ConvInputs(Array):
    """Images for the network: (C, H, W, N), with the channels of W1 and (H/2)(W/2) F columns for W2."""

    def __init__(self) -> None:
        super().__init__(ndims=(4,))

    def __str__(self) -> str:
        return "images (channels, height, width, examples) that the network's layers fit"

    def check(self, name, value, arguments):
        x, net = super().check(name, value, arguments), arguments["self"]
        F, C = net.W1.shape[:2]
        columns = F * (x.shape[1] // POOL) * (x.shape[2] // POOL)
        if x.shape[0] != C or columns != net.W2.shape[1]:
            raise ValueError(
                f"{name} must have {C} channels and a size whose pooled maps give W2's {net.W2.shape[1]} columns; "
                f"got shape {x.shape}"
            )
        return x

    def refused(self, name, arguments):
        yield from super().refused(name, arguments)
        x = arguments[name]
        yield np.ones((x.shape[0] + 1, *x.shape[1:]))


class _ConvTargets(Constraint):
    """Integer labels, one per example of `x`."""

    def __str__(self) -> str:
        return "integer class labels, one per example of x"

    def check(self, name, value, arguments):
        k, x = arguments["self"].W2.shape[0], arguments["x"]
        return one_hot(check_labels(name, value, k, x.shape[3:]), k).astype(x.dtype)

    def refused(self, name, arguments):
        x = arguments["x"]
        yield from (np.full(x.shape[3:], arguments["self"].W2.shape[0]), np.zeros((1, 1), int), "text")


_NET = {"x": _ConvInputs(), "labels": _ConvTargets()}


class ConvNet:
    r"""conv → ReLU → 2 × 2 max-pool → FC → softmax → cross-entropy, for images ``(C, H, W, N)``.

    Parameters
    ----------
    W1 : array_like, shape (F, C, k, k)
        The filters, of an odd size k.
    b1 : array_like, shape (F,)
        A bias per filter.
    W2 : array_like, shape (classes, F (H/2) (W/2))
        The fully connected layer, reading the pooled maps as one column per example.
    b2 : array_like, shape (classes,)
        Its biases.

    Examples
    --------
    >>> net = ConvNet.initialize(channels=1, filters=2, classes=3, image=4, seed=0)
    >>> x = np.ones((1, 4, 4, 5))
    >>> net.forward(x).shape, net.backward(x, [0, 1, 2, 0, 1])["W1"].shape
    ((3, 5), (2, 1, 3, 3))
    """

    @checked(W1=_Parameters())
    def __init__(self, W1, b1, W2, b2) -> None:
        self.W1, self.b1, self.W2, self.b2 = W1, b1, W2, b2

    @classmethod
    @checked(channels=Integer(1), filters=Integer(1), classes=Integer(2), image=Integer(2), kernel=Integer(1),
             seed=Seed())  # fmt: skip
    def initialize(
        cls, channels: int, filters: int, classes: int, image: int, kernel: int = 3, seed: int = 0
    ) -> ConvNet:
        r"""He's weights, $\mathcal{N}(0, 2/\text{fan-in})$, for the filters and the fully connected layer; zero biases.

        Parameters
        ----------
        channels : int
            C, the images' channels.
        filters : int
            F, the number of filters.
        classes : int
            The number of classes (at least 2).
        image : int
            The side of the (square) images.
        kernel : int, default 3
            The filters' side, odd.
        seed : int, default 0
            Seeds numpy's generator.

        Examples
        --------
        >>> ConvNet.initialize(1, 16, 10, 8).W2.shape
        (10, 256)
        """
        rng = np.random.default_rng(seed)
        fan_in, columns = channels * kernel * kernel, filters * (image // POOL) ** 2
        W1 = rng.normal(0.0, np.sqrt(2 / fan_in), size=(filters, channels, kernel, kernel))
        W2 = rng.normal(0.0, np.sqrt(2 / columns), size=(classes, columns))
        return cls(W1, np.zeros(filters), W2, np.zeros(classes))

    @property
    def parameters(self) -> dict[str, np.ndarray]:
        """The network's own arrays, by name: W1, b1, W2, b2 (an update in place changes the network)."""
        return {"W1": self.W1, "b1": self.b1, "W2": self.W2, "b2": self.b2}

    @property
    def padding(self) -> int:
        """$(k - 1)/2$: the convolution keeps the image's size."""
        return (self.W1.shape[2] - 1) // 2

    @checked(x=_ConvInputs())
    def forward(self, x) -> np.ndarray:
        r"""The predicted probabilities $\hat y$, one column per image.

        Parameters
        ----------
        x : array_like, shape (C, H, W, N)
            The images.

        Examples
        --------
        >>> ConvNet.initialize(1, 2, 3, 4).forward(np.zeros((1, 4, 4, 1))).ravel()
        array([0.33333333, 0.33333333, 0.33333333])
        """
        p1 = max_pool(relu(conv2d(x, self.W1, self.b1, padding=self.padding)), POOL)
        return softmax(linear(self.W2, p1.reshape(-1, p1.shape[3]), self.b2))

    @checked(**_NET)
    def trace(self, x, labels) -> ConvTrace:
        r"""Every node of the forward and the backward pass, each one library call, in the chain's order.

        Parameters
        ----------
        x : array_like, shape (C, H, W, N)
            The images.
        labels : array_like of int, shape (N,)
            Their classes.

        Examples
        --------
        >>> t = ConvNet.initialize(1, 2, 3, 4).trace(np.ones((1, 4, 4, 2)), [0, 2])
        >>> t.p1.shape, t.f.shape, t.dx.shape
        ((2, 2, 2, 2), (8, 2), (1, 4, 4, 2))
        """
        y = labels  # one-hot columns, as the door made them
        z1 = conv2d(x, self.W1, self.b1, padding=self.padding)
        a1 = relu(z1)
        p1 = max_pool(a1, POOL)
        f = p1.reshape(-1, p1.shape[3])  # the pooled maps, one column per image
        z2 = linear(self.W2, f, self.b2)
        y_hat = softmax(z2)
        L = cross_entropy_from_logits(y, z2)
        dz2 = grad_logits(y_hat, y)
        dW2, db2 = grad_weights(dz2, f), grad_bias(dz2)
        df = grad_input(self.W2, dz2)
        dp1 = df.reshape(p1.shape)
        da1 = grad_max_pool(dp1, a1, POOL)
        dz1 = grad_relu(da1, z1)
        dW1 = grad_conv_weights(dz1, x, self.W1, padding=self.padding)
        db1 = grad_conv_bias(dz1)
        dx = grad_conv_input(dz1, x, self.W1, padding=self.padding)
        return ConvTrace(x, z1, a1, p1, f, z2, y_hat, y, L, dz2, dW2, db2, df, dp1, da1, dz1, dW1, db1, dx)

    def backward(self, x, labels) -> dict[str, np.ndarray]:
        """The gradients of the loss, by parameter name: ``trace(x, labels).gradients``.

        Parameters
        ----------
        x : array_like, shape (C, H, W, N)
            The images.
        labels : array_like of int, shape (N,)
            Their classes.

        Examples
        --------
        >>> sorted(ConvNet.initialize(1, 2, 3, 4).backward(np.ones((1, 4, 4, 2)), [0, 2]))
        ['W1', 'W2', 'b1', 'b2']
        """
        return self.trace(x, labels).gradients

    def loss(self, x, labels) -> float:
        """The mean cross-entropy of the images against their labels.

        Parameters
        ----------
        x : array_like, shape (C, H, W, N)
            The images.
        labels : array_like of int, shape (N,)
            Their classes.

        Examples
        --------
        >>> round(ConvNet.initialize(1, 2, 3, 4).loss(np.zeros((1, 4, 4, 1)), [0]), 4)  # log 3: a uniform guess
        1.0986
        """
        return float(self.trace(x, labels).L)
