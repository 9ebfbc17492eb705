"""MkDocs hook: the course on paper (print_page.html, made by mkdocs-print-site-plugin).

The plugin warns that it is not the last plugin when hooks follow it, as they must in MkDocs: its check
counts hooks only when they are given as a mapping, and mkdocs.yml gives them as a list. Its concern, a
plugin after it changing the nav, does not hold for these hooks (none touches the nav), so that one
message is dropped; ``--strict`` would otherwise fail the build on it. Any other message passes.
"""

from __future__ import annotations

import logging

NOT_LAST = "'print-site' should be defined as the *last* plugin"


class _NotLast(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return NOT_LAST not in record.getMessage()


logging.getLogger("mkdocs.plugins").addFilter(_NotLast())  # the logger the plugin writes to
