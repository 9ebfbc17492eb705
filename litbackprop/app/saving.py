"""Saving a `TwoLayerNet`'s parameters to a ``.npz`` file and loading them back, without pickle.

A file is a zip archive of ``.npy`` members, as `numpy.savez` writes it:
``W1``, ``W2`` (and ``b1``, ``b2`` when the network has biases), a format
marker, the split seed when one is recorded, and a SHA-256 checksum of all of
them. Loading is strict, because a weights file that loads a *different*
network without an error is worse than one that does not load:

- the archive must hold exactly these members, each once, stored uncompressed
  (as `save_weights` writes them), within `max_bytes`, which is checked from
  the sizes the archive declares before anything is read or allocated;
- each member is parsed here, not by ``np.load``: its dtype must be the one
  expected and its declared shape must match its bytes exactly;
- the checksum must match the content, so a changed byte anywhere is an error.

The checksum guards against damage (a truncated copy, a flipped bit, a file
half-written), not tampering: it has no key, so anyone who edits a file can
compute a new checksum for it. Load weights only from a source you trust.

Every malformed file is a ``ValueError`` that names it; a missing one is a
``FileNotFoundError``. Saving writes a uniquely named file beside the
destination and moves it into place, so concurrent writers leave one complete
file and an interrupted save leaves the earlier file intact; the temporary file
of a save killed halfway is removed by the next save beside it.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import math
import os
import re
import secrets
import stat
import time
import zipfile
from collections import Counter
from pathlib import Path

import numpy as np

from litbackprop._checks import Integer, Optional, Seed, checked
from litbackprop.network import TwoLayerNet, _Network

FORMAT_KEY = "litbackprop_format"
FORMAT_VERSION = 2
SPLIT_SEED_KEY = "split_seed"
CHECKSUM_KEY = "sha256"
MAX_BYTES = 256 * 2**20
"""The largest file `load_weights` reads by default: 256 MiB, a network of 33 million float64 parameters."""

_PARAMETER_DTYPES = ("<f4", "<f8")
_MEMBER_DTYPES = {
    FORMAT_KEY: ("<i8",),
    SPLIT_SEED_KEY: ("<i8", "<u8"),
    CHECKSUM_KEY: ("<U64",),
    **dict.fromkeys(("W1", "W2", "b1", "b2"), _PARAMETER_DTYPES),
}
_SCALARS = (FORMAT_KEY, SPLIT_SEED_KEY, CHECKSUM_KEY)


class _Saveable(_Network):
    """A network that `load_weights` would read back: its checks passed, its parameters float32 or float64."""

    def check(self, name, net, arguments):
        net = super().check(name, net, arguments)
        for parameter, value in net.parameters.items():
            if value.dtype.kind != "f" or value.dtype.itemsize not in (4, 8):
                raise ValueError(
                    f"save_weights writes float32 or float64 parameters; {parameter} is {value.dtype} "
                    "(convert the network with astype first)"
                )
        return net

    def refused(self, name, arguments):
        yield from super().refused(name, arguments)
        net = arguments[name]
        yield TwoLayerNet(net.W1.astype(np.float16), net.W2.astype(np.float16))


@checked(net=_Saveable(), split_seed=Optional(Seed()))
def save_weights(net: TwoLayerNet, path, split_seed: int | None = None) -> Path:
    """Write the parameters of `net` to `path` (``.npz`` is appended if missing); return the path written.

    The file is written under a unique name in the destination's folder,
    flushed to disk, and then moved into place: an interrupted save leaves any
    earlier file intact, concurrent saves to one path leave one complete file,
    an existing file keeps its permissions, and a symbolic link at `path` is
    replaced, never written through. `split_seed`, when given, records which
    data split the network was trained on (the command line uses it to refuse
    scoring a network on images it has seen).

    Parameters
    ----------
    net : TwoLayerNet
        The network whose parameters are written.
    path : str or os.PathLike
        Where to write; ``.npz`` is appended if missing.
    split_seed : int, optional
        The seed of the data split the network was trained on.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> import numpy as np
    >>> from litbackprop import TwoLayerNet, load_weights, save_weights
    >>> net = TwoLayerNet.initialize(4, 3, 2, seed=0)
    >>> path = save_weights(net, Path(tempfile.mkdtemp()) / "net")
    >>> path.name
    'net.npz'
    >>> bool(np.array_equal(load_weights(path).W1, net.W1))
    True
    """
    arrays = {FORMAT_KEY: np.array(FORMAT_VERSION, dtype="<i8")}
    for name, value in net.parameters.items():
        arrays[name] = value.astype(value.dtype.newbyteorder("<"), copy=False)  # the file is little-endian
    if split_seed is not None:
        arrays[SPLIT_SEED_KEY] = np.array(split_seed, dtype="<u8")
    arrays[CHECKSUM_KEY] = np.array(checksum(arrays), dtype="<U64")
    path = writable_weights_path(path)
    try:
        _write_atomically(path, lambda file: np.savez(file, **arrays))
    except OSError as error:  # name the destination, not the temporary file beside it
        raise OSError(error.errno, f"cannot write {path}: {error.strerror or error}") from None
    return path


def _write_atomically(path: Path, write) -> None:
    """Call ``write(file)`` on a new file beside `path`, then move it onto `path`."""
    try:
        mode = os.lstat(path).st_mode
        keep_mode = stat.S_IMODE(mode) if stat.S_ISREG(mode) else None
    except FileNotFoundError:
        keep_mode = None
    _remove_abandoned(path.parent)
    while True:  # mode 0o666 lets the umask decide a new file's permissions, as open() does
        temporary = path.with_name(_temporary_name())
        try:
            descriptor = os.open(temporary, _NEW_FILE, 0o666)
            break
        except FileExistsError:
            continue
    try:
        with os.fdopen(descriptor, "wb") as file:
            write(file)
            file.flush()
            os.fsync(file.fileno())
        if keep_mode is not None:
            os.chmod(temporary, keep_mode)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    _sync_folder(path.parent)


# O_EXCL | O_NOFOLLOW: a name another writer (or a planted link) already holds is never opened.
_NEW_FILE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
_TEMPORARY = re.compile(r"^\.litbackprop-save-(\d+)-[0-9a-f]{16}\.tmp$")
ABANDONED_AFTER = 60.0
"""Seconds after which the temporary file of a save whose process has died is removed by the next save beside it."""


def _temporary_name() -> str:
    """A new temporary file's name: the process's id, so that a save killed halfway can be told from a live one."""
    return f".litbackprop-save-{os.getpid()}-{secrets.token_hex(8)}.tmp"


def _remove_abandoned(folder: Path) -> None:
    """Remove the temporary files that saves killed halfway (kill -9, a power cut) left in `folder`.

    One is abandoned when the process named in it is gone and it has not changed for `ABANDONED_AFTER`
    seconds (the time keeps a live writer's file safe where process ids are another host's, as on NFS).
    """
    try:
        names = [entry for entry in os.scandir(folder) if _TEMPORARY.match(entry.name)]
    except OSError:
        return
    for entry in names:
        pid = int(_TEMPORARY.match(entry.name)[1])
        try:
            if pid == os.getpid() or time.time() - entry.stat(follow_symlinks=False).st_mtime < ABANDONED_AFTER:
                continue
            os.kill(pid, 0)  # raises when no such process exists
        except ProcessLookupError:
            with contextlib.suppress(OSError):
                os.unlink(entry.path)
        except OSError:  # alive but another user's (PermissionError), or the file went: leave it
            continue


def _sync_folder(folder: Path) -> None:
    """Flush the folder's entry for a file just moved into it (POSIX; a no-op where folders cannot be opened)."""
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)


