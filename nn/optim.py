"""Optimizers: torch.optim's update rules and defaults, step for step.

An optimizer holds ``param_groups`` (dicts with ``"params"`` and every option, so a group can
have its own ``lr``) and ``state`` (per parameter: step count, moment estimates). The loop is
PyTorch's::

    optimizer = optim.Adam(model.parameters(), lr=0.1)
    for epoch in range(100):
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()

Parameters are autograd Tensors (``nn.Parameter`` included) or ``autograd.Value`` scalars: the
same optimizers train a scalar MLP made of Values. A Tensor is updated in place (``p.data`` is
never rebound, since other code may hold the array) with numpy ``out=`` ufuncs and scratch
buffers, so a step allocates nothing after the first; a Value's float goes through the same
rule as a 0-d float64 array, so both kinds give the same numbers. The arithmetic follows
torch's own order of operations (e.g. Adam's ``m += (1 - beta1) * (g - m)``), so a float64
run follows torch's trajectory to rounding.

Learning-rate schedulers live in ``nn.lr_scheduler``, also reachable as
``nn.optim.lr_scheduler``.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from autograd import Tensor, Value, enable_grad, increment_version

__all__ = ["SGD", "Adagrad", "Adam", "AdamW", "Optimizer", "RMSprop", "lr_scheduler"]


# -- option checks: each returns the value in plain form or raises, naming it -------------------


def _number(opt: str, key: str, value) -> float:
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value.item()  # a number that came back from an .npz file
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Real):
        raise TypeError(f"{opt}: {key} must be a number, got {key}={value!r}")
    if not math.isfinite(value):
        raise ValueError(f"{opt}: {key} must be a finite number, got {key}={value!r}")
    return float(value)


def _nonnegative(opt: str, key: str, value) -> float:
    value = _number(opt, key, value)
    if value < 0:
        raise ValueError(f"{opt}: {key} must be >= 0, got {key}={value!r}")
    return value


def _flag(opt: str, key: str, value) -> bool:
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value.item()
    if not isinstance(value, bool | np.bool_):
        raise TypeError(f"{opt}: {key} must be True or False, got {key}={value!r}")
    return bool(value)


def _betas(opt: str, key: str, value) -> tuple[float, float]:
    pair = list(value) if isinstance(value, list | tuple | np.ndarray) else None
    if pair is None or len(pair) != 2:
        raise ValueError(f"{opt}: betas must be a pair (beta1, beta2), got betas={value!r}")
    for i, beta in enumerate(pair):
        beta = _number(opt, f"betas[{i}]", beta)
        if not 0.0 <= beta < 1.0:
            raise ValueError(f"{opt}: betas[{i}] must be in [0, 1), got betas={value!r}")
        pair[i] = beta
    return pair[0], pair[1]


# -- small helpers ------------------------------------------------------------------------------


def _array(p) -> np.ndarray:
    """A parameter's data as an array: a Value's float becomes a 0-d float64 array, so that one
    update rule, written for arrays, serves both kinds of parameter."""
    return np.array(p.data) if isinstance(p, Value) else p.numpy()


def _describe(p) -> str:
    if isinstance(p, Tensor):
        return f"a Tensor of shape {p.shape} and dtype {p.dtype}"
    return repr(p)


def _whole(opt: str, where: str, value) -> int:
    """A step count or parameter index read back from a state dict (it may come back as a
    float, a 0-d array or a string of digits)."""
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value.item()
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    if (isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Real)
            or not math.isfinite(value) or value < 0 or value != int(value)):
        raise ValueError(f"{opt}.load_state_dict: {where} must be a non-negative whole number, "
                         f"got {value!r}")
    return int(value)


class Optimizer:
    """Base of every optimizer: parameter groups, per-parameter state, ``zero_grad``,
    ``step`` and ``state_dict`` / ``load_state_dict`` in torch's layout.

    A subclass names its options and their checks in ``_options``, the state keys a parameter
    has after its first step in ``_state_keys``, and writes the update once, in
    ``_update_array``, in place on a numpy array (a Value's float arrives as a 0-d array,
    with its state in 0-d arrays too). A home-made
    optimizer may instead override ``step`` alone and keep what it likes in ``self.state``.
    """

    _options: dict[str, Callable] = {}

    def __init__(self, params, defaults: dict[str, Any]):
        name = type(self).__name__
        self.defaults = {key: self._checked(key, value) for key, value in defaults.items()}
        self._check_combination(self.defaults)
        self.state: dict = {}
        self.param_groups: list[dict] = []
        self._buffers: dict = {}
        if callable(params) and getattr(params, "__name__", None) == "parameters":
            raise TypeError(f"{name} got the method {params.__qualname__} itself; call it: "
                            "model.parameters()")
        if callable(getattr(params, "parameters", None)):  # the model itself
            raise TypeError(f"{name} got the model itself (a {type(params).__name__}); pass "
                            "its parameters: model.parameters()")
        if isinstance(params, Tensor | Value | dict):
            raise TypeError(
                f"{name}: params must be an iterable of Tensors, Values or parameter-group "
                f"dicts (e.g. model.parameters()), got a single {type(params).__name__}; "
                "wrap it in a list"
            )
        if isinstance(params, set):
            raise TypeError(f"{name}: params must be an ordered collection (a list), not a set, "
                            "so that state_dict indices mean the same thing in every run")
        params = list(params)
        if not params:
            raise ValueError(f"{name} got an empty parameter list")
        groups = params if isinstance(params[0], dict) else [{"params": params}]
        for group in groups:
            self.add_param_group(group)

    # -- groups ----------------------------------------------------------------------------

    def add_param_group(self, param_group: dict) -> None:
        """Add a group of parameters with options of its own; missing options take the
        optimizer's defaults. Checks everything before changing anything."""
        name = type(self).__name__
        if not isinstance(param_group, dict) or "params" not in param_group:
            raise TypeError(f"{name}: a parameter group is a dict with a 'params' entry, got "
                            f"{type(param_group).__name__} {param_group!r:.80}")
        params = param_group["params"]
        if isinstance(params, set):
            raise TypeError(f"{name}: a group's params must be a list, not a set")
        params = [params] if isinstance(params, Tensor | Value) else list(params)
        index = len(self.param_groups)
        if not params:
            raise ValueError(f"{name}: parameter group {index} has no parameters")
        seen = {id(p) for group in self.param_groups for p in group["params"]}
        for i, p in enumerate(params):
            self._check_param(p, i)
            if id(p) in seen:
                raise ValueError(f"{name}: parameter {i} of group {index} ({_describe(p)}) "
                                 "appears more than once among the optimizer's parameters")
            seen.add(id(p))
        group = {key: self._checked(key, value) for key, value in param_group.items()
                 if key != "params"}
        for key, value in self.defaults.items():
            group.setdefault(key, value)
        self._check_combination(group)
        group["params"] = params
        self.param_groups.append(group)

    def _check_param(self, p, i: int) -> None:
        name = type(self).__name__
        if isinstance(p, Value):
            if not p.requires_grad:
                raise TypeError(f"{name}: parameter {i} is {p!r}, a Constant (a plain number "
                                "taken into a graph), which gets no gradient to follow")
            if p._backward is not None:
                raise ValueError(f"{name}: parameter {i} is {p!r}, made by an op: only leaves "
                                 "(Values you created) can be optimized")
            return
        if not isinstance(p, Tensor):
            raise TypeError(f"{name}: parameter {i} is a {type(p).__name__}, not a Tensor or "
                            "a Value")
        if p.dtype.kind != "f":
            raise TypeError(f"{name}: parameter {i} has dtype {p.dtype}; only floating-point "
                            "tensors (float32, float64) can be optimized")
        if not p.is_leaf:
            raise ValueError(f"{name}: parameter {i} ({_describe(p)}) was made by op "
                             f"'{p.grad_fn.name()}': only leaf tensors can be optimized")

    def _checked(self, key: str, value):
        """An option's value after its check (options without one, such as a scheduler's
        ``initial_lr``, pass as they are)."""
        check = self._options.get(key)
        return check(type(self).__name__, key, value) if check else value

    def _check_combination(self, group: dict) -> None:
        """Checks that involve more than one option (a subclass adds its own)."""

    # -- the loop --------------------------------------------------------------------------

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clear every parameter's gradient before the next backward.

        ``set_to_none=True`` (torch's default) drops the gradient Tensor; ``False`` zeroes
        its array in place. A Value's gradient is a float and becomes 0.0 either way.
        """
        for group in self.param_groups:
            for p in group["params"]:
                if isinstance(p, Value):
                    p.grad = 0.0
                elif p.grad is not None:
                    if set_to_none:
                        p.grad = None
                    else:
                        p.grad.numpy().fill(0)
                        increment_version(p.grad)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update every parameter that has a gradient (one whose ``.grad`` is None is
        skipped). ``closure``, if given, recomputes the loss (with grad on) and its value is
        returned. Gradients are checked before any parameter changes."""
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        work = []
        for group in self.param_groups:
            for i, p in enumerate(group["params"]):
                if p.grad is not None:
                    work.append((p, self._gradient(p, i), group))
        for p, g, group in work:
            state = self.state.get(p)
            if state is None:
                state = self.state[p] = self._init_state(_array(p), group)
            if isinstance(p, Value):  # its float takes the same rule as a 0-d array
                x = np.array(p.data)
                self._update_array(x, g, state, group)
                p.data = float(x)
            else:
                self._update_array(p.numpy(), g, state, group)
                increment_version(p)  # an in-place change: a pending backward must refuse
        return loss

    def _gradient(self, p, i: int):
        name = type(self).__name__
        g = p.grad
        if isinstance(p, Value):
            if isinstance(g, bool) or not isinstance(g, numbers.Real):
                raise TypeError(f"{name}: parameter {i} ({p!r}) has a gradient of type "
                                f"{type(g).__name__}; a Value's gradient is a float")
            return np.array(float(g))
        g = g.numpy() if isinstance(g, Tensor) else g
        if not isinstance(g, np.ndarray) or g.shape != p.shape:
            shape = g.shape if isinstance(g, np.ndarray) else type(g).__name__
            raise ValueError(f"{name}: parameter {i} has shape {p.shape} but its "
                             f"gradient is {shape}")
        if g.dtype.kind not in "fiu":
            raise TypeError(f"{name}: parameter {i} ({_describe(p)}) has a gradient of dtype "
                            f"{g.dtype}; a gradient must hold real numbers")
        if not p.numpy().flags.writeable:
            raise ValueError(f"{name}: parameter {i} ({_describe(p)}) is read-only (its array "
                             "does not allow writing), so it cannot be updated in place")
        return g

    def _buffer(self, x: np.ndarray, slot: int) -> np.ndarray:
        """Scratch array shaped like ``x``, shared by parameters of one shape and dtype (the
        updates run one after another), so steps allocate nothing."""
        key = (x.shape, x.dtype, slot)
        buf = self._buffers.get(key)
        if buf is None:
            buf = self._buffers[key] = np.empty_like(x)
        return buf

    def _grad_array(self, x: np.ndarray, g: np.ndarray, group: dict,
                    weight_decay: float) -> np.ndarray:
        """The gradient the rule follows: -g when maximizing, plus weight_decay * x (an L2
        penalty). Written to a scratch buffer: ``p.grad`` itself is never changed."""
        maximize = group["maximize"]
        if weight_decay == 0:
            if not maximize:
                return g
            return np.negative(g, out=self._buffer(x, 0))
        out = np.multiply(x, weight_decay, out=self._buffer(x, 0))
        return np.subtract(out, g, out=out) if maximize else np.add(out, g, out=out)


    # -- state -----------------------------------------------------------------------------

    def _state_keys(self, group: dict) -> tuple[str, ...] | None:
        """The keys a parameter's state has once it has taken a step (None: not known, so
        load_state_dict takes any keys)."""
        return None

    def _init_state(self, x, group: dict) -> dict:
        return {key: 0 if key == "step" else np.zeros_like(x)
                for key in self._state_keys(group) or ()}

    def _update_array(self, x: np.ndarray, g: np.ndarray, state: dict, group: dict) -> None:
        """Update parameter array ``x`` in place from gradient ``g``."""
        raise NotImplementedError(f"{type(self).__name__} defines no update rule: a subclass "
                                  "of Optimizer overrides step() or _update_array")

    def state_dict(self) -> dict:
        """A snapshot in torch's layout: ``{"state": {index: {...}}, "param_groups": [...]}``
        where parameters are numbered in group order and each group lists its parameters'
        indices. Values are copies (numpy arrays, Python numbers), ready for ``nn.save``."""
        index: dict[int, int] = {}
        groups = []
        for group in self.param_groups:
            packed = {key: value for key, value in group.items() if key != "params"}
            packed["params"] = [index.setdefault(id(p), len(index)) for p in group["params"]]
            groups.append(packed)
        state = {}
        for group in self.param_groups:
            for p in group["params"]:
                entry = self.state.get(p)
                if entry:
                    state[index[id(p)]] = {
                        key: value.copy() if isinstance(value, np.ndarray) else value
                        for key, value in entry.items()
                    }
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict) -> None:
        """Take options and state from ``state_dict`` (as ``state_dict()`` made it, possibly
        after a round trip through a file). Parameters are matched by position; arrays are
        copied and cast to each parameter's dtype. Everything is checked first: on error the
        optimizer is left as it was."""
        name = type(self).__name__
        if not isinstance(state_dict, dict) or set(state_dict) != {"state", "param_groups"}:
            keys = sorted(state_dict) if isinstance(state_dict, dict) else type(state_dict)
            raise ValueError(f"{name}.load_state_dict: expected a dict with keys 'state' and "
                             f"'param_groups', got {keys}")
        saved_groups = list(state_dict["param_groups"])
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(f"{name}.load_state_dict: the state dict has {len(saved_groups)} "
                             f"parameter groups, this optimizer has {len(self.param_groups)}")
        groups, owner = [], {}
        for k, (saved, current) in enumerate(zip(saved_groups, self.param_groups, strict=True)):
            if not isinstance(saved, dict) or "params" not in saved:
                raise ValueError(f"{name}.load_state_dict: param_groups[{k}] must be a dict "
                                 f"with a 'params' entry, got {saved!r:.80}")
            saved_params = list(saved["params"])
            if len(saved_params) != len(current["params"]):
                raise ValueError(f"{name}.load_state_dict: parameter group {k} has "
                                 f"{len(saved_params)} parameters in the state dict and "
                                 f"{len(current['params'])} in this optimizer")
            group = dict(self.defaults)
            group.update((key, self._checked(key, value)) for key, value in saved.items()
                         if key != "params")
            self._check_combination(group)
            group["params"] = current["params"]
            groups.append(group)
            for saved_index, p in zip(saved_params, current["params"], strict=True):
                owner[_whole(name, f"param_groups[{k}]['params']", saved_index)] = (p, group)
        state = {}
        for key, entry in dict(state_dict["state"]).items():
            index = _whole(name, "a key of 'state'", key)
            if index not in owner:
                raise ValueError(f"{name}.load_state_dict: state for parameter {key!r}, which "
                                 "no parameter group lists")
            if not isinstance(entry, dict):
                raise ValueError(f"{name}.load_state_dict: state[{key!r}] must be a dict, got "
                                 f"{type(entry).__name__}")
            p, group = owner[index]
            state[p] = self._checked_state(entry, p, group, f"state[{key!r}]")
        self.param_groups = groups
        self.state = state

    def _checked_state(self, entry: dict, p, group: dict, where: str) -> dict:
        name = type(self).__name__
        expected = self._state_keys(group)
        if not entry:
            return {}
        if expected is not None and set(entry) != set(expected):
            raise ValueError(f"{name}.load_state_dict: {where} has keys {sorted(entry)}, "
                             f"expected {sorted(expected)} for these options")
        out = {}
        for key, value in entry.items():
            if expected is None and not isinstance(value, np.ndarray | Tensor):
                out[key] = value  # a home-made optimizer's own entry: taken as it is
            elif key == "step":
                out[key] = _whole(name, f"{where}['step']", value)
            else:
                like = _array(p)
                array = np.asarray(value.numpy() if isinstance(value, Tensor) else value)
                if array.shape != like.shape or array.dtype.kind not in "fiu":
                    raise ValueError(f"{name}.load_state_dict: {where}[{key!r}] is an array "
                                     f"of shape {array.shape} and dtype {array.dtype}; the "
                                     f"parameter has shape {like.shape}")
                out[key] = array.astype(like.dtype, copy=True)
        return out

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines += [f"    {key}: {group[key]}" for key in sorted(group) if key != "params"]
        return "\n".join(lines + [")"])


