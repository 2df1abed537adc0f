"""detect_anomaly: a forward inf is legitimate (log(0), a -inf mask), as in torch; a forward
nan raises at the op that made it; a nan or inf in a gradient raises at the op whose backward
made it. Every error names the op and the line of user code."""

import inspect
import math
import warnings

import numpy as np
import pytest

import autograd as ag
from autograd import AnomalyError, Value, detect_anomaly


@pytest.fixture
def torch():
    torch = pytest.importorskip("torch")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch warns that anomaly mode is slow
        yield torch


def leaf(values):
    return ag.tensor(np.asarray(values, dtype=np.float64), requires_grad=True)


FORWARD_INF = {
    "log(0)": lambda k, x: (x * 0).log(),
    "1 / 0": lambda k, x: 1.0 / (x * 0),
    "exp(1000)": lambda k, x: (x * 1000).exp(),
    "-inf mask": lambda k, x: (x + k.tensor([0.0, -math.inf], dtype=x.dtype)).softmax(-1),
}


@pytest.mark.parametrize("name", FORWARD_INF)
def test_a_forward_inf_passes_as_in_torch(torch, name):
    with detect_anomaly(), np.errstate(divide="ignore", over="ignore"):
        ours = FORWARD_INF[name](ag, leaf([1.0, 2.0]))
    with torch.autograd.detect_anomaly():
        theirs = FORWARD_INF[name](torch, torch.tensor([1.0, 2.0], dtype=torch.float64,
                                                       requires_grad=True))
    np.testing.assert_array_equal(ours.numpy(), theirs.detach().numpy())
    assert not np.all(np.isfinite(ours.numpy())) or name == "-inf mask"


def test_a_masked_softmax_runs_forward_and_backward_in_anomaly_mode(torch):
    grads = []
    for k, mode in ((ag, detect_anomaly), (torch, torch.autograd.detect_anomaly)):
        x = k.tensor([[1.0, 2.0, 3.0]], dtype=k.float64, requires_grad=True)
        mask = k.tensor([[0.0, -math.inf, 0.0]], dtype=k.float64)
        with mode():
            (x + mask).softmax(-1)[0, 0].backward()
        grads.append(x.grad.numpy())
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-14)
    assert grads[0][0, 1] == 0.0


FORWARD_NAN = {
    "sqrt": lambda x: (x - 5).sqrt(),
    "log": lambda x: (-x).log(),
    "div": lambda x: (x * 0) / (x * 0),
    "mul": lambda x: (x * 0) * math.inf,
    "sub": lambda x: (x * math.inf) - math.inf,
}


@pytest.mark.parametrize("op", FORWARD_NAN)
def test_a_forward_nan_raises_naming_the_op_and_the_line(op):
    x = leaf([1.0, 2.0])
    with detect_anomaly(), np.errstate(invalid="ignore"):
        with pytest.raises(AnomalyError) as info:
            FORWARD_NAN[op](x)
    message = str(info.value)
    assert f"op '{op}' produced nan in its forward pass" in message
    line = FORWARD_NAN[op].__code__.co_firstlineno  # the user code that called the op
    assert message.endswith(f"called at {__file__}:{line} in <lambda>")


def test_without_anomaly_mode_the_same_nan_just_propagates():
    with np.errstate(invalid="ignore"):
        assert np.isnan(FORWARD_NAN["sqrt"](leaf([1.0])).item())


def test_a_nan_gradient_raises_naming_the_op_as_torch_does(torch):
    with torch.autograd.detect_anomaly():
        x = torch.tensor([0.0], requires_grad=True)
        with pytest.raises(RuntimeError, match="SqrtBackward0.*nan"):
            (x.sqrt() * 0).sum().backward()
    x = leaf([0.0])
    with detect_anomaly(), np.errstate(divide="ignore", invalid="ignore"):
        line = inspect.currentframe().f_lineno + 1
        y = x.sqrt() * 0  # sqrt(0) = 0 is fine; its backward 0 / (2 sqrt(0)) is not
        with pytest.raises(AnomalyError) as info:
            y.sum().backward()
    message = str(info.value)
    assert "backward of op 'sqrt'" in message and f"{__file__}:{line}" in message
    assert x.grad is None  # the pass stopped before reaching the leaf


def test_an_inf_gradient_raises_too_where_torch_checks_only_for_nan(torch):
    with torch.autograd.detect_anomaly():
        t = torch.tensor([0.0, 4.0], requires_grad=True)
        t.sqrt().sum().backward()
        assert math.isinf(t.grad[0])  # torch lets an inf gradient through
    x = leaf([0.0, 4.0])
    with detect_anomaly(), np.errstate(divide="ignore"):
        y = x.sqrt().sum()
        with pytest.raises(AnomalyError, match="nan or inf in the gradient of its input 0"):
            y.backward()


def test_values_follow_the_same_rules():
    with detect_anomaly():
        assert Value(0.0).log().data == -math.inf
        with pytest.raises(AnomalyError, match="op 'log' produced nan"):
            Value(-1.0).log()
        y = Value(0.0).sqrt()
        with pytest.raises(AnomalyError, match="backward of op 'sqrt'"):
            y.backward()


def test_anomaly_mode_nests_and_switches_off_inside():
    with detect_anomaly():
        with detect_anomaly(False), np.errstate(invalid="ignore"):
            assert np.isnan((leaf([1.0]) - 5).sqrt().item())
        with pytest.raises(AnomalyError), np.errstate(invalid="ignore"):
            (leaf([1.0]) - 5).sqrt()
    with np.errstate(invalid="ignore"):
        assert np.isnan((leaf([1.0]) - 5).sqrt().item())
