"""The page machinery's pytest plugin, enabled by the project's root ``conftest.py``: the order of a run that
builds the site, each page's blocks run once, and each page's checks beside its blocks' tests.

Not a ``pytest11`` entry point: that would load into every pytest run of every user of the library.
It needs only pytest (and pytest-xdist and pytest-markdown-docs, whose hooks it implements when they are
installed).

pytest-markdown-docs tests a ``{.python continuation}`` block by running every block of its chain again,
from the first: a page of forty blocks runs its first one forty times. `OnceEach`, registered as its
default runner, runs the page in one `runner.Session` instead, each block once, when its test comes
(with the blocks before it that no test ran, as after ``-k``; and from the start again after a failure).
`PageChecks`, a test beside the blocks' tests of each page of docs/, reads that run for the digits' check
and the formula check, and mutates a course page's formulas with its values: so in a run of the suite a
page's blocks run twice, here and in the site's build, however many checks read them
(``LITBACKPROP_COUNT_RUNS`` counts them).
"""

from __future__ import annotations

import ast
import contextlib
import json
import os
import tempfile
import time
from pathlib import Path

import pytest

from litbackprop.pages.runner import EXECUTIONS, Session, run_page, split

SESSIONS: dict[str, Session] = {}
"""Each page's run by pytest-markdown-docs's tests, block by block: its page checks read it (`PageChecks`)."""

DocstringFences: type = type(None)
"""pytest-markdown-docs's collector of a module's docstrings' fenced blocks (a type nothing is, without it)."""

