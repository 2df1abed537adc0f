"""Tensor: a numpy array that records the op that made it.

The ops live in ``autograd/ops/`` by family (elementwise, reduce, shape, linalg); each one sits
next to its backward rule. This module holds the class, the one constructor every op goes
through (``result``), construction helpers and the random generator.
"""

from __future__ import annotations

import numbers
import weakref
from typing import Any

import numpy as np

from .graph import KEEP, Kept, _Clock, _Mode, _mode, backward, check_anomaly

_new = object.__new__


class _Defaults:
    dtype: np.dtype = np.dtype(np.float32)
    rng: np.random.Generator = np.random.default_rng()


_FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def set_default_dtype(dtype) -> None:
    """Make ``dtype`` (float32 or float64) the dtype of tensors built from Python floats."""
    d = np.dtype(dtype)
    if d not in _FLOAT_DTYPES:
        raise TypeError(f"the default dtype must be float32 or float64, got {d}")
    _Defaults.dtype = d


def get_default_dtype() -> np.dtype:
    return _Defaults.dtype


def manual_seed(seed: int) -> np.random.Generator:
    """Seed the generator behind randn, rand, nn.init, Dropout and shuffling: runs repeat bit
    for bit. Returns the generator."""
    if not isinstance(seed, numbers.Integral) or seed < 0:
        raise ValueError(f"manual_seed takes a non-negative integer, got {seed!r}")
    _Defaults.rng = np.random.default_rng(int(seed))
    return _Defaults.rng


def default_generator() -> np.random.Generator:
    """The generator that manual_seed seeds."""
    return _Defaults.rng


def _as_array(data, dtype=None) -> np.ndarray:
    """numpy array for ``data``: Python floats and lists of them take the default dtype, numpy
    arrays keep theirs (as torch.tensor does), unless ``dtype`` is given. Only real numbers
    (bool, int, float) are accepted: strings, bytes, dates and objects are not numbers, and
    complex numbers are refused because this engine does not differentiate them (a complex
    value would lose its imaginary part silently somewhere down the graph)."""
    if isinstance(data, Tensor):
        data = data._array
    if dtype is not None:
        _check_real(np.dtype(dtype), data)  # before converting: numpy may fail its own way
        return np.array(data, dtype=dtype)
    if isinstance(data, np.ndarray | np.generic):
        arr = np.array(data)
    else:
        try:
            arr = np.array(data)
        except ValueError:
            raise ValueError(
                f"cannot make a tensor from {data!r:.80}: its nested lists have different lengths"
            ) from None
        if arr.dtype == np.float64:
            return arr.astype(_Defaults.dtype, copy=False)
    _check_real(arr.dtype, data)
    return arr


def _check_real(dtype: np.dtype, data) -> None:
    if dtype.kind == "c":
        raise TypeError(
            f"cannot make a tensor of dtype {dtype}: retrograd differentiates real numbers "
            "only; take the real part, the imaginary part or abs() in numpy first"
        )
    if dtype.kind not in "biuf":
        raise TypeError(
            f"cannot make a tensor from {type(data).__name__} {data!r:.80} of dtype {dtype}: "
            "a tensor holds numbers (bool, int or float)"
        )


