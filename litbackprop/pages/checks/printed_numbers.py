r"""Every number a page shows is tied to the code that runs next to it.

Matrices are checked whole: a matrix of numbers on the page, a vector written
as a tuple or as ``\([a, b, c]\)``, and a table row of numbers must be, entry by
entry and in order, what a block beside it checked with ``assert_rounds_to`` or
wrote out as an ``np.array([...])`` given. An arithmetic chain in an equation,
``(2)(-1) + (-3)(-2) = -2 + 6 = 4``, is evaluated: each side equals the next,
at the precision printed. The label a check prints when it fails (``name=``,
``err_msg=``, an ``assert``'s message) holds only numbers of its own statement.

A page alternates text (prose, equations, tables) and Python blocks. Each
number in a stretch of text must be *covered* by one of the two blocks around
it, the one before or the one after:

- a string that block checked with ``assert_rounds_to`` (the digits the
  reader sees, compared with the computed value at the precision printed), or
- a numeric literal in that block's code: a given, such as the weights of a
  worked example, which the block computes with, so a changed literal changes
  what the block asserts.

The digits 0, 1 and 2 standing alone inside math are its form (1/N,
2 epsilon, 1 - a) as often as they are values, and count as covered there
(in the prose, "class 2" is a value and is tied like any other);
so do equation numbers written in prose, "row (3b)", when the page has that
equation. So changing a digit in the text leaves a number that no neighbouring block
vouches for, and changing it in a block breaks that block's assertion. Tags and
links are structure, checked here too: a reference ``[(3a)](#eq-bwd-3a)`` must
show the tag of the equation it points to, and numbered headings count up.

``check_page(path)`` runs a page's blocks in order (a ``{.python}`` fence starts
a new namespace, ``{.python continuation}`` goes on in the last one, as
pytest-markdown-docs runs them) and returns the problems it finds.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from pathlib import Path

import numpy as np

from litbackprop.pages.build.sections import summarise  # the site's build writes the same sections
from litbackprop.pages.checks.pairing import displays
from litbackprop.pages.runner import (  # the page's one run: its parts, what each block checked, its values
    Block,
    PageRun,
    Text,
    execute,
    neighbours,
    run_page,
    split,
    stated,
)

# A number: digits, a decimal part, an exponent. Not part of a name (W1, x_0, float64, eq-fwd-1).
# 1,797 is one number (thousands grouped); [1, 2] with a space is two.
NUMBER = re.compile(r"(?<![A-Za-z_\d.])(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:e-?\d+)?(?![A-Za-z_\d])")


def visible(text: str) -> str:
    """The text a reader sees as numbers: no comments, link targets, tags, anchors, indices or layer numbers."""
    text = re.sub(r"<!--.*?-->", "", text, flags=re.S)
    text = re.sub(r"^--8<--.*$", "", text, flags=re.M)
    text = re.sub(r"\]\([^)]*\)", "]", text)  # link targets
    text = re.sub(r"\]\[[^\]]*\]", "]", text)  # mkdocstrings cross-references
    text = re.sub(r"</?[A-Za-z][^<>]*>", " ", text)  # HTML tags and their attributes (not z < -709)
    text = re.sub(r"\[\([0-9a-z, ]+\)\]", " ", text)  # equation references, checked by references()
    text = re.sub(r"eq-[a-z0-9-]+", " ", text)  # equation ids, checked by the pairing test
    text = re.sub(r"\\tag\{[^}]*\}", " ", text)
    text = re.sub(r"\^\{\(([12])\)\}", " ", text)  # layer numbers, W^{(1)}: a network of two layers
    text = re.sub(r"_\{[^}]*\}|_[0-9a-z]", " ", text)  # indices: x_0, Y_{in}
    text = re.sub(r"(\d+(?:\.\d+)?)\s*\\times\s*10\^\{(-?\d+)\}", r"\1e\2", text)  # 1.7 \times 10^{-13} is 1.7e-13
    text = re.sub(r"\b10\^\{(-?\d+)\}", r"1e\1", text)  # 10^{-7} is the number 1e-7
    text = re.sub(r"^(#+) \d+\. ", r"\1 ", text, flags=re.M)  # heading numbers, checked by headings()
    text = re.sub(r"^\s*\d+\. ", "", text, flags=re.M)  # list numbers, checked by lists()
    return text


def numbers(text: str) -> list[str]:
    return NUMBER.findall(text)


def normal(token: str) -> str:
    """One spelling per number, so that 1e-07, 1e-7 and 10^{-7} meet."""
    mantissa, _, exponent = token.replace(",", "").partition("e")
    return f"{mantissa}e{int(exponent)}" if exponent else mantissa


def inline_values(parts: list[Block | Text], page: Path) -> list[str]:
    """A value stated inline, ``\\(L = 1.417\\)``, is the value of that symbol in a block beside the text.

    The formula check evaluates it as it does a display equation, with the values of the block before the
    text and of the block after it; it holds if it holds with either, or if its number is one that either
    block's code gives that symbol (in one statement with its name: a learning rate a loop runs through). So
    the number is tied to its own symbol, not to whatever other value a neighbour checks or is written with.
    One whose symbols neither block names (a general
    statement) is left to the digits' rule.
    """
    from litbackprop.pages.checks.formulas import check_equation

    problems = []
    for index, part in enumerate(parts):
        if not isinstance(part, Text):
            continue
        blocks = neighbours(parts, index)
        spaces = [b.values for b in blocks if b.values is not None]
        for at, tex in stated(part.text):
            if _names_an_array(tex, spaces):
                continue  # z = -745 of a block whose z is five points: a value the symbol takes, not its value
            found = [check_equation(tex, values) for values in spaces]
            if not found or any(not f for f in found):
                continue
            right = tex.split("=")[-1] if "=" in tex else ""
            givens = _givens_of(_symbol_name(tex), blocks)
            if numbers(visible(right)) and all(normal(n) in givens for n in numbers(visible(right))):
                continue  # a value the code gives that symbol (one of a sweep's learning rates), not its current one
            # a value that differs, or an entry the value does not have (z_8 of a column of 4), not an unknown symbol
            wrong = ("differ", "not in the order", "(entries count from 0)", "(examples count from 1)")
            differing = [f for f in found if f and all(any(w in p for w in wrong) for p in f)]
            if differing:
                line = part.line + part.text.count("\n", 0, at)
                problems.append(
                    f"{page.name}:{line}: \\({tex}\\) does not hold with the values beside it: {differing[0][0]}"
                )
    return problems


UNITS = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9}
WORDS = {
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
    "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50,
    "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
}  # fmt: skip
NUMBER_WORDS = re.compile(
    r"\b(?:(?P<times>" + "|".join(UNITS) + r"|a|one) )?(?P<word>" + "|".join(WORDS) + r"|hundred|thousand)\b",
    flags=re.I,
)


def in_digits(prose: str) -> str:
    """The prose with its number words from ten up as digits ("twenty steps", "two hundred"), so that they
    are tied to the code as digits are; the words for one to nine are the prose's own (two layers, three ways)."""

    def digits(match: re.Match) -> str:
        word = match["word"].lower()
        if word in WORDS:
            return (match["times"] + " " if match["times"] else "") + str(WORDS[word])
        times = 1 if match["times"] in (None, "a", "A", "one", "One") else UNITS[match["times"].lower()]
        return str(times * (100 if word == "hundred" else 1000))

    return NUMBER_WORDS.sub(digits, re.sub(r"\bpowers? of ten\b", "power", prose, flags=re.I))


