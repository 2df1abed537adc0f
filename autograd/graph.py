"""The graph core shared by Value and Tensor: grad mode, anomaly mode and the backward driver.

A node (a Value or a Tensor) made by an op stores its parents, the op's backward rule (a plain
module-level function, never a closure over the node) and whatever the rule needs that its
parents do not already hold. The rule is called as ``rule(node, grad)`` and returns one
gradient per parent (None for a parent that needs none). Nothing points from a parent back to
its children, so a graph holds no reference cycle and is freed by reference counting.
"""

from __future__ import annotations

import functools
import itertools
import math
import os
import threading
import traceback
import weakref
from typing import Any

import numpy as np


class GraphFreedError(RuntimeError):
    """Raised by a second backward through a graph whose saved values were released."""


class AnomalyError(FloatingPointError):
    """Raised in anomaly mode by the first op whose result or gradient holds nan or inf."""


class InplaceError(RuntimeError):
    """Raised by backward when a tensor an op saved was changed in place after the op ran."""


class _Mode(threading.local):
    """The switches every op reads, one set per thread (PyTorch's rule): a ``no_grad`` block in
    one thread never stops another from recording.

    A thread-local attribute costs three times a class attribute to read, and every op reads
    the switches; so ``_Mode.quiet`` (one flag for the whole process) stays true while every
    thread is in the default state (recording, anomaly mode off, no ``autograd.grad`` running),
    and the ops' hot path reads only that. The switches' setters keep it true to the threads.
    """

    quiet = True  # class attribute: no thread has left the default state
    _others = 0  # how many threads have
    _lock = threading.RLock()  # re-entrant: _Counted.__del__ may run while it is held

    def __init__(self):  # runs once in each thread, at its first use
        self._grad_enabled, self._anomaly, self._capture = True, False, None
        self.made_at: dict | None = None  # anomaly mode: where each node was made
        self._counted = _Counted()

    def _set(self, name: str, value) -> None:
        was = self._default()
        setattr(self, name, value)
        now = self._default()
        if was != now:
            self._counted.odd = not now
            _Mode._count(-1 if now else 1)

    @staticmethod
    def _count(change: int) -> None:
        with _Mode._lock:
            _Mode._others += change
            _Mode.quiet = _Mode._others == 0

    def _default(self) -> bool:
        return self._grad_enabled and not self._anomaly and self._capture is None

    grad_enabled = property(lambda self: self._grad_enabled,
                            lambda self, on: self._set("_grad_enabled", on))
    anomaly = property(lambda self: self._anomaly, lambda self, on: self._set("_anomaly", on))
    # while autograd.grad runs: id of each input -> its gradient
    capture = property(lambda self: self._capture, lambda self, ids: self._set("_capture", ids))


class _Counted:
    """Held by one thread's switches: a thread that ends outside the default state (inside
    ``no_grad``, say) stops counting when its switches go, so the fast path comes back."""

    __slots__ = ("odd",)

    def __init__(self):
        self.odd = False

    def __del__(self):
        if self.odd:
            _Mode._count(-1)


_mode = _Mode()


class _Clock:
    """Ticks once per in-place change anywhere. A node remembers the tick it was made at; a
    saved tensor changed at a later tick was changed after the op saved it."""

    now = 0
    _ticks = itertools.count(1)
    _lock = threading.Lock()  # two threads' ticks must never leave ``now`` behind the later one

    @classmethod
    def tick(cls) -> int:
        with cls._lock:
            cls.now = now = next(cls._ticks)
        return now


def increment_version(tensor) -> None:
    """Count an in-place change made to ``tensor``'s array outside its own methods (as an
    optimizer's update does), so a backward that needs the old values refuses (torch's
    ``torch.autograd.graph.increment_version``)."""
    tensor._mark_modified()


def is_grad_enabled() -> bool:
    """Whether ops record the graph right now, in this thread."""
    return _mode.grad_enabled


