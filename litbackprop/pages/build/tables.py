"""MkDocs hook: on a phone, a table of the course is read row by row, each cell under its column's name.

A table of four columns with math in its cells needs about 400 px; a phone's column has 358. Rather
than scroll it or shrink it, each cell gets its column's name as ``data-label`` here, and the site's CSS
(``stylesheets/extra.css``) lays a row out as a card below 720 px: "Step (4)", "Backward equation …".
(A data attribute, not a class: Material styles only tables without a class.)
A table of short entries (numbers) stays a table: it fits. The project's pages (the API reference) keep
Material's scrolling tables.
"""

from __future__ import annotations

import html
import re

TABLE = re.compile(r"<table>(.*?)</table>", flags=re.S)
HEAD = re.compile(r"<th[^>]*>(.*?)</th>", flags=re.S)
ROW = re.compile(r"<tr>(.*?)</tr>", flags=re.S)
CELL = re.compile(r"<td([^>]*)>", flags=re.S)
PROJECT_SECTION = "The project"  # the nav's section whose pages keep Material's tables


def label(cell_html: str) -> str:
    """A column's name as plain text: tags dropped, inline math without its delimiters."""
    text = re.sub(r"<[^>]+>", "", cell_html)
    text = html.unescape(text).replace("\\(", "").replace("\\)", "")
    text = re.sub(r"\\hat\{?\s*(\w)\}?", lambda m: m[1] + "\u0302", text)  # \hat y → ŷ
    text = re.sub(r"\\eta", "η", text)
    text = re.sub(r"[\\{}]", "", text)
    return " ".join(text.split())


def labelled(table_html: str) -> str:
    names = [label(h) for h in HEAD.findall(table_html)]
    if not names:
        return table_html

    def row(match: re.Match) -> str:
        cells = iter(names)
        return (
            "<tr>"
            + CELL.sub(lambda c: f'<td{c[1]} data-label="{html.escape(next(cells, ""), quote=True)}">', match[1])
            + "</tr>"
        )

    return ROW.sub(row, table_html)


def numbers_only(table_html: str) -> bool:
    """A table of short entries (numbers), which fits a phone as a table and reads best as one."""
    cells = re.findall(r"<td[^>]*>(.*?)</td>", table_html, flags=re.S)
    return bool(cells) and all(len(re.sub(r"<[^>]+>", "", cell).strip()) <= 8 for cell in cells)


def project_pages(nav: list) -> set[str]:
    """The source of every page in the nav's project section."""
    section = next(
        (entry[PROJECT_SECTION] for entry in nav if isinstance(entry, dict) and PROJECT_SECTION in entry), []
    )
    return {path for entry in section for path in (entry.values() if isinstance(entry, dict) else [entry])}


def on_page_content(content, page, config, files):
    if page.file.src_uri in project_pages(config["nav"]):
        return content
    return TABLE.sub(lambda m: m[0] if numbers_only(m[1]) else f"<table data-cards>{labelled(m[1])}</table>", content)
