"""Saving and loading state dicts (a model's, an optimizer's, or a dict of them) as .npz files.

The format is numpy's zip of arrays plus one entry, ``__retrograd__``, a JSON manifest that
records the version and the structure (dicts, lists, numbers, strings) around the arrays, with
each array's shape and dtype. Each array is stored under a numbered key that carries its name
(``0:fc1.weight``, ``7:optimizer/state/0/exp_avg``), so ``numpy.load`` shows the names and no
two can collide.

Loading never runs code and never trusts the file: only regular files are opened (a FIFO or a
device is refused at once), only the members the manifest names are read, and each is checked
against the shape and dtype it declares before its data is decompressed, so an extra or lying
member cannot make ``load`` read more than the checkpoint holds. Arrays of Python objects
(pickles) are refused. Every failure is a ``CheckpointError`` naming the file and the reason.

Writing goes through ``autograd.files.atomic_write``: a crash never leaves a truncated
checkpoint, nor (after the next save to that folder) a temporary file; a file keeps its mode,
and a symlink is written through to its target.
"""

from __future__ import annotations

import io
import json
import math
import os
import pickletools
import stat
import zipfile
from collections import OrderedDict
from typing import Any, BinaryIO

import numpy as np

from autograd import Tensor, Value
from autograd.files import atomic_write, file_kind

FORMAT = "retrograd-state"
VERSION = 1
_MANIFEST = "__retrograd__"
_MAX_DEPTH = 100  # nesting of dicts and lists; a state dict needs about 5
_MAX_MANIFEST_CHARS = 1 << 24
_CHUNK = 1 << 20


class CheckpointError(ValueError):
    """A file ``nn.load`` cannot load: missing, not a regular file, not a retrograd checkpoint
    (text, an image, a pickle, a PyTorch file), damaged, or from a newer retrograd. The message
    names the file and the reason. A missing file's error is also a FileNotFoundError."""


class _MissingCheckpoint(CheckpointError, FileNotFoundError):
    """CheckpointError for a file that does not exist (``except FileNotFoundError`` works)."""


# -- saving -------------------------------------------------------------------------------------


def save(obj: Any, path: str | os.PathLike) -> None:
    """Write ``obj`` (a state dict, or nested dicts/lists of arrays, Tensors and plain values)
    to ``path`` atomically."""
    if hasattr(obj, "state_dict") and callable(obj.state_dict):
        raise TypeError(
            f"nn.save takes a state dict, not a {type(obj).__name__} object (saving objects "
            "would need pickle); save obj.state_dict() and load it with load_state_dict"
        )
    arrays: dict[str, np.ndarray] = {}
    tree = _encode(obj, "", arrays, 0)
    manifest = json.dumps({"format": FORMAT, "version": VERSION, "tree": tree})
    arrays[_MANIFEST] = np.array(manifest)
    atomic_write(path, lambda f: np.savez(f, allow_pickle=False, **arrays))


def _encode(obj: Any, name: str, arrays: dict, depth: int) -> dict:
    if depth > _MAX_DEPTH:
        raise ValueError(f"cannot save {name}: nested more than {_MAX_DEPTH} levels deep")
    if isinstance(obj, Tensor):
        obj = obj.numpy()
    if isinstance(obj, Value):
        obj = obj.data
    if isinstance(obj, np.ndarray | np.generic) and not isinstance(obj, np.bool_):
        if obj.dtype.hasobject:
            raise TypeError(f"cannot save {name or 'the object'}: an array of Python objects")
        key = f"{len(arrays)}:{name}"
        arrays[key] = np.asarray(obj)
        return {"t": "array", "key": key, "shape": list(obj.shape), "dtype": obj.dtype.str}
    if obj is None:
        return {"t": "none"}
    if isinstance(obj, bool | np.bool_):
        return {"t": "bool", "v": bool(obj)}
    if isinstance(obj, int):
        return {"t": "int", "v": obj}
    if isinstance(obj, float):
        return {"t": "float", "v": repr(obj)}  # repr keeps inf, nan and every digit
    if isinstance(obj, str):
        return {"t": "str", "v": obj}
    if isinstance(obj, dict):
        items = []
        for k, v in obj.items():
            if not isinstance(k, str | int) or isinstance(k, bool):
                raise TypeError(f"cannot save key {k!r} of {name or 'the dict'}: keys must be "
                                "strings or integers")
            items.append([k, _encode(v, f"{name}/{k}" if name else str(k), arrays, depth + 1)])
        return {"t": "odict" if isinstance(obj, OrderedDict) else "dict", "items": items}
    if isinstance(obj, list | tuple):
        items = [_encode(v, f"{name}/{i}" if name else str(i), arrays, depth + 1)
                 for i, v in enumerate(obj)]
        return {"t": type(obj).__name__, "items": items}
    raise TypeError(
        f"cannot save {name or 'the object'} of type {type(obj).__name__}: a checkpoint holds "
        "arrays, Tensors, numbers, strings, None and dicts/lists/tuples of them"
    )