MATH_SPAN = re.compile(r"(\$\$.*?\$\$|\\\(.*?\\\))", flags=re.S)
FORM = {"0", "1", "2"}
"""Numbers that are part of the math's form as often as values: 1/N, 2 epsilon, 1 - a, n = 1."""


def _symbol_name(tex: str) -> str | None:
    """The code name of the symbol an inline statement gives a value, or None."""
    from litbackprop.pages.checks.formulas import FormulaError, _spelled, tokenize
    from litbackprop.pages.checks.notation import code_name

    try:
        spelled = _spelled(tokenize(tex.split("=")[0]))
    except FormulaError:
        return None
    return code_name(spelled) if spelled else None


def _givens_of(name: str | None, blocks: list[Block]) -> set[str]:
    """The numbers `blocks` write in one statement with `name`: ``for lr in (0.1, 1.0, 10.0)``, ``eps = 1e-6``."""
    found: set[str] = set()
    if name is None:
        return found
    for block in blocks:
        tree = ast.parse(block.code)
        for node in ast.walk(tree):
            # the statement that gives the name its value: its loop, its assignment, or a call's keyword name=...;
            # not any statement that reads it (an assertion's 1 / (1 + e^-x) gives x no value 1)
            if isinstance(node, (ast.For, ast.comprehension)):
                targets, scope = [node.target], [node.target, node.iter]
            elif isinstance(node, ast.Assign):
                targets, scope = node.targets, [node]
            elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
                targets, scope = [node.target], [node]
            elif isinstance(node, ast.keyword) and node.arg == name:
                targets, scope = [], [node.value]
            else:
                continue
            assigned = {n.id for target in targets for n in ast.walk(target) if isinstance(n, ast.Name)}
            if targets and name not in assigned:
                continue
            for part in scope:
                for constant in ast.walk(part):
                    if isinstance(constant, ast.Constant) and type(constant.value) in (int, float):
                        text = ast.get_source_segment(block.code, constant) or ""
                        found |= {normal(text), normal(text)[:-2] if text.endswith(".0") else normal(text)}
    return found


def _names_an_array(tex: str, spaces: list[dict]) -> bool:
    """Whether the symbol `tex` gives a number is, in the blocks beside it, an array of more than one entry."""
    from litbackprop.pages.checks.formulas import _spelled, tokenize
    from litbackprop.pages.checks.notation import code_name

    spelled = _spelled(tokenize(tex.split("=")[0]))
    if spelled is None:
        return False
    name = code_name(spelled)
    return any(np.size(values[name]) > 1 for values in spaces if isinstance(values.get(name), (np.ndarray, list)))


