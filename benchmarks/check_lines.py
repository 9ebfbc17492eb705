"""Count the library's lines of argument checks against its lines of math, the same way at any commit.

    python benchmarks/check_lines.py            # the working tree
    python benchmarks/check_lines.py 1010898    # the library as it was at a commit

A code line (not blank, not a comment, not a docstring) of a function body counts as a *check* when
it belongs to a check: a function of ``_checks.py``, a function whose name starts with ``check``
or ``_check``, a declared check (its parameters are ``name, value, arguments``), the declaration
``@checked(...)`` itself, or, inside any other function, a statement that refuses (a ``raise``, an
``if`` whose body raises, an ``assert``) or that calls a check (``check_*``, ``as_float_array``,
``run_checks``); every method of a constraint (a class with a ``check`` method). Every other line of a
function body in the modules that compute (the equation
modules, the models, the engine, gradient checking, training, exercises) counts as *math*: the
equations and the plumbing that runs them. The I/O modules (``saving``, ``cli``, ``digits``)
validate files, paths and the command line rather than arguments of the math; their check lines
are counted apart.
"""

from __future__ import annotations

import ast
import io
import subprocess
import sys
import tokenize
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COMPUTING = [
    "_checks",
    "activations",
    "fully_connected",
    "loss",
    "network",
    "neuron",
    "autodiff",
    "gradcheck",
    "training",
    "exercises",
    "testing",
    "examples",
]
IO = ["saving", "cli", "digits"]
EQUATIONS = ["activations", "fully_connected", "loss", "network", "neuron"]
CHECK_CALLS = ("check_", "as_float_array", "run_checks", "_check")


FORMERLY = {"fully_connected": "linear"}
"""A module's name before it was renamed, to count it at an older commit."""


def source(module: str, commit: str | None) -> str | None:
    """The module's text, wherever the layout of the time kept it: at the top, or in course/ or app/."""
    for name in (module, FORMERLY.get(module, module)):
        for folder in ("", "course/", "app/"):
            path = f"litbackprop/{folder}{name}.py"
            if commit is None:
                file = ROOT / path
                if file.exists():
                    return file.read_text()
                continue
            shown = subprocess.run(["git", "show", f"{commit}:{path}"], cwd=ROOT, capture_output=True, text=True)
            if shown.returncode == 0:
                return shown.stdout
    return None


def code_lines(text: str) -> set[int]:
    """Line numbers holding code: not blank, not only a comment, not a docstring."""
    lines = set()
    for token in tokenize.generate_tokens(io.StringIO(text).readline):
        if token.type not in (
            tokenize.COMMENT,
            tokenize.NL,
            tokenize.NEWLINE,
            tokenize.INDENT,
            tokenize.DEDENT,
            tokenize.ENDMARKER,
            tokenize.STRING,
        ):
            lines.update(range(token.start[0], token.end[0] + 1))
        elif token.type == tokenize.STRING:
            lines.add(token.start[0])  # a docstring line is removed below
    tree = ast.parse(text)
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr):
            value = body[0].value
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                lines -= set(range(body[0].lineno, body[0].end_lineno + 1))
    return lines


def span(node: ast.AST) -> set[int]:
    return set(range(node.lineno, node.end_lineno + 1))


def refuses(statement: ast.stmt) -> bool:
    if isinstance(statement, ast.Raise | ast.Assert):
        return True
    if isinstance(statement, ast.If):
        return bool(statement.body) and isinstance(statement.body[-1], ast.Raise)
    calls = [n for n in ast.walk(statement) if isinstance(n, ast.Call)]
    names = [c.func.id if isinstance(c.func, ast.Name) else getattr(c.func, "attr", "") for c in calls]
    return (
        isinstance(statement, ast.Assign | ast.Expr | ast.Return)
        and any(n.startswith(CHECK_CALLS) for n in names)
        and not isinstance(statement, ast.Return)
    )


