"""The page machinery's pytest plugin: the order of a run that builds the site, enabled from ``tests/conftest.py``.

Not a ``pytest11`` entry point: that would load into every pytest run of every user of the library.
It needs only pytest (and pytest-xdist, whose hook it implements when it is installed).
"""

from __future__ import annotations

import pytest

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