class Tensor:
    """An n-dimensional array in a computation graph.

    ``.data`` is PyTorch's: a detached Tensor sharing this one's memory (``.numpy()`` gives the
    array); ``.grad`` is None until a backward pass reaches this tensor (then a Tensor of the same
    shape); ``requires_grad`` marks a leaf whose gradient is wanted.
    """

    __slots__ = (
        "_array",
        "grad",
        "requires_grad",
        "label",
        "_parents",
        "_backward",
        "_saved",
        "_g",
        "_pending",
        "_hooks",
        "_ver",
        "_tick",
        "__weakref__",
    )
    __array_priority__ = 1000
    __array_ufunc__ = None  # numpy hands `ndarray + tensor` to Tensor.__radd__

    def __init__(self, data, requires_grad: bool = False, dtype=None, label: str = ""):
        self._become_leaf(_as_array(data, dtype))
        self.label = label
        if requires_grad:
            self.requires_grad_(True)

    # -- properties --------------------------------------------------------------------------

    @property
    def data(self) -> Tensor:
        """A detached Tensor sharing this one's memory (PyTorch's ``.data``): changes made
        through it are not tracked by autograd. Assigning a Tensor or an array replaces the
        values this tensor holds."""
        return Tensor._wrap(self._array)

    @data.setter
    def data(self, value) -> None:
        array = value._array if isinstance(value, Tensor) else np.asarray(value)
        _check_real(array.dtype, value)
        self._array = array

    @property
    def _version(self) -> int:
        """How many times this tensor (or a view of it) was changed in place."""
        return 0 if self._ver is None else self._ver.count

    @property
    def shape(self) -> tuple:
        return self._array.shape

    @property
    def ndim(self) -> int:
        return self._array.ndim

    def size(self, dim: int | None = None):
        """The shape (PyTorch's ``size()``), or the length of dimension ``dim``."""
        shape = self._array.shape
        if dim is None:
            return shape
        ndim = len(shape)
        if not isinstance(dim, numbers.Integral) or not -ndim <= dim < max(ndim, 1):
            raise IndexError(f"size({dim!r}): dim out of range for a tensor of shape {shape}")
        return shape[dim]

    @property
    def dtype(self) -> np.dtype:
        return self._array.dtype

    @property
    def is_leaf(self) -> bool:
        return self._backward is None

    @property
    def grad_fn(self) -> BackwardNode | None:
        """The node that sends this tensor's gradient back (None for a leaf), as torch's
        ``grad_fn``: ``name()``, ``next_functions``."""
        return None if self._backward is None else BackwardNode(self)

    def dim(self) -> int:
        return self._array.ndim

    def numel(self) -> int:
        return self._array.size

    def __len__(self) -> int:
        if self._array.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return len(self._array)

    # -- conversion --------------------------------------------------------------------------

    def item(self) -> Any:
        if self._array.size != 1:
            raise ValueError(
                f"item() needs a tensor with one element, this one has shape {self.shape}"
            )
        return self._array.item()

    def tolist(self) -> Any:
        return self._array.tolist()

    def numpy(self) -> np.ndarray:
        """The underlying array (shared, not copied), as torch's .numpy()."""
        return self._array

    def __array__(self, dtype=None, copy=None):
        if dtype is None or np.dtype(dtype) == self._array.dtype:
            return self._array.copy() if copy else self._array
        return self._array.astype(dtype)

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __bool__(self) -> bool:
        if self._array.size != 1:
            raise RuntimeError(
                f"the truth value of a tensor of shape {self.shape} is ambiguous; "
                "use .any() or .all()"
            )
        return bool(self._array)

    def __iter__(self):
        if self._array.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(len(self._array)))

    __hash__ = object.__hash__

    def __format__(self, spec: str) -> str:
        """A one-element tensor formats as its number: f"{loss:.4f}" works as in torch."""
        if spec and self._array.size == 1:
            return format(self.item(), spec)
        return format(repr(self), spec)

    def __repr__(self) -> str:
        floats = {"precision": 4, "floatmode": "fixed"} if self._array.dtype.kind == "f" else {}
        body = np.array2string(self._array, separator=", ", prefix="tensor(", **floats)
        extras = []
        if self._array.dtype.kind == "f" and self._array.dtype != _Defaults.dtype:
            extras.append(f"dtype={self._array.dtype}")
        elif self._array.dtype.kind in "iub" and self._array.dtype not in (np.int64, np.bool_):
            extras.append(f"dtype={self._array.dtype}")
        if self._backward is not None:
            extras.append(f"grad_fn={BackwardNode(self)!r}")
        elif self.requires_grad:
            extras.append("requires_grad=True")
        return "tensor(" + body + "".join(", " + e for e in extras) + ")"

    # -- autograd ----------------------------------------------------------------------------

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Mark a leaf as wanting its gradient (in place); returns self."""
        if self._backward is not None and not requires_grad:
            raise RuntimeError(
                f"requires_grad_(False) on a tensor made by op '{self._backward.op}': "
                "only leaves can change it; use .detach()"
            )
        if requires_grad and self._array.dtype.kind != "f":
            raise TypeError(
                f"only floating-point tensors can require grad, this one has dtype "
                f"{self._array.dtype}; make it with dtype=float32 or float64"
            )
        self.requires_grad = bool(requires_grad)
        return self

    def detach(self) -> Tensor:
        """A new leaf sharing this tensor's memory and version counter, cut from the graph."""
        t = Tensor._wrap(self._array)
        t._ver = self._counter()
        return t

    def _counter(self) -> _Version:
        """This tensor's version counter, made on first need (most tensors never need one)."""
        ver = self._ver
        if ver is None:
            ver = self._ver = _Version()
        return ver

    def _mark_modified(self) -> None:
        """Count an in-place change: ops that saved this tensor refuse to go back through it."""
        ver = self._counter()
        ver.count += 1
        ver.at = _Clock.tick()

    def retain_grad(self) -> None:
        """Keep ``.grad`` on this intermediate tensor at the next backward."""
        if not self.requires_grad:
            raise RuntimeError(f"retain_grad() on a tensor of shape {self.shape} that does not "
                               "require grad")
        if self._backward is not None:  # kept among the hooks, as an entry with no function
            self._hooks = dict(self._hooks or {})
            self._hooks.setdefault(_RETAIN, None)

    @property
    def retains_grad(self) -> bool:
        return self._backward is not None and bool(self._hooks) and _RETAIN in self._hooks

    def register_hook(self, hook) -> _HookHandle:
        """Call ``hook(grad)`` when this tensor's gradient is computed; a Tensor it returns
        replaces the gradient. Returns a handle whose ``remove()`` takes the hook off."""
        if not self.requires_grad:
            raise RuntimeError(f"register_hook on a tensor of shape {self.shape} that does not "
                               "require grad")
        if not callable(hook):
            raise TypeError(f"register_hook takes a callable, got {type(hook).__name__}")
        self._hooks = dict(self._hooks or {})
        key = _HookKey(self)
        self._hooks[key] = hook
        return _HookHandle(key)

    def backward(self, gradient=None, retain_graph: bool = False) -> None:
        """Accumulate d self / d leaf into every leaf's ``.grad``.

        A scalar needs no ``gradient``; any other tensor needs one of its own shape (the
        vector in the vector-Jacobian product). Saved values are released as the pass goes,
        so a second backward through the same graph needs ``retain_graph=True`` on the first.
        """
        if not self.requires_grad:
            raise RuntimeError(
                "backward() on a tensor that does not require grad: no leaf it was made from "
                "has requires_grad=True (or it was made under no_grad())"
            )
        backward(self, _seed(self, gradient), retain_graph)

    def _take_grad(self, g: np.ndarray, delivered: set) -> np.ndarray:
        hooks = self._hooks
        if hooks:
            for hook in list(hooks.values()):
                if hook is not None:
                    replaced = hook(Tensor._wrap(g))
                    if replaced is not None:  # a copy: the hook may keep what it returns
                        g = np.array(_data(replaced))
        capture = None if _Mode.quiet else _mode.capture
        if capture is not None:
            if id(self) in capture:
                previous = capture[id(self)]
                capture[id(self)] = g if previous is None else previous + g
            return g
        if self._backward is None or (hooks and _RETAIN in hooks):
            self._accumulate(g, delivered)
        return g

    def _accumulate(self, g: np.ndarray, delivered: set) -> None:
        data = self._array
        if g.shape != data.shape:
            raise RuntimeError(
                f"gradient of shape {g.shape} arrived for a tensor of shape {data.shape}"
            )
        # Never let two .grad attributes share memory: a view is fine (a transpose's gradient
        # is one) unless the array it views was already handed to another tensor.
        if g.dtype != data.dtype:
            g = g.astype(data.dtype)
        elif (g.__class__ is not np.ndarray or not g.flags.writeable
              or id(g if g.base is None else g.base) in delivered):
            g = np.array(g)
        delivered.add(id(g if g.base is None else g.base))
        grad = self.grad
        if grad is None:
            self.grad = Tensor._wrap(g)
        elif isinstance(grad, Tensor) and grad._array.shape == data.shape:
            total = grad._array + g  # a new array: an array the user holds keeps its values
            grad._array = total if total.__class__ is np.ndarray else np.asarray(total)  # 0-d
        else:
            raise TypeError(
                f".grad was set by hand to {type(grad).__name__} of shape {np.shape(grad)}; "
                f"it must be None or a Tensor of the tensor's shape {data.shape}"
            )

    def zero_grad(self) -> None:
        self.grad = None

    def _value(self) -> np.ndarray:
        return self._array

    # -- internal construction ---------------------------------------------------------------

    @staticmethod
    def _wrap(data: np.ndarray) -> Tensor:
        """A leaf around an existing array, no copy, no checks (for the engine's own use)."""
        if data.__class__ is not np.ndarray:  # numpy gives scalars for 0-d results; keep arrays
            data = np.asarray(data)
        t = _new(Tensor)
        t._become_leaf(data)
        return t

    def _become_leaf(self, data: np.ndarray) -> None:
        """Every slot of a leaf holding ``data``, requiring no grad."""
        self._array = data
        self.grad = None
        self.requires_grad = False
        self.label = ""
        self._parents = ()
        self._backward = None
        self._saved = KEEP
        self._g = None
        self._pending = 0
        self._hooks = None
        self._ver = None
        self._tick = 0


