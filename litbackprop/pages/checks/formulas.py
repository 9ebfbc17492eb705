r"""Display equations executed: each side of an equation is evaluated, and the sides must agree.

The printed-number tie (``printed_numbers.py``) checks the digits an equation shows. This checks
the formula: ``\frac{\partial L}{\partial a^{(1)}} = {W^{(2)}}^T (\hat y - y)`` is parsed, each
side is computed from its symbols with the values of the Python block paired with the equation
(``notation.py`` says which name holds which symbol), and the two must be equal. Drop the
transpose and the shapes no longer fit; flip the difference and the values differ; either fails.

The site's TeX is a small language, and this is a small evaluator for it (a tokenizer and a
recursive-descent parser over numpy), not a general computer algebra system:

- vectors are columns, as in the notes: a 1-D array of the code is a ``(n, 1)`` matrix here, so
  ``(\hat y - y) {a^{(1)}}^T`` is an outer product and ``a^T b`` an inner one;
- two factors side by side multiply: a matrix product, or a scalar times anything. ``\cdot`` and
  ``\odot`` multiply entry by entry, and only arrays of one shape (or a scalar): nothing broadcasts;
- an index written as a letter, ``z_k`` or ``W_{kj}``, names an axis (``\sum_j`` sums over it, and
  ``\delta_{ij}`` is the identity over two of them), so entry-by-entry formulas are evaluated for
  every entry at once; a single index on a batch, ``\hat y_n``, is its column ``n``;
- a number written with d decimals stands for any value within half a unit of its last place, so a
  side with printed numbers agrees with another when they differ by no more than those half-units
  can move it (measured by moving each number by its half-unit);
- ``\frac{\partial (a\,b)}{\partial a}`` of an expression is its derivative by central differences in float64;
- ``X \qquad\text{not}\qquad Y`` says the wrong formula Y gives another value than X: it must differ.

An equation, or a part of one, that this cannot evaluate (a Taylor remainder, an estimate with
unnamed constants) is left out by its page, with the reason, in a ``<!-- not evaluated -->``
comment (`page_declarations`); How this site checks itself lists and counts them all.
"""

from __future__ import annotations

import contextlib
import copy
import io
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

import litbackprop as lb
from litbackprop.pages.checks.notation import FUNCTIONS, PAGE_SYMBOLS, code_name, gradient_name
from litbackprop.pages.checks.pairing import displays

ELEMENTARY = {
    "\\log": np.log,
    "\\ln": np.log,
    "\\exp": np.exp,
    "\\tanh": np.tanh,
    "\\sinh": np.sinh,
    "\\cosh": np.cosh,
    "\\sin": np.sin,
    "\\cos": np.cos,
}
"""The elementary functions an equation applies entry by entry, as numpy computes them (the library's own, such
as softmax, are `notation.FUNCTIONS`)."""


class FormulaError(Exception):
    """An equation that does not hold, or that cannot be read; the message says which and why."""


# --- tokens


TOKEN = re.compile(
    r"\\text\{(?P<text>[^{}]*)\}"
    r"|\\operatorname\{(?P<op>[^{}]*)\}"
    r"|(?P<num>\d+(?:\.\d+)?)"
    r"|(?P<cmd>\\[A-Za-z]+|\\[^A-Za-z])"
    r"|(?P<char>[A-Za-z])"
    r"|(?P<sym>[{}^_&()\[\]+\-=<>,|':/!*;.])"
    r"|(?P<space>\s+)"
)
IGNORED = {
    "\\,", "\\;", "\\!", "\\ ", "\\left", "\\right", "\\big", "\\bigg", "\\Big", "\\Bigg", "\\bigl", "\\bigr",
    "\\Bigl", "\\Bigr", "\\biggl", "\\biggr", "\\displaystyle", "\\limits", "\\:",
}  # fmt: skip
RELATIONS = {"=", "\\approx", "<", ">", "\\ge", "\\le", "\\geq", "\\leq", "\\leftarrow", "\\sim", "\\in", "\\neq"}
SEPARATORS = {"\\quad", "\\qquad", "\\\\", "\\Longrightarrow", "\\implies", ","}


@dataclass(frozen=True)
class Tok:
    kind: str  # text, num, cmd, char, sym
    value: str


NORMS = {"1": 1, "2": None, "F": None, "\\infty": np.inf}
"""The subscripts of a norm the evaluator reads, each as numpy's ``ord`` of the entries."""

SYNONYMS = [
    (r"\^\s*\{?\\(?:top|intercal|mathsf\{T\})\}?", "^T"),  # W^\top, W^{\intercal}: the transpose
    (r"([A-Za-z])\^\{\((\d+)\)\s*T\}", r"{\1^{(\2)}}^T"),  # W^{(2)T} is {W^{(2)}}^T
    (r"\\mathcal\s*\{?L\}?", "L"),  # \mathcal{L}, the loss
    (r"\\(?:mathrm|operatorname|mathit)\{([A-Za-z]{2,})\}", r"\\text{\1}"),  # \mathrm{softmax}: a function
    (r"\\(?:mathbf|boldsymbol|bm|mathrm|mathit)\s*\{([A-Za-z])\}", r"\1"),  # \mathbf{W} is W
    (r"\\nabla_\{([^{}]*(?:\{[^{}]*\}[^{}]*)*)\}\s*L\b", r"\\frac{\\partial L}{\\partial \1}"),  # \nabla_{W^{(1)}} L
    (r"\\nabla_([A-Za-z])\s*L\b", r"\\frac{\\partial L}{\\partial \1}"),  # \nabla_W L
    (r"\\sum_\{\s*1\s*\\le\s*([a-z])\s*\\le\s*([A-Za-z])\s*\}", r"\\sum_{\1=1}^{\2}"),  # a range as bounds
]
"""Spellings that mean the same as the one the evaluator reads, rewritten into it before the tokens are read."""


def tokenize(tex: str) -> list[Tok]:
    for pattern, replacement in SYNONYMS:
        tex = re.sub(pattern, replacement, tex)
    tex = re.sub(r"\\tag\{[^}]*\}", " ", tex)
    tex = tex.replace("\\dfrac", "\\frac").replace("\\tfrac", "\\frac")
    tex = tex.replace("\\lvert", "|").replace("\\rvert", "|").replace("\\lVert", "\\|").replace("\\rVert", "\\|")
    tex = re.sub(r"\\\\\[[^\]]*\]", r"\\\\", tex)  # \\[2ex]: a line break with its spacing
    tex = re.sub(r"\b[a-z]\s*=\s*1,\s*\\ldots,\s*[A-Za-z]\b", " ", tex)  # n = 1, \ldots, N: an index's range
    tokens, at = [], 0
    while at < len(tex):
        match = TOKEN.match(tex, at)
        if not match:
            raise FormulaError(f"cannot read {tex[at : at + 20]!r}")
        at = match.end()
        kind = match.lastgroup
        value = match.group(kind)
        if kind == "space" or (kind == "cmd" and value in IGNORED):
            continue
        if kind == "op":
            kind = "text"
        tokens.append(Tok(kind, value.strip() if kind == "text" else value))
    return tokens


# --- statements: an equation is relations separated by \quad, commas, line breaks and implications


@dataclass
class Statement:
    sides: list[list[Tok]]
    relations: list[str]
    negated: bool = False  # "X \qquad\text{not}\qquad Y": Y is the wrong formula


def statements(tokens: list[Tok]) -> list[Statement]:
    """Split an equation into its statements; drop prose, ranges (n = 1, ..., N) and environments' layout."""
    pieces: list[list[Tok]] = [[]]
    depth = 0
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if tok.value in ("\\begin", "\\end") and _environment(tokens, i) in ("aligned", "gathered", "align"):
            i += 3 + len(_environment(tokens, i))  # \begin { a l i g n e d }
            pieces.append([])
            continue
        if tok.value in ("{", "(", "[", "\\{") or tok.value == "\\begin":
            depth += 1
        elif tok.value in ("}", ")", "]", "\\}") or tok.value == "\\end":
            depth -= 1
        if depth == 0 and tok.value in SEPARATORS:
            nxt = _skip(tokens, i + 1, {"&"})
            if tok.value == "\\\\" and nxt < len(tokens) and tokens[nxt].value in RELATIONS:
                i += 1  # an aligned line that goes on with "&= ...": the same chain
                continue
            pieces.append([])
        elif depth == 0 and tok.value == "&":
            pass
        elif depth == 0 and tok.value == ":":
            pieces.append([])
        else:
            pieces[-1].append(tok)
        i += 1
    result: list[Statement] = []
    negate_next = False
    for piece in pieces:
        if piece and all(t.kind == "text" for t in piece):
            negate_next = negate_next or any(t.value == "not" for t in piece)
            continue
        while piece and piece[0].kind == "text" and not _is_function(piece, 0):
            piece = piece[1:]
        while piece and piece[-1].kind == "text":
            negate_next = negate_next or piece[-1].value == "not"
            piece = piece[:-1]
        if not piece:
            continue
        if any(t.value in ("\\ldots", "\\dots") for t in piece):  # ranges (n = 1, \ldots, N) are gone already
            raise FormulaError("\\ldots outside the range of an index (n = 1, \\ldots, N): it stands for no value")
        sides, relations = [[]], []
        depth = 0
        for tok in piece:
            if tok.value in ("{", "(", "[", "\\{", "\\begin"):
                depth += 1
            elif tok.value in ("}", ")", "]", "\\}", "\\end"):
                depth -= 1
            if depth == 0 and tok.value in RELATIONS:
                relations.append(tok.value)
                sides.append([])
            else:
                sides[-1].append(tok)
        result.append(Statement(sides, relations, negated=negate_next))
        negate_next = False
    return result


def _environment(tokens: list[Tok], i: int) -> str:
    name = []
    for tok in tokens[i + 2 :]:
        if tok.value == "}":
            break
        name.append(tok.value)
    return "".join(name)


def _skip(tokens: list[Tok], i: int, values: set[str]) -> int:
    while i < len(tokens) and tokens[i].value in values:
        i += 1
    return i


