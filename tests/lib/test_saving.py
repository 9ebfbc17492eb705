import os
import subprocess
import sys
import time

import numpy as np
import pytest
from numpy.testing import assert_array_equal

import litbackprop as lb
from litbackprop.app import saving
from litbackprop.app.saving import FORMAT_KEY, FORMAT_VERSION, checksum


@pytest.fixture
def net():
    return lb.TwoLayerNet.initialize(5, 4, 3, seed=0)


@pytest.mark.parametrize("biases", [True, False])
def test_a_round_trip_gives_identical_arrays(tmp_path, biases):
    net = lb.TwoLayerNet.initialize(5, 4, 3, seed=1, biases=biases)
    loaded = lb.load_weights(lb.save_weights(net, tmp_path / "w.npz"))
    assert loaded.parameters.keys() == net.parameters.keys()
    for name, value in net.parameters.items():
        assert_array_equal(loaded.parameters[name], value, err_msg=name)
        assert loaded.parameters[name].dtype == value.dtype


def test_float32_weights_stay_float32(tmp_path):
    net = lb.TwoLayerNet.initialize(5, 4, 3, seed=0, dtype=np.float32)
    assert lb.load_weights(lb.save_weights(net, tmp_path / "w")).W1.dtype == np.float32


def test_the_npz_suffix_is_added(tmp_path, net):
    assert lb.save_weights(net, tmp_path / "weights").name == "weights.npz"


def test_the_file_is_not_pickled(tmp_path, net):
    path = lb.save_weights(net, tmp_path / "w")
    with np.load(path, allow_pickle=False) as archive:
        assert sorted(archive.files) == ["W1", "W2", "b1", "b2", "litbackprop_format", "sha256"]


def test_a_missing_file_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"no weights file at .*nothing.npz"):
        lb.load_weights(tmp_path / "nothing.npz")


def test_a_truncated_file_is_refused_whole(tmp_path, net):
    path = lb.save_weights(net, tmp_path / "w")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match=r"w.npz is not a readable .npz weights file"):
        lb.load_weights(path)


def test_a_file_that_is_not_an_npz_is_refused(tmp_path):
    path = tmp_path / "notes.npz"
    path.write_text("not an archive")
    with pytest.raises(ValueError, match=r"notes.npz is not a readable .npz weights file"):
        lb.load_weights(path)


def test_a_foreign_npz_is_refused(tmp_path):
    path = tmp_path / "other.npz"
    np.savez(path, weights=np.ones(3))
    with pytest.raises(ValueError, match=r"other.npz is not a litbackprop weights file: .*arrays found: weights"):
        lb.load_weights(path)


def write_archive(path, **arrays):
    """An archive as save_weights writes it, with a valid checksum, holding exactly `arrays`."""
    arrays = {FORMAT_KEY: np.array(FORMAT_VERSION), **arrays}
    np.savez(path, **arrays, sha256=np.array(checksum(arrays)))
    return path


def test_a_file_missing_W2_is_refused(tmp_path):
    path = write_archive(tmp_path / "half.npz", W1=np.ones((4, 5)))
    with pytest.raises(ValueError, match=r"half.npz does not hold a TwoLayerNet: missing W2"):
        lb.load_weights(path)


def test_a_file_with_an_extra_array_is_refused(tmp_path):
    path = write_archive(tmp_path / "extra.npz", W1=np.ones((4, 5)), W2=np.ones((3, 4)), W3=np.ones(2))
    with pytest.raises(ValueError, match=r"extra.npz does not hold a TwoLayerNet: unexpected W3.npy"):
        lb.load_weights(path)


def test_a_file_with_shapes_that_do_not_fit_is_refused(tmp_path):
    path = write_archive(tmp_path / "bad.npz", W1=np.ones((4, 5)), W2=np.ones((3, 2)))
    with pytest.raises(ValueError, match=r"bad.npz does not hold a valid TwoLayerNet: W2 must have 4 columns"):
        lb.load_weights(path)


def test_a_pickled_array_is_never_loaded(tmp_path):
    path = tmp_path / "pickle.npz"
    pickled = np.array([{"a": 1}], dtype=object)
    np.savez(path, litbackprop_format=np.array(2), W1=pickled, W2=np.ones((3, 4)), sha256=np.array("0" * 64))
    with pytest.raises(ValueError, match=r"pickle.npz is corrupt: W1 has dtype object, expected <f4 or <f8"):
        lb.load_weights(path)


def test_a_changed_value_fails_the_checksum(tmp_path, net):
    arrays = {FORMAT_KEY: np.array(FORMAT_VERSION), **net.parameters}
    sha = checksum(arrays)
    arrays["W1"] = arrays["W1"] + 1.0  # a valid archive, CRCs and all, whose content is not what was saved
    path = tmp_path / "edited.npz"
    np.savez(path, **arrays, sha256=np.array(sha))
    with pytest.raises(ValueError, match=r"edited.npz is corrupt: its content does not match the checksum"):
        lb.load_weights(path)