class _GradSwitch:
    """A context manager that is also a decorator, used bare or called: ``@no_grad``,
    ``@no_grad()`` and ``with no_grad():`` all work, as in PyTorch."""

    _enabled: bool

    def __new__(cls, func=None):
        self = super().__new__(cls)
        if func is None:
            return self
        if not callable(func):
            raise TypeError(f"{cls.__name__}() takes no argument or a function, got {func!r}")
        return self(func)

    def __enter__(self):
        self._previous = _mode.grad_enabled
        _mode.grad_enabled = self._enabled

    def __exit__(self, *exc):
        _mode.grad_enabled = self._previous
        return False

    def __call__(self, func):
        mode = self._enabled

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with set_grad_enabled(mode):
                return func(*args, **kwargs)

        return wrapper


class no_grad(_GradSwitch):
    """Record nothing inside: results carry no graph and require no grad."""

    _enabled = False


class enable_grad(_GradSwitch):
    """Record again inside a ``no_grad`` block."""

    _enabled = True


class set_grad_enabled(_GradSwitch):
    """Turn recording on or off: at once when called as a statement, ``set_grad_enabled(False)``
    (as torch does), or for a block or a function as a context manager or decorator."""

    def __new__(cls, mode: bool):
        if callable(mode):
            raise TypeError("set_grad_enabled needs a mode: @set_grad_enabled(False)")
        self = object.__new__(cls)
        self._enabled = bool(mode)
        self._previous = _mode.grad_enabled
        _mode.grad_enabled = self._enabled
        return self

    def __enter__(self):
        pass  # the mode was set when the object was made

    def __call__(self, func):
        _mode.grad_enabled = self._previous  # as a decorator it acts only inside func
        return super().__call__(func)


class detect_anomaly:
    """Turn the first nan an op's forward makes, or the first nan or inf in a gradient, into an
    AnomalyError that names the op and the line of user code that called it (torch's rule: a
    forward inf, such as log(0) or a -inf mask, is legitimate). Per thread; slows every op."""

    def __new__(cls, enabled=True):
        self = super().__new__(cls)
        if callable(enabled):  # used bare: @detect_anomaly
            self._enabled = True
            return self(enabled)
        self._enabled = bool(enabled)
        return self

    def __enter__(self):
        self._previous = _mode.anomaly
        _mode.anomaly = self._enabled
        if self._enabled and _mode.made_at is None:
            _mode.made_at = {}
        return self

    def __exit__(self, *exc):
        _mode.anomaly = self._previous
        if not _mode.anomaly:
            _mode.made_at = None
        return False

    def __call__(self, func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with detect_anomaly(self._enabled):
                return func(*args, **kwargs)

        return wrapper


_LIBRARY = tuple(
    os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), package) + os.sep
    for package in ("autograd", "nn")
)


def _caller() -> str:
    """The innermost stack frame outside autograd and nn, as 'file:line in function'."""
    for frame in reversed(traceback.extract_stack()):
        if not frame.filename.startswith(_LIBRARY):
            return f"{frame.filename}:{frame.lineno} in {frame.name}"
    return "<unknown>"


def _is_finite(value: Any) -> bool:
    if isinstance(value, float):
        return math.isfinite(value)
    return bool(np.isfinite(value).all())


def _has_nan(value: Any) -> bool:
    if isinstance(value, float):
        return value != value
    return value.dtype.kind in "fc" and bool(np.isnan(value).any())


def check_anomaly(node, op: str) -> None:
    """Called by ops in anomaly mode: raise if the new node's value holds a nan, else remember
    where it was made so that a bad gradient later can be traced back here."""
    where = _caller()
    if _has_nan(node._value()):
        raise AnomalyError(f"op '{op}' produced nan in its forward pass, called at {where}")
    if _mode.made_at is not None:
        _mode.made_at[id(node)] = (weakref.ref(node), where)


def _where_made(node) -> str:
    entry = (_mode.made_at or {}).get(id(node))
    if entry is not None and entry[0]() is node:
        return entry[1]
    return "<made outside detect_anomaly>"


def nodes_below(root) -> list:
    """Every node of the graph below ``root``, ``root`` first, each once (no recursion)."""
    nodes, stack, seen = [], [root], {id(root)}
    while stack:
        node = stack.pop()
        nodes.append(node)
        for parent in node._parents:
            if id(parent) not in seen:
                seen.add(id(parent))
                stack.append(parent)
    return nodes