# -- loading ------------------------------------------------------------------------------------


class _Refused(Exception):
    """Why a file cannot be loaded; ``load`` turns it into a CheckpointError naming the file."""


def load(path: str | os.PathLike) -> Any:
    """Read what ``save`` wrote: state dicts come back with numpy arrays as values.

    Raises CheckpointError (naming the file and the reason) for anything else.
    """
    path = os.fspath(path)
    try:
        with _open_regular(path) as f:
            return _read_checkpoint(f)
    except _Refused as err:
        raise CheckpointError(f"cannot load {path}: {err}") from None
    except FileNotFoundError:
        raise _MissingCheckpoint(f"cannot load {path}: no such file") from None
    except MemoryError:
        raise
    except Exception as err:  # a damaged file may trip any parser; never let one escape
        raise CheckpointError(f"cannot load {path}: the file is damaged or truncated "
                              f"({type(err).__name__}: {err})") from None


def _open_regular(path: str) -> BinaryIO:
    """Open ``path`` for reading if it is a regular file; a FIFO, a device or a folder is
    refused without blocking (checked before the open, and again on what was opened)."""
    try:
        info = os.stat(path)
        if not stat.S_ISREG(info.st_mode):
            raise _Refused(f"it is {file_kind(info.st_mode)}, not a regular file")
        flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
        fd = os.open(path, flags | getattr(os, "O_CLOEXEC", 0))
    except (FileNotFoundError, _Refused):
        raise
    except OSError as err:
        raise _Refused(f"it cannot be opened ({err.strerror or err})") from None
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):  # swapped for something else since the stat
        os.close(fd)
        raise _Refused(f"it is {file_kind(mode)}, not a regular file")
    return os.fdopen(fd, "rb")


def _read_checkpoint(f: BinaryIO) -> Any:
    head = f.read(64)
    size = f.seek(0, os.SEEK_END)
    f.seek(0)
    if not head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        raise _Refused(f"it is not a retrograd checkpoint: {_what_it_is(head, f)}")
    with zipfile.ZipFile(f) as zf:
        reader = _Reader(zf, size)
        if _MANIFEST + ".npy" not in reader.names:
            raise _Refused(_which_zip(sorted(reader.names)))
        manifest = reader.manifest()
        return _decode(manifest["tree"], reader.array, 0)


def _what_it_is(head: bytes, f: BinaryIO) -> str:
    """A few words for a file that is not a zip archive, from its first bytes."""
    if not head:
        return "the file is empty"
    if head.startswith(b"\x93NUMPY"):
        return "it holds a bare numpy array (.npy), not a state dict"
    if _looks_like_pickle(head, f):
        return ("it is a Python pickle, and loading a pickle can run arbitrary code (retrograd "
                "checkpoints never contain one); if it came from torch.save, load it with "
                "torch.load and save model.state_dict() with nn.save")
    for magic, kind in ((b"\x89PNG\r\n\x1a\n", "a PNG image"), (b"\xff\xd8\xff", "a JPEG image"),
                        (b"GIF8", "a GIF image"), (b"%PDF", "a PDF document"),
                        (b"\x89HDF\r\n\x1a\n", "an HDF5 file (Keras' .h5 weights?)"),
                        (b"\x1f\x8b", "a gzip archive")):
        if head.startswith(magic):
            return f"it is {kind}"
    try:
        head.decode("utf-8")
    except UnicodeDecodeError:
        return "it is not a zip archive (unrecognised binary data)"
    return "it is a text file"


def _looks_like_pickle(head: bytes, f: BinaryIO) -> bool:
    """Protocol 2+ pickles start with PROTO; older ones are parsed (never run) as opcodes
    over their first 64 KiB."""
    if len(head) >= 2 and head[0] == 0x80 and 2 <= head[1] <= 5:
        return True
    data = f.read(1 << 16)
    f.seek(0)
    count = 0
    try:
        for opcode, _, _ in pickletools.genops(io.BytesIO(data)):
            count += 1
            if opcode.name == "STOP":
                return count > 1
    except Exception:  # not opcodes: not a pickle (or a big one cut off by the window)
        return count > 50
    return False


