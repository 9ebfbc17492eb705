"""Nothing is used before it is taught: each term's first use on a page that comes before the page teaching it
links there, and each teaching page defines its terms in bold."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from litbackprop.pages.build.notation_table import titles
from litbackprop.pages.checks.teaching import TERMS, anchor, anchored, first_uses, problems, prose, table
from litbackprop.pages.tool import nav_sections, read_config

ROOT = Path(__file__).resolve().parents[2]
SOFTMAX = next(term for term in TERMS if term.shown == "softmax")


def test_no_page_of_the_site_uses_a_term_before_the_page_that_teaches_it():
    assert problems(list(nav_sections(ROOT)), ROOT / "docs") == []


@pytest.fixture
def docs(tmp_path: Path) -> Path:
    """Two pages: the first uses softmax, the second teaches it."""
    (tmp_path / "two-layer-network.md").write_text("# Two layers\n\nThe **softmax** turns scores into odds.\n")
    return tmp_path


def order(docs: Path, first_page: str) -> list[str]:
    (docs / "early.md").write_text(first_page)
    return [p for p in problems(["early.md", "two-layer-network.md"], docs) if p.startswith("early.md")]


def test_a_term_used_before_its_page_is_reported_with_the_page_that_teaches_it(docs):
    found = order(docs, "# Early\n\nScores go through a softmax.\n")
    assert len(found) == 1 and "softmax" in found[0] and "two-layer-network.md" in found[0], found


def test_a_use_in_a_paragraph_that_links_to_the_teaching_page_passes(docs):
    page = "# Early\n\nScores go through a softmax, which [the next page](two-layer-network.md) derives.\n"
    assert order(docs, page) == []


def test_a_link_in_another_paragraph_does_not_excuse_the_first_use(docs):
    page = "# Early\n\nScores go through a softmax.\n\nSee [the next page](two-layer-network.md).\n"
    assert len(order(docs, page)) == 1


def test_code_headings_and_comments_are_not_uses(docs):
    page = "# Early\n\n## Softmax\n\n<!-- softmax -->\n\n`lb.softmax` is\n\n```python\nlb.softmax(z)\n```\n"
    assert order(docs, page) == []


def test_a_teaching_page_that_never_defines_its_term_in_bold_is_reported(docs):
    (docs / "two-layer-network.md").write_text("# Two layers\n\nThe softmax turns scores into odds.\n")
    found = problems(["two-layer-network.md"], docs)
    assert any(p.startswith("two-layer-network.md: said to teach softmax") for p in found), found


def test_a_notebooks_markdown_cells_are_read_and_its_code_is_not():
    source = "# %% [markdown]\n# Scores go through a **softmax**.\n\n# %%\nsoftmax = 1  # a softmax\n"
    assert [p.strip() for p in prose(source, "notebooks/x.py")] == ["Scores go through a **softmax**."]
    assert SOFTMAX in first_uses(source, "notebooks/x.py")


def test_a_link_from_a_notebook_is_read_relative_to_its_folder(docs):
    (docs / "notebooks").mkdir()
    (docs / "notebooks" / "early.py").write_text(
        "# %% [markdown]\n# A softmax, which [the next page](../two-layer-network.md) derives.\n"
    )
    found = problems(["notebooks/early.py", "two-layer-network.md"], docs)
    assert not [p for p in found if p.startswith("notebooks/early.py")], found


def test_every_term_is_in_the_home_pages_table_with_the_title_the_nav_gives_its_page():
    shown = table(titles(read_config(ROOT)["nav"]))
    for term in TERMS:
        address = term.page + (f"#{anchor(term)}" if term.page.endswith(".md") else "")
        assert f"| [{term.shown}]({address} " in shown and f" | {term.meaning} |" in shown, term
    assert '(two-layer-network.md#term-softmax "Two-layer network")' in shown


def test_every_definition_gets_the_id_the_home_pages_table_links_to():
    for page in {term.page for term in TERMS if term.page.endswith(".md")}:
        marked = anchored((ROOT / "docs" / page).read_text(), page)
        for term in (t for t in TERMS if t.page == page):
            assert re.search(rf"\*\*[^*]+\*\*\{{ #{anchor(term)} \}}", marked), (page, term.shown)
    assert len({anchor(term) for term in TERMS}) == len(TERMS), "one id per term"


def test_an_anchor_goes_on_the_first_bold_that_spells_the_term_outside_code():
    page = "```python\n**softmax**\n```\n\nA **score**, then the **softmax** and **softmax** again.\n"
    assert anchored(page, "two-layer-network.md").count("**softmax**{ #term-softmax }") == 1
    assert "A **score**, then the **softmax**{ #term-softmax } and" in anchored(page, "two-layer-network.md")
