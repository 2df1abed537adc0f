"""nn.optim: every optimizer option against torch.optim's trajectory, parameter groups,
state dicts, zero_grad, Value parameters, dtypes, allocation-free steps and bad input."""

import math
import tracemalloc
from pathlib import Path

import numpy as np
import pytest

import autograd as ag
import nn
from autograd import Value
from nn import optim

# -- a small float64 problem: a 3 -> 4 -> 2 tanh net under mean squared error -------------------

_rng = np.random.default_rng(7)
X = _rng.standard_normal((8, 3))
Y = _rng.standard_normal((8, 2))
INIT = [
    _rng.standard_normal((3, 4)) * 0.5,
    _rng.standard_normal(4) * 0.1,
    _rng.standard_normal((4, 2)) * 0.5,
    _rng.standard_normal(2) * 0.1,
]


def ours_params(dtype=np.float64):
    return [ag.tensor(a, dtype=dtype, requires_grad=True) for a in INIT]


def ours_loss(params):
    w1, b1, w2, b2 = params
    x, y = ag.tensor(X, dtype=w1.dtype), ag.tensor(Y, dtype=w1.dtype)
    out = (x @ w1 + b1).tanh() @ w2 + b2
    return ((out - y) ** 2).mean()


def torch_params(torch, dtype=None):
    dtype = dtype or torch.float64
    return [torch.tensor(a, dtype=dtype, requires_grad=True) for a in INIT]


def torch_loss(torch, params):
    w1, b1, w2, b2 = params
    x, y = torch.tensor(X, dtype=w1.dtype), torch.tensor(Y, dtype=w1.dtype)
    out = torch.tanh(x @ w1 + b1) @ w2 + b2
    return ((out - y) ** 2).mean()


def train_step(opt, params, loss_fn):
    opt.zero_grad()
    loss = loss_fn(params)
    loss.backward()
    opt.step()


def assert_same_params(ours, theirs, step, rtol=1e-10):
    """Each element to ``rtol``; an element that passes near 0 on its way (where rounding
    differences of the two engines' gradients are largest relative to it) to ``rtol / 100``
    of its tensor's scale."""
    for i, (a, b) in enumerate(zip(ours, theirs, strict=True)):
        b = b.detach().numpy()
        np.testing.assert_allclose(
            a.numpy(), b, rtol=rtol, atol=rtol / 100 * np.abs(b).max(),
            err_msg=f"parameter {i} after step {step}",
        )


CONFIGS = [
    ("SGD", {}),
    ("SGD", {"lr": 0.1}),
    ("SGD", {"lr": 0.1, "momentum": 0.9}),
    ("SGD", {"lr": 0.1, "momentum": 0.9, "dampening": 0.5}),
    ("SGD", {"lr": 0.1, "momentum": 0.9, "nesterov": True}),
    ("SGD", {"lr": 0.1, "weight_decay": 0.1}),
    ("SGD", {"lr": 0.1, "momentum": 0.9, "weight_decay": 0.1, "nesterov": True}),
    ("SGD", {"lr": 0.05, "maximize": True}),
    ("SGD", {"lr": 0.01, "momentum": 0.5, "dampening": 0.1, "weight_decay": 0.01,
             "maximize": True}),
    ("Adam", {}),
    ("Adam", {"lr": 0.05}),
    ("Adam", {"lr": 0.05, "amsgrad": True}),
    ("Adam", {"lr": 0.05, "weight_decay": 0.1}),
    ("Adam", {"lr": 0.05, "weight_decay": 0.1, "amsgrad": True}),
    ("Adam", {"lr": 0.02, "betas": (0.8, 0.99), "eps": 1e-6}),
    ("Adam", {"lr": 0.01, "maximize": True}),
    ("Adam", {"lr": 0.01, "weight_decay": 0.05, "amsgrad": True, "maximize": True}),
    ("AdamW", {}),
    ("AdamW", {"lr": 0.05}),
    ("AdamW", {"lr": 0.05, "weight_decay": 0.0}),
    ("AdamW", {"lr": 0.05, "weight_decay": 0.1, "amsgrad": True}),
    ("AdamW", {"lr": 0.05, "amsgrad": True}),
    ("AdamW", {"lr": 0.01, "weight_decay": 0.1, "maximize": True}),
    ("RMSprop", {}),
    ("RMSprop", {"lr": 0.005, "centered": True}),
    ("RMSprop", {"lr": 0.005, "momentum": 0.9}),
    ("RMSprop", {"lr": 0.005, "weight_decay": 0.1}),
    ("RMSprop", {"lr": 0.005, "centered": True, "momentum": 0.5, "weight_decay": 0.1}),
    ("RMSprop", {"lr": 0.005, "alpha": 0.9, "eps": 1e-6}),
    ("RMSprop", {"lr": 0.001, "maximize": True}),
    ("Adagrad", {}),
    ("Adagrad", {"lr": 0.1}),
    ("Adagrad", {"lr": 0.1, "lr_decay": 0.01}),
    ("Adagrad", {"lr": 0.1, "initial_accumulator_value": 0.1}),
    ("Adagrad", {"lr": 0.1, "weight_decay": 0.1}),
    ("Adagrad", {"lr": 0.1, "lr_decay": 0.05, "initial_accumulator_value": 0.5,
                 "weight_decay": 0.05, "eps": 1e-6}),
    ("Adagrad", {"lr": 0.05, "maximize": True}),
]
CONFIG_IDS = [f"{name}-{'-'.join(f'{k}={v}' for k, v in kw.items()) or 'defaults'}"
              for name, kw in CONFIGS]