def _which_zip(names: list[str]) -> str:
    if any(n == "data.pkl" or n.endswith("/data.pkl") for n in names):
        return ("it is a PyTorch checkpoint (torch.save), which is a Python pickle, and loading "
                "a pickle can run arbitrary code; load it with torch.load and save "
                "model.state_dict() with nn.save")
    if names and all(n.endswith(".npy") for n in names):
        shown = ", ".join(n[:-4] for n in names[:5])
        return (f"it is an .npz file but not a retrograd checkpoint (no {_MANIFEST} entry; it "
                f"holds {shown})")
    return "it is a zip archive but not a retrograd checkpoint"


class _Reader:
    """Reads the members of an open checkpoint, each once, each checked before its data."""

    def __init__(self, zf: zipfile.ZipFile, size: int):
        self.zf, self.size = zf, size
        self.names = set(zf.namelist())
        self.arrays: dict[str, np.ndarray] = {}

    def manifest(self) -> dict:
        text = self.member(_MANIFEST + ".npy", "the manifest", max_bytes=4 * _MAX_MANIFEST_CHARS)
        if text.dtype.kind != "U" or text.shape != ():
            raise _Refused(f"the manifest is an array of shape {text.shape} and dtype "
                           f"{text.dtype}, not a JSON string")
        try:
            manifest = json.loads(str(text[()]))
        except RecursionError:
            raise _Refused("the manifest is damaged (nested too deeply)") from None
        except ValueError as err:
            raise _Refused(f"the manifest is damaged (not JSON: {err})") from None
        if not isinstance(manifest, dict):
            raise _Refused(f"the manifest is damaged (a JSON {type(manifest).__name__}, not "
                           "an object)")
        if manifest.get("format") != FORMAT:
            raise _Refused(f"unknown format {manifest.get('format')!r:.80} (expected "
                           f"{FORMAT!r})")
        version = manifest.get("version")
        if isinstance(version, bool) or not isinstance(version, int) or version < 1:
            raise _Refused(f"the manifest is damaged (version {version!r:.80})")
        if version > VERSION:
            raise _Refused(f"it was written by a newer retrograd (format version {version}; "
                           f"this one reads up to {VERSION})")
        if "tree" not in manifest:
            raise _Refused("the manifest is damaged (no 'tree' entry)")
        return manifest

    def array(self, node: dict) -> np.ndarray:
        """The array an "array" node of the manifest names (read at its first mention)."""
        key = node.get("key")
        if not isinstance(key, str):
            raise _Refused(f"the manifest is damaged (an array entry with key {key!r:.80})")
        if key not in self.arrays:
            if key + ".npy" not in self.names or key == _MANIFEST:
                raise _Refused(f"the manifest is damaged: it names an array {key!r:.80} that "
                               "the file does not hold")
            declared = None
            if "shape" in node or "dtype" in node:
                shape, dtype = node.get("shape"), node.get("dtype")
                if (not isinstance(shape, list) or not isinstance(dtype, str)
                        or not all(type(n) is int for n in shape)):
                    raise _Refused(f"the manifest is damaged (array {key!r:.80} declares shape "
                                   f"{shape!r:.80} and dtype {dtype!r:.40})")
                declared = (tuple(shape), dtype)
            self.arrays[key] = self.member(key + ".npy", f"array {key!r}", declared=declared)
        return self.arrays[key]

    def member(self, name: str, what: str, max_bytes: int | None = None,
               declared: tuple | None = None) -> np.ndarray:
        """The array in member ``name``. Its zip entry must fit in the file, and its .npy
        header must agree with the entry's size (and with the ``declared`` shape and dtype,
        and ``max_bytes``) before any of its data is read; then it is read in chunks, never
        more than it declares."""
        info = self.zf.getinfo(name)
        _check_entry(info, self.size, what)
        with self.zf.open(info) as stream:
            try:
                version = np.lib.format.read_magic(stream)
                if version == (1, 0):
                    shape, fortran, dtype = np.lib.format.read_array_header_1_0(stream)
                elif version == (2, 0):
                    shape, fortran, dtype = np.lib.format.read_array_header_2_0(stream)
                else:
                    raise _Refused(f"{what} is in .npy format version {version}, which "
                                   "retrograd does not read")
            except ValueError as err:
                raise _Refused(f"{what} is not a readable .npy array ({err})") from None
            if dtype.hasobject:
                raise _Refused(f"{what} carries pickled Python objects, and loading a pickle "
                               "can run arbitrary code (retrograd checkpoints never contain one)")
            if declared is not None and declared != (shape, dtype.str):
                raise _Refused(f"{what} holds shape {shape} and dtype {dtype.str}, but the "
                               f"manifest declares shape {declared[0]} and dtype {declared[1]}")
            count = math.prod(shape)
            nbytes = count * dtype.itemsize
            stored = info.file_size - stream.tell()
            if nbytes != stored:
                raise _Refused(f"{what} declares shape {shape} and dtype {dtype.str} ({nbytes} "
                               f"bytes), but its zip entry holds {stored} bytes")
            if max_bytes is not None and nbytes > max_bytes:
                raise _Refused(f"{what} is {nbytes} bytes, more than the {max_bytes} allowed")
            flat = np.empty(count, dtype=dtype)
            view = memoryview(flat.view(np.uint8)) if nbytes else None
            done = 0
            while done < nbytes:
                chunk = stream.read(min(_CHUNK, nbytes - done))
                if not chunk:
                    raise _Refused(f"{what} ends after {done} of its {nbytes} bytes")
                view[done:done + len(chunk)] = chunk
                done += len(chunk)
        return flat.reshape(shape, order="F" if fortran else "C")


