"""Every public function refuses each value its declared constraints refuse, with a ValueError that names the
argument: the bad inputs are made by the constraints themselves (`Constraint.refused`), not listed here."""

import importlib
import inspect
import pkgutil
import re

import numpy as np
import pytest

import litbackprop as lb

E = lb.worked_example()
NET = lb.TwoLayerNet(E["W1"], E["W2"], b1=np.full(4, 0.1), b2=np.full(3, -0.1))
X = np.array([[1.0, 2.0], [-1.0, 0.5], [0.0, 1.0]])
Y = np.array([[0.0, 1.0], [1.0, 0.0], [0.0, 0.0]])
LABELS = np.array([1, 0])
Z = np.array([[0.5, -1.0], [2.0, 0.0], [1.0, 1.0]])
P = lb.softmax(Z)


def network():
    """A fresh copy of the network: a refusal must not change it, and some tests update theirs."""
    return lb.TwoLayerNet(NET.W1.copy(), NET.W2.copy(), b1=NET.b1.copy(), b2=NET.b2.copy())


IMAGES = np.arange(96.0).reshape(3, 4, 4, 2) / 96  # three channels of 4 × 4 pixels, two examples
FILTERS = np.ones((2, 3, 3, 3)) / 27
UPSTREAM = np.ones((2, 4, 4, 2))  # the output's shape with padding 1
CONV = lb.ConvNet.initialize(channels=3, filters=2, classes=3, image=4, seed=0)


DEEP = lb.DeepNet.initialize([3, 4, 4, 3], activation="tanh", seed=0)


def deep():
    """A fresh copy of a network of three layers."""
    return lb.DeepNet([w.copy() for w in DEEP.W.values()], [b.copy() for b in DEEP.b.values()], "tanh")


def neuron():
    return lb.Neuron(np.array([2.0, -3.0, 1.0]))