# -- trajectories against torch ------------------------------------------------------------------


@pytest.mark.parametrize(("name", "kwargs"), CONFIGS, ids=CONFIG_IDS)
def test_trajectory_matches_torch(name, kwargs):
    torch = pytest.importorskip("torch")
    ours = ours_params()
    theirs = torch_params(torch)
    opt = getattr(optim, name)(ours, **kwargs)
    ref = getattr(torch.optim, name)(theirs, **kwargs)
    moved = False
    for step in range(1, 51):
        train_step(opt, ours, ours_loss)
        train_step(ref, theirs, lambda p: torch_loss(torch, p))
        assert_same_params(ours, theirs, step)
        moved = moved or not np.allclose(ours[0].numpy(), INIT[0])
    assert moved, "the parameters never moved: the comparison proves nothing"

    # the state has torch's keys and values, the groups torch's options
    ours_sd, ref_sd = opt.state_dict(), ref.state_dict()
    assert sorted(ours_sd["state"]) == sorted(ref_sd["state"])
    for index, entry in ours_sd["state"].items():
        ref_entry = ref_sd["state"][index]
        assert sorted(entry) == sorted(ref_entry)
        for key, value in entry.items():
            np.testing.assert_allclose(np.asarray(value), np.asarray(ref_entry[key]),
                                       rtol=1e-9, atol=1e-14, err_msg=key)
    for group, ref_group in zip(ours_sd["param_groups"], ref_sd["param_groups"], strict=True):
        for key, value in group.items():
            assert value == ref_group[key], key


def test_param_groups_with_their_own_options_match_torch():
    torch = pytest.importorskip("torch")
    for name, shared, first, second in [
        ("SGD", {"lr": 0.01}, {"lr": 0.1, "momentum": 0.9},
         {"momentum": 0.5, "nesterov": True, "weight_decay": 0.1}),
        ("Adam", {"lr": 0.01}, {"lr": 0.05, "amsgrad": True}, {"betas": (0.5, 0.9)}),
        ("RMSprop", {"lr": 0.002}, {"centered": True}, {"lr": 0.01, "momentum": 0.8}),
        ("Adagrad", {"lr": 0.05}, {"lr_decay": 0.1}, {"lr": 0.2, "weight_decay": 0.01}),
    ]:
        ours, theirs = ours_params(), torch_params(torch)
        opt = getattr(optim, name)([{"params": ours[:2], **first},
                                    {"params": ours[2:], **second}], **shared)
        ref = getattr(torch.optim, name)([{"params": theirs[:2], **first},
                                          {"params": theirs[2:], **second}], **shared)
        assert opt.param_groups[0]["lr"] == ref.param_groups[0]["lr"]
        assert opt.param_groups[1]["lr"] == ref.param_groups[1]["lr"]
        for step in range(1, 31):
            train_step(opt, ours, ours_loss)
            train_step(ref, theirs, lambda p: torch_loss(torch, p))
            assert_same_params(ours, theirs, step)


