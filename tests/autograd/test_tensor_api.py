"""The tensor API that PyTorch code expects: makers (linspace, randint, from_numpy, new_ones,
...), devices, dtype casts, and the ops added for it (sin, cos, rounding, // and %, clone,
repeat, chunk, masked_fill, gather, norm, prod, cumsum, topk, sort, max/min with a dim, mm,
bmm, dot, mv). Each op with a gradient is checked by gradcheck in float64 on Hypothesis inputs
and against torch 2.13's values and gradients (those tests skip without torch)."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd as ag
from autograd import Tensor, gradcheck
from autograd.testing import arrays, floats_away_from, safe_floats, shapes

from . import torch_oracle


def leaf(x) -> Tensor:
    return Tensor(np.asarray(x, dtype=np.float64), requires_grad=True)


@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip("torch")


compare = torch_oracle.compare  # compare(torch, ours, theirs, *inputs)


@st.composite
def distinct(draw, shape=None, spacing: float = 0.5):
    """Arrays of all-different elements (no ties to pick between)."""
    shape = draw(shapes(min_dims=1) if shape is None else shape)
    order = draw(st.permutations(range(math.prod(shape))))
    return ((np.array(order, dtype=np.float64) - len(order) / 2) * spacing).reshape(shape)


# -- makers ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("steps", [0, 1, 2, 7, 100, 2000])
@pytest.mark.parametrize("ends", [(-math.pi, math.pi), (-3, 7.5), (10, -10)])
def test_linspace_gives_torchs_values(torch, steps, ends):
    for ours, theirs in ((np.float32, torch.float32), (np.float64, torch.float64)):
        got = ag.linspace(*ends, steps, dtype=ours)
        want = torch.linspace(*ends, steps, dtype=theirs).numpy()
        assert got.dtype == want.dtype and got.shape == want.shape
        if ours is np.float32:  # float32 is worked through float64: torch's rounding exactly
            np.testing.assert_array_equal(got.numpy(), want)
        else:
            np.testing.assert_allclose(got.numpy(), want, rtol=1e-15, atol=1e-15)


def test_linspace_ends_defaults_and_bad_steps():
    x = ag.linspace(-1.0, 1.0, 5)
    assert x.dtype == np.float32 and x.shape == (5,) and x[0].item() == -1 and x[4].item() == 1
    assert not x.requires_grad and ag.linspace(0, 1, 3, requires_grad=True).requires_grad
    with pytest.raises(ValueError, match="steps must be a non-negative integer, got -1"):
        ag.linspace(0, 1, -1)
    with pytest.raises(ValueError, match="got 2.5"):
        ag.linspace(0, 1, 2.5)


def test_empty_and_empty_like_have_the_shape_and_dtype():
    e = ag.empty(5, 3)
    assert e.shape == (5, 3) and e.dtype == np.float32
    assert ag.empty((2,), dtype=ag.int64).dtype == np.int64
    assert ag.empty_like(ag.ones(2, 2, dtype=np.float64)).dtype == np.float64


def test_randint_randperm_draw_from_the_seeded_generator():
    ag.manual_seed(3)
    a = ag.randint(0, 10, (1000,))
    assert a.dtype == np.int64 and a.shape == (1000,)
    assert a.numpy().min() >= 0 and a.numpy().max() <= 9 and len(np.unique(a.numpy())) == 10
    b = ag.randint(3, (2, 2))  # randint(high, size) starts at 0, as torch
    assert b.shape == (2, 2) and b.numpy().max() < 3
    assert ag.randint(5, 7, size=(4,)).numpy().min() >= 5
    assert ag.randint(0, 2, (3,), dtype=ag.float32).dtype == np.float32
    p = ag.randperm(20)
    assert p.dtype == np.int64 and sorted(p.tolist()) == list(range(20))
    ag.manual_seed(3)
    np.testing.assert_array_equal(ag.randint(0, 10, (1000,)).numpy(), a.numpy())


@pytest.mark.parametrize("call, error, match", [
    (lambda: ag.randint(5, 5, (2,)), ValueError, r"low \(5\) must be less than high \(5\)"),
    (lambda: ag.randint(0, 2.5, (2,)), TypeError, "high must be an integer, got 2.5"),
    (lambda: ag.randint(0, 5), TypeError, "needs a size"),
    (lambda: ag.randperm(-1), ValueError, "non-negative integer, got -1"),
    (lambda: ag.normal(0.0, -1.0, size=(2,)), ValueError, "std must be non-negative"),
    (lambda: ag.normal(0.0, 1.0), TypeError, "needs a size"),
])
def test_random_makers_refuse_bad_arguments(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_normal_takes_numbers_with_a_size_or_tensors_that_broadcast():
    ag.manual_seed(0)
    x = ag.normal(2.0, 3.0, size=(20000,))
    assert x.dtype == np.float32 and abs(x.numpy().mean() - 2) < 0.1
    assert abs(x.numpy().std() - 3) < 0.1
    means = ag.tensor([[0.0], [100.0]], dtype=np.float64)
    y = ag.normal(means, ag.tensor([1e-3, 1e-3, 1e-3], dtype=np.float64))
    assert y.shape == (2, 3) and y.dtype == np.float64 and not y.requires_grad
    np.testing.assert_allclose(y.numpy(), np.broadcast_to(means.numpy(), (2, 3)), atol=0.01)


def test_from_numpy_shares_memory_both_ways():
    a = np.ones(5)
    t = ag.from_numpy(a)
    assert t.dtype == np.float64
    np.add(a, 1, out=a)
    np.testing.assert_array_equal(t.numpy(), [2.0] * 5)
    t.add_(1)
    np.testing.assert_array_equal(a, [3.0] * 5)
    with pytest.raises(TypeError, match="numpy array, got list"):
        ag.from_numpy([1.0])
    with pytest.raises(TypeError, match="dtype <U1"):
        ag.from_numpy(np.array(["a"]))


def test_as_tensor_shares_when_it_can_and_copies_when_it_must():
    a = np.arange(3.0)
    assert ag.as_tensor(a).numpy() is a
    copied = ag.as_tensor(a, dtype=np.float32)
    assert copied.dtype == np.float32 and not np.shares_memory(copied.numpy(), a)
    t = ag.tensor([1.0, 2.0])
    assert ag.as_tensor(t) is t
    assert ag.as_tensor([1, 2]).dtype == np.int64


def test_new_makers_keep_the_dtype_unless_told():
    x = ag.tensor([5.5, 3.0], dtype=np.float64)
    for made in (x.new_ones(5, 3), x.new_zeros((5, 3)), x.new_empty(5, 3),
                 x.new_full((5, 3), 7.0)):
        assert made.shape == (5, 3) and made.dtype == np.float64
    assert x.new_full((2,), 7.0).tolist() == [7.0, 7.0]
    assert x.new_ones(2, dtype=ag.float32).dtype == np.float32
    made = x.new_tensor([1, 2])
    assert made.dtype == np.float64 and made.tolist() == [1.0, 2.0]
    assert x.new_zeros(2, requires_grad=True).requires_grad


# -- devices and dtype casts ----------------------------------------------------------------------


def test_the_cpu_is_the_one_device():
    cpu = ag.device("cpu")
    assert cpu == "cpu" and cpu == ag.device(cpu) and str(cpu) == "cpu"
    assert repr(cpu) == "device(type='cpu')" and cpu.type == "cpu"
    assert ag.device("cpu:0") == ag.device("cpu", 0) and ag.device("cpu:0") != cpu
    assert ag.device("cpu") != "cuda" and hash(cpu) == hash(ag.device("cpu"))
    x = ag.zeros(2, device="cpu")
    assert x.device == cpu and x.device.type == "cpu" and not x.is_cuda


@pytest.mark.parametrize("call", [
    lambda: ag.device("cuda"),
    lambda: ag.device("cuda:0"),
    lambda: ag.device("mps"),
    lambda: ag.zeros(2, device="cuda"),
    lambda: ag.randn(2, device=ag.device("cpu") and "cuda"),
    lambda: ag.tensor([1.0], device="cuda:1"),
    lambda: ag.linspace(0, 1, 3, device="mps"),
    lambda: ag.ones_like(ag.ones(2), device="cuda"),
    lambda: ag.ones(2).to("cuda"),
    lambda: ag.ones(2).to("cuda", ag.float64),
    lambda: ag.ones(2).to(device="xpu"),
    lambda: ag.ones(2).cuda(),
])
def test_another_device_raises_saying_retrograd_computes_on_the_cpu(call):
    with pytest.raises(RuntimeError, match="retrograd computes on the CPU"):
        call()


def test_to_takes_dtypes_devices_and_tensors():
    x = ag.tensor([1.5, 2.5], requires_grad=True)
    assert x.to("cpu") is x and x.cpu() is x and x.to(ag.device("cpu")) is x
    assert x.to(ag.float32) is x
    y = x.to(ag.float64)
    assert y.dtype == np.float64 and y.requires_grad
    y.sum().backward()
    assert x.grad.dtype == np.float32 and x.grad.tolist() == [1.0, 1.0]
    assert x.to("cpu", ag.float64).dtype == np.float64
    assert x.to(ag.zeros(1, dtype=np.int64)).dtype == np.int64
    assert x.to(dtype=np.float64, device="cpu").dtype == np.float64
    copy = x.to("cpu", copy=True)
    assert copy is not x and not np.shares_memory(copy.numpy(), x.numpy())
    with pytest.raises(TypeError, match="'banana' is not a dtype"):
        x.to("banana")


def test_casts_and_type_names():
    x = ag.tensor([1.7, -0.2, 0.0])
    assert x.long().dtype == np.int64 and x.long().tolist() == [1, 0, 0]
    assert x.int().dtype == np.int32 and x.bool().tolist() == [True, True, False]
    assert x.double().dtype == np.float64 and x.half().dtype == np.float16
    assert x.type() == "torch.FloatTensor" and x.long().type() == "torch.LongTensor"
    assert x.type(ag.float64).dtype == np.float64
    assert x.type("torch.DoubleTensor").dtype == np.float64


def test_size_dim_numel_and_shape():
    x = ag.zeros(5, 3)
    assert x.size() == (5, 3) and x.size()[0] == 5 and x.size(1) == 3 and x.size(-1) == 3
    assert x.shape == (5, 3) and isinstance(x.shape, tuple) and isinstance(x.size(), tuple)
    assert x.dim() == 2 and x.numel() == 15 and x.nelement() == 15
    with pytest.raises(IndexError, match="size\\(2\\)"):
        x.size(2)


# -- elementwise ----------------------------------------------------------------------------------

TRIG = {"sin": np.sin, "cos": np.cos}


@pytest.mark.parametrize("name", TRIG)
@given(x=arrays())
def test_sin_cos(name, x):
    out = getattr(leaf(x), name)()
    np.testing.assert_allclose(out.numpy(), TRIG[name](x), rtol=1e-12, atol=1e-12)
    gradcheck(lambda t: getattr(t, name)(), leaf(x))
    gradcheck(getattr(ag, name), leaf(x))


@pytest.mark.parametrize("name", TRIG)
@given(x=arrays())
def test_sin_cos_match_torch(torch, name, x):
    compare(torch, lambda t: getattr(t, name)(), getattr(torch, name), x)


STEPS = {"sign": np.sign, "floor": np.floor, "ceil": np.ceil, "trunc": np.trunc,
         "round": np.round}
# halves included: round takes them to even, as torch and numpy do
HALVES = st.one_of(safe_floats(-10, 10), st.integers(-20, 20).map(lambda k: k / 2))


@pytest.mark.parametrize("name", STEPS)
@given(x=arrays(elements=HALVES))
def test_step_functions_have_zero_gradient(name, x):
    t = leaf(x)
    out = getattr(t, name)()
    np.testing.assert_array_equal(out.numpy(), STEPS[name](x))
    assert out.requires_grad and out.grad_fn.name() == f"{name.capitalize()}Backward0"
    (out * 3).sum().backward()
    np.testing.assert_array_equal(t.grad.numpy(), np.zeros_like(x))


@pytest.mark.parametrize("name", STEPS)
@given(x=arrays(elements=HALVES))
def test_step_functions_match_torch(torch, name, x):
    compare(torch, lambda t: getattr(t, name)(), getattr(torch, name), x)


def test_round_to_decimals_and_on_integers():
    np.testing.assert_allclose(ag.tensor([1.2345, -2.5]).round(decimals=2).numpy(),
                               [1.23, -2.5], rtol=1e-6)
    ints = ag.tensor([3, -4])
    assert ints.round().tolist() == [3, -4] and ints.floor().dtype == np.int64
    with pytest.raises(TypeError, match="decimals must be an integer"):
        ag.tensor([1.0]).round(1.5)


def _quotients_off_integers(draw):
    """(a, b) with b away from 0 and a / b away from whole numbers, where // and % jump."""
    a = draw(arrays(shapes()))
    b = draw(arrays(a.shape, elements=floats_away_from(0.0, margin=0.5)))
    q = a / b
    frac = q - np.floor(q)
    return np.where((frac < 0.01) | (frac > 0.99), a + 0.05 * b, a), b


