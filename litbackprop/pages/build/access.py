"""MkDocs hook: a notebook page's code cells can be scrolled from the keyboard.

A code cell wider than the column scrolls sideways; a reader without a mouse reaches it with Tab only if
it is focusable (WCAG 2.1.1, axe-core's scrollable-region-focusable). Material's own code blocks are;
mkdocs-jupyter's cells get ``tabindex="0"`` and a name here.
"""

from __future__ import annotations

import re

CELL = re.compile(r'<div class="highlight-ipynb hl-python">')


def on_page_content(content, page, config, files):
    return CELL.sub('<div class="highlight-ipynb hl-python" tabindex="0" role="region" aria-label="Code">', content)
