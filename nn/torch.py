"""PyTorch's namespace over retrograd: change one line, ``import torch`` to
``import nn.torch as torch``, and code written for PyTorch runs here, where each step can be
drawn and stepped through.

What is where:

- ``torch.tensor``, ``zeros``, ``randn``, ``linspace``, ..., the ops as functions
  (``torch.sin(x)``, ``torch.matmul(input=a, other=b)``, ``torch.max(x, 1)``, with ``out=``),
  ``no_grad``, ``manual_seed``, the dtypes: retrograd's engine, ``autograd``;
- ``torch.nn`` is ``nn`` (``torch.nn.functional``, ``torch.nn.init``, ``torch.nn.utils``);
- ``torch.optim`` is ``nn.optim`` (with ``torch.optim.lr_scheduler``);
- ``torch.autograd``: ``Function``, ``grad``, ``backward`` and the legacy ``Variable``;
- ``torch.utils.data`` is ``nn.data`` (Dataset, DataLoader, ...);
- ``torch.save`` / ``torch.load``: ``nn.save`` / ``nn.load``, a safe ``.npz`` format that
  never holds a pickle (save ``model.state_dict()``, not the model);
- ``torch.device("cpu")``, ``torch.cuda.is_available()`` (False): retrograd computes on the
  CPU, and naming any other device raises an error that says so.

The other import lines of a PyTorch program each have their retrograd form:
``import torch.nn as nn`` -> ``import nn``; ``import torch.nn.functional as F`` ->
``import nn.functional as F``; ``import torch.optim as optim`` -> ``from nn import optim``;
``from torch.utils.data import DataLoader`` -> ``from nn.data import DataLoader``.

This is a module of retrograd's own: importing it never touches a real ``torch`` installed
beside it, and ``import torch`` elsewhere still gets PyTorch.

Not here: ``torch.Tensor(2, 3)`` as a maker (``torch.Tensor`` is the class, for isinstance;
write ``torch.empty(2, 3)``), saving whole models (save the state dict), conv and recurrent
layers, and anything that needs a GPU.
"""

from __future__ import annotations

import builtins
import importlib
import math
import types
import warnings
from typing import Any

import numpy as np

import autograd as _ag
import nn
from autograd import (  # noqa: F401  (re-exported: the torch namespace)
    Function,
    Tensor,
    arange,
    as_tensor,
    detect_anomaly,
    device,
    empty,
    empty_like,
    enable_grad,
    eye,
    from_numpy,
    full,
    full_like,
    get_default_dtype,
    is_grad_enabled,
    linspace,
    manual_seed,
    no_grad,
    normal,
    ones,
    ones_like,
    rand,
    rand_like,
    randint,
    randn,
    randn_like,
    randperm,
    set_default_dtype,
    set_grad_enabled,
    stack,
    tensor,
    where,
    zeros,
    zeros_like,
)
from autograd.ops import accepts_constants as _accepts_constants
from autograd.ops.reduce import RETURN_TYPES as _RETURN_TYPES
from autograd.tensor import check_device as _check_device

# -- the ops as functions -------------------------------------------------------------------------


def _write_out(value: Tensor, out: Any, name: str, inputs: tuple) -> Tensor:
    """``value`` written into ``out`` (torch's ``out=``): cast to out's dtype, resized if its
    shape differs. Like torch, refused when grad mode is on and an input requires grad."""
    if not isinstance(out, Tensor):
        raise TypeError(f"{name}(..., out=...) takes a Tensor as out, got {type(out).__name__}")
    if not isinstance(value, Tensor):
        raise TypeError(f"{name}(..., out=...): out= is supported where the result is one "
                        f"tensor, and this one is a {type(value).__name__}")
    if is_grad_enabled() and (out.requires_grad or builtins.any(
            isinstance(t, Tensor) and t.requires_grad for t in inputs)):
        raise RuntimeError(f"{name}(): functions with out=... arguments don't support automatic "
                           "differentiation, but one of the arguments requires grad")
    array = np.asarray(value.numpy(), dtype=out.dtype)
    with no_grad():
        if array.shape == out.shape:
            out.copy_(Tensor(array))
        else:  # torch resizes out to the result's shape
            out.data = array.copy()
            _ag.increment_version(out)
    return out