def _numeric_literals(code: str) -> list[str]:
    """The numbers written in `code` as numbers (ints and floats), as written: not those inside its strings."""
    return [
        ast.get_source_segment(code, node) or ""
        for node in ast.walk(ast.parse(code))
        if isinstance(node, ast.Constant) and type(node.value) in (int, float)
    ]


def tags(source: str) -> set[str]:
    """The equation numbers a page shows: each label of each \\tag{...}."""
    return {label.strip() for tag in re.findall(r"\\tag\{([^}]*)\}", source) for label in tag.split(",")}


def site_labels(docs: Path) -> set[str]:
    """The equation numbers of every Markdown page in `docs`: the text may name them, as in "steps (1) and (3)"."""
    return set().union(*(tags(page.read_text()) for page in docs.glob("*.md")))


def uncovered(parts: list[Block | Text], page: Path, labels: set[str]) -> list[str]:
    problems = []
    for index, part in enumerate(parts):
        if not isinstance(part, Text):
            continue
        covered = set()
        for block in neighbours(parts, index):
            for call in block.printed:
                covered.update(normal(n) for printed in call for n in numbers(printed))
            for literal in _numeric_literals(block.code):  # 3.0 in the code is the 3 on the page; not its comments
                literal = literal.lstrip("-")
                covered.add(normal(literal))
                if literal.endswith(".0"):
                    covered.add(literal[:-2])
        text = re.sub(r"\(([0-9]+[a-z]?)\)", lambda m: " " if m.group(1) in labels else m.group(0), part.text)
        # 0, 1 and 2 are the form of the math only inside math: "class 2" in the prose is a value
        blank = lambda piece: re.sub(r"[^\n]", " ", piece)  # noqa: E731 - a piece of text, its lines kept
        pieces = MATH_SPAN.split(text)
        prose = "".join(blank(p) if i % 2 else p for i, p in enumerate(pieces))
        math = "".join(p if i % 2 else blank(p) for i, p in enumerate(pieces))
        lines = [(offset, line, covered) for offset, line in enumerate(visible(in_digits(prose)).splitlines())]
        lines += [(offset, line, covered | FORM) for offset, line in enumerate(visible(math).splitlines())]
        for offset, line, allowed in lines:
            for token in numbers(line):
                if normal(token) not in allowed:
                    problems.append(
                        f"{page.name}:{part.line + offset}: {token} is not checked by the block before or after it: "
                        f"if the code computes it, check it there with assert_rounds_to(value, ...) and let "
                        f"`litbackprop-page write` fill in the digits; if it is a given, write it as a literal in that "
                        f"block"
                    )
    return problems


MATRIX = re.compile(r"\\begin\{bmatrix\}(.*?)\\end\{bmatrix\}", flags=re.S)
TUPLE = re.compile(r"(?<=[=(\s])\((-?\d+(?:\.\d+)?(?:,\s*-?\d+(?:\.\d+)?)+)\)")
BRACKETS = re.compile(r"\\\(\[(-?\d+(?:\.\d+)?(?:,\s*-?\d+(?:\.\d+)?)+)\]\\\)")  # \([1, 2, 3]\), a vector inline
ROW = re.compile(r"^\|(.*)\|\s*$", flags=re.M)
ENTRY = re.compile(r"^-?\d+(?:\.\d+)?$")


def matrices(parts: list[Block | Text], page: Path) -> list[str]:
    """A matrix of numbers on the page is one a block beside it checked, every entry, in order."""
    problems = []
    for index, part in enumerate(parts):
        if not isinstance(part, Text):
            continue
        blocks = neighbours(parts, index)
        calls = [call for block in blocks for call in block.printed]
        givens = [given for block in blocks for given in array_literals(block.code)]
        for match in [*TUPLE.finditer(part.text), *BRACKETS.finditer(part.text)]:  # z = (1, 2, 3), \([1, 2]\)
            entries = [e.strip() for e in match.group(1).split(",")]
            if [float(e) for e in entries] not in givens and entries not in calls:
                line = line_of(part, match)
                problems.append(f"{page.name}:{line}: the vector {entries} is not what a block beside it checked")
        for match in MATRIX.finditer(part.text):
            entries = [e.strip() for row in match.group(1).split("\\\\") for e in row.split("&") if e.strip()]
            if not all(ENTRY.match(e) for e in entries):  # a matrix of symbols: its indices count up
                indices = [int(i) for e in entries for i in re.findall(r"_\{?(\d+)", e)]
                if indices and indices != list(range(indices[0], indices[0] + len(indices))):
                    problems.append(f"{page.name}: the indices of {entries} do not count up")
                continue
            if entries not in calls and [float(e) for e in entries] not in givens:
                line = line_of(part, match)
                problems.append(f"{page.name}:{line}: the matrix {entries} is not what a block beside it checked")
        for match in ROW.finditer(part.text):  # a table row of numbers: a list a block checked, in order
            cells = [c.strip() for c in match.group(1).split("|")]
            values = [c for c in cells if ENTRY.match(c)]
            if len(values) >= 3 and not any(
                len(call) >= len(values) - 1 and _contiguous(call, values) for call in calls
            ):
                line = line_of(part, match)
                problems.append(f"{page.name}:{line}: the table row {values} is not, in order, a list a block checked")
    return problems


