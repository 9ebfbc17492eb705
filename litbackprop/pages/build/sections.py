"""MkDocs hook: a verification block or a solution written as one fence, collapsed on the page with its title.

A page may wrap a block in a collapsed section by hand (``<details class="success checked" markdown="1">``,
its ``<summary>``, the fence, ``</details>``), or write only the fence, with a class that says which:

    ```{.python continuation .checked}      a verification: collapsed under "Checked: ..."
    ```{.python continuation .solution}     an exercise's solution: collapsed until the reader opens it

`expand` writes the second form as the first, before the page is rendered, before its notebook is made
and before the site's checks read it; the title of a verification is `summarise` of its code, so it says
what the code checks and cannot drift from it. pytest-markdown-docs runs the fence as it runs any other.
"""

from __future__ import annotations

import ast
import html
import itertools
import re

SECTION = re.compile(
    r"^```\{(?P<info>[^}\n]*?)\s*\.(?P<kind>checked|solution)(?P<rest>[^}\n]*)\}\n(?P<code>.*?)\n```[ \t]*$",
    flags=re.S | re.M,
)
OPEN = {
    "checked": '<details class="success checked" markdown="1">',
    "solution": '<details class="example solution" markdown="1">',
}
SOLUTION_TITLE = "A solution, to open after trying"


def expand(markdown: str) -> str:
    """Each ``.checked`` or ``.solution`` fence as a collapsed section holding the fence without that class."""

    def section(match: re.Match) -> str:
        kind, code = match["kind"], match["code"]
        title = summarise(code) if kind == "checked" else SOLUTION_TITLE
        info = " ".join((match["info"] + match["rest"]).split())
        note = f"{TEACHES}\n\n" if CENTRAL_DIFFERENCES in title else ""
        return f"{OPEN[kind]}\n<summary>{title}</summary>\n\n{note}```{{{info}}}\n{code}\n```\n\n</details>"

    return outside_examples(markdown, lambda text: SECTION.sub(section, text))


EXAMPLE = re.compile(r"(^(?:`{4,}|~{3,}).*?^(?:`{4,}|~{3,})[ \t]*$)", flags=re.S | re.M)
"""A fence of four backticks or of tildes: Markdown shown as text (the writing guide's examples)."""


def outside_examples(markdown: str, change) -> str:
    """`markdown` with `change` applied to its text outside the fences that show Markdown as text (`EXAMPLE`)."""
    pieces = EXAMPLE.split(markdown)
    return "".join(piece if i % 2 else change(piece) for i, piece in enumerate(pieces))


CENTRAL_DIFFERENCES = "central differences in float64"
TEACHES = "*Central differences: [Checking gradients](gradient-checking.md) derives them.*"
"""Named where the reader may not have met them yet: the section links to the page that teaches them, in its
body (a link inside the summary, itself a control, would be a control inside a control to a screen reader)."""


def _shown(code: str, node, limit: int = 60) -> str | None:
    """A piece of the code as the title shows it, in a code span; None if it is too long for a title."""
    source = " ".join((ast.get_source_segment(code, node) or "").split())
    return f"<code>{html.escape(source, quote=False)}</code>" if source and len(source) <= limit else None


def _titled_by_message(node: ast.Assert) -> bool:
    """Whether an assertion's message is its title (else the relation is, shown whole, with its bounds)."""
    return isinstance(node.msg, ast.Constant) and isinstance(node.msg.value, str)


def _position(node) -> tuple[int, int]:
    inner = node.value if isinstance(node, ast.Expr) else node
    return inner.lineno, inner.col_offset


def _compared_with(code: str, tree: ast.AST, expected: ast.expr) -> str:
    """What a value was compared with, as a title says it: the expression, where it is short; for a bare name, the
    expression the block assigned it, or where it came from."""
    expression = " ".join((ast.get_source_segment(code, expected) or "").split())
    if not expression.isidentifier():
        return (
            f"<code>{html.escape(expression, quote=False)}</code>"
            if len(expression) <= 60
            else (
                "a second computation written out in the block"  # not "independent": it may call the same functions
            )
        )
    assigned = [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == expression for t in node.targets)
    ]
    looped = any(  # a loop's or a comprehension's variable: computed in the block too
        isinstance(name, ast.Name) and name.id == expression
        for node in ast.walk(tree)
        if isinstance(node, (ast.For, ast.comprehension))
        for name in ast.walk(node.target)
    )
    if len(assigned) == 1 and not looped and (value := _shown(code, assigned[0])) is not None:
        return value
    assigned = assigned or looped
    name = f"<code>{html.escape(expression, quote=False)}</code>"
    return f"{name} (computed in the block)" if assigned else f"{name} (computed above)"


