"""Module, Parameter, Sequential and ModuleList: the containers every network is built from.

A Module finds its parameters and submodules by itself: assigning a ``Parameter`` or a
``Module`` to an attribute registers it (PyTorch's ``__setattr__`` bookkeeping), so
``parameters()``, ``state_dict()``, ``train()`` and the printed summary all see it.

Scalar nets made of ``autograd.Value`` (nn.scalar) use the same Module: an attribute holding a
leaf Value, or a non-empty list or tuple of them (Parameters may be mixed in), is registered
too, under "b" or "w.0", "w.1", ...; ``parameters()`` yields those Values and ``zero_grad()``
sets their ``.grad`` back to 0.0. A Value made by an op (say a cached output) or a Constant is
not a weight and stays a plain attribute.
"""

from __future__ import annotations

import warnings
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from typing import Any, NamedTuple

import numpy as np

import autograd
from autograd import Tensor, Value

_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))


class Parameter(Tensor):
    """A Tensor that a Module registers as one of its weights; it requires grad.

    Built from a Tensor it shares that tensor's array (as torch.nn.Parameter does); built from
    a numpy array or a list it holds a copy. The dtype is kept (a float64 array stays float64).
    """

    __slots__ = ()

    def __init__(self, data: Any = None, requires_grad: bool = True):
        if data is None:
            data = np.empty(0, dtype=np.float32)
        if isinstance(data, Tensor):
            super().__init__(np.empty(0, dtype=data.dtype))
            self.data = data
            self._ver = data._counter()  # one tensor in two roles: one version counter
        else:
            super().__init__(data)
        if requires_grad:
            self.requires_grad_(True)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()


def _is_weight(value: Any) -> bool:
    """A Parameter, or a leaf Value that wants a gradient (not an op's result, not a
    Constant): what a Module registers as a parameter."""
    if isinstance(value, Parameter):
        return True
    return isinstance(value, Value) and value._backward is None and value.requires_grad


def _is_value_list(value: Any) -> bool:
    """A non-empty list or tuple made only of weights (a scalar neuron's w)."""
    return isinstance(value, list | tuple) and len(value) > 0 and all(map(_is_weight, value))


def _is_module_list(value: Any) -> bool:
    return isinstance(value, list | tuple) and len(value) > 0 and all(
        isinstance(v, Module) for v in value
    )


class _IncompatibleKeys(NamedTuple):
    missing_keys: list
    unexpected_keys: list

    def __repr__(self) -> str:
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return (f"_IncompatibleKeys(missing_keys={self.missing_keys}, "
                f"unexpected_keys={self.unexpected_keys})")


