"""MkDocs hook: the computation graphs, drawn at build time with the library's own numbers on their wires.

A page asks for a graph with ``<!-- graph: NAME -->`` inside a ``<figure class="diagram" markdown="0">``.
The numbers on its wires (each value forward, each gradient backward) are computed here by litbackprop
from the worked examples, so they are produced, not typed, and cannot drift from the code. Each graph is
drawn top to bottom in a box 340 wide, the size of a phone's column: its text is never scaled below its
size, at any width. The test ``tests/pages/test_diagrams.py`` recomputes every number with numpy alone.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass, field

import numpy as np

import litbackprop as lb
from litbackprop.autodiff import Value

WIDTH = 340
LINE = 17  # the height of a line of label text
MARKER = re.compile(r"<!-- graph: ([\w-]+) -->")


def number(value: float, digits: int = 2) -> str:
    """A value as drawn: rounded, no trailing zeros, no -0, a true minus sign."""
    text = np.format_float_positional(round(float(value), digits) + 0.0, trim="-")
    return text.replace("-", "\u2212")


def vector(values, digits: int = 2) -> str:
    return "(" + ", ".join(number(v, digits) for v in np.ravel(values)) + ")"


def live(key: str, text: str, digits: int = 2) -> str:
    """A number (or vector) of the graph that the page's script recomputes when the reader changes an input:
    ``docs/javascripts/live-graphs.js`` writes the value named `key` there, to the same digits."""
    return f'<tspan data-live="{key}" data-digits="{digits}">{text}</tspan>'


def controls(name: str, fields: list[tuple[str, str, float]], extra: str = "") -> str:
    """Fields for the inputs the reader may change (hidden until the script runs: without it, the graph shows the
    worked example, as printed): text, so that any finite number is taken as typed (a number field's step would
    flag 0.123456, and it hides what it cannot read), and a line where the script says why the graph is out of date
    or refused."""
    inputs = "".join(
        f'<label>{label} <input type="text" inputmode="decimal" data-input="{key}" '
        f'value="{number(value).replace("−", "-")}"></label>'
        for key, label, value in fields
    )
    return (
        # no name: a named form is a landmark, and the print page holds two of the two-layer network's
        f'<form class="live-graph" data-graph="{name}" hidden>'
        f"<span>Change the example:</span>{inputs}{extra}"
        '<button type="button" data-reset>worked example</button>'
        '<output data-status aria-live="polite"></output></form>'
    )


@dataclass
class Node:
    label: str
    kind: str = "op"  # op: a box; var: an input or the output, in italics
    side: list[tuple[str, str]] = field(default_factory=list)  # (class, text) lines to the right of the node


@dataclass
class Edge:
    forward: list[str] = field(default_factory=list)  # the value, above
    backward: list[str] = field(default_factory=list)  # the gradient, below


def chain(name: str, title: str, desc: str, items: list[Node | Edge]) -> str:
    """A chain of nodes from top to bottom: forward arrows down, backward (dashed) arrows up, labels right."""
    x_fwd, x_bwd, x_text = 40, 56, 84
    parts, y = [], 8
    for item in items:
        if isinstance(item, Node):
            height = max(34, LINE * len(item.side) + 10)
            if item.kind == "var":
                parts.append(f'<text class="var" x="48" y="{y + 23}">{item.label}</text>')
            else:
                parts.append(  # as tall as the lines beside it, so that the arrows leave from its edge
                    f'<g class="op"><rect x="8" y="{y}" width="80" height="{height}" rx="7"/>'
                    f'<text x="48" y="{y + height // 2 + 5}">{item.label}</text></g>'
                )
            for k, (cls, text) in enumerate(item.side):
                parts.append(f'<text class="{cls} start" x="100" y="{y + 14 + LINE * k}">{text}</text>')
            y += height
        else:
            lines = [("val", t) for t in item.forward] + [("bwd-label", t) for t in item.backward]
            length = max(44, LINE * len(lines) + 10)
            parts.append(
                f'<path class="fwd" d="M{x_fwd},{y + 2} L{x_fwd},{y + length - 2}" marker-end="url(#{name}-f)"/>'
            )
            if item.backward:
                parts.append(
                    f'<path class="bwd" d="M{x_bwd},{y + length - 2} L{x_bwd},{y + 2}" marker-end="url(#{name}-b)"/>'
                )
            for k, (cls, text) in enumerate(lines):
                parts.append(f'<text class="{cls} start" x="{x_text}" y="{y + 18 + LINE * k}">{text}</text>')
            y += length
    return svg(name, title, desc, y + 6, parts)


def svg(name: str, title: str, desc: str, height: int, parts: list[str]) -> str:
    markers = (
        f'<marker id="{name}-f" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
        'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="currentColor"/></marker>'
        f'<marker id="{name}-b" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
        'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" class="bwd-fill"/></marker>'
    )
    legend = (
        f'<text class="legend start" x="8" y="{height + 12}">── forward: values</text>'
        f'<text class="legend start bwd-label" x="170" y="{height + 12}">- - backward: gradients</text>'
    )
    return (
        f'<svg class="graph" width="{WIDTH}" height="{height + 20}" viewBox="0 0 {WIDTH} {height + 20}" role="img" '
        f'aria-labelledby="{name}-title {name}-desc" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{name}-title">{html.escape(title)}</title><desc id="{name}-desc">{html.escape(desc)}</desc>'
        f"<defs>{markers}</defs>{''.join(parts)}{legend}</svg>"
    )


def neuron() -> str:
    w, x = np.array([2.0, -3.0, 1.0]), np.array([-1.0, -2.0, 1.0])
    z = lb.linear(w, x)
    a = lb.sigmoid(z)
    da_dz = lb.sigmoid_derivative(a)
    da_dw = lb.Neuron(w).backward(x)["w"]
    items = [
        Node("w, x", "var", [("val", f"w = {live('w', vector(w))}"), ("val", f"x = {live('x', vector(x))}")]),
        Edge(["w and x"], ["∂a/∂w = ∂a/∂z · x", f"= {live('da_dw', vector(da_dw, 4), 4)}"]),
        Node("wᵀx"),
        Edge([f"z = {live('z', number(z))}"], ["∂a/∂z = a(1 − a)", f"= {live('da_dz', number(da_dz, 4), 4)}"]),
        Node("σ"),
        Edge([f"a = {live('a', number(a, 3), 3)}"], ["∂a/∂a = 1"]),
        Node("a", "var"),
    ]
    desc = (
        f"w and x feed z = w transpose x = {number(z)}, which feeds a = sigma(z) = {number(a, 3)}. Gradients flow "
        f"back: da/da = 1, da/dz = a(1 - a) = {number(da_dz, 4)}, da/dw = da/dz times x = {vector(da_dw, 4)}."
    )
    fields = [(f"w{i}", f"w<sub>{i}</sub>", w[i]) for i in range(3)] + [
        (f"x{i}", f"x<sub>{i}</sub>", x[i]) for i in range(2)
    ]
    return controls("neuron", fields) + chain("neuron", "Computation graph of the single sigmoid neuron", desc, items)


def two_layer() -> str:
    example = lb.worked_example()
    t = lb.TwoLayerNet(example["W1"], example["W2"]).trace(example["x"], example["y"])

    def rows(key, m):  # a matrix as one line per row
        return [("bwd-label", live(f"{key}.{i}", vector(r))) for i, r in enumerate(m)]

    items = [
        Node("x", "var", [("val", f"x = {live('x', vector(t.x))}")]),
        Edge(),
        Node("W¹ ·", "op", [("bwd-label", "(1) ∂L/∂W¹ = ∂L/∂z¹ xᵀ ="), *rows("dW1", t.dW1)]),
        Edge(
            [f"z¹ = {live('z1', vector(t.z1))}"],
            ["(2) ∂L/∂z¹ = ∂L/∂a¹ ⊙ 𝕀(z¹ &gt; 0)", f"= {live('dz1', vector(t.dz1))}"],
        ),
        Node("ReLU"),
        Edge([f"a¹ = {live('a1', vector(t.a1))}"], ["(3b) ∂L/∂a¹ = W²ᵀ ∂L/∂z²", f"= {live('da1', vector(t.da1))}"]),
        Node("W² ·", "op", [("bwd-label", "(3a) ∂L/∂W² = ∂L/∂z² a¹ᵀ ="), *rows("dW2", t.dW2)]),
        Edge([f"z² = {live('z2', vector(t.z2))}"], ["(4) ∂L/∂z² = ŷ − y", f"= {live('dz2', vector(t.dz2))}"]),
        Node("softmax"),
        Edge([f"ŷ = {live('y_hat', vector(t.y_hat))}"], ["softmax and CE, taken", "together in row (4)"]),
        Node("CE", "op", [("val", f"y = {live('y', vector(t.y))}")]),
        Edge([f"L = {live('L', number(t.L))}"], ["(5) ∂L/∂L = 1"]),
        Node("L", "var"),
    ]
    desc = (
        f"x = {vector(t.x)} flows through the layer W1 (z1 = {vector(t.z1)}), the ReLU (a1 = {vector(t.a1)}), "
        f"the layer W2 (z2 = {vector(t.z2)}), softmax (y_hat = {vector(t.y_hat)}) and the cross-entropy against "
        f"y, giving L = {number(t.L)}. Gradients flow back: dL/dz2 = y_hat - y = {vector(t.dz2)}, "
        f"dL/da1 = {vector(t.da1)}, dL/dz1 = {vector(t.dz1)}, and dL/dW2, dL/dW1 beside their layers."
    )
    fields = [(f"x{i}", f"x<sub>{i}</sub>", t.x[i]) for i in range(3)]
    target = int(np.argmax(t.y))
    options = "".join(f'<option value="{k}"{" selected" * (k == target)}>{k}</option>' for k in range(t.y.size))
    extra = f'<label>class <select data-input="class">{options}</select></label>'
    weights = html.escape(json.dumps({"W1": example["W1"].tolist(), "W2": example["W2"].tolist()}), quote=True)
    graph = chain("net", "Computation graph of the two-layer network, on the worked example", desc, items)
    return controls("two-layer", fields, extra).replace("<form ", f'<form data-weights="{weights}" ', 1) + graph


def diamond() -> str:
    a = Value(2.0)
    b, c = a * 3.0, a * 5.0
    f = b * c
    f.backward()
    v = {k: number(n.data) for k, n in {"a": a, "b": b, "c": c, "f": f}.items()}
    g = {k: number(n.grad) for k, n in {"a": a, "b": b, "c": c}.items()}
    parts = [
        '<g class="op"><rect x="130" y="8" width="80" height="34" rx="7"/><text x="170" y="30">a</text></g>',
        f'<text class="val start" x="220" y="22">a = {v["a"]}</text>',
        f'<text class="bwd-label start" x="220" y="40">∂f/∂a = {g["a"]}</text>',
        '<g class="op"><rect x="20" y="110" width="80" height="34" rx="7"/><text x="60" y="132">b = 3a</text></g>',
        '<g class="op"><rect x="240" y="110" width="80" height="34" rx="7"/><text x="280" y="132">c = 5a</text></g>',
        f'<text class="val" x="60" y="164">b = {v["b"]}</text>',
        f'<text class="bwd-label" x="60" y="182">∂f/∂b = c = {g["b"]}</text>',
        f'<text class="val" x="280" y="164">c = {v["c"]}</text>',
        f'<text class="bwd-label" x="280" y="182">∂f/∂c = b = {g["c"]}</text>',
        '<g class="op"><rect x="130" y="236" width="80" height="34" rx="7"/><text x="170" y="258">f = b c</text></g>',
        f'<text class="val start" x="220" y="250">f = {v["f"]}</text>',
        '<text class="bwd-label start" x="220" y="268">∂f/∂f = 1</text>',
        '<path class="fwd" d="M150,44 L78,108" marker-end="url(#diamond-f)"/>',
        '<path class="fwd" d="M190,44 L262,108" marker-end="url(#diamond-f)"/>',
        '<path class="fwd" d="M78,188 L150,234" marker-end="url(#diamond-f)"/>',
        '<path class="fwd" d="M262,188 L190,234" marker-end="url(#diamond-f)"/>',
        '<path class="bwd" d="M162,226 L96,186" marker-end="url(#diamond-b)"/>',  # gradients, back up from f
        '<path class="bwd" d="M178,226 L244,186" marker-end="url(#diamond-b)"/>',
        '<path class="bwd" d="M88,102 L128,66" marker-end="url(#diamond-b)"/>',  # and on to a
        '<path class="bwd" d="M252,102 L212,66" marker-end="url(#diamond-b)"/>',
        '<text class="bwd-label" x="86" y="74">× 3</text><text class="bwd-label" x="254" y="74">× 5</text>',
    ]
    desc = (
        f"a = {v['a']} feeds b = 3a = {v['b']} and c = 5a = {v['c']}; f = b c = {v['f']}. Backward: df/db = c = "
        f"{g['b']}, df/dc = b = {g['c']}, and df/da = 3 times {g['b']} plus 5 times {g['c']} = {g['a']}."
    )
    return svg("diamond", "The diamond graph: a used twice", desc, 278, parts)


GRAPHS = {"neuron": neuron, "two-layer": two_layer, "diamond": diamond}


def render(name: str) -> str:
    """The graph as a page shows it: its fields, if it is live, then the drawing."""
    if name not in GRAPHS:
        raise KeyError(f"no graph named {name!r}: the graphs are {', '.join(GRAPHS)}")
    return GRAPHS[name]()


def drawing(name: str) -> str:
    """The SVG alone, as a notebook attaches it (a notebook runs no script of the site's)."""
    figure = render(name)
    return figure[figure.index("<svg") :]


def on_page_markdown(markdown, page, config, files):
    return MARKER.sub(lambda m: render(m[1]), markdown)
