r"""litbackprop: backpropagation written out equation by equation, and checked.

The single neuron $a = \sigma(w^T x)$ and the two-layer network
FC → ReLU → FC → softmax → cross-entropy, with one function per equation of
the forward and backward passes.

The package is laid out by role:

- the equations: `activations`, `fully_connected`, `loss`, `neuron`, `network`, `deep_network`,
  `batch_normalization`, `regularization`, `convolution`, `convolutional_network`;
- the engine that derives them by itself: `autodiff`;
- the learning rules and their check: `training`, `gradcheck`;
- the course's support (`litbackprop.course`: the worked example, the exercises, the assertions the
  pages use) and the application (`litbackprop.app`: the command line, weights files, the digits).

Every name below is importable from the top level, ``import litbackprop as lb``, then ``lb.linear``,
``lb.save_weights``, …; a module is imported when one of its names is first used, so that importing
the package loads nothing it does not use and sets nothing up.

Everything litbackprop refuses is a ``ValueError`` that names the argument or
the result; finite input whose computation overflows, or training that
diverges, raises its subclass `NumericalError` (also a ``FloatingPointError``).
No function lets a nan or an inf through with only a ``RuntimeWarning``.
"""

import importlib

from litbackprop.errors import NumericalError

_HOMES = {
    "litbackprop.activations": [
        "grad_relu",
        "grad_sigmoid",
        "grad_tanh",
        "log_softmax",
        "relu",
        "sigmoid",
        "sigmoid_derivative",
        "softmax",
        "tanh",
    ],
    "litbackprop.fully_connected": ["grad_bias", "grad_input", "grad_weights", "linear"],
    "litbackprop.loss": ["cross_entropy", "cross_entropy_from_logits", "grad_logits", "grad_loss", "one_hot"],
    "litbackprop.neuron": ["Neuron", "NeuronTrace"],
    "litbackprop.network": ["Trace", "TwoLayerNet", "network_gradients", "two_layer_loss"],
    "litbackprop.deep_network": ["DeepNet", "DeepTrace"],
    "litbackprop.regularization": ["dropout", "dropout_mask", "grad_dropout"],
    "litbackprop.convolutional_network": ["ConvNet", "ConvTrace"],
    "litbackprop.convolution": [
        "conv2d",
        "grad_conv_bias",
        "grad_conv_input",
        "grad_conv_weights",
        "grad_max_pool",
        "max_pool",
        "output_size",
    ],
    "litbackprop.batch_normalization": ["batch_norm", "batch_statistics", "grad_batch_norm", "running_average"],
    "litbackprop.training": ["History", "accuracy", "gradient_descent", "momentum_step", "sgd_update", "train"],
    "litbackprop.gradcheck": ["gradient_check", "numerical_gradient", "relative_error"],
    "litbackprop.course.examples": ["worked_example"],
    "litbackprop.app.saving": ["load_weights", "save_weights"],
}
"""Each public name, under the module that defines it."""

_HOME_OF = {name: module for module, names in _HOMES.items() for name in names}

__all__ = ["NumericalError", *_HOME_OF]

__version__ = "0.2.0"


def __getattr__(name: str):
    """A public name, imported from its module the first time it is used (PEP 562)."""
    if name not in _HOME_OF:
        raise AttributeError(f"module 'litbackprop' has no attribute {name!r}")
    value = getattr(importlib.import_module(_HOME_OF[name]), name)
    globals()[name] = value  # the next use finds it here, as an ordinary attribute
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
