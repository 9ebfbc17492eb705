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
# # A CNN learns the digits
#
# A convolutional neural network (CNN) built from the layers of the
# [convolution page](../convolution.md), trained on the handwritten digits of
# [Learning](../learning.md) and [The digits](digits.py), on the same split.
# Each digit is one channel of 8 × 8 pixels. 16 filters of 3 × 3 with a padding
# of one pixel, which keeps each map 8 × 8, make 16 maps (filters, channels and
# maps are the convolution page's last section); a ReLU and a 2 × 2 max-pool
# leave 16 maps of 4 × 4, read as one column of 256 numbers per digit by one
# fully connected layer to the ten classes. `ConvNet.trace` is that chain, one
# library call per node, and the training loop takes a momentum step with each
# of its gradients, in batches of 32, for 30 epochs at a learning rate of 0.05
# (the two-layer network of The digits trains at 0.1). This page is executed
# when the site is built; the last lines of a cell check the numbers its text
# states.

# %%
import matplotlib.pyplot as plt
import numpy as np

from litbackprop.app.digits import as_images, train_digits, train_digits_cnn
from litbackprop.course.testing import assert_rounds_to

net, losses, split = train_digits_cnn(
    filters=16, epochs=30, lr=0.05, momentum=0.9
)
x_test = as_images(split.x_test)  # (1, 8, 8, N)
labels_test = split.labels_test
wrong = net.forward(x_test).argmax(axis=0) != labels_test
errors = int(np.count_nonzero(wrong))

two_layer = train_digits(progress=False)
mlp_net = two_layer.net
mlp_wrong = mlp_net.forward(split.x_test).argmax(axis=0) != labels_test
mlp_errors = int(np.count_nonzero(mlp_wrong))

n = labels_test.size
print(f"training loss: {losses[0]:.3f} → {losses[-1]:.4f}")
accuracy = [1 - errors / n, 1 - mlp_errors / n]
print(f"CNN: {errors} errors in {n}, {accuracy[0]:.2%}")
print(f"two-layer: {mlp_errors} errors, {accuracy[1]:.2%}")

# checks of the text's numbers
from litbackprop.convolutional_network import POOL
from litbackprop.training import BATCH_SIZE, LR

assert np.array_equal(two_layer.split.x_test, split.x_test)
assert_rounds_to([errors, mlp_errors, n], ["5", "10", "449"], name="errors")
assert_rounds_to(np.multiply(accuracy, 100), ["98.89", "97.77"], name="%")
assert net.W1.shape == (16, 1, 3, 3) and len(losses) == 30 and POOL == 2
t = net.trace(x_test[..., :2], labels_test[:2])
assert t.z1.shape[1:3] == (8, 8) and t.p1.shape[:3] == (16, 4, 4)
assert t.f.shape[0] == 256 and BATCH_SIZE == 32 and LR == 0.1

# %% [markdown]
# On the 449 test digits the CNN makes 5 mistakes, the two-layer network 10
# (98.89 % right against 97.77 %): a small gap on a small test set, one seed's
# result. The CNN's first layer has
# 28.4 times fewer weights: 16 filters of 9 weights, shared by every window,
# against one weight per pixel for each of 64 hidden units. Its last layer has
# more, reading 256 numbers where the two-layer network reads 64; over both
# layers the CNN has 2704 weights, the two-layer network 4736.

# %%
first = [net.W1.size, mlp_net.W1.size]
both = [
    net.W1.size + net.W2.size,
    mlp_net.W1.size + mlp_net.W2.size,
]
print(f"first layer: {first[0]} against {first[1]}")
print(f"{first[1] / first[0]:.1f} times fewer weights")
print(f"both layers: {both[0]} against {both[1]}")

# checks of the text's numbers
assert_rounds_to(first, ["144", "4096"], name="first layers")
assert_rounds_to(first[1] / first[0], "28.4", name="times fewer")
assert_rounds_to(both, ["2704", "4736"], name="both layers")
assert net.W2.shape[1] == 256 and mlp_net.W2.shape[1] == 64
assert net.W1[0].size == 9 and mlp_net.W1.shape[0] == 64
assert net.W1.shape[0] == 16, "16 filters"