def _is_function(piece: list[Tok], i: int) -> bool:
    return piece[i].value in FUNCTIONS and i + 1 < len(piece) and piece[i + 1].value == "("


# --- values: an array with named index axes first, then its matrix shape


@dataclass
class V:
    array: np.ndarray
    axes: tuple[str, ...] = ()  # named index axes, leading

    @property
    def matrix(self) -> tuple[int, ...]:
        return self.array.shape[len(self.axes) :]

    @property
    def scalar(self) -> bool:
        return all(n == 1 for n in self.matrix)


@dataclass
class Space(V):
    shape: tuple[int, ...] = ()


@dataclass
class Members(V):
    """A set written out, ``\\{W^{(1)}, b^{(1)}\\}``: what ``\\in`` compares a value with, member by member."""

    members: tuple[V, ...] = ()


@dataclass
class Normal(V):
    mean: float = 0.0
    variance: float = 1.0


def value_of(obj) -> V:
    if hasattr(obj, "data") and hasattr(obj, "grad"):  # a value of the autodiff engine
        obj = obj.data
    array = np.asarray(obj, dtype=np.float64)
    if array.ndim == 1:
        array = array[:, None]  # vectors are columns
    return V(array)


def aligned(a: V, b: V, op: str) -> tuple[np.ndarray, np.ndarray, tuple[str, ...]]:
    """The arrays of two values with their index axes in one order, matrix parts left as they are."""
    axes = a.axes + tuple(n for n in b.axes if n not in a.axes)
    return _expand(a, axes), _expand(b, axes), axes


def _expand(v: V, axes: tuple[str, ...]) -> np.ndarray:
    order = [v.axes.index(n) for n in axes if n in v.axes]
    array = np.transpose(v.array, order + list(range(len(v.axes), v.array.ndim)))
    for k, n in enumerate(axes):
        if n not in v.axes:
            array = np.expand_dims(array, k)
    return array


def elementwise(a: V, b: V, op: str, fn) -> V:
    if a.matrix != b.matrix and not (a.scalar or b.scalar):
        raise FormulaError(f"{op} of shapes {a.matrix} and {b.matrix}: the shapes must be equal")
    x, y, axes = aligned(a, b, op)
    if a.scalar and not b.scalar and a.matrix:
        x = x.reshape(x.shape[: len(axes)] + (1,) * len(b.matrix))
    if b.scalar and not a.scalar and b.matrix:
        y = y.reshape(y.shape[: len(axes)] + (1,) * len(a.matrix))
    with np.errstate(all="ignore"):
        out = fn(x, y)
    return V(out, axes)


def product(a: V, b: V) -> V:
    """Two factors side by side: a scalar times anything, or a matrix product."""
    if a.scalar or b.scalar:
        return elementwise(a, b, "product", np.multiply)
    if len(a.matrix) != 2 or len(b.matrix) != 2 or a.matrix[1] != b.matrix[0]:
        raise FormulaError(f"matrix product of shapes {a.matrix} and {b.matrix}: they do not fit")
    x, y, axes = aligned(a, b, "product")
    return V(np.matmul(x, y), axes)


def apply(fn, v: V, *, columnwise: bool = False) -> V:
    """A function of a value: on each entry, or (softmax, cross-entropy) on each column."""
    if columnwise and len(v.matrix) != 2:
        raise FormulaError(f"a function of columns applied to shape {v.matrix}")
    with np.errstate(all="ignore"):
        return V(fn(v.array), v.axes)


# --- the parser and evaluator


