"""The equation modules read like their math: each equation's body is the equation, its checks declared at its door."""

import ast
import inspect
from pathlib import Path

import numpy as np
import pytest

import litbackprop as lb
from litbackprop import _checks

MODULES = ["activations", "fully_connected", "loss", "network", "neuron"]
SOURCE = Path(lb.__file__).parent


def functions(module: str):
    tree = ast.parse((SOURCE / f"{module}.py").read_text())
    return [node for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)]


def implements_an_equation(function: ast.FunctionDef) -> bool:
    """Its docstring's first line states an equation in $...$."""
    doc = ast.get_docstring(function)
    return doc is not None and "$" in doc.splitlines()[0]


def is_a_declared_check(function: ast.FunctionDef) -> bool:
    return [a.arg for a in function.args.args][-1:] in (["arguments"], ["value"])


def body(function: ast.FunctionDef) -> list[ast.stmt]:
    has_doc = ast.get_docstring(function) is not None
    return function.body[1:] if has_doc else function.body


EQUATIONS = [(m, f) for m in MODULES for f in functions(m) if implements_an_equation(f)]


def test_there_are_equations_to_read():
    assert len(EQUATIONS) >= 20, [f.name for _, f in EQUATIONS]


@pytest.mark.parametrize(("module", "function"), EQUATIONS, ids=lambda x: getattr(x, "name", x))
def test_an_equation_s_body_is_at_most_five_statements(module, function):
    assert len(body(function)) <= 5, f"{module}.{function.name} has {len(body(function))} statements"


@pytest.mark.parametrize(("module", "function"), EQUATIONS, ids=lambda x: getattr(x, "name", x))
def test_an_equation_s_body_refuses_nothing_itself(module, function):
    refusals = [n for n in ast.walk(function) if isinstance(n, ast.Raise)]
    assert not refusals, f"{module}.{function.name} raises in its body: declare the check at its door"


@pytest.mark.parametrize("module", MODULES)
def test_no_function_takes_a_check_flag(module):
    for function in functions(module):
        assert "check" not in [a.arg for a in function.args.kwonlyargs + function.args.args], function.name


def test_every_public_equation_has_its_bare_math_beside_its_door():
    for name in (
        "linear",
        "grad_weights",
        "grad_input",
        "grad_bias",
        "relu",
        "grad_relu",
        "softmax",
        "sigmoid",
        "sigmoid_derivative",
        "cross_entropy",
        "cross_entropy_from_logits",
        "grad_loss",
        "grad_logits",
    ):
        door = getattr(lb, name)
        assert door.math is not door and inspect.signature(door.math) == inspect.signature(door), name


def test_trace_makes_no_pass_over_its_arguments_when_its_results_show_them_finite(monkeypatch):
    example = lb.worked_example()
    net = lb.TwoLayerNet(example["W1"], example["W2"], b1=np.zeros(4), b2=np.zeros(3))
    calls = []
    original = _checks.check_finite
    monkeypatch.setattr(_checks, "check_finite", lambda name, array: calls.append(name) or original(name, array))
    net.trace(example["x"], example["y"])
    assert calls == []  # a nan or an inf among them would reach the loss or a gradient, checked once


def test_a_nan_given_to_trace_is_named_once_its_results_show_one(monkeypatch):
    example = lb.worked_example()
    net = lb.TwoLayerNet(example["W1"], example["W2"])
    with pytest.raises(ValueError, match=r"^x must be finite; got nan at index 1$"):
        net.trace(np.array([1.0, np.nan, 0.0]), example["y"])


def test_the_checks_of_a_door_run_in_the_order_declared():
    with pytest.raises(ValueError, match=r"^z must be a 1-d array"):
        lb.softmax(np.ones((2, 2, 2)), axis=5)  # the axis is wrong too, but z is declared first


def test_a_nan_is_named_once_every_constraint_has_passed():
    with pytest.raises(ValueError, match=r"^axis must be an integer"):
        lb.softmax([[np.nan, 1.0], [0.0, 1.0]], axis=5)  # what the arguments are comes before what they hold