def test_add_param_group_matches_torch():
    torch = pytest.importorskip("torch")
    ours, theirs = ours_params(), torch_params(torch)
    opt = optim.Adam(ours[:2], lr=0.05)
    ref = torch.optim.Adam(theirs[:2], lr=0.05)
    for _ in range(5):
        train_step(opt, ours, ours_loss)
        train_step(ref, theirs, lambda p: torch_loss(torch, p))
    opt.add_param_group({"params": ours[2:], "lr": 0.01})
    ref.add_param_group({"params": theirs[2:], "lr": 0.01})
    for step in range(6, 21):
        train_step(opt, ours, ours_loss)
        train_step(ref, theirs, lambda p: torch_loss(torch, p))
        assert_same_params(ours, theirs, step)


def test_float32_parameters_stay_float32_and_follow_torch():
    torch = pytest.importorskip("torch")
    for name, kwargs in [("SGD", {"lr": 0.1, "momentum": 0.9, "weight_decay": 0.01}),
                         ("Adam", {"lr": 0.05, "amsgrad": True, "weight_decay": 0.01}),
                         ("AdamW", {"lr": 0.05}),
                         ("RMSprop", {"lr": 0.005, "centered": True, "momentum": 0.5}),
                         ("Adagrad", {"lr": 0.1, "lr_decay": 0.01, "maximize": True})]:
        ours, theirs = ours_params(np.float32), torch_params(torch, torch.float32)
        opt = getattr(optim, name)(ours, **kwargs)
        ref = getattr(torch.optim, name)(theirs, **kwargs)
        for step in range(1, 11):
            train_step(opt, ours, ours_loss)
            train_step(ref, theirs, lambda p: torch_loss(torch, p))
            assert_same_params(ours, theirs, step, rtol=1e-4)
        assert all(p.dtype == np.float32 for p in ours), name
        for entry in opt.state.values():
            for key, value in entry.items():
                if key != "step":
                    assert value.dtype == np.float32, (name, key)


# -- the loop's pieces ---------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "kwargs"), CONFIGS, ids=CONFIG_IDS)
def test_step_updates_in_place_and_leaves_grad_alone(name, kwargs):
    params = ours_params()
    arrays = [p.numpy() for p in params]
    opt = getattr(optim, name)(params, **kwargs)
    for _ in range(2):
        opt.zero_grad()
        ours_loss(params).backward()
        grads = [p.grad.numpy().copy() for p in params]
        opt.step()
        rebound = [p.numpy() is not a for p, a in zip(params, arrays, strict=True)]
        assert not any(rebound), "a parameter's array was rebound"
        for p, g in zip(params, grads, strict=True):
            np.testing.assert_array_equal(p.grad.numpy(), g)  # weight decay / maximize: no writes


@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad"])
def test_steps_after_the_first_allocate_nothing_sized_like_the_parameters(name):
    options = {"SGD": {"momentum": 0.9, "nesterov": True, "weight_decay": 0.1},
               "Adam": {"amsgrad": True, "weight_decay": 0.1, "maximize": True},
               "AdamW": {"amsgrad": True},
               "RMSprop": {"centered": True, "momentum": 0.9, "weight_decay": 0.1},
               "Adagrad": {"lr_decay": 0.1, "weight_decay": 0.1}}[name]
    p = ag.tensor(np.linspace(-1.0, 1.0, 200_000), requires_grad=True)
    p.grad = ag.tensor(np.linspace(0.5, -0.3, 200_000))
    opt = getattr(optim, name)([p], **options)
    opt.step()  # the first step creates state and scratch buffers
    tracemalloc.start()
    try:
        opt.step()
        opt.step()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < p.numpy().nbytes // 4, f"{name} allocated {peak} bytes in two steps"