class _Former(Tensor):
    """What a tensor was until a recorded in-place op made it anew: its node (parents, rule,
    what the rule saved), a copy of its values, its hooks and its version counter as it stood.
    It is the in-place op's input, and backward sends it the gradients of the ops that used the
    tensor before the change (graph._check_versions); ``_until`` is the tick of the change."""

    __slots__ = ("_until",)


class _Version:
    """A version counter, shared by a tensor and its views: ``count`` in-place changes, the last
    at clock tick ``at``."""

    __slots__ = ("count", "at")

    def __init__(self, count: int = 0, at: int = 0):
        self.count = count
        self.at = at


LEAF_VIEW = Kept(("a view outside the graph",))  # what a leaf view "saved": it marks one


def share_version(view: Tensor, base: Tensor) -> Tensor:
    """Make ``view``, an op's result over ``base``'s memory, share its version counter. A view
    that no graph records (of a tensor that needs no grad) is marked as one, since it cannot
    tell an in-place op which tensor it views."""
    if view._array.base is not None and np.may_share_memory(view._array, base._array):
        view._ver = base._counter()
        if view._backward is None:
            view._saved = LEAF_VIEW
    return view


class BackwardNode:
    """What ``Tensor.grad_fn`` returns: the op that made a tensor, in torch's shape, so a learner
    can walk the graph from the loss down to the leaves."""

    __slots__ = ("_tensor",)

    def __init__(self, tensor: Tensor):
        self._tensor = tensor

    def name(self) -> str:
        """torch's node name: 'log_softmax' -> 'LogSoftmaxBackward0'; an autograd.Function's
        op is its class name, 'Cube' -> 'CubeBackward' (as torch names them)."""
        op = self._tensor._backward.op
        if not op.islower():
            return op + "Backward"
        if op == "copy_slices":  # an in-place op through a view, as torch names it
            return "CopySlices"
        return "".join(part.capitalize() for part in op.split("_")) + "Backward0"

    @property
    def next_functions(self) -> tuple:
        """One (node, 0) pair per input: its BackwardNode, an AccumulateGrad for a leaf that
        requires grad, or None for an input that needs no gradient."""
        return tuple(
            (None if not p.requires_grad else
             BackwardNode(p) if p._backward is not None else AccumulateGrad(p), 0)
            for p in self._tensor._parents
        )

    @property
    def metadata(self) -> dict:
        return {}

    def __eq__(self, other) -> bool:
        return isinstance(other, BackwardNode) and other._tensor is self._tensor

    def __hash__(self) -> int:
        return id(self._tensor)

    def __repr__(self) -> str:
        return f"<{self.name()}>"


