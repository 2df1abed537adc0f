"""nn.lr_scheduler: the lr sequences of torch's schedulers, state dicts and bad arguments."""

import math

import numpy as np
import pytest

import autograd as ag
from nn import lr_scheduler, optim

LRS = (0.1, 0.03)  # two parameter groups with different learning rates


def ours_optimizer(lrs=LRS):
    groups = [{"params": [ag.tensor([1.0], requires_grad=True)], "lr": lr} for lr in lrs]
    return optim.SGD(groups, lr=lrs[0])


def torch_optimizer(torch, lrs=LRS):
    groups = [{"params": [torch.tensor([1.0], requires_grad=True)], "lr": lr} for lr in lrs]
    return torch.optim.SGD(groups, lr=lrs[0])


def run(opt, sched, epochs, metrics=None):
    """The lrs after construction and after each epoch: (group lrs, get_last_lr())."""
    seen = [([g["lr"] for g in opt.param_groups], list(sched.get_last_lr()))]
    for epoch in range(epochs):
        opt.step()
        if metrics is None:
            sched.step()
        else:
            sched.step(metrics[epoch])
        seen.append(([g["lr"] for g in opt.param_groups], list(sched.get_last_lr())))
    return seen


def assert_same_sequence(ours, theirs):
    assert len(ours) == len(theirs)
    for epoch, ((lr_a, last_a), (lr_b, last_b)) in enumerate(zip(ours, theirs, strict=True)):
        np.testing.assert_allclose(lr_a, lr_b, rtol=1e-15, atol=0, err_msg=f"epoch {epoch}")
        np.testing.assert_allclose(last_a, last_b, rtol=1e-15, atol=0, err_msg=f"epoch {epoch}")


def _decay(epoch):
    return 0.95**epoch


def _inverse(epoch):
    return 1.0 / (epoch + 1)


def _warmup(epoch):
    return min(1.0, (epoch + 1) / 5)


SCHEDULES = [
    ("StepLR", {"step_size": 3}),
    ("StepLR", {"step_size": 5, "gamma": 0.5}),
    ("StepLR", {"step_size": 1, "gamma": 0.9}),
    ("ExponentialLR", {"gamma": 0.9}),
    ("ExponentialLR", {"gamma": 0.5}),
    ("CosineAnnealingLR", {"T_max": 10}),
    ("CosineAnnealingLR", {"T_max": 7, "eta_min": 0.01}),
    ("CosineAnnealingLR", {"T_max": 1}),
    ("CosineAnnealingLR", {"T_max": 30, "eta_min": 0.005}),
    ("LambdaLR", {"lr_lambda": _decay}),
    ("LambdaLR", {"lr_lambda": _inverse}),
    ("LambdaLR", {"lr_lambda": [_warmup, _decay]}),
]


@pytest.mark.parametrize(("name", "kwargs"), SCHEDULES,
                         ids=[f"{n}-{i}" for i, (n, _) in enumerate(SCHEDULES)])
def test_lr_sequence_matches_torch(name, kwargs):
    torch = pytest.importorskip("torch")
    opt, ref_opt = ours_optimizer(), torch_optimizer(torch)
    ours = run(opt, getattr(lr_scheduler, name)(opt, **kwargs), 30)
    theirs = run(ref_opt, getattr(torch.optim.lr_scheduler, name)(ref_opt, **kwargs), 30)
    assert_same_sequence(ours, theirs)
    assert len({tuple(lrs) for lrs, _ in ours}) > 1, "the lr never changed"
    assert [g["initial_lr"] for g in opt.param_groups] == list(LRS)


def test_two_chained_schedulers_match_torch():
    torch = pytest.importorskip("torch")
    opt, ref_opt = ours_optimizer(), torch_optimizer(torch)
    ours_a = lr_scheduler.StepLR(opt, step_size=4, gamma=0.5)
    ours_b = lr_scheduler.ExponentialLR(opt, gamma=0.95)
    ref_a = torch.optim.lr_scheduler.StepLR(ref_opt, step_size=4, gamma=0.5)
    ref_b = torch.optim.lr_scheduler.ExponentialLR(ref_opt, gamma=0.95)
    for epoch in range(30):
        opt.step()
        ref_opt.step()
        for sched in (ours_a, ours_b, ref_a, ref_b):
            sched.step()
        np.testing.assert_allclose([g["lr"] for g in opt.param_groups],
                                   [g["lr"] for g in ref_opt.param_groups], rtol=1e-15,
                                   err_msg=f"epoch {epoch}")