def test_zero_grad_set_to_none_and_in_place():
    params = ours_params()
    opt = optim.SGD(params, lr=0.1)
    ours_loss(params).backward()
    arrays = [p.grad.numpy() for p in params]
    opt.zero_grad(set_to_none=False)
    for p, a in zip(params, arrays, strict=True):
        assert p.grad.numpy() is a
        assert not a.any()
    opt.zero_grad()
    assert all(p.grad is None for p in params)
    opt.zero_grad(set_to_none=False)  # no gradient at all: nothing to do
    assert all(p.grad is None for p in params)


def test_zero_grad_is_needed_because_gradients_accumulate():
    params = ours_params()
    opt = optim.SGD(params, lr=0.1)
    ours_loss(params).backward()
    once = params[0].grad.numpy().copy()
    ours_loss(params).backward()
    np.testing.assert_allclose(params[0].grad.numpy(), 2 * once)
    opt.zero_grad()
    ours_loss(params).backward()
    np.testing.assert_allclose(params[0].grad.numpy(), once)


@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad"])
def test_a_parameter_without_gradient_is_skipped(name):
    used = ag.tensor([1.0, -2.0], dtype=np.float64, requires_grad=True)
    unused = ag.tensor([3.0, 4.0], dtype=np.float64, requires_grad=True)
    opt = getattr(optim, name)([used, unused], lr=0.1)
    for _ in range(3):
        opt.zero_grad()
        (used * used).sum().backward()
        opt.step()
    np.testing.assert_array_equal(unused.numpy(), [3.0, 4.0])
    assert unused not in opt.state
    assert not np.allclose(used.numpy(), [1.0, -2.0])
    assert list(opt.state_dict()["state"]) == ([0] if name != "SGD" else [])


def test_step_with_closure_returns_the_loss():
    params = ours_params()
    opt = optim.Adam(params, lr=0.05)

    def closure():
        opt.zero_grad()
        loss = ours_loss(params)
        loss.backward()
        return loss

    first = opt.step(closure).item()
    for _ in range(20):
        last = opt.step(closure).item()
    assert last < first


def test_learning_rate_changes_through_param_groups_take_effect():
    p = ag.tensor([1.0], dtype=np.float64, requires_grad=True)
    opt = optim.SGD([p], lr=0.1)
    p.grad = ag.tensor([1.0], dtype=np.float64)
    opt.step()
    opt.param_groups[0]["lr"] = 0.5
    opt.step()
    np.testing.assert_allclose(p.numpy(), [1.0 - 0.1 - 0.5])


def test_gradient_of_the_wrong_shape_raises_before_any_parameter_moves():
    a = ag.tensor([1.0, 2.0], dtype=np.float64, requires_grad=True)
    b = ag.tensor([3.0, 4.0], dtype=np.float64, requires_grad=True)
    opt = optim.SGD([a, b], lr=0.1)
    a.grad = ag.tensor([1.0, 1.0], dtype=np.float64)
    b.grad = ag.tensor([1.0, 1.0, 1.0], dtype=np.float64)
    with pytest.raises(ValueError, match=r"\(2,\).*\(3,\)"):
        opt.step()
    np.testing.assert_array_equal(a.numpy(), [1.0, 2.0])
    np.testing.assert_array_equal(b.numpy(), [3.0, 4.0])


def test_nn_optim_is_reachable_from_nn_and_exposes_lr_scheduler():
    assert nn.optim is optim
    assert nn.optim.lr_scheduler.StepLR is nn.lr_scheduler.StepLR
    p = ag.tensor([1.0], requires_grad=True)
    sched = nn.optim.lr_scheduler.StepLR(nn.optim.SGD([p], lr=0.1), step_size=2)
    assert sched.get_last_lr() == [0.1]


def test_lr_scheduler_can_be_imported_first():
    import subprocess
    import sys

    code = ("import nn.lr_scheduler as s, nn.optim as o, autograd as ag; "
            "p = ag.tensor([1.0], requires_grad=True); "
            "print(s.ExponentialLR(o.SGD([p], lr=1.0), gamma=0.5).get_last_lr())")
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=root)
    assert out.stdout.strip() == "[1.0]"


def test_defaults_are_torchs():
    torch = pytest.importorskip("torch")
    for name in ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad"]:
        ours = getattr(optim, name)([ag.tensor([1.0], requires_grad=True)])
        ref = getattr(torch.optim, name)([torch.tensor([1.0], requires_grad=True)])
        for key, value in ours.defaults.items():
            assert ref.defaults[key] == value, (name, key)


