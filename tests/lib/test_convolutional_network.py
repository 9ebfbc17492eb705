"""The convolutional network: its gradients equal to central differences, its forward pass equal to numpy written
out, and on the digits it beats the two-layer network on the same split."""

import numpy as np
import pytest
from numpy.testing import assert_allclose

import litbackprop as lb
from litbackprop.app.digits import as_images, train_digits, train_digits_cnn
from litbackprop.course.testing import assert_gradient_matches

rng = np.random.default_rng(0)
NET = lb.ConvNet.initialize(channels=2, filters=3, classes=4, image=6, seed=1)
NET.b1[:], NET.b2[:] = rng.normal(size=3), rng.normal(size=4)
X = rng.normal(size=(2, 6, 6, 5))
LABELS = np.array([0, 3, 1, 2, 1])


@pytest.mark.parametrize("name", ["W1", "b1", "W2", "b2"])
def test_each_parameter_s_gradient_matches_central_differences(name):
    grads = NET.backward(X, LABELS)
    assert_gradient_matches(grads[name], lambda: NET.loss(X, LABELS), NET.parameters[name], name=name)


def test_the_input_s_gradient_the_saliency_map_matches_central_differences():
    x = X.copy()
    assert_gradient_matches(NET.trace(x, LABELS).dx, lambda: NET.loss(x, LABELS), x, name="dx")


def test_the_forward_pass_is_numpy_written_out():
    padded = np.pad(X, ((0, 0), (1, 1), (1, 1), (0, 0)))
    z1 = np.zeros((3, 6, 6, 5))
    for f, i, j in np.ndindex(3, 6, 6):
        z1[f, i, j] = np.einsum("cmq,cmqn->n", NET.W1[f], padded[:, i : i + 3, j : j + 3]) + NET.b1[f]
    a1 = np.maximum(z1, 0)
    p1 = a1.reshape(3, 3, 2, 3, 2, 5).max(axis=(2, 4))  # 2 × 2 windows
    z2 = NET.W2 @ p1.reshape(27, 5) + NET.b2[:, None]
    y_hat = np.exp(z2 - z2.max(axis=0)) / np.exp(z2 - z2.max(axis=0)).sum(axis=0)
    t = NET.trace(X, LABELS)
    assert_allclose(t.z1, z1, rtol=1e-12)
    assert_allclose(t.p1, p1, rtol=1e-12)
    assert_allclose(t.y_hat, y_hat, rtol=1e-12)
    assert_allclose(t.L, -np.log(y_hat[LABELS, np.arange(5)]).mean(), rtol=1e-12)


def test_a_column_of_pixels_becomes_an_image_row_by_row():
    x = np.arange(128.0).reshape(2, 64).T  # two digits as columns
    assert_allclose(as_images(x)[0, :, :, 1], np.arange(64.0, 128.0).reshape(8, 8))


def test_on_the_digits_the_cnn_beats_the_two_layer_network_on_the_same_split():
    net, losses, split = train_digits_cnn()
    errors = int(np.count_nonzero(net.forward(as_images(split.x_test)).argmax(axis=0) != split.labels_test))
    two_layer = train_digits(progress=False)
    mlp_errors = int(np.count_nonzero(two_layer.net.forward(split.x_test).argmax(axis=0) != split.labels_test))
    assert np.array_equal(two_layer.split.x_test, split.x_test), "the same split"
    assert errors < mlp_errors, (errors, mlp_errors)
    assert errors <= 6, f"{errors} errors in {split.labels_test.size}: the target is 98.5 % or better"
    assert losses[-1] < losses[0] / 10, losses
