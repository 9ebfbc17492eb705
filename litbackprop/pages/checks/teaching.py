r"""What is taught where: the page that introduces each symbol and named term, and no use of one before it.

A student reads the pages in the nav's order. A term used on a page before the page that teaches it stops
that reader, unless the paragraph that first uses it says where it is taught: links to that page. `TERMS`
records, for each term, how a use of it is spelled and the page that teaches it; the home page shows them
(``<!-- terms table -->``), and `problems` finds every first use, page by page, that comes too early.

A use is read in a page's prose and equations, never in its code: a code block, a span of inline code and a
link's address are left out, and so are headings, which announce what the text under them teaches. A page
that teaches a term must use it, so that the table cannot point at the wrong page.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Term:
    """A symbol or a named term, how a use of it is spelled, and the page (relative to ``docs/``) that teaches it."""

    shown: str
    """The term as the home page's table shows it (Markdown, TeX in ``\\( \\)``)."""
    spelled: str
    """A regular expression matching a use of it in a page's prose or equations."""
    page: str
    meaning: str


TERMS: tuple[Term, ...] = (
    Term(
        "sigmoid \\(\\sigma\\)",
        r"(?i:sigmoid)|\\sigma(?![a-zA-Z])",
        "single-neuron.md",
        "squashes a number into (0, 1)",
    ),
    Term(
        "central differences",
        r"(?i:central[ -]differences?)",
        "single-neuron.md",
        "a derivative estimated from two nearby values",
    ),
    Term("loss \\(L\\)", r"\bloss(es)?\b", "index.md", "one number that says how wrong a prediction is"),
    Term("ReLU", r"\bReLUs?\b", "two-layer-network.md", "keeps a positive number, zeroes a negative one"),
    Term("logits", r"(?i:\blogits?\b)", "two-layer-network.md", "the scores softmax turns into probabilities"),
    Term("softmax", r"(?i:softmax)", "two-layer-network.md", "scores to probabilities that sum to one"),
    Term(
        "cross-entropy",
        r"(?i:cross-entropy)",
        "two-layer-network.md",
        "the loss \\(-\\log\\) of the true class's probability",
    ),
    Term("one-hot", r"(?i:one-hot)", "two-layer-network.md", "a vector of zeros with a 1 at the true class"),
    Term("\\(\\log\\)", r"\\log(?![a-zA-Z])", "two-layer-network.md", "the natural logarithm, base \\(e\\)"),
    Term(
        "Jacobian", r"(?i:jacobian)", "two-layer-network.md", "the matrix of every output's derivative by every input"
    ),
    Term(
        "Kronecker's \\(\\delta_{ij}\\)",
        r"\\delta_\{?ij|(?i:kronecker)",
        "two-layer-network.md",
        "1 when \\(i = j\\), else 0",
    ),
    Term(
        "indicator \\(\\mathbb{I}\\)",
        r"\\mathbb\{I\}|(?i:indicator)",
        "two-layer-network.md",
        "1 where a condition holds, else 0",
    ),
    Term("\\(\\odot\\)", r"\\odot|⊙", "two-layer-network.md", "entry-by-entry product of two arrays of one shape"),
    Term("float64", r"\bfloat64\b", "single-neuron.md", "numpy's standard double-precision numbers"),
    Term(
        "e-notation",
        r"(?i:e-notation)",
        "single-neuron.md",
        "a number as Python writes it: 4.2e-04 is 4.2 × 10⁻⁴",
    ),
    Term(
        "relative error",
        r"(?i:relative errors?)",
        "two-layer-network.md",
        "the size of a difference over the sizes of the two things compared",
    ),
    Term(
        "bias \\(b\\)",
        r"(?i:\bbias(es)?\b)|b\^\{\(\d\)\}",
        "biases.md",
        "a number per unit, added after the weighted sum",
    ),
    Term("gradient descent", r"(?i:gradient descent)", "learning.md", "steps against the gradient"),
    Term("learning rate \\(\\eta\\)", r"(?i:learning rates?)|\\eta(?![a-zA-Z])", "learning.md", "the size of a step"),
    Term("\\(\\theta\\)", r"\\theta(?![a-zA-Z])", "learning.md", "every parameter, by name"),
    Term(
        "entropy",
        r"(?i:(?<!cross-)\bentropy)",
        "learning.md",
        "\\(-\\sum_c p_c \\log p_c\\), the least mean loss a guess can have",
    ),
    Term(
        "\\(\\mathbb{E}\\), \\(\\operatorname{Var}\\)",
        r"\\mathbb\{E\}|\\operatorname\{Var\}",
        "learning.md",
        "mean and variance over random draws",
    ),
    Term(
        "momentum \\(\\mu\\), velocity \\(v\\)",
        r"(?i:momentum)",
        "learning.md",
        "steps that build up in a steady direction",
    ),
    Term(
        "\\(\\mathcal{N}\\), second moment",
        r"\\mathcal\{N\}|(?i:second moment)",
        "learning.md",
        "the Gaussian distribution; the mean of a square",
    ),
    Term("He initialisation", r"\bHe\b", "learning.md", "weights of variance \\(2/d\\) for a layer of \\(d\\) inputs"),
    Term(
        "the digits",
        r"(?i:\b(?:the|handwritten|training|test) digits\b(?! (?:shown|printed|of\b)))",  # not a number's digits
        "learning.md",
        "scikit-learn's small images of handwritten digits",
    ),
    Term(
        "mini-batch, epoch",
        r"(?i:mini-?batch(es)?|\bepochs?\b)",
        "learning.md",
        "a few examples per step; a pass over the data",
    ),
    Term(
        "training, validation and test sets",
        r"(?i:validation)",
        "notebooks/digits.py",
        "what a network learns from; what it is watched on; what it is judged on",
    ),
    Term(
        "autodiff",
        r"(?i:autodiff|automatic differentiation)",
        "autodiff.md",
        "gradients derived by a program from the forward pass",
    ),
    Term(
        "dead ReLU, saturated unit", r"(?i:\bdead\b|saturat)", "pitfalls.md", "a unit whose gradient is zero or nearly"
    ),
    Term(
        "\\(\\delta^{(l)}\\)",
        r"\\delta\^",
        "deep-network.md",
        "\\(\\partial L/\\partial z^{(l)}\\), the error at layer \\(l\\)",
    ),
    Term(
        "Xavier initialisation",
        r"(?i:xavier)",
        "vanishing-gradients.md",
        "weights of variance \\(2/(n_{\\text{in}} + n_{\\text{out}})\\)",
    ),
    Term(
        "batch normalization",
        r"(?i:batch[ -]norm)",
        "batch-normalization.md",
        "each unit scaled to a batch's mean and spread",
    ),
    Term("dropout", r"(?i:dropout)", "dropout.md", "units zeroed at random while training"),
)
"""Every term the course teaches, in the order of the pages that teach them."""