# %% [markdown]
# ## The chain, node by node
#
# One trace of two test digits: every node of the forward pass and of the
# backward pass, with its shape: the digits on the last axis of every node
# but the four parameter gradients, which sum over them. `ConvNet.trace`
# makes each with one library call, but for two reshapes. Flattening is the
# first: `f` holds the numbers of `p1` in row-major order (filter, then row,
# then column, for each digit). A reshape moves numbers and changes none, so the backward pass
# reshapes `df` back into the maps' shape to get `dp1`. Each remaining node
# after the input `x` is a row of the
# [two-layer network](../two-layer-network.md) or of the
# [convolution page](../convolution.md).

# %%
two = x_test[..., :2]
t = net.trace(two, labels_test[:2])
forward = ["x", "z1", "a1", "p1", "f"]
forward += ["z2", "y_hat"]
backward = ["dz2", "dW2", "db2", "df"]
backward += ["dp1", "da1", "dz1"]
backward += ["dW1", "db1", "dx"]
for name in forward + backward:
    shape = getattr(t, name).shape
    print(f"{name:>5}: {shape}")

# checks of the text's numbers
assert np.array_equal(t.f, t.p1.reshape(-1, 2))
assert np.array_equal(t.dp1, t.df.reshape(t.p1.shape))

# %% [markdown]
# ## What the filters learned
#
# Each filter is 3 × 3 weights, drawn as an image on one colour scale for all
# sixteen: red for negative, blue for positive, near white for 0. A filter's output
# is largest on a window with ink (pixels near 1) where its weights are
# positive and none where they are negative.

# %%
# Drawn for a phone's column, as on the digits page: 3.6 inches wide,
# 10-point text, 200 dots per inch.
plt.rcParams.update(
    {"font.size": 10, "figure.dpi": 200, "savefig.dpi": 200}
)
fig, axes = plt.subplots(
    4, 4, figsize=(3.6, 4.6), layout="constrained"
)
limit = np.abs(net.W1).max()
for k, ax in enumerate(axes.flat):
    shown = ax.imshow(
        net.W1[k, 0], cmap="RdBu", vmin=-limit, vmax=limit
    )
    ax.set_title(f"filter {k + 1}", fontsize=8)
    ax.set(xticks=[], yticks=[])  # a frame, so a white weight shows
fig.colorbar(
    shown, ax=axes, orientation="horizontal", fraction=0.05,
    pad=0.04, label="weight",
)
# alt: The sixteen learned 3 by 3 filters in a 4 by 4 grid, red negative, blue positive, with a colour bar
plt.show()
assert net.W1.shape == (16, 1, 3, 3), "16 filters of 3 × 3"

# %% [markdown]
# ## Which pixels the answer depends on
#
# The trace carries the gradient one layer further than training needs: to the
# image itself, \(\partial L / \partial x\). For each filter it is the full
# correlation of that filter's map gradient with the flipped filter, cut back
# by the padding to 8 × 8, and the sixteen are summed. Its size at each pixel
# says how much a small change there would change the loss of the right
# answer, \(L = -\log \hat y_k\) for the digit's true class \(k\): a
# *saliency map*. Of test digit 0, a 6 the network is sure of (loss
# 9e-06), the gradient is nearly 0 everywhere. The map below is of the test
# digit with the largest loss, the one the network gets most wrong: a 2 it
# calls a 1 with probability 0.98.

