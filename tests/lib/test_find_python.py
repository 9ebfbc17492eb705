"""`.ci/python`, the script the README's two commands and `.ci/run` start with, finds Python >= 3.12."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FINDER = ROOT / ".ci" / "python"
PRINT_VERSION = "import sys; print(*sys.version_info[:2])"

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="a POSIX shell script")


def base_python() -> Path:
    """This interpreter outside any virtualenv (a symlink to a venv's python does not find its venv)."""
    return Path(sys.base_prefix) / "bin" / f"python{sys.version_info.major}.{sys.version_info.minor}"


def run_finder(tmp_path, path_dirs, *args):
    """The finder under a PATH of only `path_dirs` and a HOME (and pyenv root) in `tmp_path`."""
    env = {"PATH": os.pathsep.join(str(d) for d in path_dirs), "HOME": str(tmp_path)}
    return subprocess.run(["/bin/sh", str(FINDER), *args], env=env, capture_output=True, text=True, check=False)


def failing_shim(folder: Path, name: str) -> Path:
    """What a pyenv shim for a version pyenv does not select does: print an error, exit 127."""
    folder.mkdir(parents=True, exist_ok=True)
    shim = folder / name
    shim.write_text(f'#!/bin/sh\necho "pyenv: {name}: command not found" >&2\nexit 127\n')
    shim.chmod(0o755)
    return shim


def test_the_readme_commands_start_with_the_finder():
    """The two commands run in a clone of the repository (pip install -e) find their Python with .ci/python."""
    readme = (ROOT / "README.md").read_text()
    commands = re.findall(r"^.*-m venv \.venv && .*pip install -e.*$", readme, flags=re.MULTILINE)
    assert len(commands) == 2 and all(c.startswith("sh .ci/python -m venv .venv && ") for c in commands), commands
    assert "sh .ci/python" in (ROOT / ".ci" / "run").read_text()


@pytest.mark.skipif(sys.version_info < (3, 12), reason="needs this interpreter to be one the finder accepts")
def test_a_python_on_the_path_under_another_name_is_found(tmp_path):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "python3").symlink_to(base_python())
    result = run_finder(tmp_path, [bin_dir], "-c", PRINT_VERSION)
    assert result.returncode == 0 and result.stdout.split() == [str(v) for v in sys.version_info[:2]], result


@pytest.mark.skipif(sys.version_info < (3, 12), reason="needs this interpreter to be one the finder accepts")
def test_a_pyenv_version_is_found_behind_a_shim_that_fails(tmp_path):
    shims = tmp_path / "shims"
    failing_shim(shims, "python3.12")
    version = tmp_path / ".pyenv" / "versions" / "3.12.99" / "bin"
    version.mkdir(parents=True)
    (version / "python3").symlink_to(base_python())
    result = run_finder(tmp_path, [shims], "-c", PRINT_VERSION)
    assert result.returncode == 0 and result.stdout.split() == [str(v) for v in sys.version_info[:2]], result


@pytest.mark.skipif(sys.version_info < (3, 12), reason="needs this interpreter to be one the finder accepts")
def test_a_python_further_down_the_path_is_found_behind_a_shim_of_the_same_name(tmp_path):
    shims = failing_shim(tmp_path / "shims", "python3.12").parent
    bin_dir = tmp_path / "usr" / "bin"
    bin_dir.mkdir(parents=True)
    (bin_dir / "python3.12").symlink_to(base_python())
    result = run_finder(tmp_path, [shims, bin_dir], "-c", PRINT_VERSION)
    assert result.returncode == 0 and result.stdout.split() == [str(v) for v in sys.version_info[:2]], result


@pytest.mark.skipif(sys.version_info < (3, 12), reason="needs this interpreter to be one the finder accepts")
@pytest.mark.parametrize("path", [":{0}", "{0}:", "{0}::{0}"], ids=["first", "last", "middle"])
def test_an_empty_entry_of_the_path_is_the_current_folder_wherever_it_is(tmp_path, path):
    (tmp_path / "python3.12").symlink_to(base_python())
    env = {"PATH": path.format(tmp_path / "nothing"), "HOME": str(tmp_path)}
    result = subprocess.run(["/bin/sh", str(FINDER), "-c", PRINT_VERSION], cwd=tmp_path, env=env, capture_output=True)
    assert result.returncode == 0 and result.stdout.split() == [str(v).encode() for v in sys.version_info[:2]], result


def test_an_older_python_is_passed_over(tmp_path):
    bin_dir = tmp_path / "bin"
    old = bin_dir / "python3"
    bin_dir.mkdir()
    old.write_text('#!/bin/sh\necho "Python 3.11 would run: $*"\nexit 1\n')  # fails the version check
    old.chmod(0o755)
    result = run_finder(tmp_path, [bin_dir], "-c", PRINT_VERSION)
    assert result.returncode == 1 and "would run" not in result.stdout


def test_a_stub_that_exits_0_is_not_taken_for_python(tmp_path):
    bin_dir = tmp_path / "bin"
    stub = bin_dir / "python3"
    bin_dir.mkdir()
    stub.write_text("#!/bin/sh\nexit 0\n")
    stub.chmod(0o755)
    result = run_finder(tmp_path, [bin_dir], "-m", "venv", str(tmp_path / "venv"))
    assert result.returncode == 1 and "no Python 3.12 or newer" in result.stderr


def test_without_any_python_it_says_what_is_missing(tmp_path):
    shims = tmp_path / "shims"
    failing_shim(shims, "python3.12")
    result = run_finder(tmp_path, [shims], "-m", "venv", str(tmp_path / "venv"))
    assert result.returncode == 1 and result.stdout == ""
    assert "no Python 3.12 or newer (with its venv module) was found" in result.stderr
    assert f"Tried, and none ran as Python >= 3.12: {shims / 'python3.12'}" in result.stderr
    assert "Install Python 3.12" in result.stderr
    assert not (tmp_path / "venv").exists()