_DEFLATE_RATIO = 1100  # deflate expands at most about 1032 times


def _check_entry(info: zipfile.ZipInfo, size: int, what: str) -> None:
    """Refuse a zip entry whose sizes the file cannot back: stored data larger than the file,
    or more than deflate can expand to."""
    if info.compress_size > size or info.header_offset > size:
        raise _Refused(f"{what} claims {info.compress_size} bytes at offset "
                       f"{info.header_offset}, beyond the file's {size} bytes")
    if info.compress_type == zipfile.ZIP_STORED:
        plausible = info.file_size == info.compress_size
    elif info.compress_type == zipfile.ZIP_DEFLATED:
        plausible = info.file_size <= _DEFLATE_RATIO * info.compress_size + 1024
    else:
        raise _Refused(f"{what} uses zip compression method {info.compress_type}; a "
                       "checkpoint is stored or deflated")
    if not plausible:
        raise _Refused(f"{what} claims {info.file_size} bytes from {info.compress_size} stored "
                       "bytes, which its compression cannot produce")


_KINDS = ("array", "none", "bool", "int", "float", "str", "dict", "odict", "list", "tuple")


def _decode(node: Any, array, depth: int) -> Any:
    """The value a manifest node describes; ``array(node)`` reads an array node's data."""
    if depth > _MAX_DEPTH:
        raise _Refused(f"the manifest is damaged (nested more than {_MAX_DEPTH} levels deep)")
    kind = node.get("t") if isinstance(node, dict) else None
    if kind not in _KINDS:
        shown = kind if isinstance(node, dict) else node
        raise _Refused(f"the manifest is damaged (an entry {shown!r:.80})")
    if kind == "array":
        return array(node)
    if kind == "none":
        return None
    if kind in ("dict", "odict", "list", "tuple"):
        items = node.get("items")
        if not isinstance(items, list):
            raise _Refused(f"the manifest is damaged (a {kind} whose items are {items!r:.80})")
        if kind in ("list", "tuple"):
            values = [_decode(v, array, depth + 1) for v in items]
            return values if kind == "list" else tuple(values)
        pairs = []
        for pair in items:
            if (not isinstance(pair, list) or len(pair) != 2
                    or isinstance(pair[0], bool) or not isinstance(pair[0], str | int)):
                raise _Refused(f"the manifest is damaged (a dict item {pair!r:.80})")
            pairs.append((pair[0], _decode(pair[1], array, depth + 1)))
        return OrderedDict(pairs) if kind == "odict" else dict(pairs)
    value = node.get("v")
    expected = {"bool": bool, "int": int, "float": str, "str": str}[kind]
    if not isinstance(value, expected) or (kind == "int" and isinstance(value, bool)):
        raise _Refused(f"the manifest is damaged (a {kind} entry holding {value!r:.80})")
    if kind == "float":
        try:
            return float(value)
        except ValueError:
            raise _Refused(f"the manifest is damaged (a float entry holding {value!r:.80})"
                           ) from None
    return value
