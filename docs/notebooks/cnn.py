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
# # A convolutional network learns the digits
#
# The layers of the [convolution page](../convolution.md), trained on the
# handwritten digits of [Learning](../learning.md) and
# [The digits](digits.py), on the same split. Each digit is one channel of
# 8 × 8 pixels. 16 filters of 3 × 3 with a padding of one pixel, which keeps
# each map 8 × 8, make 16 maps; a ReLU and a 2 × 2 max-pool leave 16 maps of
# 4 × 4, read as one column of 256 numbers per digit by one fully connected
# layer to the ten classes. `ConvNet.trace` is that chain, one library call per
# node, and the training loop takes a momentum step with each of its
# gradients, in batches of 32. This page is executed when the site is built.

# %%
import matplotlib.pyplot as plt
import numpy as np

from litbackprop.app.digits import as_images, train_digits, train_digits_cnn
from litbackprop.course.testing import assert_rounds_to

net, losses, split = train_digits_cnn(filters=16, epochs=30, lr=0.05, momentum=0.9)
x_test, labels_test = as_images(split.x_test), split.labels_test
predicted = net.forward(x_test).argmax(axis=0)
errors = int(np.count_nonzero(predicted != labels_test))
two_layer = train_digits(progress=False)
mlp_errors = int(np.count_nonzero(two_layer.net.forward(split.x_test).argmax(axis=0) != labels_test))
print(f"CNN: {errors} errors in {labels_test.size}, {1 - errors / labels_test.size:.2%}")
print(f"two-layer: {mlp_errors} errors, {1 - mlp_errors / labels_test.size:.2%}")
assert np.array_equal(two_layer.split.x_test, split.x_test), "the same test images"
assert_rounds_to([errors, mlp_errors, labels_test.size], ["5", "10", "449"], name="errors, two-layer errors, tests")
from litbackprop.convolutional_network import POOL
from litbackprop.training import BATCH_SIZE

assert net.W1.shape == (16, 1, 3, 3) and len(losses) == 30 and POOL == 2, "16 filters of 3 × 3, a 2 × 2 pool"
t = net.trace(x_test[..., :2], labels_test[:2])
assert t.z1.shape[1:3] == (8, 8) and t.p1.shape[:3] == (16, 4, 4) and t.f.shape[0] == 256 and BATCH_SIZE == 32

# %% [markdown]
# On the 449 test digits the CNN makes 5 mistakes, the two-layer network 10:
# a small gap on a small test set, one seed's result. The CNN's first layer has
# 28.4 times fewer weights: 16 filters of 9 weights, shared by every window,
# against one weight per pixel for each of 64 hidden units. Its last layer has
# more, reading 256 numbers where the two-layer network reads 64; over both
# layers the CNN has 2704 weights, the two-layer network 4736.

# %%
weights = {"CNN's filters": net.W1.size, "two-layer's first layer": two_layer.net.W1.size}
print("\n".join(f"{name}: {count} weights" for name, count in weights.items()))
assert_rounds_to([net.W1.size, two_layer.net.W1.size], ["144", "4096"], name="weights of the first layers")
assert_rounds_to(two_layer.net.W1.size / net.W1.size, "28.4", name="how many times fewer")
both = [net.W1.size + net.W2.size, two_layer.net.W1.size + two_layer.net.W2.size]
assert_rounds_to(both, ["2704", "4736"], name="weights of both layers")
assert net.W2.shape[1] == 256 and two_layer.net.W2.shape[1] == 64
assert net.W1.shape[0] == 16 and net.W1[0].size == 9 and two_layer.net.W1.shape[0] == 64, "16 × 9 against 64 × 64"

# %% [markdown]
# ## What the filters learned
#
# Each filter is 3 × 3 weights, drawn as an image on one grey scale for all
# sixteen: dark for negative, light for positive. A filter's output is largest
# on a window with ink (pixels near 1) where its weights are positive and none
# where they are negative.

# %%
# Drawn for a phone's column, as on the digits page: 3.6 inches wide, 10-point text, 200 dots per inch.
plt.rcParams.update({"font.size": 10, "figure.dpi": 200, "savefig.dpi": 200})
fig, axes = plt.subplots(4, 4, figsize=(3.6, 3.8))
limit = np.abs(net.W1).max()
assert net.W1.shape[2:] == (3, 3), "3 × 3 weights a filter"
for k, ax in enumerate(axes.flat):
    ax.imshow(net.W1[k, 0], cmap="gray", vmin=-limit, vmax=limit)
    ax.set_title(f"filter {k + 1}", fontsize=8)
    ax.axis("off")
fig.tight_layout()
# alt: The sixteen learned 3 by 3 filters in a 4 by 4 grid, each a small grey patch with light and dark pixels
plt.show()

# %% [markdown]
# ## Which pixels the answer depends on
#
# The trace carries the gradient one layer further than training needs: to
# the image itself, \(\partial L / \partial x\), the full correlation of the
# first layer's gradient with the flipped filters. Its size at each pixel says
# how much a small change there would change the loss of the right answer, where
# the loss has a derivative: a *saliency map*. On blank background every window
# reads only zeros, so the four inputs of a pool window tie, and there the first
# maximum takes the gradient (as on the convolution page): the map shows one of
# several slopes. Of a digit the network is sure of, the loss is nearly 0 and so
# is its gradient everywhere; the map below is of the test digit with the largest
# loss, the one the network is least sure of, next to it.

# %%
losses_test = -np.log(net.forward(x_test)[labels_test, np.arange(labels_test.size)])
hardest = int(np.argmax(losses_test))
digit = x_test[..., hardest : hardest + 1]
t = net.trace(digit, labels_test[hardest : hardest + 1])
saliency = np.abs(t.dx[0, :, :, 0])
sure = np.abs(net.trace(x_test[..., :1], labels_test[:1]).dx).max()
print(f"test digit {hardest}: a {labels_test[hardest]}, predicted {t.y_hat.argmax()}")
print(f"its loss {losses_test[hardest]:.2f}, largest |dL/dx| {saliency.max():.2f}")
print(f"largest |dL/dx| of digit 0: {sure:.1e}")
fig, (ax_image, ax_map) = plt.subplots(1, 2, figsize=(3.6, 2.0))
ax_image.imshow(digit[0, :, :, 0], cmap="gray_r", vmin=0, vmax=1)
ax_image.set_title("the digit")
shown = ax_map.imshow(saliency, cmap="magma", vmin=0)
ax_map.set_title("|dL/dx|")
for ax in (ax_image, ax_map):
    ax.set(xticks=[], yticks=[])
fig.colorbar(shown, ax=ax_map, fraction=0.046, pad=0.04)
fig.tight_layout()
# alt: The test digit the network is least sure of, and beside it the size of the loss's gradient at each pixel
plt.show()
assert t.dx.shape == digit.shape and saliency.max() > 100 * sure
