"""MkDocs hook: the notebook pages' kernel logs errors only.

ipykernel 7 warns on every start that a kernel on a TCP port is unencrypted. Here
the kernel only ever talks to the build on 127.0.0.1, so the warning says
nothing, and a build should print no warning it cannot act on. The kernel reads
its settings from ``$IPYTHONDIR``; the build points that at a profile of its
own, made here, so the reader's own IPython settings stay untouched.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path


def on_startup(command, dirty):
    profile = Path(tempfile.mkdtemp(prefix="litbackprop-ipython-")) / "profile_default"
    profile.mkdir()
    (profile / "ipython_kernel_config.py").write_text('c.IPKernelApp.log_level = "ERROR"\n')
    os.environ["IPYTHONDIR"] = str(profile.parent)
    atexit.register(shutil.rmtree, profile.parent, ignore_errors=True)
