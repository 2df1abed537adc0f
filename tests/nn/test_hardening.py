"""The hardening list of issue 9: names refused as torch refuses them, nothing half-applied,
losses that check what torch checks, scheduler states validated, messages that name the argument
and its value, and ELU / BCEWithLogits accurate on both tails."""

import math

import numpy as np
import pytest

import autograd
import nn
import nn.functional as F
from autograd import Tensor
from nn import lr_scheduler, optim


def _torch():
    return pytest.importorskip("torch")


# -- names -------------------------------------------------------------------------------------


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(2, 2)
        self.note = "a plain attribute"


BAD_NAMES = [("a.b", KeyError, r'contain "\."'), ("", KeyError, "empty string"),
             (3, TypeError, "should be a string"), ("forward", KeyError, "'forward' already"),
             ("training", KeyError, "'training' already"), ("note", KeyError, "'note' already")]


def _register(module, how, name):
    if how == "register_parameter":
        module.register_parameter(name, nn.Parameter(np.ones(1)))
    elif how == "register_buffer":
        module.register_buffer(name, autograd.ones(1))
    else:
        module.add_module(name, nn.Linear(1, 1))


@pytest.mark.parametrize("how", ["register_parameter", "register_buffer", "add_module"])
@pytest.mark.parametrize("name, error, words", BAD_NAMES)
def test_bad_names_are_refused_as_torch_refuses_them(how, name, error, words):
    net = Net()
    before = list(net.state_dict())
    with pytest.raises(error, match=words):
        _register(net, how, name)
    assert list(net.state_dict()) == before and net.note == "a plain attribute"


@pytest.mark.parametrize("how", ["register_parameter", "register_buffer", "add_module"])
@pytest.mark.parametrize("name", ["a.b", "", 3, "forward", "training"])
def test_torch_refuses_the_same_names_with_the_same_error(how, name):
    torch = _torch()
    ours = theirs = None
    try:
        _register(Net(), how, name)
    except Exception as err:
        ours = type(err)
    mod = torch.nn.Module()
    arg = {"register_parameter": lambda: torch.nn.Parameter(torch.ones(1)),
           "register_buffer": lambda: torch.ones(1),
           "add_module": lambda: torch.nn.Linear(1, 1)}[how]()
    try:
        getattr(mod, how)(name, arg)
    except Exception as err:
        theirs = type(err)
    assert ours is theirs is not None


def test_a_dotted_parameter_beside_a_submodule_is_refused_not_dropped():
    net = Net()
    with pytest.raises(KeyError, match=r'contain "\."'):
        setattr(net, "fc.weight", nn.Parameter(np.zeros((2, 2))))
    with pytest.raises(KeyError, match=r'contain "\."'):
        setattr(net, "fc.sub", nn.Linear(1, 1))
    with pytest.raises(KeyError, match="'forward' already"):
        net.forward = nn.Parameter(np.ones(1))
    assert list(net.state_dict()) == ["fc.weight", "fc.bias"]


def test_re_registering_a_name_of_the_same_kind_is_allowed():
    net = Net()
    net.register_parameter("w", nn.Parameter(np.ones(1)))
    net.register_parameter("w", nn.Parameter(np.zeros(1)))
    net.register_buffer("b", autograd.ones(1))
    net.register_buffer("b", None)
    net.add_module("fc", nn.Linear(3, 3))
    assert list(net.state_dict()) == ["w", "fc.weight", "fc.bias"]
    assert net.state_dict()["fc.weight"].shape == (3, 3)


def test_state_dict_never_lets_one_entry_hide_another():
    net = Net()
    net._parameters["fc.weight"] = nn.Parameter(np.zeros((2, 2)))  # behind the checks' back
    with pytest.raises(RuntimeError, match="'fc.weight'"):
        net.state_dict()


# -- nothing half-applied ----------------------------------------------------------------------


def _params():
    return [nn.Parameter(np.full(3, 1.0)), nn.Parameter(np.full(2, 2.0)),
            nn.Parameter(np.full(2, 3.0))]


BAD_GRADS = [np.array([1 + 1j, 2j]), np.array(["a", "b"]), np.array([{}, {}], dtype=object),
             np.ones(3), np.array([True, False])]


@pytest.mark.parametrize("make", [
    lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9), lambda ps: optim.Adam(ps, lr=0.1),
    lambda ps: optim.AdamW(ps, lr=0.1), lambda ps: optim.RMSprop(ps, lr=0.1),
    lambda ps: optim.Adagrad(ps, lr=0.1)])