class Parser:
    def __init__(self, tokens: list[Tok], env: Env, literals: dict[int, float]):
        self.tokens, self.i, self.env, self.literals = tokens, 0, env, literals
        self.count = 0  # literals met so far, to find the one a perturbation moves

    # helpers
    def peek(self, k: int = 0) -> Tok | None:
        return self.tokens[self.i + k] if self.i + k < len(self.tokens) else None

    def take(self, value: str | None = None) -> Tok:
        tok = self.peek()
        if tok is None or (value is not None and tok.value != value):
            raise FormulaError(f"expected {value!r}, found {tok.value if tok else 'the end'!r}")
        self.i += 1
        return tok

    def group_tokens(self) -> list[Tok]:
        """The tokens of a {...} group, or the one token that stands for it."""
        if self.peek() is not None and self.peek().value == "{":
            self.take("{")
            depth, out = 1, []
            while True:
                tok = self.take()
                depth += tok.value == "{"
                depth -= tok.value == "}"
                if depth == 0:
                    return out
                out.append(tok)
        return [self.take()]

    def sub(self, tokens: list[Tok]) -> V:
        inner = Parser(tokens, self.env, self.literals)
        inner.count = self.count
        value = inner.expression()
        if inner.peek() is not None:
            raise FormulaError(f"cannot read {' '.join(t.value for t in tokens)!r}")
        self.count = inner.count
        return value

    # grammar
    def whole(self) -> V:
        value = self.expression()
        if self.peek() is not None:
            raise FormulaError(f"cannot read on from {self.peek().value!r}")
        return value

    def expression(self) -> V:
        sign = None
        if self.peek() is not None and self.peek().value in "+-":
            sign = self.take().value
        value = self.term()
        if sign == "-":
            value = V(-value.array, value.axes)
        while self.peek() is not None and self.peek().value in ("+", "-"):
            op = self.take().value
            right = self.term()
            fn = np.add if op == "+" else np.subtract
            value = elementwise(value, right, "sum" if op == "+" else "difference", fn)
        return value

    def starts_factor(self, tok: Tok | None) -> bool:
        if tok is None:
            return False
        if tok.value in RELATIONS or tok.value in ("+", "-", ")", "]", "}", "&", "\\\\", ",", "|", "\\end"):
            return False
        return tok.value not in ("\\cdot", "\\odot", "\\times", "/")

    def term(self) -> V:
        value = self.factor()
        while True:
            tok = self.peek()
            if tok is not None and tok.value in ("\\cdot", "\\odot", "\\times"):
                self.take()
                right = self.factor()
                if tok.value == "\\times":
                    value = product(value, right) if (value.scalar or right.scalar) else _bad("\\times of matrices")
                else:
                    value = elementwise(value, right, tok.value, np.multiply)
            elif tok is not None and tok.value == "/":
                self.take()
                value = elementwise(value, self.factor(), "quotient", np.divide)
            elif self.starts_factor(tok):
                value = product(value, self.factor())
            else:
                return value

    def factor(self) -> V:
        value = self.primary()
        return self.postfix(value)

    def postfix(self, value: V) -> V:
        while self.peek() is not None and self.peek().value in ("^", "_"):
            if self.take().value == "_":
                value = self.index(value, self.group_tokens())
                continue
            exponent = self.group_tokens()
            if [t.value for t in exponent] == ["T"]:
                value = transpose(value)
            else:
                power = self.sub(exponent)
                value = elementwise(value, power, "power", np.power)
        return value

    def index(self, value: V, tokens: list[Tok]) -> V:
        """``v_k``, ``W_{kj}``, ``Z_{:,n}``, ``\\hat y_n`` (a column of a batch): named axes; ``x_{i+m,\\, j+n}``
        (a convolution's window): an index that is a sum of named ones (`shifted`)."""
        groups = [[]]  # the tokenizer has dropped the spacing (\\,) already
        for t in tokens:
            if t.value == ",":
                groups.append([])
            else:
                groups[-1].append(t)
        if any(len(group) > 1 and any(t.value == "+" for t in group) for group in groups):
            return self.shifted(value, groups)
        names = [t.value for t in tokens if t.value != ","]
        if len(names) == 1 and names[0].isdigit() and len(value.matrix) == 2 and value.matrix[1] == 1:
            if int(names[0]) >= value.matrix[0]:
                raise FormulaError(f"entry {names[0]} of a column of {value.matrix[0]} (entries count from 0)")
            return V(value.array[..., int(names[0]), 0], value.axes)
        if len(names) == 1 and names[0].isdigit() and len(value.matrix) == 2 and value.matrix[1] > 1:
            column = int(names[0])  # y_1, the first example of a batch: columns count from 1, as sums over n do
            if not 1 <= column <= value.matrix[1]:
                raise FormulaError(f"example {column} of a batch of {value.matrix[1]} (examples count from 1)")
            return V(value.array[..., :, column - 1 : column], value.axes)
        if not all(len(n) == 1 and (n.isalpha() or n == ":") for n in names):
            raise FormulaError(f"cannot index with {''.join(names)!r}")
        array, axes = value.array, value.axes
        matrix = value.matrix
        if len(names) == 1 and len(matrix) == 2 and matrix[1] > 1:  # one index on a batch: its columns
            names = [":", names[0]]
        if len(names) == 1 and len(matrix) == 2 and matrix[1] == 1:
            names = [names[0], "_"]  # a column's entries; the column axis of length 1 goes
        if len(names) != len(matrix):
            raise FormulaError(f"{len(names)} indices on a value of shape {matrix}")
        k = len(axes)
        new_axes = list(axes)
        keep = []
        for pos, name in enumerate(names):
            if name == ":":
                keep.append(k + pos)
            elif name == "_":
                continue
            else:
                new_axes.append(name)
                self.env.sizes[name] = matrix[pos]
        named = [k + pos for pos, name in enumerate(names) if name not in (":", "_")]
        dropped = [k + pos for pos, name in enumerate(names) if name == "_"]
        array = np.transpose(array, list(range(k)) + named + keep + dropped)
        array = array.reshape(array.shape[: array.ndim - len(dropped)])
        if len(keep) == 1:
            array = array[..., None]  # a column stays a column
        return V(array, tuple(new_axes))

    def shifted(self, value: V, groups: list[list[Tok]]) -> V:
        """``x_{i+m,\\, j+n}``: entry (i + m, j + n) of a matrix for every i, m, j, n at once, each a named axis whose
        length an earlier factor gave (``z_{ij}`` on the left, ``W_{mn}`` in the sum); an index past the matrix's
        edge is an error, not a zero (pad the matrix in the block, and name the padded one)."""
        if value.axes or len(groups) != len(value.matrix):
            raise FormulaError(
                f"{len(groups)} shifted indices on a value of shape {value.matrix} with axes {value.axes}"
            )
        terms = []  # each group's terms, (coefficient, index): 2i + m is [(2, i), (1, m)]
        for group in groups:
            values, parsed = [t.value for t in group], []
            for term in " ".join(values).split("+"):
                parts = term.split()
                if len(parts) == 2 and parts[0].isdigit():
                    parsed.append((int(parts[0]), parts[1]))
                elif len(parts) == 1:
                    parsed.append((1, parts[0]))
                else:
                    raise FormulaError(f"an index term {term.strip()!r}: a letter, or a whole number times one")
            terms.append(parsed)
        spelled = [[name for _, name in group] for group in terms]
        names = [name for group in spelled for name in group]
        unknown = [name for name in names if name not in self.env.sizes or not (len(name) == 1 and name.isalpha())]
        if unknown or len(set(names)) != len(names):
            raise FormulaError(
                f"the indices {names}: each a distinct letter whose length an earlier factor gives (unknown: {unknown})"
            )
        sizes = [self.env.sizes[name] for name in names]
        grids = np.indices(sizes, sparse=True)
        where = {name: grid for name, grid in zip(names, grids, strict=True)}
        positions = [sum(coefficient * where[name] for coefficient, name in group) for group in terms]
        for axis, (position, group) in enumerate(zip(positions, spelled, strict=True)):
            if np.max(position) >= value.matrix[axis]:
                raise FormulaError(
                    f"{'+'.join(group)} reaches {int(np.max(position))}, past the {value.matrix[axis]} entries of axis "
                    f"{axis}: pad the array in the block"
                )
        return V(value.array[tuple(positions)], tuple(names))

    def primary(self) -> V:
        tok = self.take()
        v = tok.value
        if tok.kind == "num":
            index = self.count
            self.count += 1
            number = self.literals.get(index, float(v))
            self.env.literal_steps.setdefault(index, 0.5 * 10.0 ** -(len(v.partition(".")[2])))
            return V(np.array(number))
        if v == "{":
            self.i -= 1
            return self.sub(self.group_tokens())
        if v in ("(", "["):
            close = ")" if v == "(" else "]"
            inner = self.until(close)
            return self.sub(inner)
        if v == "\\frac":
            return self.fraction()
        if v == "\\sqrt":
            return apply(np.sqrt, self.sub(self.group_tokens()))
        if v == "\\log" and self.peek() is not None and self.peek().value == "softmax":
            self.take()  # log softmax: computed as one function, so that it stays finite where softmax is 0
            self.take("(")
            z = self.sub(self.until(")"))
            return apply(lambda a: lb.log_softmax.math(a, axis=-2), z, columnwise=True)
        if v in ELEMENTARY:
            argument = self.factor()
            return apply(ELEMENTARY[v], argument)
        if v == "\\max" and self.peek() is not None and self.peek().value == "_":
            return self.reduce_rest(np.max)  # \\max_{m,n} a_{2i+m,\\, 2j+n}: a max-pool's window
        if v == "\\max":
            self.take("(")
            first = self.sub(self.until(",", inner=True))
            second = self.sub(self.until(")"))
            return elementwise(first, second, "max", np.maximum)
        if v == "\\sum":
            return self.sum_rest()
        if v == "\\mathbb":
            letter = "".join(t.value for t in self.group_tokens())
            if letter == "R":
                return self.space()
            if letter != "I":
                raise FormulaError(f"\\mathbb{{{letter}}} is not a value")
            return self.indicator()
        if v == "\\mathcal":
            if "".join(t.value for t in self.group_tokens()) != "N":
                raise FormulaError("the only distribution is the normal one, \\mathcal{N}")
            return self.normal()
        if v == "\\mathbf":
            letter = "".join(t.value for t in self.group_tokens())
            if letter != "1":
                raise FormulaError(f"\\mathbf{{{letter}}} is not a value")
            return value_of(np.ones(int(self.env.lookup("N").array.reshape(()))))
        if v == "\\begin":
            return self.environment()
        if v == "\\{":
            return self.members()
        if v == "\\delta" and self.peek() is not None and self.peek().value == "_":
            return self.delta()
        if v == "|":
            return apply(np.abs, self.sub(self.until("|")))
        if v == "\\|":
            inner = self.sub(self.until("\\|"))
            order = None  # the 2-norm of the entries
            if self.peek() is not None and self.peek().value == "_":
                self.take()
                subscript = "".join(t.value for t in self.group_tokens())
                if subscript not in NORMS:
                    raise FormulaError(f"a norm with the subscript {subscript!r}: only {', '.join(NORMS)} are read")
                order = NORMS[subscript]
            k = len(inner.axes)  # the norm of each entry of the named indices: \sum_n \lVert y_n \rVert
            flat = inner.array.reshape(inner.array.shape[:k] + (-1,))
            return V(np.linalg.norm(flat, order, axis=-1), inner.axes)
        if v in FUNCTIONS and self.peek() is not None and self.peek().value == "'":
            self.take("'")
            return self.function(v + "'")
        if tok.kind == "text" or (v in FUNCTIONS and self.peek() is not None and self.peek().value == "("):
            return self.function(v)
        if v == "\\hat":
            letter = self.group_tokens()
            return self.symbol("\\hat " + "".join(t.value for t in letter))
        if tok.kind == "char" or tok.kind == "cmd":
            if v == "e" and self.peek() is not None and self.peek().value == "^":
                self.take("^")
                return apply(np.exp, self.sub(self.group_tokens()))
            if v == "e" and self.peek() is not None and self.peek().value == "_":
                return self.basis()
            return self.symbol(v)
        raise FormulaError(f"cannot evaluate {v!r}")

    def until(self, close: str, inner: bool = False) -> list[Tok]:
        depth, out = 0, []
        while True:
            tok = self.take()
            if depth == 0 and tok.value == close:
                return out
            depth += tok.value in ("(", "[", "{", "\\begin")
            depth -= tok.value in (")", "]", "}", "\\end")
            out.append(tok)

    def symbol(self, name: str) -> V:
        """A symbol and its layer, ``W^{(1)}``: looked up in the block's namespace."""
        if self.peek() is not None and self.peek().value == "^" and self._layer():
            self.take("^")
            layer = "".join(t.value for t in self.group_tokens())
            name = f"{name}^{{{layer}}}"
        if self.peek() is not None and self.peek().value == "'" and name in FUNCTIONS.keys() | {"\\sigma"}:
            self.take("'")
            return self.function(name + "'")
        if name in FUNCTIONS and self.peek() is not None and self.peek().value == "(":
            return self.function(name)
        if self.peek() is not None and self.peek().value == "'" and self.peek(1) is not None:
            derivative = self.env.find(code_name(name) + "_prime")  # f'(z): the block's f_prime
            if callable(derivative) and self.peek(1).value == "(":
                self.take("'")
                return self.entrywise(derivative)
        if self.peek() is not None and self.peek().value == "_" and self.peek(1) is not None:
            label = self.peek(1) if self.peek(1).kind == "text" else self.peek(2)
            if label is not None and label.kind == "text":  # g_{\text{analytic}}: a name, not an index
                self.take("_")
                self.group_tokens()
                name = f"{name}_{{\\text{{{label.value}}}}}"
        found = self.env.find(code_name(name))
        if callable(found) and not hasattr(found, "grad") and self.peek() is not None and self.peek().value == "(":
            return self.call_code(found)
        return self.env.lookup(code_name(name), tex=name)

    def entrywise(self, fn) -> V:
        """``f'(z)`` of a function of the block that maps an array to one of its shape (an activation's
        derivative): applied to the whole argument at once."""
        self.take("(")
        argument = self.sub(self.until(")"))
        whole = _whole(fn, argument)
        if whole is None:
            raise FormulaError(f"a function of the block that does not map shape {argument.matrix} to itself")
        return whole

    def call_code(self, fn) -> V:
        """A function of the block: ``f(z)``, an activation, applied to the whole argument; else
        ``f(\\theta + \\epsilon e_i)``, a function of one vector, applied to each entry of the indices."""
        self.take("(")
        argument = self.sub(self.until(")"))
        whole = None if argument.scalar else _whole(fn, argument)
        if whole is not None:
            return whole
        shape = argument.array.shape[: len(argument.axes)]
        out = np.zeros(shape)
        for at in np.ndindex(shape):
            vector = argument.array[at]
            out[at] = float(np.asarray(fn(vector[:, 0] if vector.ndim == 2 and vector.shape[1] == 1 else vector)))
        return V(out, argument.axes)

    def basis(self) -> V:
        """``e_i``: the i-th column of the identity, for every i, its length the index's."""
        self.take("_")
        name = "".join(t.value for t in self.group_tokens())
        if name not in self.env.sizes:
            raise FormulaError(f"e_{name} before the length of index {name} is known")
        n = self.env.sizes[name]
        return V(np.eye(n)[:, :, None], (name,))

    def space(self) -> V:
        """``\\mathbb{R}^{d \\times N}``: the shape an array must have."""
        self.take("^")
        dims, current = [], []
        for tok in [*self.group_tokens(), Tok("cmd", "\\times")]:
            if tok.value == "\\times":
                dims.append(int(self.sub(current).array.reshape(())))
                current = []
            else:
                current.append(tok)
        return Space(np.array(dims, dtype=float), shape=tuple(dims))

    def normal(self) -> V:
        self.take("(")
        mean = self.sub(self.until(",", inner=True))
        variance = self.sub(self.until(")"))
        return Normal(np.array(0.0), mean=float(mean.array.reshape(())), variance=float(variance.array.reshape(())))

    def _layer(self) -> bool:
        nxt = self.peek(1)
        return nxt is not None and nxt.value == "{" and self.peek(2) is not None and self.peek(2).value == "("

    def function(self, name: str) -> V:
        self.take("(")
        args = []
        while True:
            part = self.until_any((",", ")"))
            args.append(self.sub(part[0]))
            if part[1] == ")":
                break
        code = FUNCTIONS.get(name)
        if code is None:
            raise FormulaError(f"no function {name!r} in the notation")
        return call(code, args)

    def until_any(self, closes: tuple[str, ...]) -> tuple[list[Tok], str]:
        depth, out = 0, []
        while True:
            tok = self.take()
            if depth == 0 and tok.value in closes:
                return out, tok.value
            depth += tok.value in ("(", "[", "{", "\\begin")
            depth -= tok.value in (")", "]", "}", "\\end")
            out.append(tok)

    def indicator(self) -> V:
        self.take("(")
        inner = self.until(")")
        at = next((k for k, t in enumerate(inner) if t.value in (">", "<", "\\ge", "\\le")), None)
        if at is None:
            raise FormulaError("\\mathbb{I}(...) without a comparison")
        left, right = self.sub(inner[:at]), self.sub(inner[at + 1 :])
        compare = {">": np.greater, "<": np.less, "\\ge": np.greater_equal, "\\le": np.less_equal}[inner[at].value]
        return elementwise(left, right, "comparison", lambda p, q: compare(p, q).astype(np.float64))

    def reduce_rest(self, reduce) -> V:
        """``\\max_{m,n < 2} term``: the term reduced with `reduce` over each axis named below the operator, all of it;
        ``< k`` gives the indices their range, 0 … k − 1, where no factor has."""
        self.take("_")
        below = [t.value for t in self.group_tokens() if t.value != ","]
        over, bound = (below[: below.index("<")], below[below.index("<") + 1 :]) if "<" in below else (below, [])
        if not all(len(n) == 1 and n.isalpha() for n in over) or len(bound) > 1 or bound and not bound[0].isdigit():
            raise FormulaError(f"a reduction over {below}: letters that name indices, and at most '< k' after them")
        for name in over if bound else ():  # \\max_{m,n < 2}: the window's side, which no factor has given yet
            self.env.sizes[name] = int(bound[0])
        term = self.term_for_sum()
        for name in over:
            if name not in term.axes:
                raise FormulaError(f"a reduction over {name} of a term with no index {name}")
            k = term.axes.index(name)
            term = V(reduce(term.array, axis=k), term.axes[:k] + term.axes[k + 1 :])
        return term

    def sum_rest(self) -> V:
        """``\\sum_j term``, or ``\\sum_{n=1}^{N}`` with its bounds: the term, summed over axis j from its bounds
        (counted from 1, as the notes count), or over all of it."""
        self.take("_")
        below = self.group_tokens()
        over = [t.value for t in below if t.value != ","]
        if len(below) > 1 and below[1].value == "," and all(len(n) == 1 and n.isalpha() for n in over):
            term = self.term_for_sum()  # \\sum_{m,n}: over each of the axes named, all of each
            for name in over:
                if name not in term.axes:
                    raise FormulaError(f"a sum over {name} of a term with no index {name}")
                k = term.axes.index(name)
                term = V(term.array.sum(axis=k), term.axes[:k] + term.axes[k + 1 :])
            return term
        name = below[0].value
        low = self.bound(below[2:]) if len(below) > 2 and below[1].value == "=" else 1
        high = None
        if self.peek() is not None and self.peek().value == "^":
            self.take("^")
            high = self.bound(self.group_tokens())
        term = self.term_for_sum()
        if name not in term.axes:
            raise FormulaError(f"a sum over {name} of a term with no index {name}")
        k = term.axes.index(name)
        size = term.array.shape[k]
        high = size if high is None else high
        if not 1 <= low <= high <= size:
            raise FormulaError(f"a sum over {name} from {low} to {high}, where {name} runs from 1 to {size}")
        kept = np.take(term.array, np.arange(low - 1, high), axis=k)
        return V(kept.sum(axis=k), term.axes[:k] + term.axes[k + 1 :])

    def bound(self, tokens: list[Tok]) -> int:
        """A bound of a sum, such as ``1`` or ``N - 1``: an integer, from the page's values."""
        value = np.asarray(self.sub(tokens).array, dtype=float)
        if value.shape != () or value != round(float(value)):
            raise FormulaError(f"a bound of a sum that is not one integer: {''.join(t.value for t in tokens)}")
        return int(round(float(value)))

    def term_for_sum(self) -> V:
        negative = self.peek() is not None and self.peek().value == "-"
        if negative:
            self.take("-")
        value = self.factor()
        if negative:
            value = V(-value.array, value.axes)
        while self.starts_factor(self.peek()) or (self.peek() is not None and self.peek().value in ("\\cdot",)):
            if self.peek().value == "\\cdot":
                self.take()
                value = elementwise(value, self.factor(), "\\cdot", np.multiply)
            else:
                value = product(value, self.factor())
        return value

    def fraction(self) -> V:
        top, bottom = self.group_tokens(), self.group_tokens()
        derivative = top and top[0].value in ("\\partial", "d") and len(bottom) > 1
        if derivative and bottom[0].value == top[0].value:
            return self.derivative(top[1:], bottom[1:])
        return elementwise(self.sub(top), self.sub(bottom), "quotient", np.divide)

    def derivative(self, top: list[Tok], bottom: list[Tok]) -> V:
        """``\\frac{\\partial L}{\\partial S}``: a name of the code; of an expression: central differences."""
        wrt, wrt_index = _split_index(bottom)
        wrt_name = _spelled(wrt)
        if not top:  # \frac{\partial}{\partial w}(...): the derivative of what follows
            expression = self.factor_tokens()
            return self.numerical(expression, wrt_name, wrt_index)
        of, of_index = _split_index(top)
        spelled = _spelled(of)
        if spelled is not None and wrt_name is not None:
            qualifier = self.qualifier()
            found = next(
                (
                    f
                    for name in gradient_name(spelled, wrt_name)
                    if (f := self.env.find(name, of=spelled, wrt=wrt_name, qualifier=qualifier)) is not None
                ),
                None,
            )
            if found is not None:
                value = self.env.wrap(found)
                index = [*of_index, *([Tok("sym", ",")] if of_index and wrt_index else []), *wrt_index]
                return self.index(value, index) if index else value
            if spelled in FUNCTIONS:  # d sigma / dz: the function's derivative at z
                return call(FUNCTIONS[spelled + "'"], [self.env.lookup(code_name(wrt_name), tex=wrt_name)])
        if of_index or wrt_index:
            return self.entry_derivative(spelled, of_index, wrt_name, wrt_index)
        return self.numerical(of, wrt_name, wrt_index)

    def entry_derivative(self, of: str | None, of_index: list[Tok], wrt: str | None, wrt_index: list[Tok]) -> V:
        """``\\partial z_k / \\partial W_{kj}`` of a symbol an equation defines: its Jacobian by central
        differences, entry by entry, with an index named twice taken on the diagonal."""
        if of is None or wrt is None or code_name(of) not in self.env.definitions:
            raise FormulaError(f"no value for the derivative of {of} by {wrt}, and no equation defines {of}")
        base = self.env.lookup(code_name(wrt), tex=wrt)
        columns = self.central_differences(code_name(wrt), base, lambda: self.env.lookup(code_name(of), tex=of))
        out = columns[0].shape
        jacobian = np.stack(columns, axis=-1).reshape(out + base.array.shape)
        of_names = [t.value for t in of_index if t.value != ","]
        wrt_names = [t.value for t in wrt_index if t.value != ","]
        if len(out) == 2 and out[1] == 1 and len(of_names) == 1:
            jacobian, out = jacobian[:, 0], out[:1]  # a column's entries: one index
        shape_in = base.array.shape
        if len(shape_in) == 2 and shape_in[1] == 1 and len(wrt_names) == 1:
            jacobian, shape_in = jacobian[..., 0], shape_in[:1]
        if len(of_names) != len(out) or len(wrt_names) != len(shape_in):
            raise FormulaError(f"indices {of_names} and {wrt_names} on shapes {out} and {shape_in}")
        names = of_names + wrt_names
        kept = list(dict.fromkeys(names))
        for n, size in zip(names, out + shape_in, strict=True):
            self.env.sizes[n] = size
        return V(np.einsum("".join(names) + "->" + "".join(kept), jacobian), tuple(kept))

    def qualifier(self) -> str | None:
        bar, below = self.peek(), self.peek(1)
        if bar is not None and bar.value == "|" and below is not None and below.value == "_":
            self.take("|")
            self.take("_")
            return " ".join(t.value for t in self.group_tokens())
        return None

    def factor_tokens(self) -> list[Tok]:
        start = self.i
        self.factor()
        return self.tokens[start : self.i]

    def numerical(self, expression: list[Tok], wrt: str | None, index: list[Tok]) -> V:
        """The derivative of an expression by central differences, each entry of the variable in turn.

        A symbol that an equation of the page defines (``f = a\\,b``) is differentiated through its definition.
        """
        if wrt is None or index:
            raise FormulaError("a derivative with respect to something that is not a symbol")
        spelled = _spelled(expression)
        if spelled is not None and code_name(spelled) not in self.env.definitions:
            raise FormulaError(f"no value for the derivative of {spelled}, and no equation defines {spelled}")
        base = self.env.lookup(code_name(wrt), tex=wrt)
        if base.axes:
            raise FormulaError("a derivative with respect to an indexed value")
        columns = self.central_differences(code_name(wrt), base, lambda: self.sub(expression))
        if columns[0].size != 1:
            raise FormulaError("a derivative of a value that is not a scalar")
        return V(np.array([c.reshape(()) for c in columns]).reshape(base.array.shape))

    def central_differences(self, name: str, base: V, value) -> list[np.ndarray]:
        """``(value(name + h e_k) - value(name - h e_k)) / 2h`` for every entry k of `name`, in order, with the
        page's definitions followed (a symbol defined in terms of `name` moves with it)."""
        h = 1e-6
        columns = []
        self.env.deriving.append(name)
        try:
            for k in np.ndindex(base.array.shape):
                sides = []
                for step in (h, -h):
                    moved = base.array.copy()
                    moved[k] += step
                    with self.env.replaced(name, moved):
                        sides.append(value().array)
                columns.append((sides[0] - sides[1]) / (2 * h))
        finally:
            self.env.deriving.pop()
        self.env.numerical = True
        return columns

    def environment(self) -> V:
        kind = "".join(t.value for t in self.group_tokens())
        body = self.until("\\end")
        self.group_tokens()
        rows: list[list[list[Tok]]] = [[[]]]
        depth = 0
        for tok in body:
            depth += tok.value in ("{", "(", "\\begin")
            depth -= tok.value in ("}", ")", "\\end")
            if depth == 0 and tok.value == "\\\\":
                rows.append([[]])
            elif depth == 0 and tok.value == "&":
                rows[-1].append([])
            else:
                rows[-1][-1].append(tok)
        rows = [r for r in rows if any(cell for cell in r)]
        if kind in ("bmatrix", "pmatrix"):
            if len(rows) == 1:
                rows = [self.expanded(rows[0])]  # x_1 & x_2 & \cdots & x_N: every column the range names
            if any(t.value in ("\\cdots", "\\vdots", "\\ldots") for r in rows for c in r for t in c):
                raise FormulaError("a matrix with an ellipsis that is not a range x_1 & x_2 & \\cdots & x_N")
            cells = [[self.sub(c) for c in r] for r in rows]
            if len(rows) == 1 and all(len(c.matrix) == 2 and c.matrix[1] == 1 and not c.axes for c in cells[0]):
                if len(cells[0]) > 1 and not all(c.scalar for c in cells[0]):  # columns side by side: a batch
                    return V(np.concatenate([c.array for c in cells[0]], axis=1))
            if any(not cell.scalar or cell.axes for r in cells for cell in r):
                raise FormulaError("a matrix whose entries are not numbers")
            return V(np.array([[float(cell.array.reshape(())) for cell in r] for r in cells]))
        if kind == "cases":
            result = None
            for value_tokens, condition in ((r[0], r[1]) for r in rows):
                value = self.sub(value_tokens)
                indicator = [Tok("cmd", "\\mathbb"), Tok("sym", "{"), Tok("char", "I"), Tok("sym", "}")]
                mask = self.sub([*indicator, Tok("sym", "("), *condition, Tok("sym", ")")])
                picked = elementwise(value, mask, "case", lambda p, q: np.where(q > 0, p, np.nan))
                if result is None:
                    result = picked
                else:
                    result = elementwise(result, picked, "cases", lambda p, q: np.where(np.isnan(p), q, p))
            return result
        raise FormulaError(f"cannot evaluate a {kind} environment")

    def members(self) -> V:
        """``\\{a, b, c\\}``: each member evaluated; ``x \\in`` the set holds when x is one of them."""
        inner = self.until("\\}")
        members, current, depth = [], [], 0
        for tok in inner:
            depth += tok.value in ("{", "(", "[", "\\{")
            depth -= tok.value in ("}", ")", "]", "\\}")
            if depth == 0 and tok.value == ",":
                members.append(current)
                current = []
            else:
                current.append(tok)
        members.append(current)
        if not all(members):
            raise FormulaError("a set with an empty member")
        return Members(np.zeros(()), (), tuple(self.sub(m) for m in members))

    def expanded(self, row: list[list[Tok]]) -> list[list[Tok]]:
        """A row ``c_1 & c_2 & \\cdots & c_N`` as every cell from 1 to N; any other row as it is.

        The cells before the ellipsis must count up from 1 at one place and agree elsewhere, and the last
        cell must be the same with the range's end there: an ellipsis stands only inside a range it declares.
        """
        dots = [i for i, cell in enumerate(row) if [t.value for t in cell] in (["\\cdots"], ["\\ldots"])]
        if not (len(dots) == 1 and dots[0] == len(row) - 2 >= 1):
            return row
        written, last = row[:-2], row[-1]
        for k, tok in enumerate(written[0]):
            if (tok.kind, tok.value) != ("num", "1"):
                continue
            head, tail = written[0][:k], written[0][k + 1 :]
            counts = all(cell == [*head, Tok("num", str(n)), *tail] for n, cell in enumerate(written, start=1))
            end = last[k : len(last) - len(tail)]
            if counts and end and last[:k] == head and last[len(last) - len(tail) :] == tail:
                high = self.bound(end)
                if high < len(written):
                    raise FormulaError(f"a range of {len(written)} written cells that ends at {high}")
                return [[*head, Tok("num", str(n)), *tail] for n in range(1, high + 1)]
        raise FormulaError("a matrix with an ellipsis that is not a range x_1 & x_2 & \\cdots & x_N")

    def delta(self) -> V:
        self.take("_")
        names = [t.value for t in self.group_tokens()]
        if len(names) != 2 or any(n not in self.env.sizes for n in names):
            raise FormulaError("\\delta_{ij} before its indices' lengths are known")
        return V(np.eye(self.env.sizes[names[0]], self.env.sizes[names[1]]), tuple(names))


