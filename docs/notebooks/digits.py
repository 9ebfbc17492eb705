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
# # Learning the digits
#
# The other pages take one gradient step apart. This one takes over a thousand
# of them (counted below) and watches the network learn. The data are scikit-learn's handwritten
# digits: 1,797 images of 8×8 pixels, which ship inside the package, so nothing
# is downloaded. Each image becomes a column of 64 pixel values in \([0, 1]\).
#
# The network is the one of the [two-layer page](../two-layer-network.md), with
# [biases](../biases.md): 64 inputs, 64 hidden ReLU units, 10 classes. Its
# weights start [He-initialised](../learning.md#he-initialisation),
# \(W \sim \mathcal{N}(0, 2/d)\) for a layer of \(d\) inputs, and
# are trained by mini-batch SGD with momentum: 32 images per step, learning rate
# 0.1, momentum 0.9, 30 passes over the training set. The images are split three ways:
# a **training set** the network learns from, a **validation set** measured after
# every pass to see how it does on images it never learns from, and a **test set**
# kept for the final accuracy. One seed fixes the split,
# the initial weights and the order of the batches, so this page shows the same
# numbers on every build.
#
# This page is executed when the site is built: if a cell fails, or the test
# accuracy drops below the bound its cell asserts, the build fails.

# %%
import matplotlib.pyplot as plt
import numpy as np

import litbackprop as lb
from litbackprop.app.digits import train_digits
from litbackprop.course.testing import assert_rounds_to