class Module:
    """Base class of every layer and model: subclass it, call ``super().__init__()`` first,
    assign layers and Parameters to attributes, and define ``forward``.

    >>> class Net(Module):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.fc1 = nn.Linear(4, 8)
    ...     def forward(self, x):
    ...         return self.fc1(x)
    """

    training: bool

    def __init__(self) -> None:
        # object.__setattr__: our own __setattr__ needs these registries to exist already
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_buffers", OrderedDict())
        object.__setattr__(self, "_non_persistent", set())
        object.__setattr__(self, "_modules", OrderedDict())
        object.__setattr__(self, "training", True)

    # -- registration --------------------------------------------------------------------------

    def _registry(self, name: str) -> OrderedDict:
        registry = self.__dict__.get(name)
        if registry is None:
            raise AttributeError(
                f"cannot register on {type(self).__name__} before Module.__init__() ran: "
                f"call super().__init__() first thing in {type(self).__name__}.__init__"
            )
        return registry

    def _forget(self, name: str, keep: str | None = None) -> None:
        """Drop ``name`` from every registry but ``keep`` (where reassigning keeps its place in
        the order, as PyTorch does) and from the plain attributes."""
        for registry in ("_parameters", "_buffers", "_modules"):
            if registry != keep:
                self.__dict__.get(registry, {}).pop(name, None)
        if keep != "_buffers":
            self.__dict__.get("_non_persistent", set()).discard(name)
        self.__dict__.pop(name, None)

    def _check_name(self, kind: str, name: Any, registry: str | None) -> None:
        """Refuse, as torch does, a name that is not a string, is empty or has a dot (it would
        clash with a submodule's keys in state_dict), or that names another attribute
        (``forward``, ``training``, a plain attribute). ``registry=None`` checks the form
        only."""
        if not isinstance(name, str):
            raise TypeError(f"{kind} name should be a string, got {type(name).__name__} "
                            f"{name!r:.60}")
        if "." in name:
            raise KeyError(f"{kind} name can't contain \".\", got {name!r}")
        if name == "":
            raise KeyError(f"{kind} name can't be empty string \"\"")
        if registry is None or name in self.__dict__.get(registry, ()):
            return
        others = ("_parameters", "_buffers", "_modules")
        if hasattr(type(self), name) or name in self.__dict__ or any(
                name in self.__dict__.get(r, ()) for r in others if r != registry):
            raise KeyError(f"attribute '{name}' already exists on {type(self).__name__}; "
                           f"choose another {kind} name")

    def __setattr__(self, name: str, value: Any) -> None:
        params = self.__dict__.get("_parameters")
        buffers = self.__dict__.get("_buffers")
        modules = self.__dict__.get("_modules")
        if _is_weight(value) or _is_value_list(value):
            self._registry("_parameters")
            self._check_name("parameter", name, None)
            if hasattr(type(self), name):  # a method or property (torch's rule)
                raise KeyError(f"attribute '{name}' already exists on {type(self).__name__}; "
                               "choose another parameter name")
            self._forget(name, keep="_parameters")
            params[name] = value
        elif isinstance(value, Module):
            if params is not None and name in params:
                raise TypeError(
                    f"cannot assign {type(value).__name__} to parameter '{name}' of "
                    f"{type(self).__name__}: give an nn.Parameter or None (del it first to "
                    "put a module there)"
                )
            self._registry("_modules")
            self._check_name("module", name, None)
            self._forget(name, keep="_modules")
            modules[name] = value
        elif params is not None and name in params:
            if value is not None:
                # silently turning a weight into a plain attribute would drop it from training
                raise TypeError(
                    f"cannot assign {type(value).__name__} to parameter '{name}' of "
                    f"{type(self).__name__}: give an nn.Parameter (nn.Parameter(t)) or None"
                )
            params[name] = None
        elif buffers is not None and name in buffers:
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(
                    f"cannot assign {type(value).__name__} to buffer '{name}' of "
                    f"{type(self).__name__}: give a Tensor or None"
                )
            buffers[name] = value
        elif modules is not None and name in modules:
            if value is not None:  # silently dropping a layer would drop it from training
                raise TypeError(
                    f"cannot assign {type(value).__name__} to submodule '{name}' of "
                    f"{type(self).__name__}: give a Module or None (del it first to reuse "
                    "the name)"
                )
            modules[name] = None
        else:
            if _is_module_list(value):
                warnings.warn(
                    f"{type(self).__name__}.{name} is a plain {type(value).__name__} of modules: "
                    "their parameters are not registered (as in PyTorch); wrap it in "
                    "nn.ModuleList(...) so parameters() and train() see them",
                    stacklevel=2,
                )
            self._forget(name)
            object.__setattr__(self, name, value)

    def __getattr__(self, name: str) -> Any:
        # only called when normal lookup fails: the registered names live in the registries
        d = self.__dict__
        for registry in ("_parameters", "_buffers", "_modules"):
            if registry in d and name in d[registry]:
                return d[registry][name]
        if name in ("_parameters", "_buffers", "_modules", "_non_persistent", "training"):
            raise AttributeError(
                f"{type(self).__name__} has no attribute '{name}': did "
                f"{type(self).__name__}.__init__ call super().__init__()?"
            )
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name: str) -> None:
        for registry in ("_parameters", "_buffers", "_modules"):
            if name in self.__dict__.get(registry, {}):
                del self.__dict__[registry][name]
                self.__dict__.get("_non_persistent", set()).discard(name)
                return
        object.__delattr__(self, name)

    def __dir__(self) -> list:
        registries = ("_parameters", "_buffers", "_modules")
        extra = [k for r in registries for k in self.__dict__.get(r, {})]
        return sorted(set(super().__dir__()) | set(extra))

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Register ``param`` (or None, a slot left empty, like a Linear without bias)."""
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(
                f"register_parameter('{name}', ...) takes an nn.Parameter or None, "
                f"got {type(param).__name__}"
            )
        self._registry("_parameters")
        self._check_name("parameter", name, "_parameters")
        self._forget(name, keep="_parameters")
        self._parameters[name] = param

    def register_buffer(self, name: str, tensor: Tensor | None, persistent: bool = True) -> None:
        """Keep a tensor that is state but not a weight (saved in state_dict unless
        ``persistent=False``, cast by ``to()``, never given to an optimizer)."""
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(
                f"register_buffer('{name}', ...) takes a Tensor or None, "
                f"got {type(tensor).__name__}"
            )
        self._registry("_buffers")
        self._check_name("buffer", name, "_buffers")
        self._forget(name, keep="_buffers")
        self._buffers[name] = tensor
        if persistent:
            self._non_persistent.discard(name)
        else:
            self._non_persistent.add(name)

    def add_module(self, name: str, module: Module | None) -> None:
        if module is not None and not isinstance(module, Module):
            raise TypeError(
                f"add_module('{name}', ...) takes a Module, got {type(module).__name__}"
            )
        self._registry("_modules")
        self._check_name("module", name, "_modules")
        self._forget(name, keep="_modules")
        self._modules[name] = module

    # -- running ---------------------------------------------------------------------------------

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        subclass = type(self).__name__
        raise NotImplementedError(f"{subclass} has no forward() method: a Module subclass "
                                  "defines `def forward(self, x):` inside the class (indented "
                                  "under it), returning the output")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.forward(*args, **kwargs)

    # -- walking the tree ------------------------------------------------------------------------

    def _own_parameters(self) -> Iterator[tuple[str, Tensor | Value]]:
        for name, p in self._parameters.items():
            if p is None:
                continue
            if isinstance(p, list | tuple):
                for i, v in enumerate(p):
                    yield f"{name}.{i}", v
            else:
                yield name, p

    def named_modules(self, memo: set | None = None, prefix: str = "",
                      remove_duplicate: bool = True) -> Iterator[tuple[str, Module]]:
        """(name, module) for this module and every module below it, depth first; a module
        reached twice is given once."""
        memo = set() if memo is None else memo
        if remove_duplicate:
            if id(self) in memo:
                return
            memo.add(id(self))
        yield prefix, self
        for name, child in self._modules.items():
            if child is not None:
                yield from child.named_modules(memo, f"{prefix}.{name}" if prefix else name,
                                               remove_duplicate)

    def modules(self) -> Iterator[Module]:
        for _, m in self.named_modules():
            yield m

    def named_children(self) -> Iterator[tuple[str, Module]]:
        seen = set()
        for name, child in self._modules.items():
            if child is not None and id(child) not in seen:
                seen.add(id(child))
                yield name, child

    def children(self) -> Iterator[Module]:
        for _, child in self.named_children():
            yield child

    def named_parameters(self, prefix: str = "", recurse: bool = True,
                         remove_duplicate: bool = True) -> Iterator[tuple[str, Tensor | Value]]:
        """("fc1.weight", Parameter) pairs in registration order; a parameter shared by two
        layers is given once, under its first name."""
        walk = self.named_modules(prefix=prefix) if recurse else [(prefix, self)]
        seen = set()
        for mod_prefix, module in walk:
            for name, p in module._own_parameters():
                if remove_duplicate:
                    if id(p) in seen:
                        continue
                    seen.add(id(p))
                yield (f"{mod_prefix}.{name}" if mod_prefix else name), p

    def parameters(self, recurse: bool = True) -> Iterator[Tensor | Value]:
        """Every parameter once (Parameters, and Values for scalar nets): what an optimizer
        updates."""
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    def named_buffers(self, prefix: str = "", recurse: bool = True) -> Iterator[tuple[str, Tensor]]:
        walk = self.named_modules(prefix=prefix) if recurse else [(prefix, self)]
        for mod_prefix, module in walk:
            for name, b in module._buffers.items():
                if b is not None:
                    yield (f"{mod_prefix}.{name}" if mod_prefix else name), b

    def buffers(self, recurse: bool = True) -> Iterator[Tensor]:
        for _, b in self.named_buffers(recurse=recurse):
            yield b

    # -- training switches -----------------------------------------------------------------------

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clear every parameter's gradient: None (or zeros with ``set_to_none=False``) for a
        Tensor, 0.0 for a Value."""
        for p in self.parameters():
            if isinstance(p, Value):
                p.grad = 0.0
            elif set_to_none or p.grad is None:
                p.grad = None
            else:
                p.grad = autograd.zeros_like(p)

    def train(self, mode: bool = True) -> Module:
        """Training mode for this module and all below it (Dropout drops); returns self."""
        if not isinstance(mode, bool):
            raise ValueError(f"train(mode) takes True or False, got {mode!r}")
        for m in self.modules():
            object.__setattr__(m, "training", mode)
        return self

    def eval(self) -> Module:
        """Evaluation mode (Dropout passes everything through); same as ``train(False)``."""
        return self.train(False)

    def requires_grad_(self, requires_grad: bool = True) -> Module:
        """Freeze (False) or unfreeze every Tensor parameter; returns self."""
        for p in self.parameters():
            if isinstance(p, Tensor):
                p.requires_grad_(requires_grad)
        return self

    def apply(self, fn: Callable[[Module], Any]) -> Module:
        """Call ``fn`` on every submodule, then on self (e.g. a custom init); returns self."""
        for child in self.children():
            child.apply(fn)
        fn(self)
        return self

    def to(self, dtype: Any) -> Module:
        """Cast every float parameter (and its gradient) and buffer to ``dtype`` (float32 or
        float64), in place; returns self. ``"cpu"`` is accepted and changes nothing: this
        engine runs on numpy."""
        if isinstance(dtype, str) and dtype in ("cpu", "numpy"):
            return self
        try:
            target = None if dtype is None else np.dtype(dtype)
        except TypeError:
            target = None
        if target is None or target not in _FLOATS:
            raise ValueError(
                f"to({dtype!r}): give float32 or float64 (this engine runs on the CPU with numpy, "
                "so there is no device to move to)"
            )
        for t in list(self.parameters()) + list(self.buffers()):
            if isinstance(t, Tensor) and t.dtype.kind == "f":
                t.data = t.numpy().astype(target)
                if t.grad is not None:
                    t.grad = Tensor(t.grad.numpy().astype(target))
        return self

    def double(self) -> Module:
        return self.to(np.float64)

    def float(self) -> Module:
        return self.to(np.float32)

    # -- saving and loading ----------------------------------------------------------------------

    def _state_entries(self) -> OrderedDict:
        """name -> the live parameter (Tensor or Value) or persistent buffer. A module shared
        under two names is listed under both, as torch does, so tied checkpoints load."""
        out = OrderedDict()
        for prefix, module in self.named_modules(remove_duplicate=False):
            dot = f"{prefix}." if prefix else ""
            entries = list(module._own_parameters()) + [
                (name, b) for name, b in module._buffers.items()
                if b is not None and name not in module._non_persistent]
            for name, p in entries:
                if out.get(dot + name, p) is not p:  # never let one entry hide another
                    raise RuntimeError(f"two different tensors of {type(self).__name__} have "
                                       f"the state_dict key '{dot + name}'; rename one")
                out[dot + name] = p
        return out

    def state_dict(self) -> OrderedDict:
        """name -> a numpy copy of every parameter and persistent buffer (dtype kept; a Value
        gives a 0-d float64 array)."""
        return OrderedDict(
            (k, np.array(v.data, dtype=np.float64) if isinstance(v, Value) else v.numpy().copy())
            for k, v in self._state_entries().items()
        )

    def load_state_dict(self, state_dict: Any, strict: bool = True) -> _IncompatibleKeys:
        """Copy the arrays of ``state_dict`` (numpy arrays, Tensors, or anything numpy can read,
        torch tensors included) into this model's parameters, cast to their dtype.

        Every key and shape is checked before anything is written: a missing or unexpected key
        (when ``strict``), a wrong shape or an unreadable value raises RuntimeError naming it,
        and the model is left exactly as it was. Returns (missing_keys, unexpected_keys).
        """
        if not hasattr(state_dict, "keys") or not hasattr(state_dict, "__getitem__"):
            raise TypeError(
                f"load_state_dict takes a mapping of name -> array, got {type(state_dict).__name__}"
            )
        entries = self._state_entries()
        missing = [k for k in entries if k not in state_dict]
        unexpected = [k for k in state_dict.keys() if k not in entries]
        problems, ready = [], []
        for key, target in entries.items():
            if key not in state_dict:
                continue
            value = state_dict[key]
            if hasattr(value, "detach") and not isinstance(value, Tensor):
                value = value.detach()  # a torch tensor that requires grad (a Parameter)
            try:
                given = np.asarray(value)
                if given.dtype.kind not in "biuf":
                    raise TypeError(f"dtype {given.dtype}")
                dtype = np.float64 if isinstance(target, Value) else target.dtype
                array = given.astype(dtype)
            except (TypeError, ValueError, RuntimeError) as err:
                problems.append(f"value for '{key}' is not a numeric array ({err})")
                continue
            shape = () if isinstance(target, Value) else target.shape
            if array.shape != shape:
                problems.append(
                    f"size mismatch for '{key}': the checkpoint has shape {array.shape}, "
                    f"the model has shape {shape}"
                )
                continue
            if not isinstance(target, Value) and not target.numpy().flags.writeable:
                problems.append(f"'{key}' of the model is read-only (its array does not allow "
                                "writing), so it cannot be loaded into")
                continue
            ready.append((target, array))
        if strict and unexpected:
            problems.insert(0, "unexpected key(s) in state_dict: "
                            + ", ".join(f"'{k}'" for k in unexpected))
        if strict and missing:
            problems.insert(0, "missing key(s) in state_dict: "
                            + ", ".join(f"'{k}'" for k in missing))
        if problems:
            unbuilt = [n for n, m in self.named_modules() if getattr(m, "built", True) is False]
            if unbuilt:
                problems.append(
                    "not built yet (no parameters until the first call, or give input_shape): "
                    + ", ".join(f"'{n or type(self).__name__}'" for n in unbuilt)
                )
            raise RuntimeError(
                f"error(s) loading state_dict into {type(self).__name__}; nothing was changed:\n\t"
                + "\n\t".join(problems)
            )
        for target, array in ready:
            if isinstance(target, Value):
                target.data = float(array)
            else:
                np.copyto(target.numpy(), array)
                autograd.increment_version(target)
        return _IncompatibleKeys(missing, unexpected)

    # -- printing --------------------------------------------------------------------------------

    def extra_repr(self) -> str:
        """The text inside the parentheses of this module's line (e.g. the layer sizes)."""
        return ""

    def __repr__(self) -> str:
        extra = self.extra_repr()
        extra_lines = extra.split("\n") if extra else []
        child_lines = [
            f"({name}): " + repr(child).replace("\n", "\n  ")
            for name, child in self._modules.items()
        ]
        lines = extra_lines + child_lines
        if not lines:
            return f"{type(self).__name__}()"
        if len(extra_lines) == 1 and not child_lines:
            return f"{type(self).__name__}({extra_lines[0]})"
        return f"{type(self).__name__}(\n  " + "\n  ".join(lines) + "\n)"


