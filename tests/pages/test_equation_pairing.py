"""Every display equation on the site has an id and is followed by the Python block that implements it."""

from __future__ import annotations

from pathlib import Path

import pytest

from litbackprop.pages.checks.pairing import Display, anchored, displays, pairing_problems, parse

DOCS = Path(__file__).resolve().parents[2] / "docs"
PAGES = sorted(DOCS.rglob("*.md"))


def test_the_site_has_pages_with_equations():
    assert sum(len(parse(p.read_text()).equations) for p in PAGES) >= 20


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(DOCS)))
def test_every_equation_is_paired_with_its_block(page):
    problems = pairing_problems(page.read_text())
    assert not problems, f"{page.name}:\n" + "\n".join(problems)


GOOD = """
<a id="eq-a"></a>

$$
a = 1
$$

```{.python}
# eq-a
a = 1
```
"""


def test_a_well_paired_page_has_no_problems():
    assert pairing_problems(GOOD) == []


def test_an_equation_without_a_block_is_reported():
    text = GOOD + '\n<a id="eq-b"></a>\n\n$$\nb = 2\n$$\n'
    assert pairing_problems(text)[0].startswith("line 15: equation eq-b is not followed by a code block")


def test_an_equation_without_an_id_is_reported():
    problems = pairing_problems("Text.\n\n$$\nc = 3\n$$\n\n```python\nc = 3\n```\n")
    assert problems[0].startswith("line 3: display equation without an id: start the Python block after it")


def test_an_equation_takes_the_id_its_block_names_and_the_build_anchors_it():
    page = "Text.\n\n$$\nc = 3\n$$\n\n```python\n# eq-c\nc = 3\n```\n\nSee [(1)](#eq-c).\n"
    assert pairing_problems(page) == []
    assert displays(page) == [Display("eq-c", 3, "\nc = 3\n")]
    assert anchored(page).startswith('Text.\n\n<a id="eq-c"></a>\n\n$$\nc = 3\n$$')


def test_an_anchor_written_by_hand_must_name_what_its_block_names():
    page = '<a id="eq-b"></a>\n\n$$\nc = 3\n$$\n\n```python\n# eq-c\nc = 3\n```\n'
    assert "equation eq-b is followed by a block that does not start with '# eq-b'" in pairing_problems(page)[0]
    assert anchored(page) == page  # the build adds no second anchor


def test_an_equation_in_an_admonition_gets_its_anchor_at_its_own_indent():
    page = "!!! note\n\n    $$\n    c = 3\n    $$\n\n```python\n# eq-c\nc = 3\n```\n"
    assert '\n    <a id="eq-c"></a>\n\n    $$\n' in anchored(page)


def test_an_anchor_whose_id_is_not_in_the_format_says_what_the_format_is():
    problems = pairing_problems(GOOD.replace("eq-a", "Eq-A"))
    assert problems[0] == (
        "line 4: the anchor's id 'Eq-A' is not an equation id: write eq- then lowercase letters, digits and "
        "hyphens, such as eq-weight-decay"
    )


def test_a_block_naming_an_unknown_id_is_reported():
    problems = pairing_problems(GOOD + "\n```{.python}\n# eq-nowhere\n```\n")
    assert problems == ["line 13: block names eq-nowhere, which no equation on the page has"]


def test_a_block_naming_another_equation_is_reported():
    text = GOOD.replace("# eq-a", "# eq-z")
    assert "equation eq-a is followed by a block that does not start with '# eq-a'" in pairing_problems(text)[0]


def test_an_equation_whose_block_comes_after_the_next_equation_is_reported():
    text = '<a id="eq-x"></a>\n\n$$\nx\n$$\n\n' + GOOD
    assert pairing_problems(text)[0].startswith("line 3: equation eq-x is not followed by a code block")


def test_dollars_inside_a_code_block_are_not_equations():
    assert parse("```python\n# $$\nprint('$$')\n```\n").equations == []


def test_text_glued_to_a_closing_fence_is_reported():
    problems = pairing_problems(GOOD.replace("a = 1\n```", "a = 1\n``` and more text"))
    assert problems == ["line 11: text after a closing fence: put the fence's ``` on a line of its own"]


def test_a_notest_block_may_show_only_the_librarys_own_code():
    included = '```{.python notest}\n--8<-- "litbackprop/autodiff.py:backward"\n```\n'
    assert pairing_problems(included) == []
    (problem,) = pairing_problems("```{.python notest}\nx = 1  # never run\n```\n")
    assert "never runs" in problem


@pytest.mark.parametrize("opening", ["\\[", "\\begin{align}", "\\begin{equation*}"])
def test_a_display_equation_not_between_dollars_is_seen_and_refused(opening):
    closing = {"\\[": "\\]", "\\begin{align}": "\\end{align}", "\\begin{equation*}": "\\end{equation*}"}[opening]
    page = f"# A page\n\nSome text.\n\n{opening}\nz = W x\n{closing}\n"
    problems = pairing_problems(page)
    assert len(problems) == 1 and f"a display equation opened with {opening}: write it between $$ lines" in problems[0]
