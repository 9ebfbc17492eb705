"""Ctrl-C while the command line is still starting: one line and status 130, not a traceback.

The command line's own ``main`` reports an interrupt (and what was saved); before it runs, Python is
importing numpy for it, for a few tenths of a second. `quiet_until_main` covers that window. Only the
command line's entry (``litbackprop/__main__.py``) calls it: importing litbackprop as a library
changes no signal handler.
"""

from __future__ import annotations

import os
import signal


def _interrupted(signum, frame) -> None:
    try:
        os.write(2, b"litbackprop: interrupted; nothing was saved\n")
    except OSError:  # no stderr (2>&-): the status says it
        pass
    os._exit(130)


def quiet_until_main() -> None:
    """Exit with status 130 and one line on a SIGINT, until ``main`` installs Python's own handler again."""
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        signal.signal(signal.SIGINT, _interrupted)