def checksum(arrays: dict[str, np.ndarray]) -> str:
    """SHA-256, in hex, of every array's name, dtype, shape and values, in name order (the checksum itself excluded).

    Parameters
    ----------
    arrays : dict of str to numpy.ndarray
        The members of a weights file, by name.

    Examples
    --------
    >>> import numpy as np
    >>> checksum({"W1": np.zeros((2, 2))}) == checksum({"W1": np.zeros((2, 2))})
    True
    >>> checksum({"W1": np.zeros((2, 2))}) == checksum({"W1": np.zeros((1, 4))})
    False
    """
    digest = hashlib.sha256()
    for name in sorted(set(arrays) - {CHECKSUM_KEY}):
        array = np.ascontiguousarray(arrays[name])
        digest.update(f"{name}\0{array.dtype.str}\0{array.shape}\0".encode())
        digest.update(array.tobytes() if array.dtype.kind == "U" or array.size == 0 else memoryview(array).cast("B"))
    return digest.hexdigest()


def load_weights(path, *, max_bytes: int = MAX_BYTES) -> TwoLayerNet:
    """Read a file written by `save_weights` and return the network it holds.

    Parameters
    ----------
    path : str or os.PathLike
    max_bytes : int, default 256 MiB
        The largest file, and the most data, read. Checked before anything is
        read, so a file that declares a huge array costs nothing.

    Raises
    ------
    FileNotFoundError
        No file at `path`.
    ValueError
        The file is truncated, corrupt or too large, is not a litbackprop
        weights file, or holds arrays that do not make a network; the message
        names the file.

    Notes
    -----
    The file's SHA-256 checksum guards against damage, not tampering: it has
    no key, so an edited file can carry a checksum recomputed for it.
    """
    net, _ = read_weights(path, max_bytes=max_bytes)
    return net