class SGD(Optimizer):
    """Stochastic gradient descent, with optional momentum (torch.optim.SGD).

    With g = grad (+ weight_decay * p; negated if maximize):

        b = g                            at the first step
        b = momentum * b + (1 - dampening) * g    later
        g = g + momentum * b   (nesterov)   or   g = b
        p = p - lr * g

    Without momentum this is plain p = p - lr * g. The default lr is torch 2.x's 1e-3.
    """

    _options = {
        "lr": _nonnegative,
        "momentum": _nonnegative,
        "dampening": _number,
        "weight_decay": _nonnegative,
        "nesterov": _flag,
        "maximize": _flag,
    }

    def __init__(self, params: Iterable, lr: float = 1e-3, momentum: float = 0.0,
                 dampening: float = 0.0, weight_decay: float = 0.0, nesterov: bool = False,
                 *, maximize: bool = False):
        super().__init__(params, {"lr": lr, "momentum": momentum, "dampening": dampening,
                                  "weight_decay": weight_decay, "nesterov": nesterov,
                                  "maximize": maximize})

    def _check_combination(self, group: dict) -> None:
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ValueError(f"SGD: nesterov momentum needs momentum > 0 and dampening = 0, "
                             f"got momentum={group['momentum']!r}, "
                             f"dampening={group['dampening']!r}")

    def _state_keys(self, group: dict) -> tuple[str, ...]:
        return ("momentum_buffer",) if group["momentum"] != 0 else ()

    def _init_state(self, x, group: dict) -> dict:
        return {}  # the momentum buffer starts as the first gradient, not as zeros

    def _update_array(self, x, g, state, group):
        momentum = group["momentum"]
        g = self._grad_array(x, g, group, group["weight_decay"])
        s = self._buffer(x, 1)
        if momentum != 0:
            buf = state.get("momentum_buffer")
            if buf is None:
                buf = state["momentum_buffer"] = g.astype(x.dtype, copy=True)
            else:
                buf *= momentum
                buf += np.multiply(g, 1 - group["dampening"], out=s)
            if group["nesterov"]:
                g = np.add(g, np.multiply(buf, momentum, out=s), out=s)
            else:
                g = buf
        x -= np.multiply(g, group["lr"], out=s)