class AccumulateGrad:
    """The end of a path in ``next_functions``: a leaf's gradient is added into ``.grad``."""

    __slots__ = ("variable",)
    next_functions = ()

    def __init__(self, variable: Tensor):
        self.variable = variable

    def name(self) -> str:
        return "AccumulateGrad"

    def __eq__(self, other) -> bool:
        return isinstance(other, AccumulateGrad) and other.variable is self.variable

    def __hash__(self) -> int:
        return id(self.variable)

    def __repr__(self) -> str:
        return "<AccumulateGrad>"


_RETAIN = "retain"  # the hooks entry that marks a tensor whose .grad is kept (retain_grad)


class _HookKey:
    """A hook's key among its tensor's hooks; it knows, weakly, which tensor holds the hook now
    (a recorded in-place op hands the hooks registered before it to the tensor's former self,
    as torch does)."""

    __slots__ = ("owner",)

    def __init__(self, tensor: Tensor):
        self.owner = weakref.ref(tensor)


class _HookHandle:
    """What register_hook returns; it holds its tensor weakly, so a kept handle does not keep
    a graph alive."""

    def __init__(self, key: _HookKey):
        self._key = key

    def remove(self) -> None:
        tensor = self._key.owner()
        hooks = None if tensor is None else tensor._hooks
        if hooks and self._key in hooks:
            hooks = dict(hooks)
            del hooks[self._key]
            tensor._hooks = hooks or None


