"""The course's support: the notes' worked example, the exercises and their checker, the assertions the pages use.

``import litbackprop`` imports none of it (``lb.worked_example`` loads `examples` when first used).
"""

COLUMN = 39
"""Characters of a printed line that fit a phone's column (360 px, the narrowest the site is read at): what the
course prints is wrapped to it."""
