"""What a reader would miss at a width: the layout rules of the browser test, for one open page.

The browser test (``tests/pages/test_browser.py``) applies them to every page of the built site, at 1280 and
390 px, light and dark; the page tool (`litbackprop.pages.tool`) applies them to one page at a phone's
width (`phone_problems`), built alone in a few seconds, so that an author meets them before the full suite.
Chromium is Debian's ``chromium-headless-shell`` (or a full Chromium, or Google Chrome), driven by Playwright
with ``executable_path``: no browser is downloaded.
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import yaml

# Debian's headless shell first: the build of Chromium that Playwright itself runs headless, which draws
# the same pages with about 40 % less CPU than the full browser.
CHROMIUM = next(
    filter(None, map(shutil.which, ("chromium-headless-shell", "chromium", "chromium-browser", "google-chrome"))),
    None,
)
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = (390, 844)
"""The phone the rules are read at: an iPhone 12 to 14's viewport, in CSS px."""


def wait_for_math(page):
    # MathJax typesets after load; the notebook page also waits for its outputs' math.
    page.wait_for_function("() => window.MathJax && window.MathJax.startup && window.MathJax.startup.promise")
    page.evaluate("() => window.MathJax.startup.promise")


MATH_STATE = """() => {
  const equationAt = el => {
    const anchors = Array.from(document.querySelectorAll('a[id^="eq-"]'))
      .filter(a => a.compareDocumentPosition(el) & Node.DOCUMENT_POSITION_FOLLOWING);
    return `equation after #${anchors.length ? anchors[anchors.length - 1].id : 'the top'}`;
  };
  const relations = ['=', '\\approx', '\\Longrightarrow', '\\Rightarrow', '<', '>', '\\le', '\\ge', '\\leq',
    '\\geq', '\\in', '\\ne', '\\neq', '\\equiv', '\\to', '\\leftarrow'];
  const operators = ['+', '-', '\\cdot', '\\odot', '\\times', '\\pm', '/'];
  // a line of a broken display as its leaves (their TeX), the spacing at its two ends left out
  const tokens = line => {
    const leaves = Array.from(line.querySelectorAll('[data-mml-node]'))
      .filter(e => !e.querySelector('[data-mml-node]'))
      .map(e => ({ tex: e.getAttribute('data-latex') || '', space: e.getAttribute('data-mml-node') === 'mspace' }));
    while (leaves.length && leaves[0].space) leaves.shift();
    while (leaves.length && leaves[leaves.length - 1].space) leaves.pop();
    return leaves;
  };
  // whether the last equation of a line (after its last \\quad or \\qquad) has its relation on that line
  const related = leaves => leaves.reduce(
    (seen, l) => (l.space && /quad/.test(l.tex) ? false : seen || relations.includes(l.tex)), false);
  const math = Array.from(document.querySelectorAll('article .arithmatex'));
  const typeset = math.filter(el => el.querySelector('mjx-container svg'));
  const article = document.querySelector('article').cloneNode(true);
  article.querySelectorAll('pre, code, mjx-container, script').forEach(el => el.remove());
  const images = Array.from(document.querySelectorAll('article img'));
  return {
    math: math.length,
    display: math.filter(el => el.tagName === 'DIV').length,
    typeset: typeset.length,
    mathErrors: document.querySelectorAll('mjx-merror, [data-mjx-error]').length,
    text: article.innerText,
    images: images.length,
    brokenImages: images.filter(img => !(img.complete && img.naturalWidth > 0)).map(img => img.src),
    diagrams: Array.from(document.querySelectorAll('figure.diagram svg')).map(svg => {
      const box = svg.getBoundingClientRect();
      return { width: box.width, height: box.height, shapes: svg.querySelectorAll('rect, path').length };
    }),
    scheme: document.body.getAttribute('data-md-color-scheme'),
    smallMath: Array.from(document.querySelectorAll('article div.arithmatex > mjx-container > svg'))
      .map(svg => svg.getBoundingClientRect())
      .filter(box => box.width < 10 || box.height < 10).length,
    pageWidth: document.documentElement.scrollWidth,
    viewWidth: window.innerWidth,
    // What does not fit the box that shows it: a display equation, a diagram, a table, a figure.
    wide: Array.from(document.querySelectorAll(
      'article div.arithmatex, article figure, article table, article .jp-RenderedImage'
    )).map(el => {
      // a table's box is its wrapper's content, inside the padding Material gives it on a phone
      const holder = el.tagName === 'TABLE' ? el.parentElement : el;
      const style = getComputedStyle(holder);
      const inner = holder.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
      const where = el.tagName === 'DIV' && el.classList.contains('arithmatex')
        ? equationAt(el)
        : `${el.tagName.toLowerCase()} "${(el.innerText || '').trim().slice(0, 40).replace(/\\s+/g, ' ')}"`;
      const width = el.tagName === 'TABLE'
        ? Math.max(el.scrollWidth, el.getBoundingClientRect().width) : el.scrollWidth;
      // Material's wrapper scrolls a table wider than the column (its inner box grows with the table): what it
      // would have to scroll is cut off
      const scroller = el.tagName === 'TABLE' && el.closest('.md-typeset__scrollwrap');
      const scrolled = scroller ? scroller.scrollWidth - scroller.clientWidth : 0;
      return { where, over: Math.round(Math.max(scrolled, width - (el.tagName === 'TABLE' ? inner : el.clientWidth))) };
    }).filter(o => o.over > 1),
    // A display equation broken into lines where a reader would not break it: a line that ends with a relation or
    // an operator, its right side on the next line; or a line that starts with a relation whose left side ended
    // the line before alone (a name on one line, its "= [matrix]" on the next).
    badBreaks: Array.from(document.querySelectorAll('article div.arithmatex > mjx-container')).flatMap(c => {
      const lines = Array.from(c.querySelectorAll('[data-mjx-linebox="true"]')).map(tokens);
      const found = [];
      lines.slice(0, -1).forEach((line, i) => {
        const last = line.length ? line[line.length - 1].tex : '';
        const first = lines[i + 1].length ? lines[i + 1][0].tex : '';
        if (relations.includes(last) || operators.includes(last)) {
          found.push(`line ${i + 1} ends with ${last}, its right side on the next line`);
        } else if (relations.includes(first) && !related(line)) {
          found.push(`line ${i + 2} starts with ${first}, its left side alone at the end of line ${i + 1}`);
        }
      });
      return found.map(what => ({ where: equationAt(c.parentElement), what }));
    }),
    // What a block printed (the build's output box, a notebook's output) wider than its box: it would scroll.
    outputs: Array.from(document.querySelectorAll(
      'article div.highlight + div.highlight:not(:has(> .filename)) > pre > code, article .jp-OutputArea-output pre'
    )).map(box => ({
      over: box.scrollWidth - box.clientWidth,
      line: box.innerText.split('\\n').reduce((a, b) => (b.length > a.length ? b : a), '').slice(0, 50),
    })).filter(o => o.over > 1),
    // A display equation drawn smaller than its own size (shrunk to fit): its rendered width against the width
    // its SVG asks for, in ex of its own font.
    shrunkMath: Array.from(document.querySelectorAll('article div.arithmatex > mjx-container > svg')).filter(svg => {
      const ex = document.createElement('div');
      ex.style.cssText = 'position:absolute;visibility:hidden;width:10ex';
      svg.parentElement.appendChild(ex);
      const exPx = ex.getBoundingClientRect().width / 10;
      ex.remove();
      // a tagged equation is 100% wide with a min-width: that is the width it asks for
      const width = svg.getAttribute('width').endsWith('%')
        ? (svg.style.minWidth || '0ex') : svg.getAttribute('width');
      const asked = parseFloat(width) * exPx;
      return asked > 0 && svg.getBoundingClientRect().width < 0.97 * asked;
    }).length,
    // A plot is drawn at 200 dpi with text of 8 points or more (docs/notebooks): shown at 45 % of its pixels or
    // more, that text is at least 10 CSS px; and it fits its column.
    shrunkPlots: Array.from(document.querySelectorAll('article .jp-RenderedImage img')).filter(img => {
      const column = (img.closest('.jp-Cell') || img.closest('article')).getBoundingClientRect().width;
      const width = img.getBoundingClientRect().width;
      return width < 0.45 * img.naturalWidth || width > column + 1;
    }).concat(Array.from(document.querySelectorAll('article figure.plot img')).filter(img => {
      // a plot the build draws as SVG with 10-point text (13.3 px at its own size): 10 px needs 75 % of it
      return img.getBoundingClientRect().width < 0.75 * img.naturalWidth;
    })).map(img => img.src.slice(-40)),
  };
}"""