def result(data: np.ndarray, parents: tuple, rule, saved=None) -> Tensor:
    """The one way an op makes its result. Records ``parents`` and the backward ``rule`` (with
    ``saved``, what the rule needs beyond the parents' and the result's data) when grad mode
    is on and some parent requires grad; otherwise the result is a plain leaf."""
    if data.__class__ is not np.ndarray:  # numpy turns 0-d results into scalars
        data = np.asarray(data)
    out = _new(Tensor)
    out._array = data
    out.grad = None
    out.label = ""
    out._g = None
    out._pending = 0
    out._hooks = None
    out._ver = None
    quiet = _Mode.quiet  # every thread records with anomaly mode off: skip the per-thread reads
    if quiet or _mode.grad_enabled:
        for p in parents:
            if p.requires_grad:
                out.requires_grad = True
                out._parents = parents
                out._backward = rule
                out._saved = saved
                out._tick = _Clock.now
                if not quiet and _mode.anomaly:
                    check_anomaly(out, rule.op)
                return out
    out.requires_grad = False
    out._parents = ()
    out._backward = None
    out._saved = KEEP
    out._tick = 0
    return out


def _data(x) -> np.ndarray:
    return x._array if isinstance(x, Tensor) else np.asarray(x)


def lift(x, like: Tensor) -> Tensor:
    """A constant operand as a Tensor: Python numbers take ``like``'s dtype when it is a float
    dtype (as torch does), arrays and lists keep theirs."""
    if isinstance(x, Tensor):
        return x
    if isinstance(x, np.generic):  # a numpy scalar (np.sqrt(2.0), say) acts as a Python number
        x = x.item()
    if isinstance(x, numbers.Number):
        kind = like._array.dtype.kind
        if kind == "f" or (kind in "iu" and isinstance(x, numbers.Integral)):
            return Tensor._wrap(np.asarray(x, dtype=like._array.dtype))
        if isinstance(x, bool):
            return Tensor._wrap(np.asarray(x))
        return Tensor._wrap(np.asarray(x, dtype=_Defaults.dtype))
    if isinstance(x, np.ndarray):
        return Tensor._wrap(x)
    try:
        return Tensor(x)
    except TypeError:
        raise TypeError(
            f"unsupported operand type for a tensor op: {type(x).__name__} {x!r:.60}"
        ) from None


_ONES: dict = {}


def _ones(dtype) -> np.ndarray:
    """A read-only 0-d one of ``dtype``: the seed of a scalar's backward, made once."""
    one = _ONES.get(dtype)
    if one is None:
        one = _ONES[dtype] = np.ones((), dtype)
        one.flags.writeable = False
    return one


def floating(a: Tensor) -> Tensor:
    """``a`` itself when it holds floats, else its values in the default float dtype (what
    torch gives for exp, mean, ... of an integer tensor; numpy would give float64)."""
    if a._array.dtype.kind in "fc":
        return a
    return Tensor._wrap(a._array.astype(_Defaults.dtype))


def _seed(t: Tensor, gradient) -> np.ndarray:
    if gradient is None:
        if t._array.size != 1:
            raise RuntimeError(
                f"backward() on a tensor of shape {t.shape} needs gradient=, a tensor of that "
                "shape (the gradient can be implied only for a scalar output)"
            )
        return _ones(t._array.dtype) if t._array.ndim == 0 else np.ones_like(t._array)
    try:
        given = np.asarray(_data(gradient))
    except ValueError:  # ragged nested lists
        given = np.empty(0, dtype=object)
    if given.dtype.kind not in ("biufc" if t._array.dtype.kind == "c" else "biuf"):
        raise TypeError(f"backward(gradient=...) takes a tensor of numbers of shape {t.shape}, "
                        f"got gradient={gradient!r:.60} ({type(gradient).__name__})")
    g = np.array(given, dtype=t._array.dtype)
    if g.shape != t._array.shape:
        raise ValueError(
            f"backward(gradient=...) got a gradient of shape {g.shape} for a tensor of shape "
            f"{t.shape}; they must be equal"
        )
    return g


# -- making tensors -------------------------------------------------------------------------------