VALID = {
    "activations.sigmoid": lambda: {"z": Z},
    "activations.sigmoid_derivative": lambda: {"a": P},
    "activations.relu": lambda: {"z": Z, "out": np.empty_like(Z)},
    "activations.grad_relu": lambda: {"da": Z, "z": Z, "out": np.empty_like(Z)},
    "activations.softmax": lambda: {"z": Z, "axis": 0, "out": np.empty_like(Z)},
    "activations.log_softmax": lambda: {"z": Z, "axis": 0},
    "activations.tanh": lambda: {"z": Z, "out": np.empty_like(Z)},
    "activations.grad_tanh": lambda: {"da": Z, "a": np.tanh(Z), "out": np.empty_like(Z)},
    "activations.grad_sigmoid": lambda: {"da": Z, "a": P, "out": np.empty_like(Z)},
    "fully_connected.linear": lambda: {"W": E["W1"], "x": X, "b": np.ones(4), "out": np.empty((4, 2))},
    "fully_connected.grad_weights": lambda: {"dz": Z, "x": X, "out": np.empty((3, 3))},
    "fully_connected.grad_input": lambda: {"W": E["W2"], "dz": Z, "out": np.empty((4, 2))},
    "fully_connected.grad_bias": lambda: {"dz": Z, "out": np.empty(3)},
    "loss.cross_entropy": lambda: {"y": Y, "y_hat": P},
    "loss.cross_entropy_from_logits": lambda: {"y": Y, "z": Z},
    "loss.grad_loss": lambda: {"L": 0.5},
    "loss.grad_logits": lambda: {"y_hat": P, "y": Y, "dL": 1.0, "out": np.empty_like(P)},
    "loss.one_hot": lambda: {"labels": LABELS, "k": 3},
    "network.TwoLayerNet.__init__": lambda: {"self": object.__new__(lb.TwoLayerNet), **network().parameters},
    "network.TwoLayerNet.initialize": lambda: {"cls": lb.TwoLayerNet, "d": 3, "h": 4, "k": 3, "seed": 1},
    "network.TwoLayerNet.forward": lambda: {"self": network(), "x": X},
    "network.TwoLayerNet.predict": lambda: {"self": network(), "x": X},
    "network.TwoLayerNet.logits": lambda: {"self": network(), "x": X},
    "network.TwoLayerNet.loss": lambda: {"self": network(), "x": X, "y": LABELS},
    "network.TwoLayerNet.trace": lambda: {"self": (net := network()), "x": X, "y": Y, "buffers": net.buffers(2)},
    "network.TwoLayerNet.buffers": lambda: {"self": network(), "columns": 2},
    "network.two_layer_loss": lambda: {
        **{name: lb_value(theta) for name, theta in network().parameters.items()},
        "x": X,
        "y": LABELS,
    },
    "network.network_gradients": lambda: {"net": network(), "x": X, "y": Y},
    "deep_network.DeepNet.__init__": lambda: {
        "self": object.__new__(lb.DeepNet),
        "weights": [w.copy() for w in DEEP.W.values()],
        "biases": [b.copy() for b in DEEP.b.values()],
        "activation": "tanh",
    },
    "deep_network.DeepNet.initialize": lambda: {"cls": lb.DeepNet, "sizes": [3, 4, 3], "activation": "tanh"},
    "deep_network.DeepNet.forward": lambda: {"self": deep(), "x": X},
    "deep_network.DeepNet.predict": lambda: {"self": deep(), "x": X},
    "deep_network.DeepNet.logits": lambda: {"self": deep(), "x": X},
    "deep_network.DeepNet.loss": lambda: {"self": deep(), "x": X, "y": LABELS},
    "deep_network.DeepNet.trace": lambda: {"self": (net := deep()), "x": X, "y": Y, "buffers": net.buffers(2)},
    "deep_network.DeepNet.buffers": lambda: {"self": deep(), "columns": 2},
    "batch_normalization.batch_statistics": lambda: {"z": Z},
    "batch_normalization.batch_norm": lambda: {
        "z": Z,
        "gamma": np.ones(3),
        "beta": np.zeros(3),
        "mu": np.zeros(3),
        "var": np.ones(3),
        "eps": 1e-5,
    },
    "batch_normalization.grad_batch_norm": lambda: {"du": Z, "z": Z, "gamma": np.ones(3), "eps": 1e-5},
    "batch_normalization.running_average": lambda: {"running": np.zeros(3), "batch": np.ones(3), "momentum": 0.9},
    "convolutional_network.ConvNet.__init__": lambda: {
        "self": object.__new__(lb.ConvNet),
        **{name: theta.copy() for name, theta in CONV.parameters.items()},
    },
    "convolutional_network.ConvNet.initialize": lambda: {
        "cls": lb.ConvNet,
        "channels": 3,
        "filters": 2,
        "classes": 3,
        "image": 4,
        "kernel": 3,
        "seed": 0,
    },
    "convolutional_network.ConvNet.forward": lambda: {"self": CONV, "x": IMAGES},
    "convolutional_network.ConvNet.trace": lambda: {"self": CONV, "x": IMAGES, "labels": LABELS},
    "convolution.conv2d": lambda: {"x": IMAGES, "W": FILTERS, "b": np.ones(2), "stride": 1, "padding": 1},
    "convolution.grad_conv_weights": lambda: {"dz": UPSTREAM, "x": IMAGES, "W": FILTERS, "stride": 1, "padding": 1},
    "convolution.grad_conv_input": lambda: {"dz": UPSTREAM, "x": IMAGES, "W": FILTERS, "stride": 1, "padding": 1},
    "convolution.grad_conv_bias": lambda: {"dz": UPSTREAM},
    "convolution.max_pool": lambda: {"a": IMAGES, "size": 2},
    "convolution.grad_max_pool": lambda: {"dz": np.ones((3, 2, 2, 2)), "a": IMAGES, "size": 2},
    "regularization.dropout_mask": lambda: {"shape": (3, 2), "p": 0.5, "seed": 0},
    "regularization.dropout": lambda: {"a": Z, "mask": np.full((3, 2), 2.0)},
    "regularization.grad_dropout": lambda: {"da_drop": Z, "mask": np.full((3, 2), 2.0)},
    "neuron.Neuron.__init__": lambda: {"self": object.__new__(lb.Neuron), "w": np.array([2.0, -3.0, 1.0])},
    "neuron.Neuron.forward": lambda: {"self": neuron(), "x": X},
    "neuron.Neuron.predict": lambda: {"self": neuron(), "x": X},
    "neuron.Neuron.loss": lambda: {"self": neuron(), "x": X},
    "neuron.Neuron.trace": lambda: {"self": neuron(), "x": X},
    "training.accuracy": lambda: {"net": network(), "x": X, "labels": LABELS},
    "training.momentum_step": lambda: {
        "theta": np.ones(3),
        "v": np.zeros(3),
        "grad": np.ones(3),
        "lr": 0.1,
        "momentum": 0.9,
        "out": (np.empty(3), np.empty(3)),
    },
    "training.gradient_descent": lambda: {"net": network(), "x": X, "labels": LABELS, "lr": 0.1, "steps": 1},
    "training.train": lambda: {
        "net": network(),
        "x": X,
        "labels": LABELS,
        "epochs": 1,
        "batch_size": 1,
        "lr": 0.1,
        "momentum": 0.9,
        "seed": 0,
        "validation": (X, LABELS),
        "progress": False,
        "stop_at": 0.99,
    },
    "gradcheck.numerical_gradient": lambda: {"f": lambda: 0.0, "param": np.ones(2), "eps": 1e-6},
    "gradcheck.relative_error": lambda: {"analytic": np.ones(2), "numerical": np.ones(2)},
    "course.exercises.compare": lambda: {"name": "dW", "yours": np.ones(2), "expected": np.ones(2), "rtol": 1e-6},
    "app.digits.load_digits_split": lambda: {"test_fraction": 0.25, "val_fraction": 0.1, "seed": 0},
    "app.saving.save_weights": lambda: {"net": network(), "path": "never-written", "split_seed": 3},
}
"""A valid call of every public function that has a door, by its path in the package."""