with contextlib.suppress(ImportError):  # the test extra's: without it, no Markdown block is collected
    from pytest_markdown_docs._runners import DefaultRunner, register_runner
    from pytest_markdown_docs.plugin import MarkdownDocstringCodeModule as DocstringFences

    @register_runner(default=True)
    class OnceEach(DefaultRunner):
        """Run each block of a page once, in the page's `Session`, carrying its namespace from test to test."""

        def runtest(self, test, args, *, asyncio_runner=None):
            path = str(test.source_path)
            session = SESSIONS.get(path)
            waiting = [] if session is None or session.run.failure else session.blocks[session.done :]
            if not any(block.line == test.start_line for block in waiting):  # a first test, or one run again
                parts = split(Path(path).read_text())
                session = SESSIONS[path] = Session(parts, Path(path).name, filename=path, kind="markdown-docs")
            if not any(block.line == test.start_line for block in session.blocks):  # not a block the page model
                compiled = compile(test.source, path, "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT, dont_inherit=True)
                exec(compiled, args)  # knows: run as pytest-markdown-docs runs it, its chain whole
                return
            while True:  # the blocks before it that no test ran (deselected), then it
                block = session.blocks[session.done]
                session.step(block)
                if block.line == test.start_line:
                    return


@pytest.hookimpl(wrapper=True, specname="pytest_collect_file")
def no_docstring_scan_without_a_fence(file_path, parent):
    """pytest-markdown-docs imports every Python module and reads the source of each of its docstrings for
    a fenced block (about 2 s a worker here); a module whose text holds no fence (the project's examples are
    doctests) has none, so its collector, which would find nothing, is left out. The one the module has
    as a test file or a doctest's is not touched.
    """
    collectors = yield
    if file_path.suffix != ".py" or "```" in file_path.read_text(encoding="utf-8", errors="replace"):
        return collectors
    return [c for c in collectors if not isinstance(c, DocstringFences)]


def pytest_collect_file(file_path, parent):
    """Beside pytest-markdown-docs's tests of a page of ``docs/``, one test of the page's numbers and formulas."""
    docs = Path(str(parent.config.rootpath)) / "docs"
    if file_path.suffix == ".md" and file_path.parent == docs and parent.config.getoption("--markdown-docs", False):
        return PageFile.from_parent(parent, path=file_path)
    return None


class PageFile(pytest.File):
    def collect(self):
        yield PageChecks.from_parent(self, name="every number and every formula of the page hold")


class PageChecks(pytest.Item):
    """The page's digits' check and formula check, reading the run its blocks' tests made (or one of its own),
    and, for a course page, its formulas' mutants, counted for `tally_of_every_page`."""

    def runtest(self):
        from litbackprop.pages.checks.formulas import formula_problems, points_of
        from litbackprop.pages.checks.printed_numbers import check_page
        from litbackprop.pages.mutate_symbols import course_pages, mutate_page

        page, source = Path(self.path), Path(self.path).read_text()
        session = SESSIONS.get(str(page))
        ran = session.run if session is not None and session.complete else run_page(source, page.name)
        problems = [*check_page(page, source, ran), *formula_problems(source, page.name, points_of(ran))]
        if not problems and page.name in course_pages():
            _share(page.name, mutate_page(page.name, source, points_of(ran)))
        assert not problems, "\n".join(problems)

    def reportinfo(self):
        return self.path, None, f"{self.path.name}: {self.name}"


SELECTED: set[str] = set()
"""The pages whose checks this run kept (after ``-k`` and ``-m`` deselected theirs): the tallies to wait for."""

TALLIES: dict = {}
"""The formula mutants of each course page whose checks ran in this process."""


def _shared() -> Path:
    """A folder the workers of one run share (pytest-xdist's run id), for the pages' tallies."""
    folder = (
        Path(tempfile.gettempdir()) / f"litbackprop-tallies-{os.environ.get('PYTEST_XDIST_TESTRUNUID', os.getpid())}"
    )
    folder.mkdir(exist_ok=True)
    return folder


def _share(page: str, tally) -> None:
    TALLIES[page] = tally
    written = _shared() / f"{page}.json.tmp"
    written.write_text(json.dumps([dict(tally.total), dict(tally.caught), tally.survivors]))
    written.replace(written.with_suffix(""))  # whole, or not there


def tally_of_every_page(wait: float = 300.0) -> dict:
    """Every course page's tally, as the pages' checks left them (in this process or another worker), waiting
    for those still running; a page whose checks did not run (``-k``) is missing: its caller mutates it."""
    from collections import Counter

    from litbackprop.pages.mutate_symbols import Tally, course_pages

    expected = set(course_pages()) & SELECTED
    deadline = time.monotonic() + wait
    found = dict(TALLIES)
    while True:
        for path in _shared().glob("*.json"):
            total, caught, survivors = json.loads(path.read_text())
            found.setdefault(path.name.removesuffix(".json"), Tally(Counter(total), Counter(caught), survivors))
        if expected <= set(found) or time.monotonic() > deadline:
            return found
        time.sleep(0.5)


# The order of the run. The site's build (about 20 s) goes first, on one worker, while the others run the
# library's tests; the tests that need the built site come last, each a unit of its own, so that every
# worker checks pages once the build is done instead of one worker checking all of them after it.
BROWSER = "pages/test_browser.py"
BUILD = "test_mkdocs_build_strict_makes_every_page_of_the_nav"


AFTER_PAGES = "test_symbol_mutants_of_the_course_formulas_are_caught"  # adds up the pages' checks: last


def _stage(nodeid: str) -> int:
    path, _, name = nodeid.partition("::")
    if name == AFTER_PAGES:
        return 3
    if not path.replace("\\", "/").endswith(BROWSER):  # node ids are relative to the rootdir, whichever it is
        return 1
    return 0 if name == BUILD else 2


def pytest_collection_modifyitems(config, items):
    checks = [item for item in items if isinstance(item, PageChecks)]
    for item in checks:  # each page's checks after its blocks' tests, which make the run they read
        items.remove(item)
        last = max((i for i, other in enumerate(items) if other.path == item.path), default=len(items) - 1)
        items.insert(last + 1, item)
    items.sort(key=lambda item: (_stage(item.nodeid), _heavy(item.nodeid)))  # stable within a stage


HEAVIEST = ("api.html", "two-layer-network.html", "gradient-checking.html", "autodiff.html")
"""The browser test's slowest pages (3–10 s each, the API reference's DOM the largest): handed out first, so that
no worker is left with one of them while the other has finished."""


def _heavy(nodeid: str) -> int:
    return next((i for i, page in enumerate(HEAVIEST) if f"[{page}]" in nodeid), len(HEAVIEST))


def pytest_collection_finish(session):
    """The pages whose checks the run kept, once ``-k`` and ``-m`` have deselected: the tallies to wait for."""
    SELECTED.update(item.path.name for item in session.items if isinstance(item, PageChecks))


@pytest.hookimpl(optionalhook=True)  # a hook of pytest-xdist: unknown, and unused, when it is not installed
def pytest_xdist_make_scheduler(config, log):
    """Whole files to a worker (``--dist=loadfile``), except the build and each page of the browser test."""
    if config.getvalue("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    class FilesThenPages(LoadFileScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return nodeid if _stage(nodeid) != 1 else super()._split_scope(nodeid)

    return FilesThenPages(config, log)


def pytest_sessionfinish(session):
    """With ``LITBACKPROP_COUNT_RUNS=FOLDER``, write how often each block ran in this process, by runner.

    ``LITBACKPROP_COUNT_RUNS=/tmp/runs pytest`` then ``python -m litbackprop.pages.runner /tmp/runs`` adds the
    workers' counts up: the measure of "a page's blocks run once in the checks and once in pytest-markdown-docs".
    """
    folder = os.environ.get("LITBACKPROP_COUNT_RUNS")
    if not folder:
        return
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    counts: dict[str, list] = {}
    for (kind, page, line), n in EXECUTIONS.items():
        counts.setdefault(kind, []).append([page, str(line), n])
    Path(folder).mkdir(parents=True, exist_ok=True)
    (Path(folder) / f"{worker}.json").write_text(json.dumps(counts))