def _check_module(module: Any, where: str) -> Module:
    if not isinstance(module, Module):
        raise TypeError(f"{where} takes Modules, got {type(module).__name__} {module!r:.60}")
    return module


class Sequential(Module):
    """Modules called one after another: ``Sequential(nn.Linear(4, 8), nn.ReLU(), ...)``
    names them "0", "1", ...; so does Keras' ``Sequential([nn.Dense(8), ...])`` (one list);
    ``Sequential(OrderedDict(fc1=..., act=...))`` keeps your names."""

    def __init__(self, *modules: Module | OrderedDict | list):
        super().__init__()
        if len(modules) == 1 and isinstance(modules[0], list | tuple):
            modules = tuple(modules[0])
        if len(modules) == 1 and isinstance(modules[0], OrderedDict):
            for name, m in modules[0].items():
                self.add_module(str(name), _check_module(m, "Sequential"))
        else:
            for i, m in enumerate(modules):
                self.add_module(str(i), _check_module(m, "Sequential"))
        self._build_lazy_layers()

    def _build_lazy_layers(self) -> None:
        """Keras builds a whole Sequential when its first layer was given ``input_shape``: one
        dry forward pass on a row of zeros sizes every lazy layer after it, so the model has all
        its weights (for ``summary()``, an optimizer, ``load_state_dict``) before any data."""
        modules = list(self._modules.values())
        if not modules or not getattr(modules[0], "built", False):
            return  # a first layer that is not a built Dense: nothing tells the input size
        if all(getattr(m, "built", True) for m in modules):
            return
        modes = [(m, m.training) for m in self.modules()]
        self.eval()  # no Dropout draws: building must not move the random generator
        try:
            with autograd.no_grad():
                first = modules[0]
                self(autograd.zeros(1, first.in_features, dtype=first.weight.dtype))
        finally:
            for m, mode in modes:
                m.training = mode

    def forward(self, x: Any) -> Any:
        for m in self._modules.values():
            x = m(x)
        return x

    def _index(self, i: int) -> int:
        n = len(self._modules)
        if not -n <= i < n:
            raise IndexError(
                f"index {i} is out of range for a {type(self).__name__} of {n} modules"
            )
        return i % n

    def __getitem__(self, idx: int | slice) -> Module:
        items = list(self._modules.items())
        if isinstance(idx, slice):
            return type(self)(OrderedDict(items[idx]))
        return items[self._index(idx)][1]

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def append(self, module: Module) -> Sequential:
        """Add ``module`` at the end (named by its position); returns self."""
        self.add_module(str(len(self._modules)), _check_module(module, "append"))
        return self

    def extend(self, modules: Iterable[Module]) -> Sequential:
        for m in modules:
            self.append(m)
        return self