def load_split_seed(path, *, max_bytes: int = MAX_BYTES) -> int | None:
    """The `split_seed` a weights file was saved with, or None when it records none.

    Parameters
    ----------
    path : str or os.PathLike
        The weights file.
    max_bytes : int, default MAX_BYTES
        The largest file read: a larger one is refused before it is read.
    """
    _, seed = read_weights(path, max_bytes=max_bytes)
    return seed


def read_weights(path, *, max_bytes: int = MAX_BYTES) -> tuple[TwoLayerNet, int | None]:
    """Read a file written by `save_weights`: the network, and the split seed it records (or None).

    Raises as `load_weights` does.

    Parameters
    ----------
    path : str or os.PathLike
        The weights file.
    max_bytes : int, default MAX_BYTES
        The largest file read: a larger one is refused before it is read.
    """
    max_bytes = Integer(1).check("max_bytes", max_bytes)
    if not os.fspath(_checked_path(path)):
        raise ValueError(f"path must name a weights file to read; got {path!r}")
    path = Path(path)
    if not path.is_file():
        named = path.name not in ("", "..") and path.suffix != ".npz"  # a name .npz can be appended to
        hint = f" (did you mean {path.name}.npz?)" if named and _is_file(weights_path(path)) else ""
        raise FileNotFoundError(f"no weights file at {path}{hint}")
    with open(path, "rb") as file:
        arrays = _read_members(path, file, max_bytes)
    if arrays.pop(CHECKSUM_KEY).item() != checksum(arrays):
        raise ValueError(f"{path} is corrupt: its content does not match the checksum it was saved with")
    del arrays[FORMAT_KEY]
    seed = arrays.pop(SPLIT_SEED_KEY, None)
    try:
        net = TwoLayerNet(**arrays)
    except ValueError as error:
        raise ValueError(f"{path} does not hold a valid TwoLayerNet: {error}") from None
    return net, None if seed is None else Seed().check(f"the split seed in {path}", seed.item())


