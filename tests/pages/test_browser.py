"""The site as a reader sees it: every page opened in headless Chromium, light and dark.

Builds the site once, serves it on 127.0.0.1 and checks on every page, at desktop
(1280 px) and phone (390 px) width, in light and dark, that every equation is
typeset and readable, every image and diagram is drawn, nothing scrolls
sideways, the console is clean and nothing is requested from another host; then that search finds "softmax", that
the palette toggle switches to dark, and that the site works opened from disk.
With ``LITBACKPROP_SCREENSHOTS=1`` each page is also photographed at each width and
in each scheme, into ``screenshots/`` at the repository root.

Each page is its own test, so that the pytest-xdist workers share them: the
build runs first, on one worker, while the others run the library's tests, and
the pages come last, for whichever worker is free (``litbackprop/pages/pytest_plugin.py``).

Chromium is Debian's ``chromium-headless-shell`` package (``.ci/run`` installs it; a full
``chromium`` or Google Chrome also does), driven by
Playwright with ``executable_path``: no browser is downloaded. Where Chromium
cannot be had the tests skip, except under CI, where they fail.
"""

from __future__ import annotations

import functools
import html
import http.server
import os
import re
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from urllib.parse import urlparse

import numpy as np
import pytest

from litbackprop.pages.build import assets, notebooks
from litbackprop.pages.checks.layout import CHROMIUM, CHROMIUM_ARGS, MATH_STATE, resize, wait_for_math
from litbackprop.pages.checks.layout import layout_problems as _layout_problems
from litbackprop.pages.tool import read_config  # mkdocs.yml as data, its !!python/name tags read as names

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "screenshots"
# Screenshots are for a person to look at, and cost a fifth of the page checks: LITBACKPROP_SCREENSHOTS=1
# asks for them, LITBACKPROP_FULL_PAGES=1 for whole pages rather than the first screen.
FULL_PAGES = os.environ.get("LITBACKPROP_FULL_PAGES") == "1"
PHOTOGRAPH = FULL_PAGES or os.environ.get("LITBACKPROP_SCREENSHOTS") == "1"


def _unavailable(reason: str):
    if os.environ.get("CI"):
        pytest.fail(f"{reason}; under CI the browser test must run (.ci/run installs chromium-headless-shell)")
    pytest.skip(reason)


def nav_pages() -> list[str]:
    """The HTML page of every entry in mkdocs.yml's nav, in the nav's order."""

    def walk(entries):
        for entry in entries:
            for value in entry.values() if isinstance(entry, dict) else [entry]:
                yield from walk(value) if isinstance(value, list) else [re.sub(r"\.(md|py)$", ".html", value)]

    return list(walk(read_config(ROOT)["nav"]))


PAGES = nav_pages()
PROJECT_PAGES = {
    re.sub(r"\.(md|py)$", ".html", page)
    for section in read_config(ROOT)["nav"]
    if isinstance(section, dict) and "The project" in section
    for entry in section["The project"]
    for page in entry.values()
}


@pytest.fixture(scope="session")
def site_build(tmp_path_factory) -> tuple[Path, str | None]:
    """The site, built once per run, and why the build failed (None if it did not).

    The first worker to need the site builds it; the others wait and reuse it. The build goes to a
    folder of its own and is moved into place only once it succeeded, so no worker checks half a site.
    """
    from filelock import FileLock

    # Under pytest-xdist the parent of each worker's temporary folder is shared by all of them.
    shared = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        shared = shared.parent
    out, failed = shared / "site", shared / "site-build-failed.txt"
    with FileLock(shared / "site.lock", timeout=2 * BUILD_TIMEOUT):
        if not out.is_dir() and not failed.is_file():
            building = Path(tempfile.mkdtemp(prefix="site-", dir=shared))
            env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
            # No --quiet: it hides the warnings from the count that --strict fails on, and the build passes.
            command = [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(building)]
            try:
                result = subprocess.run(
                    command, cwd=ROOT, env=env, capture_output=True, text=True, check=False, timeout=BUILD_TIMEOUT
                )
                if result.returncode == 0:
                    building.replace(out)
                else:
                    said = f"{result.stdout}\n{result.stderr}".splitlines()
                    failed.write_text(
                        "\n".join(["mkdocs build --strict failed:", *(x for x in said if not x.startswith("INFO"))])
                    )
            except subprocess.TimeoutExpired:
                failed.write_text(f"mkdocs build --strict did not finish in {BUILD_TIMEOUT} s")
    return out, failed.read_text() if failed.is_file() else None


