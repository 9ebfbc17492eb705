"""The site as a reader sees it: every page opened in headless Chromium, light and dark.

Builds the site, serves it on 127.0.0.1 and checks on every page, at desktop
(1280 px) and phone (390 px) width, in light and dark, that every equation is
typeset and readable, every image and diagram is drawn, nothing scrolls
sideways, the console is clean and nothing is requested from another host; then that search finds "softmax", that
the palette toggle switches to dark, and that the site works opened from disk.
Screenshots go to ``screenshots/`` at the repository root.

Chromium is Debian's ``chromium`` package (``.ci/run`` installs it), driven by
Playwright with ``executable_path``: no browser is downloaded. Where Chromium
cannot be had the tests skip, except under CI, where they fail.
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import threading
from pathlib import Path
from urllib.parse import urlparse

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "screenshots"
# Whole-page screenshots, to read every page at every width, take a while: LITBACKPROP_FULL_PAGES=1 asks for
# them; by default each screenshot is the first screen.
FULL_PAGES = os.environ.get("LITBACKPROP_FULL_PAGES") == "1"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _unavailable(reason: str):
    if os.environ.get("CI"):
        pytest.fail(f"{reason}; under CI the browser test must run (.ci/run installs chromium)")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("site")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    command = [sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet", "--site-dir", str(out)]
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    assert result.returncode == 0, f"mkdocs build --strict failed:\n{result.stdout}\n{result.stderr}"
    return out


@pytest.fixture(scope="module")
def server(site):
    handler = functools.partial(_QuietHandler, directory=str(site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def browser():
    if CHROMIUM is None:
        _unavailable("Debian's chromium is not installed")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("playwright is not installed (pip install -e '.[test]')")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def pages(site: Path) -> list[str]:
    return sorted(str(p.relative_to(site)) for p in site.rglob("*.html") if p.name != "404.html")


def expected_display_equations(page: str) -> int | None:
    """Display equations in the page's Markdown source, or None for pages not written in Markdown."""
    source = ROOT / "docs" / page.replace(".html", ".md")
    if not source.is_file():
        return None
    text = re.sub(r"^```.*?^```", "", source.read_text(), flags=re.S | re.M)
    return sum(1 for line in text.splitlines() if line.strip().startswith("$$")) // 2


class PageWatch:
    """Console errors, failed requests and requests to other hosts, for one browser page."""

    def __init__(self, page, allowed_host: str | None):
        self.errors: list[str] = []
        self.foreign: list[str] = []
        self.failed: list[str] = []
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.on("requestfailed", lambda r: self.failed.append(f"{r.url} ({r.failure})"))
        page.on("request", self._request)
        self.allowed_host = allowed_host

    def _request(self, request):
        url = urlparse(request.url)
        if url.scheme in ("data", "blob", "about", "file"):
            return
        if url.hostname != self.allowed_host:
            self.foreign.append(request.url)


def open_page(page, url: str):
    page.goto(url, wait_until="load")
    # MathJax typesets after load; the notebook page also waits for its outputs' math.
    page.wait_for_function("() => window.MathJax && window.MathJax.startup && window.MathJax.startup.promise")
    page.evaluate("() => window.MathJax.startup.promise")


MATH_STATE = """() => {
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
    clipped: math.filter(el => el.tagName === 'DIV' && el.scrollWidth > el.clientWidth + 2).length,
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
    shrunkPlots: Array.from(document.querySelectorAll('article .jp-RenderedImage img')).filter(img => {
      const column = (img.closest('.jp-Cell') || img.closest('article')).getBoundingClientRect().width;
      return img.getBoundingClientRect().width < 0.9 * Math.min(img.naturalWidth, column);
    }).map(img => img.src.slice(-40)),
  };
}"""


def layout_problems(name: str, state: dict) -> list[str]:
    """What a reader at this width would miss: math too small to read, a page that scrolls sideways, shrunk plots."""
    problems = []
    if state["smallMath"]:
        problems.append(f"{name}: {state['smallMath']} display equations drawn smaller than 10 px")
    if state["pageWidth"] > state["viewWidth"] + 1:
        problems.append(f"{name}: the page scrolls sideways: {state['pageWidth']} px wide in {state['viewWidth']} px")
    if state["shrunkPlots"]:
        problems.append(f"{name}: plots shown at a fraction of their size: {state['shrunkPlots']}")
    return problems