def is_check_function(module: str, function: ast.FunctionDef) -> bool:
    params = [a.arg for a in function.args.args]
    return (
        module == "_checks"
        or function.name.lstrip("_").startswith("check")
        or params[-3:] == ["name", "value", "arguments"]
        or (len(params) == 3 and params[0] == "name" and params[2] == "arguments")
    )


def count(module: str, text: str) -> tuple[int, int]:
    """(check lines, math lines) of one module."""
    code = code_lines(text)
    checks, math = set(), set()
    tree = ast.parse(text)
    constraints = set()  # a class with a method `check` is a constraint: all of it is a check
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef) and any(
            isinstance(n, ast.FunctionDef) and n.name == "check" for n in node.body
        ):
            constraints |= {n for n in node.body if isinstance(n, ast.FunctionDef)}
    for node in ast.walk(tree):
        if not isinstance(node, ast.FunctionDef):
            continue
        for decorator in node.decorator_list:
            if isinstance(decorator, ast.Call) and getattr(decorator.func, "id", "") == "checked":
                checks |= span(decorator)
        body = set().union(*(span(s) for s in node.body)) & code
        if node in constraints or is_check_function(module, node):
            checks |= body
            continue
        for statement in ast.walk(node):
            if isinstance(statement, ast.stmt) and statement is not node and refuses(statement):
                checks |= span(statement) & code
        math |= body
    if module == "_checks":  # everything in it is the checks' machinery, functions or not
        checks |= code
    nested = {line for node in ast.walk(tree) if isinstance(node, ast.FunctionDef) for line in span(node)}
    math -= checks
    math &= nested
    return len(checks & code), len(math)


def equation_lines(module: str, text: str) -> int:
    """Code lines in the bodies of the functions that implement an equation (their docstring's first line holds
    one, in $...$) and of the passes (``trace``): the hand-derived math, as the issue that asked for this counts it."""
    code, tree = code_lines(text), ast.parse(text)
    lines = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and not is_check_function(module, node):
            doc = ast.get_docstring(node) or ""
            if "$" in doc.partition("\n")[0] or node.name == "trace":
                statements = [s for s in node.body if not refuses(s)]
                lines |= set().union(*(span(s) for s in statements)) if statements else set()
    return len(lines & code)


def report(commit: str | None) -> dict:
    rows = {}
    for module in COMPUTING + IO:
        text = source(module, commit)
        if text is not None:
            rows[module] = count(module, text)
    computing = [rows[m] for m in COMPUTING if m in rows]
    io_ = [rows[m] for m in IO if m in rows]
    equations = [rows[m] for m in EQUATIONS if m in rows]
    total = lambda rs, i: sum(r[i] for r in rs)  # noqa: E731
    hand = sum(equation_lines(m, source(m, commit)) for m in EQUATIONS if source(m, commit) is not None)
    return {
        "hand-derived math": hand,
        "every check": total(computing, 0) + total(io_, 0),
        "modules": rows,
        "computing": (total(computing, 0), total(computing, 1)),
        "io checks": total(io_, 0),
        "equation modules and models": (total(equations, 0), total(equations, 1)),
    }


def main(argv: list[str]) -> int:
    commit = argv[0] if argv else None
    r = report(commit)
    print(f"{'module':<14}{'checks':>8}{'math':>8}")
    for module, (checks, math) in r["modules"].items():
        print(f"{module:<14}{checks:>8}{math:>8}")
    checks, math = r["computing"]
    print(f"\nthe computing modules: {checks} lines of checks, {math} lines of math, ratio {checks / math:.2f}")
    checks_eq, math_eq = r["equation modules and models"]
    print(f"the equation modules and models alone: {checks_eq} checks, {math_eq} math, ratio {checks_eq / math_eq:.2f}")
    print(f"the I/O modules' checks, counted apart: {r['io checks']} lines")
    every, hand = r["every check"], r["hand-derived math"]
    print(
        f"every check of the library, I/O included: {every}; the hand-derived math alone: {hand}, "
        f"ratio {every / hand:.2f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
