"""The page machinery's pytest plugin, enabled for every test of the project, the pages of docs/ among them.

Not a ``pytest11`` entry point, which would load into every pytest run of every user of the library: a
project's conftest enables its own plugin. This one is at the root because the pages it collects a test
beside, and whose blocks it runs once each, are in docs/, outside tests/.
"""

pytest_plugins = ["litbackprop.pages.pytest_plugin"]
