"""Hypothesis draws the same examples on every run, so that a green suite stays green and a failure reproduces.

The property and fuzz tests keep their reach by drawing many examples when asked:
``LITBACKPROP_EXAMPLES=2000 .venv/bin/pytest tests/lib/test_properties.py``; a different
draw is one ``HYPOTHESIS_PROFILE=random`` away.
"""

import os

from hypothesis import settings

settings.register_profile("repeatable", derandomize=True, deadline=None)
settings.register_profile("random", deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))
