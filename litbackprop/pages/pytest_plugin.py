"""The page machinery's pytest plugin, enabled from ``tests/conftest.py``: the order of a run that builds the
site, and pytest-markdown-docs's blocks each run once.

Not a ``pytest11`` entry point: that would load into every pytest run of every user of the library.
It needs only pytest (and pytest-xdist and pytest-markdown-docs, whose hooks it implements when they are
installed).

pytest-markdown-docs tests a ``{.python continuation}`` block by running every block of its chain again,
from the first: a page of forty blocks runs its first one forty times. `OnceEach`, registered as its
default runner, runs only what a test adds to the chain the test before it ran, in that test's namespace;
a chain that starts afresh, or follows a failure, or whose earlier tests were not run (``-k``), is run
whole, as pytest-markdown-docs runs it.
"""

from __future__ import annotations

import ast
import contextlib
import json
import os
from collections import Counter
from pathlib import Path

import pytest

from litbackprop.pages.runner import EXECUTIONS as RUNS

EXECUTIONS: Counter = Counter()
"""How often pytest-markdown-docs's tests ran each block, by (page, line): see `pytest_sessionfinish`."""

with contextlib.suppress(ImportError):  # the test extra's: without it, no Markdown block is collected
    from pytest_markdown_docs._runners import DefaultRunner, register_runner

    @register_runner(default=True)
    class OnceEach(DefaultRunner):
        """Run each block of a continuation chain once, carrying the chain's namespace from test to test."""

        chains: dict[str, tuple[str, dict]] = {}  # a page: the chain's source run so far, and its namespace

        def runtest(self, test, args, *, asyncio_runner=None):
            path = str(test.source_path)
            ran = self.chains.pop(path, None)  # kept again only once this test passes
            if ran is not None and test.source.startswith(ran[0]) and len(test.source) > len(ran[0]):
                done, namespace = ran
                code = "\n" * done.count("\n") + test.source[len(done) :]  # its lines, where the page has them
            else:
                code, namespace = test.source, args
                EXECUTIONS[(Path(path).name, "chains started")] += 1  # the blocks before it run again, if any
            EXECUTIONS[(Path(path).name, test.start_line)] += 1
            compiled = compile(
                code, filename=path, mode="exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT, dont_inherit=True
            )
            exec(compiled, namespace)
            self.chains[path] = (test.source, namespace)


# The order of the run. The site's build (about 20 s) goes first, on one worker, while the others run the
# library's tests; the tests that need the built site come last, each a unit of its own, so that every
# worker checks pages once the build is done instead of one worker checking all of them after it.
BROWSER = "pages/test_browser.py"
BUILD = "test_mkdocs_build_strict_makes_every_page_of_the_nav"


def _stage(nodeid: str) -> int:
    path, _, name = nodeid.partition("::")
    if not path.replace("\\", "/").endswith(BROWSER):  # node ids are relative to the rootdir, whichever it is
        return 1
    return 0 if name == BUILD else 2


def pytest_collection_modifyitems(config, items):
    items.sort(key=lambda item: _stage(item.nodeid))  # stable: within a stage, the order of collection


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
    counts = {
        "markdown-docs": [[page, str(line), n] for (page, line), n in EXECUTIONS.items()],
        "checks": [[page, str(line), n] for (page, line), n in RUNS.items()],
    }
    Path(folder).mkdir(parents=True, exist_ok=True)
    (Path(folder) / f"{worker}.json").write_text(json.dumps(counts))