def op_name(node) -> str:
    """The short name of the op that made a node ('' for a leaf)."""
    rule = node._backward
    return "" if rule is None else rule.op


# One backward pass at a time: passes through graphs that share leaves would otherwise mix
# their counters and lose updates to a shared .grad. Re-entrant, for hooks that run backward.
_backward_lock = threading.RLock()
_hold, _let_go = _backward_lock.acquire, _backward_lock.release  # cheaper than `with` per call


def backward(root, seed, retain_graph: bool) -> None:
    """Send ``seed`` (d root / d root) back through the graph below ``root``.

    Iterative Kahn order, no recursion: a first walk counts, for every node that requires grad,
    how many of its consumers lie in this graph; the second releases a node once all of them
    have sent it their gradient, so each node's gradient is complete when its rule runs.
    """
    nodes = [root]
    _hold()
    try:
        _count_consumers(root, nodes)
        _propagate(root, seed, retain_graph)
    except BaseException:
        # A completed pass leaves every counter at zero; after an error, reset what is left.
        for node in nodes:
            node._pending = 0
            node._g = None
        raise
    finally:
        _let_go()


def _count_consumers(root, nodes: list) -> None:
    """First walk: count each node's consumers in this graph, and refuse a graph whose saved
    values were released before any gradient moves (a failed call changes no .grad)."""
    stack = [root]
    changed = _Clock.now
    while stack:
        node = stack.pop()
        if node._saved is FREED:
            raise GraphFreedError(
                f"backward through op '{node._backward.op}' a second time, but its saved values "
                "were released by the first backward; pass retain_graph=True to the first call"
            )
        parents = node._parents
        if changed and parents and node._tick < changed:  # changed in place since this op ran
            _check_versions(node)
            parents = node._parents
        for parent in parents:
            if parent.requires_grad:
                count = parent._pending + 1
                parent._pending = count
                if count == 1:
                    nodes.append(parent)
                    stack.append(parent)


def _check_versions(node) -> None:
    """For a node made before some in-place change: send its gradients where its values came
    from, and refuse (torch's rule) a rule whose values changed after the op ran.

    - An input that a recorded in-place op made anew after this node used it (``x += 1`` makes
      ``x`` the add's result) is swapped, for good, for the former self this node used, which
      the in-place op kept as its own input (tensor._Former, a copy of the old values).
    - An input that is a view (reshape, transpose, indexing) of a tensor made anew that way
      after the view was taken is swapped for the same view of what that tensor was when this
      node used it (torch re-derives such a view). Backward through the stale view itself
      raises (_used_self): a node made after the last change is not checked here.
    - A rule that reads its inputs' or its output's values refuses one changed since.
    """
    rule, tick, parents = node._backward, node._tick, node._parents
    if rule is None:
        return
    used = tuple(_input_then(node, p) for p in parents)
    if any(u is not p for u, p in zip(used, parents)):
        node._parents = parents = used
    ver = node._ver
    if rule.reads_output and ver is not None and ver.at > tick:
        _refuse(node, "its output", node, ver)
    for i, p in enumerate(parents):
        ver = p._ver
        if ver is not None and ver.at > tick and (rule.reads_inputs or (rule.reads_others and any(
                q.requires_grad for j, q in enumerate(parents) if j != i))):
            _refuse(node, f"input {i}", p, ver)
    first_changed = getattr(node._saved, "first_changed", None)  # an autograd.Function's ctx
    if first_changed is not None and (changed := first_changed()) is not None:
        _refuse(node, f"saved tensor {changed[0]}", changed[1], changed[1]._ver)


def _input_then(node, parent):
    """What ``parent`` was when ``node`` used it (see _check_versions)."""
    from .ops.shape import rederived  # the ops import this module: look it up when needed

    if parent._tick > node._tick:
        return _used_self(node, parent)
    again = rederived(parent, node._tick)
    return parent if again is None else again