def layout_problems(name: str, state: dict, course: bool = True) -> list[str]:
    """What a reader at this width would miss: math too small to read or shrunk, a page that scrolls sideways, an
    equation, diagram, table or figure of a course page wider than its box, a printed output wider than its box
    (on any page: code may scroll, what it printed may not), shrunk plots."""
    problems = []
    if course:  # a course page: the project's reference tables may scroll
        problems += [f"{name}: the {o['where']} is {o['over']} px wider than its box" for o in state["wide"]]
    problems += [f"{name}: the {o['where']} is broken badly: {o['what']}" for o in state["badBreaks"]]
    problems += [f"{name}: an output is {o['over']} px wider than its box: {o['line']!r}" for o in state["outputs"]]
    if state["shrunkMath"]:
        problems.append(f"{name}: {state['shrunkMath']} display equations drawn smaller than the page's math")
    if state["smallMath"]:
        problems.append(f"{name}: {state['smallMath']} display equations drawn smaller than 10 px")
    if state["pageWidth"] > state["viewWidth"] + 1:
        problems.append(f"{name}: the page scrolls sideways: {state['pageWidth']} px wide in {state['viewWidth']} px")
    if state["shrunkPlots"]:
        problems.append(f"{name}: plots shown at a fraction of their size: {state['shrunkPlots']}")
    return problems


