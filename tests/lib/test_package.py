"""The package's layout: `import litbackprop` loads nothing it does not use, and every public name resolves."""

import importlib
import subprocess
import sys

import pytest

import litbackprop as lb

LOADED = "import sys, litbackprop{}; print(sorted(m for m in sys.modules if m.startswith(('numpy', 'litbackprop'))))"


def loaded_after(statement: str = "") -> list[str]:
    run = subprocess.run([sys.executable, "-c", LOADED.format(statement)], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    return eval(run.stdout)  # a list of module names, printed by repr


def test_importing_the_package_loads_neither_numpy_nor_any_of_its_modules():
    assert loaded_after() == ["litbackprop", "litbackprop.errors"]


def test_a_name_loads_its_module_and_what_that_module_needs_but_not_the_application():
    loaded = loaded_after("; litbackprop.linear")
    assert "litbackprop.fully_connected" in loaded and "numpy" in loaded
    assert not [m for m in loaded if m.startswith(("litbackprop.app", "litbackprop.course", "litbackprop.pages"))]


def test_the_weights_functions_load_the_application_s_saving_module_only_when_used():
    assert "litbackprop.app.saving" in loaded_after("; litbackprop.save_weights")
    assert "litbackprop.app.cli" not in loaded_after("; litbackprop.save_weights")


@pytest.mark.parametrize("name", lb.__all__)
def test_every_public_name_is_its_module_s_object(name):
    module = importlib.import_module(lb._HOME_OF.get(name, "litbackprop.errors"))
    assert getattr(lb, name) is getattr(module, name)


def test_the_package_lists_its_public_names():
    assert set(lb.__all__) <= set(dir(lb)) and len(lb.__all__) >= 34


def test_a_name_the_package_does_not_have_is_an_attribute_error():
    with pytest.raises(AttributeError, match=r"module 'litbackprop' has no attribute 'sigmod'"):
        lb.sigmod  # noqa: B018
