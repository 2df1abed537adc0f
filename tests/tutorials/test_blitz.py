"""The 60-minute blitz's first two parts, tensors and autograd (in their current form and in
the earlier ones still found in course notes: Variable, FloatTensor, ``y.data.norm()``), with
only the import line changed. Each program shows what the tutorial prints through ``show``;
the same program on PyTorch, from the same random numbers, must show the same things. (The
blitz's neural-network and classifier parts need conv layers and torchvision: not here.)"""

from __future__ import annotations

import numpy as np
import pytest

import nn.torch as ours

from .same_start import SameStart


def tensor_tutorial(torch, show) -> None:
    # tensors from data, from numpy, from other tensors
    data = [[1, 2], [3, 4]]
    x_data = torch.tensor(data)
    np_array = np.array(data)
    x_np = torch.from_numpy(np_array)
    show("x_np", x_np)
    show("x_ones", torch.ones_like(x_data))
    x_rand = torch.rand_like(x_data, dtype=torch.float)
    show("x_rand", x_rand)
    shape = (2, 3)
    show("rand", torch.rand(shape))
    show("ones", torch.ones(shape))
    show("zeros", torch.zeros(shape))
    # attributes
    tensor = torch.rand(3, 4)
    show("shape", tensor.shape)
    show("dtype", tensor.dtype)
    show("device", tensor.device)
    if torch.accelerator.is_available():
        tensor = tensor.to(torch.accelerator.current_accelerator())
    if torch.cuda.is_available():
        tensor = tensor.to("cuda")
    # indexing, joining, arithmetic
    tensor = torch.ones(4, 4)
    show("first row", tensor[0])
    show("first column", tensor[:, 0])
    show("last column", tensor[..., -1])
    tensor[:, 1] = 0
    show("tensor", tensor)
    show("t1", torch.cat([tensor, tensor, tensor], dim=1))
    y1 = tensor @ tensor.T
    y2 = tensor.matmul(tensor.T)
    y3 = torch.rand_like(y1)
    torch.matmul(tensor, tensor.T, out=y3)
    show("y1 y2 y3", torch.stack([y1, y2, y3]))
    z1 = tensor * tensor
    z2 = tensor.mul(tensor)
    z3 = torch.rand_like(tensor)
    torch.mul(tensor, tensor, out=z3)
    show("z1 z2 z3", torch.stack([z1, z2, z3]))
    agg = tensor.sum()
    agg_item = agg.item()
    show("agg_item", agg_item)
    show("agg_item type", type(agg_item).__name__)
    tensor.add_(5)
    show("added", tensor)
    # the numpy bridge: shared memory both ways
    t = torch.ones(5)
    n = t.numpy()
    t.add_(1)
    show("n after t.add_", n)
    n = np.ones(5)
    t = torch.from_numpy(n)
    np.add(n, 1, out=n)
    show("t after np.add", t)


def tensor_tutorial_earlier(torch, show) -> None:
    x = torch.empty(5, 3)
    show("empty shape", x.size())
    show("rand", torch.rand(5, 3))
    x = torch.zeros(5, 3, dtype=torch.long)
    show("zeros long", x)
    x = torch.tensor([5.5, 3])
    show("tensor", x)
    x = x.new_ones(5, 3, dtype=torch.double)
    show("new_ones", x)
    x = torch.randn_like(x, dtype=torch.float)
    show("randn_like", x)
    show("size", x.size())
    y = torch.rand(5, 3)
    show("x + y", x + y)
    show("add", torch.add(x, y))
    result = torch.empty(5, 3)
    torch.add(x, y, out=result)
    show("add out", result)
    y.add_(x)
    show("add_", y)
    show("column 1", x[:, 1])
    x = torch.randn(4, 4)
    y = x.view(16)
    z = x.view(-1, 8)
    show("view sizes", (x.size(), y.size(), z.size()))
    x = torch.randn(1)
    show("item", x.item())
    device = torch.device("cpu")
    y = torch.ones_like(x, device=device)
    x = x.to(device)
    show("to cpu double", (x + y).to("cpu", torch.double))