BUILD_TIMEOUT = 600  # seconds; about 20 here: a build that hangs (a notebook's kernel, say) fails instead
BUILD_TEST = "test_mkdocs_build_strict_makes_every_page_of_the_nav"


def built(site_build) -> Path:
    """The built site; or the failure: the build's own test reports it, the others point to that test."""
    out, failure = site_build
    if failure is not None:
        pytest.fail(
            failure if BUILD_TEST in os.environ.get("PYTEST_CURRENT_TEST", "") else f"no site: see {BUILD_TEST}"
        )
    return out


@pytest.fixture
def site(site_build) -> Path:
    return built(site_build)


def test_mkdocs_build_strict_makes_every_page_of_the_nav(site):
    """The build, first in the run (litbackprop/pages/pytest_plugin.py), with nothing missing and nothing left out of the nav."""
    made = ("404.html", "print_page.html")  # what the build makes beside the pages: the course on paper is tested below
    pages = sorted(str(p.relative_to(site)) for p in site.rglob("*.html") if p.name not in made)
    outside = [
        f"{page} is built but is not in mkdocs.yml's nav: add its .md file to a section"
        for page in pages
        if page not in PAGES
    ]
    missing = [f"{page} is in mkdocs.yml's nav but was not built" for page in PAGES if page not in pages]
    assert not outside + missing, "\n".join(outside + missing)


@pytest.fixture(scope="session")
def server(site_build):
    handler = functools.partial(_QuietHandler, directory=str(built(site_build)))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="session")
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


def course_page(page: str) -> bool:
    """A page of the course, every section of the nav but the project's (whose reference tables may scroll)."""
    return page not in PROJECT_PAGES


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
    wait_for_math(page)


def layout_problems(name: str, state: dict) -> list[str]:
    return _layout_problems(name, state, course=course_page(name.split(" ")[0]))


def switch_scheme(page, scheme: str) -> str:
    """Click the palette toggle to `scheme` ("light" or "dark"); return the scheme the page then shows."""
    title = {"dark": "Switch to dark mode", "light": "Switch to light mode"}[scheme]
    # The click's handler sets the scheme before it returns: no need to wait for a frame.
    return page.evaluate(
        """title => {
            document.querySelector(`label[title='${title}']`).click();
            return document.body.getAttribute('data-md-color-scheme');
        }""",
        title,
    )


def photograph(page, name: str) -> None:
    if PHOTOGRAPH:
        SCREENSHOTS.mkdir(exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / name), full_page=FULL_PAGES, type="jpeg", quality=70)


AXE = "axe-core@4.14.1"
AXE_RULES = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
"""Every page passes WCAG 2.1 AA and axe-core's best practices, but for hidden-content, a slow experimental rule that
lists what is hidden (the closed Checked sections) for a person to review."""


@functools.cache
def axe_script() -> str:
    """axe-core's browser bundle, from the npm registry as the site's build gets MathJax (pages/build/assets.py)."""
    return (assets._npm_package(AXE) / "axe.min.js").read_text(encoding="utf-8")


AXE_COLOUR_RULES = ["color-contrast", "link-in-text-block"]


def accessibility_problems(name: str, page, colours_only: bool = False) -> list[str]:
    """What axe-core finds against WCAG 2.1 AA and its best-practice rules, at any impact, each rule with its first
    places.

    In the second palette only the rules a palette changes are run again (contrast, links told apart).
    """
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=axe_script())
    only = {"type": "rule", "values": AXE_COLOUR_RULES} if colours_only else {"type": "tag", "values": AXE_RULES}
    # MathJax's SVG drawings are aria-hidden, their accessible text the MathML beside them: axe reads that
    found = page.evaluate(
        """async only => (await axe.run({exclude: [['mjx-container > svg']]},
                                       {runOnly: only, resultTypes: ['violations'],
                                        rules: {'hidden-content': {enabled: false}}})).violations
            .map(v => `${v.id} (${v.impact}), ${v.nodes.length}: ${v.nodes.slice(0, 2).map(n => n.target.join(' '))}`)""",
        only,
    )
    return [f"{name}: accessibility: {problem}" for problem in found]


