"""MkDocs hook: ``<!-- notation table -->`` on a page becomes the notation table the formula checker reads.

The home page shows it. Its rows are `litbackprop.pages.checks.notation.NOTATION`, its code names the
ones the checker looks each symbol up by, so what a student reads as the notation is what the checks use.
"""

from __future__ import annotations

from litbackprop.pages.checks.notation import table

MARKER = "<!-- notation table -->"


def on_page_markdown(markdown: str, page, config, files) -> str:
    return markdown.replace(MARKER, table()) if MARKER in markdown else markdown