def line_of(part: Text, match: re.Match) -> int:
    """The line of the page on which `match`, found in `part`'s text, starts."""
    return part.line + part.text.count("\n", 0, match.start())


def _contiguous(inner: list[str], outer: list[str]) -> bool:
    return any(outer[i : i + len(inner)] == inner for i in range(len(outer) - len(inner) + 1))


def array_literals(code: str) -> list[list[float]]:
    """The entries, flattened, of each list of numbers written out in `code`: a worked example's givens."""
    found = []
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.List):
            try:
                value = ast.literal_eval(node)
            except ValueError:
                continue
            entries = list(_flatten(value))
            if entries and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in entries):
                found.append([float(v) for v in entries])
    return found


def _flatten(value):
    if isinstance(value, (list, tuple)):
        for item in value:
            yield from _flatten(item)
    else:
        yield value


NOTES_ROWS = {"1", "1b", "2", "3", "3a", "3b", "3c", "4", "5"}
"""The rows of the notes' forward and backward tables, and the two bias rows (1b), (3c) this site adds."""


def tag_rows(source: str, page: Path) -> list[str]:
    """A tag is the row of the notes' tables that defines what its line's left side names (`notation.ROWS`)."""
    from litbackprop.pages.checks.formulas import FormulaError, _spelled, tokenize
    from litbackprop.pages.checks.notation import ROWS, code_name, gradient_name

    problems = []
    for display in displays(source):
        start = 0
        for match in re.finditer(r"\\tag\{([^}]*)\}", display.tex):
            line = re.sub(r"^\s*(\\\\|\\begin\{\w+\}|\s)*", "", display.tex[start : match.start()])
            start = match.end()
            left = re.sub(r"_\{[:,a-z]*\}$|_[a-z]$", "", re.split(r"&?=", line, maxsplit=1)[0].strip())  # Y_{:,n}
            derivative = re.fullmatch(r"\s*\\d?frac\{\\partial\s*(\S+)\s*\}\{\\partial\s*(.+?)\s*\}\s*", left)
            try:
                if derivative:
                    of, wrt = (_spelled(tokenize(part)) for part in derivative.groups())
                    name = gradient_name(of, wrt)[0] if of and wrt else None
                else:
                    spelled = _spelled(tokenize(left))
                    name = code_name(spelled) if spelled else None
            except FormulaError:
                name = None
            if name is None:
                continue
            row = ROWS.get(name.replace("Z", "z").replace("A", "a").replace("Y", "y"))  # a batch's Z1 is z1's row
            if row is not None and match.group(1).strip() != row:
                problems.append(
                    f"{page.name}: {display.eq_id} tags {left.strip()} ({match.group(1)}), "
                    f"but row ({row}) of the notes' tables defines it"
                )
    return problems


LAYERS = re.compile(r"<!--[ \t]*layers:[ \t]*(\d+)[ \t]*-->")
"""A page's declaration of the depth of its network, ``<!-- layers: 3 -->``: two layers where it declares none."""


def nodes_of(depth: int) -> set[str]:
    """The nodes of a network of `depth` layers and their gradients, in the notes' names and the mini-batch page's
    capitals: ``a[l]`` below the last layer only (the last layer's output is ``y_hat``)."""
    nodes = {f"{name}{layer}" for name in ("W", "b", "z", "dW", "db", "dz", "Z", "dZ") for layer in range(1, depth + 1)}
    return nodes | {f"{name}{layer}" for name in ("a", "da", "A", "dA") for layer in range(1, depth)}