def _refuse(node, which: str, tensor, ver) -> None:
    raise InplaceError(
        f"one of the tensors needed for gradient computation has been modified by an inplace "
        f"operation: {which} of op '{node._backward.op}', of shape {tuple(tensor.shape)}, is at "
        f"version {ver.count}, changed after the op saved it. Change it after backward(), or "
        "use an out-of-place op (x = x + 1 instead of x += 1) or clone()"
    )


def stale_view(view, base) -> InplaceError:
    """The error for a view whose base a recorded in-place op made anew after the view was
    taken: the view's node no longer describes where its values come from."""
    return InplaceError(
        f"a view (op '{view._backward.op}', shape {tuple(view.shape)}) of a tensor of shape "
        f"{tuple(base.shape)} is used after an in-place op changed that tensor: the view's graph "
        "no longer describes its values. Take the view again after the in-place op (retrograd "
        "does not re-derive it as torch does), or use out-of-place ops"
    )


def _used_self(node, parent):
    """What ``parent``, made anew by recorded in-place ops after ``node`` used it, was then."""
    if node._ver is not None and node._ver is parent._ver:
        raise stale_view(node, parent)
    return self_at(parent, node._tick, node._backward.op)


def self_at(t, tick: int, op: str):
    """What ``t`` was at ``tick``: t itself, or the former self a recorded in-place op kept,
    walking back from the newest (op: the op that used it, for the error)."""
    now = t
    while t._tick > tick:
        t = next((q for q in t._parents if getattr(q, "_until", None) == t._tick), None)
        if t is None:
            raise GraphFreedError(
                f"backward through op '{op}', whose input of shape {tuple(now.shape)} was "
                "changed by an in-place op afterwards; an earlier backward released the graph "
                "before that change. Pass retain_graph=True to the first backward"
            )
    return t


def _propagate(root, seed, retain_graph: bool) -> None:
    """Second walk: a node runs its rule once all its consumers have sent their gradients."""
    quiet = _Mode.quiet
    anomaly = not quiet and _mode.anomaly
    # a gradient stops on its way (into .grad, a hook, autograd.grad's capture) only at a leaf,
    # at a node with hooks (retain_grad is one, a Value has them all) or while grad() runs
    capturing = not quiet and _mode.capture is not None
    delivered: set[int] = set()
    root._g = seed
    ready = [root]
    while ready:
        node = ready.pop()
        g = node._g
        node._g = None
        rule = node._backward
        if g is not None and (rule is None or node._hooks is not None or capturing):
            g = node._take_grad(g, delivered)
        if rule is None:
            continue
        parents = node._parents
        if g is None:
            grads = (None,) * len(parents)
        else:
            grads = rule(node, g)
            if anomaly:
                _check_grads(node, rule.op, grads)
        if not retain_graph and node._saved.__class__ is not Kept:
            # what the op saved, and its inputs, go now (as torch frees saved tensors), so a
            # kept loss does not keep every activation of its step alive
            node._saved = FREED
            node._parents = ()
        for parent, pg in zip(parents, grads):
            if not parent.requires_grad:
                continue
            if pg is not None:
                pending = parent._g
                parent._g = pg if pending is None else pending + pg
            left = parent._pending - 1
            parent._pending = left
            if left == 0:
                ready.append(parent)


def _check_grads(node, op: str, grads) -> None:
    for i, g in enumerate(grads):
        if g is not None and not _is_finite(g):
            raise AnomalyError(
                f"the backward of op '{op}' produced nan or inf in the gradient of its input {i}; "
                f"the op was called at {_where_made(node)}"
            )


class _Marker:
    __slots__ = ("name",)

    def __init__(self, name: str):
        self.name = name

    def __repr__(self) -> str:
        return self.name


class Kept(tuple):
    """What a node saved when it needs no release: nothing (add, reshape), or a view's small
    facts (a permutation, a basic index). Backward keeps such a node whole, so a second
    backward through it works, as through torch's nodes that save no tensor (a view of a weight
    taken once serves every step)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "KEEP" if not self else f"Kept{tuple(self)!r}"


FREED = _Marker("FREED")  # a node's saved values after a backward without retain_graph
KEEP = Kept()  # a node that saved nothing: never freed