# %%
y_hat_test = net.forward(x_test)
right = y_hat_test[labels_test, np.arange(n)]
losses_test = -np.log(right)
worst = int(np.argmax(losses_test))
digit = x_test[..., worst : worst + 1]
t = net.trace(digit, labels_test[worst : worst + 1])
saliency = np.abs(t.dx[0, :, :, 0])
sure = np.abs(net.trace(x_test[..., :1], labels_test[:1]).dx)
loss_0 = losses_test[0]
print(f"test digit 0, a {labels_test[0]}: loss {loss_0:.0e}")
print(f"  its largest |dL/dx|: {sure.max():.1e}")
print(f"test digit {worst}, a {labels_test[worst]}:")
print(f"  called a {t.y_hat.argmax()}, p = {t.y_hat.max():.2f}")
print(f"  its loss {losses_test[worst]:.2f}")
print(f"  its largest |dL/dx|: {saliency.max():.2f}")

# checks of the text's numbers
assert_rounds_to(loss_0, "9e-06", name="digit 0's loss")
assert labels_test[0] == 6 and saliency.max() > 1e4 * sure.max()
assert labels_test[worst] == 2 and t.y_hat.argmax() == 1
assert_rounds_to(t.y_hat.max(), "0.98", name="probability of the 1")
assert t.dx.shape == digit.shape == (1, 8, 8, 1)
assert t.z1.shape[0] == 16, "sixteen maps, summed"

# %% [markdown]
# Where a pool window's largest inputs tie, the loss has a kink: its slope
# toward more ink differs from its slope toward less. There the derivative
# does not exist, and the map shows the library's choice (the first maximum
# takes the gradient, as on the convolution page), which need not be either
# slope. One-sided differences in float64 find the kinks of this digit: 12 of
# its 64 pixels, all blank, and at 10 of them the map is neither slope. On a
# blank pixel only more ink is possible (less than none is outside the
# images): there read the map as the library's choice, not as the effect of a
# change. Everywhere else the map agrees with central
# differences to better than 1e-6. The figure marks the kinks with a cross.

# %%
h = 1e-6
def loss_at(u, v, step):
    moved = digit.copy()
    moved[0, u, v, 0] += step
    return net.loss(moved, labels_test[worst : worst + 1])

L0 = net.loss(digit, labels_test[worst : worst + 1])
up = np.zeros((8, 8))  # the slope on adding ink
down = np.zeros((8, 8))  # the slope on removing it
for u, v in np.ndindex(8, 8):
    up[u, v] = (loss_at(u, v, h) - L0) / h
    down[u, v] = (L0 - loss_at(u, v, -h)) / h
kink = np.abs(up - down) > 1e-3
smooth = ~kink
central = (up + down) / 2
dx = t.dx[0, :, :, 0]
gap = np.abs(central - dx)[smooth].max()
tol = dict(rtol=1e-4, atol=1e-6)
neither = kink & ~np.isclose(dx, up, **tol) & ~np.isclose(dx, down, **tol)
print(f"kinks: {kink.sum()} of {kink.size} pixels")
print(f"  the map is neither slope at {neither.sum()}")
print(f"elsewhere, gap to central: {gap:.0e}")

fig, (ax_image, ax_map) = plt.subplots(1, 2, figsize=(3.6, 2.0))
ax_image.imshow(digit[0, :, :, 0], cmap="gray_r", vmin=0, vmax=1)
ax_image.set_title("the digit")
shown = ax_map.imshow(saliency, cmap="magma", vmin=0)
ax_map.plot(*np.nonzero(kink)[::-1], "x", color="cyan", ms=5)
ax_map.set_title("|dL/dx|")
for ax in (ax_image, ax_map):
    ax.set(xticks=[], yticks=[])
fig.colorbar(
    shown, ax=ax_map, fraction=0.046, pad=0.04, label="|dL/dx|"
)
fig.tight_layout()
# alt: The digit the network gets most wrong, and the size of its loss gradient at each pixel, kinks crossed
plt.show()

# checks of the text's numbers
assert_rounds_to([kink.sum(), kink.size], ["12", "64"], name="kinks")
assert_rounds_to(neither.sum(), "10", name="kinks where the map is neither")
assert np.all(digit[0, :, :, 0][kink] == 0), "the kinks are blank"
assert gap < 1e-6, "the map is the derivative where one exists"
