"""Weights files under faults: corrupt bytes, hostile archives, concurrent writers, links and modes."""

import io
import os
import re
import stat
import subprocess
import sys
import threading
import zipfile

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import litbackprop as lb
from litbackprop.app.saving import load_split_seed, read_weights

EXAMPLES = int(os.environ.get("LITBACKPROP_EXAMPLES", 100))
"""Files drawn per fuzz test: a hundred here, each a few milliseconds; ``LITBACKPROP_EXAMPLES=5000`` hunts longer."""


def saved(tmp_path, seed=1, split_seed=7):
    net = lb.TwoLayerNet.initialize(5, 4, 3, seed=seed)
    return net, lb.save_weights(net, tmp_path / f"net{seed}", split_seed=split_seed)


def same_network(a, b):
    return a.parameters.keys() == b.parameters.keys() and all(
        np.array_equal(a.parameters[k], b.parameters[k]) and a.parameters[k].dtype == b.parameters[k].dtype
        for k in a.parameters
    )


def loads_the_same_or_names_the_file(path, net, split_seed=7):
    """The one acceptable outcome of reading a changed file: exactly what was saved, or a ValueError naming it."""
    try:
        loaded, seed = read_weights(path)
    except ValueError as error:
        assert str(path) in str(error), f"the error does not name the file: {error}"
        return "refused"
    assert seed == split_seed and same_network(loaded, net), "a changed file loaded a different network"
    return "same"


def test_every_single_byte_change_is_refused_or_loads_exactly_what_was_saved(tmp_path):
    net, path = saved(tmp_path)
    data = path.read_bytes()
    changed = tmp_path / "changed.npz"
    outcomes = []
    for i in range(len(data)):
        flipped = bytearray(data)
        flipped[i] ^= 0xFF
        changed.write_bytes(flipped)
        outcomes.append(loads_the_same_or_names_the_file(changed, net))
    assert outcomes.count("refused") > len(data) // 2, "most bytes are data or headers: changing one must be caught"


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    edits=st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), min_size=1, max_size=4),
    cut=st.one_of(st.none(), st.integers(0, 10**6)),
    insert=st.one_of(st.none(), st.tuples(st.integers(0, 10**6), st.binary(min_size=1, max_size=8))),
)
def test_a_fuzzed_file_is_refused_or_loads_exactly_what_was_saved(tmp_path, edits, cut, insert):
    net, path = saved(tmp_path)
    data = bytearray(path.read_bytes())
    for position, value in edits:
        data[position % len(data)] = value
    if insert is not None:
        position, extra = insert
        data[position % len(data) : position % len(data)] = extra
    if cut is not None:
        data = data[: cut % (len(data) + 1)]
    fuzzed = tmp_path / "fuzzed.npz"
    fuzzed.write_bytes(bytes(data))
    loads_the_same_or_names_the_file(fuzzed, net)


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=600), st.sampled_from([b"", b"PK\x03\x04", b"PK\x05\x06", b"\x93NUMPY"]))
def test_arbitrary_bytes_are_refused_with_a_value_error(tmp_path, data, prefix):
    path = tmp_path / "noise.npz"
    path.write_bytes(prefix + data)
    with pytest.raises(ValueError, match="noise.npz"):
        lb.load_weights(path)


def npy_bytes(array=None, header_shape=None):
    """The bytes of ``np.save(array)``, with the header's shape replaced by `header_shape` if given."""
    buffer = io.BytesIO()
    np.save(buffer, np.ones(3) if array is None else array)
    data = buffer.getvalue()
    if header_shape is not None:
        header_end = data.index(b"\n") + 1
        header = data[10:header_end].decode("latin1").replace("(3,)", repr(header_shape))
        header = header.rstrip("\n").ljust(header_end - 10 - 1) + "\n"
        data = data[:10] + header.encode("latin1") + data[header_end:]
    return data


def archive(path, members, compression=zipfile.ZIP_STORED):
    with zipfile.ZipFile(path, "w", compression) as z:
        for name, data in members:
            z.writestr(name, data)
    return path


def valid_members():
    return [
        ("litbackprop_format.npy", npy_bytes(np.array(2))),
        ("W1.npy", npy_bytes(np.ones((4, 5)))),
        ("W2.npy", npy_bytes(np.ones((3, 4)))),
        ("sha256.npy", npy_bytes(np.array("0" * 64))),
    ]