def test_repr_lists_each_group():
    p = ag.tensor([1.0], requires_grad=True)
    q = ag.tensor([2.0], requires_grad=True)
    text = repr(optim.Adam([{"params": [p]}, {"params": [q], "lr": 0.5}], lr=0.1))
    assert text.startswith("Adam (") and "Parameter Group 1" in text and "lr: 0.5" in text


# -- Value parameters: the scalar engine trains with the same optimizers -------------------------

XS = [0.5, -1.0, 2.0, 1.5]
YS = [1.2, -0.7, 3.1, 2.0]
VALUE_CONFIGS = [
    ("SGD", {"lr": 0.05}),
    ("SGD", {"lr": 0.05, "momentum": 0.9, "nesterov": True, "weight_decay": 0.1}),
    ("SGD", {"lr": 0.05, "momentum": 0.9, "dampening": 0.3, "maximize": True}),
    ("Adam", {"lr": 0.1}),
    ("Adam", {"lr": 0.1, "amsgrad": True, "weight_decay": 0.1}),
    ("AdamW", {"lr": 0.1, "weight_decay": 0.1, "amsgrad": True}),
    ("RMSprop", {"lr": 0.01, "centered": True, "momentum": 0.5, "weight_decay": 0.1}),
    ("RMSprop", {"lr": 0.01}),
    ("Adagrad", {"lr": 0.5, "lr_decay": 0.1, "initial_accumulator_value": 0.1,
                 "weight_decay": 0.1}),
]


def value_loss(params):
    w, b = params
    total = Value(0.0)
    for x, y in zip(XS, YS, strict=True):
        total = total + (w * x + b - y) ** 2
    return total / len(XS)


def tensor_loss(params):
    w, b = params
    x, y = ag.tensor(XS, dtype=np.float64), ag.tensor(YS, dtype=np.float64)
    return ((w * x + b - y) ** 2).mean()


@pytest.mark.parametrize(("name", "kwargs"), VALUE_CONFIGS,
                         ids=[f"{n}-{i}" for i, (n, _) in enumerate(VALUE_CONFIGS)])
def test_value_parameters_follow_the_tensor_trajectory(name, kwargs):
    values = [Value(0.3, label="w"), Value(-0.2, label="b")]
    tensors = [ag.tensor(0.3, dtype=np.float64, requires_grad=True),
               ag.tensor(-0.2, dtype=np.float64, requires_grad=True)]
    opt_v = getattr(optim, name)(values, **kwargs)
    opt_t = getattr(optim, name)(tensors, **kwargs)
    for step in range(1, 41):
        train_step(opt_v, values, value_loss)
        train_step(opt_t, tensors, tensor_loss)
        for v, t in zip(values, tensors, strict=True):
            assert isinstance(v.data, float)
            assert v.data == pytest.approx(t.item(), rel=1e-12, abs=1e-15), (step, v.label)
    assert values[0].data != 0.3
    # their state dicts hold the same numbers (0-d arrays for the Values, like a 0-d Tensor's)
    sd_v, sd_t = opt_v.state_dict(), opt_t.state_dict()
    for index, entry in sd_v["state"].items():
        for key, value in entry.items():
            assert np.ndim(value) == 0
            assert value == pytest.approx(float(sd_t["state"][index][key]), rel=1e-11, abs=1e-15)


def test_value_zero_grad_sets_zero():
    w = Value(2.0)
    opt = optim.SGD([w], lr=0.1)
    (w * w).backward()
    assert w.grad == 4.0
    opt.zero_grad()
    assert w.grad == 0.0


def test_value_state_dict_round_trip():
    w, b = Value(0.3), Value(-0.2)
    opt = optim.Adam([w, b], lr=0.1, amsgrad=True)
    for _ in range(5):
        train_step(opt, [w, b], value_loss)
    w2, b2 = Value(w.data), Value(b.data)
    opt2 = optim.Adam([w2, b2])
    opt2.load_state_dict(opt.state_dict())
    for _ in range(5):
        train_step(opt, [w, b], value_loss)
        train_step(opt2, [w2, b2], value_loss)
    assert (w.data, b.data) == (w2.data, b2.data)