def _read_members(path: Path, file, max_bytes: int) -> dict:
    """Every member of the archive in `file`, checked; parameters as arrays, scalars as Python values."""
    size = os.fstat(file.fileno()).st_size
    if size > max_bytes:
        raise ValueError(f"{path} is {size:,} bytes, more than max_bytes={max_bytes:,}; pass a larger max_bytes")
    if file.read(6) == b"\x93NUMPY":
        raise ValueError(f"{path} is not a readable .npz weights file: it holds a single array (.npy), not an archive")
    try:
        archive = zipfile.ZipFile(file)
    except Exception as error:  # zipfile raises many kinds on malformed input; each means "not an archive"
        raise ValueError(f"{path} is not a readable .npz weights file: {_reason(error)}") from None
    with archive:
        members = archive.infolist()
        if len(members) > len(_MEMBER_DTYPES) + 1:  # one more than the legal members: a duplicate is named below
            raise ValueError(f"{path} is not a weights file: it holds {len(members):,} members, at most 7 are")
        if members and min(info.header_offset for info in members) != 0:  # an empty archive is named below
            raise ValueError(f"{path} is corrupt: its archive does not start at the start of the file")
        names = [info.filename for info in members]
        keys = [name.removesuffix(".npy") for name in names]
        if FORMAT_KEY not in keys:
            raise ValueError(
                f"{path} is not a litbackprop weights file: it has no {FORMAT_KEY!r} marker "
                f"(arrays found: {', '.join(sorted(keys)) or 'none'})"
            )
        twice = sorted(name for name, count in Counter(names).items() if count > 1)
        if twice:
            raise ValueError(f"{path} is corrupt: it holds {', '.join(twice)} more than once")
        declared = sum(info.file_size for info in members)
        if declared > max_bytes:
            raise ValueError(f"{path} declares {declared:,} bytes of arrays, more than max_bytes={max_bytes:,}")

        def read(key: str, info: zipfile.ZipInfo):
            if info.flag_bits & 0x1 or info.compress_type != zipfile.ZIP_STORED:
                raise ValueError(
                    f"{path} is not a weights file save_weights wrote: {info.filename} is compressed or encrypted"
                )
            try:
                with archive.open(info) as member:
                    data = member.read(max_bytes + 1)
            except Exception as error:  # a bad CRC, a header that disagrees with the directory, a truncated file...
                raise ValueError(f"{path} is not a readable .npz weights file: {_reason(error)}") from None
            return _parse_npy(path, key, data)

        by_key = dict(zip(keys, members, strict=True))
        arrays = {FORMAT_KEY: read(FORMAT_KEY, by_key.pop(FORMAT_KEY))}
        _check_format(path, arrays[FORMAT_KEY].item())  # first, so an old file is named as one
        _check_member_names(path, names, keys)
        return arrays | {key: read(key, info) for key, info in by_key.items()}


def _check_member_names(path: Path, names: list[str], keys: list[str]) -> None:
    required = {FORMAT_KEY, CHECKSUM_KEY, "W1", "W2"}
    allowed = required | {SPLIT_SEED_KEY, "b1", "b2"}
    missing = sorted(required - set(keys))
    unknown = sorted(set(names) - {key + ".npy" for key in allowed})
    if missing or unknown:
        problems = ([f"missing {', '.join(missing)}"] if missing else []) + (
            [f"unexpected {', '.join(unknown)}"] if unknown else []
        )
        raise ValueError(f"{path} does not hold a TwoLayerNet: " + "; ".join(problems))


def _parse_npy(path: Path, key: str, data: bytes):
    """The array in the ``.npy`` bytes `data`, refused unless its dtype is one `key` may have and its size fits."""
    stream = io.BytesIO(data)
    try:
        version = np.lib.format.read_magic(stream)
        read_header = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
        shape, fortran_order, dtype = read_header(stream, max_header_size=1024)
    except Exception as error:  # numpy's header parser raises ValueError, SyntaxError, TokenError, ...
        raise ValueError(f"{path} is corrupt: the header of {key} cannot be read ({_reason(error)})") from None
    if not (isinstance(shape, tuple) and all(type(n) is int and 0 <= n < 2**63 for n in shape)):
        raise ValueError(f"{path} is corrupt: {key} declares shape {shape!r}, not a tuple of sizes")
    if dtype.str not in _MEMBER_DTYPES[key]:
        raise ValueError(f"{path} is corrupt: {key} has dtype {dtype}, expected {' or '.join(_MEMBER_DTYPES[key])}")
    count = math.prod(shape)
    if count * dtype.itemsize != len(data) - stream.tell():
        raise ValueError(
            f"{path} is corrupt: {key} declares shape {shape} ({count * dtype.itemsize:,} bytes) but holds "
            f"{len(data) - stream.tell():,} bytes"
        )
    if key in _SCALARS and shape != ():
        raise ValueError(f"{path} is corrupt: {key} must be a single value; got shape {shape}")
    try:
        array = np.frombuffer(data, dtype, count, stream.tell()).reshape(shape, order="F" if fortran_order else "C")
    except ValueError as error:  # a size numpy cannot index, however few bytes it has
        raise ValueError(f"{path} is corrupt: {key} declares shape {shape}: {error}") from None
    return np.array(array, order="C")  # a writable copy, not a view of data


