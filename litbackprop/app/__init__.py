"""The application built on the library: the command line, weights files, the digits data, Ctrl-C handling.

``import litbackprop`` imports none of it; ``lb.save_weights`` and ``lb.load_weights`` load `saving` when
first used. Nothing here is imported at the package's import: the command line's entry installs its
Ctrl-C handler before numpy loads.
"""