# -- state_dict / load_state_dict ----------------------------------------------------------------

ROUND_TRIP = [
    ("SGD", {"lr": 0.1, "momentum": 0.9, "nesterov": True}),
    ("Adam", {"lr": 0.05, "amsgrad": True}),
    ("AdamW", {"lr": 0.05, "weight_decay": 0.1}),
    ("RMSprop", {"lr": 0.005, "centered": True, "momentum": 0.5}),
    ("Adagrad", {"lr": 0.1, "lr_decay": 0.01}),
]


def assert_continue_alike(opt, params, fresh, clones, steps: int) -> None:
    """Train both optimizers ``steps`` more steps: their parameters must stay identical."""
    for _ in range(steps):
        train_step(opt, params, ours_loss)
        train_step(fresh, clones, ours_loss)
    for p, q in zip(params, clones, strict=True):
        np.testing.assert_array_equal(p.numpy(), q.numpy())


@pytest.mark.parametrize(("name", "kwargs"), ROUND_TRIP, ids=[n for n, _ in ROUND_TRIP])
def test_state_dict_round_trip_continues_identically(name, kwargs):
    params = ours_params()
    opt = getattr(optim, name)(params, **kwargs)
    for _ in range(10):
        train_step(opt, params, ours_loss)
    sd = opt.state_dict()
    assert [g["params"] for g in sd["param_groups"]] == [[0, 1, 2, 3]]
    for entry in sd["state"].values():
        for key, value in entry.items():
            assert isinstance(value, np.ndarray) or type(value) is int, key

    clones = [ag.tensor(p.numpy().copy(), requires_grad=True) for p in params]
    fresh = getattr(optim, name)(clones, lr=123.0)  # the loaded options replace these
    fresh.load_state_dict(sd)
    assert fresh.param_groups[0]["lr"] == kwargs["lr"]
    assert_continue_alike(opt, params, fresh, clones, steps=10)


def test_state_dict_is_a_snapshot():
    params = ours_params()
    opt = optim.Adam(params, lr=0.05)
    train_step(opt, params, ours_loss)
    sd = opt.state_dict()
    before = sd["state"][0]["exp_avg"].copy()
    train_step(opt, params, ours_loss)
    np.testing.assert_array_equal(sd["state"][0]["exp_avg"], before)
    assert sd["state"][0]["step"] == 1


def test_state_dict_survives_nn_save_and_load(tmp_path):
    params = ours_params()
    opt = optim.Adam([{"params": params[:2]}, {"params": params[2:], "lr": 0.01}], lr=0.05)
    for _ in range(3):
        train_step(opt, params, ours_loss)
    nn.serialization.save(opt.state_dict(), tmp_path / "opt.npz")
    clones = [ag.tensor(p.numpy().copy(), requires_grad=True) for p in params]
    fresh = optim.Adam([{"params": clones[:2]}, {"params": clones[2:]}])
    fresh.load_state_dict(nn.serialization.load(tmp_path / "opt.npz"))
    assert_continue_alike(opt, params, fresh, clones, steps=3)


def test_load_state_dict_casts_to_the_parameter_dtype():
    params64 = ours_params()
    opt64 = optim.Adam(params64, lr=0.05)
    train_step(opt64, params64, ours_loss)
    params32 = ours_params(np.float32)
    opt32 = optim.Adam(params32)
    opt32.load_state_dict(opt64.state_dict())
    assert all(v.dtype == np.float32 for e in opt32.state.values()
               for k, v in e.items() if k != "step")