@given(data=st.data())
def test_floor_divide_and_remainder(data):
    a, b = _quotients_off_integers(data.draw)
    ta, tb = leaf(a), leaf(b)
    np.testing.assert_allclose((ta // tb).numpy(), np.floor_divide(a, b))
    np.testing.assert_allclose((ta % tb).numpy(), np.remainder(a, b), atol=1e-12)
    gradcheck(lambda x, y: x % y, (leaf(a), leaf(b)))
    gradcheck(lambda x: x % 1.5, leaf([0.3, -2.2, 4.1]))  # quotients off whole numbers
    gradcheck(lambda y: 7.0 % y, leaf([0.8, -1.3, 2.2]))
    (ta // tb).sum().backward()
    assert not ta.grad.numpy().any() and not tb.grad.numpy().any()


@given(data=st.data())
def test_remainder_matches_torch(torch, data):
    a, b = _quotients_off_integers(data.draw)
    compare(torch, lambda x, y: x % y, lambda x, y: x % y, a, b)
    compare(torch, lambda x, y: ag.remainder(x, y), torch.remainder, a, b)


def test_floor_division_and_remainder_signs_follow_python(torch):
    a = [7, -7, 7, -7, 0]
    b = [2, 2, -2, -2, 3]
    for dtype, torch_dtype in ((np.int64, torch.int64), (np.float64, torch.float64)):
        x, y = ag.tensor(a, dtype=dtype), ag.tensor(b, dtype=dtype)
        tx, ty = torch.tensor(a, dtype=torch_dtype), torch.tensor(b, dtype=torch_dtype)
        assert (x // y).tolist() == (tx // ty).tolist() == [ai // bi for ai, bi in zip(a, b)]
        assert (x % y).tolist() == (tx % ty).tolist() == [ai % bi for ai, bi in zip(a, b)]
        assert (x // y).dtype == dtype and (17 // y).tolist() == (17 // ty).tolist()
        assert (17 % y).tolist() == (17 % ty).tolist()
    assert (ag.tensor([7.5]) // 2).tolist() == [3.0] and (ag.tensor([5]) // 2.0).tolist() == [2.0]


def test_integer_division_by_zero_raises_and_float_division_gives_inf():
    with pytest.raises(ZeroDivisionError, match="floor_divide"):
        ag.tensor([5, 3]) // ag.tensor([1, 0])
    with pytest.raises(ZeroDivisionError, match="remainder"):
        ag.tensor([5]) % 0
    out = ag.tensor([5.0, -5.0]) // 0.0
    assert out.tolist() == [math.inf, -math.inf]
    assert math.isnan((ag.tensor([5.0]) % 0.0).item())


@given(x=arrays())
def test_clone_copies_and_passes_the_gradient(x):
    t = leaf(x)
    c = t.clone()
    assert not np.shares_memory(c.numpy(), t.numpy()) and c.grad_fn.name() == "CloneBackward0"
    np.testing.assert_array_equal(c.numpy(), x)
    gradcheck(lambda u: u.clone() * u, leaf(x))


def test_contiguous_copies_only_what_is_not_row_major():
    x = leaf(np.arange(6.0).reshape(2, 3))
    assert x.contiguous() is x
    tt = x.t()
    c = tt.contiguous()
    assert c is not tt and c.numpy().flags.c_contiguous
    np.testing.assert_array_equal(c.numpy(), x.numpy().T)
    gradcheck(lambda u: u.t().contiguous() * 2, leaf(np.arange(6.0).reshape(2, 3)))


# op -> (ours, torch's), on matrices
COPIES = {
    "clone": (lambda t: t.clone() * t, lambda t: t.clone() * t),
    "t": (lambda t: t.t(), lambda t: t.t()),
    "t().contiguous()": (lambda t: t.t().contiguous(), lambda t: t.t().contiguous()),
    "chunk": (lambda t: ag.stack(t.chunk(2, 1)[:1]) * 2, lambda t: t.chunk(2, 1)[0][None] * 2),
}


@pytest.mark.parametrize("name", COPIES)
@given(x=arrays(shapes(min_dims=2, max_dims=2)))
def test_copies_match_torch(torch, name, x):
    ours, theirs = COPIES[name]
    compare(torch, ours, theirs, x)
    gradcheck(ours, leaf(x))


def test_t_transposes_matrices_and_refuses_more_dims():
    m = leaf(np.arange(6.0).reshape(2, 3))
    assert m.t().shape == (3, 2) and ag.transpose(m).shape == (3, 2)
    v = leaf([1.0, 2.0])
    assert v.t().shape == (2,) and leaf(3.0).t().shape == ()
    with pytest.raises(ValueError, match=r"at most 2 dims, got shape \(2, 2, 2\)"):
        leaf(np.zeros((2, 2, 2))).t()


@st.composite
def repeats(draw):
    x = draw(arrays(shapes(max_dims=2, max_side=3)))
    extra = draw(st.integers(0 if x.ndim else 1, 1))  # torch wants at least one size
    sizes = tuple(draw(st.integers(1, 3)) for _ in range(x.ndim + extra))
    return x, sizes


@given(case=repeats())
def test_repeat(case):
    x, sizes = case
    out = leaf(x).repeat(*sizes)
    np.testing.assert_array_equal(out.numpy(), np.tile(x, sizes))
    np.testing.assert_array_equal(leaf(x).repeat(sizes).numpy(), np.tile(x, sizes))
    gradcheck(lambda t: t.repeat(*sizes), leaf(x))


@given(case=repeats())
def test_repeat_matches_torch(torch, case):
    x, sizes = case
    compare(torch, lambda t: t.repeat(*sizes), lambda t: t.repeat(*sizes), x)


def test_repeat_needs_a_size_per_dim():
    with pytest.raises(ValueError, match=r"1 sizes \(2,\) for a tensor of 2 dims"):
        leaf(np.zeros((2, 3))).repeat(2)


@pytest.mark.parametrize("n, chunks", [(6, 4), (5, 3), (6, 3), (7, 7), (2, 5), (0, 3)])
def test_chunk_matches_torch(torch, n, chunks):
    ours = leaf(np.arange(float(n))).chunk(chunks)
    theirs = torch.arange(float(n)).chunk(chunks)
    assert [p.tolist() for p in ours] == [p.tolist() for p in theirs]


def test_chunk_gradient_and_bad_chunks():
    x = leaf(np.arange(10.0).reshape(2, 5))
    first, second, third = x.chunk(3, dim=1)
    (first.sum() + 2 * third.sum()).backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[1, 1, 0, 0, 2], [1, 1, 0, 0, 2]])
    with pytest.raises(ValueError, match="positive integer, got 0"):
        x.chunk(0)


@st.composite
def masked(draw):
    x = draw(arrays(shapes(min_dims=1)))
    mask = draw(arrays(x.shape[1:], dtype=np.bool_, elements=st.booleans()))  # broadcasts
    return x, mask


@given(case=masked(), value=safe_floats())
def test_masked_fill(case, value):
    x, mask = case
    out = leaf(x).masked_fill(ag.tensor(mask), value)
    np.testing.assert_array_equal(out.numpy(), np.where(mask, value, x))
    gradcheck(lambda t: t.masked_fill(mask, value), leaf(x))
    gradcheck(lambda t, v: t.masked_fill(mask, v), (leaf(x), leaf(value)))


@given(case=masked(), value=safe_floats())
def test_masked_fill_matches_torch(torch, case, value):
    x, mask = case
    compare(torch, lambda t, v: t.masked_fill(ag.tensor(mask), v),
            lambda t, v: t.masked_fill(torch.tensor(mask), v), x, np.float64(value))


def test_masked_fill_is_out_of_place_and_checks_its_arguments():
    x = leaf([1.0, -2.0])
    out = x.masked_fill(x < 0, 0.0)
    assert out.tolist() == [1.0, 0.0] and x.tolist() == [1.0, -2.0]
    with pytest.raises(TypeError, match="must be a bool tensor, got dtype int64"):
        x.masked_fill(ag.tensor([1, 0]), 0.0)
    with pytest.raises(ValueError, match=r"mask of shape \(3,\) does not broadcast"):
        x.masked_fill(ag.tensor([True, False, True]), 0.0)
    with pytest.raises(ValueError, match=r"0-d tensor, got a tensor of shape \(2,\)"):
        x.masked_fill(x > 0, ag.tensor([1.0, 2.0]))


@st.composite
def gathers(draw):
    x = draw(arrays(shapes(min_dims=1, max_dims=3)))
    dim = draw(st.integers(-x.ndim, x.ndim - 1))
    d = dim % x.ndim
    shape = tuple(draw(st.integers(1, 4)) if i == d else draw(st.integers(1, n))
                  for i, n in enumerate(x.shape))
    index = draw(arrays(shape, dtype=np.int64, min_value=0, max_value=x.shape[d] - 1))
    return x, dim, index


@given(case=gathers())
def test_gather(case):
    x, dim, index = case
    out = leaf(x).gather(dim, ag.tensor(index))
    d = dim % x.ndim
    expected = np.take_along_axis(x[tuple(slice(0, n) if i != d else slice(None)
                                          for i, n in enumerate(index.shape))], index, axis=d)
    np.testing.assert_array_equal(out.numpy(), expected)
    gradcheck(lambda t: t.gather(dim, index), leaf(x))  # an index picked twice adds up


@given(case=gathers())
def test_gather_matches_torch(torch, case):
    x, dim, index = case
    compare(torch, lambda t: t.gather(dim, ag.tensor(index)),
            lambda t: t.gather(dim, torch.tensor(index)), x)


def test_gather_checks_its_index():
    x = leaf(np.zeros((2, 3)))
    with pytest.raises(IndexError, match=r"values must lie in \[0, 3\)"):
        x.gather(1, ag.tensor([[3]]))
    with pytest.raises(TypeError, match="integer tensor"):
        x.gather(1, ag.tensor([[0.0]]))
    with pytest.raises(ValueError, match="needs as many dims"):
        x.gather(1, ag.tensor([0]))


# -- reductions -----------------------------------------------------------------------------------

NORMS = [1, 2, 3, 0.5, math.inf, -math.inf, "fro"]


@st.composite
def norm_cases(draw):
    x = draw(arrays(shapes(min_dims=1), elements=floats_away_from(0.0, margin=0.05)))
    dim = draw(st.one_of(st.none(), st.integers(-x.ndim, x.ndim - 1)))
    return x, dim, draw(st.booleans())


@pytest.mark.parametrize("p", NORMS)
@given(case=norm_cases())
def test_norm(p, case):
    x, dim, keepdim = case
    out = leaf(x).norm(p, dim, keepdim)
    order = 2 if p == "fro" else p
    if dim is None:
        flat = np.linalg.norm(x.reshape(-1), order)
        expected = np.full((1,) * x.ndim, flat) if keepdim else flat
    else:
        expected = np.linalg.norm(x, order, axis=dim, keepdims=keepdim)
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-10)
    if p not in (math.inf, -math.inf):  # a max of |x| has kinks wherever two |x| are close
        gradcheck(lambda t: t.norm(p, dim, keepdim), leaf(x))


@pytest.mark.parametrize("p", NORMS + [0])
@given(case=norm_cases())
def test_norm_matches_torch(torch, p, case):
    x, dim, keepdim = case
    compare(torch, lambda t: t.norm(p, dim, keepdim), lambda t: t.norm(p, dim, keepdim), x)


def test_norm_at_zero_has_zero_gradient_as_in_torch(torch):
    for p in (1, 2, 3, math.inf):
        compare(torch, lambda t, p=p: t.norm(p), lambda t, p=p: t.norm(p), np.zeros(3))
    compare(torch, lambda t: t.norm(dim=1), lambda t: t.norm(dim=1), np.array([[0.0, 0], [3, 4]]))


def test_norm_refuses_matrix_norms():
    with pytest.raises(ValueError, match="'nuc'"):
        leaf(np.ones((2, 2))).norm("nuc")


@st.composite
def with_zeros(draw):
    """Arrays where some elements are exactly 0: the product's gradient must still be right."""
    return draw(arrays(shapes(min_dims=1), elements=st.one_of(st.just(0.0), safe_floats(-2, 2))))


@given(x=with_zeros(), data=st.data())
def test_prod_is_right_at_zeros(x, data):
    dim = data.draw(st.one_of(st.none(), st.integers(-x.ndim, x.ndim - 1)))
    keepdim = data.draw(st.booleans())
    out = leaf(x).prod(dim, keepdim=keepdim)
    np.testing.assert_allclose(out.numpy(), np.prod(x, axis=dim, keepdims=keepdim), rtol=1e-12)
    gradcheck(lambda t: t.prod(dim, keepdim=keepdim), leaf(x))


@given(x=with_zeros(), data=st.data())
def test_prod_matches_torch(torch, x, data):
    dim = data.draw(st.integers(-x.ndim, x.ndim - 1))
    compare(torch, lambda t: t.prod(dim), lambda t: t.prod(dim), x)
    compare(torch, lambda t: t.prod(), lambda t: t.prod(), x)


def test_prod_of_integers_and_one_dim_only():
    assert ag.tensor([[1, 2], [3, 4]]).prod().dtype == np.int64
    assert ag.prod(ag.tensor([True, True]), 0).item() == 1
    with pytest.raises(TypeError, match="one dim"):
        leaf(np.ones((2, 2))).prod((0, 1))


@given(x=arrays(shapes(min_dims=1)), data=st.data())
def test_cumsum(x, data):
    dim = data.draw(st.integers(-x.ndim, x.ndim - 1))
    np.testing.assert_allclose(leaf(x).cumsum(dim).numpy(), np.cumsum(x, axis=dim), rtol=1e-12)
    gradcheck(lambda t: t.cumsum(dim), leaf(x))
    assert ag.cumsum(ag.tensor([1, 2, 3], dtype=np.int32), 0).dtype == np.int64


@given(x=arrays(shapes(min_dims=1)), data=st.data())
def test_cumsum_matches_torch(torch, x, data):
    dim = data.draw(st.integers(-x.ndim, x.ndim - 1))
    compare(torch, lambda t: t.cumsum(dim), lambda t: t.cumsum(dim), x)


@given(x=distinct(), data=st.data())
def test_sort_and_topk(x, data):
    dim = data.draw(st.integers(-x.ndim, x.ndim - 1))
    descending = data.draw(st.booleans())
    values, indices = leaf(x).sort(dim, descending=descending)
    order = np.argsort(-x if descending else x, axis=dim)
    np.testing.assert_array_equal(indices.numpy(), order)
    np.testing.assert_array_equal(values.numpy(), np.take_along_axis(x, order, axis=dim))
    assert indices.dtype == np.int64 and not indices.requires_grad
    gradcheck(lambda t: t.sort(dim, descending=descending).values, leaf(x))
    k = data.draw(st.integers(0, x.shape[dim]))
    top = leaf(x).topk(k, dim)
    np.testing.assert_array_equal(top.indices.numpy(), np.take(np.argsort(-x, axis=dim),
                                                                range(k), axis=dim))
    gradcheck(lambda t: t.topk(k, dim, largest=False).values, leaf(x))


@given(x=distinct(), data=st.data())
def test_sort_and_topk_match_torch(torch, x, data):
    dim = data.draw(st.integers(-x.ndim, x.ndim - 1))
    descending = data.draw(st.booleans())
    compare(torch, lambda t: t.sort(dim, descending=descending).values,
            lambda t: t.sort(dim, descending=descending).values, x)
    k = data.draw(st.integers(0, x.shape[dim]))
    largest = data.draw(st.booleans())
    compare(torch, lambda t: t.topk(k, dim, largest=largest).values,
            lambda t: t.topk(k, dim, largest=largest).values, x)
    ours, theirs = leaf(x).topk(k, dim, largest), torch.tensor(x).topk(k, dim, largest)
    np.testing.assert_array_equal(ours.indices.numpy(), theirs.indices.numpy())


def test_sort_is_stable_with_nan_largest_as_torch(torch):
    x = [3.0, 1.0, math.nan, 3.0, 1.0, -math.inf]
    for descending in (False, True):
        ours = ag.tensor(x).sort(descending=descending)
        theirs = torch.tensor(x).sort(descending=descending, stable=True)
        assert ours.indices.tolist() == theirs.indices.tolist()
        assert ag.tensor(x).argsort(descending=descending).tolist() == theirs.indices.tolist()


def test_topk_checks_k():
    with pytest.raises(ValueError, match=r"k must be an integer in \[0, 3\].*got 4"):
        ag.tensor([1.0, 2.0, 3.0]).topk(4)


TIED = st.integers(-2, 2).map(float)


@pytest.mark.parametrize("name", ["max", "min"])
@given(x=arrays(shapes(min_dims=1), elements=TIED), data=st.data())
def test_max_min_with_a_dim_match_torch_with_ties(torch, name, x, data):
    dim = data.draw(st.integers(-x.ndim, x.ndim - 1))
    keepdim = data.draw(st.booleans())
    ours = getattr(leaf(x), name)(dim, keepdim=keepdim)
    theirs = getattr(torch.tensor(x), name)(dim, keepdim=keepdim)
    np.testing.assert_array_equal(ours.indices.numpy(), theirs.indices.numpy())
    compare(torch, lambda t: getattr(t, name)(dim, keepdim).values,
            lambda t: getattr(t, name)(dim, keepdim).values, x)
    compare(torch, lambda t: getattr(t, name)(), lambda t: getattr(t, name)(), x)  # ties share


@pytest.mark.parametrize("name", ["max", "min"])
@given(x=distinct())
def test_max_min_with_a_dim_gradcheck(name, x):
    gradcheck(lambda t: getattr(t, name)(dim=-1).values, leaf(x))
    gradcheck(lambda t: getattr(ag, f"a{name}")(t, -1), leaf(x))


def test_max_with_a_dim_is_a_named_tuple_as_in_torch():
    out = ag.tensor([[0.1, 0.7, 0.2], [0.9, 0.05, 0.05]])
    _, predicted = out.max(1)  # the classification idiom, on a batch of 2 rows
    assert predicted.tolist() == [1, 0] and predicted.dtype == np.int64
    result = out.max(dim=1)
    assert result.values.tolist() == pytest.approx([0.7, 0.9])
    assert result.indices.tolist() == [1, 0] and result[1] is result.indices
    assert type(result).__name__ == "max" and "values=" in repr(result)
    assert out.min(0, keepdim=True).values.shape == (1, 3)
    assert out.max().item() == pytest.approx(0.9)  # no dim: the one max
    assert out.amax(1).shape == (2,) and out.amin((0, 1)).shape == ()
    assert ag.tensor(3.0).max(0).indices.item() == 0  # a 0-d tensor, as torch
    other = ag.tensor([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]])
    np.testing.assert_array_equal(out.max(other).numpy(), np.maximum(out.numpy(), other.numpy()))
    with pytest.raises(IndexError, match="empty"):
        ag.zeros(2, 0).max(1)


def test_comparing_whole_tensors(torch):
    a, b = ag.tensor([1.0, 2.0, math.nan]), ag.tensor([1.0, 2.0 + 1e-9, math.nan])
    ta, tb = torch.tensor(a.tolist()), torch.tensor(b.tolist())
    assert ag.allclose(a, b) is torch.allclose(ta, tb) is False
    assert ag.allclose(a, b, equal_nan=True) is torch.allclose(ta, tb, equal_nan=True) is True
    assert a.isclose(b).tolist() == ta.isclose(tb).tolist()
    assert ag.equal(a[:2], a[:2]) and not ag.equal(a, a)  # nan != nan, as torch
    assert not ag.equal(ag.zeros(2), ag.zeros(3)) and ag.zeros(2).equal(ag.zeros(2))


# -- products -------------------------------------------------------------------------------------

PRODUCTS = {
    "mm": ((3, 4), (4, 2)),
    "bmm": ((2, 3, 4), (2, 4, 5)),
    "dot": ((4,), (4,)),
    "mv": ((3, 4), (4,)),
}


@pytest.mark.parametrize("name", PRODUCTS)
@given(data=st.data())
def test_products(name, data):
    sa, sb = PRODUCTS[name]
    a, b = data.draw(arrays(sa)), data.draw(arrays(sb))
    np.testing.assert_allclose(getattr(leaf(a), name)(leaf(b)).numpy(), np.matmul(a, b),
                               rtol=1e-12, atol=1e-12)
    gradcheck(lambda x, y: getattr(x, name)(y), (leaf(a), leaf(b)))


@pytest.mark.parametrize("name", PRODUCTS)
@given(data=st.data())
def test_products_match_torch(torch, name, data):
    sa, sb = PRODUCTS[name]
    a, b = data.draw(arrays(sa)), data.draw(arrays(sb))
    compare(torch, lambda x, y: getattr(x, name)(y), getattr(torch, name), a, b)


@pytest.mark.parametrize("call, match", [
    (lambda: ag.mm(ag.ones(3), ag.ones(3, 2)), r"mm: input must be a matrix \(2-d\), got "),
    (lambda: ag.ones(2, 3).bmm(ag.ones(2, 3, 4)), "bmm: input must be a batch of matrices"),
    (lambda: ag.bmm(ag.ones(2, 3, 4), ag.ones(3, 4, 5)), "batch sizes differ"),
    (lambda: ag.ones(3).dot(ag.ones(4)), "differ in length"),
    (lambda: ag.ones(2, 2).dot(ag.ones(2)), "dot: input must be a 1-d tensor"),
    (lambda: ag.mv(ag.ones(2, 3), ag.ones(3, 1)), "mv: vec must be a 1-d vector"),
    (lambda: ag.mm(ag.ones(2, 3), ag.ones(2, 3)), "do not match"),
])
def test_products_refuse_the_wrong_shapes(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_matmul_takes_torchs_keywords():
    x, y = ag.tensor([1.0, 2.0]), ag.tensor([3.0, 4.0])
    assert ag.matmul(input=x, other=y).item() == 11.0
    assert ag.matmul(x, other=y).item() == 11.0 and x.matmul(other=y).item() == 11.0
    with pytest.raises(TypeError, match="first argument"):
        ag.matmul(other=y)