def test_a_file_of_the_first_format_is_named_as_one(tmp_path):
    path = tmp_path / "old.npz"
    np.savez(path, litbackprop_format=np.array(1), W1=np.ones((4, 5)), W2=np.ones((3, 4)))
    with pytest.raises(ValueError, match=r"old.npz is in format 1; this version reads format 2 \(format 1 had no"):
        lb.load_weights(path)


def test_an_interrupted_save_leaves_the_earlier_file_intact(tmp_path, net, monkeypatch):
    path = lb.save_weights(net, tmp_path / "w")
    before = path.read_bytes()

    def fail(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(np, "savez", fail)
    with pytest.raises(OSError, match="disk full"):
        lb.save_weights(lb.TwoLayerNet.initialize(5, 4, 3, seed=9), path)
    assert path.read_bytes() == before


def test_a_single_npy_array_is_refused(tmp_path):
    path = tmp_path / "a.npy"
    np.save(path, np.ones(3))
    message = r"a.npy is not a readable .npz weights file: it holds a single array \(.npy\)"
    with pytest.raises(ValueError, match=message):
        lb.load_weights(path)


def test_saving_onto_a_directory_is_refused(tmp_path, net):
    (tmp_path / "out.npz").mkdir()
    with pytest.raises(ValueError, match=r"path must name a file to write; .*out.npz is a directory"):
        lb.save_weights(net, tmp_path / "out")


def test_saving_into_a_missing_folder_says_so(tmp_path, net):
    with pytest.raises(FileNotFoundError, match=r"the folder .*nowhere does not exist"):
        lb.save_weights(net, tmp_path / "nowhere" / "w")


def test_a_network_with_nan_is_not_saved(tmp_path, net):
    net.W1[0, 0] = np.nan
    with pytest.raises(ValueError, match=r"W1 must be finite; got nan at index \(0, 0\)"):
        lb.save_weights(net, tmp_path / "w")
    assert not list(tmp_path.iterdir()), "nothing, not even a partial file, is left behind"


def test_loading_without_the_suffix_suggests_it(tmp_path, net):
    lb.save_weights(net, tmp_path / "w")
    with pytest.raises(FileNotFoundError, match=r"no weights file at .*w \(did you mean w.npz\?\)"):
        lb.load_weights(tmp_path / "w")


def test_the_split_seed_is_recorded(tmp_path, net):
    from litbackprop.app.saving import load_split_seed

    assert load_split_seed(lb.save_weights(net, tmp_path / "a", split_seed=7)) == 7
    assert load_split_seed(lb.save_weights(net, tmp_path / "b")) is None


# Edges found by fuzzing (issue 24): each failed before its fix


def test_an_empty_member_is_refused_naming_the_file(tmp_path):
    members = {"W1": np.ones((0, 3)), "W2": np.ones((3, 0))}
    arrays = {saving.FORMAT_KEY: np.array(saving.FORMAT_VERSION, dtype="<i8"), **members}
    arrays[saving.CHECKSUM_KEY] = np.array(saving.checksum(arrays), dtype="<U64")
    path = tmp_path / "empty.npz"
    np.savez(path, **arrays)
    with pytest.raises(ValueError, match=r"empty.npz does not hold a valid TwoLayerNet: W1 must not be empty"):
        lb.load_weights(path)


@pytest.mark.parametrize("use", ["save", "load"])
def test_a_nul_in_a_path_is_refused_naming_the_path(tmp_path, use):
    path = str(tmp_path / "a\0b.npz")
    call = (lambda: lb.save_weights(lb.TwoLayerNet.initialize(3, 4, 2), path)) if use == "save" else None
    with pytest.raises(ValueError, match=r"^path must not hold a NUL character.*a\\x00b\.npz'$"):
        call() if call else lb.load_weights(path)


@pytest.mark.parametrize("use", ["save", "load"])
def test_a_name_too_long_for_the_file_system_is_refused_naming_the_path(tmp_path, use):
    path = tmp_path / ("w" * 300)
    net = lb.TwoLayerNet.initialize(3, 4, 2)
    with pytest.raises(ValueError, match=r"^path's file name is 30\d bytes long, and the file system allows at most"):
        lb.save_weights(net, path) if use == "save" else lb.load_weights(path)


def test_a_save_killed_halfway_leaves_its_temporary_file_only_until_the_next_save_beside_it(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    abandoned = tmp_path / f".litbackprop-save-{int(dead.stdout)}-{'0' * 16}.tmp"  # a process that has ended
    abandoned.write_bytes(b"x" * 1000)
    old = time.time() - 2 * saving.ABANDONED_AFTER
    os.utime(abandoned, (old, old))
    live = tmp_path / f".litbackprop-save-{os.getppid()}-{'1' * 16}.tmp"  # a process still running
    live.write_bytes(b"y")
    os.utime(live, (old, old))
    lb.save_weights(lb.TwoLayerNet.initialize(3, 4, 2), tmp_path / "w.npz")
    assert not abandoned.exists() and live.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([live.name, "w.npz"])


def test_the_docs_say_the_checksum_guards_against_damage_not_tampering():
    assert "not tampering" in saving.__doc__ and "not tampering" in lb.load_weights.__doc__