_ACCELERATORS = ("cuda", "mps", "xpu", "hip", "mtia", "xla", "meta", "hpu", "ipu", "vulkan",
                 "privateuseone", "lazy", "maia", "opengl", "fpga", "ve")


class device:
    """Where a tensor's values live (torch.device). retrograd computes on the CPU with numpy, so
    ``device("cpu")`` (or ``"cpu:0"``) is the only one; naming any other raises at once, saying
    so, rather than later in the middle of a training loop."""

    __slots__ = ("type", "index")

    def __init__(self, type: str | device = "cpu", index: int | None = None):
        if isinstance(type, device):
            type, index = type.type, type.index if index is None else index
        if not isinstance(type, str):
            raise TypeError(f"device() takes a string such as 'cpu', got {type!r}")
        name, colon, number = type.partition(":")
        if name != "cpu":
            raise RuntimeError(_not_cpu(type))
        if colon:
            if not number.isdigit():
                raise RuntimeError(f"device({type!r}): the part after ':' must be an index")
            index = int(number)
        if index is not None and (not isinstance(index, numbers.Integral) or index != 0):
            raise RuntimeError(f"device('cpu', {index!r}): the CPU has the one index 0")
        self.type, self.index = "cpu", None if index is None else 0

    def __eq__(self, other) -> bool:
        if isinstance(other, str):
            try:
                other = device(other)
            except (RuntimeError, TypeError):
                return False
        return isinstance(other, device) and (other.type, other.index) == (self.type, self.index)

    def __hash__(self) -> int:
        return hash((self.type, self.index))

    def __repr__(self) -> str:
        index = "" if self.index is None else f", index={self.index}"
        return f"device(type='{self.type}'{index})"

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"


CPU = device("cpu")


def _not_cpu(name) -> str:
    return (f"device {name!r}: retrograd computes on the CPU (with numpy), so 'cpu' is its only "
            "device; torch.cuda.is_available() is False here. Leave the tensor where it is, or "
            "write `device = 'cpu'`")


def is_device(x) -> bool:
    """Whether ``x`` names a device (a torch.device or a string like 'cpu', 'cuda:0', 'mps'),
    as opposed to a dtype: what ``Tensor.to`` needs to tell its arguments apart."""
    if isinstance(x, device):
        return True
    return isinstance(x, str) and x.partition(":")[0] in ("cpu", *_ACCELERATORS)


def check_device(dev) -> device:
    """``dev`` (None, 'cpu', a device) as the CPU device; any other device raises."""
    return CPU if dev is None else device(dev)


def _dtype(dtype) -> np.dtype | None:
    """``dtype`` as a numpy dtype (None stays None); a non-numeric one is refused."""
    if dtype is None:
        return None
    try:
        d = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"dtype={dtype!r} is not a dtype (give float32, float64, int64, ...)"
                        ) from None
    if d.kind not in "biuf":
        raise TypeError(f"dtype={dtype!r}: a tensor holds numbers (bool, int or float), "
                        f"not {d}")
    return d