def _function(name: str):
    """Tensor method ``name`` as a module function whose first argument may also be a number
    or a list (made a tensor), with torch's ``out=`` keyword."""
    op = _accepts_constants(getattr(Tensor, name))

    def function(*args, out=None, **kwargs):
        value = op(*args, **kwargs)
        return value if out is None else _write_out(value, out, name, args + tuple(
            kwargs.values()))

    function.__name__ = function.__qualname__ = name
    function.__doc__ = op.__doc__
    return function


_NAMES = (
    "add sub mul div pow neg abs exp log sqrt tanh sigmoid relu sin cos sign round floor ceil "
    "trunc clamp clip maximum minimum matmul mm bmm dot mv sum mean max min amax amin argmax "
    "argmin var std prod cumsum norm topk sort argsort logsumexp softmax log_softmax reshape "
    "flatten transpose permute squeeze unsqueeze t clone masked_fill gather chunk split eq ne "
    "lt le gt ge floor_divide remainder allclose isclose equal"
).split()
_OPS = {name: _function(name) for name in _NAMES}
globals().update(_OPS)
subtract, multiply, divide, true_divide, negative = (
    _OPS["sub"], _OPS["mul"], _OPS["div"], _OPS["div"], _OPS["neg"])
cat = concat = concatenate = _ag.cat


def square(input: Any) -> Tensor:
    """input * input."""
    return _OPS["pow"](input, 2)


def numel(input: Tensor) -> builtins.int:
    return input.numel()


def is_tensor(obj: Any) -> builtins.bool:
    return isinstance(obj, Tensor)


class Size(tuple):
    """A shape, as torch.Size: a tuple (``size()`` and ``shape`` give plain tuples, which
    compare equal to it), printed as torch prints one."""

    def __repr__(self) -> str:
        return f"torch.Size({list(self)})"

    def numel(self) -> builtins.int:
        return math.prod(self)


return_types = types.SimpleNamespace(**_RETURN_TYPES)

# -- dtypes and numbers ---------------------------------------------------------------------------

float32 = float = np.float32
float64 = double = np.float64
float16 = half = np.float16
int64 = long = np.int64
int32 = int = np.int32
int16 = short = np.int16
int8 = np.int8
uint8 = np.uint8
bool = np.bool_
complex64 = cfloat = np.complex64
complex128 = cdouble = np.complex128
finfo, iinfo = np.finfo, np.iinfo
pi, e, inf, nan = math.pi, math.e, math.inf, math.nan


def _legacy_type(dtype, name: str):
    """torch.FloatTensor and its kin (PyTorch < 0.4): ``FloatTensor([1, 2])`` holds data,
    ``FloatTensor(2, 3)`` has that shape (zeros here)."""

    def make(*args) -> Tensor:
        if args and builtins.all(isinstance(a, builtins.int) for a in args):
            return zeros(*args, dtype=dtype)
        if len(args) != 1:
            raise TypeError(f"{name} takes data (a list or an array) or a shape, got {args!r:.80}")
        return tensor(args[0], dtype=dtype)

    make.__name__ = name
    make.__doc__ = f"Legacy: a {np.dtype(dtype)} tensor; write torch.tensor(data, dtype=...)."
    return make


FloatTensor = _legacy_type(np.float32, "FloatTensor")
DoubleTensor = _legacy_type(np.float64, "DoubleTensor")
LongTensor = _legacy_type(np.int64, "LongTensor")
IntTensor = _legacy_type(np.int32, "IntTensor")
ByteTensor = _legacy_type(np.uint8, "ByteTensor")
BoolTensor = _legacy_type(np.bool_, "BoolTensor")

