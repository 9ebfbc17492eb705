"""The numbers drawn on the computation graphs' wires are the worked examples', recomputed here with numpy alone."""

import re

import numpy as np
import pytest

from litbackprop.pages.build import graphs

X = np.array([1.0, 2.0, -1.0])
W1 = np.array([[0.5, -0.1, 0.2], [-0.3, 0.4, 0.2], [0.2, 0.1, -0.6], [-0.4, -0.1, 0.3]])
W2 = np.array([[0.3, -0.5, 0.8, 0.1], [-0.2, 0.6, 0.4, -0.7], [0.5, 0.2, -0.3, 0.4]])
Y = np.array([0.0, 1.0, 0.0])


def texts_of(svg: str) -> list[str]:
    """The text of each <text> of the graph, its <tspan>s (the numbers the page's script rewrites) included."""
    return [re.sub(r"<[^>]+>", "", t) for t in re.findall(r"<text[^>]*>(.*?)</text>", svg)]


def drawn(svg: str, label: str) -> list[float]:
    """The numbers of the first text of the graph that starts with `label`."""
    texts = [t for t in texts_of(svg) if t.startswith(label) and re.search(r"\d", t[len(label) :])]
    assert texts, f"the graph draws no '{label} …'"
    return [float(n.replace("\u2212", "-")) for n in re.findall(r"\u2212?\d+(?:\.\d+)?", texts[0][len(label) :])]


def vector_after(svg: str, label: str) -> list[float]:
    """The numbers on the line below the text that starts with `label` (a gradient's value)."""
    texts = texts_of(svg)
    at = next(i for i, t in enumerate(texts) if t.startswith(label))
    return [float(n.replace("\u2212", "-")) for n in re.findall(r"\u2212?\d+(?:\.\d+)?", texts[at + 1])]


def close(drawn_values, exact, digits=2):
    np.testing.assert_allclose(drawn_values, np.round(np.ravel(exact), digits), atol=0.5 * 10.0**-digits + 1e-12)


def test_the_neuron_graph_draws_the_worked_example():
    w, x = np.array([2.0, -3.0, 1.0]), np.array([-1.0, -2.0, 1.0])
    z = w @ x
    a = 1 / (1 + np.exp(-z))
    svg = graphs.render("neuron")
    close(drawn(svg, "z ="), [z])
    close(drawn(svg, "a ="), [a], 3)
    close(vector_after(svg, "∂a/∂z ="), [a * (1 - a)], 4)
    close(vector_after(svg, "∂a/∂w ="), a * (1 - a) * x, 4)


def test_the_two_layer_graph_draws_every_value_and_gradient_of_the_worked_example():
    z1 = W1 @ X
    a1 = np.maximum(z1, 0)
    z2 = W2 @ a1
    y_hat = np.exp(z2) / np.exp(z2).sum()
    dz2 = y_hat - Y
    da1 = W2.T @ dz2
    dz1 = da1 * (z1 > 0)
    svg = graphs.render("two-layer")
    close(drawn(svg, "z¹ ="), z1)
    close(drawn(svg, "a¹ ="), a1)
    close(drawn(svg, "z² ="), z2)
    close(drawn(svg, "ŷ ="), y_hat)
    close(drawn(svg, "L ="), [-np.log(y_hat[1])])
    close(vector_after(svg, "(4) ∂L/∂z²"), dz2)
    close(vector_after(svg, "(3b) ∂L/∂a¹"), da1)
    close(vector_after(svg, "(2) ∂L/∂z¹"), dz1)
    texts = texts_of(svg)
    at = next(i for i, t in enumerate(texts) if t.startswith("(1) ∂L/∂W¹"))
    rows = [
        [float(n.replace("\u2212", "-")) for n in re.findall(r"\u2212?\d+(?:\.\d+)?", t)]
        for t in texts[at + 1 : at + 5]
    ]
    close(np.ravel(rows), np.outer(dz1, X))


def test_the_diamond_graph_sums_the_two_paths():
    svg = graphs.render("diamond")
    assert drawn(svg, "∂f/∂a =") == [3 * 10 + 5 * 6]
    assert drawn(svg, "f =") == [(3 * 2) * (5 * 2)]


def test_a_page_asking_for_an_unknown_graph_is_told_the_names():
    with pytest.raises(KeyError, match="neuron"):
        graphs.render("three-layer")