_CODE_BLOCK = re.compile(r"^(?P<fence>```|~~~).*?^(?P=fence)\s*$", re.S | re.M)
_HIDDEN = (
    re.compile(r"<!--.*?-->", re.S),  # a comment: the page's machinery, not its text
    re.compile(r"`[^`\n]*`"),  # inline code: a name in the library, not a term
    re.compile(r"^#{1,6} .*$", re.M),  # a heading announces what the text under it teaches
    re.compile(r"^\[[^\]]+\]:\s*\S+.*$", re.M),  # a link's definition
)


_LINK = re.compile(r"\[(?:[^\[\]]|\[[^\]]*\])*\](?:\([^)]*\)|\[[^\]]*\])")
"""A link, inline or by reference, its text included."""


def prose(source: str, page: str) -> list[str]:
    """The paragraphs a reader reads on `page`, code left out; a notebook's (jupytext ``.py``) Markdown cells."""
    if page.endswith(".py"):
        cells = re.split(r"^# %%", source, flags=re.M)
        source = "\n\n".join(
            re.sub(r"^# ?", "", cell.split("\n", 1)[1], flags=re.M) for cell in cells if cell.startswith(" [markdown]")
        )
    source = _CODE_BLOCK.sub("\n\n", source)
    for hidden in _HIDDEN:
        source = hidden.sub(" ", source)
    return [paragraph for paragraph in re.split(r"\n\s*\n|\n(?=\s*(?:\d+\.|[-*]) )", source) if paragraph.strip()]


