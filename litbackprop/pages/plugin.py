"""The site's MkDocs plugin, ``litbackprop-pages`` in mkdocs.yml: the page machinery's build steps, run in order.

Each step is a module of `litbackprop.pages.build` with MkDocs event functions (``on_files``,
``on_page_markdown``, …), as MkDocs hooks are written. The plugin, named last among the plugins,
runs each event's functions in the order of `STEPS`, every one getting what the one before returned,
as MkDocs runs hooks.
"""

from __future__ import annotations

import numpy as np
from mkdocs.plugins import BasePlugin

from litbackprop.pages.build import (
    access,
    anchors,
    assets,
    graphs,
    kernel,
    notation_table,
    notebooks,
    plots,
    printing,
    sections,
    tables,
)

STEPS = (anchors, notation_table, printing, graphs, sections, tables, access, assets, kernel, notebooks, plots)
"""The build's steps, in the order they run at every event."""


def _run(event: str, item, **arguments):
    for step in STEPS:
        function = getattr(step, event, None)
        if function is not None:
            result = function(item, **arguments)
            item = item if result is None else result
    return item


class PagesPlugin(BasePlugin):
    """The build's steps (`STEPS`) as one MkDocs plugin."""

    def on_startup(self, *, command, dirty) -> None:
        from litbackprop.pages.showing import PRINT_OPTIONS

        np.set_printoptions(**PRINT_OPTIONS)  # the pages' blocks run in this process (markdown-exec): as they print
        for step in STEPS:
            if hasattr(step, "on_startup"):
                step.on_startup(command, dirty)

    def on_files(self, files, *, config):
        return _run("on_files", files, config=config)

    def on_page_markdown(self, markdown, *, page, config, files):
        return _run("on_page_markdown", markdown, page=page, config=config, files=files)

    def on_page_content(self, html, *, page, config, files):
        html = _run("on_page_content", html, page=page, config=config, files=files)
        if getattr(page, "html", None) is not None:  # print-site kept the page before these steps: print it as shown
            page.html = html
        return html

    def on_post_page(self, output, *, page, config):
        return _run("on_post_page", output, page=page, config=config)

    def on_post_build(self, *, config) -> None:
        for step in STEPS:
            if hasattr(step, "on_post_build"):
                step.on_post_build(config)
