"""``grad_fn`` in torch's shape: ``name()``, ``next_functions`` down to AccumulateGrad nodes
(``.variable``) at the leaves and None for inputs that need no gradient, a repr naming the
op; and the shape API beside it: ``size()``, ``size(d)``, ``dim()``, ``numel()``."""

import numpy as np
import pytest

import autograd as ag
from autograd import Tensor
from autograd.graph import op_name
from autograd.tensor import AccumulateGrad, BackwardNode

from .test_gradcheck import Cube  # x ** 3 with its derivative written by hand


@pytest.fixture
def torch():
    return pytest.importorskip("torch")


def walk(node) -> list:
    """Every node below ``node`` by next_functions, depth first, as (depth, name or None)."""
    out, stack = [], [(0, node)]
    while stack:
        depth, n = stack.pop()
        # torch names its leaf node "torch::autograd::AccumulateGrad"; ours is "AccumulateGrad"
        out.append((depth, None if n is None else n.name().removeprefix("torch::autograd::")))
        if n is not None:
            stack.extend((depth + 1, child) for child, _ in reversed(n.next_functions))
    return out


def _net(k, x, w, b, c):
    """A tiny graph: (x * w + b).tanh(), scaled, summed."""
    return ((x * w + b).tanh() * c).sum()


def _inputs(k):
    x = k.tensor([[1.0, -2.0], [0.5, 3.0]])
    w = k.tensor([[0.3, -0.1], [0.2, 0.4]], requires_grad=True)
    b = k.tensor([0.1, -0.2], requires_grad=True)
    c = k.tensor(2.0)
    return x, w, b, c


def test_the_graph_walk_from_the_loss_to_the_leaves_is_torch_s(torch):
    ours, theirs = _net(ag, *_inputs(ag)), _net(torch, *_inputs(torch))
    assert walk(ours.grad_fn) == walk(theirs.grad_fn)
    assert walk(ours.grad_fn)[:3] == [(0, "SumBackward0"), (1, "MulBackward0"),
                                      (2, "TanhBackward0")]


def test_the_tutorial_s_next_functions_chain_reaches_the_parameters():
    x, w, b, c = _inputs(ag)
    loss = _net(ag, x, w, b, c)
    mul = loss.grad_fn.next_functions[0][0]
    tanh, constant = mul.next_functions
    assert mul.name() == "MulBackward0" and constant == (None, 0)  # c needs no gradient
    add = tanh[0].next_functions[0][0]
    (product, _), (bias, index) = add.next_functions
    assert isinstance(bias, AccumulateGrad) and bias.variable is b and index == 0
    assert bias.name() == "AccumulateGrad" and bias.next_functions == ()
    assert product.next_functions[0] == (None, 0)  # x: an input, no gradient
    weight = product.next_functions[1][0]
    assert isinstance(weight, AccumulateGrad) and weight.variable is w


def test_a_leaf_and_a_tensor_made_under_no_grad_have_no_grad_fn(torch):
    w = ag.tensor([1.0], requires_grad=True)
    assert w.grad_fn is None and ag.tensor([1.0]).grad_fn is None
    with ag.no_grad():
        assert (w * 2).grad_fn is None
    assert (w * 2).detach().grad_fn is None
    assert torch.tensor([1.0], requires_grad=True).grad_fn is None


@pytest.mark.parametrize("name, op", [
    ("AddBackward0", lambda x, w: x + w), ("AddBackward0", lambda x, w: 2 + x),
    ("SubBackward0", lambda x, w: x - w), ("MulBackward0", lambda x, w: x * w),
    ("MulBackward0", lambda x, w: 2 * x), ("DivBackward0", lambda x, w: x / w),
    ("NegBackward0", lambda x, w: -x), ("PowBackward0", lambda x, w: x**2),
    ("ExpBackward0", lambda x, w: x.exp()), ("LogBackward0", lambda x, w: x.log()),
    ("TanhBackward0", lambda x, w: x.tanh()), ("SigmoidBackward0", lambda x, w: x.sigmoid()),
    ("ReluBackward0", lambda x, w: x.relu()), ("SqrtBackward0", lambda x, w: x.sqrt()),
    ("AbsBackward0", lambda x, w: x.abs()), ("SumBackward0", lambda x, w: x.sum()),
    ("MeanBackward0", lambda x, w: x.mean()), ("SoftmaxBackward0", lambda x, w: x.softmax(-1)),
    ("LogSoftmaxBackward0", lambda x, w: x.log_softmax(-1)),
    ("MaximumBackward0", lambda x, w: x.maximum(w)), ("PermuteBackward0", lambda x, w: x.T),
    ("ExpandBackward0", lambda x, w: x[0:1].expand(3, 3)),
])
def test_common_ops_carry_torch_s_node_names(torch, name, op):
    ours = op(ag.ones(2, 3, requires_grad=True), ag.full((2, 3), 2.0, requires_grad=True))
    theirs = op(torch.ones(2, 3, requires_grad=True), torch.full((2, 3), 2.0, requires_grad=True))
    assert ours.grad_fn.name() == theirs.grad_fn.name() == name
    assert repr(ours.grad_fn) == f"<{name}>"
    assert f"grad_fn=<{name}>" in repr(ours)