def summarise(code: str) -> str:
    """What a verification block checks, in one line: the summary its section must show, saying what was compared
    with what: a value and what it agrees with, the digits shown for a named value, a relation that holds."""
    parts, rounds, gradients = [], [], []
    tree = ast.parse(code)
    # every check, also those inside a loop or a with block, in the order written
    calls = sorted(
        (n for n in ast.walk(tree) if isinstance(n, ast.Call) and getattr(n.func, "id", "").startswith("assert")),
        key=lambda n: (n.lineno, n.col_offset),
    )
    statements = [n for n in ast.walk(tree) if isinstance(n, ast.Assert)]  # in a loop or a with block too
    ordered = sorted([ast.Expr(value=c) for c in calls] + statements, key=lambda n: _position(n))
    for node in ordered:
        call = node.value if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call) else None
        name = getattr(call.func, "id", "") if call is not None else ""
        if name in ("assert_allclose", "assert_array_equal") and len(call.args) >= 2:
            shown = _compared_with(code, tree, call.args[1])
            tolerances = {
                k.arg: ast.get_source_segment(code, k.value) for k in call.keywords if k.arg in ("rtol", "atol")
            }
            exact = name == "assert_array_equal" or all(t in ("0", "0.0") for t in tolerances.values()) and tolerances
            value = _shown(code, call.args[0], limit=40)  # what agrees, where it is short enough to name
            what = f"{value} " if value else "the value computed "
            if exact:
                parts.append(f"{what}equals {shown} exactly")
            elif tolerances:
                given = [tolerances[k] for k in ("rtol", "atol") if tolerances.get(k) not in (None, "0", "0.0")]
                parts.append(f"{what}agrees with {shown} to {' and '.join(given)}")
            else:
                parts.append(f"{what}agrees with {shown}")
        elif name == "assert_rounds_to":
            label = next((k.value for k in call.keywords if k.arg == "name"), None)
            rounds.append(label.value if isinstance(label, ast.Constant) and isinstance(label.value, str) else None)
        elif name == "assert_gradient_matches":
            label = next((k.value for k in call.keywords if k.arg == "name"), None)
            gradients.append(label.value if isinstance(label, ast.Constant) and isinstance(label.value, str) else None)
        elif isinstance(node, ast.Assert) and _titled_by_message(node):
            parts.append(html.escape(node.msg.value, quote=False))  # an assertion's message is its own title
        elif isinstance(node, ast.Assert) and (shown := _shown(code, node.test, limit=90)):
            parts.append(f"{shown} holds")  # the relation itself, where it is short enough to read
    if gradients:
        named = [label for label in gradients if label]
        parts.append(
            f"{CENTRAL_DIFFERENCES} for {', '.join(dict.fromkeys(named))}"
            if len(named) == len(gradients)
            else CENTRAL_DIFFERENCES
        )
    if rounds:
        named = [label for label in rounds if label]
        parts.append(
            f"the digits shown for {', '.join(dict.fromkeys(named))}"
            if len(named) == len(rounds)
            else "the digits shown, against the values computed"
        )
    bounds = [
        ast.get_source_segment(code, c)
        for n in ast.walk(tree)
        if isinstance(n, ast.Assert) and not (_titled_by_message(n) is False and _shown(code, n.test, limit=90))
        for compare in ast.walk(n.test)
        if isinstance(compare, ast.Compare)
        and any(isinstance(op, (ast.Lt, ast.Gt, ast.LtE, ast.GtE)) for op in compare.ops)
        for c in [compare.left, *compare.comparators]
        if isinstance(c, ast.Constant) and isinstance(c.value, float)
    ]
    if bounds:
        limits = list(dict.fromkeys(bounds))
        said = " and ".join([", ".join(limits[:-1]), limits[-1]] if len(limits) > 1 else limits)
        parts.append(f"the comparison{'s' if len(limits) > 1 else ''} with {said} hold{'' if len(limits) > 1 else 's'}")
    return "Checked: " + ("; ".join(dict.fromkeys(parts)) if parts else "the block runs without an error")


PYTHON_FENCE = re.compile(
    r"^```\{\.python(?P<continuation> continuation)?\}[ \t]*\n(?P<code>.*?)^```[ \t]*$", flags=re.M | re.S
)
SHOW = 'print(__import__("litbackprop.pages.showing", fromlist=["shown"]).shown({}))  # markdown-exec: hide'


def last_values(code: str) -> str:
    """For a block that prints nothing, a hidden line that shows what its last statement assigned."""
    if "print(" in code:
        return ""
    try:
        body = ast.parse(code).body
    except SyntaxError:
        return ""
    last = body[-1] if body else None
    if not isinstance(last, ast.Assign):
        return ""
    names = [t.id for target in last.targets for t in ast.walk(target) if isinstance(t, ast.Name)]
    return "\n" + SHOW.format(", ".join(f"{n}={n}" for n in names)) if names else ""


def executed(markdown: str, page: str) -> str:
    """Each Python fence marked for markdown-exec, which runs it at build time and shows what it prints under it.

    A block that prints nothing shows the values its last line assigned (a hidden line, ``last_values``).
    A fence without ``continuation`` starts a new session, as pytest-markdown-docs starts a new program; a
    ``continuation`` goes on in the session before it. A block that fails logs a warning, which fails the
    strict build.
    """
    sessions = itertools.count(1)
    session = f"{page}-0"

    def mark(match: re.Match) -> str:
        nonlocal session
        if not match["continuation"]:
            session = f"{page}-{next(sessions)}"
        code = match["code"].rstrip("\n")
        return (
            f'```{{.python exec="on" session="{session}" source="above" result="text"}}\n{code}{last_values(code)}\n```'
        )

    return outside_examples(markdown, lambda text: PYTHON_FENCE.sub(mark, text))


def on_page_markdown(markdown, page, config, files):
    return executed(expand(markdown), page.file.src_uri)


# markdown-exec shows an empty output for a block that prints nothing: it is dropped from the page.
EMPTY_OUTPUT = re.compile(
    r'(?<=</code></pre></div>)\s*<div class="highlight"><pre><span></span><code>\s*</code></pre></div>'
)


def on_page_content(html, page, config, files):
    return EMPTY_OUTPUT.sub("", html)