def tensor(data, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """A new leaf tensor holding a copy of ``data`` (numbers, nested lists, arrays)."""
    check_device(device)
    return Tensor(data, requires_grad=requires_grad, dtype=_dtype(dtype))


def _shape(shape) -> tuple:
    if len(shape) == 1 and isinstance(shape[0], tuple | list):
        shape = tuple(shape[0])
    for n in shape:
        if not isinstance(n, numbers.Integral) or n < 0:
            raise ValueError(f"a shape is made of non-negative integers, got {shape}")
    return tuple(int(n) for n in shape)


def _made(array: np.ndarray, requires_grad: bool, device=None) -> Tensor:
    check_device(device)
    t = Tensor._wrap(array)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _float_dtype(dtype) -> np.dtype:
    return _Defaults.dtype if dtype is None else _dtype(dtype)


def zeros(*shape, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    return _made(np.zeros(_shape(shape), _float_dtype(dtype)), requires_grad, device)


def ones(*shape, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    return _made(np.ones(_shape(shape), _float_dtype(dtype)), requires_grad, device)


def empty(*shape, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """A tensor whose values are not to be relied on (torch leaves them uninitialised; here
    they are zeros, so a forgotten fill never shows leftover memory)."""
    return zeros(*shape, dtype=dtype, device=device, requires_grad=requires_grad)


def full(shape, fill_value, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    shape = _shape((shape,) if isinstance(shape, numbers.Integral) else (tuple(shape),))
    return _made(np.full(shape, fill_value, _float_dtype(dtype)), requires_grad, device)


def eye(n: int, m: int | None = None, dtype=None, device=None,
        requires_grad: bool = False) -> Tensor:
    return _made(np.eye(n, m, dtype=_float_dtype(dtype)), requires_grad, device)


def arange(start, end=None, step=1, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """Like torch.arange: integer arguments give int64, any float gives the default dtype."""
    if end is None:
        start, end = 0, start
    if dtype is None and all(isinstance(v, numbers.Integral) for v in (start, end, step)):
        dtype = np.int64
    return _made(np.arange(start, end, step, dtype=_float_dtype(dtype)), requires_grad, device)


def linspace(start, end, steps: int, dtype=None, device=None,
             requires_grad: bool = False) -> Tensor:
    """``steps`` evenly spaced values from ``start`` to ``end``, both included (torch.linspace),
    in the default dtype unless ``dtype`` is given. As torch does, the first half counts up from
    ``start`` and the second half down from ``end``, so both ends come out exact."""
    if not isinstance(steps, numbers.Integral) or isinstance(steps, bool) or steps < 0:
        raise ValueError(f"linspace: steps must be a non-negative integer, got {steps!r}")
    d = _float_dtype(dtype)
    if d.kind not in "iuf":
        raise TypeError(f"linspace: dtype must be a float or integer dtype, got {d}")
    # torch: step = (end - start) / (steps - 1) in the dtype (in double for integers), then each
    # value start + step * i in one rounding (a fused multiply-add): float32 is worked through
    # float64 (exact), float64 through long double; integer results are cut from the floats.
    calc = d if d.kind == "f" else np.dtype(np.float64)
    work = np.dtype(np.longdouble) if calc.itemsize == 8 else np.dtype(np.float64)
    lo, hi = calc.type(d.type(start)), calc.type(d.type(end))  # integers: the ends cut first
    i = np.arange(steps)
    if steps > 1:
        step = work.type((hi - lo) / calc.type(steps - 1))
        lo, hi = work.type(lo), work.type(hi)
        data = np.where(i < steps // 2, lo + step * i, hi - step * (steps - 1 - i))
    else:
        data = np.full(steps, lo)
    return _made(data.astype(d, copy=False), requires_grad, device)


def randn(*shape, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """Standard normal samples from the seeded generator."""
    data = _Defaults.rng.standard_normal(_shape(shape))
    return _made(data.astype(_float_dtype(dtype), copy=False), requires_grad, device)


def rand(*shape, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """Uniform samples in [0, 1) from the seeded generator."""
    data = _Defaults.rng.random(_shape(shape))
    return _made(data.astype(_float_dtype(dtype), copy=False), requires_grad, device)


def randint(low, high=None, size=None, *, dtype=None, device=None,
            requires_grad: bool = False) -> Tensor:
    """Integers drawn uniformly from [low, high), int64 unless ``dtype`` says otherwise; as in
    torch, ``randint(high, size)`` starts at 0."""
    if size is None and isinstance(high, tuple | list):
        low, high, size = 0, low, high
    elif high is None:
        low, high = 0, low
    if size is None:
        raise TypeError("randint needs a size, e.g. randint(0, 10, (3,))")
    for name, v in (("low", low), ("high", high)):
        if not isinstance(v, numbers.Integral) or isinstance(v, bool):
            raise TypeError(f"randint: {name} must be an integer, got {v!r}")
    if not low < high:
        raise ValueError(f"randint: low ({low}) must be less than high ({high})")
    shape = _shape((size,) if isinstance(size, numbers.Integral) else (tuple(size),))
    data = _Defaults.rng.integers(low, high, shape, dtype=np.int64)
    return _made(data.astype(_dtype(dtype) or np.int64, copy=False), requires_grad, device)


def randperm(n: int, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """A random permutation of 0 .. n-1 (int64)."""
    if not isinstance(n, numbers.Integral) or isinstance(n, bool) or n < 0:
        raise ValueError(f"randperm: n must be a non-negative integer, got {n!r}")
    data = _Defaults.rng.permutation(int(n))
    return _made(data.astype(_dtype(dtype) or np.int64, copy=False), requires_grad, device)


def normal(mean=0.0, std=1.0, size=None, *, dtype=None, device=None,
           requires_grad: bool = False) -> Tensor:
    """Normal samples (torch.normal): ``mean`` and ``std`` are numbers or tensors that broadcast
    together (giving the shape), or numbers with ``size``. The samples are not differentiable
    with respect to mean and std (a new leaf, as in torch)."""
    m, s = np.asarray(_data(mean)), np.asarray(_data(std))
    if m.dtype.kind not in "iuf" or s.dtype.kind not in "iuf":
        raise TypeError(f"normal: mean and std must be real numbers, got {mean!r} and {std!r}")
    if np.any(s < 0) or np.any(np.isnan(s)):
        raise ValueError(f"normal: std must be non-negative, got {std!r}")
    if size is None:
        if not isinstance(mean, Tensor) and not isinstance(std, Tensor):
            raise TypeError("normal(mean, std) with two numbers needs a size, e.g. "
                            "normal(0.0, 1.0, size=(3,))")
        shape = np.broadcast_shapes(m.shape, s.shape)
    else:
        shape = _shape((size,) if isinstance(size, numbers.Integral) else (tuple(size),))
    if dtype is None:
        floats = [x.dtype for x in (mean, std) if isinstance(x, Tensor) and x.dtype.kind == "f"]
        dtype = np.result_type(*floats) if floats else _Defaults.dtype
    data = _Defaults.rng.normal(m, s, shape)
    return _made(data.astype(_dtype(dtype), copy=False), requires_grad, device)


def from_numpy(array: np.ndarray) -> Tensor:
    """A tensor that shares ``array``'s memory (torch.from_numpy): a change to either shows in
    the other. The dtype is kept."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy takes a numpy array, got {type(array).__name__}")
    _check_numeric(array)
    return Tensor._wrap(array)


def as_tensor(data, dtype=None, device=None) -> Tensor:
    """``data`` as a tensor, sharing memory where it can (torch.as_tensor): a Tensor of that
    dtype is returned as it is, a numpy array of that dtype is shared; anything else is
    copied (or cast, keeping the graph)."""
    check_device(device)
    d = _dtype(dtype)
    if isinstance(data, Tensor):
        return data if d is None or d == data.dtype else data.to(d)
    if isinstance(data, np.ndarray) and (d is None or d == data.dtype):
        _check_numeric(data)
        return Tensor._wrap(data)
    return Tensor(data, dtype=d)


def _check_numeric(array: np.ndarray) -> None:
    if array.dtype.kind not in "biuf":
        raise TypeError(f"cannot make a tensor from an array of dtype {array.dtype}: a tensor "
                        "holds real numbers (bool, int or float)")


def zeros_like(t, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    return _made(np.zeros_like(_data(t), dtype=_dtype(dtype)), requires_grad, device)


def ones_like(t, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    return _made(np.ones_like(_data(t), dtype=_dtype(dtype)), requires_grad, device)


def empty_like(t, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """As ``empty``: zeros here."""
    return zeros_like(t, dtype=dtype, device=device, requires_grad=requires_grad)


def full_like(t, fill_value, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    return _made(np.full_like(_data(t), fill_value, dtype=_dtype(dtype)), requires_grad, device)


def randn_like(t, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    d = _data(t)
    return randn(*d.shape, dtype=dtype or d.dtype, device=device, requires_grad=requires_grad)


def rand_like(t, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    d = _data(t)
    return rand(*d.shape, dtype=dtype or d.dtype, device=device, requires_grad=requires_grad)


# the Tensor.new_* methods: a new tensor with this one's dtype unless ``dtype`` is given


def new_tensor(self, data, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """A new leaf holding a copy of ``data``, in this tensor's dtype unless ``dtype`` is given."""
    return tensor(data, dtype=dtype or self.dtype, device=device, requires_grad=requires_grad)


def new_zeros(self, *size, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    return zeros(*size, dtype=dtype or self.dtype, device=device, requires_grad=requires_grad)


def new_ones(self, *size, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    return ones(*size, dtype=dtype or self.dtype, device=device, requires_grad=requires_grad)


def new_empty(self, *size, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    return empty(*size, dtype=dtype or self.dtype, device=device, requires_grad=requires_grad)


def new_full(self, size, fill_value, dtype=None, device=None,
             requires_grad: bool = False) -> Tensor:
    return full(size, fill_value, dtype=dtype or self.dtype, device=device,
                requires_grad=requires_grad)
