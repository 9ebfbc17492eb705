"""MkDocs hook: put the site's third-party scripts into the build from registry packages.

The site must work with no network and request nothing from another host, and
no third-party code is committed to this repository. So, at build time, from the
npm registry through ``npm pack`` (cached once per machine, under ``~/.cache/litbackprop/npm``):

- MathJax 4 (``mathjax``), which breaks a display equation that is wider than its column (MathJax 3
  cannot), with the components it loads as it needs them (the menu, the assistive tools, the speech
  rule engine) and the dynamic glyph files of its font (``@mathjax/mathjax-newcm-font``);
- the ``iframe-worker`` shim, which lets search run from a site opened from disk (the offline
  plugin).
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File

log = logging.getLogger("mkdocs.hooks.assets")

MATHJAX = "mathjax@4.1.3"
MATHJAX_FONT = "@mathjax/mathjax-newcm-font@4.1.3"
MATHJAX_BUNDLE = "tex-svg.js"  # SVG output: no font files to load for the common glyphs, which it holds
# What tex-svg.js loads on demand, under the directory it is loaded from: the site serves them all.
MATHJAX_PARTS = ("a11y", "adaptors", "input", "output", "sre", "ui")
IFRAME_WORKER = "iframe-worker@1.0.4"
IFRAME_WORKER_URI = "javascripts/iframe-worker/shim.js"  # as named in mkdocs.yml's extra.polyfills
CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "litbackprop" / "npm"
"""Where the npm packages are kept, once per machine: each under its name and version, shared by every clone
(``LITBACKPROP_NPM_CACHE`` puts it elsewhere)."""
CACHE = Path(os.environ.get("LITBACKPROP_NPM_CACHE") or CACHE)


def on_files(files_collection, config):
    mathjax = _npm_package(MATHJAX)
    for path in [mathjax / MATHJAX_BUNDLE, *(p for part in MATHJAX_PARTS for p in (mathjax / part).rglob("*"))]:
        if path.is_file():
            uri = f"javascripts/mathjax/{path.relative_to(mathjax).as_posix()}"
            files_collection.append(File.generated(config, uri, abs_src_path=str(path)))
    font = _npm_package(MATHJAX_FONT)
    for path in (font / "svg").rglob("*"):  # mathjax-config.js points [fonts] here
        if path.is_file():
            uri = f"javascripts/mathjax/fonts/mathjax-newcm-font/{path.relative_to(font).as_posix()}"
            files_collection.append(File.generated(config, uri, abs_src_path=str(path)))
    shim = _iframe_worker_shim()
    if shim is not None:
        files_collection.append(File.generated(config, IFRAME_WORKER_URI, abs_src_path=str(shim)))
    return files_collection


def _npm_package(spec: str) -> Path:
    """The unpacked package of `spec` (``name@version``), fetched once with ``npm pack`` and kept in the cache.

    Safe when several processes (pytest's workers) ask at once: each packs and unpacks into a folder of its
    own, then renames it into place; the first rename wins and the others discard their copy.
    """
    target = CACHE / spec.replace("/", "+")
    if (target / "package.json").is_file():
        return target
    npm = shutil.which("npm")
    if npm is None:
        raise PluginError(f"npm not found: the site's build fetches {spec} from the npm registry (apt-get install npm)")
    CACHE.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=CACHE, prefix=f"{target.name}.partial-") as work:
        tarball = _pack(npm, spec, Path(work))
        partial = Path(work) / "package"
        with tarfile.open(tarball) as archive:
            members = [m for m in archive.getmembers() if m.name.startswith("package/") and ".." not in m.name]
            archive.extractall(work, members=members, filter="data")
        try:
            partial.rename(target)  # whole or not at all: an interrupted unpacking leaves only its own folder
        except OSError:
            if not (target / "package.json").is_file():  # not another process that finished first
                raise
    return target


def _pack(npm: str, spec: str, destination: Path) -> Path:
    result = subprocess.run(
        [npm, "pack", spec, "--pack-destination", str(destination), "--silent"],
        capture_output=True,
        text=True,
        check=False,
    )
    tarball = destination / result.stdout.strip().splitlines()[-1] if result.stdout.strip() else None
    if result.returncode != 0 or tarball is None or not tarball.is_file():
        raise PluginError(f"npm pack {spec} failed: {result.stderr.strip() or result.stdout.strip()}")
    return tarball


def _iframe_worker_shim() -> Path | None:
    shim = CACHE / IFRAME_WORKER / "shim.js"
    if shim.is_file():
        return shim
    npm = shutil.which("npm")
    if npm is None:
        log.warning(
            "npm not found: search will not work when the built site is opened from disk "
            f"(install Node.js and npm to fetch {IFRAME_WORKER}); over http it works as usual"
        )
        return None
    shim.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=CACHE, prefix=f"{IFRAME_WORKER}.partial-") as work:
        with tarfile.open(_pack(npm, IFRAME_WORKER, Path(work))) as archive:
            member = archive.extractfile("package/shim/index.js")
            if member is None:
                raise PluginError(f"{IFRAME_WORKER} has no package/shim/index.js")
            written = Path(work) / "shim.js"
            written.write_bytes(member.read())
        written.replace(shim)  # atomic: a reader never sees half a file
    return shim