def _whole(fn, argument: V) -> V | None:
    """`fn` of the block applied to the whole of `argument`, where it maps it to an array of its shape; else None
    (a function of one vector, or one that fails on the whole)."""
    try:
        with np.errstate(all="ignore"):
            out = np.asarray(fn(argument.array), dtype=np.float64)
    except Exception:  # noqa: BLE001 - not a function of the whole array: the caller says what it is
        return None
    return V(out, argument.axes) if out.shape == argument.array.shape else None


def _bad(what: str):
    raise FormulaError(what)


def transpose(v: V) -> V:
    if len(v.matrix) != 2:
        raise FormulaError(f"the transpose of shape {v.matrix}")
    k = len(v.axes)
    return V(np.swapaxes(v.array, k, k + 1), v.axes)


def call(code: str, args: list[V]) -> V:
    if code == "sigmoid":
        return apply(lb.sigmoid.math, _one(args))
    if code == "sigmoid_prime":
        return apply(lambda z: lb.sigmoid.math(z) * (1 - lb.sigmoid.math(z)), _one(args))
    if code == "softmax":
        return apply(lambda z: lb.softmax.math(z, axis=-2), _one(args), columnwise=True)
    if code == "relu":
        return apply(lb.relu.math, _one(args))
    if code == "cross_entropy":
        if len(args) != 2:
            raise FormulaError("CE takes the target and the prediction")
        y, y_hat = args
        if y.matrix != y_hat.matrix:
            raise FormulaError(f"CE of shapes {y.matrix} and {y_hat.matrix}")
        x, p, axes = aligned(y, y_hat, "CE")
        with np.errstate(all="ignore"):
            return V(-(x * np.log(p)).sum(axis=-2).mean(axis=-1), axes)
    raise FormulaError(f"no function {code!r}")