def test_every_page_renders_its_math_images_and_diagrams_offline(browser, server, site):
    """Each page, loaded once: checked and photographed in light and dark at 1280 px, then at 390 px.

    At both widths every display equation must be readable (a wide one scrolls inside its own box on a
    phone), the page must not scroll sideways, and plots must show at the column's width.
    """
    SCREENSHOTS.mkdir(exist_ok=True)
    context = browser.new_context(color_scheme="light", viewport={"width": 1280, "height": 900})
    report = {}
    problems = []
    for name in pages(site):
        page = context.new_page()
        watch = PageWatch(page, "127.0.0.1")
        open_page(page, f"{server}/{name}")
        state = page.evaluate(MATH_STATE)
        report[name] = {key: state[key] for key in ("math", "display", "typeset", "images")}
        report[name]["diagrams"] = len(state["diagrams"])
        expected_display = expected_display_equations(name)
        if expected_display is not None and state["display"] != expected_display:
            problems.append(
                f"{name}: {state['display']} display equations on the page, {expected_display} in its source"
            )
        if state["typeset"] != state["math"] or state["mathErrors"]:
            problems.append(
                f"{name}: {state['typeset']} of {state['math']} equations typeset, {state['mathErrors']} errors"
            )
        if state["clipped"]:
            problems.append(f"{name}: {state['clipped']} display equations are wider than the page column")
        problems += layout_problems(name, state)
        for raw in ("\\(", "\\[", "$$", "\\frac", "\\begin"):
            if raw in state["text"]:
                problems.append(f"{name}: raw TeX {raw!r} is visible")
        if state["brokenImages"]:
            problems.append(f"{name}: images that did not load: {state['brokenImages']}")
        if name in ("single-neuron.html", "two-layer-network.html") and len(state["diagrams"]) != 1:
            problems.append(f"{name}: expected its computation graph, found {len(state['diagrams'])} diagrams")
        for diagram in state["diagrams"]:
            if diagram["width"] < 300 or diagram["height"] < 50 or diagram["shapes"] < 5:
                problems.append(f"{name}: a diagram is not drawn: {diagram}")
        stem = name.replace("/", "_")[:-5]
        for scheme, toggle, expected in (
            ("light", "Switch to dark mode", "slate"),
            ("dark", "Switch to light mode", "default"),
        ):
            shown = page.evaluate("document.body.getAttribute('data-md-color-scheme')")
            if shown != {"light": "default", "dark": "slate"}[scheme]:
                problems.append(f"{name}: colour scheme {shown}, expected {scheme}")
            if scheme == "light":  # the whole page once; in dark, the view around its first equation
                page.screenshot(
                    path=str(SCREENSHOTS / f"{stem}-light.jpg"), full_page=FULL_PAGES, type="jpeg", quality=70
                )
            else:
                page.locator("article .arithmatex").first.scroll_into_view_if_needed()
                page.screenshot(path=str(SCREENSHOTS / f"{stem}-dark.png"))
            page.click(f"label[title='{toggle}']")
            page.wait_for_function(f"document.body.getAttribute('data-md-color-scheme') === '{expected}'")
        # The same page on a phone, 390 px wide, in light and dark: reflowed, not reloaded and typeset again.
        page.set_viewport_size({"width": 390, "height": 844})
        for scheme, toggle, expected in (
            ("light", "Switch to dark mode", "slate"),
            ("dark", "Switch to light mode", "default"),
        ):
            page.wait_for_timeout(50)
            problems += layout_problems(f"{name} at 390 px in {scheme}", page.evaluate(MATH_STATE))
            shot = SCREENSHOTS / f"phone-{stem}-{scheme}.jpg"
            page.screenshot(path=str(shot), full_page=FULL_PAGES and scheme == "light", type="jpeg", quality=60)
            page.click(f"label[title='{toggle}']")
            page.wait_for_function(f"document.body.getAttribute('data-md-color-scheme') === '{expected}'")
        for kind, found in (
            ("console errors", watch.errors),
            ("failed requests", watch.failed),
            ("requests to other hosts", watch.foreign),
        ):
            if found:
                problems.append(f"{name}: {kind}: {found}")
        page.close()
    context.close()
    (SCREENSHOTS / "report.json").write_text(json.dumps(report, indent=2))
    assert len(report) >= 10, f"expected every page of the site; got {sorted(report)}"
    assert sum(r["math"] for r in report.values()) > 100, report
    assert not problems, "\n".join(problems)


def test_search_finds_softmax(browser, server):
    page = browser.new_page()
    open_page(page, f"{server}/index.html")
    page.click("input.md-search__input")
    page.keyboard.type("softmax")
    page.wait_for_selector(".md-search-result__item", timeout=10_000)
    titles = page.locator(".md-search-result__item").all_inner_texts()
    assert any("softmax" in t.lower() for t in titles), titles
    page.close()


def test_the_palette_toggle_switches_between_light_and_dark(browser, server):
    context = browser.new_context(color_scheme="light")
    page = context.new_page()
    open_page(page, f"{server}/two-layer-network.html")
    assert page.evaluate("document.body.getAttribute('data-md-color-scheme')") == "default"
    light_background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    page.click("label[title='Switch to dark mode']")
    page.wait_for_function("document.body.getAttribute('data-md-color-scheme') === 'slate'")
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") != light_background
    page.screenshot(path=str(SCREENSHOTS / "toggle-dark.png"))
    page.click("label[title='Switch to light mode']")
    page.wait_for_function("document.body.getAttribute('data-md-color-scheme') === 'default'")
    context.close()


def test_the_site_works_opened_from_disk(browser, site):
    page = browser.new_page()
    watch = PageWatch(page, allowed_host=None)
    open_page(page, (site / "two-layer-network.html").as_uri())
    state = page.evaluate(MATH_STATE)
    assert state["math"] > 20 and state["typeset"] == state["math"], state["typeset"]
    page.click("input.md-search__input")
    page.keyboard.type("softmax")
    page.wait_for_selector(".md-search-result__item", timeout=10_000)
    assert not watch.foreign, watch.foreign
    assert not watch.errors, watch.errors
    page.close()


LOADS = re.compile(r"""<(script|img|iframe|source|link)\b[^>]*?\b(src|href)=["'](https?:)?//""", re.I)


def test_the_built_site_loads_nothing_from_another_host(site):
    """Scripts, images, frames and stylesheets are all local; only plain links (edit, canonical) go out."""
    offenders = []
    for path in site.rglob("*.html"):
        for match in LOADS.finditer(path.read_text(encoding="utf-8")):
            tag = path.read_text(encoding="utf-8")[match.start() : match.start() + 200].split(">")[0]
            if match.group(1).lower() == "link" and re.search(r'rel="(canonical|alternate)"', tag):
                continue
            offenders.append(f"{path.relative_to(site)}: {tag}>")
    for path in site.rglob("*.css"):
        offenders += [
            f"{path.relative_to(site)}: {m}" for m in re.findall(r"url\((['\"]?)https?://[^)]*\)", path.read_text())
        ]
    assert not offenders, "\n".join(offenders)
