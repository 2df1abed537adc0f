"""In-place ops with PyTorch's rules: ``+= -= *= /=``, ``t[index] = value`` and the
``_``-suffixed methods change the tensor itself (every name and view sees it); on a leaf that
requires grad they are refused outside ``no_grad``; on anything else they are recorded, and the
gradients are torch's. Also ``.data`` (a detached Tensor sharing memory) and ``.numpy()``."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd as ag
from autograd import Tensor, gradcheck, no_grad
from autograd.testing import arrays, floats_away_from, shapes

LEAF_WORDS = "a leaf Variable that requires grad is being used in an in-place operation"

A = np.random.default_rng(0).standard_normal((3, 4))
MASK = A > 0


@pytest.fixture
def torch():
    return pytest.importorskip("torch")


def pair(torch, values=A):
    """The same float64 values as a Tensor and as a torch tensor."""
    return ag.tensor(values.copy(), dtype=np.float64), torch.tensor(values.copy())


# Each op is written once for both engines: ``k`` is the module (autograd or torch) to make
# tensors with, ``t`` the tensor to change.
def _k_tensor(k, values):
    return k.tensor(np.asarray(values, dtype=np.float64))


OPS = {
    "+= tensor": lambda k, t: t.__iadd__(_k_tensor(k, A[0])),
    "+= number": lambda k, t: t.__iadd__(2.5),
    "-= tensor": lambda k, t: t.__isub__(_k_tensor(k, A)),
    "*= number": lambda k, t: t.__imul__(-3.0),
    "*= column": lambda k, t: t.__imul__(_k_tensor(k, A[:, :1])),
    "/= tensor": lambda k, t: t.__itruediv__(_k_tensor(k, np.abs(A) + 1)),
    "add_": lambda k, t: t.add_(_k_tensor(k, A)),
    "add_ alpha": lambda k, t: t.add_(_k_tensor(k, A[1]), alpha=2.0),
    "sub_ alpha": lambda k, t: t.sub_(_k_tensor(k, A), alpha=0.5),
    "sub_ number": lambda k, t: t.sub_(1.5),
    "mul_": lambda k, t: t.mul_(_k_tensor(k, A[::-1].copy())),
    "div_": lambda k, t: t.div_(4.0),
    "pow_ number": lambda k, t: t.pow_(2),
    "pow_ tensor": lambda k, t: t.abs_().pow_(_k_tensor(k, np.full(4, 1.5))),
    "neg_": lambda k, t: t.neg_(),
    "abs_": lambda k, t: t.abs_(),
    "exp_": lambda k, t: t.exp_(),
    "log_": lambda k, t: t.abs_().log_(),
    "sqrt_": lambda k, t: t.abs_().sqrt_(),
    "tanh_": lambda k, t: t.tanh_(),
    "sigmoid_": lambda k, t: t.sigmoid_(),
    "relu_": lambda k, t: t.relu_(),
    "clamp_": lambda k, t: t.clamp_(-0.5, 0.5),
    "clamp_ min": lambda k, t: t.clamp_(min=0.0),
    "clip_ max": lambda k, t: t.clip_(max=0.25),
    "fill_ number": lambda k, t: t.fill_(3.0),
    "fill_ 0-d tensor": lambda k, t: t.fill_(_k_tensor(k, 7.0)),
    "zero_": lambda k, t: t.zero_(),
    "copy_ broadcast": lambda k, t: t.copy_(_k_tensor(k, A[2])),
    "copy_ ints": lambda k, t: t.copy_(k.tensor([1, 2, 3, 4])),
    "masked_fill_": lambda k, t: t.masked_fill_(k.tensor(MASK), -1.0),
    "masked_fill_ 0-d": lambda k, t: t.masked_fill_(t > 0.5, _k_tensor(k, 9.0)),
}

SETITEMS = {
    "int": (1, 5.0),
    "negative int": (-1, 5.0),
    "element": ((2, 3), -4.0),
    "slice": (slice(1, None), 0.5),
    "strided slices": ((slice(None), slice(None, None, 2)), 7.0),
    "ellipsis": ((Ellipsis, 0), 1.0),
    "row of values": (0, [1.0, 2.0, 3.0, 4.0]),
    "int list": ([0, 2], 1.5),
    "mask": (MASK, 0.0),
    "row mask": (np.array([True, False, True]), [9.0, 8.0, 7.0, 6.0]),
    "int arrays": ((np.array([0, 2]), np.array([1, 3])), [5.0, 6.0]),
}


def _index(k, index):
    """numpy index parts as tensors of engine ``k`` (torch indexes with its own tensors)."""
    if isinstance(index, tuple):
        return tuple(_index(k, i) for i in index)
    return k.tensor(index) if isinstance(index, np.ndarray) else index


def _value(k, value):
    return _k_tensor(k, value) if isinstance(value, list) else value


def _setitem(index, value):
    def op(k, t):
        t[_index(k, index)] = _value(k, value)
        return t

    return op


ALL = {**OPS, **{f"t[{name}] = v": _setitem(*iv) for name, iv in SETITEMS.items()}}


@pytest.mark.parametrize("name", ALL)
def test_every_in_place_op_gives_torch_s_values_and_version(torch, name):
    ours, theirs = pair(torch)
    array = ours.numpy()
    out = ALL[name](ag, ours)
    ALL[name](torch, theirs)
    assert out is ours and ours.numpy() is array  # the same tensor, written in place
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-14, atol=1e-15)
    assert ours._version == theirs._version >= 1
    assert ours.dtype == np.float64 and ours.is_leaf and not ours.requires_grad


@pytest.mark.parametrize("name", ["add_", "t[mask] = v", "t[row of values] = v", "exp_",
                                  "masked_fill_", "copy_ broadcast", "zero_"])
def test_every_name_and_view_of_the_tensor_sees_the_change(torch, name):
    op = ALL[name]
    ours, theirs = pair(torch)
    alias = ours
    row, column, flat, transposed = ours[1], ours[:, 2], ours.reshape(-1), ours.T
    detached, data, array = ours.detach(), ours.data, ours.numpy()
    op(ag, alias)
    op(torch, theirs)
    expected = theirs.numpy()
    for seen in (ours, detached, data):
        np.testing.assert_array_equal(seen.numpy(), expected)
    np.testing.assert_array_equal(array, expected)
    np.testing.assert_array_equal(row.numpy(), expected[1])
    np.testing.assert_array_equal(column.numpy(), expected[:, 2])
    np.testing.assert_array_equal(flat.numpy(), expected.reshape(-1))
    np.testing.assert_array_equal(transposed.numpy(), expected.T)


def test_a_change_through_a_view_changes_the_base(torch):
    ours, theirs = pair(torch)
    for t in (ours, theirs):
        t[0].mul_(0)  # a single row is a view, as in torch
        t[1, 2].add_(100)  # a single element too: a 0-d view
        t.T[3].fill_(-1)
        t.reshape(12)[:2] = 5.0
        t[:, 1:3] += 1
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    assert ours._version == theirs._version > 0


def test_fancy_indexing_copies_so_changing_the_result_leaves_the_source(torch):
    ours, theirs = pair(torch)
    ours[[0, 1]].add_(1)
    ours[MASK].zero_()
    theirs[[0, 1]].add_(1)
    theirs[torch.tensor(MASK)].zero_()
    np.testing.assert_array_equal(ours.numpy(), A)
    np.testing.assert_array_equal(theirs.numpy(), A)
    assert ours._version == theirs._version == 0


# -- leaves that require grad ---------------------------------------------------------------------


@pytest.mark.parametrize("name", ALL)
def test_a_leaf_that_requires_grad_refuses_every_in_place_op_as_torch(torch, name):
    ours = ag.tensor(A.copy(), requires_grad=True)
    theirs = torch.tensor(A.copy(), requires_grad=True)
    with pytest.raises(RuntimeError, match=LEAF_WORDS):
        ALL[name](ag, ours)
    with pytest.raises(RuntimeError, match=LEAF_WORDS):
        ALL[name](torch, theirs)
    np.testing.assert_array_equal(ours.numpy(), A)  # nothing changed
    assert ours._version == 0 and ours.is_leaf and ours.grad_fn is None


def test_the_refusal_names_the_op_and_the_shape():
    w = ag.ones(2, 3, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"__isub__ on a tensor of shape \(2, 3\).*no_grad"):
        w -= 1
    with pytest.raises(RuntimeError, match=r"__setitem__ on a tensor of shape \(2, 3\)"):
        w[0] = 0.0


@pytest.mark.parametrize("name", ALL)
def test_under_no_grad_a_leaf_changes_in_place_and_stays_a_leaf(torch, name):
    ours = ag.tensor(A.copy(), dtype=np.float64, requires_grad=True)
    theirs = torch.tensor(A.copy(), requires_grad=True)
    alias, array = ours, ours.numpy()
    with no_grad():
        ALL[name](ag, ours)
    with torch.no_grad():
        ALL[name](torch, theirs)
    assert alias is ours and ours.numpy() is array
    np.testing.assert_allclose(ours.numpy(), theirs.detach().numpy(), rtol=1e-14, atol=1e-15)
    assert ours.requires_grad and ours.is_leaf and ours.grad_fn is None
    assert ours._version == theirs._version


def test_a_tensor_that_needs_no_grad_changes_in_place_with_grad_mode_on():
    t = ag.zeros(3)
    t += 1
    t[t > 0] *= 2  # t[mask] *= 2 reads, multiplies and writes back
    np.testing.assert_array_equal(t.numpy(), [2.0, 2.0, 2.0])
    assert not t.requires_grad and t.is_leaf


def _poly_data():
    x = np.linspace(-math.pi, math.pi, 200)
    return x, np.sin(x)


@pytest.mark.parametrize("clear", ["grad = None", "grad.zero_()"])
def test_pytorch_tutorial_polynomial_trains_with_in_place_updates_as_torch(torch, clear):
    """examples_autograd/polynomial_autograd: ``with no_grad(): a -= lr * a.grad``."""
    x, y = _poly_data()
    start = np.random.default_rng(1).standard_normal(4)
    runs = []
    for k, nograd in ((ag, no_grad), (torch, torch.no_grad)):
        xs, ys = k.tensor(x), k.tensor(y)
        a, b, c, d = (k.tensor(v, requires_grad=True) for v in start)
        params, losses = (a, b, c, d), []
        for _ in range(60):
            loss = (a + b * xs + c * xs**2 + d * xs**3 - ys).pow(2).sum()
            losses.append(loss.item())
            loss.backward()
            with nograd():
                for p in params:
                    p -= 1e-5 * p.grad
                    if clear == "grad = None":
                        p.grad = None
                    else:
                        p.grad.zero_()
        runs.append((losses, [p.item() for p in params], [p.requires_grad for p in params]))
    (ours, ours_params, ours_flags), (theirs, theirs_params, _) = runs
    assert ours[-1] < 0.2 * ours[0]  # it trains
    np.testing.assert_allclose(ours, theirs, rtol=1e-10)
    np.testing.assert_allclose(ours_params, theirs_params, rtol=1e-10)
    assert all(ours_flags)  # still leaves that require grad


def test_pytorch_tutorial_two_layer_net_with_manual_backward_and_setitem(torch):
    """examples_tensor/two_layer_net: ``grad_h[h < 0] = 0`` and ``w1 -= lr * grad_w1``."""
    rng = np.random.default_rng(2)
    x, y = rng.standard_normal((16, 10)), rng.standard_normal((16, 3))
    w1_0, w2_0 = rng.standard_normal((10, 20)), rng.standard_normal((20, 3))
    runs = []
    for k in (ag, torch):
        xs, ys, w1, w2 = (k.tensor(v.copy()) for v in (x, y, w1_0, w2_0))
        losses = []
        for _ in range(30):
            h = xs @ w1
            h_relu = h.clamp(min=0)
            y_pred = h_relu @ w2
            losses.append((y_pred - ys).pow(2).sum().item())
            grad_y_pred = 2.0 * (y_pred - ys)
            grad_w2 = h_relu.T @ grad_y_pred
            grad_h = grad_y_pred @ w2.T
            grad_h[h < 0] = 0
            grad_w1 = xs.T @ grad_h
            w1 -= 1e-4 * grad_w1
            w2 -= 1e-4 * grad_w2
        runs.append(losses)
    ours, theirs = runs
    assert ours[-1] < 0.5 * ours[0]
    np.testing.assert_allclose(ours, theirs, rtol=1e-10)


def test_pytorch_tutorial_nn_loop_trains_with_p_minus_equals(torch):
    """examples_nn/polynomial_nn: ``for param in model.parameters(): param -= lr * param.grad``
    under no_grad (the loop that silently did nothing before in-place ops existed)."""
    import nn

    x, y = _poly_data()
    xx = np.stack([x, x**2, x**3], axis=1)
    theirs = torch.nn.Linear(3, 1).double()
    ours = nn.Linear(3, 1)
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    ours.double()
    runs = []
    for model, k, nograd in ((ours, ag, no_grad), (theirs, torch, torch.no_grad)):
        inputs, target = k.tensor(xx), k.tensor(y)
        losses = []
        for _ in range(50):
            loss = (model(inputs).reshape(-1) - target).pow(2).sum()
            losses.append(loss.item())
            model.zero_grad()
            loss.backward()
            with nograd():
                for param in model.parameters():
                    param -= 1e-5 * param.grad
        runs.append(losses)
    assert runs[0][-1] < 0.5 * runs[0][0]
    np.testing.assert_allclose(runs[0], runs[1], rtol=1e-9)


# -- recorded in-place ops on tensors in the graph ------------------------------------------------


def leaf(x):
    return Tensor(np.asarray(x, dtype=np.float64), requires_grad=True)


def _scale_then_mul_(x, w):
    y = x * 2
    y.mul_(w)
    return y


def _chain_of_operators(x, w):
    y = x + 0
    y += w
    y *= w
    y /= w * w + 1
    y -= x
    return y


def _unary_chain(x, w):
    y = x * w
    y.pow_(2)
    y.abs_()
    y.clamp_(0.1, 3.0)
    y.neg_()
    y.add_(5.0).log_()
    return y.sub_(w, alpha=0.5).add_(x, alpha=3.0).tanh_()


RECORDED = {
    "y.mul_(w)": _scale_then_mul_,
    "operators": _chain_of_operators,
    "unary chain": _unary_chain,
    "copy_": lambda x, w: (x * 1).copy_(w),
    "fill_ 0-d": lambda x, w: (x * 1).fill_(w.sum()),
    "masked_fill_ number": lambda x, w: (x * w).masked_fill_(x.detach() > 0, 0.5),
    "masked_fill_ tensor": lambda x, w: (x * 3).masked_fill_(x.detach() > 0, w.sum() * 2),
}

# torch refuses these backward passes: exp_, sigmoid_, relu_, sqrt_ and tanh_ save their output,
# which the next in-place op changes. This engine records an in-place op on a copy of the
# tensor's former values, so the saved output is intact and the gradient is right (our choice).
OURS_ONLY = {
    "exp_ then add_": lambda x, w: (x * w).exp_().add_(x),
    "sigmoid_ then mul_": lambda x, w: (x * w).sigmoid_().mul_(w),
    "relu_ then mul_": lambda x, w: (x * w).relu_().mul_(3.0),
    "sqrt_ then div_": lambda x, w: (x * x + 1).sqrt_().div_(w * w + 1),
    "tanh_ then exp_": lambda x, w: (x + w).tanh_().exp_(),
}


@pytest.mark.parametrize("name", [*RECORDED, *OURS_ONLY])
@given(data=st.data())
def test_recorded_in_place_ops_pass_gradcheck(name, data):
    shape = data.draw(shapes(max_dims=2))
    x = data.draw(arrays(shape, elements=floats_away_from([0.0], 0.05, -2, 2)))
    w = data.draw(arrays(shape, elements=floats_away_from([0.0], 0.05, -2, 2)))
    assert gradcheck({**RECORDED, **OURS_ONLY}[name], (leaf(x), leaf(w)))


@pytest.mark.parametrize("name", RECORDED)
def test_recorded_in_place_ops_give_torch_s_gradients(torch, name):
    rng = np.random.default_rng(3)
    x, w = rng.uniform(-2, 2, (3, 4)), rng.uniform(-2, 2, (3, 4))
    ours = [leaf(x), leaf(w)]
    theirs = [torch.tensor(v, requires_grad=True) for v in (x, w)]
    out_o, out_t = RECORDED[name](*ours), RECORDED[name](*theirs)
    np.testing.assert_allclose(out_o.numpy(), out_t.detach().numpy(), rtol=1e-12)
    assert out_o.grad_fn is not None and not out_o.is_leaf
    out_o.sum().backward()
    out_t.sum().backward()
    for o, t in zip(ours, theirs, strict=True):
        expected = np.zeros(o.shape) if t.grad is None else t.grad.numpy()
        got = np.zeros(o.shape) if o.grad is None else o.grad.numpy()
        np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("name", OURS_ONLY)
def test_where_torch_refuses_a_changed_saved_output_we_copy_and_differentiate(torch, name):
    x, w = np.array([0.5, 1.5, -0.7]), np.array([1.2, -0.4, 0.9])
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        OURS_ONLY[name](*(torch.tensor(v, requires_grad=True) for v in (x, w))).sum().backward()
    ours = OURS_ONLY[name](leaf(x), leaf(w))
    with no_grad():  # the same function again: the values each in-place op produced
        again = OURS_ONLY[name](Tensor(x), Tensor(w))
    np.testing.assert_array_equal(ours.numpy(), again.numpy())
    ours.sum().backward()  # no error, and gradcheck above says the gradient is right


SET_INDICES = {
    "slice": slice(0, 2),
    "int": 1,
    "mask": np.array([True, False, True]),
    "int array": np.array([2, 0]),
}


@pytest.mark.parametrize("where", SET_INDICES)
@given(data=st.data())
def test_setitem_with_a_value_that_requires_grad_passes_gradcheck(where, data):
    x = data.draw(arrays((3, 2), min_value=-2, max_value=2))
    index = SET_INDICES[where]
    v_shape = np.zeros((3, 2))[index].shape
    v = data.draw(arrays(v_shape, min_value=-2, max_value=2))

    def f(x, v):
        y = x * 3 + 1
        y[index] = v * v
        return y * x

    assert gradcheck(f, (leaf(x), leaf(v)))


@pytest.mark.parametrize("where", SET_INDICES)
def test_setitem_with_a_value_that_requires_grad_gives_torch_s_gradients(torch, where):
    rng = np.random.default_rng(4)
    x = rng.uniform(-2, 2, (3, 2))
    index = SET_INDICES[where]
    v = rng.uniform(-2, 2, np.zeros((3, 2))[index].shape)
    grads = []
    for k, mine in ((ag, True), (torch, False)):
        tx = leaf(x) if mine else torch.tensor(x, requires_grad=True)
        tv = leaf(v) if mine else torch.tensor(v, requires_grad=True)
        y = tx * 3 + 1
        y[_index(k, index)] = tv * tv
        (y * tx).sum().backward()
        grads.append((tx.grad.numpy(), tv.grad.numpy()))
    for ours, theirs in zip(*grads, strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=1e-12)


def test_a_buffer_that_needs_no_grad_takes_a_value_that_does(torch):
    grads = []
    for k in (ag, torch):
        w = k.tensor([1.0, 2.0], dtype=k.float64, requires_grad=True)
        buf = k.zeros(3, dtype=k.float64)
        buf[0:2] = w * 3
        buf[2] = w[0] * w[1]
        assert buf.requires_grad and not buf.is_leaf
        (buf * buf).sum().backward()
        grads.append(w.grad.numpy())
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-14)


def test_an_op_reading_the_tensor_it_changes_uses_the_old_values():
    # y.mul_(y) squares y; the gradient is 2 y (torch refuses this backward, since mul saved
    # the y it then changed; our in-place op reads y's former self, a copy, so it is right)
    x = leaf([1.0, -2.0, 3.0])
    y = x * 1
    y.mul_(y)
    y += y  # add saves nothing: torch agrees here
    np.testing.assert_array_equal(y.numpy(), [2.0, 8.0, 18.0])
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [4.0, -8.0, 12.0])


VIEW_OPS = {
    "x[0] += 1": lambda k, x, w: x.__setitem__(0, x[0].__iadd__(1)),
    "x.T.add_(w)": lambda k, x, w: x.T.add_(w.T),
    "x.view(-1)[0] = 5": lambda k, x, w: x.view(-1).__setitem__(0, 5.0),
    "x[:, 1] *= w[:, 0]": lambda k, x, w: x[:, 1].__imul__(w[:, 0]),
    "x.T[0].mul_(3)": lambda k, x, w: x.T[0].mul_(3),
    "x[1].copy_(x[0] + w[1])": lambda k, x, w: x[1].copy_(x[0] + w[1]),
    "v = x[0]; v.mul_(w[0]); v.add_(1)": lambda k, x, w: x[0].mul_(w[0]).add_(1),
    "x[0] = x[1] * 5": lambda k, x, w: x.__setitem__(0, x[1] * 5),
    "x.reshape(4)[1:3].zero_()": lambda k, x, w: x.reshape(4)[1:3].zero_(),
}


@pytest.mark.parametrize("name", VIEW_OPS)
def test_in_place_through_a_view_in_the_graph_changes_the_base_as_torch(torch, name):
    """An in-place op on a view of a tensor in the graph rewrites that tensor's graph too
    (torch's CopySlices): values and gradients as torch's."""
    results = []
    for k in (ag, torch):
        w = k.tensor([[1.0, -2.0], [3.0, 0.5]], dtype=k.float64, requires_grad=True)
        x = w * w
        VIEW_OPS[name](k, x, w)
        (x * x.detach() + x).sum().backward()
        results.append((x.detach().numpy().copy(), w.grad.numpy().copy()))
    for ours, theirs in zip(*results, strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=1e-14)


def test_in_place_through_a_view_names_torch_s_nodes(torch):
    x = leaf([1.0, 2.0]) * 1
    v = x[0]
    v.mul_(2)
    assert x.grad_fn.name() == "CopySlices" and v.grad_fn.name() == "AsStridedBackward0"
    tx = torch.tensor([1.0, 2.0], requires_grad=True) * 1
    tv = tx[0]
    tv.mul_(2)
    assert type(tx.grad_fn).__name__ == "CopySlices"
    assert tv.grad_fn.name() == "AsStridedBackward0"


def test_in_place_on_a_view_of_a_leaf_that_requires_grad_is_refused_as_torch(torch):
    for k in (ag, torch):
        w = k.tensor([1.0, 2.0], requires_grad=True)
        with pytest.raises(RuntimeError, match="a view of a leaf Variable that requires grad"):
            w[0].mul_(2)
        assert w.tolist() == [1.0, 2.0]


def test_a_value_that_requires_grad_written_through_a_view_of_a_plain_tensor_is_refused():
    # torch makes x part of the graph; retrograd cannot tell which tensor x[0] views, so it
    # refuses rather than leave x a constant holding values from the graph
    w = leaf([1.0, 2.0])
    x = ag.zeros(2, 2, dtype=np.float64)
    with pytest.raises(RuntimeError, match=r"x\[i, j\] = v rather than x\[i\]\[j\] = v"):
        x[0][1] = w[0] * 2
    assert x.tolist() == [[0.0, 0.0], [0.0, 0.0]] and not x.requires_grad
    x[0, 1] = w[0] * 2  # the way the message gives
    x.sum().backward()
    assert w.grad.tolist() == [2.0, 0.0]


# -- refusals that leave the tensor as it was -----------------------------------------------------


def test_an_int_tensor_refuses_a_float_result_as_torch(torch):
    for k in (ag, torch):
        i = k.tensor([1, 2])
        with pytest.raises(RuntimeError, match="can't be cast"):
            i += 0.5
        with pytest.raises(RuntimeError, match="can't be cast"):
            i /= 2
        with pytest.raises(RuntimeError, match="can't be cast"):
            k.tensor([True, False]).add_(1)
        i += 3  # an int result fits
        i *= 2
        assert i.tolist() == [8, 10] and i._version == 2


def test_a_float32_tensor_takes_a_float64_result_cast_down_as_torch(torch):
    ours, theirs = ag.ones(3), torch.ones(3)
    ours += ag.tensor([0.1, 0.2, 0.3], dtype=np.float64)
    theirs += torch.tensor([0.1, 0.2, 0.3], dtype=torch.float64)
    assert ours.dtype == np.float32
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_an_expanded_view_is_read_only_as_in_torch(torch):
    for k in (ag, torch):
        base = k.ones(3)
        wide = base.expand(2, 3)
        with pytest.raises(RuntimeError):
            wide.add_(1)
        np.testing.assert_array_equal(base.numpy(), [1.0, 1.0, 1.0])
    with pytest.raises(RuntimeError, match=r"read-only view.*clone\(\)"):
        ag.ones(3).expand(2, 3).fill_(0.0)


@pytest.mark.parametrize("call, error, words", [
    (lambda t: t.__iadd__(ag.ones(2, 3)), RuntimeError, r"shape \(2, 3\).*shape \(3,\)"),
    (lambda t: t.__setitem__(5, 1.0), IndexError, r"index 5.*\(3,\)"),
    (lambda t: t.__setitem__(slice(0, 2), [1.0, 2.0, 3.0]), ValueError, r"shape \(3,\)"),
    (lambda t: t.fill_(ag.ones(2)), RuntimeError, r"one-element.*\(2,\)"),
    (lambda t: t.uniform_(1.0, -1.0), ValueError, "lower bound 1.0 is above the upper bound"),
    (lambda t: t.normal_(0.0, -1.0), ValueError, "std must be non-negative, got -1.0"),
    (lambda t: t.__iadd__(ag.ones(4)), ValueError, r"\(3,\).*\(4,\)"),
])
def test_a_refused_in_place_op_leaves_the_tensor_as_it_was(call, error, words):
    t = ag.tensor([1.0, 2.0, 3.0])
    array = t.numpy()
    with pytest.raises(error, match=words):
        call(t)
    np.testing.assert_array_equal(t.numpy(), [1.0, 2.0, 3.0])
    assert t.numpy() is array and t._version == 0


# -- random fills ---------------------------------------------------------------------------------


@pytest.mark.parametrize("fill, low, high", [
    (lambda t: t.uniform_(-2.0, 3.0), -2.0, 3.0),
    (lambda t: t.uniform_(), 0.0, 1.0),
    (lambda t: t.normal_(1.5, 0.25), -math.inf, math.inf),
])
def test_random_fills_are_seeded_in_place_and_refused_on_a_leaf(fill, low, high):
    ag.manual_seed(5)
    t = ag.zeros(4000)
    array = t.numpy()
    assert fill(t) is t and t.numpy() is array and t.dtype == np.float32 and t._version == 1
    first = t.numpy().copy()
    assert first.min() >= low and first.max() < high and np.unique(first).size > 3900
    ag.manual_seed(5)
    np.testing.assert_array_equal(fill(ag.zeros(4000)).numpy(), first)  # the seed repeats it
    w = ag.zeros(3, requires_grad=True)
    with pytest.raises(RuntimeError, match=LEAF_WORDS):
        fill(w)
    with no_grad():
        fill(w)
    assert w.is_leaf and np.all(w.numpy() != 0)


def test_random_fills_have_torch_s_moments_and_take_a_generator():
    t = ag.zeros(200_000, dtype=np.float64).uniform_(-2.0, 4.0)
    assert t.numpy().mean() == pytest.approx(1.0, abs=0.02)
    assert t.numpy().var() == pytest.approx(36 / 12, rel=0.02)
    n = ag.zeros(200_000, dtype=np.float64).normal_(mean=-1.0, std=0.5)
    assert n.numpy().mean() == pytest.approx(-1.0, abs=0.01)
    assert n.numpy().std() == pytest.approx(0.5, rel=0.01)
    a = ag.zeros(5).normal_(generator=np.random.default_rng(9))
    b = ag.zeros(5).normal_(generator=np.random.default_rng(9))
    np.testing.assert_array_equal(a.numpy(), b.numpy())


# -- .data and .numpy() ---------------------------------------------------------------------------


def test_data_is_a_detached_tensor_sharing_memory(torch):
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    for t in (x, y):
        d = t.data
        assert isinstance(d, Tensor) and d is not t
        assert d.is_leaf and not d.requires_grad and d.grad_fn is None
        assert d.numpy() is t.numpy() and d.shape == t.shape and d.dtype == t.dtype
    x.data[0] = 10.0  # a change through .data is seen by x (and is not tracked)
    np.testing.assert_array_equal(x.numpy(), [10.0, 2.0])
    tx = torch.tensor([1.0, 2.0], requires_grad=True)
    tx.data[0] = 10.0
    assert tx.tolist() == x.tolist() and x._version == tx._version == 0


def test_assigning_data_replaces_the_values(torch):
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    x.data = ag.tensor([5.0, 6.0, 7.0])
    assert x.shape == (3,) and x.requires_grad and x.is_leaf
    x.data = np.zeros(2)
    assert x.tolist() == [0.0, 0.0] and x.dtype == np.float64
    tx = torch.tensor([1.0, 2.0], requires_grad=True)
    tx.data = torch.tensor([5.0, 6.0, 7.0])
    assert tuple(tx.shape) == (3,) and tx.requires_grad
    with pytest.raises(TypeError, match="<U1"):
        x.data = np.array(["a", "b"])
    assert x.tolist() == [0.0, 0.0]


def test_micrograd_s_p_data_minus_equals_trains_as_torch(torch):
    """``p.data -= lr * p.grad``: micrograd's habit and early PyTorch's, outside no_grad."""
    rng = np.random.default_rng(6)
    x, y = rng.standard_normal((32, 3)), rng.standard_normal((32, 1))
    w0, b0 = rng.standard_normal((3, 1)), np.zeros(1)
    runs = []
    for k in (ag, torch):
        xs, ys = k.tensor(x), k.tensor(y)
        w, b = k.tensor(w0, requires_grad=True), k.tensor(b0, requires_grad=True)
        losses = []
        for _ in range(40):
            loss = ((xs @ w + b - ys) ** 2).mean()
            losses.append(loss.item())
            w.grad = b.grad = None
            loss.backward()
            for p in (w, b):
                p.data -= 0.1 * p.grad
        runs.append((losses, w.detach().numpy().copy(), w.requires_grad, w.is_leaf))
    (ours, w_ours, flag, is_leaf), (theirs, w_theirs, _, _) = runs
    assert ours[-1] < 0.8 * ours[0] and flag and is_leaf
    np.testing.assert_allclose(ours, theirs, rtol=1e-10)
    np.testing.assert_allclose(w_ours, w_theirs, rtol=1e-10)


def test_numpy_shares_memory_both_ways(torch):
    t = ag.tensor([1.0, 2.0, 3.0])
    array = t.numpy()
    array[0] = 9.0
    t[1] = 8.0
    assert t.tolist() == [9.0, 8.0, 3.0] and array.tolist() == [9.0, 8.0, 3.0]
    assert np.shares_memory(np.asarray(t), array)
    tt = torch.tensor([1.0, 2.0, 3.0])
    theirs = tt.numpy()
    theirs[0] = 9.0
    tt[1] = 8.0
    assert tt.tolist() == t.tolist()
