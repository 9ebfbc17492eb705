"""MkDocs hook: put the site's third-party scripts into the build from registry packages.

The site must work with no network and request nothing from another host, and
no third-party code is committed to this repository. So, at build time:

- MathJax comes from the ``django-static-mathjax`` wheel (PyPI), installed with the docs extra;
- the ``iframe-worker`` shim, which lets search run from a site opened from disk (the offline
  plugin), comes from the npm registry through ``npm pack``, cached under ``.cache/``.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import tarfile
from importlib.resources import files
from pathlib import Path

from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File

log = logging.getLogger("mkdocs.hooks.assets")

# SVG output needs no font files; base and AMS TeX, all these pages use, are inside the bundle.
MATHJAX_BUNDLE = "tex-svg.js"
IFRAME_WORKER = "iframe-worker@1.0.4"
IFRAME_WORKER_URI = "javascripts/iframe-worker/shim.js"  # as named in mkdocs.yml's extra.polyfills
CACHE = Path(__file__).resolve().parents[2] / ".cache" / "npm"


def on_files(files_collection, config):
    files_collection.append(
        File.generated(config, f"javascripts/mathjax/{MATHJAX_BUNDLE}", abs_src_path=str(_mathjax()))
    )
    shim = _iframe_worker_shim()
    if shim is not None:
        files_collection.append(File.generated(config, IFRAME_WORKER_URI, abs_src_path=str(shim)))
    return files_collection


def _mathjax() -> Path:
    source = Path(str(files("mathjax") / "static" / "mathjax" / "es5" / MATHJAX_BUNDLE))
    if not source.is_file():
        raise PluginError(f"MathJax not found at {source}; install the docs extra: pip install -e '.[docs]'")
    return source


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
    CACHE.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(
        [npm, "pack", IFRAME_WORKER, "--pack-destination", str(CACHE), "--silent"],
        capture_output=True,
        text=True,
        check=False,
    )
    tarball = CACHE / result.stdout.strip().splitlines()[-1] if result.stdout.strip() else None
    if result.returncode != 0 or tarball is None or not tarball.is_file():
        raise PluginError(f"npm pack {IFRAME_WORKER} failed: {result.stderr.strip() or result.stdout.strip()}")
    with tarfile.open(tarball) as archive:
        member = archive.extractfile("package/shim/index.js")
        if member is None:
            raise PluginError(f"{tarball} has no package/shim/index.js")
        shim.parent.mkdir(parents=True, exist_ok=True)
        shim.write_bytes(member.read())
    return shim
