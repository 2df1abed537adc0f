"""Saving and loading state dicts (a model's, an optimizer's, or a dict of them) as .npz files.

The format is numpy's zip of arrays plus one entry, ``__retrograd__``, a JSON manifest that
records the version and the structure (dicts, lists, numbers, strings) around the arrays.
Each array is stored under a numbered key that carries its name (``0:fc1.weight``,
``7:optimizer/state/0/exp_avg``), so ``numpy.load`` shows the names and no two can collide.
Loading reads with ``allow_pickle=False``: a file never runs code.
Writing goes through ``autograd.files.atomic_write``: a crash never leaves a truncated
checkpoint.
"""

from __future__ import annotations

import json
import os
import zipfile
from collections import OrderedDict
from typing import Any

import numpy as np

from autograd import Tensor, Value
from autograd.files import atomic_write

FORMAT = "retrograd-state"
VERSION = 1
_MANIFEST = "__retrograd__"


class CheckpointError(ValueError):
    """A file that is not a retrograd checkpoint, or one that would need a pickle to load."""


def save(obj: Any, path: str | os.PathLike) -> None:
    """Write ``obj`` (a state dict, or nested dicts/lists of arrays, Tensors and plain values)
    to ``path`` atomically."""
    if hasattr(obj, "state_dict") and callable(obj.state_dict):
        raise TypeError(
            f"nn.save takes a state dict, not a {type(obj).__name__} object (saving objects "
            "would need pickle); save obj.state_dict() and load it with load_state_dict"
        )
    arrays: dict[str, np.ndarray] = {}
    tree = _encode(obj, "", arrays)
    manifest = json.dumps({"format": FORMAT, "version": VERSION, "tree": tree})
    arrays[_MANIFEST] = np.array(manifest)
    atomic_write(path, lambda f: np.savez(f, **arrays))


def load(path: str | os.PathLike) -> Any:
    """Read what ``save`` wrote: state dicts come back with numpy arrays as values."""
    path = os.fspath(path)
    try:
        with np.load(path, allow_pickle=False) as npz:
            if not isinstance(npz, np.lib.npyio.NpzFile):
                raise CheckpointError(f"{path} holds a bare array, not a retrograd checkpoint")
            if _MANIFEST not in npz.files:
                raise CheckpointError(
                    f"{path} is an .npz file but not a retrograd checkpoint (no {_MANIFEST} "
                    f"entry; it holds {', '.join(npz.files[:5])})"
                )
            manifest = json.loads(str(npz[_MANIFEST]))
            arrays = {name: npz[name] for name in npz.files if name != _MANIFEST}
    except (ValueError, zipfile.BadZipFile, OSError) as err:
        if isinstance(err, CheckpointError | FileNotFoundError):
            raise
        if "pickle" in str(err).lower():
            raise CheckpointError(
                f"refusing to load {path}: it carries pickled Python objects, and loading a "
                "pickle can run arbitrary code (retrograd checkpoints never contain one)"
            ) from None
        raise CheckpointError(f"{path} is not a readable retrograd checkpoint: {err}") from None
    if manifest.get("format") != FORMAT:
        raise CheckpointError(f"{path}: unknown format {manifest.get('format')!r}")
    if manifest.get("version", 0) > VERSION:
        raise CheckpointError(
            f"{path} was written by a newer retrograd (format version {manifest['version']}; "
            f"this one reads up to {VERSION})"
        )
    try:
        return _decode(manifest["tree"], arrays)
    except (KeyError, TypeError, ValueError, AttributeError) as err:
        raise CheckpointError(f"{path}: its manifest is damaged ({type(err).__name__}: {err})"
                              ) from None


def _encode(obj: Any, name: str, arrays: dict) -> dict:
    if isinstance(obj, Tensor):
        obj = obj.numpy()
    if isinstance(obj, Value):
        obj = obj.data
    if isinstance(obj, np.ndarray | np.generic) and not isinstance(obj, np.bool_):
        if obj.dtype == object:
            raise TypeError(f"cannot save {name or 'the object'}: an array of Python objects")
        key = f"{len(arrays)}:{name}"
        arrays[key] = np.asarray(obj)
        return {"t": "array", "key": key}
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
            items.append([k, _encode(v, f"{name}/{k}" if name else str(k), arrays)])
        return {"t": "odict" if isinstance(obj, OrderedDict) else "dict", "items": items}
    if isinstance(obj, list | tuple):
        items = [_encode(v, f"{name}/{i}" if name else str(i), arrays) for i, v in enumerate(obj)]
        return {"t": type(obj).__name__, "items": items}
    raise TypeError(
        f"cannot save {name or 'the object'} of type {type(obj).__name__}: a checkpoint holds "
        "arrays, Tensors, numbers, strings, None and dicts/lists/tuples of them"
    )


def _decode(node: dict, arrays: dict) -> Any:
    kind = node["t"]
    if kind == "array":
        return arrays[node["key"]]
    if kind == "none":
        return None
    if kind in ("bool", "int", "str"):
        return node["v"]
    if kind == "float":
        return float(node["v"])
    if kind in ("dict", "odict"):
        pairs = [(k, _decode(v, arrays)) for k, v in node["items"]]
        return OrderedDict(pairs) if kind == "odict" else dict(pairs)
    if kind in ("list", "tuple"):
        items = [_decode(v, arrays) for v in node["items"]]
        return items if kind == "list" else tuple(items)
    raise CheckpointError(f"unknown entry kind {kind!r} in the checkpoint manifest")