@pytest.mark.parametrize(("mutate", "match"), [
    (lambda sd: sd["param_groups"].append(dict(sd["param_groups"][0])), "2 parameter groups"),
    (lambda sd: sd["param_groups"][0]["params"].pop(), "3 parameters"),
    (lambda sd: sd["state"][0].update(exp_avg=np.zeros((5, 5))), r"\(5, 5\)"),
    (lambda sd: sd["state"][1].pop("exp_avg_sq"), "exp_avg_sq"),
    (lambda sd: sd["state"].update({9: {}}), "9"),
    (lambda sd: sd["param_groups"][0].update(lr=-1.0), "lr=-1.0"),
    (lambda sd: sd["param_groups"][0].update(betas=(0.9, 1.5)), "betas"),
    (lambda sd: sd["state"][2].update(step=-3), "-3"),
    (lambda sd: sd.pop("state"), "'state'"),
])
def test_bad_state_dict_raises_and_changes_nothing(mutate, match):
    params = ours_params()
    opt = optim.Adam(params, lr=0.05)
    train_step(opt, params, ours_loss)
    sd = opt.state_dict()
    before_state = {id(p): {k: np.copy(v) for k, v in s.items()} for p, s in opt.state.items()}
    before_groups = [dict(g) for g in opt.param_groups]
    mutate(sd)
    with pytest.raises(ValueError, match=match):
        opt.load_state_dict(sd)
    assert opt.param_groups == before_groups
    for p, s in opt.state.items():
        for k, v in s.items():
            np.testing.assert_array_equal(v, before_state[id(p)][k])


def test_loading_before_the_first_step_and_without_state():
    params = ours_params()
    opt = optim.SGD(params, lr=0.1, momentum=0.9)
    sd = opt.state_dict()
    assert sd["state"] == {}
    optim.SGD(ours_params(), lr=0.3, momentum=0.9).load_state_dict(sd)


# -- bad options and bad parameters --------------------------------------------------------------


def _param():
    return ag.tensor([1.0, 2.0], requires_grad=True)


@pytest.mark.parametrize(("name", "kwargs", "error", "match"), [
    ("SGD", {"lr": -0.1}, ValueError, "lr=-0.1"),
    ("SGD", {"momentum": -0.5}, ValueError, "momentum=-0.5"),
    ("SGD", {"weight_decay": -1e-4}, ValueError, "weight_decay=-0.0001"),
    ("SGD", {"nesterov": True}, ValueError, "nesterov.*momentum=0.0"),
    ("SGD", {"nesterov": True, "momentum": 0.9, "dampening": 0.1}, ValueError,
     "dampening=0.1"),
    ("SGD", {"lr": "0.1"}, TypeError, "lr='0.1'"),
    ("SGD", {"lr": float("nan")}, ValueError, "lr=nan"),
    ("Adam", {"lr": -1.0}, ValueError, "lr=-1.0"),
    ("Adam", {"eps": -1e-8}, ValueError, "eps=-1e-08"),
    ("Adam", {"betas": (1.0, 0.999)}, ValueError, r"betas\[0\].*\(1.0, 0.999\)"),
    ("Adam", {"betas": (0.9, -0.1)}, ValueError, r"betas\[1\]"),
    ("Adam", {"betas": 0.9}, ValueError, "betas=0.9"),
    ("Adam", {"amsgrad": "yes"}, TypeError, "amsgrad='yes'"),
    ("AdamW", {"weight_decay": -0.01}, ValueError, "weight_decay=-0.01"),
    ("RMSprop", {"alpha": -0.5}, ValueError, "alpha=-0.5"),
    ("RMSprop", {"momentum": -0.1}, ValueError, "momentum=-0.1"),
    ("RMSprop", {"centered": 1}, TypeError, "centered=1"),
    ("Adagrad", {"lr_decay": -0.1}, ValueError, "lr_decay=-0.1"),
    ("Adagrad", {"initial_accumulator_value": -1.0}, ValueError,
     "initial_accumulator_value=-1.0"),
    ("Adagrad", {"eps": -1.0}, ValueError, "eps=-1.0"),
])
def test_bad_options_raise_naming_the_value(name, kwargs, error, match):
    with pytest.raises(error, match=match):
        getattr(optim, name)([_param()], **kwargs)


def test_bad_group_option_leaves_the_optimizer_unchanged():
    opt = optim.SGD([_param()], lr=0.1)
    with pytest.raises(ValueError, match="lr=-2.0"):
        opt.add_param_group({"params": [_param()], "lr": -2.0})
    assert len(opt.param_groups) == 1
    with pytest.raises(ValueError, match="nesterov"):
        optim.SGD([{"params": [_param()], "nesterov": True}], lr=0.1)