def spelled(source: str, page: Path) -> list[str]:
    """Numbers inside words and marks: float16, 32 and 64 only; the layers of the page's network (two, unless it
    declares more, with the input as layer (0)); tags from the notes' tables."""
    problems = []
    text = re.sub(r"^```.*?^```", "", source, flags=re.S | re.M)
    declared = LAYERS.search(source)
    depth = int(declared[1]) if declared else 2
    nodes = nodes_of(depth)
    layers = {str(layer) for layer in range(0 if declared else 1, depth + 1)}
    for bits in re.findall(r"float(\d+)", source):
        if bits not in ("16", "32", "64"):
            problems.append(f"{page.name}: float{bits} is no float type")
    for name, layer in re.findall(r"(?<![A-Za-z_.])(W|b|z|a|dW|db|dz|da|Z|A|dZ|dA)(\d+)(?![\w(])", source):
        if f"{name}{layer}" not in nodes:
            problems.append(
                f"{page.name}: {name}{layer} is no node of the network (its nodes: {', '.join(sorted(nodes))})"
            )
    for bits in re.findall(r"\bu(\d+)\b", source):
        if bits not in ("16", "32", "64"):
            problems.append(f"{page.name}: u{bits} is no float type's unit roundoff")
    for i, j in re.findall(r"w_(\d)\s*x_(\d)", source):
        if i != j:
            problems.append(f"{page.name}: w_{i} x_{j} pairs a weight with another input")
    for heading, body in re.findall(r"^#+ \((\d+[a-z]?)\) .*?\n(.*?)(?=^#|\Z)", text, flags=re.M | re.S):
        if not re.search(rf"\\tag\{{[^}}]*\b{heading}\b", body):
            problems.append(f"{page.name}: the section headed ({heading}) holds no equation tagged ({heading})")
    for bits in re.findall(r"\bu?int(\d+)\b", source):
        if bits not in ("8", "16", "32", "64"):
            problems.append(f"{page.name}: int{bits} is no integer type")
    for start in re.findall(r"\\sum_\{[a-z]=(\d+)\}", text):
        if start != "1":
            problems.append(f"{page.name}: a sum starts at {start}; the notes count from 1: write \\sum_{{n=1}}^{{N}}")
    for order in re.findall(r"\\rVert_(\d+)", text):
        if order != "2":
            problems.append(f"{page.name}: the norm ||.||_{order}; the site uses the 2-norm")
    for ones in re.findall(r"\\mathbf\{(\d+)\}", text):
        if ones != "1":
            problems.append(f"{page.name}: \\mathbf{{{ones}}} is not the vector of ones")
    for layer in re.findall(r"\^\{\((\d+)\)", text):
        if layer not in layers:
            problems.append(f"{page.name}: layer ({layer}) in a network of {depth} layers")
    for tag in re.findall(r"\\tag\{([^}]*)\}", text):
        for label in tag.split(","):
            if label.strip() not in NOTES_ROWS:
                problems.append(
                    f"{page.name}: tag ({label.strip()}) is not a row of the notes' tables "
                    f"({', '.join(sorted(NOTES_ROWS))}): tag only those rows; leave a page's own equations untagged"
                )
    for tag in re.findall(r"<details[^>]*>", text):
        if tag not in (
            '<details class="success checked" markdown="1">',
            '<details class="example solution" markdown="1">',
        ):
            problems.append(f"{page.name}: {tag} opens neither a checked section nor a solution")
    for tag in re.findall(r"<figure[^>]*>", text):
        if tag not in ('<figure class="diagram" markdown="0">', '<figure markdown="span" class="plot">'):
            problems.append(f"{page.name}: {tag} opens neither a diagram nor a plot")
    for label in re.findall(r"\((\d+[a-z])\)", text):  # row references such as (3b) in prose and headings
        if label not in NOTES_ROWS:
            problems.append(f"{page.name}: ({label}) is not a row of the notes' tables")
    return problems


def shown_literals(code: str) -> list[tuple[int, str]]:
    """The numbers a block is *about*: every float it is written with, and the entries of its np.array givens."""
    tree = ast.parse(code)
    found = []
    labels = {id(k.value) for k in ast.walk(tree) if isinstance(k, ast.keyword) and k.arg in ("name", "err_msg")}
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, float) and id(node) not in labels:
            found.append((node.lineno, ast.get_source_segment(code, node)))  # every float the code is written with
        if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "array" and node.args:
            found += [
                (c.lineno, ast.get_source_segment(code, c))
                for c in ast.walk(node.args[0])
                if isinstance(c, ast.Constant)
            ]  # integer givens too; a float bound an assert compares with is one of the floats above
    return [(line, text.lstrip("-")) for line, text in found if isinstance(text, str)]


def unshown(parts: list[Block | Text], page: Path) -> list[str]:
    """A block's givens and bounds appear in the text around it, so that changing one in the code shows."""
    problems = []
    for index, part in enumerate(parts):
        if not isinstance(part, Block):
            continue
        window = parts[max(index - 3, 0) : index + 4]
        text = " ".join(visible(p.text) for p in window if isinstance(p, Text))
        text += " ".join(visible(summarise(p.code)) for p in window if isinstance(p, Block) and p.checked)  # titles
        shown = {normal(n) for n in numbers(text)} | FORM
        for line, literal in shown_literals(part.code):
            value = normal(literal)
            if value not in shown and not (value.endswith(".0") and value[:-2] in shown):
                problems.append(
                    f"{page.name}:{part.line + line}: {literal} in the code is not shown in the text around it: "
                    "write it in the text beside the block (a given the reader should see), or compute it"
                )
    return problems


PRINTED_NAME = re.compile(r"\b[A-Za-z_]+\d+[A-Za-z_\d]*\b")  # dz1, log1p, W2: a name with a digit in it