def page_problems(name: str, page) -> list[str]:
    """Check one open page: its layout and accessibility in light at 1280 px, its colours in dark, its layout at 390
    px (the palette changes colours only: the layout is one in both)."""
    problems = []
    state = page.evaluate(MATH_STATE)
    if state["scheme"] != "default":
        problems.append(f"{name}: opened in colour scheme {state['scheme']}, expected light")
    expected_display = expected_display_equations(name)
    if expected_display is not None and state["display"] != expected_display:
        problems.append(f"{name}: {state['display']} display equations on the page, {expected_display} in its source")
    if state["typeset"] != state["math"] or state["mathErrors"]:
        problems.append(
            f"{name}: {state['typeset']} of {state['math']} equations typeset, {state['mathErrors']} errors"
        )
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
    problems += accessibility_problems(f"{name} in light", page)
    stem = name.replace("/", "_")[:-5]
    photograph(page, f"{stem}-light.jpg")
    # Dark, still at desktop width: the palette changes colours, not the layout, so its rules are the colours'.
    shown = switch_scheme(page, "dark")
    if shown != "slate":
        problems.append(f"{name}: the palette toggle left colour scheme {shown}, expected dark (slate)")
    problems += accessibility_problems(f"{name} in dark", page, colours_only=True)
    if PHOTOGRAPH:  # the view around the page's first equation
        page.locator("article .arithmatex").first.scroll_into_view_if_needed()
        photograph(page, f"{stem}-dark.jpg")
    # The same page on a phone, 390 px wide: reflowed (MathJax breaks its equations again), not reloaded; in
    # dark, then light.
    resize(page, 390, 844)
    problems += layout_problems(f"{name} at 390 px", page.evaluate(MATH_STATE))
    photograph(page, f"phone-{stem}-dark.jpg")
    if PHOTOGRAPH:
        switch_scheme(page, "light")
        photograph(page, f"phone-{stem}-light.jpg")
    return problems


@pytest.fixture(scope="session")
def context(browser):
    """One browser context for the pages of this worker, in which every page opens in light."""
    context = browser.new_context(color_scheme="light", viewport={"width": 1280, "height": 900})
    # Every page opens in light, the reader's default here, whatever scheme the page before it switched to
    # (Material keeps the choice in localStorage): forgotten before any script of the page runs.
    context.add_init_script("localStorage.clear()")
    yield context
    context.close()


@pytest.mark.parametrize("name", PAGES)
def test_the_page_reads_well_at_every_width_in_light_and_dark(context, server, name):
    """The page, loaded once: checked and photographed in light and dark at 1280 px and at 390 px.

    At both widths every equation must be typeset and readable (a wide one scrolls inside its own box on a
    phone), images and diagrams drawn, the page must not scroll sideways, plots must show at the column's
    width, and the console must stay clean with nothing requested from another host.
    """
    page = context.new_page()
    watch = PageWatch(page, "127.0.0.1")
    open_page(page, f"{server}/{name}")
    problems = page_problems(name, page)
    for kind, events in (
        ("console errors", watch.errors),
        ("failed requests", watch.failed),
        ("requests to other hosts", watch.foreign),
    ):
        if events:
            problems.append(f"{name}: {kind}: {events}")
    page.close()
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
    open_page(page, f"{server}/index.html")
    assert page.evaluate("document.body.getAttribute('data-md-color-scheme')") == "default"
    light_background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    page.click("label[title='Switch to dark mode']")
    page.wait_for_function("document.body.getAttribute('data-md-color-scheme') === 'slate'")
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") != light_background
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
        page_html = path.read_text(encoding="utf-8")
        for match in LOADS.finditer(page_html):
            tag = page_html[match.start() : match.start() + 200].split(">")[0]
            if match.group(1).lower() == "link" and re.search(r'rel="(canonical|alternate)"', tag):
                continue
            offenders.append(f"{path.relative_to(site)}: {tag}>")
    for path in site.rglob("*.css"):
        offenders += [
            f"{path.relative_to(site)}: {m}" for m in re.findall(r"url\((['\"]?)https?://[^)]*\)", path.read_text())
        ]
    assert not offenders, "\n".join(offenders)