def test_op_name_still_gives_the_short_name_drawings_use():
    x = ag.ones(2, requires_grad=True)
    y = (x * 2).log_softmax(-1)
    assert op_name(y) == "log_softmax" and y.grad_fn.name() == "LogSoftmaxBackward0"
    assert op_name(x) == ""


def test_a_function_s_node_is_named_after_its_class_as_torch(torch):
    class TorchCube(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x**3

        @staticmethod
        def backward(ctx, grad):
            return grad

    ours = Cube.apply(ag.tensor([2.0], requires_grad=True))
    theirs = TorchCube.apply(torch.tensor([2.0], requires_grad=True))
    assert ours.grad_fn.name() == "CubeBackward" and theirs.grad_fn.name() == "TorchCubeBackward"
    assert isinstance(ours.grad_fn.next_functions[0][0], AccumulateGrad)


def test_a_recorded_in_place_op_shows_in_the_walk(torch):
    walks = []
    for k in (ag, torch):
        w = k.tensor([1.0, 2.0], requires_grad=True)
        y = w * 2
        y.mul_(3)
        y.exp_()
        walks.append(walk(y.grad_fn))
    assert walks[0] == walks[1]
    assert walks[0][:3] == [(0, "ExpBackward0"), (1, "MulBackward0"), (2, "MulBackward0")]


def test_nodes_compare_by_the_tensor_they_stand_for():
    w = ag.tensor([1.0], requires_grad=True)
    y = w * 2
    assert y.grad_fn == y.grad_fn and hash(y.grad_fn) == hash(y.grad_fn)
    assert y.grad_fn != (w * 2).grad_fn
    z = y + 1
    assert z.grad_fn.next_functions[0][0] == y.grad_fn
    assert isinstance(z.grad_fn, BackwardNode)
    first = y.grad_fn.next_functions[0][0]
    assert first == AccumulateGrad(w) and first != AccumulateGrad(ag.tensor([1.0]))
    assert repr(first) == "<AccumulateGrad>" and y.grad_fn.metadata == {}


def test_after_backward_a_node_keeps_its_name_and_lets_its_inputs_go():
    # the engine's memory rule: backward without retain_graph releases what each op saved and
    # its inputs (torch frees the saved tensors but keeps the edges)
    w = ag.tensor([1.0, 2.0], requires_grad=True)
    loss = (w * w).sum()
    node = loss.grad_fn.next_functions[0][0]
    kept = (w * w).sum()
    kept.backward(retain_graph=True)
    loss.backward()
    assert node.name() == "MulBackward0" and node.next_functions == ()
    assert [n.name() for n, _ in kept.grad_fn.next_functions] == ["MulBackward0"]


# -- size(), dim(), numel(), shape ----------------------------------------------------------------


def test_size_dim_numel_and_shape_are_torch_s(torch):
    ours, theirs = ag.zeros(2, 3, 4), torch.zeros(2, 3, 4)
    assert ours.size() == tuple(theirs.size()) == ours.shape == (2, 3, 4)
    assert isinstance(ours.shape, tuple)
    for d in (0, 1, 2, -1, -3):
        assert ours.size(d) == theirs.size(d)
    assert ours.dim() == theirs.dim() == 3 and ours.numel() == theirs.numel() == 24
    scalar = ag.tensor(1.5)
    assert scalar.size() == () and scalar.dim() == 0 and scalar.numel() == 1
    for bad in (3, -4):
        with pytest.raises(IndexError, match=rf"size\({bad}\).*\(2, 3, 4\)"):
            ours.size(bad)
        with pytest.raises(IndexError):
            theirs.size(bad)


def test_size_is_a_method_so_the_tutorial_s_x_size_works():
    x = Tensor(np.zeros((5, 3)))
    assert f"{x.size()}" == "(5, 3)" and x.size(0) == 5
    assert x.reshape(15).size() == (15,) and x.reshape(-1, 5).size() == (3, 5)