def autograd_tutorial(torch, show) -> None:
    # the current version: a vector-valued Q and an external gradient
    a = torch.tensor([2.0, 3.0], requires_grad=True)
    b = torch.tensor([6.0, 4.0], requires_grad=True)
    Q = 3 * a**3 - b**2
    external_grad = torch.tensor([1.0, 1.0])
    Q.backward(gradient=external_grad)
    show("9a^2 == a.grad", 9 * a**2 == a.grad)
    show("-2b == b.grad", -2 * b == b.grad)
    x = torch.rand(5, 5)
    y = torch.rand(5, 5)
    z = torch.rand((5, 5), requires_grad=True)
    show("x + y requires grad", (x + y).requires_grad)
    show("x + z requires grad", (x + z).requires_grad)
    # the earlier version: grad_fn, requires_grad_, a vector-Jacobian product, no_grad, detach
    x = torch.ones(2, 2, requires_grad=True)
    y = x + 2
    show("y", y)
    show("y.grad_fn", y.grad_fn.name())
    z = y * y * 3
    out = z.mean()
    show("z, out", (z, out))
    a = torch.randn(2, 2)
    a = (a * 3) / (a - 1)
    show("a requires grad", a.requires_grad)
    a.requires_grad_(True)
    show("a requires grad now", a.requires_grad)
    b = (a * a).sum()
    show("b.grad_fn", b.grad_fn.name())
    # walking the graph back from the loss, as the neural-network part of the blitz does
    node, walk = out.grad_fn, []
    while node is not None:
        walk.append(node.name())
        node = node.next_functions[0][0] if node.next_functions else None
    show("walk from out", walk)
    show("leaf ends", [None if f is None else f.name() for f, _ in y.grad_fn.next_functions])
    out.backward()
    show("x.grad", x.grad)
    x = torch.randn(3, requires_grad=True)
    y = x * 2
    doublings = 0
    while y.data.norm() < 1000:
        y = y * 2
        doublings += 1
    show("doublings", doublings)
    show("y doubled", y)
    v = torch.tensor([0.1, 1.0, 0.0001], dtype=torch.float)
    y.backward(v)
    show("x.grad of y doubled", x.grad)
    show("x requires grad", x.requires_grad)
    show("x ** 2 requires grad", (x**2).requires_grad)
    with torch.no_grad():
        show("x ** 2 under no_grad", (x**2).requires_grad)
    y = x.detach()
    show("detached requires grad", y.requires_grad)
    show("x.eq(y).all()", x.eq(y).all())


def autograd_tutorial_variable(torch, show) -> None:
    """The oldest version, from PyTorch 0.3: Variable and FloatTensor."""
    Variable = torch.autograd.Variable
    x = Variable(torch.ones(2, 2), requires_grad=True)
    y = x + 2
    show("y.grad_fn", y.grad_fn.name())
    z = y * y * 3
    out = z.mean()
    out.backward()
    show("x.grad", x.grad)
    x = Variable(torch.randn(3), requires_grad=True)
    y = x * 2
    while y.data.norm() < 1000:
        y = y * 2
    gradients = torch.FloatTensor([0.1, 1.0, 0.0001])
    y.backward(gradients)
    show("x.grad of y doubled", x.grad)


def _plain(value):
    """What a program showed, in a form both libraries share."""
    if hasattr(value, "detach"):
        return np.array(value.detach().numpy())
    if isinstance(value, tuple | list):
        return type(value)(_plain(v) for v in value)
    if isinstance(value, str):  # torch names the leaf node 'torch::autograd::AccumulateGrad'
        return value.removeprefix("torch::autograd::")
    if isinstance(value, int | float | bool | np.ndarray | type(None)):
        return value
    return str(value).removeprefix("torch.")  # dtypes and devices: 'float32', 'cpu'


def shown(program, library) -> dict:
    record: dict = {}

    def show(label, value):
        assert label not in record, label
        record[label] = _plain(value)

    program(library, show)
    return record


def _assert_same(mine, theirs, label):
    if isinstance(theirs, np.ndarray):
        assert isinstance(mine, np.ndarray) and mine.dtype == theirs.dtype, label
        np.testing.assert_allclose(mine, theirs, rtol=1e-6, err_msg=label)
    elif isinstance(theirs, tuple | list):
        assert len(mine) == len(theirs), label
        for m, t in zip(mine, theirs):
            _assert_same(m, t, label)
    elif isinstance(theirs, float):
        assert mine == pytest.approx(theirs, rel=1e-6), label
    else:
        assert mine == theirs, label


PROGRAMS = [tensor_tutorial, tensor_tutorial_earlier, autograd_tutorial,
            autograd_tutorial_variable]


@pytest.mark.parametrize("program", PROGRAMS, ids=lambda p: p.__name__)
def test_blitz_shows_what_pytorch_shows(program):
    torch = pytest.importorskip("torch")
    same = SameStart()
    mine = shown(program, same.recording(ours))
    theirs = shown(program, same.replaying(torch))
    assert not same.tape and list(mine) == list(theirs)
    for label in theirs:
        _assert_same(mine[label], theirs[label], label)


@pytest.mark.parametrize("program", PROGRAMS, ids=lambda p: p.__name__)
def test_blitz_runs_on_retrograd(program):
    record = shown(program, ours)
    assert len(record) >= 3


def test_what_the_blitz_teaches_holds_here():
    record = shown(autograd_tutorial, ours)
    np.testing.assert_array_equal(record["x.grad"], np.full((2, 2), 4.5))
    assert record["x.grad of y doubled"].shape == (3,) and bool(record["x.eq(y).all()"])
    assert record["walk from out"] == ["MeanBackward0", "MulBackward0", "MulBackward0",
                                       "AddBackward0", "AccumulateGrad"]
    assert record["leaf ends"] == ["AccumulateGrad", None]
    np.testing.assert_array_equal(shown(autograd_tutorial_variable, ours)["x.grad"],
                                  np.full((2, 2), 4.5))
    tensors = shown(tensor_tutorial, ours)
    np.testing.assert_array_equal(tensors["n after t.add_"], [2.0] * 5)
    np.testing.assert_array_equal(tensors["t after np.add"], [2.0] * 5)
    assert tensors["agg_item"] == 12.0 and tensors["device"] == "cpu"