class ModuleList(Module):
    """A list of modules that registers them (a plain Python list would hide them from
    parameters() and train()). It has no forward: loop over it in yours."""

    def __init__(self, modules: Iterable[Module] | None = None):
        super().__init__()
        if modules is not None:
            self.extend(modules)

    def _index(self, i: int) -> int:
        n = len(self._modules)
        if not -n <= i < n:
            raise IndexError(f"index {i} is out of range for a ModuleList of {n} modules")
        return i % n

    def __getitem__(self, idx: int | slice) -> Module | ModuleList:
        values = list(self._modules.values())
        if isinstance(idx, slice):
            return ModuleList(values[idx])
        return values[self._index(idx)]

    def __setitem__(self, idx: int, module: Module) -> None:
        self._modules[str(self._index(idx))] = _check_module(module, "ModuleList")

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def append(self, module: Module) -> ModuleList:
        self.add_module(str(len(self._modules)), _check_module(module, "ModuleList.append"))
        return self

    def extend(self, modules: Iterable[Module]) -> ModuleList:
        if isinstance(modules, Module) and not isinstance(modules, ModuleList | Sequential):
            raise TypeError("ModuleList.extend takes an iterable of Modules; use append for one")
        for m in modules:
            self.append(m)
        return self

    def insert(self, index: int, module: Module) -> None:
        values = list(self._modules.values())
        values.insert(index, _check_module(module, "ModuleList.insert"))
        self._modules.clear()
        for i, m in enumerate(values):
            self._modules[str(i)] = m