def _one(args: list[V]) -> V:
    if len(args) != 1:
        raise FormulaError(f"{len(args)} arguments where one was expected")
    return args[0]


def _split_index(tokens: list[Tok]) -> tuple[list[Tok], list[Tok]]:
    """``W^{(2)}_{kj}`` → the symbol's tokens and the index's."""
    depth = 0
    for k, tok in enumerate(tokens):
        depth += tok.value == "{"
        depth -= tok.value == "}"
        if depth == 0 and tok.value == "_" and k > 0:
            inner = tokens[k + 1 :]
            if inner and inner[0].value == "{":
                inner = inner[1:-1]
            if all(t.kind == "char" or t.value == "," for t in inner):
                return tokens[:k], inner
    return tokens, []


def _closing(values: list[str], start: int) -> int | None:
    """The index of the ``}`` that closes the ``{`` at `start`, or None if none does."""
    depth = 0
    for at in range(start, len(values)):
        depth += {"{": 1, "}": -1}.get(values[at], 0)
        if depth == 0:
            return at
    return None


def _spelled(tokens: list[Tok]) -> str | None:
    """A lone symbol's spelling (``W^{(1)}``, ``\\hat y``, ``L``), or None for an expression."""
    values = [t.value for t in tokens]
    if values[:1] == ["\\hat"]:
        if values[1:2] == ["{"]:
            end = _closing(values, 1)
            if end is None:
                return None
            inner, rest = values[2:end], values[end + 1 :]
        else:
            inner, rest = values[1:2], values[2:]
        head = "\\hat " + "".join(inner)
    elif values[:1] == ["{"] and _closing(values, 0) is not None:
        end = _closing(values, 0)
        head, rest = _spelled(tokens[1:end]), values[end + 1 :]
        if head is None:
            return None
    elif values and (tokens[0].kind == "char" or tokens[0].kind == "cmd" and values[0] not in ("\\max",)):
        head, rest = values[0], values[1:]
    else:
        return None
    if not rest:
        return head
    if rest[:3] == ["^", "{", "("] and rest[-2:] == [")", "}"] and len(rest) == 6:
        return f"{head}^{{({rest[3]})}}"
    texts = [t for t in tokens if t.kind == "text"]
    if rest[:1] == ["_"] and len(texts) == 1 and rest[1:] in (["{", texts[0].value, "}"], [texts[0].value]):
        return f"{head}_{{\\text{{{texts[0].value}}}}}"  # L_{\text{total}}: a name, not an index
    return None


# --- the environment: a block's namespace seen through the notation


class PerKey(Exception):
    """A symbol holds a dictionary (each parameter by name): the statement holds for each key."""

    def __init__(self, keys):
        super().__init__("a dictionary")
        self.keys = list(keys)