@pytest.mark.parametrize("bad", BAD_GRADS, ids=["complex", "str", "object", "shape", "bool"])
def test_a_later_bad_gradient_leaves_every_parameter_unchanged(make, bad):
    params = _params()
    opt = make(params)
    for p in params[:2]:
        p.grad = autograd.ones_like(p)
    before = [p.numpy().copy() for p in params]
    try:
        bad = Tensor(bad)
    except (TypeError, ValueError):
        pass  # the engine refuses such a tensor: the optimizer must refuse the raw array too
    try:
        params[2].grad = bad
    except (TypeError, ValueError):
        pass  # refused as a gradient already: nothing can have changed either
    else:
        with pytest.raises((TypeError, ValueError), match="parameter 2 .*(dtype|shape)"):
            opt.step()
    for p, b in zip(params, before):
        np.testing.assert_array_equal(p.numpy(), b)
    assert opt.state == {}


def test_a_read_only_parameter_fails_the_step_before_anything_changes():
    params = _params()
    opt = optim.SGD(params, lr=0.1)
    for p in params:
        p.grad = autograd.ones_like(p)
    params[2].numpy().flags.writeable = False
    with pytest.raises(ValueError, match="parameter 2 .*read-only"):
        opt.step()
    np.testing.assert_array_equal(params[0].numpy(), np.full(3, 1.0))


def test_load_state_dict_into_a_read_only_parameter_copies_nothing():
    autograd.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 3), nn.Linear(3, 1))
    before = {k: v.copy() for k, v in model.state_dict().items()}
    model[1].bias.numpy().flags.writeable = False
    zeros = {k: np.zeros_like(v) for k, v in before.items()}
    with pytest.raises(RuntimeError, match=r"nothing was changed:\s+'1.bias' .*read-only"):
        model.load_state_dict(zeros)
    for k, v in model.state_dict().items():
        np.testing.assert_array_equal(v, before[k], err_msg=k)


# -- losses and layers -------------------------------------------------------------------------


def test_binary_cross_entropy_refuses_nan_probabilities_as_torch():
    torch = _torch()
    p, y = np.array([0.5, np.nan], np.float32), np.array([1.0, 0.0], np.float32)
    with pytest.raises(RuntimeError, match="between 0 and 1"):
        torch.nn.functional.binary_cross_entropy(torch.tensor(p), torch.tensor(y))
    with pytest.raises(ValueError, match=r"\[0, 1\].*1 nan"):
        F.binary_cross_entropy(Tensor(p), y)
    with pytest.raises(ValueError, match="nan"):
        nn.BCELoss()(Tensor(np.full(2, np.nan, np.float32)), y)


@pytest.mark.parametrize("loss", [F.cross_entropy, F.nll_loss])
def test_bool_class_indices_are_refused_as_torch_refuses_them(loss):
    torch = _torch()
    x = np.random.default_rng(0).standard_normal((2, 3)).astype(np.float32)
    t = np.array([True, False])
    with pytest.raises(RuntimeError):
        getattr(torch.nn.functional, loss.__name__)(torch.tensor(x), torch.tensor(t))
    with pytest.raises(TypeError, match=f"{loss.__name__}: .*dtype bool"):
        loss(Tensor(x), t)


@pytest.mark.parametrize("call", [
    lambda x, t: F.cross_entropy(x, t, ignore_index=1.5),
    lambda x, t: F.nll_loss(x, t, ignore_index=1.0),
    lambda x, t: nn.CrossEntropyLoss(ignore_index=1.5)(x, t),
    lambda x, t: nn.NLLLoss(ignore_index=True)(x, t),
])
def test_a_float_or_bool_ignore_index_is_refused(call):
    x, t = Tensor(np.zeros((2, 3), np.float32)), np.array([0, 1])
    with pytest.raises(TypeError, match=r"ignore_index must be an int, got ignore_index="):
        call(x, t)


@pytest.mark.parametrize("call, words", [
    (lambda x: F.huber_loss(x, x, delta="1"), "huber_loss: delta must be a number, got "
                                              "delta='1'"),
    (lambda x: F.smooth_l1_loss(x, x, beta="x"), "beta='x'"),
    (lambda x: nn.HuberLoss(delta="1"), "HuberLoss: .*delta='1'"),
    (lambda x: nn.SmoothL1Loss(beta=None), "beta=None"),
    (lambda x: F.mse_loss(x, x, reduction="avg"), "reduction='avg'"),
    (lambda x: F.cross_entropy(x.reshape(1, 3), [0], label_smoothing="a"),
     "label_smoothing='a'"),
])
def test_messages_name_the_argument_and_its_value(call, words):
    with pytest.raises((TypeError, ValueError), match=words):
        call(Tensor(np.zeros(3, np.float32)))


