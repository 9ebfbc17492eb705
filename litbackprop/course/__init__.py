"""The course's support: the notes' worked example, the exercises and their checker, the assertions the pages use.

``import litbackprop`` imports none of it (``lb.worked_example`` loads `examples` when first used).
"""

COLUMN = 39
"""Characters of a printed line that fit a phone's column (360 px, the narrowest the site is read at): what the
course prints is wrapped to it."""

ROW = 43
"""Characters of a printed line at 390 px, the phone width the browser test reads pages at: a matrix's row that
fits it is printed whole, on a line of its own, rather than broken to `COLUMN`."""