@dataclass
class Env:
    namespace: dict
    sizes: dict[str, int] = field(default_factory=dict)
    literal_steps: dict[int, float] = field(default_factory=dict)
    definitions: dict[str, list[Tok]] = field(default_factory=dict)
    key: str | None = None  # the parameter a statement over dictionaries is evaluated for
    deriving: list[str] = field(default_factory=list)  # names being differentiated, or defined on the way
    numerical: bool = False  # a derivative was taken by central differences: good to about 1e-8, not 1e-16

    def lookup(self, name: str, tex: str | None = None) -> V:
        if self.deriving and name in self.definitions and name not in self.deriving:
            # differentiating: a symbol an equation defined is its definition, so it moves with the variable
            self.deriving.append(name)
            try:
                return Parser(self.definitions[name], self, {}).whole()
            finally:
                self.deriving.pop()
        found = self.find(name)
        if found is None:
            raise FormulaError(
                f"no value for {tex or name}: the block beside the equation (or one before it) must name it "
                f"{name}, or the page declares the name it gives it, in a <!-- notation --> comment"
            )
        return self.wrap(found)

    def wrap(self, obj) -> V:
        if isinstance(obj, V):
            return obj
        if isinstance(obj, (int, float, np.ndarray, np.floating, np.integer, list)) or hasattr(obj, "grad"):
            return value_of(obj)
        raise FormulaError(f"a value of type {type(obj).__name__} in an equation")

    def raw(self, name: str):
        """The block's value of a name (or of a path, ``net.parameters``), or None."""
        ns = self.namespace
        if "." in name:
            root, _, path = name.partition(".")
            found = ns.get(root)
            for part in path.split("."):
                found = getattr(found, part, None)
        else:
            found = ns.get(name)
            if found is None and name[:1].islower() and name[:1].upper() + name[1:] in ns:
                found = ns[name[:1].upper() + name[1:]]  # y_n of a batch: a column of Y
            if found is None and (layer := re.fullmatch(r"(.*\D)(\d+|[A-Z])", name)):  # W3, WM: W[3], W[M]
                by_layer = ns.get(layer[1])
                number = int(layer[2]) if layer[2].isdigit() else ns.get(layer[2])
                if isinstance(by_layer, dict) and by_layer and all(type(k) is int for k in by_layer):
                    found = by_layer.get(number) if type(number) is int else None
            if found is None and hasattr(ns.get("t"), "dW1"):  # the block's trace of a pass, t
                found = getattr(ns["t"], name, None)
                if found is None and name[:1].isupper():
                    found = getattr(ns["t"], name[:1].lower() + name[1:], None)
        if isinstance(found, dict):
            if self.key is None:
                raise PerKey(found)
            if self.key not in found:
                raise FormulaError(f"{name} has no entry {self.key!r}")
            return found[self.key]
        return found

    def find(self, name: str, of: str | None = None, wrt: str | None = None, qualifier: str | None = None):
        if wrt is None:
            return self.raw(name)
        plain = code_name(wrt)
        holder = self.raw(plain) if "." not in plain else None
        if qualifier and qualifier.startswith("engine"):
            return self.engine_gradient(of, holder, wrt) if hasattr(holder, "grad") else None
        if qualifier and qualifier.startswith("rows"):
            return getattr(self.namespace.get("rows"), name, None)
        found = self.raw(name)
        if found is not None:
            return found
        if of == "L":
            grads = self.namespace.get("grads")
            if isinstance(grads, dict) and plain in grads:
                return grads[plain]
            if isinstance(grads, dict) and self.key is not None and isinstance(self.namespace.get(plain), dict):
                return grads[self.key]  # theta holds each parameter by name, grads its gradient
        if hasattr(holder, "grad") and holder.grad is not None:
            return self.engine_gradient(of, holder, wrt)
        return None

    def engine_gradient(self, of: str | None, holder, wrt: str):
        """The engine's gradient of `of` with respect to `holder`, as the block's snapshot ran it back from `of`.

        A value's ``grad`` holds the gradient of whatever the last backward pass started from: read as
        it is, a page could write any numerator over it. So the snapshot ran the pass from every value the
        block names (``ENGINE``), and the derivative is read from the pass of its own numerator.
        """
        passes = self.namespace.get(ENGINE, {})
        found = passes.get((code_name(of), code_name(wrt))) if of is not None else None
        if found is None:
            raise FormulaError(f"d{of}/d{wrt} by the engine: the block names no engine value {of} run back to {wrt}")
        return found

    def _keyed(self, found: dict):
        if self.key is None:
            raise PerKey(found)
        return found[self.key]

    @contextlib.contextmanager
    def replaced(self, name: str, array):
        """The namespace with `name` moved to `array`, for the time of a central difference."""
        old = self.namespace.get(name)
        self.namespace[name] = array
        try:
            yield
        finally:
            self.namespace[name] = old


# --- agreement


@dataclass
class Context:
    """What a statement is evaluated with: the block's values, and what the page has defined so far."""

    namespace: dict
    definitions: dict[str, list[Tok]] = field(default_factory=dict)
    sizes: dict[str, int] = field(default_factory=dict)  # the statement's indices, met on its earlier sides
    key: str | None = None

    def env(self) -> Env:
        return Env(dict(self.namespace), self.sizes, definitions=self.definitions, key=self.key)


def evaluate(tokens: list[Tok], context: Context) -> tuple[V, np.ndarray]:
    """A side's value, and how far its printed numbers' half-units can move it (0 without printed numbers)."""
    env = context.env()
    value = Parser(tokens, env, {}).whole()
    moved = np.zeros(value.array.shape)
    for index, step in env.literal_steps.items():
        if step >= 0.5:
            continue  # an integer is exact: 2 in 2P, 1 in 1 - a
        shifted = Parser(tokens, context.env(), {index: _literal(tokens, index) + step}).whole()
        moved = moved + np.abs(np.nan_to_num(shifted.array - value.array, nan=np.inf))
    if env.numerical:  # central differences with a step of 1e-6 in float64: the rounding of f over the step
        moved = moved + 1e-6 * np.abs(value.array) + 1e-9
    return value, moved


def _literal(tokens: list[Tok], index: int) -> float:
    numbers = [t for t in tokens if t.kind == "num"]
    return float(numbers[index].value)


def as_matrix(v: V, t: np.ndarray, other: V) -> tuple[V, np.ndarray]:
    """An entry-by-entry value (``z_k`` for every k) laid out as the matrix it is the entries of."""
    if not v.axes or other.axes or v.matrix or len(other.matrix) != 2:
        return v, t
    shape = v.array.shape + (1,) if len(v.axes) == 1 else v.array.shape
    return V(v.array.reshape(shape)), np.broadcast_to(t, v.array.shape).reshape(shape)


def agree(a: V, ta: np.ndarray, b: V, tb: np.ndarray, relation: str) -> str | None:
    """Why two sides do not stand in their relation, or None when they do."""
    if isinstance(b, Members):
        if relation != "\\in":
            return "a set is compared with \\in"
        for member in b.members:
            if member.axes == a.axes and member.matrix == a.matrix and np.array_equal(member.array, a.array):
                return None
        return "the value is none of the set's members"
    if relation == "\\in" or isinstance(b, Space):
        if not isinstance(b, Space) or relation != "\\in":
            return "\\in compares an array with a space, \\mathbb{R}^{...}"
        return None if a.matrix == b.shape or (a.matrix == b.shape + (1,)) else f"shape {a.matrix}, not {b.shape}"
    if relation == "\\sim" or isinstance(b, Normal):
        if not isinstance(b, Normal) or relation != "\\sim":
            return "\\sim compares an array with a distribution, \\mathcal{N}(...)"
        sample = a.array.ravel()
        n = sample.size
        if abs(sample.mean() - b.mean) > 5 * math.sqrt(b.variance / n):
            return f"a sample mean of {sample.mean():.4g}, where N({b.mean}, {b.variance:.4g}) gives {b.mean}"
        if abs(sample.var() - b.variance) > 5 * b.variance * math.sqrt(2 / (n - 1)):
            return f"a sample variance of {sample.var():.4g}, where the distribution's is {b.variance:.4g}"
        return None
    a, ta = as_matrix(a, ta, b)
    b, tb = as_matrix(b, tb, a)
    if a.matrix != b.matrix and not (a.scalar or b.scalar):
        return f"the sides have shapes {a.matrix} and {b.matrix}"
    if sorted(a.axes) != sorted(b.axes):
        return f"the sides have indices {a.axes} and {b.axes}"
    x, y, _ = aligned(a, b, relation)
    tx, ty, _ = aligned(V(ta, a.axes), V(tb, b.axes), relation)
    x, y = np.broadcast_arrays(x, y)
    if relation in ("=", "\\approx"):
        rtol = 1e-6 if relation == "\\approx" else 1e-9  # \approx: central differences' error, below 1e-6
        with np.errstate(invalid="ignore"):
            bad = ~(np.abs(x - y) <= tx + ty + rtol * np.maximum(np.abs(x), np.abs(y)) + 1e-12)
        bad |= ~np.isfinite(x) | ~np.isfinite(y)
        bad &= ~(np.isinf(x) & (x == y))
        if bad.any():
            k = np.argwhere(bad)[0]
            return f"the sides differ: {x[tuple(k)]:.6g} against {y[tuple(k)]:.6g}"
        return None
    checks = {"<": np.less, ">": np.greater, "\\le": np.less_equal, "\\ge": np.greater_equal}
    if relation in checks:
        return None if checks[relation](x, y).all() else f"the sides are not in the order {relation}"
    if relation == "\\neq":
        return None if not np.allclose(x, y) else "the sides are equal"
    raise FormulaError(f"cannot check the relation {relation}")


