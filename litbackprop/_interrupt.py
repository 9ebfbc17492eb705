"""Ctrl-C while the command line is still starting: one line and status 130, not a traceback.

The command line's own ``main`` reports an interrupt (and what was saved); before it runs, Python is
importing numpy for the package, for a few tenths of a second. `quiet_until_main` covers that window,
and only when this process is the command line (`is_the_command_line`): importing litbackprop as a
library changes no signal handler.
"""

from __future__ import annotations

import os
import signal
import sys


def is_the_command_line() -> bool:
    """Whether this process runs ``litbackprop`` (the installed command) or ``python -m litbackprop``."""
    argv = getattr(sys, "orig_argv", sys.argv)
    started_as_module = any(
        a == "-m" and b in ("litbackprop", "litbackprop.cli") for a, b in zip(argv, argv[1:], strict=False)
    )
    return started_as_module or os.path.basename(sys.argv[0] if sys.argv else "") == "litbackprop"


def _interrupted(signum, frame) -> None:
    try:
        os.write(2, b"litbackprop: interrupted; nothing was saved\n")
    except OSError:  # no stderr (2>&-): the status says it
        pass
    os._exit(130)


def quiet_until_main() -> None:
    """Exit with status 130 and one line on a SIGINT, until ``main`` installs Python's own handler again."""
    if is_the_command_line() and signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        signal.signal(signal.SIGINT, _interrupted)
