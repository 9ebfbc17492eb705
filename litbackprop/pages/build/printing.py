"""MkDocs hook: the course on paper (print_page.html, made by mkdocs-print-site-plugin).

The plugin warns that it is not the last plugin when hooks follow it, as they must in MkDocs: its check
counts hooks only when they are given as a mapping, and mkdocs.yml gives them as a list. Its concern, a
plugin after it changing the nav, does not hold for these hooks (none touches the nav), so that one
message is dropped; ``--strict`` would otherwise fail the build on it. Any other message passes.

The print page leaves out the project's pages; the title of their nav section, which it would print alone on
the last sheet, goes too.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

NOT_LAST = "'print-site' should be defined as the *last* plugin"


class _NotLast(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return NOT_LAST not in record.getMessage()


logging.getLogger("mkdocs.plugins").addFilter(_NotLast())  # the logger the plugin writes to


EMPTY_SECTION = re.compile(
    r"<section class='print-page md-section' id='(section-\d+)'[^>]*>\s*<h1>(?:(?!</h1>).)*</h1>\s*</section>", re.S
)
"""A nav section all of whose pages the print page leaves out (The project): its title alone, on the last sheet."""


def without_empty_sections(output: str) -> str:
    """The print page without the sections it prints no page of, nor their lines in its table of contents."""
    for match in list(EMPTY_SECTION.finditer(output)):
        output = output.replace(match[0], "")
        entry = rf'<li class="md-nav__item">\s*<a href="#{match[1]}" class="md-nav__link">.*?</a>\s*</li>'
        output = re.sub(entry, "", output, flags=re.S)
    return output


def on_post_build(config) -> None:
    """print-site writes the print page after every page's events, in its own post-build step, which runs before
    this one (the plugins' order): the page is read back, changed, and replaced whole."""
    page = Path(config["site_dir"]) / "print_page.html"
    if page.is_file():
        changed = without_empty_sections(page.read_text(encoding="utf-8"))
        written = page.with_name(page.name + ".tmp")
        written.write_text(changed, encoding="utf-8")
        written.replace(page)
