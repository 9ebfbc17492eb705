"""The course's support: the notes' worked example, the exercises and their checker, the assertions the pages use.

``import litbackprop`` imports none of it (``lb.worked_example`` loads `examples` when first used).
"""
