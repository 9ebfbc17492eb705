"""MkDocs hook: each display equation gets its anchor, ``<a id="eq-..."></a>``, from the block that names it.

A page writes an equation's id once, as the first line of the block after it (``# eq-fwd-1``); here the
anchor goes before the equation, so that links such as ``[(1)](#eq-fwd-1)`` find it (`pairing.anchored`).
"""

from __future__ import annotations

from litbackprop.pages.checks.pairing import anchored


def on_page_markdown(markdown: str, page, config, files) -> str:
    return anchored(markdown)
