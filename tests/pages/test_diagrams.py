"""The numbers drawn in the diagrams are the library's, rounded as drawn."""

import re
from pathlib import Path

import litbackprop as lb
from litbackprop.testing import assert_rounds_to

DIAGRAMS = Path(__file__).resolve().parents[2] / "docs" / "diagrams"


def drawn(svg: str, label: str) -> str:
    match = re.search(rf">{re.escape(label)}\s*(-?[0-9.]+)<", (DIAGRAMS / svg).read_text())
    assert match, f"{svg} draws no '{label} …'"
    return match.group(1)


def test_the_neuron_diagram_draws_the_worked_example():
    neuron = lb.Neuron([2.0, -3.0, 1.0])
    a = neuron.forward([-1.0, -2.0, 1.0])
    assert_rounds_to(lb.linear([2.0, -3.0, 1.0], [-1.0, -2.0, 1.0]), drawn("neuron.svg", "z ="), name="z")
    assert_rounds_to(a, drawn("neuron.svg", "a ≈"), name="a")
    assert_rounds_to(lb.sigmoid_derivative(a), drawn("neuron.svg", "≈"), name="da/dz")
    assert drawn("neuron.svg", "∂a/∂a =") == "1"