def links_to(paragraph: str, page: str, here: str) -> bool:
    """Whether `paragraph`, on the page `here`, links to `page` (both relative to ``docs/``)."""
    for target in re.findall(r"\]\(([^)\s#]+)(?:#[^)]*)?\)|\]\((#[^)]*)\)", paragraph):
        address = target[0] or here
        if posixpath.normpath(posixpath.join(posixpath.dirname(here), address)) == page:
            return True
    return False


def first_uses(source: str, page: str) -> dict[Term, str]:
    """Each term `page` uses, with the paragraph it is first used in."""
    found: dict[Term, str] = {}
    for paragraph in prose(source, page):
        text = _LINK.sub(" ", paragraph)  # a link points at where the term is taught: what it says is not a use
        for term in TERMS:
            if term not in found and re.search(term.spelled, text):
                found[term] = paragraph
    return found


def problems(pages: list[str], docs: Path) -> list[str]:
    """Every term used before the page that teaches it, in the reading order `pages` (relative to `docs`), whose
    paragraph does not link to that page; and every term whose page does not use it or is not read at all."""
    order = {page: i for i, page in enumerate(pages)}
    found = []
    uses = {page: first_uses((docs / page).read_text(), page) for page in pages}
    for term in TERMS:
        if term.page not in order:
            found.append(f"{term.page}: said to teach {term.shown}, but it is not in the nav")
        elif not any(re.search(term.spelled, bold) for bold in _bold(docs, term.page)):
            found.append(
                f"{term.page}: said to teach {term.shown}, but no paragraph of it defines it in bold"
                f" (**…**, matching {term.spelled!r})"
            )
    for page in pages:
        for term, paragraph in uses[page].items():
            if term.page in order and order[term.page] > order[page] and not links_to(paragraph, term.page, page):
                excerpt = " ".join(paragraph.split())
                match = re.search(term.spelled, _LINK.sub(" ", excerpt))
                around = excerpt[max(0, match.start() - 60) : match.end() + 60] if match else excerpt[:120]
                found.append(
                    f"{page}: uses {term.shown} before {term.page} teaches it, in a paragraph that does not link there"
                    f" (…{around}…): teach it here, or link to {term.page} saying it is taught there"
                )
    return found


def _bold(docs: Path, page: str) -> list[str]:
    """The bold spans of `page`: a term is set in bold where it is defined."""
    return [
        span
        for paragraph in prose((docs / page).read_text(), page)
        for span in re.findall(r"\*\*(.+?)\*\*", paragraph, re.S)
    ]


def anchor(term: Term) -> str:
    """The id of a term's definition on its page: ``term-`` and its words, ``term-relative-error``."""
    shown = re.sub(r"\\[()]", "", term.shown.split(",")[0]).replace("\\", "")  # \(\log\) → log
    words = re.sub(r"[^a-zA-Z0-9]+", "-", shown).strip("-").lower()
    return f"term-{words or 'symbol'}"


def anchored(markdown: str, page: str) -> str:
    """`markdown` of `page` with each term it teaches given an id at its definition, the first bold that spells it
    (attr_list's ``**…**{ #id }``), so that the home page's table links to the sentence, not the page's top."""
    for term in (t for t in TERMS if t.page == page):
        position = 0
        for fence in [*_CODE_BLOCK.finditer(markdown), None]:
            end = fence.start() if fence else len(markdown)
            segment = markdown[position:end]
            bold = next(  # bold spans paired left to right, as Markdown pairs them; one already anchored is taken
                (
                    m
                    for m in re.finditer(r"\*\*([^*]+)\*\*", segment)
                    if not segment.startswith("{", m.end()) and re.search(term.spelled, m[1])
                ),
                None,
            )
            if bold is not None:
                at = position + bold.end()
                markdown = f"{markdown[:at]}{{ #{anchor(term)} }}{markdown[at:]}"
                break
            position = fence.end() if fence else end
    return markdown


def table(titles: dict[str, str]) -> str:
    """The terms as Markdown: each term, linked to the page that teaches it (its title in `titles`, the nav's, as the
    link's tooltip), and what it means."""
    rows = ["| Term | Meaning |", "| :--- | :--- |"]
    rows += [
        f'| [{term.shown}]({term.page}{"#" + anchor(term) if term.page.endswith(".md") else ""} "{titles[term.page]}")'
        f" | {term.meaning} |"
        for term in TERMS
    ]
    return "\n".join(rows) + "\n"
