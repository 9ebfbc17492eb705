r"""The 2-D convolution layer and max-pooling, and the rules that take a gradient back through them.

An image batch stacks examples along its last axis, as a batch of columns does: shape ``(C, H, W, N)``, C channels
of H × W pixels. A layer of F filters has weights of shape ``(F, C, k_h, k_w)`` and a bias of shape ``(F,)``. With
stride $s$ and $p$ pixels of zero padding on every side, output pixel $(i, j)$ of filter $f$ is

$$z_{f,i,j} = \sum_{c,m,n} W_{f,c,m,n}\, x_{c,\, s i + m,\, s j + n} + b_f$$

(the input indexed after padding; indices from 0, as numpy counts them). Deep-learning libraries call this a
convolution; it is a cross-correlation, the kernel not flipped. The forward pass gathers every window of the input
as a column (``im2col``, here a strided view copied once), so that the whole layer is one matrix product; its
backward pass is two more: $\partial L/\partial W$ correlates the input with the upstream gradient, and
$\partial L/\partial x$ spreads each output's gradient back over the window it read, a full correlation with the
flipped kernel (a true convolution with the kernel) when the stride is one.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import as_strided

from litbackprop._checks import Array, BiasOf, Constraint, Integer, Optional, checked


def output_size(n: int, k: int, stride: int = 1, padding: int = 0) -> int:
    r"""The number of positions of a window of `k` along `n` pixels, $\lfloor (n + 2p - k)/s \rfloor + 1$.

    Parameters
    ----------
    n : int
        Pixels along the axis.
    k : int
        The window's size along it.
    stride : int, default 1
        The step between windows, $s$.
    padding : int, default 0
        Zeros added at each end, $p$.

    Examples
    --------
    >>> output_size(8, 3, padding=1), output_size(8, 2, stride=2)
    (8, 4)
    """
    return (n + 2 * padding - k) // stride + 1


def _windows(x: np.ndarray, kh: int, kw: int, stride: int, padding: int) -> np.ndarray:
    """Every window of the padded batch, as a view of shape (C, H', W', N, k_h, k_w): no copy of the windows."""
    if padding:  # zeros around the images: one allocation and one copy (np.pad takes six times as long here)
        padded = np.zeros((x.shape[0], x.shape[1] + 2 * padding, x.shape[2] + 2 * padding, x.shape[3]), x.dtype)
        padded[:, padding:-padding, padding:-padding] = x
        x = padded
    C, H, W, N = x.shape
    c, h, w, n = x.strides
    shape = (C, (H - kh) // stride + 1, (W - kw) // stride + 1, N, kh, kw)
    return as_strided(x, shape, (c, stride * h, stride * w, n, h, w), writeable=False)


def _columns(x: np.ndarray, kh: int, kw: int, stride: int, padding: int, ones: bool = False) -> np.ndarray:
    """im2col: one row per weight of a filter (c, m, n), one column per output pixel and example (i, j, N);
    with `ones`, a last row of ones, which a bias multiplies."""
    windows = _windows(x, kh, kw, stride, padding)
    C, Ho, Wo, N = windows.shape[:4]
    columns = np.empty((C * kh * kw + ones, Ho * Wo * N), dtype=x.dtype)
    columns[: C * kh * kw].reshape(C, kh, kw, Ho, Wo, N)[...] = windows.transpose(0, 4, 5, 1, 2, 3)
    if ones:
        columns[-1] = 1
    return columns


class _Images(Array):
    """An image batch, (C, H, W, N)."""

    def __init__(self) -> None:
        super().__init__(ndims=(4,))

    def __str__(self) -> str:
        return "a finite floating array of images: shape (channels, height, width, examples)"


class _Filters(Array):
    """Filters for argument `x`: (F, C, k_h, k_w), with x's channels and windows that fit its padded pixels."""

    def __init__(self) -> None:
        super().__init__(ndims=(4,))

    def __str__(self) -> str:
        return "a finite floating array of filters: shape (filters, channels of x, kernel height, kernel width)"

    def check(self, name, value, arguments):
        W, x = super().check(name, value, arguments), arguments["x"]
        if W.shape[1] != x.shape[0]:
            raise ValueError(f"{name} must have {x.shape[0]} channels (axis 1), as x has; got shape {W.shape}")
        return W

    def refused(self, name, arguments):
        yield from super().refused(name, arguments)
        W = arguments[name]
        yield np.ones((W.shape[0], W.shape[1] + 1, *W.shape[2:]))