def check_equation(
    tex: str,
    namespace: dict,
    skipped: tuple[str, ...] = (),
    before: dict | None = None,
    definitions: dict[str, list[Tok]] | None = None,
) -> list[str]:
    """What is wrong with one display equation, evaluated in a block's namespace; empty when it holds.

    ``namespace`` holds the values after the block paired with the equation, ``before`` those before it:
    in ``S \\leftarrow expr`` the right side is computed before the step, S after it, and a later
    statement sees S's new value. A side or statement whose tokens hold one of ``skipped`` (a part its
    page leaves out, `parts_left_out`) is not evaluated; the sides around it are compared with each other.
    ``definitions`` collects what the page's equations define (``z = w^T x``), for derivatives.
    """
    try:
        parts = statements(tokenize(tex))
    except FormulaError as error:
        return [str(error)]
    definitions = {} if definitions is None else definitions
    current = dict(before if before is not None else namespace)
    problems = []
    previous: tuple[V, np.ndarray] | None = None
    try:
        every = list(_at_every_layer(parts, namespace, problems))
    except FormulaError as error:
        return [str(error)]
    for statement in every:
        if any(fragment in statement.relations for fragment in skipped):
            continue  # a relation this cannot check: its page leaves it out, with the reason
        updating = "\\leftarrow" in statement.relations
        try:
            try:
                why, first = _statement(statement, namespace, current, definitions, skipped, None, previous)
                if why:
                    problems.append(f"{_show(statement)}: {why}")
                else:
                    previous = first
            except PerKey as per_key:  # a symbol holds each parameter by name: the statement holds for each
                for key in per_key.keys:
                    why, _ = _statement(statement, namespace, current, definitions, skipped, key, previous)
                    if why:
                        problems.append(f"{_show(statement)} (for {key}): {why}")
                        break
        except (FormulaError, ValueError, IndexError, TypeError, KeyError) as error:
            if not (statement.negated and isinstance(error, FormulaError) and "fit" in str(error)):
                problems.append(f"{_show(statement)}: {error}")  # (a wrong formula may not even fit)
            continue
        if updating:  # what the left side names now has its new value
            for name in _names(statement.sides[0]):
                root = name.partition(".")[0]
                if root in namespace:
                    current[root] = namespace[root]
        else:
            _define(statement, definitions)
    return problems


LAYER_LETTER = "l"
"""The letter of a layer index: ``W^{(l+1)}`` is the weights of the layer after layer l."""

MAX_LAYERS = 256


def _layer_at(tokens: list[Tok], i: int) -> tuple[int, int] | None:
    """At ``^ { ( l ± k ) }``: the offset k and the number of tokens; None where no layer index starts."""
    values = [t.value for t in tokens[i : i + 8]]
    if values[:4] != ["^", "{", "(", LAYER_LETTER]:
        return None
    if values[4:6] == [")", "}"]:
        return 0, 6
    if len(values) == 8 and values[4] in "+-" and tokens[i + 5].kind == "num" and values[6:8] == [")", "}"]:
        return int(values[5]) * (1 if values[4] == "+" else -1), 8
    raise FormulaError("a layer index is written l, l+1 or l-1, in ^{(...)}")


def _at_layer(statement: Statement, layer: int) -> Statement | None:
    """The statement written for the number `layer` in place of l; None where a layer would be below 0."""
    sides = []
    for side in statement.sides:
        out, i = [], 0
        while i < len(side):
            found = _layer_at(side, i)
            if found is None:
                out.append(side[i])
                i += 1
                continue
            number = layer + found[0]
            if number < 0:
                return None
            out += [Tok("sym", "^"), Tok("sym", "{"), Tok("sym", "("), Tok("num", str(number))]
            out += [Tok("sym", ")"), Tok("sym", "}")]
            i += found[1]
        sides.append(out)
    return Statement(sides, statement.relations, statement.negated)


def _layered_names(statement: Statement) -> list[str]:
    """The code names of the statement's symbols with a layer, ``W^{(3)}`` → ``W3``."""
    names = []
    for side in statement.sides:
        for i in range(1, len(side) - 5):
            if [t.value for t in side[i : i + 3]] == ["^", "{", "("] and side[i + 3].kind == "num":
                base = side[i - 1].value
                hat = i >= 2 and side[i - 2].value == "\\hat"
                prefix = "\\hat " if hat else ""
                names.append(code_name(f"{prefix}{base}^{{({side[i + 3].value})}}"))
    return names


def _at_every_layer(parts: list[Statement], namespace: dict, problems: list[str]):
    """Each statement, and one written with l replaced by each layer the block has: every l for which each
    symbol with a layer names a value of the block (``W^{(l+1)}`` is ``W[l + 1]`` of a dictionary by layer)."""
    env = Env(namespace)
    for statement in parts:
        if not any(_layer_at(side, i) for side in statement.sides for i in range(len(side))):
            yield statement
            continue
        layers = 0
        for layer in range(MAX_LAYERS):
            instance = _at_layer(statement, layer)
            if instance is None:
                continue
            try:
                if any(env.raw(name) is None for name in _layered_names(instance)):
                    continue
            except PerKey:
                pass
            layers += 1
            yield instance
        if not layers:
            problems.append(f"{_show(statement)}: the block names none of its layers: no l gives every symbol a value")


def _statement(statement, after, current, definitions, skipped, key, previous):
    """Why a statement does not hold for one key (None when it holds), and its first side's value."""
    updating = "\\leftarrow" in statement.relations
    values: list[tuple[V, np.ndarray] | None] = []
    sizes: dict[str, int] = {}
    if statement.relations and not all(statement.sides):  # "\\text{...} = x": nothing is compared with x
        return "a relation with an empty side (prose is no value: write the symbol it names)", None
    left = [side for side in statement.sides if not any(f in "".join(t.value for t in side) for f in skipped)]
    if skipped and len(left) < 2 and len(left) < len(statement.sides):
        return None, None  # a part left out leaves nothing to compare
    for at, side in enumerate(statement.sides):
        if any(fragment in "".join(t.value for t in side) for fragment in skipped):
            values.append(None)
            continue
        if after.get(MOVED) and _bare_number(side):
            values.append(None)  # the worked value holds at the page's values, not at the ones drawn
            continue
        # the left side of an update is the value after the step; every other side, the value before
        namespace = after if (not updating or at == 0) else current
        context = Context(namespace, definitions, sizes, key=key)
        values.append(evaluate(side, context) if side else None)
    if statement.negated:
        if previous is not None and values[0] is not None:
            if agree(previous[0], previous[1], values[0][0], values[0][1], "=") is None:
                return "the wrong formula gives the same value as the right one", None
        return None, None
    kept = [(v, r) for v, r in zip(values, ["", *statement.relations], strict=True) if v is not None]
    finite = [bool(np.isfinite(np.asarray(v[0].array, dtype=float)).all()) for v, _ in kept]
    if not all(finite):  # numpy's overflow, silent here, would pass for a value (inf = inf, inf against anything)
        side = next(i for i, f in enumerate(finite) if not f)
        return f"side {side + 1} is not finite at the page's values: it overflows, or is 0/0", None
    for (left, _), (right, relation) in zip(kept, kept[1:], strict=False):
        why = agree(left[0], left[1], right[0], right[1], "=" if relation == "\\leftarrow" else relation or "=")
        if why:
            return why, None
    return None, (kept[0][0] if kept else None)


ARITHMETIC = {"\\cdot", "\\times", "\\frac", "\\dfrac", "\\tfrac", "\\sqrt", "\\pm"}


def _bare_number(side: list[Tok]) -> bool:
    """A side written in numbers only (60, 2 \\cdot 60): the worked value, no formula."""
    return all(t.kind in ("num", "sym") or t.value in ARITHMETIC for t in side)


ENGINE = "__engine_passes__"
"""The key of a snapshot's backward passes: (numerator, variable) to the engine's gradient."""


def _is_engine_value(value) -> bool:
    return hasattr(value, "backward") and hasattr(value, "parents")


def _engine_passes(namespace: dict) -> dict[tuple[str, str], np.ndarray]:
    """For every pair of engine values the block names, the gradient of the first by the second.

    Each pass runs on the block's own values, and their ``grad`` is put back as it was: copies cannot
    run back, since each value's rule is a closure over the values it was made from.
    """
    named = {name: v for name, v in namespace.items() if _is_engine_value(v)}
    passes: dict[tuple[str, str], np.ndarray] = {}
    for top_name, top in named.items():
        graph, members = [top], {id(top)}
        for value in graph:  # every value top was made from: a pass overwrites their grad, and only theirs
            for parent in value.parents:
                if id(parent) not in members:
                    members.add(id(parent))
                    graph.append(parent)
        saved = [(value, value.grad) for value in graph]
        try:
            top.backward()
            for name, v in named.items():
                passes[(top_name, name)] = v.grad.copy() if id(v) in members else np.zeros_like(v.data)
        except Exception:  # noqa: BLE001 - a pass that fails (an overflow) is no value for any equation
            pass
        finally:
            for value, grad in saved:
                value.grad = grad
    return passes


def _names(tokens: list[Tok]) -> list[str]:
    spelled = _spelled(tokens)
    return [code_name(spelled)] if spelled is not None else []


def _define(statement: Statement, definitions: dict[str, list[Tok]]) -> None:
    """``f = a\\,b``: a lone symbol equal to an expression of other symbols is defined by it."""
    if not statement.relations or statement.relations[0] != "=" or len(statement.sides) < 2:
        return
    names = _names(statement.sides[0])
    right = statement.sides[1]
    if names and any(t.kind in ("char", "cmd") and t.value not in ("\\frac", "\\begin", "\\end") for t in right):
        if any(t.value in ("\\begin",) for t in right):
            return  # a matrix of entries names them, it does not define the symbol
        definitions.setdefault(names[0], right)


def _show(statement: Statement) -> str:
    text = " ".join(" ".join(t.value for t in side) for side in statement.sides)
    return text if len(text) < 70 else text[:67] + "..."


@dataclass
class Equation:
    eq_id: str
    line: int
    tex: str


def equations(source: str) -> list[Equation]:
    """The page's display equations with their ids (`pairing.displays`: the anchor's, or the block's)."""
    return [Equation(d.eq_id, d.line, d.tex) for d in displays(source)]


# --- a page: its blocks run in order, each equation evaluated in the namespace of its block


def snapshot(namespace: dict) -> dict:
    """A copy of a block's values that later blocks cannot change (networks and dictionaries included)."""
    copied, memo = {}, {}  # one memo: values that share objects still share them
    for name, value in namespace.items():
        if name.startswith("__") or callable(value) and not hasattr(value, "parameters"):
            copied[name] = value
            continue
        try:
            copied[name] = copy.deepcopy(value, memo)
        except Exception:  # noqa: BLE001 - a module, a generator: kept as it is
            copied[name] = value
    passes = _engine_passes(namespace)
    if passes:
        copied[ENGINE] = passes
    return copied