def test_every_page_with_python_links_under_its_title_to_its_notebook_and_the_library(site):
    """Notebook pages included; the links lead to files the build made."""
    hook = notebooks
    sources = {page: page.removesuffix(".html") + (".py" if page.startswith("notebooks/") else ".md") for page in PAGES}
    offered = {page: hook.notebook_name(src) for page, src in sources.items() if hook.notebook_name(src)}
    problems = []
    for page, notebook in offered.items():
        page_html = (site / page).read_text(encoding="utf-8")
        under_title = page_html[page_html.find("</h1>") :][:1500]
        links = re.findall(r'<a href="([^"]+\.(?:ipynb|whl))"', under_title)
        resolved = [((site / page).parent / link).resolve() for link in links]
        expected = [(site / notebook).resolve(), (site / hook.DOWNLOADS / hook.wheel_name()).resolve()]
        if sources[page] in hook.IN_A_CLONE:  # its notebook runs in a clone: the wheel alone would not do
            expected = expected[:1]
        if resolved != expected or not all(path.is_file() for path in expected):
            problems.append(f"{page}: links under its title {links}, expected {expected} to be built")
    assert len(offered) >= 13 and {"notebooks/digits.html", "notebooks/performance.html"} <= offered.keys(), offered
    assert not problems, "\n".join(problems)


def test_every_image_a_notebook_draws_is_described(site):
    from litbackprop.pages.build.notebooks import NO_ALT

    pages = [page for page in site.rglob("*.html") if "assets" not in page.parts]
    undescribed = [page.name for page in pages if NO_ALT in page.read_text(encoding="utf-8")]
    assert not undescribed, undescribed
    assert 'alt="The confusion matrix' in (site / "notebooks" / "digits.html").read_text(encoding="utf-8")


def test_no_page_shows_an_html_escape_as_text(site):
    """Markdown inside a notebook's cell is escaped twice when it is a fence: a reader would see `&gt;`."""
    shown = []
    for path in site.rglob("*.html"):
        text = html.unescape(re.sub(r"<[^>]+>", "", path.read_text(encoding="utf-8")))
        shown += [f"{path.relative_to(site)}: ...{m.group(0)}..." for m in re.finditer(r".{0,40}&(gt|lt|amp);", text)]
    assert not shown, "\n".join(shown)


def test_the_home_page_shows_the_notation_table_in_place_of_its_marker(site):
    from litbackprop.pages.checks.notation import NOTATION

    home = (site / "index.html").read_text(encoding="utf-8")
    assert "notation table" not in home
    table = home[home.index('id="notation"') :].split("</table>")[0]
    assert table.count("<tr>") == 1 + len(NOTATION) and "<code>W1</code>" in table


LIVE_READ = """() => Object.fromEntries(Array.from(document.querySelectorAll('figure [data-live]'), span =>
    [span.dataset.live, {text: span.textContent, digits: Number(span.dataset.digits)}]))"""
LIVE_SET = """values => {
    const form = document.querySelector('form.live-graph');
    for (const [key, value] of Object.entries(values)) form.querySelector(`[data-input="${key}"]`).value = value;
    form.dispatchEvent(new Event('input', {bubbles: true}));
}"""


SHOWN = re.compile(r"\u2212?\d+(?:\.(\d+))?(?:e(\u2212?\d+))?")


def shown_numbers(text: str, digits: int) -> list[tuple[float, float]]:
    """Each number a label shows, with half a unit of its last digit: of its decimals, or of its mantissa's."""
    found = []
    for match in SHOWN.finditer(text):
        decimals = len(match.group(1) or "")
        exponent = int(match.group(2).replace("\u2212", "-")) if match.group(2) else None
        unit = 10.0**-digits if exponent is None else 10.0 ** (exponent - decimals)
        found.append((float(match.group(0).replace("\u2212", "-")), 0.5 * unit))
    return found


def live_problems(page, expected: dict, values: dict) -> list[str]:
    """Each number the graph shows against the library's value, to the digits shown (half a unit of the last)."""
    problems = []
    for key, span in page.evaluate(LIVE_READ).items():
        name, _, row = key.partition(".")
        truth = np.ravel(expected[name] if not row else expected[name][int(row)])
        drawn = shown_numbers(span["text"], span["digits"])
        if len(drawn) != truth.size or any(
            abs(v - t) > half * (1 + 1e-9) + 1e-12 for (v, half), t in zip(drawn, truth, strict=False)
        ):
            problems.append(f"inputs {values}: {key} shows {span['text']}, the library gives {truth}")
    return problems