net, history, split = train_digits(hidden=64, epochs=30, batch_size=32, lr=0.1, momentum=0.9, progress=False)
sizes = [part.shape[1] for part in (split.x_train, split.x_val, split.x_test)]
assert sum(sizes) == 1797 and split.x_train.shape[0] == 8 * 8 == 64, (sizes, split.x_train.shape)
assert net.W1.shape == (64, 64) and net.W2.shape == (10, 64), (net.W1.shape, net.W2.shape)
steps = -(-sizes[0] // 32) * len(history.loss)  # batches of 32 per epoch, times the epochs
assert steps > 1000, "over a thousand steps"
print("{} training, {} validation, {} test images; {} SGD steps".format(*sizes, steps))

# %% [markdown]
# ## How the loss and the accuracy moved
#
# During each epoch the training loss and accuracy are averaged over its
# images, each batch measured just before its step; after each epoch the
# whole validation set, which is never trained on, is measured.

# %%
# The figures are drawn for a phone's column: 3.6 inches wide, 10-point text, at 200 dots per inch. The site
# shows them at most 480 px wide, and on a phone at the column's width (about 358 px): the smallest text is
# then 10 CSS px or more. Panels are stacked, not set side by side.
plt.rcParams.update({"font.size": 10, "figure.dpi": 200, "savefig.dpi": 200})
epochs = np.arange(1, len(history.loss) + 1)
fig, (ax_loss, ax_acc) = plt.subplots(2, 1, figsize=(3.6, 5.2), sharex=True)
ax_loss.plot(epochs, history.loss, label="training")
ax_loss.plot(epochs, history.val_loss, label="validation")
ax_loss.set(ylabel="cross-entropy", yscale="log", title="Loss")
ax_acc.plot(epochs, history.accuracy, label="training")
ax_acc.plot(epochs, history.val_accuracy, label="validation")
ax_acc.set(xlabel="epoch", ylabel="accuracy", title="Accuracy",
           ylim=(min(history.accuracy + history.val_accuracy) - 0.02, 1.005))  # every epoch on the plot
for ax in (ax_loss, ax_acc):
    ax.grid(alpha=0.3)
ax_loss.legend()
ax_acc.legend(loc="lower right")
fig.tight_layout()
# alt: The training and validation loss (log scale) and accuracy over the epochs, in two stacked panels
plt.show()
assert history.loss[-1] < history.loss[0] / 10, "training loss fell 10x"

# %% [markdown]
# The two curves tell different stories. The training loss falls, small bumps
# aside: the
# network fits the images it learns from ever more closely. The validation loss,
# on images it never trains on, falls only for the first few epochs, is lowest at
# the epoch printed below, and then drifts up while the training loss still
# falls. That is **overfitting**: after that epoch the network learns details of
# the training images that do not carry over to new ones. Its validation
# accuracy does not fall with it (the second line below): the network gets about
# as many validation images right, but grows more confident in almost all its
# answers (the third line: the probability of its answer rose on nearly every
# validation image), and cross-entropy charges a confident mistake dearly. Common
# cures (Goodfellow, Bengio and Courville,
# [*Deep Learning*](https://www.deeplearningbook.org/contents/regularization.html),
# the chapter on regularisation) are early stopping (keeping the weights of the epoch whose validation
# loss is lowest), regularisation such as weight decay or [dropout](../dropout.md) (a later page), more data, or
# a smaller network. `train`'s `stop_at` argument is a
# simpler rule, not early stopping: it stops after the first epoch whose
# validation accuracy reaches a threshold, which need not be that epoch, and
# keeps the weights it has then.

# %%
best, last = int(np.argmin(history.val_loss)) + 1, len(history.val_loss)
print(f"validation loss lowest at epoch {best}: {history.val_loss[best - 1]:.3f}; "
      f"at the last epoch, {last}: {history.val_loss[-1]:.3f}")
print(f"validation accuracy at epoch {best}: {history.val_accuracy[best - 1]:.1%}; "
      f"at epoch {last}: {history.val_accuracy[-1]:.1%}")
assert 3 <= best <= 8, f"the validation loss should be lowest after a few epochs, not at epoch {best}"
assert history.val_loss[-1] > 1.1 * history.val_loss[best - 1], "the validation loss rose again, by over 10 %"
assert history.loss[-1] < history.loss[best - 1] / 2, "while the training loss kept falling"
assert history.val_accuracy[-1] >= history.val_accuracy[best - 1] - 0.02, "the accuracy did not fall with it"
at_best = lb.TwoLayerNet.initialize(64, 64, 10, seed=0)  # the same run, stopped at the best epoch
to_best = lb.train(
    at_best, split.x_train, split.labels_train, epochs=best, batch_size=32, lr=0.1, momentum=0.9, seed=0,
    validation=(split.x_val, split.labels_val), progress=False,
)
assert to_best.val_loss == history.val_loss[:best], "the same epochs as the run above"
rose = net.forward(split.x_val).max(axis=0) > at_best.forward(split.x_val).max(axis=0)
print(f"surer of its answer on {rose.sum()} of {rose.size} images")
assert rose.mean() > 0.9, rose.mean()

# %% [markdown]
# The same run again, told to stop with `stop_at=0.95`: it stops at the first
# epoch whose validation accuracy reaches 0.95, past the epoch of the lowest
# validation loss, with the weights it has then.

# %%
stopped = lb.train(
    lb.TwoLayerNet.initialize(64, 64, 10, seed=0), split.x_train, split.labels_train, epochs=30, batch_size=32,
    lr=0.1, momentum=0.9, seed=0, validation=(split.x_val, split.labels_val), stop_at=0.95, progress=False,
)
stop = len(stopped.val_loss)
print(f"stopped at epoch {stop}: validation loss {stopped.val_loss[-1]:.3f}")
print(f"lowest at epoch {best}:   validation loss {history.val_loss[best - 1]:.3f}")
assert stopped.val_loss == history.val_loss[:stop], "the same run, cut short"
assert stopped.val_accuracy[-1] >= 0.95 > max(stopped.val_accuracy[:-1]), "the first epoch at 0.95"
assert stop > best and stopped.val_loss[-1] > history.val_loss[best - 1], "not the epoch of the lowest loss"

# %% [markdown]
# ## Accuracy on the test set
#
# The test images were held out from the start and never trained on.

# %%
test_accuracy = lb.accuracy(net, split.x_test, split.labels_test)
print(f"test accuracy: {test_accuracy:.2%} on {split.labels_test.size} images")
assert test_accuracy >= 0.97, f"test accuracy {test_accuracy:.4f} < 97 %"

# %% [markdown]
# ## Which digits get confused
#
# Row \(i\), column \(j\) of the confusion matrix counts the test images of
# digit \(i\) that the network called \(j\); a perfect classifier has numbers only
# on the diagonal.

# %%
predicted = np.argmax(net.forward(split.x_test), axis=0)
confusion = np.zeros((10, 10), dtype=int)
np.add.at(confusion, (split.labels_test, predicted), 1)
assert confusion.sum() == split.labels_test.size
assert np.trace(confusion) / confusion.sum() == test_accuracy

fig, ax = plt.subplots(figsize=(3.6, 3.8))
image = ax.imshow(confusion, cmap="Blues")
for i in range(10):
    for j in range(10):
        if confusion[i, j]:
            dark = confusion[i, j] > confusion.max() / 2
            ax.text(j, i, confusion[i, j], ha="center", va="center",
                    color="white" if dark else "black", fontsize=8)
ax.set(xticks=range(10), yticks=range(10), xlabel="predicted",
       ylabel="true", title="Confusion matrix (test set)")
fig.tight_layout()
# alt: The confusion matrix of the test digits: true class by row, predicted class by column, counts in the cells
plt.show()

# %% [markdown]
# ## The mistakes
#
# Every test image the network got wrong, with what it said and what the
# image is.

# %%
wrong = np.flatnonzero(predicted != split.labels_test)
assert wrong.size == round((1 - test_accuracy) * split.labels_test.size)
columns = 3
rows = max(1, -(-wrong.size // columns))
fig, axes = plt.subplots(rows, columns, squeeze=False,
                         figsize=(3.6, 1.4 * rows + 0.4))
for ax in axes.flat:
    ax.axis("off")
for ax, n in zip(axes.flat, wrong, strict=False):
    image = split.x_test[:, n].reshape(8, 8)
    ax.imshow(image, cmap="gray_r", vmin=0, vmax=1)
    ax.set_title(f"said {predicted[n]}, is {split.labels_test[n]}", fontsize=8)
fig.suptitle(f"The {wrong.size} misclassified test digits")
fig.tight_layout()
# alt: The test digits the network gets wrong, each drawn as its 8 by 8 image with its true and predicted class
plt.show()

# %% [markdown]
# ## What the first layer looks for
#
# Row \(i\) of \(W^{(1)}\) holds the 64 weights hidden unit \(i\) gives the
# pixels; drawn as an 8×8 image it shows the pattern that excites the unit
# (red) or inhibits it (blue).

# %%
assert net.W1.shape == (64, 64)
limit = np.abs(net.W1).max()
# One picture of 8 × 8 tiles, tile (r, c) showing row 8r + c, with a blank
# line between tiles (NaN is drawn as the background).
tiles = np.full((8, 8, 9, 9), np.nan)
tiles[:, :, :8, :8] = net.W1.reshape(8, 8, 8, 8)
mosaic = tiles.transpose(0, 2, 1, 3).reshape(72, 72)[:-1, :-1]
fig, ax = plt.subplots(figsize=(3.6, 3.8))
ax.imshow(mosaic, cmap="RdBu_r", vmin=-limit, vmax=limit)
ax.axis("off")
ax.set_title("The 64 rows of W1, as 8×8 images")
fig.tight_layout()
# alt: The 64 rows of W1 drawn as 8 by 8 images, red for positive weights and blue for negative
plt.show()

# %% [markdown]
# Honestly, most of these rows do not look like anything. A few show a stroke or
# a blob where a digit's ink often is, but none is a picture of a digit. And
# some units take no part at all: 12 of the 64 are dead, off on every training
# image (see [Pitfalls](../pitfalls.md#dead-relus)), and their rows moved little
# from their random start, 0.024 on average against 0.126 for the others (the
# last two lines below). What the picture does show is where learning happened.
# Row (1) makes each weight's gradient its unit's dL/dz1 times its pixel's
# value, so a blank pixel adds nothing to its weights' step, and a pixel that is
# never inked never moves them. The left and right columns of the 8×8 images are
# almost blank (inked in at most 6.2 % of the training images): their weights
# moved 0.010 on average and stay as random as they started (He-initialised,
# about 0.14 in size on average). The top and bottom rows are not blank: their
# four middle pixels are inked in 72.0 to 97.7 % of the images, and their
# weights moved as far as the middle's, 0.149 against 0.145 on average.

# %%
start = lb.TwoLayerNet.initialize(64, 64, 10, seed=0).W1  # the weights train_digits started from
inked = (split.x_train > 0).mean(axis=1).reshape(8, 8)  # the share of training images with ink, per pixel
moved = np.abs(net.W1 - start).mean(axis=0).reshape(8, 8)  # how far each pixel's weights moved, on average
sides, top_bottom, middle = np.zeros((3, 8, 8), dtype=bool)
sides[:, [0, 7]] = True
top_bottom[[0, 7], 2:6] = True
middle[1:7, 1:7] = True
for name, pixels in (("sides", sides), ("top, bottom", top_bottom), ("middle", middle)):
    print(f"{name:11s} ink {inked[pixels].min():5.1%} to {inked[pixels].max():5.1%}, moved {moved[pixels].mean():.3f}")
assert_rounds_to(100 * inked[sides].max(), "6.2", name="most-inked side pixel, %")
assert_rounds_to(100 * np.array([inked[top_bottom].min(), inked[top_bottom].max()]), ["72.0", "97.7"],
                 name="inked share of the top and bottom rows' middle pixels, %")
assert_rounds_to([moved[sides].mean(), moved[top_bottom].mean(), moved[middle].mean()], ["0.010", "0.149", "0.145"],
                 name="mean distance moved: sides, top and bottom, middle")
assert_rounds_to(np.sqrt(2 / 64) * np.sqrt(2 / np.pi), "0.14", name="the starting mean |weight|, N(0, 2/64)")
assert inked.shape == (8, 8) and top_bottom.sum() == 2 * 4, "8×8 images; four middle pixels in two rows"
dead = ~(lb.linear(net.W1, split.x_train, net.b1) > 0).any(axis=1)  # units no training image turns on
row_moved = np.abs(net.W1 - start).mean(axis=1)
print(f"dead units: {dead.sum()} of {dead.size}")
print(f"rows moved: {row_moved[dead].mean():.3f} dead, {row_moved[~dead].mean():.3f} live")
assert_rounds_to(
    [dead.sum(), dead.size, row_moved[dead].mean(), row_moved[~dead].mean()],
    ["12", "64", "0.024", "0.126"],
    name="dead units, of all, and how far their rows moved against the others'",
)

# %% [markdown]
# ## Your turn
#
# Which pixels would change the network's mind? The gradient of the loss with
# respect to the *input* says: a small step of \(x\) against it makes the
# network surer of the right digit. It is row (3b) once more, one layer further
# back, through \(W^{(1)}\):
#
# $$
# \frac{\partial L}{\partial x} = {W^{(1)}}^T \frac{\partial L}{\partial z^{(1)}}
# $$
#
# Compute it with numpy alone, from `net.W1`, `net.b1`, `net.W2` and `net.b2`,
# for the first test image, `split.x_test[:, 0]`, and its true label,
# `split.labels_test[0]`. Then name your array `answer` and give it to the
# checker, as the cell after the solution does with the solution's: it answers
# exact, close, or wrong: with your array's shape if it differs from the answer's,
# else with the largest difference, where it is, and a hint.
#
# <details class="example solution" markdown="1">
# <summary>A solution, to open after trying</summary>
#
# ```python
# x, label = split.x_test[:, 0], split.labels_test[0]
# z1 = net.W1 @ x + net.b1
# z2 = net.W2 @ np.maximum(z1, 0) + net.b2
# y_hat = np.exp(z2 - z2.max()) / np.exp(z2 - z2.max()).sum()
# dz1 = (net.W2.T @ (y_hat - np.eye(10)[label])) * np.greater(z1, 0)
# answer = net.W1.T @ dz1
# ```
#
# </details>

# %% tags=["solution"]
x, label = split.x_test[:, 0], split.labels_test[0]
z1 = net.W1 @ x + net.b1
z2 = net.W2 @ np.maximum(z1, 0) + net.b2
y_hat = np.exp(z2 - z2.max()) / np.exp(z2 - z2.max()).sum()
dz1 = (net.W2.T @ (y_hat - np.eye(10)[label])) * np.greater(z1, 0)
answer = net.W1.T @ dz1

# %%
from litbackprop.course.exercises import check

verdict = check("digits-dL-dx", answer)
print(verdict)
assert verdict.verdict != "wrong", verdict