class _Fits(Constraint):
    """The padding, such that the filters of `W` fit inside the padded images of `x`."""

    def __str__(self) -> str:
        return "a non-negative integer with which the kernel fits inside the padded images"

    def check(self, name, value, arguments):
        padding = Integer(0).check(name, value)
        x, W = arguments["x"], arguments["W"]
        if x.shape[1] + 2 * padding < W.shape[2] or x.shape[2] + 2 * padding < W.shape[3]:
            self.fail(name, value, f"{padding}, with images of {x.shape[1]} × {x.shape[2]} pixels and a "
                      f"kernel of {W.shape[2]} × {W.shape[3]}")  # fmt: skip
        return padding

    def refused(self, name, arguments):
        yield from (-1, 1.5, True)


@checked(x=_Images(), W=_Filters(), b=Optional(BiasOf(W="W", ndims=(1,))), stride=Integer(1), padding=_Fits())
def conv2d(x, W, b=None, stride: int = 1, padding: int = 0) -> np.ndarray:
    r"""The convolution layer, $z_{f,i,j} = \sum_{c,m,n} W_{f,c,m,n}\, x_{c,\, s i + m,\, s j + n} + b_f$.

    Parameters
    ----------
    x : array_like, shape (C, H, W, N)
        A batch of N images of C channels.
    W : array_like, shape (F, C, k_h, k_w)
        F filters.
    b : array_like, shape (F,), optional
        A bias per filter, added at every pixel.
    stride : int, default 1
        The step $s$ between windows.
    padding : int, default 0
        Zeros added on every side, $p$.

    Returns
    -------
    numpy.ndarray
        $z$, shape (F, H', W', N), with H' = `output_size` (H, k_h, stride, padding) and W' likewise.

    Examples
    --------
    >>> x = np.arange(9.0).reshape(1, 3, 3, 1)  # one 3 × 3 image: 0 … 8, row by row
    >>> conv2d(x, np.ones((1, 1, 2, 2)))[0, :, :, 0]  # the sums of its four 2 × 2 windows
    array([[ 8., 12.],
           [20., 24.]])
    """
    F, C, kh, kw = W.shape
    Ho, Wo = output_size(x.shape[1], kh, stride, padding), output_size(x.shape[2], kw, stride, padding)
    if b is None:
        z = W.reshape(F, -1) @ _columns(x, kh, kw, stride, padding)
    else:  # b as one more weight of each filter, on a row of ones: the product adds it, with no pass of its own
        z = np.concatenate([W.reshape(F, -1), b[:, None]], axis=1) @ _columns(x, kh, kw, stride, padding, ones=True)
    return z.reshape(F, Ho, Wo, x.shape[3])


class _GradientOf(Array):
    """The upstream gradient of a forward pass: (…, N), of the shape `shape` computes from the other arguments."""

    def __init__(self, what: str, shape) -> None:
        super().__init__(ndims=(4,))
        self.what, self.shape = what, shape

    def __str__(self) -> str:
        return f"a finite floating array of {self.what}"

    def check(self, name, value, arguments):
        dz, expected = super().check(name, value, arguments), self.shape(arguments)
        if dz.shape != expected:
            raise ValueError(f"{name} must have {self.what} {expected}; got shape {dz.shape}")
        return dz

    def refused(self, name, arguments):
        yield from super().refused(name, arguments)
        yield np.ones((arguments[name].shape[0] + 1, *arguments[name].shape[1:]))


