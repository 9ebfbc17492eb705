"""The site's MkDocs hooks (``docs/_hooks``), loaded for the tests: MkDocs runs them by path, so they are no package."""

import importlib.util
from pathlib import Path
from types import ModuleType

HOOKS = Path(__file__).resolve().parents[2] / "docs" / "_hooks"


def load_hook(name: str) -> ModuleType:
    """The hook ``docs/_hooks/<name>.py`` as a module."""
    spec = importlib.util.spec_from_file_location(f"{name}_hook", HOOKS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
