"""The command line's entry, ``litbackprop`` and ``python -m litbackprop``: quiet on Ctrl-C from its first line.

Importing the package loads no numpy (its names are imported when first used), so the handler is
installed here, before the command line's modules load numpy: a Ctrl-C then gets one line and status
130, not a traceback. Importing litbackprop as a library installs nothing.
"""

import sys

from litbackprop.app.interrupt import quiet_until_main


def main() -> int:
    """Run the command line on ``sys.argv[1:]``, answering Ctrl-C from before numpy loads; return the exit status."""
    quiet_until_main()
    from litbackprop.app.cli import main as command_line  # numpy loads here, with the handler in place

    return command_line()


if __name__ == "__main__":  # not when a test collector imports this module
    sys.exit(main())