def print_names(parts: list[Block | Text], page: Path) -> list[str]:
    """A name a print shows beside a value ("dL/dz1:", "log1p:") is one its own expressions use: so a label
    cannot name dz2 while it prints dz1."""
    problems = []
    for part in parts:
        if not isinstance(part, Block):
            continue
        for node in ast.walk(ast.parse(part.code)):
            if not (isinstance(node, ast.Call) and getattr(node.func, "id", "") == "print"):
                continue
            labels = [a for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
            labels += [
                c for a in node.args if isinstance(a, ast.JoinedStr) for c in a.values if isinstance(c, ast.Constant)
            ]
            said = [label.value for label in labels]
            skip = {id(label) for label in labels}
            used = " ".join(
                str(piece.value) if isinstance(piece, ast.Constant) else ast.get_source_segment(part.code, piece) or ""
                for piece in ast.walk(node)
                if id(piece) not in skip
                and (
                    isinstance(piece, (ast.Name, ast.Attribute))
                    or (isinstance(piece, ast.Constant) and isinstance(piece.value, str))  # a key: still["W1"]
                )
            ).lower()
            computes_z = "linear(" in (ast.get_source_segment(part.code, node) or "")  # z1 = linear(W1, x)
            for text in said:
                for name in PRINTED_NAME.findall(text):
                    if name.lower() in used or re.fullmatch(r"u?int\d+|float\d+", name):
                        continue
                    if computes_z and re.fullmatch(r"[zZ]\d", name):
                        continue
                    problems.append(
                        f"{page.name}:{part.line + node.lineno}: a print says {name} beside values its code "
                        f"does not name"
                    )
    return problems


def labels_in_code(parts: list[Block | Text], page: Path, tags_: set[str]) -> list[str]:
    """Numbers in the labels a block's checks print are the numbers of their own statement; in its comments and
    docstrings, its own.

    A label is the ``name=`` or ``err_msg=`` of a check, the message of an ``assert``, or the text a ``print``
    shows beside a value: the reader sees it, so "the loss peaks past 100" must sit beside the 100 it
    compares with, and "softmax(z + 1000):" beside the 1000 it adds.
    """
    problems = []
    for part in parts:
        if not isinstance(part, Block):
            continue
        tree = ast.parse(part.code)
        labels = []  # (line, label text, the numbers of the statement around it)
        for statement in ast.walk(tree):
            if not isinstance(statement, ast.stmt) or hasattr(statement, "body"):  # a loop, a def: its lines own theirs
                continue
            nodes = [
                k.value for k in ast.walk(statement) if isinstance(k, ast.keyword) and k.arg in ("name", "err_msg")
            ]
            if isinstance(statement, ast.Assert) and statement.msg is not None:
                nodes.append(statement.msg)
            call = statement.value if isinstance(statement, ast.Expr) else None
            if isinstance(call, ast.Call) and getattr(call.func, "id", "") == "print":
                nodes += call.args  # what a print says beside a value: "softmax(z + 1000):" is the code's 1000
            texts = [(n.lineno, n.value) for n in nodes if isinstance(n, ast.Constant) and isinstance(n.value, str)]
            texts += [
                (n.lineno, c.value)
                for n in nodes
                if isinstance(n, ast.JoinedStr)
                for c in n.values
                if isinstance(c, ast.Constant)
            ]
            own = _literals(ast.get_source_segment(part.code, statement), {text for _, text in texts})
            labels += [(line, text, own) for line, text in texts]
        comments = [
            (token.start[0], token.string, None)
            for token in tokenize.generate_tokens(io.StringIO(part.code).readline)
            if token.type == tokenize.COMMENT
        ]
        comments += [  # a docstring of a function the block defines says what it does, as a comment does
            (node.body[0].lineno, node.body[0].value.value, None)
            for node in ast.walk(tree)
            if isinstance(node, (ast.FunctionDef, ast.ClassDef))
            and node.body
            and isinstance(node.body[0], ast.Expr)
            and isinstance(node.body[0].value, ast.Constant)
            and isinstance(node.body[0].value.value, str)
        ]
        block = _literals(
            part.code, {text for _, text, _ in labels} | {text for _, text, own in comments if own is None}
        )
        printed = {normal(n) for call in part.printed for text in call for n in numbers(text)}
        for line, text, own in labels + comments:
            allowed = block | printed | FORM if own is None else own
            text = re.sub(r"\(([0-9]+[a-z]?)\)", lambda m: " " if m.group(1) in tags_ else m.group(0), text)
            for token in numbers(visible(text)):
                if normal(token) not in allowed:
                    where = "a comment" if own is None else "a check's label"
                    problems.append(f"{page.name}:{part.line + line}: {token} in {where} is not in its code")
    return problems


FSTRING_MIDDLE = getattr(tokenize, "FSTRING_MIDDLE", None)  # the text of an f-string, a token of its own from 3.12


def _literals(code: str, labels: set[str]) -> set[str]:
    """The numbers `code` is written with: its numeric literals and the numbers in its strings, but not in `labels`."""
    found = set()
    for token in tokenize.generate_tokens(io.StringIO(code).readline):
        if token.type == tokenize.NUMBER:
            found.add(normal(token.string))
        elif token.type == tokenize.STRING and ast.literal_eval(token.string) not in labels:
            found.update(normal(n) for n in numbers(token.string))  # "0.0069" compared with
        elif token.type == FSTRING_MIDDLE and token.string not in labels:
            found.update(normal(n) for n in numbers(token.string))
    return found | {n[:-2] for n in found if n.endswith(".0")}


def references(source: str, page: Path) -> list[str]:
    """Each [(tag)](#eq-id) shows the tag of the equation it links to."""
    tags = {}
    for display in displays(source):
        tag = re.search(r"\\tag\{([^}]*)\}", display.tex)
        tags[display.eq_id] = tag.group(1) if tag else None
    problems = []
    for shown, target in re.findall(r"\[\(([0-9a-z, ]+)\)\]\(#(eq-[a-z0-9-]+)\)", source):
        if target not in tags:
            problems.append(f"{page.name}: a reference ({shown}) links to #{target}, which is no equation here")
        elif tags[target] is not None and tags[target] != shown:
            problems.append(f"{page.name}: a reference shows ({shown}) but #{target} is tagged ({tags[target]})")
    return problems


def headings(source: str, page: Path) -> list[str]:
    """Numbered headings count 1, 2, 3 under each parent heading."""
    problems, expected = [], {}
    for line in re.sub(r"^```.*?^```", "", source, flags=re.S | re.M).splitlines():
        heading = re.match(r"^(#+) (?:(\d+)\. )?", line)
        if not heading:
            continue
        level = len(heading.group(1))
        expected = {lvl: n for lvl, n in expected.items() if lvl <= level}
        if heading.group(2) is not None:
            want = expected.get(level, 1)
            if int(heading.group(2)) != want:
                problems.append(f"{page.name}: heading {line!r} should be numbered {want}")
            expected[level] = int(heading.group(2)) + 1
        expected = {lvl: n for lvl, n in expected.items() if lvl <= level}
    return problems


def lists(source: str, page: Path) -> list[str]:
    """Numbered lists count 1, 2, 3, going on after a paragraph (Markdown would renumber them silently)."""
    problems, previous = [], None
    for line in re.sub(r"^```.*?^```", "", source, flags=re.S | re.M).splitlines():
        item = re.match(r"^(\d+)\. ", line)
        if item:
            number = int(item.group(1))
            want = 1 if previous is None else previous + 1
            if number != want:
                problems.append(f"{page.name}: list item {line[:40]!r} should be numbered {want}")
            previous = number
        elif line.startswith("#"):  # a list may go on after a paragraph ("3." after "2."), not after a heading
            previous = None
    return problems


MATH = re.compile(r"\$\$(.*?)\$\$|\\\((.*?)\\\)", re.S)


def arithmetic_form(segment: str) -> str | None:
    """`segment` of an equation as a Python expression, if it is arithmetic on numbers only; else None."""
    s = re.sub(r"\\tag\{[^}]*\}", "", segment)
    s = re.sub(r"\\(?:left|right|,|;|!|\s)", " ", s)
    s = re.sub(r"\be\^(?:\{([^{}]*)\}|(\d))", lambda m: f"(2.718281828459045**({m.group(1) or m.group(2)}))", s)
    s = re.sub(r"\\frac\{([^{}]*)\}\{([^{}]*)\}", r"((\1)/(\2))", s)
    s = re.sub(r"\\(?:times|cdot)", "*", s)
    s = s.replace("{", "(").replace("}", ")").strip().rstrip(".,;:")
    if not re.fullmatch(r"[\d\s.+\-*/()]+", s) or not re.search(r"\d", s):
        return None
    s = re.sub(r"\)\s*\(", ")*(", s)  # (2)(-1) is a product
    s = re.sub(r"(\d)\s*\(", r"\1*(", s)
    return re.sub(r"\)\s*(\d)", r")*\1", s)


def arithmetic(source: str, page: Path) -> list[str]:
    """In a chain such as (2)(-1) + (-3)(-2) = -2 + 6 = 4, each arithmetic side equals the next.

    A side that is one number is compared at the precision printed; two expressions are compared
    exactly. A chain that quotes the notes' own slip ("The notes compute ...") is the page's to correct,
    not to check.
    """
    problems = []
    for match in MATH.finditer(source):
        before = source[
            max(source.rfind(".", 0, match.start()), source.rfind("\n\n", 0, match.start())) : match.start()
        ]
        if "notes" in before.lower():
            continue
        for line in re.split(r"\\\\|\\qquad|\\quad|,\s", match.group(1) or match.group(2)):
            sides = [arithmetic_form(side) for side in re.split(r"=|\\approx", line)]
            for left, right in zip(sides, sides[1:], strict=False):
                if left is None or right is None:
                    continue
                try:
                    a, b = eval(left), eval(right)  # noqa: S307 - digits and + - * / ( ) only, by arithmetic_form
                except (SyntaxError, ZeroDivisionError):  # "2 3" or "1/0": not a chain to check
                    continue
                lone = [
                    len(m.group(1) or "")
                    for side in (left, right)
                    if (m := re.fullmatch(r"\s*-?\d+(?:\.(\d+))?\s*", side))
                ]
                tolerance = 0.5 * 10.0 ** -min(lone) if lone else 1e-12 * max(1.0, abs(a))
                if abs(a - b) > tolerance * (1 + 1e-9):
                    problems.append(f"{page.name}: {left.strip()} is {a:.10g}, not {right.strip()}")
    return problems


def tolerances(parts: list[Block | Text], page: Path) -> list[str]:
    """A tolerance, ``rtol=`` or ``atol=``, is 0 (exact) or at least float64's resolution: a smaller one claims
    an agreement that no float64 computation can show, and reads as a typo of the one meant."""
    problems = []
    for part in parts:
        if not isinstance(part, Block):
            continue
        for keyword in (k for k in ast.walk(ast.parse(part.code)) if isinstance(k, ast.keyword)):
            if keyword.arg in ("rtol", "atol") and isinstance(keyword.value, ast.Constant):
                value = keyword.value.value
                if isinstance(value, float | int) and 0 < value < 1e-16:
                    problems.append(
                        f"{page.name}:{part.line + keyword.value.lineno}: {keyword.arg}={value:g} is below float64's "
                        "resolution (2.2e-16 relative): write 0 for an exact agreement, or the tolerance meant"
                    )
    return problems


def check_page(page: Path, source: str | None = None, run: PageRun | None = None) -> list[str]:
    """Everything wrong with `page`'s numbers; empty when each one is tied to its code.

    `run` is the page's one run (`runner.run_page`) when the caller has it; otherwise the page is run here.
    """
    source = page.read_text() if source is None else source
    run = run_page(source, page.name) if run is None else run
    if run.failure:
        return [run.failure]
    parts = run.parts
    labels = site_labels(page.parent)
    return [
        *uncovered(parts, page, labels),
        *inline_values(parts, page),
        *matrices(parts, page),
        *labels_in_code(parts, page, labels),
        *print_names(parts, page),
        *tolerances(parts, page),
        *spelled(source, page),
        *tag_rows(source, page),
        *summaries(source, page),
        *unshown(parts, page),
        *references(source, page),
        *headings(source, page),
        *lists(source, page),
        *arithmetic(source, page),
    ]


def check_notebook_page(page: Path, source: str | None = None) -> list[str]:
    """The numbers in the text of a notebook page (``docs/notebooks/*.py``) not checked by a cell beside them.

    The Markdown pages' other rules (summaries, givens shown in the text) are about their collapsed checks,
    which a notebook page does not have; the text's numbers are tied to the cells by the same rule. Line
    numbers count in the page as one Markdown text, cell after cell. A `source` is read as the page's text
    instead of its file (a mutant's).
    """
    import jupytext  # the docs extra's: only this check needs it

    notebook = jupytext.read(page) if source is None else jupytext.reads(source, fmt="py:percent")
    pieces = []
    for cell in notebook.cells:
        if cell.cell_type == "markdown":  # a fence in the text (a solution shown) is text, not a cell to run
            pieces.append(re.sub(r"^```python$", "```text", cell.source, flags=re.M))
        else:
            pieces.append(f"```{{.python continuation}}\n{cell.source}\n```")
    parts = split("\n\n".join(pieces) + "\n")
    failure = execute(parts, page.name).failure
    if failure:
        return [failure]
    labels = site_labels(page.parents[1])
    return uncovered(parts, page, labels)


# The "checked" sections. Each equation's block shows the implementation; its verification follows in a
# collapsed <details class="success checked"> whose <summary> says what it checks. The summary is derived
# from the verification code, so it cannot drift from it: every tolerance and every expression it names is
# the one the code uses.
CHECKED = re.compile(
    r'<details class="success checked" markdown="1">\s*<summary>(?P<summary>.*?)</summary>\s*'
    r"```\{\.python continuation\}\n(?P<code>.*?)\n```",
    flags=re.S,
)


def summaries(source: str, page: Path) -> list[str]:
    problems = []
    for match in CHECKED.finditer(source):
        expected = summarise(match.group("code"))
        if match.group("summary") != expected:
            line = source.count("\n", 0, match.start()) + 1
            problems.append(f"{page.name}:{line}: the summary should read: {expected}")
    return problems


def write_summaries(page: Path) -> None:
    """Rewrite `page`'s summaries from its verification code (after editing a checked section)."""
    source = page.read_text()

    def rewritten(match: re.Match) -> str:  # by the summary's own position: its old text may be in the tag too
        start, end = (position - match.start() for position in match.span("summary"))
        return match.group(0)[:start] + summarise(match.group("code")) + match.group(0)[end:]

    page.write_text(CHECKED.sub(rewritten, source))