def test_a_huge_declared_shape_is_refused_before_anything_is_allocated(tmp_path):
    members = valid_members()
    members[1] = ("W1.npy", npy_bytes(np.ones(3), header_shape=(10**6, 10**6)))
    path = archive(tmp_path / "huge.npz", members)
    assert path.stat().st_size < 2000
    with pytest.raises(ValueError, match=r"huge.npz is corrupt: W1 declares shape \(1000000, 1000000\) \(8,000,000"):
        lb.load_weights(path)


def test_a_zip_bomb_is_refused_from_its_declared_size(tmp_path):
    members = valid_members()
    members[1] = ("W1.npy", npy_bytes(np.zeros(2**20)))  # 8 MiB of zeros compress to a few KiB
    path = archive(tmp_path / "bomb.npz", members, zipfile.ZIP_DEFLATED)
    assert path.stat().st_size < 100_000
    message = r"bomb.npz declares 8,3[0-9]{2},[0-9]{3} bytes of arrays, more than max_bytes=1,000,000"
    with pytest.raises(ValueError, match=message):
        lb.load_weights(path, max_bytes=1_000_000)


def test_a_compressed_member_is_refused(tmp_path):
    path = archive(tmp_path / "deflated.npz", valid_members(), zipfile.ZIP_DEFLATED)
    with pytest.raises(ValueError, match=r"deflated.npz is not a weights file save_weights wrote: .* compressed"):
        lb.load_weights(path)


def test_an_encrypted_member_is_refused(tmp_path):
    data = bytearray(archive(tmp_path / "locked.npz", valid_members()).read_bytes())
    for signature, flag_offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):  # local headers, directory entries
        start = data.find(signature)
        while start != -1:
            data[start + flag_offset] |= 0x1  # "encrypted": zipfile would ask for a password
            start = data.find(signature, start + 4)
    path = tmp_path / "locked.npz"
    path.write_bytes(bytes(data))
    with pytest.raises(ValueError, match=r"locked.npz is not a weights file save_weights wrote: .*encrypted"):
        lb.load_weights(path)


def test_a_file_larger_than_max_bytes_is_refused_unread(tmp_path):
    _, path = saved(tmp_path)
    with pytest.raises(ValueError, match=r"net1.npz is [0-9,]+ bytes, more than max_bytes=100; pass a larger"):
        lb.load_weights(path, max_bytes=100)


def test_a_duplicated_member_is_refused(tmp_path):
    members = valid_members() + [("W1.npy", npy_bytes(np.zeros((4, 5))))]
    with pytest.warns(UserWarning, match="Duplicate name"):
        path = archive(tmp_path / "twice.npz", members)
    with pytest.raises(ValueError, match=r"twice.npz is corrupt: it holds W1.npy more than once"):
        lb.load_weights(path)


def test_an_empty_archive_is_refused_naming_the_file(tmp_path):
    path = archive(tmp_path / "empty.npz", [])
    with pytest.raises(ValueError, match=r"empty.npz is not a litbackprop weights file: .*arrays found: none"):
        lb.load_weights(path)


def test_a_garbled_npy_header_is_refused(tmp_path):
    members = valid_members()
    members[1] = ("W1.npy", npy_bytes(np.ones((4, 5))).replace(b"'descr'", b"'descr\"", 1))
    path = archive(tmp_path / "garbled.npz", members)
    with pytest.raises(ValueError, match=r"garbled.npz is corrupt: the header of W1 cannot be read"):
        lb.load_weights(path)


@pytest.mark.parametrize(
    ("split_seed", "message"),
    [
        (2**70, "split_seed must be an integer in \\[0, 2\\*\\*64\\); got 1180591620717411303424"),
        (-3, "split_seed must be an integer in \\[0, 2\\*\\*64\\); got -3"),
        (1.7, "split_seed must be an integer in \\[0, 2\\*\\*64\\); got 1.7"),
    ],
)
def test_a_split_seed_that_is_not_a_seed_is_refused_when_saving(tmp_path, split_seed, message):
    with pytest.raises(ValueError, match=message):
        lb.save_weights(lb.TwoLayerNet.initialize(3, 2, 2), tmp_path / "w", split_seed=split_seed)
    assert not list(tmp_path.iterdir())


def test_the_largest_seed_round_trips(tmp_path):
    _, path = saved(tmp_path, split_seed=2**64 - 1)
    assert load_split_seed(path) == 2**64 - 1


WRITER = """
import sys
import litbackprop as lb
net = lb.TwoLayerNet.initialize(30, 20, 10, seed=int(sys.argv[2]))
for _ in range(int(sys.argv[3])):
    lb.save_weights(net, sys.argv[1])
"""