class ModuleDict(Module):
    """A dict of modules that registers them under their keys, so parameters() and
    state_dict() see them (``blocks.encoder.weight``). It has no forward: index it in yours.
    Keys follow the rules of attribute names (non-empty strings without dots)."""

    def __init__(self, modules: Any = None):
        super().__init__()
        if modules is not None:
            self.update(modules)

    def __getitem__(self, key: str) -> Module:
        if key not in self._modules:
            raise KeyError(f"ModuleDict has no module {key!r} (keys: {list(self._modules)})")
        return self._modules[key]

    def __setitem__(self, key: str, module: Module) -> None:
        self.add_module(key, _check_module(module, "ModuleDict"))

    def __delitem__(self, key: str) -> None:
        if key not in self._modules:
            raise KeyError(f"ModuleDict has no module {key!r} (keys: {list(self._modules)})")
        del self._modules[key]

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[str]:
        return iter(self._modules)

    def __contains__(self, key: object) -> bool:
        return key in self._modules

    def keys(self):
        return self._modules.keys()

    def values(self):
        return self._modules.values()

    def items(self):
        return self._modules.items()

    def pop(self, key: str) -> Module:
        module = self[key]
        del self[key]
        return module

    def clear(self) -> None:
        self._modules.clear()

    def update(self, modules: Any) -> None:
        """Add (or replace) modules from a dict, a ModuleDict or (key, module) pairs. Every
        entry is checked before any is added."""
        if isinstance(modules, Module) and not isinstance(modules, ModuleDict):
            raise TypeError(f"ModuleDict.update takes a mapping or (key, module) pairs, got "
                            f"{type(modules).__name__}")
        pairs = list(modules.items()) if hasattr(modules, "items") else list(modules)
        for i, pair in enumerate(pairs):
            if not isinstance(pair, tuple | list) or len(pair) != 2:
                raise TypeError(f"ModuleDict.update: entry {i} is {pair!r:.60}, not a (key, "
                                "module) pair")
            _check_module(pair[1], "ModuleDict")
            self._check_name("module", pair[0], "_modules")
        for key, module in pairs:
            self.add_module(key, module)