def _output_shape(arguments) -> tuple[int, ...]:
    """The shape of the layer's output that arguments `x`, `W`, `stride` and `padding` give: (F, H', W', N)."""
    x, W, s, p = arguments["x"], arguments["W"], arguments["stride"], arguments["padding"]
    return W.shape[0], output_size(x.shape[1], W.shape[2], s, p), output_size(x.shape[2], W.shape[3], s, p), x.shape[3]


_LAYER = {
    "x": _Images(),
    "W": _Filters(),
    "stride": Integer(1),
    "padding": _Fits(),
    "dz": _GradientOf("the output's shape", _output_shape),
}


@checked(**_LAYER)
def grad_conv_weights(dz, x, W, stride: int = 1, padding: int = 0) -> np.ndarray:
    r"""Backward to the filters, $\frac{\partial L}{\partial W_{f,c,m,n}} = \sum_{i,j}
    \frac{\partial L}{\partial z_{f,i,j}}\, x_{c,\, s i + m,\, s j + n}$, summed over the batch too: the input
    correlated with the upstream gradient.

    Parameters
    ----------
    dz : array_like, shape (F, H', W', N)
        Upstream gradient $\partial L / \partial z$.
    x : array_like, shape (C, H, W, N)
        The layer's input.
    W : array_like, shape (F, C, k_h, k_w)
        The filters (their shape is the gradient's).
    stride : int, default 1
        As in the forward pass.
    padding : int, default 0
        As in the forward pass.

    Examples
    --------
    >>> x = np.arange(9.0).reshape(1, 3, 3, 1)
    >>> grad_conv_weights(np.ones((1, 2, 2, 1)), x, np.ones((1, 1, 2, 2)))[0, 0]  # each weight saw four pixels
    array([[ 8., 12.],
           [20., 24.]])
    """
    F, C, kh, kw = W.shape
    return (dz.reshape(F, -1) @ _columns(x, kh, kw, stride, padding).T).reshape(W.shape)


@checked(**_LAYER)
def grad_conv_input(dz, x, W, stride: int = 1, padding: int = 0) -> np.ndarray:
    r"""Backward to the input, $\frac{\partial L}{\partial x_{c,u,v}} = \sum_{f,i,j}
    \frac{\partial L}{\partial z_{f,i,j}}\, W_{f,c,\,u - s i,\,v - s j}$ (the terms whose window held the pixel):
    each output's gradient spread back over the window it read.

    Parameters
    ----------
    dz : array_like, shape (F, H', W', N)
        Upstream gradient $\partial L / \partial z$.
    x : array_like, shape (C, H, W, N)
        The layer's input (its shape is the gradient's).
    W : array_like, shape (F, C, k_h, k_w)
        The filters.
    stride : int, default 1
        As in the forward pass.
    padding : int, default 0
        As in the forward pass.

    Examples
    --------
    >>> dx = grad_conv_input(np.ones((1, 2, 2, 1)), np.zeros((1, 3, 3, 1)), np.ones((1, 1, 2, 2)))
    >>> dx[0, :, :, 0]  # the number of windows that held each pixel
    array([[1., 2., 1.],
           [2., 4., 2.],
           [1., 2., 1.]])
    """
    F, C, kh, kw = W.shape
    _, Ho, Wo, N = dz.shape
    spread = (W.reshape(F, -1).T @ dz.reshape(F, -1)).reshape(C, kh, kw, Ho, Wo, N)
    padded = np.zeros((C, x.shape[1] + 2 * padding, x.shape[2] + 2 * padding, N), dtype=spread.dtype)
    for m, n in np.ndindex(kh, kw):  # each weight's position adds its share to the pixels it met: strided slices
        padded[:, m : m + stride * Ho : stride, n : n + stride * Wo : stride] += spread[:, m, n]
    return padded[:, padding : padded.shape[1] - padding, padding : padded.shape[2] - padding]


