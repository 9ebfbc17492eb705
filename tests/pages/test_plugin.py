"""The page machinery's pytest plugin: what it leaves out of a collection, and what it must keep."""

from pathlib import Path

from litbackprop.pages.pytest_plugin import DocstringFences, no_docstring_scan_without_a_fence


def collected(module: Path, collectors: list) -> list:
    """The collectors of `module` once the plugin's wrapper has seen what the other plugins returned."""
    wrapper = no_docstring_scan_without_a_fence(module, None)
    next(wrapper)
    try:
        wrapper.send(collectors)
    except StopIteration as done:
        return done.value
    raise AssertionError("the wrapper went on after the collectors")


def test_a_module_without_a_fence_is_not_scanned_for_docstring_blocks(tmp_path):
    module = tmp_path / "plain.py"
    module.write_text('def f():\n    """Doubles.\n\n    >>> f()\n    2\n    """\n    return 2\n')
    scan, other = object.__new__(DocstringFences), object()
    assert collected(module, [scan, other]) == [other]


def test_a_module_with_a_fence_in_a_docstring_keeps_its_scan(tmp_path):
    module = tmp_path / "fenced.py"
    fence = "    ```python\n    assert f() == 2\n    ```\n"
    module.write_text(f'def f():\n    """Doubles.\n\n{fence}    """\n    return 2\n')
    scan = object.__new__(DocstringFences)
    assert collected(module, [scan]) == [scan]


def test_a_page_of_markdown_keeps_every_collector(tmp_path):
    page = tmp_path / "page.md"
    page.write_text("No fence here.\n")
    scan = object.__new__(DocstringFences)
    assert collected(page, [scan]) == [scan]