def test_bad_parameters_raise():
    p = _param()
    with pytest.raises(ValueError, match="empty parameter list"):
        optim.SGD([])
    with pytest.raises(ValueError, match="empty parameter list"):
        optim.Adam(iter([]))
    with pytest.raises(TypeError, match="single Tensor"):
        optim.SGD(p)
    with pytest.raises(TypeError, match="set"):
        optim.SGD({p})
    with pytest.raises(ValueError, match="more than once"):
        optim.SGD([p, p])
    with pytest.raises(ValueError, match="more than once"):
        optim.SGD([{"params": [p]}, {"params": [p]}])
    opt = optim.SGD([p])
    with pytest.raises(ValueError, match="more than once"):
        opt.add_param_group({"params": [p]})
    assert len(opt.param_groups) == 1
    model = nn.Linear(2, 1)
    with pytest.raises(TypeError, match=r"call it: model.parameters\(\)"):
        optim.Adam(model.parameters, lr=0.1)  # as the lesson's slide prints it
    with pytest.raises(TypeError, match=r"model itself \(a Linear\)"):
        optim.Adam(model, lr=0.1)
    with pytest.raises(TypeError, match="int64"):
        optim.SGD([ag.tensor([1, 2])])
    with pytest.raises(ValueError, match="made by op 'MulBackward0'"):
        optim.SGD([p * 2.0])
    with pytest.raises(TypeError, match="ndarray"):
        optim.SGD([np.ones(3)])
    with pytest.raises(TypeError, match="'params'"):
        opt.add_param_group([p])
    with pytest.raises(ValueError, match="no parameters"):
        opt.add_param_group({"params": []})


def test_bad_value_parameters_raise():
    w = Value(1.0)
    with pytest.raises(TypeError, match="Constant"):
        optim.SGD([ag.Constant(2.0)])
    with pytest.raises(ValueError, match="made by an op"):
        optim.SGD([w * 2.0])
    optim.SGD([w, Value(3.0)])  # leaves are fine


def test_optimizers_take_generators_and_parameter_like_subclasses():
    class Param(ag.Tensor):
        __slots__ = ()

    p = Param(np.ones(3), requires_grad=True)
    opt = optim.SGD((q for q in [p]), lr=0.5)
    p.grad = ag.tensor(np.ones(3))
    opt.step()
    np.testing.assert_allclose(p.numpy(), 0.5)
    assert math.isclose(opt.param_groups[0]["lr"], 0.5)


def test_a_home_made_optimizer_can_build_on_the_base():
    class SignSGD(optim.Optimizer):
        def __init__(self, params, lr=0.01):
            super().__init__(params, {"lr": lr})

        def step(self):
            for group in self.param_groups:
                for p in group["params"]:
                    if p.grad is not None:
                        p.data -= group["lr"] * np.sign(p.grad.numpy())  # torch's habit
                        self.state.setdefault(p, {"count": 0})["count"] += 1

    p = ag.tensor([1.0, -1.0], dtype=np.float64, requires_grad=True)
    opt = SignSGD([p], lr=0.25)
    p.grad = ag.tensor([3.0, -0.5], dtype=np.float64)
    opt.step()
    np.testing.assert_array_equal(p.numpy(), [0.75, -0.75])
    q = ag.tensor([0.0, 0.0], dtype=np.float64, requires_grad=True)
    other = SignSGD([q])
    other.load_state_dict(opt.state_dict())
    assert other.param_groups[0]["lr"] == 0.25 and other.state[q] == {"count": 1}


def test_frozen_parameters_are_accepted_and_left_alone():
    # torch's freeze-then-fine-tune recipe: a parameter that needs no grad is simply skipped
    model = nn.Sequential(nn.Linear(2, 2), nn.Linear(2, 1))
    for p in model[0].parameters():
        p.requires_grad_(False)
    frozen = [p.numpy().copy() for p in model[0].parameters()]
    opt = optim.SGD(model.parameters(), lr=0.1)
    nn.MSELoss()(model(ag.tensor([[1.0, 2.0]])), ag.tensor([[3.0]])).backward()
    opt.step()
    assert all(np.array_equal(a, p.numpy()) for a, p in zip(frozen, model[0].parameters()))
    assert model[1].weight.grad is not None