class Adam(Optimizer):
    """Adam (torch.optim.Adam): momentum on the gradient, scaled per parameter by a running
    root mean square of it.

    With g = grad (+ weight_decay * p, an L2 penalty; negated if maximize), at step t:

        m = m + (1 - beta1) * (g - m)             (= beta1 * m + (1 - beta1) * g)
        v = beta2 * v + (1 - beta2) * g^2
        v_max = max(v_max, v)                     (amsgrad: v_max replaces v below)
        p = p - lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)

    eps is added after the bias correction of sqrt(v), as torch does.
    """

    _options = {
        "lr": _nonnegative,
        "betas": _betas,
        "eps": _nonnegative,
        "weight_decay": _nonnegative,
        "amsgrad": _flag,
        "maximize": _flag,
    }
    _decoupled = False

    def __init__(self, params: Iterable, lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0, amsgrad: bool = False, *, maximize: bool = False):
        super().__init__(params, {"lr": lr, "betas": betas, "eps": eps,
                                  "weight_decay": weight_decay, "amsgrad": amsgrad,
                                  "maximize": maximize})

    def _state_keys(self, group: dict) -> tuple[str, ...]:
        keys = ("step", "exp_avg", "exp_avg_sq")
        return keys + ("max_exp_avg_sq",) if group["amsgrad"] else keys

    def _update_array(self, x, g, state, group):
        lr, wd = group["lr"], group["weight_decay"]
        beta1, beta2 = group["betas"]
        if self._decoupled:
            if wd != 0:
                x *= 1 - lr * wd
            wd = 0.0
        g = self._grad_array(x, g, group, wd)
        t = state["step"] = state["step"] + 1
        m, v = state["exp_avg"], state["exp_avg_sq"]
        s = self._buffer(x, 1)
        m += np.multiply(np.subtract(g, m, out=s), 1 - beta1, out=s)
        v *= beta2
        v += np.multiply(np.multiply(g, g, out=s), 1 - beta2, out=s)
        if group["amsgrad"]:
            v = np.maximum(state["max_exp_avg_sq"], v, out=state["max_exp_avg_sq"])
        denom = np.sqrt(v, out=s)
        denom /= (1 - beta2**t) ** 0.5
        denom += group["eps"]
        step = np.divide(m, denom, out=s)
        step *= lr / (1 - beta1**t)
        x -= step



