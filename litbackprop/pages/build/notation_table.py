"""MkDocs hook: ``<!-- notation table -->`` on a page becomes the notation table the formula checker reads, and
``<!-- terms table -->`` the table of terms the test of the pages' order reads.

The home page shows it. Its rows are `litbackprop.pages.checks.notation.NOTATION`, its code names the
ones the checker looks each symbol up by, so what a student reads as the notation is what the checks use.
"""

from __future__ import annotations

from litbackprop.pages.checks import notation, teaching

MARKER = "<!-- notation table -->"
TERMS = "<!-- terms table -->"
"""Where the table of the terms the course teaches goes, each with the page that teaches it (`teaching.TERMS`)."""


def on_page_markdown(markdown: str, page, config, files) -> str:
    markdown = teaching.anchored(markdown, page.file.src_uri)  # the definitions the table of terms links to
    markdown = markdown.replace(MARKER, notation.table()) if MARKER in markdown else markdown
    return markdown.replace(TERMS, teaching.table(titles(config["nav"]))) if TERMS in markdown else markdown


def titles(nav: list) -> dict[str, str]:
    """Each page of the nav, relative to ``docs/``, and its title there."""
    found = {}
    for entry in nav:
        for title, value in entry.items() if isinstance(entry, dict) else [(entry, entry)]:
            found |= titles(value) if isinstance(value, list) else {value: title}
    return found