def test_delta_below_zero_is_a_value_error_naming_it():
    with pytest.raises(ValueError, match="delta=-1"):
        F.huber_loss(Tensor(np.zeros(2)), np.zeros(2), delta=-1)


@pytest.mark.parametrize("call", [
    lambda z: F.mse_loss(z, np.zeros((1, 2))),
    lambda z: F.l1_loss(z, np.zeros((1, 2))),
    lambda z: F.binary_cross_entropy_with_logits(z, np.zeros((1, 2))),
    lambda z: F.cross_entropy(z, [0]),
    lambda z: nn.MSELoss()(z, np.zeros((1, 2))),
    lambda z: nn.Linear(2, 1)(z),
    lambda z: nn.Dense(1)(z),
    lambda z: F.mse_loss(Tensor(np.zeros((1, 2), np.float32)), np.asarray(z)),
])
def test_complex_tensors_are_refused_naming_the_dtype(call):
    z = np.array([[1 + 2j, 3 - 1j]], np.complex64)
    try:
        z = Tensor(z)
    except TypeError:
        pass  # the engine refuses complex tensors: the array itself must be refused as well
    with pytest.raises(TypeError, match="complex64"):
        call(z)


# -- precision on the tails --------------------------------------------------------------------


def test_elu_gradient_matches_torch_far_into_the_negative_tail():
    torch = _torch()
    x = np.array([-80, -50, -30, -20, -17, -10, -5, -1.5, -1, -0.999, -0.5, -1e-4, 0, 2],
                 np.float32)
    for alpha in (1.0, 0.3):
        ours = Tensor(x.copy(), requires_grad=True)
        F.elu(ours, alpha).sum().backward()
        ref = torch.tensor(x, requires_grad=True)
        torch.nn.functional.elu(ref, alpha).sum().backward()
        np.testing.assert_allclose(ours.grad.numpy(), ref.grad.numpy(), rtol=3e-7, atol=0)
        exact = np.where(x > 0, 1.0, alpha * np.exp(x.astype(np.float64)))
        np.testing.assert_allclose(ours.grad.numpy(), exact, rtol=3e-7, atol=0)
    assert ours.grad.numpy()[4] > 0  # x = -17: 0.3 e^-17, where expm1(x) + 1 gives 0


LOGITS = np.array([-80, -40, -17, -10, -3, -0.5, 0, 0.5, 3, 10, 17, 40, 80], np.float32)


@pytest.mark.parametrize("y", [0.0, 1.0, 0.3])
@pytest.mark.parametrize("pos_weight", [None, 2.5])
def test_bce_with_logits_is_accurate_on_both_tails_in_float32(y, pos_weight):
    target = np.full_like(LOGITS, y)
    x = Tensor(LOGITS.copy(), requires_grad=True)
    pw = None if pos_weight is None else np.array([pos_weight], np.float32)
    loss = F.binary_cross_entropy_with_logits(x, target, reduction="none", pos_weight=pw)
    loss.sum().backward()
    v, q = LOGITS.astype(np.float64), (1.0 if pos_weight is None else pos_weight) * y
    exact = (1 - y) * np.logaddexp(0, v) + q * np.logaddexp(0, -v)
    exact_grad = (1 - y) / (1 + np.exp(-v)) - q / (1 + np.exp(v))
    np.testing.assert_allclose(loss.numpy(), exact, rtol=2e-6, atol=0)
    np.testing.assert_allclose(x.grad.numpy(), exact_grad, rtol=2e-6, atol=0)
    assert loss.dtype == np.float32 and x.grad.dtype == np.float32


def test_bce_with_logits_matches_torch_and_beats_it_where_it_rounds_to_zero():
    torch = _torch()
    x = np.array([17, 20, 30, -17, -20], np.float32)
    y = np.array([1, 1, 1, 0, 0], np.float32)
    ours = F.binary_cross_entropy_with_logits(Tensor(x), y, reduction="none").numpy()
    theirs = torch.nn.functional.binary_cross_entropy_with_logits(
        torch.tensor(x), torch.tensor(y), reduction="none").numpy()
    np.testing.assert_allclose(ours[:3], theirs[:3], rtol=1e-6)  # torch is exact there
    assert np.all(ours[3:] > 0) and np.all(theirs[3:] == 0)  # torch's y = 0 tail gives 0
    np.testing.assert_allclose(ours[3:], np.log1p(np.exp(x[3:].astype(np.float64))),
                               rtol=1e-6)