# -- devices: the CPU only ------------------------------------------------------------------------


def set_default_device(device: Any) -> None:
    """Accepts the CPU (the only device here); any other raises."""
    _check_device(device)


def get_default_device() -> device:
    return _check_device(None)


def _namespace(name: str, doc: str, **members: Any) -> types.ModuleType:
    module = types.ModuleType(f"{__name__}.{name}", doc)
    module.__dict__.update(members)
    return module


def _false(*args: Any, **kwargs: Any) -> builtins.bool:
    return False


def _none(*args: Any, **kwargs: Any) -> None:
    return None


def _zero(*args: Any, **kwargs: Any) -> builtins.int:
    return 0


cuda = _namespace(
    "cuda", "No CUDA here: retrograd computes on the CPU. Seeding it does nothing.",
    is_available=_false, device_count=_zero, manual_seed=_none, manual_seed_all=_none,
)
accelerator = _namespace(
    "accelerator", "No accelerator here: retrograd computes on the CPU.",
    is_available=_false, current_accelerator=_none, device_count=_zero,
)
backends = _namespace(
    "backends", "Switches of the GPU libraries: there are none here; setting them does nothing.",
    mps=_namespace("backends.mps", "No Apple GPU here.", is_available=_false, is_built=_false),
    cudnn=_namespace("backends.cudnn", "No cuDNN here.", is_available=_false,
                     deterministic=False, benchmark=False, enabled=False),
)

# -- torch.nn, torch.optim, torch.autograd, torch.utils.data, torch.linalg -----------------------

optim = nn.optim


def Variable(data: Any, requires_grad: builtins.bool = False, volatile: Any = None) -> Tensor:
    """Legacy (PyTorch < 0.4): a Variable is a Tensor now. Gives a tensor sharing ``data``'s
    memory, requiring grad when asked; write ``torch.tensor(data, requires_grad=True)`` or
    ``x.requires_grad_()`` instead."""
    if volatile is not None:
        warnings.warn("volatile was removed and now has no effect; use `with torch.no_grad():` "
                      "instead", UserWarning, stacklevel=2)
    out = (data if isinstance(data, Tensor) else tensor(data)).detach()
    return out.requires_grad_(True) if requires_grad else out


def _backward(tensors: Any, grad_tensors: Any = None, retain_graph: Any = None) -> None:
    """Backward from each tensor, with its gradient (torch.autograd.backward)."""
    tensors = list(tensors) if isinstance(tensors, list | tuple) else [tensors]
    if grad_tensors is None:
        grad_tensors = [None] * len(tensors)
    elif not isinstance(grad_tensors, list | tuple):
        grad_tensors = [grad_tensors]
    if len(grad_tensors) != len(tensors):
        raise ValueError(f"backward: {len(tensors)} tensors but {len(grad_tensors)} gradients")
    for k, (t, g) in enumerate(zip(tensors, grad_tensors)):
        t.backward(g, retain_graph=builtins.bool(retain_graph) or k < len(tensors) - 1)


class _set_detect_anomaly:
    """Turn anomaly mode on or off for this thread from now on; as a context manager, only
    until the block ends (torch.autograd.set_detect_anomaly)."""

    def __init__(self, mode: builtins.bool):
        self._switch = detect_anomaly(mode)
        self._switch.__enter__()

    def __enter__(self) -> _set_detect_anomaly:
        return self

    def __exit__(self, *exc: Any) -> builtins.bool:
        return self._switch.__exit__(*exc)


autograd = _namespace(
    "autograd", "torch.autograd: retrograd's Function, grad and backward, and legacy Variable.",
    Function=Function, grad=_ag.grad, backward=_backward, Variable=Variable, no_grad=no_grad,
    enable_grad=enable_grad, set_grad_enabled=set_grad_enabled, detect_anomaly=detect_anomaly,
    set_detect_anomaly=_set_detect_anomaly,
)