def test_concurrent_processes_leave_one_complete_file(tmp_path):
    path = tmp_path / "shared.npz"
    writers = [subprocess.Popen([sys.executable, "-c", WRITER, str(path), str(seed), "30"]) for seed in range(3)]
    reads = 0
    while any(writer.poll() is None for writer in writers):
        if path.exists():
            lb.load_weights(path)  # never a half-written file, whichever writer is mid-save
            reads += 1
    assert [writer.returncode for writer in writers] == [0, 0, 0]
    nets = [lb.TwoLayerNet.initialize(30, 20, 10, seed=seed) for seed in range(3)]
    assert any(same_network(lb.load_weights(path), net) for net in nets)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["shared.npz"], "a temporary file was left behind"


def test_concurrent_threads_leave_one_complete_file(tmp_path):
    path = tmp_path / "shared.npz"
    nets = [lb.TwoLayerNet.initialize(30, 20, 10, seed=seed) for seed in range(4)]
    errors = []

    def write(net):
        try:
            for _ in range(25):
                lb.save_weights(net, path)
                lb.load_weights(path)
        except Exception as error:  # noqa: BLE001 - the thread's failure is reported by the test
            errors.append(error)

    threads = [threading.Thread(target=write, args=(net,)) for net in nets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert any(same_network(lb.load_weights(path), net) for net in nets)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["shared.npz"]


def test_a_link_at_the_destination_is_replaced_not_written_through(tmp_path):
    target = tmp_path / "precious.txt"
    target.write_text("keep me")
    (tmp_path / "w.npz").symlink_to(target)
    net, _ = saved(tmp_path)
    lb.save_weights(net, tmp_path / "w.npz")
    assert target.read_text() == "keep me"
    assert not (tmp_path / "w.npz").is_symlink()
    assert same_network(lb.load_weights(tmp_path / "w.npz"), net)


def test_a_link_planted_at_the_temporary_name_is_never_followed(tmp_path, monkeypatch):
    target = tmp_path / "precious.txt"
    target.write_text("keep me")
    tokens = iter(["planted", "fresh"])
    monkeypatch.setattr("litbackprop.app.saving.secrets.token_hex", lambda n: next(tokens))
    (tmp_path / ".litbackprop-save-planted.tmp").symlink_to(target)
    net = lb.TwoLayerNet.initialize(5, 4, 3)
    lb.save_weights(net, tmp_path / "w")
    assert target.read_text() == "keep me"
    assert same_network(lb.load_weights(tmp_path / "w.npz"), net)


def test_an_existing_file_keeps_its_mode(tmp_path):
    net, path = saved(tmp_path)
    path.chmod(0o640)
    lb.save_weights(net, path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o640


def test_a_new_file_gets_the_mode_the_umask_allows(tmp_path):
    umask = os.umask(0o027)
    try:
        _, path = saved(tmp_path)
    finally:
        os.umask(umask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o640


def test_a_long_file_name_works(tmp_path):
    net = lb.TwoLayerNet.initialize(5, 4, 3)
    path = lb.save_weights(net, tmp_path / ("n" * 251))  # 255 bytes with .npz, the most most file systems allow
    assert len(path.name) == 255
    assert same_network(lb.load_weights(path), net)


def test_saving_onto_a_folder_named_without_the_suffix_is_refused(tmp_path):
    with pytest.raises(ValueError, match=r"path must name a file to write; .* is a directory"):
        lb.save_weights(lb.TwoLayerNet.initialize(3, 2, 2), tmp_path)
    assert not tmp_path.with_name(tmp_path.name + ".npz").exists()


@pytest.mark.parametrize("path", ["out/", "out/.", "out/.."])
def test_saving_to_a_path_that_names_a_folder_that_does_not_exist_is_refused(tmp_path, monkeypatch, path):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ValueError, match=rf"path must name a file to write; '{re.escape(path)}' names a folder"):
        lb.save_weights(lb.TwoLayerNet.initialize(3, 2, 2), path)
    assert list(tmp_path.iterdir()) == []


def test_loading_from_an_empty_path_is_refused_as_a_read():
    with pytest.raises(ValueError, match=r"path must name a weights file to read; got ''"):
        lb.load_weights("")


@pytest.mark.parametrize("path", [b"net.npz", None, 3])
@pytest.mark.parametrize(
    "use", [lb.load_weights, lambda path: lb.save_weights(lb.TwoLayerNet.initialize(3, 2, 2), path)]
)
def test_a_path_that_is_no_str_or_path_gets_one_message_when_loading_and_saving(path, use):
    with pytest.raises(ValueError, match=rf"path must be a str or a path; got {type(path).__name__}"):
        use(path)


def test_saving_to_an_empty_path_is_refused():
    with pytest.raises(ValueError, match=r"path must name a file to write; got ''"):
        lb.save_weights(lb.TwoLayerNet.initialize(3, 2, 2), "")


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    member=st.sampled_from(["W1.npy", "W2.npy", "b1.npy", "litbackprop_format.npy", "split_seed.npy", "sha256.npy"]),
    edits=st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), min_size=1, max_size=3),
    header_only=st.booleans(),
)
def test_a_fuzzed_member_inside_a_valid_archive_is_refused_or_loads_the_same(tmp_path, member, edits, header_only):
    # Flipped bytes in a member mostly meet the zip's CRC first; rewritten with valid CRCs, the
    # fuzzed member reaches the .npy parser and the checksum.
    net, path = saved(tmp_path)
    with zipfile.ZipFile(path) as z:
        members = [(info.filename, z.read(info)) for info in z.infolist()]
    name, data = next((n, bytearray(d)) for n, d in members if n == member)
    span = data.index(b"\n") + 1 if header_only else len(data)
    for position, value in edits:
        data[position % span] = value
    fuzzed = archive(tmp_path / "fuzzed.npz", [(n, bytes(data) if n == name else d) for n, d in members])
    loads_the_same_or_names_the_file(fuzzed, net)