def test_the_neuron_graph_never_rounds_a_to_one_beside_a_slope_that_is_not_zero(context, server):
    """w0 = -2 gives z = 9, a = 0.99988 and a(1 - a) = 0.00012: a shown as 1 would contradict the slope beside it."""
    page = context.new_page()
    open_page(page, f"{server}/single-neuron.html")
    page.evaluate(LIVE_SET, {"w0": "-2"})
    shown = page.evaluate(LIVE_READ)
    caption = page.evaluate("() => getComputedStyle(document.querySelector('figure figcaption'), '::after').content")
    page.close()
    assert "inputs you typed" in caption, caption  # the caption no longer claims the worked example
    a = float(shown["a"]["text"].replace("\u2212", "-"))
    slope = float(shown["da_dz"]["text"].replace("\u2212", "-"))
    assert slope > 0 and a < 1, (shown["a"], shown["da_dz"])
    assert abs(a - 1 / (1 + np.exp(-9))) <= 0.5e-4, shown["a"]  # to the digits it shows: 0.9999


LIVE_STATE = """() => [document.querySelector('form.live-graph output').textContent,
                       document.querySelector('form.live-graph').closest('figure').dataset.state || '']"""


def neuron_expected(w, x):
    import litbackprop as lb

    z = lb.linear(w, x)
    a = lb.sigmoid(z)
    return {"w": w, "x": x, "z": z, "a": a, "da_dz": lb.sigmoid_derivative(a), "da_dw": lb.Neuron(w).backward(x)["w"]}


@pytest.mark.parametrize(
    "w0, w1, x0, x1",
    [(2.5e30, 0.0, -1.0, 0.0), (1.5e100, 0.0, 1.0, 0.0), (1e-5, 0.0, 1.0, 0.0), (5e307, 5e307, 10.0, -10.0)],
    ids=["2.5e30", "1.5e100", "1e-5", "products that overflow, a sum that does not"],
)
def test_the_neuron_graph_shows_large_and_small_inputs_as_the_library_computes_them(context, server, w0, w1, x0, x1):
    page = context.new_page()
    open_page(page, f"{server}/single-neuron.html")
    values = {"w0": w0, "w1": w1, "w2": 0.5, "x0": x0, "x1": x1}
    page.evaluate(LIVE_SET, {k: repr(v) for k, v in values.items()})
    problems = live_problems(page, neuron_expected(np.array([w0, w1, 0.5]), np.array([x0, x1, 1.0])), values)
    state = page.evaluate(LIVE_STATE)
    page.close()
    assert not problems and state == ["", ""], (problems, state)


def test_the_neuron_graph_shows_an_input_the_library_refuses_as_refused(context, server):
    import litbackprop as lb

    with pytest.raises(lb.NumericalError, match="overflowed although"):
        lb.Neuron(np.array([1e308, 0.0, 0.0])).forward(np.array([10.0, 0.0, 1.0]))
    page = context.new_page()
    open_page(page, f"{server}/single-neuron.html")
    page.evaluate(LIVE_SET, {"w0": "1e308", "w1": "0", "w2": "0", "x0": "10", "x1": "0"})
    message, state = page.evaluate(LIVE_STATE)
    texts = [span["text"] for span in page.evaluate(LIVE_READ).values()]
    page.close()
    assert state == "refused" and message.startswith("z overflows float64"), (state, message)
    assert not any("Infinity" in t or "NaN" in t for t in texts), texts


@pytest.mark.parametrize("typed", ["", "abc", "3e", "1e999"])
def test_the_neuron_graph_marks_itself_out_of_date_while_a_field_holds_no_finite_number(context, server, typed):
    page = context.new_page()
    open_page(page, f"{server}/single-neuron.html")
    before = page.evaluate(LIVE_READ)
    page.evaluate(LIVE_SET, {"w0": typed})
    message, state = page.evaluate(LIVE_STATE)
    after = page.evaluate(LIVE_READ)
    page.close()
    assert state == "stale" and "w0" in message and after == before, (typed, state, message)


def test_the_neuron_graph_recomputes_every_wire_as_the_library_does(context, server):
    import litbackprop as lb

    page = context.new_page()
    open_page(page, f"{server}/single-neuron.html")
    assert page.evaluate("() => !document.querySelector('form.live-graph').hidden"), "the fields are shown"
    rng = np.random.default_rng(0)
    problems = []
    for _ in range(100):
        w, x = rng.uniform(-4, 4, size=3).round(1), np.append(rng.uniform(-3, 3, size=2).round(1), 1.0)
        values = {"w0": w[0], "w1": w[1], "w2": w[2], "x0": x[0], "x1": x[1]}
        page.evaluate(LIVE_SET, {k: str(v) for k, v in values.items()})
        a = lb.sigmoid(lb.linear(w, x))
        expected = {"w": w, "x": x, "z": lb.linear(w, x), "a": a, "da_dz": lb.sigmoid_derivative(a),
                    "da_dw": lb.Neuron(w).backward(x)["w"]}  # fmt: skip
        problems += live_problems(page, expected, values)
    page.close()
    assert not problems, "\n".join(problems[:10])


