"""Every public function and method of the package documents each of its parameters (numpy style)."""

import dataclasses
import importlib
import inspect
import pkgutil
import re

import pytest

import litbackprop

SECTION = re.compile(r"^(\s*)Parameters\n\1-{10,}\n(?P<body>.*?)(?=\n\s*\n\1\S[^\n]*\n\1-{3,}|\Z)", re.S | re.M)
ENTRY = re.compile(r"^(\s*)(?P<names>\*{0,2}\w+(?:\s*,\s*\*{0,2}\w+)*)\s*(?::|$)", re.M)


def modules():
    """Every public module of the package except the site's page machinery, which is not the library's."""
    for info in pkgutil.walk_packages(litbackprop.__path__, "litbackprop."):
        private = any(part.startswith("_") for part in info.name.split("."))
        if not private and not info.name.startswith("litbackprop.pages"):
            yield importlib.import_module(info.name)


def public_callables():
    """Each public function of each module and each public method of its public classes, defined where listed."""
    for module in modules():
        for name, obj in vars(module).items():
            if name.startswith("_") or getattr(obj, "__module__", None) != module.__name__:
                continue
            if inspect.isfunction(obj):
                yield f"{module.__name__}.{name}", obj
            elif inspect.isclass(obj):
                for member_name, member in vars(obj).items():
                    function = getattr(member, "__func__", member)
                    generated = dataclasses.is_dataclass(obj) and member_name == "__init__"  # its fields: below
                    if (
                        inspect.isfunction(function)
                        and not generated
                        and (not member_name.startswith("_") or member_name == "__init__")
                    ):
                        yield f"{module.__name__}.{name}.{member_name}", function


def documented(docstring: str | None) -> set[str]:
    names = set()
    for section in SECTION.finditer(inspect.cleandoc(docstring or "")):
        body = section.group("body")
        indent = min((len(line) - len(line.lstrip()) for line in body.splitlines() if line.strip()), default=0)
        for entry in ENTRY.finditer(body):
            if len(entry.group(1)) == indent:
                names.update(n.strip().lstrip("*") for n in entry.group("names").split(","))
    return names


def owner_of(path: str):
    module, _, rest = path.rpartition(".")
    *owner, _ = path.split(".")
    return getattr(importlib.import_module(".".join(owner[:-1])), owner[-1], None)


CALLABLES = sorted(public_callables())
WITH_PARAMETERS = [
    (path, f) for path, f in CALLABLES if [p for p in inspect.signature(f).parameters if p not in ("self", "cls")]
]


def test_the_package_has_what_it_should():
    assert len(WITH_PARAMETERS) >= 50, [p for p, _ in WITH_PARAMETERS]


@pytest.mark.parametrize(("path", "function"), WITH_PARAMETERS, ids=[p for p, _ in WITH_PARAMETERS])
def test_every_parameter_has_an_entry_in_its_docstring(path, function):
    names = documented(function.__doc__)
    if function.__name__ == "__init__":  # a class documents its constructor's parameters
        names |= documented(owner_of(path).__doc__)
    expected = {p.lstrip("*") for p in inspect.signature(function).parameters if p not in ("self", "cls")}
    missing = expected - names
    assert not missing, f"{path}: no Parameters entry for {sorted(missing)}"


RECORDS = sorted(
    (f"{module.__name__}.{name}", obj)
    for module in modules()
    for name, obj in vars(module).items()
    if not name.startswith("_")
    and inspect.isclass(obj)
    and dataclasses.is_dataclass(obj)
    and obj.__module__ == module.__name__
)


@pytest.mark.parametrize(("path", "record"), RECORDS, ids=[p for p, _ in RECORDS])
def test_every_field_of_a_record_is_named_in_its_docstring(path, record):
    text = record.__doc__ or ""
    missing = [f.name for f in dataclasses.fields(record) if not re.search(rf"\b{f.name}\b", text)]
    assert not missing, f"{path}: its docstring does not name {missing}"