def resize(page, width: int, height: int) -> None:
    """Resize the viewport and let the page reflow: up to a second for it to fit the new width."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    page.set_viewport_size({"width": width, "height": height})
    # MathJax breaks the equations again for the new width (docs/javascripts/mathjax-config.js), and says when
    page.wait_for_function(f"() => document.documentElement.dataset.mathWidth === '{width}'", timeout=15_000)
    try:
        page.wait_for_function("() => document.documentElement.scrollWidth <= window.innerWidth + 1", timeout=1000)
    except PlaywrightTimeout:  # a page that still scrolls sideways is reported by the check that follows
        pass


def build_alone(page: Path, section: str | None, root: Path, out: Path) -> subprocess.CompletedProcess:
    """Build the site with only `page` (a Markdown page of ``docs/``) in it, under its nav section, into `out`."""
    relative = page.resolve().relative_to((root / "docs").resolve()).as_posix()
    entry = {page.stem: relative}
    config = {
        "INHERIT": str((root / "mkdocs.yml").resolve()),
        "docs_dir": str((root / "docs").resolve()),
        "site_dir": str(out),
        "nav": [{section: [entry]}] if section else [entry],
        "exclude_docs": f"/*.md\n/**/*.md\n/notebooks/\n!/{relative}\n",
    }
    written = out.parent / "mkdocs-one-page.yml"
    written.write_text(yaml.safe_dump(config, sort_keys=False))
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--quiet", "--config-file", str(written)],
        cwd=root,  # the snippets' base path, ".", is the project's root
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def phone_problems(page: Path, section: str | None, root: Path, course: bool = True) -> tuple[list[str], str | None]:
    """The layout rules at a phone's width, in light, for `page` built alone: (problems, why not run or None)."""
    if CHROMIUM is None:
        return [], "no Chromium (apt-get install chromium-headless-shell)"
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return [], "playwright is not installed (pip install -e '.[test]')"
    with tempfile.TemporaryDirectory(prefix="page-check-") as folder:
        out = Path(folder) / "site"
        built = build_alone(page, section, root, out)
        if built.returncode != 0:
            said = [line for line in (built.stderr or built.stdout).splitlines() if line.strip()][-3:]
            return [f"{page.name}: the page alone does not build: {' / '.join(said)}"], None
        handler = functools.partial(_Quiet, directory=str(out))
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                context = browser.new_context(color_scheme="light", viewport={"width": PHONE[0], "height": PHONE[1]})
                context.add_init_script("localStorage.clear()")
                shown = context.new_page()
                url = f"http://127.0.0.1:{server.server_address[1]}/{page.stem}.html"
                shown.goto(url, wait_until="load")
                wait_for_math(shown)
                resize(shown, *PHONE)
                state = shown.evaluate(MATH_STATE)
                browser.close()
        finally:
            server.shutdown()
            server.server_close()
    return layout_problems(f"{page.name} at {PHONE[0]} px", state, course), None


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass
