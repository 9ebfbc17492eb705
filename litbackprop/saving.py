"""Saving a `TwoLayerNet`'s parameters to a ``.npz`` file and loading them back, without pickle.

A file holds the arrays ``W1``, ``W2`` (and ``b1``, ``b2`` when the network
has biases) and a format marker. Loading reads and checks every array before
it builds the network, so a bad file never yields half-loaded weights.
"""

from __future__ import annotations

import os
import zipfile
import zlib
from pathlib import Path

import numpy as np

from litbackprop._checks import check_seed
from litbackprop.network import TwoLayerNet

FORMAT_KEY = "litbackprop_format"
FORMAT_VERSION = 1
SPLIT_SEED_KEY = "split_seed"
_REQUIRED = ("W1", "W2")
_OPTIONAL = ("b1", "b2")


def save_weights(net: TwoLayerNet, path, split_seed: int | None = None) -> Path:
    """Write the parameters of `net` to `path` (``.npz`` is appended if missing); return the path written.

    The file is written beside its destination and moved into place, so an
    interrupted save leaves any earlier file intact. `split_seed`, when given,
    records which data split the network was trained on (the command line
    uses it to refuse scoring a network on images it has seen).

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
    if not isinstance(net, TwoLayerNet):
        raise ValueError(f"net must be a TwoLayerNet; got {type(net).__name__}")
    net.check_parameters()  # never write a file that load_weights would refuse
    path = writable_weights_path(path)
    arrays = {FORMAT_KEY: np.array(FORMAT_VERSION), **net.parameters}
    if split_seed is not None:
        arrays[SPLIT_SEED_KEY] = np.array(check_seed(split_seed))
    partial = path.with_name(path.name + ".partial")
    try:
        with open(partial, "wb") as file:
            np.savez(file, **arrays)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    return path


def load_weights(path) -> TwoLayerNet:
    """Read a file written by `save_weights` and return the network it holds.

    Raises
    ------
    FileNotFoundError
        No file at `path`.
    ValueError
        The file is truncated or corrupt, is not a litbackprop weights file,
        or holds arrays that do not make a network; the message names the file.
    """
    net, _ = read_weights(path)
    return net


def load_split_seed(path) -> int | None:
    """The `split_seed` a weights file was saved with, or None when it records none."""
    _, seed = read_weights(path)
    return seed


def read_weights(path) -> tuple[TwoLayerNet, int | None]:
    """Read a file written by `save_weights`: the network, and the split seed it records (or None).

    Raises as `load_weights` does.
    """
    path = Path(path)
    if not path.is_file():
        hint = f" (did you mean {path.name}.npz?)" if weights_path(path).is_file() and path.suffix != ".npz" else ""
        raise FileNotFoundError(f"no weights file at {path}{hint}")
    try:
        # np.load is given an open file: given a path, it leaks the handle when the archive is corrupt
        with open(path, "rb") as file:
            archive = np.load(file, allow_pickle=False)
            if not isinstance(archive, np.lib.npyio.NpzFile):
                raise ValueError(f"it holds a single {type(archive).__name__}, not an .npz archive of arrays")
            with archive:
                arrays = {name: archive[name] for name in archive.files}
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError) as error:
        reason = str(error)
        if "pickle" in reason:  # numpy's message suggests loading it unsafely: litbackprop never does
            reason = "it is not an .npz archive, or it holds pickled objects, which litbackprop never loads"
        raise ValueError(f"{path} is not a readable .npz weights file: {reason}") from None
    if FORMAT_KEY not in arrays:
        raise ValueError(
            f"{path} is not a litbackprop weights file: it has no {FORMAT_KEY!r} marker "
            f"(arrays found: {', '.join(sorted(arrays)) or 'none'})"
        )
    if arrays.pop(FORMAT_KEY).item() != FORMAT_VERSION:
        raise ValueError(f"{path} was written in a format this version cannot read (expected {FORMAT_VERSION})")
    seed = arrays.pop(SPLIT_SEED_KEY, None)
    missing = [name for name in _REQUIRED if name not in arrays]
    unknown = sorted(set(arrays) - set(_REQUIRED) - set(_OPTIONAL))
    if missing or unknown:
        problems = ([f"missing {', '.join(missing)}"] if missing else []) + (
            [f"unexpected {', '.join(unknown)}"] if unknown else []
        )
        raise ValueError(f"{path} does not hold a TwoLayerNet: " + "; ".join(problems))
    try:
        net = TwoLayerNet(**arrays)
    except ValueError as error:
        raise ValueError(f"{path} does not hold a valid TwoLayerNet: {error}") from None
    return net, None if seed is None else int(seed)


def writable_weights_path(path) -> Path:
    """`path` as `save_weights` writes it, if it names a file in an existing folder; else an error saying why."""
    path = weights_path(path)
    if path.is_dir():
        raise ValueError(f"path must name a file to write; {path} is a directory")
    if not path.parent.is_dir():
        raise FileNotFoundError(f"cannot write {path}: the folder {path.parent} does not exist")
    return path


def weights_path(path) -> Path:
    """`path` as `save_weights` writes it: with ``.npz`` appended if it has another suffix."""
    path = Path(path)
    if path.name in ("", ".", ".."):
        raise ValueError(f"path must name a file to write; got {str(path)!r}")
    return path if path.suffix == ".npz" else path.with_name(path.name + ".npz")
