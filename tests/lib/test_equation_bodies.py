"""The equation modules read like their math: each equation's body is the equation, its checks declared at its door."""

import ast
import inspect
from pathlib import Path

import numpy as np
import pytest

import litbackprop as lb
from litbackprop import _checks

MODULES = ["activations", "linear", "loss", "network", "neuron"]
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


def test_trace_checks_each_array_once_at_its_door_and_not_again_in_its_rows(monkeypatch):
    example = lb.worked_example()
    net = lb.TwoLayerNet(example["W1"], example["W2"], b1=np.zeros(4), b2=np.zeros(3))
    calls = []
    original = _checks.check_finite
    monkeypatch.setattr(_checks, "check_finite", lambda name, array: calls.append(name) or original(name, array))
    net.trace(example["x"], example["y"])
    assert sorted(calls) == ["W1", "W2", "b1", "b2", "x"]


def test_the_checks_of_a_door_run_in_the_order_declared():
    with pytest.raises(ValueError, match=r"^W must be finite"):
        lb.linear([[np.nan, 1.0]], [1.0, 2.0, 3.0])  # x has the wrong rows too, but W is declared first