def visible_source(source: str) -> str:
    """The page with the contents of its fences blanked (an example of Markdown source is not an equation)."""
    lines = source.splitlines()
    inside = None
    for i, line in enumerate(lines):
        fence = re.match(r"^\s*(`{3,}|~{3,})", line)
        if inside is None and fence:
            inside = fence.group(1)
        elif inside is not None:
            if line.strip().startswith(inside) and line.strip().strip("`~") == "":
                inside = None
            else:
                lines[i] = ""
    return "\n".join(lines)


def page_namespaces(source: str, name: str) -> dict[str, list[tuple[dict, dict]]]:
    """The page's equations' points, from its one run (`runner.run_page`): for each equation, the values
    before and after each block naming it.

    Every block whose first line names an equation is a point where the equation is evaluated: a page
    adds a second point, with values that tell its formula from a wrong one, by naming the equation again.
    A block that starts from an array of zeros (a velocity before the first step) is also run from
    values drawn at random in place of the zeros (`moved`), so that no term of an update is checked at 0 alone.
    """
    from litbackprop.pages.runner import run_page  # it reads this module: here, not at the top

    return points_of(run_page(source, name))


def points_of(run) -> dict[str, list[tuple[dict, dict]]]:
    """A run's points, with ``"failed"`` among them when a block failed (its equations then wait)."""
    return {**run.points, "failed": []} if run.failure else run.points


def moved(before: dict, code) -> tuple[dict, dict] | None:
    """The block run again from its values with every all-zero float array drawn at random, or None.

    A term multiplied by zeros (the momentum term at the first step) gives no value a wrong formula could
    differ from; from random values every term counts. The page's own values are not touched.
    """
    if any(_is_engine_value(v) for v in before.values()):
        return None  # a copy of an engine's value runs back into the original: its closures hold the original
    rng = np.random.default_rng(0)
    start = {k: v for k, v in snapshot(before).items() if k not in (ENGINE, MOVED)}
    zeros = 0

    def draw(array):
        nonlocal zeros
        if isinstance(array, np.ndarray) and array.dtype.kind == "f" and array.size and not array.any():
            array[...] = rng.normal(size=array.shape)
            zeros += 1

    for value in start.values():
        for array in value.values() if isinstance(value, dict) else [value]:
            draw(array)
    if not zeros:
        return None
    moved_before = snapshot(start)
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            exec(code, start)
    except Exception:  # noqa: BLE001 - a block that only runs from zeros: its equations are checked there
        return None
    return moved_before, snapshot(start) | {MOVED: True}


MOVED = "__not_the_worked_point__"
"""Marks a point other than the worked one (values drawn in place of zeros, or a block naming the equation again):
a side of bare numbers, the worked value, is not its value."""


DECLARATION = re.compile(r"<!--[ \t]*(notation|not evaluated)[ \t]*\n(.*?)-->", flags=re.S)
"""A page's own additions to the tables, in a comment the reader does not see::

    <!-- notation
    \\lambda: weight_decay
    -->
    <!-- not evaluated
    eq-wd-bound: a bound with an unnamed constant
    -->
"""


def page_declarations(source: str) -> tuple[dict[str, str], dict[str, str]]:
    """The symbols a page names itself (symbol: name in its code) and the equations it leaves out (id: reason)."""
    declared: dict[str, dict[str, str]] = {"notation": {}, "not evaluated": {}}
    for kind, body in DECLARATION.findall(_outside_fences(source)):
        for line in filter(str.strip, body.splitlines()):
            key, colon, value = line.partition(": ")
            if not (colon and key.strip() and value.strip()):
                raise FormulaError(f"the page's {kind} comment has a line that is not 'key: value': {line.strip()!r}")
            declared[kind][key.strip()] = value.strip()
    return declared["notation"], declared["not evaluated"]


def parts_left_out(unevaluated: dict[str, str], eq_id: str) -> tuple[str, ...]:
    """The parts of an equation its page leaves out (``eq-id fragment: reason``), spelled as its sides' tokens.

    A side or statement that holds the fragment is not evaluated; the sides around it are still compared.
    """
    parts = []
    for key in unevaluated:
        anchor, _, fragment = key.partition(" ")
        if anchor == eq_id and fragment.strip():
            parts.append("".join(t.value for t in tokenize(fragment)))
    return tuple(parts)


def _outside_fences(source: str) -> str:
    """The page without its fenced blocks: a comment shown as an example in one declares nothing."""
    kept, fence = [], None
    for line in source.splitlines(keepends=True):
        marker = re.match(r"\s*(`{3,}|~{3,})", line)
        if fence is None and marker:
            fence = marker.group(1)
        elif fence is not None and line.strip().startswith(fence):
            fence = None
        elif fence is None:
            kept.append(line)
    return "".join(kept)


def exemptions(pages: list[Path]) -> dict[str, str]:
    """Every equation or part not evaluated (``eq-id`` or ``eq-id fragment``) with its reason, over the pages."""
    found: dict[str, str] = {}
    for page in pages:
        found.update(page_declarations(page.read_text())[1])
    return found


def formula_problems(source: str, name: str, namespaces: dict | None = None, memo: dict | None = None) -> list[str]:
    """Every display equation of a page that does not hold with its block's values, with the reason.

    ``memo`` (a dictionary the caller keeps for one page and its namespaces) remembers each equation's
    result, so that the mutation test evaluates only the equations a mutant changed (or whose definitions it did).
    The page's own notation and exemptions (`page_declarations`) extend the tables while it is checked.
    """
    try:
        symbols, unevaluated = page_declarations(source)
    except FormulaError as error:
        return [f"{name}: {error}"]
    token = PAGE_SYMBOLS.set(symbols)
    try:
        return _formula_problems(source, name, namespaces, memo, unevaluated)
    finally:
        PAGE_SYMBOLS.reset(token)


def _formula_problems(
    source: str, name: str, namespaces: dict | None, memo: dict | None, unevaluated: dict
) -> list[str]:
    namespaces = page_namespaces(source, name) if namespaces is None else namespaces
    memo = {} if memo is None else memo
    problems = []
    definitions: dict[str, list[Tok]] = {}
    for equation in equations(source):
        if equation.eq_id in unevaluated:
            continue
        if equation.eq_id not in namespaces and "failed" in namespaces:
            continue
        if equation.eq_id not in namespaces:
            problems.append(f"{name}:{equation.line}: {equation.eq_id} has no block to evaluate it with")
            continue
        skipped = parts_left_out(unevaluated, equation.eq_id)
        key = (equation.eq_id, equation.tex, tuple((k, tuple(t.value for t in v)) for k, v in definitions.items()))
        if key not in memo:
            known = set(definitions)
            found = []
            for before, after in namespaces[equation.eq_id]:  # every point, each with the page's definitions
                for problem in check_equation(equation.tex, after, skipped, before=before, definitions=definitions):
                    if problem not in found:
                        found.append(problem)
            memo[key] = (found, {k: v for k, v in definitions.items() if k not in known})
        found, defined = memo[key]
        definitions.update(defined)
        for problem in found:
            problems.append(f"{name}:{equation.line}: {equation.eq_id}: {problem}")
    for line, eq_id, tex in table_formulas(visible_source(source)):
        if eq_id not in namespaces and "failed" in namespaces:
            continue
        if eq_id not in namespaces:
            problems.append(f"{name}:{line}: the table row links to {eq_id}, which has no block to evaluate it with")
            continue
        shown = set()
        for before, after in namespaces[eq_id]:
            found = check_equation(tex, after, before=before, definitions=dict(definitions))
            call = table_call(visible_source(source).splitlines()[line - 1])
            if call is not None and not found:
                found = [p for p in [library_call_problem(tex, call, after, definitions)] if p]
            for problem in found:
                if problem not in shown:
                    shown.add(problem)
                    problems.append(f"{name}:{line}: the table's row for {eq_id}: {problem}")
    return problems


def table_call(row: str) -> tuple[str, list[str]] | None:
    """The library call a table row names, ``[`grad_weights(dz2, a1)`][...]``: its function and arguments."""
    match = re.search(r"\[`(\w+)\(([\w, ]*)\)`\]", row)
    if match is None or not hasattr(lb, match.group(1)):
        return None
    return match.group(1), [arg.strip() for arg in match.group(2).split(",") if arg.strip()]


def library_call_problem(tex: str, call: tuple[str, list[str]], after: dict, definitions: dict) -> str | None:
    """Why the library call of a table's row does not compute the left side of its formula, or None.

    ``[`linear(W2, a1)`]`` beside \\(z^{(2)} = W^{(2)}a^{(1)}\\) must give z^{(2)}: the call runs with the
    values of the row's block, as a reader would run it, and its result is compared with the left side.
    """
    function, names = call
    env = Context(after, definitions).env()
    arguments = []
    for argument in names:
        value = env.raw(argument)
        if value is None:
            return f"{function}({', '.join(names)}): the block names no {argument}"
        arguments.append(value)
    try:
        with np.errstate(all="raise"):
            result = getattr(lb, function)(*arguments)
        left = statements(tokenize(tex))[0].sides[0]
        expected, moved = evaluate(left, Context(after, definitions))
    except Exception as error:  # noqa: BLE001 - the library refuses the call: the row names it wrongly
        return f"{function}({', '.join(names)}) fails with the block's values: {type(error).__name__}: {error}"
    why = agree(expected, moved, value_of(result), np.zeros(np.shape(value_of(result).array)), "=")
    return f"{function}({', '.join(names)}) is not the row's left side: {why}" if why else None


def table_formulas(source: str) -> list[tuple[int, str, str]]:
    """The formulas of table rows that link to an equation, ``| [(3b)](#eq-bwd-3b) | ... | \\(...\\) |``."""
    found = []
    for number, line in enumerate(source.splitlines(), start=1):
        link = re.search(r"\(#(eq-[a-z0-9-]+)\)", line)
        if not line.startswith("|") or not link:
            continue
        for inline in re.finditer(r"\\\((.*?)\\\)", line):
            if "=" in inline.group(1) or "\\leftarrow" in inline.group(1):
                found.append((number, link.group(1), inline.group(1)))
    return found