def test_bce_with_logits_mean_and_weight_still_match_torch():
    torch = _torch()
    rng = np.random.default_rng(1)
    x, y = rng.standard_normal((5, 3)) * 4, rng.random((5, 3))
    w, pw = rng.random(3), rng.random(3) + 0.5
    ours = Tensor(x.copy(), requires_grad=True)
    F.binary_cross_entropy_with_logits(ours, y, weight=w, pos_weight=pw).backward()
    ref = torch.tensor(x, requires_grad=True)
    torch.nn.functional.binary_cross_entropy_with_logits(
        ref, torch.tensor(y), weight=torch.tensor(w), pos_weight=torch.tensor(pw)).backward()
    np.testing.assert_allclose(ours.grad.numpy(), ref.grad.numpy(), rtol=1e-10)


# -- scheduler states --------------------------------------------------------------------------


def _opt():
    return optim.SGD([{"params": [nn.Parameter(np.ones(1))], "lr": 0.1},
                      {"params": [nn.Parameter(np.ones(1))], "lr": 0.01}], lr=0.1)


@pytest.mark.parametrize("make, key, value", [
    (lambda o: lr_scheduler.StepLR(o, step_size=3), "step_size", 0),
    (lambda o: lr_scheduler.StepLR(o, step_size=3), "step_size", 2.5),
    (lambda o: lr_scheduler.StepLR(o, step_size=3), "gamma", 10),
    (lambda o: lr_scheduler.StepLR(o, step_size=3), "gamma", 0.0),
    (lambda o: lr_scheduler.StepLR(o, step_size=3), "last_epoch", "3"),
    (lambda o: lr_scheduler.StepLR(o, step_size=3), "last_epoch", -5),
    (lambda o: lr_scheduler.StepLR(o, step_size=3), "base_lrs", [0.1]),
    (lambda o: lr_scheduler.StepLR(o, step_size=3), "base_lrs", [0.1, -1.0]),
    (lambda o: lr_scheduler.StepLR(o, step_size=3), "_last_lr", [0.1, math.nan]),
    (lambda o: lr_scheduler.ExponentialLR(o, gamma=0.9), "gamma", 1.5),
    (lambda o: lr_scheduler.CosineAnnealingLR(o, T_max=5), "T_max", 0),
    (lambda o: lr_scheduler.CosineAnnealingLR(o, T_max=5), "eta_min", -0.1),
    (lambda o: lr_scheduler.LambdaLR(o, lambda e: 1.0), "_step_count", -1),
    (lambda o: lr_scheduler.ReduceLROnPlateau(o), "factor", 2.0),
    (lambda o: lr_scheduler.ReduceLROnPlateau(o), "patience", -1),
    (lambda o: lr_scheduler.ReduceLROnPlateau(o), "min_lrs", [0.0]),
    (lambda o: lr_scheduler.ReduceLROnPlateau(o), "threshold_mode", "pct"),
    (lambda o: lr_scheduler.ReduceLROnPlateau(o), "best", math.nan),
    (lambda o: lr_scheduler.ReduceLROnPlateau(o), "num_bad_epochs", 1.5),
    (lambda o: lr_scheduler.ReduceLROnPlateau(o), "eps", "tiny"),
])
def test_scheduler_states_are_validated_naming_key_and_value(make, key, value):
    opt = _opt()
    sched = make(opt)
    saved = sched.state_dict()
    assert key in saved
    bad = {**saved, key: value}
    bad_last = {**saved, "last_epoch": saved["last_epoch"] + 4, key: value}  # a good key too
    for state in (bad, bad_last):
        with pytest.raises(ValueError, match=rf"load_state_dict: .*{key}(\[\d\])?="):
            sched.load_state_dict(state)
        assert sched.state_dict() == saved
    assert [g["lr"] for g in opt.param_groups] == [0.1, 0.01]


def test_a_good_scheduler_state_still_loads():
    opt = _opt()
    sched = lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
    for _ in range(3):
        sched.step()
    saved = sched.state_dict()
    other = lr_scheduler.StepLR(_opt(), step_size=5, gamma=0.9)
    other.load_state_dict(saved)
    assert other.state_dict() == saved


def test_decay_schedulers_refuse_a_growing_gamma_when_made():
    with pytest.raises(ValueError, match=r"gamma must be in \(0, 1\].*gamma=10"):
        lr_scheduler.StepLR(_opt(), step_size=2, gamma=10)
    with pytest.raises(ValueError, match="gamma=1.01"):
        lr_scheduler.ExponentialLR(_opt(), gamma=1.01)


def test_a_non_dict_scheduler_state_is_refused():
    with pytest.raises(TypeError, match="takes a dict"):
        lr_scheduler.StepLR(_opt(), step_size=2).load_state_dict([("gamma", 0.5)])