class ParameterList(Module):
    """A list of Parameters that registers them, named "0", "1", ... (``layers.0`` in
    named_parameters). A Tensor that is not a Parameter is made one (as torch does)."""

    def __init__(self, values: Iterable[Any] | None = None):
        super().__init__()
        if values is not None:
            self.extend(values)

    @staticmethod
    def _as_parameter(value: Any, where: str) -> Parameter:
        if isinstance(value, Parameter):
            return value
        if isinstance(value, Tensor):
            return Parameter(value)
        raise TypeError(f"{where} takes Parameters or Tensors, got {type(value).__name__} "
                        f"{value!r:.60}")

    def _index(self, i: int) -> int:
        n = len(self._parameters)
        if not isinstance(i, int) or not -n <= i < n:
            raise IndexError(f"index {i!r} is out of range for a ParameterList of {n}")
        return i % n

    def __getitem__(self, idx: int | slice) -> Parameter | ParameterList:
        values = list(self._parameters.values())
        if isinstance(idx, slice):
            return ParameterList(values[idx])
        return values[self._index(idx)]

    def __setitem__(self, idx: int, value: Any) -> None:
        self.register_parameter(str(self._index(idx)),
                                self._as_parameter(value, "ParameterList"))

    def __len__(self) -> int:
        return len(self._parameters)

    def __iter__(self) -> Iterator[Parameter]:
        return iter(self._parameters.values())

    def append(self, value: Any) -> ParameterList:
        self.register_parameter(str(len(self._parameters)),
                                self._as_parameter(value, "ParameterList.append"))
        return self

    def extend(self, values: Iterable[Any]) -> ParameterList:
        if isinstance(values, Tensor):
            raise TypeError("ParameterList.extend takes an iterable of Parameters; use append "
                            "for one")
        values = [self._as_parameter(v, "ParameterList.extend") for v in values]
        for v in values:
            self.append(v)
        return self

    def extra_repr(self) -> str:
        return "\n".join(f"({i}): Parameter containing: [{p.dtype} of size {p.shape}]"
                         for i, p in enumerate(self._parameters.values()))