class AdamW(Adam):
    """Adam with decoupled weight decay (torch.optim.AdamW): the parameter shrinks directly,

        p = p * (1 - lr * weight_decay)

    before the Adam step, which then uses the plain gradient (no L2 term in m and v).
    Default weight_decay is 1e-2.
    """

    _decoupled = True

    def __init__(self, params: Iterable, lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 1e-2, amsgrad: bool = False, *, maximize: bool = False):
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                         amsgrad=amsgrad, maximize=maximize)


class RMSprop(Optimizer):
    """RMSprop (torch.optim.RMSprop): the gradient divided by a running root mean square.

    With g = grad (+ weight_decay * p; negated if maximize):

        v = alpha * v + (1 - alpha) * g^2
        centered:  g_avg = g_avg + (1 - alpha) * (g - g_avg);  d = sqrt(v - g_avg^2) + eps
        otherwise: d = sqrt(v) + eps
        momentum > 0:  b = momentum * b + g / d;  p = p - lr * b
        otherwise:     p = p - lr * g / d
    """

    _options = {
        "lr": _nonnegative,
        "alpha": _nonnegative,
        "eps": _nonnegative,
        "weight_decay": _nonnegative,
        "momentum": _nonnegative,
        "centered": _flag,
        "maximize": _flag,
    }

    def __init__(self, params: Iterable, lr: float = 1e-2, alpha: float = 0.99,
                 eps: float = 1e-8, weight_decay: float = 0.0, momentum: float = 0.0,
                 centered: bool = False, *, maximize: bool = False):
        super().__init__(params, {"lr": lr, "alpha": alpha, "eps": eps,
                                  "weight_decay": weight_decay, "momentum": momentum,
                                  "centered": centered, "maximize": maximize})

    def _state_keys(self, group: dict) -> tuple[str, ...]:
        keys = ("step", "square_avg")
        if group["momentum"] > 0:
            keys += ("momentum_buffer",)
        return keys + ("grad_avg",) if group["centered"] else keys

    def _update_array(self, x, g, state, group):
        alpha, momentum = group["alpha"], group["momentum"]
        g = self._grad_array(x, g, group, group["weight_decay"])
        state["step"] += 1
        v = state["square_avg"]
        s = self._buffer(x, 1)
        v *= alpha
        v += np.multiply(np.multiply(g, g, out=s), 1 - alpha, out=s)
        if group["centered"]:
            g_avg = state["grad_avg"]
            g_avg += np.multiply(np.subtract(g, g_avg, out=s), 1 - alpha, out=s)
            d = np.sqrt(np.subtract(v, np.multiply(g_avg, g_avg, out=s), out=s), out=s)
        else:
            d = np.sqrt(v, out=s)
        d += group["eps"]
        if momentum > 0:
            buf = state["momentum_buffer"]
            buf *= momentum
            buf += np.divide(g, d, out=s)
            x -= np.multiply(buf, group["lr"], out=s)
        else:
            step = np.divide(g, d, out=s)
            step *= group["lr"]
            x -= step



