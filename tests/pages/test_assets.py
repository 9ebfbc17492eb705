"""The npm packages the site's build and the browser test use are fetched once, whole, by any number of processes."""

import importlib.util
import io
import os
import tarfile
import threading
from pathlib import Path

from litbackprop.pages.build import assets

ASSETS_HOOK = Path(assets.__file__)


def _assets():
    """A fresh copy of the build's assets hook, whose cache folder a test may point elsewhere."""
    spec = importlib.util.spec_from_file_location("assets_hook_under_test", ASSETS_HOOK)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _fake_pack(calls):
    """A stand-in for ``npm pack``: writes a small package's tarball where it is told, as npm does."""

    def pack(npm, spec, destination: Path) -> Path:
        calls.append(spec)
        tarball = destination / "pkg-4.14.1.tgz"
        with tarfile.open(tarball, "w:gz") as archive:
            for name, text in {"package/package.json": "{}", "package/axe.min.js": "x" * 100_000}.items():
                data = text.encode()
                info = tarfile.TarInfo(name)
                info.size = len(data)
                archive.addfile(info, io.BytesIO(data))
        return tarball

    return pack


def test_workers_that_fetch_the_same_package_at_once_all_get_it_whole(tmp_path, monkeypatch):
    assets = _assets()
    calls, results, errors = [], [], []
    monkeypatch.setattr(assets, "CACHE", tmp_path)
    monkeypatch.setattr(assets, "_pack", _fake_pack(calls))
    monkeypatch.setattr(assets.shutil, "which", lambda name: "/usr/bin/npm")
    start = threading.Barrier(6)

    def fetch():
        start.wait()
        try:
            results.append(assets._npm_package("axe-core@4.14.1"))
        except Exception as error:  # noqa: BLE001 - each worker's failure is what the test reports
            errors.append(error)

    workers = [threading.Thread(target=fetch) for _ in range(6)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert not errors, errors
    assert {str(p) for p in results} == {str(tmp_path / "axe-core@4.14.1")}, results
    assert (tmp_path / "axe-core@4.14.1" / "axe.min.js").read_text() == "x" * 100_000
    assert sorted(p.name for p in tmp_path.iterdir()) == ["axe-core@4.14.1"], "no partial folder is left behind"


def test_a_cached_package_is_not_fetched_again(tmp_path, monkeypatch):
    assets = _assets()
    calls = []
    monkeypatch.setattr(assets, "CACHE", tmp_path)
    monkeypatch.setattr(assets, "_pack", _fake_pack(calls))
    monkeypatch.setattr(assets.shutil, "which", lambda name: "/usr/bin/npm")
    first = assets._npm_package("axe-core@4.14.1")
    assert assets._npm_package("axe-core@4.14.1") == first
    assert calls == ["axe-core@4.14.1"]


def test_the_npm_packages_are_kept_once_per_machine_outside_the_clone():
    clone = Path(assets.__file__).resolve().parents[3]
    assert not assets.CACHE.resolve().is_relative_to(clone), assets.CACHE
    assert assets.CACHE.parts[-2:] == ("litbackprop", "npm") or "LITBACKPROP_NPM_CACHE" in os.environ
