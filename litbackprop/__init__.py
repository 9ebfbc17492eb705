r"""litbackprop: backpropagation written out equation by equation, and checked.

The single neuron $a = \sigma(w^T x)$ and the two-layer network
FC → ReLU → FC → softmax → cross-entropy, with one function per equation of
the forward and backward passes.

Everything litbackprop refuses is a ``ValueError`` that names the argument or
the result; finite input whose computation overflows, or training that
diverges, raises its subclass `NumericalError` (also a ``FloatingPointError``).
No function lets a nan or an inf through with only a ``RuntimeWarning``.
"""

from litbackprop._interrupt import quiet_until_main

quiet_until_main()  # only for the command line, while numpy loads: Ctrl-C then gets one line, not a traceback

from litbackprop._checks import NumericalError
from litbackprop.activations import grad_relu, log_softmax, relu, sigmoid, sigmoid_derivative, softmax
from litbackprop.examples import worked_example
from litbackprop.gradcheck import gradient_check, numerical_gradient, relative_error
from litbackprop.linear import grad_bias, grad_input, grad_weights, linear
from litbackprop.loss import cross_entropy, cross_entropy_from_logits, grad_logits, grad_loss, one_hot
from litbackprop.network import Trace, TwoLayerNet, network_gradients, two_layer_loss
from litbackprop.neuron import Neuron, NeuronTrace
from litbackprop.saving import load_weights, save_weights
from litbackprop.training import History, accuracy, gradient_descent, momentum_step, sgd_update, train

__all__ = [
    "NumericalError",
    "History",
    "accuracy",
    "gradient_descent",
    "network_gradients",
    "two_layer_loss",
    "load_weights",
    "save_weights",
    "momentum_step",
    "sgd_update",
    "train",
    "worked_example",
    "Neuron",
    "NeuronTrace",
    "Trace",
    "TwoLayerNet",
    "cross_entropy",
    "cross_entropy_from_logits",
    "grad_bias",
    "grad_input",
    "grad_logits",
    "grad_loss",
    "grad_relu",
    "grad_weights",
    "gradient_check",
    "linear",
    "log_softmax",
    "numerical_gradient",
    "one_hot",
    "relative_error",
    "relu",
    "sigmoid",
    "sigmoid_derivative",
    "softmax",
]

__version__ = "0.2.0"