@checked(dz=Array(ndims=(4,)))
def grad_conv_bias(dz) -> np.ndarray:
    r"""Backward to the biases, $\frac{\partial L}{\partial b_f} = \sum_{i,j} \frac{\partial L}{\partial z_{f,i,j}}$,
    summed over the batch too: a filter's bias is added at every pixel.

    Parameters
    ----------
    dz : array_like, shape (F, H', W', N)
        Upstream gradient $\partial L / \partial z$.

    Examples
    --------
    >>> grad_conv_bias(np.ones((2, 3, 3, 4)))
    array([36., 36.])
    """
    return dz.reshape(dz.shape[0], -1).sum(axis=1)


class _Pool(Constraint):
    """A window size that fits the images of argument `x` (or `a`)."""

    def __init__(self, images: str) -> None:
        self.images = images

    def __str__(self) -> str:
        return "a positive integer no larger than the images"

    def check(self, name, value, arguments):
        size = Integer(1).check(name, value)
        x = arguments[self.images]
        if size > min(x.shape[1], x.shape[2]):
            self.fail(name, value, f"{size}, with images of {x.shape[1]} × {x.shape[2]} pixels")
        return size

    def refused(self, name, arguments):
        yield from (0, 1.5, True, 10**6)


@checked(a=_Images(), size=_Pool("a"))
def max_pool(a, size: int = 2) -> np.ndarray:
    r"""Max-pooling over non-overlapping windows, $z_{c,i,j} = \max_{m,n < k} a_{c,\, k i + m,\, k j + n}$.

    Pixels past the last whole window are dropped, as in PyTorch's default.

    Parameters
    ----------
    a : array_like, shape (C, H, W, N)
        The activations to pool.
    size : int, default 2
        The window's side $k$, also its stride.

    Examples
    --------
    >>> a = np.array([[1.0, 2.0, 0.0, 1.0], [4.0, 3.0, 1.0, 0.0]]).reshape(1, 2, 4, 1)
    >>> max_pool(a)[0, :, :, 0]
    array([[4., 1.]])
    """
    return _windows(a, size, size, size, 0).max(axis=(4, 5))


def _pooled_shape(arguments) -> tuple[int, ...]:
    """The shape of the pooled maps of argument `a` with windows of `size`: (C, H // size, W // size, N)."""
    a, size = arguments["a"], arguments["size"]
    return a.shape[0], a.shape[1] // size, a.shape[2] // size, a.shape[3]


@checked(a=_Images(), size=_Pool("a"), dz=_GradientOf("the pooled shape", _pooled_shape))
def grad_max_pool(dz, a, size: int = 2) -> np.ndarray:
    r"""Backward through max-pooling: each window's gradient goes to its largest input (the first, on a tie),
    $\frac{\partial L}{\partial a_{c,u,v}} = \frac{\partial L}{\partial z_{c,i,j}}$ where $a_{c,u,v}$ was the
    window's maximum, and 0 elsewhere.

    Parameters
    ----------
    dz : array_like, shape (C, H // size, W // size, N)
        Upstream gradient $\partial L / \partial z$.
    a : array_like, shape (C, H, W, N)
        The forward pass's input.
    size : int, default 2
        As in the forward pass.

    Examples
    --------
    >>> a = np.array([[1.0, 2.0, 0.0, 1.0], [4.0, 3.0, 1.0, 0.0]]).reshape(1, 2, 4, 1)
    >>> grad_max_pool(np.array([10.0, 20.0]).reshape(1, 1, 2, 1), a)[0, :, :, 0]
    array([[ 0.,  0.,  0., 20.],
           [10.,  0.,  0.,  0.]])
    """
    windows = _windows(a, size, size, size, 0)
    C, Ho, Wo, N = windows.shape[:4]
    winner = windows.reshape(C, Ho, Wo, N, size * size).argmax(axis=4)  # the first maximum of each window
    routed = np.zeros((C, Ho, Wo, N, size * size), dtype=np.result_type(dz, a))
    np.put_along_axis(routed, winner[..., None], dz[..., None], axis=4)
    da = np.zeros(a.shape, dtype=routed.dtype)
    da[:, : Ho * size, : Wo * size] = (
        routed.reshape(C, Ho, Wo, N, size, size).transpose(0, 1, 4, 2, 5, 3).reshape(C, Ho * size, Wo * size, N)
    )
    return da