def test_the_two_layer_graph_recomputes_every_wire_as_the_library_does(context, server):
    import litbackprop as lb

    page = context.new_page()
    open_page(page, f"{server}/two-layer-network.html")
    example = lb.worked_example()
    net = lb.TwoLayerNet(example["W1"], example["W2"])
    rng = np.random.default_rng(1)
    problems = []
    for _ in range(100):
        x, label = rng.uniform(-3, 3, size=3).round(1), int(rng.integers(0, 3))
        values = {"x0": x[0], "x1": x[1], "x2": x[2], "class": label}
        page.evaluate(LIVE_SET, {k: str(v) for k, v in values.items()})
        t = net.trace(x, lb.one_hot(np.array([label]), 3)[:, 0])
        expected = {
            k: getattr(t, k) for k in ("x", "y", "z1", "a1", "z2", "y_hat", "L", "dz2", "da1", "dz1", "dW2", "dW1")
        }
        problems += live_problems(page, expected, values)
    page.close()
    assert not problems, "\n".join(problems[:10])


COURSE_TITLES = ["A single sigmoid neuron", "A two-layer network", "Biases", "Mini-batches", "Checking gradients",
                 "Numerical stability", "Pitfalls: the bugs that bite", "Learning the digits"]  # fmt: skip


PRINT_PAGE_RULES = ["aria-dialog-name", "scrollable-region-focusable", "landmark-unique"]
"""The rules that joining the pages into one broke, or can: every page passes all of axe-core's rules on its own."""


def test_the_print_page_passes_axe_core_s_rules_best_practice_included(context, server):
    """The print page, which no other test runs axe-core on: among its rules, the two a student read found broken
    (its notebook cells, which scroll, reached from the keyboard; the search dialog named) and the landmarks' names,
    unique although it holds every page."""
    page = context.new_page()
    open_page(page, f"{server}/print_page.html")
    page.add_script_tag(content=axe_script())
    # axe-core's whole set on a page this size takes half a minute
    found = page.evaluate(
        """async rules => (await axe.run({exclude: [['mjx-container > svg']]},
                                         {runOnly: {type: 'rule', values: rules}, resultTypes: ['violations']}))
            .violations
            .map(v => `${v.id} (${v.impact}), ${v.nodes.length}: ${v.nodes.slice(0, 2).map(n => n.target.join(' '))}`)""",
        PRINT_PAGE_RULES,
    )
    problems = [f"print_page.html: accessibility: {problem}" for problem in found]
    page.close()
    assert not problems, "\n".join(problems)


def test_the_course_prints_as_one_document_at_a4_width(browser, server):
    """print_page.html, as the browser prints it on A4 (794 CSS px): every course page, every equation typeset,
    nothing wider than the paper."""
    context = browser.new_context(viewport={"width": 794, "height": 1123})
    page = context.new_page()
    page.emulate_media(media="print")
    open_page(page, f"{server}/print_page.html")
    state = page.evaluate(MATH_STATE)
    titles = page.evaluate("() => Array.from(document.querySelectorAll('h1'), h => h.textContent.trim())")
    closed = page.evaluate("() => document.querySelectorAll('article details:not([open])').length")
    empty = page.evaluate(
        "() => Array.from(document.querySelectorAll('div.highlight pre > code')).filter(c => !c.textContent.trim()).length"
    )
    context.close()
    assert closed == 0, f"{closed} collapsed sections print closed"
    assert empty == 0, f"{empty} empty code or output boxes print"
    assert state["math"] >= 400 and state["typeset"] == state["math"] and not state["mathErrors"], state["typeset"]
    assert [t for t in COURSE_TITLES if not any(h.startswith(t) for h in titles)] == [], titles
    assert not state["wide"] and not state["shrunkMath"], (state["wide"], state["shrunkMath"])
    assert state["pageWidth"] <= state["viewWidth"] + 1, state["pageWidth"]
