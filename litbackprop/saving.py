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

from litbackprop.network import TwoLayerNet

FORMAT_KEY = "litbackprop_format"
FORMAT_VERSION = 1
_REQUIRED = ("W1", "W2")
_OPTIONAL = ("b1", "b2")


def save_weights(net: TwoLayerNet, path) -> Path:
    """Write the parameters of `net` to `path` (``.npz`` is appended if missing); return the path written.

    The file is written beside its destination and moved into place, so an
    interrupted save leaves any earlier file intact.

    Examples
    --------
    >>> import tempfile, numpy as np
    >>> net = TwoLayerNet.initialize(4, 3, 2, seed=0)
    >>> path = save_weights(net, Path(tempfile.mkdtemp()) / "net")
    >>> path.name
    'net.npz'
    >>> bool(np.array_equal(load_weights(path).W1, net.W1))
    True
    """
    if not isinstance(net, TwoLayerNet):
        raise ValueError(f"net must be a TwoLayerNet; got {type(net).__name__}")
    path = Path(path)
    if path.suffix != ".npz":
        path = path.with_name(path.name + ".npz")
    arrays = {FORMAT_KEY: np.array(FORMAT_VERSION), **net.parameters}
    partial = path.with_name(path.name + ".partial")
    with open(partial, "wb") as file:
        np.savez(file, **arrays)
    os.replace(partial, path)
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
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no weights file at {path}")
    try:
        # np.load is given an open file: given a path, it leaks the handle when the archive is corrupt
        with open(path, "rb") as file, np.load(file, allow_pickle=False) as archive:
            arrays = {name: archive[name] for name in archive.files}
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError) as error:
        raise ValueError(f"{path} is not a readable .npz weights file: {error}") from None
    if FORMAT_KEY not in arrays:
        raise ValueError(
            f"{path} is not a litbackprop weights file: it has no {FORMAT_KEY!r} marker "
            f"(arrays found: {', '.join(sorted(arrays)) or 'none'})"
        )
    if arrays.pop(FORMAT_KEY).item() != FORMAT_VERSION:
        raise ValueError(f"{path} was written in a format this version cannot read (expected {FORMAT_VERSION})")
    missing = [name for name in _REQUIRED if name not in arrays]
    unknown = sorted(set(arrays) - set(_REQUIRED) - set(_OPTIONAL))
    if missing or unknown:
        raise ValueError(
            f"{path} does not hold a TwoLayerNet: "
            + "; ".join(
                part
                for part in (
                    f"missing {', '.join(missing)}" if missing else "",
                    f"unexpected {', '.join(unknown)}" if unknown else "",
                )
                if part
            )
        )
    try:
        return TwoLayerNet(**arrays)
    except ValueError as error:
        raise ValueError(f"{path} does not hold a valid TwoLayerNet: {error}") from None
