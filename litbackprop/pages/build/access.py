"""MkDocs hook: a notebook page's code cells can be scrolled from the keyboard; the search dialog has a name.

A code cell wider than the column scrolls sideways; a reader without a mouse reaches it with Tab only if
it is focusable (WCAG 2.1.1, axe-core's scrollable-region-focusable). Material's own code blocks are;
mkdocs-jupyter's cells get ``tabindex="0"`` and a name here. Material's search is a ``role="dialog"``
without a name (axe-core's aria-dialog-name): a screen reader announces it as "dialog"; here it is named.
Material's code blocks' copy buttons sit in landmarks of their own, which ``docs/javascripts/access.js`` removes.
"""

from __future__ import annotations

import html
import itertools
import re

CELL = re.compile(r'<div class="highlight-ipynb hl-python">')


def on_page_content(content, page, config, files):
    # each region a name of its own, its page's too: a screen reader lists them, axe-core's landmark-unique asks that
    # they differ, and the print page holds every notebook's cells
    numbers = itertools.count(1)
    title = html.escape(getattr(page, "title", None) or "the notebook", quote=True)
    return CELL.sub(
        lambda _: (
            '<div class="highlight-ipynb hl-python" tabindex="0" role="region" '
            f'aria-label="Code cell {next(numbers)} of {title}">'
        ),
        content,
    )


SEARCH = '<div class="md-search" data-md-component="search" role="dialog">'


def on_post_page(output, page, config):
    return output.replace(SEARCH, SEARCH[:-1] + ' aria-label="Search the course">')