def test_cosine_follows_an_lr_changed_by_hand_like_torch():
    torch = pytest.importorskip("torch")
    opt, ref_opt = ours_optimizer(), torch_optimizer(torch)
    ours = lr_scheduler.CosineAnnealingLR(opt, T_max=8, eta_min=0.001)
    ref = torch.optim.lr_scheduler.CosineAnnealingLR(ref_opt, T_max=8, eta_min=0.001)
    for epoch in range(20):
        if epoch == 5:
            opt.param_groups[0]["lr"] = ref_opt.param_groups[0]["lr"] = 0.2
        opt.step()
        ref_opt.step()
        ours.step()
        ref.step()
        assert ours.get_last_lr() == pytest.approx(ref.get_last_lr(), rel=1e-15)


_METRICS = [1.0 / (1 + e // 4) + 0.001 * (e % 3) for e in range(40)]
_FLAT = [0.5, 0.4, 0.4, 0.41, 0.39999, 0.4, 0.3, 0.3, 0.3, 0.3, 0.3, 0.31, 0.2] * 3 + [0.2] * 4

PLATEAUS = [
    ({}, _FLAT),
    ({"patience": 2}, _FLAT),
    ({"patience": 0}, _METRICS),
    ({"patience": 1, "factor": 0.5, "cooldown": 3}, _FLAT),
    ({"patience": 1, "threshold": 0.05, "threshold_mode": "abs"}, _METRICS),
    ({"patience": 1, "threshold": 0.3}, _METRICS),
    ({"patience": 1, "min_lr": 0.005}, _FLAT),
    ({"patience": 1, "min_lr": [0.02, 0.0001]}, _FLAT),
    ({"patience": 1, "factor": 0.9, "eps": 0.009}, _FLAT),
    ({"mode": "max", "patience": 1}, [-m for m in _FLAT]),
    ({"mode": "max", "patience": 2, "threshold_mode": "abs", "threshold": 0.01},
     [1 - m for m in _METRICS]),
    ({"patience": 1}, [1.0, float("nan"), 0.9, float("nan"), float("nan"), 0.8] * 6 + [1.0] * 4),
]


@pytest.mark.parametrize(("kwargs", "metrics"), PLATEAUS,
                         ids=[str(i) for i in range(len(PLATEAUS))])
def test_reduce_lr_on_plateau_matches_torch(kwargs, metrics):
    torch = pytest.importorskip("torch")
    opt, ref_opt = ours_optimizer(), torch_optimizer(torch)
    ours_sched = lr_scheduler.ReduceLROnPlateau(opt, **kwargs)
    ref_sched = torch.optim.lr_scheduler.ReduceLROnPlateau(ref_opt, **kwargs)
    ours = run(opt, ours_sched, 40, metrics)
    theirs = run(ref_opt, ref_sched, 40, metrics)
    assert_same_sequence(ours, theirs)
    for key in ("best", "num_bad_epochs", "cooldown_counter", "last_epoch"):
        assert getattr(ours_sched, key) == getattr(ref_sched, key), key
    if kwargs != {}:
        assert ours[-1][0] != ours[0][0], "the lr was never reduced"


def test_reduce_lr_on_plateau_takes_a_one_element_tensor():
    opt = ours_optimizer()
    sched = lr_scheduler.ReduceLROnPlateau(opt, patience=0)
    sched.step(ag.tensor(1.0))
    sched.step(ag.tensor([2.0]))
    assert sched.get_last_lr() == pytest.approx([0.01, 0.003])
    with pytest.raises(TypeError, match="metric"):
        sched.step("low")


# -- state dicts ---------------------------------------------------------------------------------

RESUMABLE = [
    ("StepLR", {"step_size": 3, "gamma": 0.5}),
    ("ExponentialLR", {"gamma": 0.9}),
    ("CosineAnnealingLR", {"T_max": 7, "eta_min": 0.01}),
    ("LambdaLR", {"lr_lambda": _decay}),
]


@pytest.mark.parametrize(("name", "kwargs"), RESUMABLE, ids=[n for n, _ in RESUMABLE])
def test_resuming_from_state_dicts_continues_the_sequence(name, kwargs):
    opt = ours_optimizer()
    sched = getattr(lr_scheduler, name)(opt, **kwargs)
    straight = run(opt, sched, 30)

    opt = ours_optimizer()
    sched = getattr(lr_scheduler, name)(opt, **kwargs)
    first = run(opt, sched, 10)
    saved_opt, saved_sched = opt.state_dict(), sched.state_dict()
    assert "optimizer" not in saved_sched and "lr_lambdas" not in saved_sched
    assert all(not callable(v) for v in saved_sched.values())

    opt2 = ours_optimizer(lrs=(5.0, 5.0))
    sched2 = getattr(lr_scheduler, name)(opt2, **kwargs)
    opt2.load_state_dict(saved_opt)
    sched2.load_state_dict(saved_sched)
    rest = run(opt2, sched2, 20)
    assert first + rest[1:] == straight


def test_reduce_lr_on_plateau_state_dict_round_trip():
    opt = ours_optimizer()
    sched = lr_scheduler.ReduceLROnPlateau(opt, patience=1, cooldown=2)
    straight = run(opt, sched, 30, _FLAT)
    opt = ours_optimizer()
    sched = lr_scheduler.ReduceLROnPlateau(opt, patience=1, cooldown=2)
    first = run(opt, sched, 12, _FLAT)
    opt2 = ours_optimizer()
    opt2.load_state_dict(opt.state_dict())
    sched2 = lr_scheduler.ReduceLROnPlateau(opt2, mode="max")
    sched2.load_state_dict(sched.state_dict())
    rest = run(opt2, sched2, 18, _FLAT[12:])
    assert first + rest[1:] == straight


def test_scheduler_load_state_dict_rejects_unknown_keys_and_changes_nothing():
    sched = lr_scheduler.StepLR(ours_optimizer(), step_size=2)
    before = sched.state_dict()
    with pytest.raises(KeyError, match="stepsize"):
        sched.load_state_dict({**before, "last_epoch": 7, "stepsize": 3})
    assert sched.state_dict() == before
    plateau = lr_scheduler.ReduceLROnPlateau(ours_optimizer())
    saved = plateau.state_dict()
    with pytest.raises(ValueError, match="'median'"):
        plateau.load_state_dict({**saved, "mode": "median"})
    assert plateau.state_dict() == saved


def test_resuming_with_last_epoch_needs_initial_lr():
    with pytest.raises(KeyError, match="initial_lr"):
        lr_scheduler.StepLR(ours_optimizer(), step_size=2, last_epoch=4)


def test_resuming_with_last_epoch_matches_torch():
    torch = pytest.importorskip("torch")
    for name, kwargs in [("CosineAnnealingLR", {"T_max": 10}), ("StepLR", {"step_size": 3}),
                         ("LambdaLR", {"lr_lambda": _decay})]:
        opt, ref_opt = ours_optimizer(), torch_optimizer(torch)
        for group in opt.param_groups + ref_opt.param_groups:
            group["initial_lr"] = group["lr"]
        ours = run(opt, getattr(lr_scheduler, name)(opt, last_epoch=4, **kwargs), 15)
        ref = getattr(torch.optim.lr_scheduler, name)(ref_opt, last_epoch=4, **kwargs)
        assert_same_sequence(ours, run(ref_opt, ref, 15))


# -- bad arguments -------------------------------------------------------------------------------


@pytest.mark.parametrize(("make", "error", "match"), [
    (lambda o: lr_scheduler.StepLR(o, step_size=0), ValueError, "step_size=0"),
    (lambda o: lr_scheduler.StepLR(o, step_size=2.5), ValueError, "step_size=2.5"),
    (lambda o: lr_scheduler.StepLR(o, step_size=2, gamma="x"), ValueError, "gamma='x'"),
    (lambda o: lr_scheduler.ExponentialLR(o, gamma=math.nan), ValueError, "gamma=nan"),
    (lambda o: lr_scheduler.CosineAnnealingLR(o, T_max=0), ValueError, "T_max=0"),
    (lambda o: lr_scheduler.LambdaLR(o, lr_lambda=[_decay]), ValueError, "1 lr_lambdas for 2"),
    (lambda o: lr_scheduler.LambdaLR(o, lr_lambda=0.5), TypeError, "0.5"),
    (lambda o: lr_scheduler.ReduceLROnPlateau(o, factor=1.0), ValueError, "factor=1.0"),
    (lambda o: lr_scheduler.ReduceLROnPlateau(o, mode="avg"), ValueError, "'avg'"),
    (lambda o: lr_scheduler.ReduceLROnPlateau(o, threshold_mode="pct"), ValueError, "'pct'"),
    (lambda o: lr_scheduler.ReduceLROnPlateau(o, patience=-1), ValueError, "patience=-1"),
    (lambda o: lr_scheduler.ReduceLROnPlateau(o, min_lr=[0.1]), ValueError, "1 min_lr"),
    (lambda o: lr_scheduler.StepLR(o, step_size=2, last_epoch=-2), ValueError, "-2"),
    (lambda o: lr_scheduler.StepLR("sgd", step_size=2), TypeError, "str"),
])
def test_bad_arguments_raise(make, error, match):
    opt = ours_optimizer()
    with pytest.raises(error, match=match):
        make(opt)
    assert [g["lr"] for g in opt.param_groups] == list(LRS)
