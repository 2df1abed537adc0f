"""nn.utils: gradient clipping against torch.nn.utils, in place, on Tensors and Values."""

import math

import numpy as np
import pytest

import autograd as ag
from autograd import Value
from nn import utils

_rng = np.random.default_rng(3)
GRADS = [_rng.standard_normal((3, 4)), _rng.standard_normal(4) * 5, _rng.standard_normal(())]


def ours_with(grads, dtype=np.float64):
    params = []
    for g in grads:
        p = ag.tensor(np.zeros_like(g), dtype=dtype, requires_grad=True)
        p.grad = ag.tensor(np.array(g), dtype=dtype)
        params.append(p)
    return params


def torch_with(torch, grads, dtype=None):
    params = []
    for g in grads:
        p = torch.zeros(g.shape, dtype=dtype or torch.float64, requires_grad=True)
        p.grad = torch.tensor(g, dtype=dtype or torch.float64)
        params.append(p)
    return params


@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.5, math.inf, "inf"])
@pytest.mark.parametrize("max_norm", [0.5, 3.0, 1e3])
def test_clip_grad_norm_matches_torch(norm_type, max_norm):
    torch = pytest.importorskip("torch")
    ours, theirs = ours_with(GRADS), torch_with(torch, GRADS)
    total = utils.clip_grad_norm_(ours, max_norm, norm_type=norm_type)
    ref_total = torch.nn.utils.clip_grad_norm_(theirs, max_norm, norm_type=norm_type)
    assert isinstance(total, ag.Tensor) and total.dtype == np.float64
    assert total.item() == pytest.approx(ref_total.item(), rel=1e-13)
    for p, q in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-13)
    clipped = max_norm < ref_total.item()
    assert clipped == (not np.allclose(ours[0].grad.numpy(), GRADS[0]))


def test_clip_grad_norm_float32_matches_torch():
    torch = pytest.importorskip("torch")
    ours, theirs = ours_with(GRADS, np.float32), torch_with(torch, GRADS, torch.float32)
    total = utils.clip_grad_norm_(ours, 1.0)
    ref_total = torch.nn.utils.clip_grad_norm_(theirs, 1.0)
    assert total.dtype == np.float32
    assert total.item() == pytest.approx(ref_total.item(), rel=1e-6)
    for p, q in zip(ours, theirs, strict=True):
        assert p.grad.dtype == np.float32
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-5)


def test_clip_grad_norm_works_in_place_and_skips_missing_grads():
    params = ours_with(GRADS)
    arrays = [p.grad.numpy() for p in params]
    idle = ag.tensor([5.0, 5.0], requires_grad=True)
    total = utils.clip_grad_norm_(iter(params + [idle]), 1.0)
    assert idle.grad is None
    assert all(p.grad.numpy() is a for p, a in zip(params, arrays, strict=True))
    joint = math.sqrt(sum(float((g**2).sum()) for g in GRADS))
    assert total.item() == pytest.approx(joint)
    after = math.sqrt(sum(float((p.grad.numpy()**2).sum()) for p in params))
    assert after == pytest.approx(1.0, rel=1e-5)


def test_clip_grad_norm_single_tensor_and_no_grads():
    p = ag.tensor([3.0, 4.0], requires_grad=True)
    p.grad = ag.tensor([3.0, 4.0])
    assert utils.clip_grad_norm_(p, 1.0).item() == pytest.approx(5.0)
    np.testing.assert_allclose(p.grad.numpy(), [0.6, 0.8], rtol=1e-5)
    q = ag.tensor([1.0], requires_grad=True)
    assert utils.clip_grad_norm_([q], 1.0).item() == 0.0


def test_clip_grad_norm_nonfinite():
    torch = pytest.importorskip("torch")
    grads = [np.array([1.0, np.nan]), np.array([2.0])]
    ours = ours_with(grads)
    with pytest.raises(RuntimeError, match="nan"):
        utils.clip_grad_norm_(ours, 1.0, error_if_nonfinite=True)
    np.testing.assert_array_equal(ours[1].grad.numpy(), [2.0])  # nothing changed
    theirs = torch_with(torch, grads)
    utils.clip_grad_norm_(ours, 1.0)
    torch.nn.utils.clip_grad_norm_(theirs, 1.0)
    for p, q in zip(ours, theirs, strict=True):
        np.testing.assert_array_equal(p.grad.numpy(), q.grad.numpy())  # both all nan
    ours = ours_with([np.array([np.inf, 1.0])])
    with pytest.raises(RuntimeError, match="inf"):
        utils.clip_grad_norm_(ours, 1.0, error_if_nonfinite=True)


def test_clip_grad_norm_values():
    w, b, c = Value(0.0), Value(0.0), Value(1.0)
    w.grad, b.grad, c.grad = 3.0, -4.0, 0.0
    total = utils.clip_grad_norm_([w, b, c], 1.0)
    assert isinstance(total, float) and total == pytest.approx(5.0)
    assert (w.grad, b.grad) == pytest.approx((0.6, -0.8), rel=1e-5)
    tensors = ours_with([np.array(3.0), np.array(-4.0)])
    assert utils.clip_grad_norm_(tensors, 1.0).item() == pytest.approx(total)
    assert [t.grad.item() for t in tensors] == [w.grad, b.grad]


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"max_norm": -1.0}, "max_norm=-1.0"),
    ({"max_norm": 1.0, "norm_type": 0}, "norm_type=0"),
    ({"max_norm": 1.0, "norm_type": -2}, "norm_type=-2"),
])
def test_clip_grad_norm_bad_arguments(kwargs, match):
    params = ours_with(GRADS)
    with pytest.raises(ValueError, match=match):
        utils.clip_grad_norm_(params, **kwargs)
    np.testing.assert_array_equal(params[0].grad.numpy(), GRADS[0])


def test_clip_grad_norm_rejects_non_parameters():
    with pytest.raises(TypeError, match="ndarray"):
        utils.clip_grad_norm_([np.ones(3)], 1.0)


@pytest.mark.parametrize("clip_value", [0.1, 1.0, 4.0, 100.0])
def test_clip_grad_value_matches_torch(clip_value):
    torch = pytest.importorskip("torch")
    grads = GRADS + [np.array([np.nan, -np.inf, np.inf])]
    ours, theirs = ours_with(grads), torch_with(torch, grads)
    arrays = [p.grad.numpy() for p in ours]
    assert utils.clip_grad_value_(ours, clip_value) is None
    torch.nn.utils.clip_grad_value_(theirs, clip_value)
    for p, q, a in zip(ours, theirs, arrays, strict=True):
        assert p.grad.numpy() is a
        np.testing.assert_array_equal(p.grad.numpy(), q.grad.numpy())


def test_clip_grad_value_values_and_bad_arguments():
    w, b, c, d = Value(0.0), Value(0.0), Value(0.0), Value(0.0)
    w.grad, b.grad, c.grad, d.grad = 3.0, -4.0, 0.25, math.nan
    utils.clip_grad_value_([w, b, c, d], 0.5)
    assert (w.grad, b.grad, c.grad) == (0.5, -0.5, 0.25)
    assert math.isnan(d.grad)
    p = ours_with(GRADS)
    with pytest.raises(ValueError, match="clip_value=-1.0"):
        utils.clip_grad_value_(p, -1.0)
    np.testing.assert_array_equal(p[0].grad.numpy(), GRADS[0])
    single = ours_with([np.array([2.0, -3.0])])[0]
    utils.clip_grad_value_(single, 1.0)
    np.testing.assert_array_equal(single.grad.numpy(), [1.0, -1.0])