def lb_value(theta):
    from litbackprop.autodiff import Value

    return Value(theta.copy())


def doors():
    """Every public function and method of the package with declared constraints, by path: found, not listed."""
    for info in pkgutil.walk_packages(lb.__path__, "litbackprop."):
        if any(part.startswith("_") for part in info.name.split(".")) or info.name.startswith("litbackprop.pages"):
            continue
        module = importlib.import_module(info.name)
        for name, obj in vars(module).items():
            if name.startswith("_") or getattr(obj, "__module__", None) != module.__name__:
                continue
            path = f"{info.name.removeprefix('litbackprop.')}.{name}"
            if hasattr(obj, "constraints"):
                yield path, obj
            if inspect.isclass(obj):
                for member_name, member in vars(obj).items():
                    function = getattr(member, "__func__", member)
                    if hasattr(function, "constraints") and (member_name == "__init__" or member_name[0] != "_"):
                        yield f"{path}.{member_name}", function


DOORS = dict(doors())


def test_every_door_has_a_valid_call_here():
    assert sorted(DOORS) == sorted(VALID)


def cases():
    """(path, argument, bad value): each value each declared constraint refuses, in a valid call."""
    for path, door in sorted(DOORS.items()):
        bound = inspect.signature(door).bind(**VALID[path]())
        bound.apply_defaults()
        checked = dict(bound.arguments)
        for name, constraint in door.constraints.items():
            checked[name] = constraint.check(name, checked[name], checked)
        for name, constraint in door.constraints.items():
            for number, bad in enumerate(constraint.refused(name, checked)):
                yield pytest.param(path, name, bad, id=f"{path}-{name}-{number}")


CASES = list(cases())


def test_the_constraints_make_enough_bad_inputs():
    assert len(CASES) >= 300, len(CASES)


NAMED = {"self": ("self", "net", "w", "W1", "W2", "b1", "b2"), "net": ("net", "W1", "W2", "b1", "b2")}


@pytest.mark.parametrize(("path", "name", "bad"), CASES)
def test_a_value_a_constraint_refuses_is_a_value_error_naming_its_argument(path, name, bad, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # save_weights must refuse before it writes anything
    arguments = VALID[path]()
    arguments[name] = bad
    with pytest.raises(ValueError) as refused:
        DOORS[path](**arguments)
    names = NAMED.get(name, (name,))
    message = str(refused.value)
    assert any(re.search(rf"(?<![\w.]){re.escape(n)}(?!\w)", message) for n in names), message
    assert not list(tmp_path.iterdir())
