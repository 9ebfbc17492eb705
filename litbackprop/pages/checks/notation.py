r"""The notation: which name in a page's code holds the value of each symbol its equations use.

The formula checker (``formulas.py``) evaluates a display equation by looking each symbol up here,
then in the namespace of the block paired with the equation. The home page's notation table is made
from `NOTATION` at the site's build (``<!-- notation table -->``, `table`), its code names by the rules
below, so the table a student reads is the one the checker uses.

A symbol is written as the parser spells it: the letter or Greek command, an accent before it
(``\hat y``) and a layer after it (``W^{(1)}``). A layer number is part of the name, as in the
notes: ``W^{(1)}`` is ``W1``. Most symbols need no entry: a letter is its own name (``x``, ``L``,
``N``, ``X``), a layer is appended (``z^{(2)}`` is ``z2``), and a hat is ``_hat`` (``\hat Y`` is
``Y_hat``). Gradients follow one rule too (the home page's last row):

- ``\frac{\partial L}{\partial S}`` is ``d`` + the name of ``S``: ``dW1``, ``dz2``, ``dA1``; or, when the
  block keeps its gradients in a dictionary, ``grads["W1"]``; or, for a value of the autodiff engine, ``S.grad``;
- the derivative of anything else, ``\frac{\partial a}{\partial z}``, is ``da_dz``; and of the loss, where
  ``dS`` would read as another name, ``dL_dS``: ``dL_dy_hat``.
"""

from __future__ import annotations

import contextvars
import keyword
import re

SYMBOLS: dict[str, str] = {
    "x^{(1)}": "x",  # the notes' name for the input: the first layer's input
    "\\theta": "theta",
    "\\epsilon": "eps",
    "\\eta": "lr",
    "\\mu": "momentum",
    "v": "velocity",
    "\\sigma": "sigmoid",
    "g_{\\text{analytic}}": "g_a",
    "g_{\\text{numerical}}": "g_n",
}
"""Symbols whose code name the general rules above do not give: the Greek letters the code spells as words."""

PAGE_SYMBOLS: contextvars.ContextVar[dict[str, str] | None] = contextvars.ContextVar("page_symbols", default=None)
"""The symbols the page being checked declares itself (``<!-- notation`` in its source), read before `SYMBOLS`."""

FUNCTIONS = {
    "\\sigma": "sigmoid",
    "\\sigma'": "sigmoid_prime",
    "softmax": "softmax",
    "CE": "cross_entropy",
    "ReLU": "relu",
}
"""Functions the equations apply, by the name the library gives them."""


NOTATION: tuple[tuple[tuple[str, ...], str, str], ...] = (
    (("x", "x^{(1)}"), "\\((d,)\\) or \\((d, N)\\)", "one input column, or a batch of \\(N\\) columns"),
    (("W^{(1)}", "W^{(2)}"), "\\((h, d)\\), \\((k, h)\\)", "weights, one row per output unit"),
    (("b^{(1)}", "b^{(2)}"), "\\((h,)\\), \\((k,)\\)", "biases, one per output unit"),
    (("z^{(1)}", "a^{(1)}"), "\\((h,)\\) or \\((h, N)\\)", "hidden pre-activation and activation"),
    (("z^{(2)}", "\\hat y"), "\\((k,)\\) or \\((k, N)\\)", "logits and predicted probabilities"),
    (("y",), "\\((k,)\\) or \\((k, N)\\)", "one-hot targets"),
    (("L",), "scalar", "the loss, averaged over a batch"),
    (("\\frac{\\partial L}{\\partial W^{(2)}}",), "like `W2`", "a gradient is named `d` + the quantity"),
    (("\\theta",), "a dictionary", "every parameter, by name"),
    (("\\eta", "\\mu", "v"), "scalars; \\(v\\) like \\(\\theta\\)", "learning rate, momentum, velocity"),
)
"""The home page's notation table: each row's symbols (as the parser spells them), shape and meaning.

Its code column is not written here: `table` gives each symbol the name the checker looks it up by.
"""


ROWS: dict[str, str] = {
    "z1": "1", "a1": "2", "z2": "3", "y_hat": "4", "L": "5",  # the forward table: what each row computes
    "dL": "5", "dz2": "4", "dW2": "3a", "da1": "3b", "dz1": "2", "dW1": "1",  # the backward table
    "db1": "1b", "db2": "3c",  # the two bias rows this site adds
}  # fmt: skip
"""The row of the notes' tables that defines each quantity, by its code name (a batch's Z1 is z1's row): a
tagged equation is tagged with the row of what it defines."""


def table() -> str:
    """The notation table as Markdown: symbol, the name the checker reads it by, shape, meaning."""
    rows = ["| Symbol | Code | Shape | Meaning |", "| :--- | :--- | :--- | :--- |"]
    for symbols, shape, meaning in NOTATION:
        names = []
        for symbol in symbols:
            derivative = re.fullmatch(r"\\frac\{\\partial (\S+)\}\{\\partial (.+)\}", symbol)
            names.append(gradient_name(*derivative.groups())[0] if derivative else code_name(symbol))
        shown = ", ".join(_inline(symbol.replace("\\frac", "\\dfrac")) for symbol in symbols)
        code = ", ".join(f"`{name}`" for name in dict.fromkeys(names))
        rows.append(f"| {shown} | {code} | {shape} | {meaning} |")
    functions = [
        _inline(tex if tex.startswith("\\") else "\\text{" + tex + "}") + f" is `lb.{name}`"
        for tex, name in FUNCTIONS.items()
        if not tex.endswith("'")
    ]
    return "\n".join(rows) + "\n\nThe functions the equations apply are the library's: " + ", ".join(functions) + ".\n"


def _inline(tex: str) -> str:
    return "\\(" + tex + "\\)"


def code_name(symbol: str) -> str:
    r"""The name in the code of a symbol as the parser spells it: ``W^{(1)}`` → ``W1``, ``\hat y`` → ``y_hat``.

    A subscript in words is part of the name, ``L_{\text{total}}`` → ``L_total``; a Greek letter is its name,
    ``\lambda`` → ``lambda_``, with an underscore where the name is one of Python's keywords.
    """
    declared = PAGE_SYMBOLS.get() or {}
    if symbol in declared:
        return declared[symbol]
    if symbol in SYMBOLS:
        return SYMBOLS[symbol]
    worded = re.fullmatch(r"(.+)_\{\\text\{([^{}]*)\}\}", symbol)
    if worded:
        words = re.sub(r"\W+", "_", worded[2]).strip("_")
        return f"{code_name(worded[1])}_{words}"
    hat = symbol.startswith("\\hat ")
    base = symbol.removeprefix("\\hat ")
    layer = ""
    if base.endswith(")}") and "^{(" in base:
        base, _, layer = base.partition("^{(")
        layer = layer.removesuffix(")}")
    base = declared.get(base, SYMBOLS.get(base, base.lstrip("\\")))
    name = f"{base}{layer}{'_hat' if hat else ''}"
    return name + "_" if keyword.iskeyword(name) else name


def gradient_name(of: str, wrt: str) -> list[str]:
    r"""The code names of ``\frac{\partial of}{\partial wrt}``, first found first: ``dW1`` for the loss, ``da_dz``."""
    names = [f"d{code_name(of)}_d{code_name(wrt)}"]
    return ["d" + code_name(wrt), *names] if of == "L" else names
