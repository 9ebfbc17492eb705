"""Every parameter of the API page's functions has its entry, read as the API page reads it (griffe, numpy style)."""

import re
from pathlib import Path

import griffe
import pytest

ROOT = Path(__file__).resolve().parents[2]
OBJECTS = re.findall(r"^::: (\S+)$", (ROOT / "docs" / "api.md").read_text(), flags=re.M)
PACKAGE = griffe.load("litbackprop", search_paths=[str(ROOT)], docstring_parser="numpy")


def documented_callables():
    """Each function on the API page, and each public method of a class on it, with the path it is shown under."""
    for path in OBJECTS:
        obj = PACKAGE[path.removeprefix("litbackprop.")]
        if obj.is_function:
            yield path, obj
        elif obj.is_class:
            yield from (
                (f"{path}.{name}", member)
                for name, member in obj.members.items()
                if member.is_function and (not name.startswith("_") or name == "__init__") and member.docstring
            )


def parameters_documented(function) -> set[str]:
    documented = set()
    for section in function.docstring.parse("numpy") if function.docstring else []:
        if section.kind.value == "parameters":
            for parameter in section.value:
                documented.update(name.strip() for name in parameter.name.split(","))
    return documented


CALLABLES = sorted(documented_callables(), key=lambda pair: pair[0])
WITH_PARAMETERS = [
    (path, f) for path, f in CALLABLES if [p for p in f.parameters if p.name not in ("self", "cls")] and f.docstring
]


def test_the_api_page_lists_what_it_should():
    assert len(OBJECTS) >= 40 and len(WITH_PARAMETERS) >= 30


@pytest.mark.parametrize(("path", "function"), WITH_PARAMETERS, ids=[p for p, _ in WITH_PARAMETERS])
def test_every_parameter_has_an_entry_in_its_docstring(path, function):
    owner = function.parent if function.name == "__init__" else function
    documented = parameters_documented(function) | parameters_documented(owner)
    expected = {p.name.lstrip("*") for p in function.parameters if p.name not in ("self", "cls")}
    missing = expected - documented
    assert not missing, f"{path}: no Parameters entry for {sorted(missing)}"