def raw_npy(shape, data: bytes, descr="<f8") -> bytes:
    """A .npy file with a hand-written header, whatever shape it declares."""
    header = repr({"descr": descr, "fortran_order": False, "shape": shape}).encode()
    header += b" " * (63 - (10 + len(header)) % 64) + b"\n"
    return b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header + data


@pytest.mark.parametrize(
    ("shape", "data"),
    [((-1, -12), bytes(96)), ((True, 12), bytes(96)), ((2**62, 0), b""), ((2**63 - 1, 2**63 - 1, 0), b"")],
    ids=["negative", "bool", "too-big-empty", "huge-empty"],
)
def test_a_declared_shape_that_is_no_size_is_refused_naming_the_file(tmp_path, shape, data):
    members = valid_members()
    members[1] = ("W1.npy", raw_npy(shape, data))
    path = archive(tmp_path / "shape.npz", members)
    with pytest.raises(ValueError, match=r"shape.npz is corrupt: W1 declares shape"):
        lb.load_weights(path)


@pytest.mark.parametrize("dtype", [np.float16, np.longdouble], ids=["float16", "longdouble"])
def test_parameters_save_weights_cannot_write_are_refused_when_saving(tmp_path, dtype):
    net = lb.TwoLayerNet.initialize(3, 4, 2)
    net = lb.TwoLayerNet(net.W1.astype(dtype), net.W2.astype(dtype))
    with pytest.raises(
        ValueError, match=rf"save_weights writes float32 or float64 parameters; W1 is {np.dtype(dtype)}"
    ):
        lb.save_weights(net, tmp_path / "w")
    assert not list(tmp_path.iterdir())


def test_big_endian_parameters_are_saved_little_endian_with_the_same_values(tmp_path):
    net = lb.TwoLayerNet.initialize(3, 4, 2, biases=False)
    swapped = lb.TwoLayerNet(net.W1.astype(">f8"), net.W2.astype(">f8"))
    loaded = lb.load_weights(lb.save_weights(swapped, tmp_path / "w"))
    assert same_network(loaded, net)


def test_an_archive_of_thousands_of_members_is_refused_at_once(tmp_path):
    members = valid_members() + [(str(i), b"") for i in range(2_000)]
    path = archive(tmp_path / "many.npz", members)
    with pytest.raises(ValueError, match=r"many.npz is not a weights file: it holds 2,004 members, at most 7 are"):
        lb.load_weights(path)


def test_two_files_back_to_back_are_refused_not_read_as_the_second(tmp_path):
    _, first = saved(tmp_path, seed=1)
    _, second = saved(tmp_path, seed=2)
    both = tmp_path / "both.npz"
    both.write_bytes(first.read_bytes() + second.read_bytes())
    with pytest.raises(ValueError, match=r"both.npz is corrupt: its archive does not start at the start of the file"):
        lb.load_weights(both)


def test_bytes_before_the_archive_are_refused(tmp_path):
    _, path = saved(tmp_path)
    path.write_bytes(b"#!/bin/sh\n" + path.read_bytes())
    with pytest.raises(ValueError, match=r"is corrupt: its archive does not start at the start of the file"):
        lb.load_weights(path)