class Adagrad(Optimizer):
    """Adagrad (torch.optim.Adagrad): each parameter's step shrinks with the sum of its
    squared gradients.

    With g = grad (+ weight_decay * p; negated if maximize), at step t:

        lr_t = lr / (1 + (t - 1) * lr_decay)
        s = s + g^2                           (s starts at initial_accumulator_value)
        p = p - lr_t * g / (sqrt(s) + eps)
    """

    _options = {
        "lr": _nonnegative,
        "lr_decay": _nonnegative,
        "weight_decay": _nonnegative,
        "initial_accumulator_value": _nonnegative,
        "eps": _nonnegative,
        "maximize": _flag,
    }

    def __init__(self, params: Iterable, lr: float = 1e-2, lr_decay: float = 0.0,
                 weight_decay: float = 0.0, initial_accumulator_value: float = 0.0,
                 eps: float = 1e-10, *, maximize: bool = False):
        super().__init__(params, {"lr": lr, "lr_decay": lr_decay, "weight_decay": weight_decay,
                                  "initial_accumulator_value": initial_accumulator_value,
                                  "eps": eps, "maximize": maximize})

    def _state_keys(self, group: dict) -> tuple[str, ...]:
        return ("step", "sum")

    def _init_state(self, x, group: dict) -> dict:
        start = group["initial_accumulator_value"]
        return {"step": 0, "sum": np.full_like(x, start) if isinstance(x, np.ndarray) else start}

    def _update_array(self, x, g, state, group):
        g = self._grad_array(x, g, group, group["weight_decay"])
        t = state["step"] = state["step"] + 1
        lr_t = group["lr"] / (1 + (t - 1) * group["lr_decay"])
        total = state["sum"]
        s = self._buffer(x, 1)
        total += np.multiply(g, g, out=s)
        d = np.sqrt(total, out=s)
        d += group["eps"]
        step = np.divide(g, d, out=s)
        step *= lr_t
        x -= step



# Imported last: lr_scheduler needs Optimizer, defined above.
from . import lr_scheduler  # noqa: E402