def _check_format(path: Path, version: int) -> None:
    if version != FORMAT_VERSION:
        older = " (format 1 had no checksum: load it with litbackprop 0.1 and save it again)" if version == 1 else ""
        raise ValueError(f"{path} is in format {version}; this version reads format {FORMAT_VERSION}{older}")


def _reason(error: Exception) -> str:
    return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__


def writable_weights_path(path) -> Path:
    """`path` as `save_weights` writes it, if it names a file in an existing folder; else an error saying why.

    Parameters
    ----------
    path : str or os.PathLike
        Where the weights are to be written.
    """
    text = os.fspath(_checked_path(path))
    if text not in ("", ".", "..") and Path(text).is_dir():  # /tmp would be written as /tmp.npz
        raise ValueError(f"path must name a file to write; {text} is a directory")
    written = weights_path(path)
    _check_name_length(written, path)  # .npz appended may take a name past the limit
    if written.is_dir():
        raise ValueError(f"path must name a file to write; {written} is a directory")
    if not written.parent.is_dir():
        raise FileNotFoundError(f"cannot write {written}: the folder {written.parent} does not exist")
    probe = written.with_name(_temporary_name())
    try:  # a folder that cannot be written fails now, not after the work whose result it was to hold
        os.close(os.open(probe, _NEW_FILE, 0o666))
        os.unlink(probe)
    except OSError as error:
        raise OSError(error.errno, f"cannot write {written}: {error.strerror or error}") from None
    return written


def _is_file(path: Path) -> bool:
    try:
        return path.is_file()
    except OSError:  # a name too long once .npz is appended, say: no such file
        return False


def _name_max(folder: Path) -> int:
    """The longest file name, in bytes, the file system of `folder` allows (255 where it cannot say)."""
    try:
        return os.pathconf(folder, "PC_NAME_MAX")
    except (OSError, ValueError, AttributeError):
        return 255


def weights_path(path) -> Path:
    """`path` as `save_weights` writes it: with ``.npz`` appended if it has another suffix.

    Parameters
    ----------
    path : str or os.PathLike
        Where the weights are to be written.
    """
    text = os.fspath(_checked_path(path))
    if text in ("", ".", ".."):
        raise ValueError(f"path must name a file to write; got {text!r}")
    if os.path.basename(text) in ("", ".", ".."):  # out/ or out/.: Path() would drop the end, and name a file
        raise ValueError(f"path must name a file to write; {text!r} names a folder")
    path = Path(text)
    return path if path.suffix == ".npz" else path.with_name(path.name + ".npz")


def _checked_path(path):
    """`path` if it is a str or a path object; bytes, numbers and the rest are refused with one message."""
    if not isinstance(path, (str, os.PathLike)) or not isinstance(os.fspath(path), str):
        raise ValueError(f"path must be a str or a path; got {type(path).__name__}")
    if "\0" in os.fspath(path):
        raise ValueError(f"path must not hold a NUL character, which no file name can; got {os.fspath(path)!r}")
    _check_name_length(Path(path), path)
    return path


def _check_name_length(name: Path, path) -> None:
    """Raise ``ValueError`` when the file name of `name` is longer than its folder's file system allows."""
    try:
        longest = _name_max(name.parent if name.parent.is_dir() else Path("."))
    except OSError:  # a folder in the path is itself too long a name: the file system's usual limit
        longest = 255
    length = len(os.fsencode(name.name))
    if length > longest:
        raise ValueError(
            f"path's file name is {length} bytes long, and the file system allows at most {longest}; "
            f"got {os.fspath(path)!r}"
        )