class _Utils(types.ModuleType):
    """torch.utils: ``torch.utils.data`` is retrograd's nn.data, found on first use."""

    def __getattr__(self, name: str) -> Any:
        if name != "data":
            raise AttributeError(f"torch.utils has no {name!r} here (retrograd has "
                                 "torch.utils.data)")
        for path in ("nn.utils.data", "nn.data"):
            try:
                module = importlib.import_module(path)
            except ModuleNotFoundError as err:
                if err.name not in (path, path.rpartition(".")[0]):
                    raise
                continue
            self.data = module
            return module
        raise AttributeError("torch.utils.data: this version of retrograd has no nn.data "
                             "(Dataset, DataLoader)")


utils = _Utils(f"{__name__}.utils", _Utils.__doc__)


def _vector_norm(x: Any, ord: Any = 2, dim: Any = None, keepdim: builtins.bool = False,
                 *, dtype: Any = None) -> Tensor:
    """(sum |x|^ord)^(1/ord) over ``dim`` (all elements by default)."""
    x = as_tensor(x, dtype=dtype)
    return x.norm(ord, dim, keepdim)


def _linalg_norm(x: Any, ord: Any = None, dim: Any = None, keepdim: builtins.bool = False,
                 *, dtype: Any = None) -> Tensor:
    """torch.linalg.norm: with no ``ord``, the 2-norm of all elements (over ``dim`` if given);
    a vector norm of any ``ord`` over one dim or of a 1-d tensor; of the matrix norms, the
    Frobenius norm ('fro') only."""
    x = as_tensor(x, dtype=dtype)
    one_dim = isinstance(dim, builtins.int) or (dim is None and x.ndim == 1) or (
        isinstance(dim, tuple | list) and len(dim) == 1)
    if ord is None or one_dim and not isinstance(ord, str):
        return x.norm(2 if ord is None else ord, dim, keepdim)
    if ord == "fro":
        return x.norm(2, (-2, -1) if dim is None else dim, keepdim)
    raise ValueError(f"linalg.norm: the matrix norm ord={ord!r} is not supported here (only "
                     "'fro'; vector norms take any ord over one dim)")


linalg = _namespace(
    "linalg", "torch.linalg: the norms.",
    norm=_linalg_norm, vector_norm=_vector_norm, matmul=_OPS["matmul"],
)

# -- saving ---------------------------------------------------------------------------------------


def save(obj: Any, f: Any) -> None:
    """Write ``obj`` (a state dict, or dicts and lists of tensors and numbers) to the file
    ``f`` in retrograd's safe format (nn.save): no pickle, so a model object itself cannot be
    saved; save ``model.state_dict()``."""
    nn.save(obj, f)


def _as_tensors(obj: Any) -> Any:
    if isinstance(obj, np.ndarray):
        return from_numpy(obj)
    if isinstance(obj, dict):
        return type(obj)((k, _as_tensors(v)) for k, v in obj.items())
    if isinstance(obj, list | tuple):
        return type(obj)(_as_tensors(v) for v in obj)
    return obj


def load(f: Any, map_location: Any = None, weights_only: Any = None) -> Any:
    """Read what ``save`` wrote, arrays coming back as tensors (nn.load; never runs code from
    the file, so ``weights_only`` is always in effect). ``map_location`` may name the CPU."""
    if map_location is not None and not callable(map_location) and not isinstance(
            map_location, dict):
        _check_device(map_location)
    loaded = nn.load(f)
    return _as_tensors(loaded) if isinstance(loaded, dict | list | tuple | np.ndarray) else loaded


__all__ = sorted(
    name for name, value in globals().items()
    if not name.startswith("_") and name not in {"annotations", "builtins", "importlib", "math",
                                                 "types", "warnings", "Any", "np"}
)
