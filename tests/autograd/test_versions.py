"""Version counters, as torch's: every in-place change counts, views and detach() share the
count, and backward refuses (InplaceError, torch's "modified by an inplace operation") an op
whose saved input was changed after the op ran, naming the op and the tensor's shape."""

import numpy as np
import pytest

import autograd as ag
import nn
from autograd import InplaceError, no_grad
from nn import optim

MODIFIED = "modified by an inplace operation"


@pytest.fixture
def torch():
    return pytest.importorskip("torch")


def _sequence(k, t):
    """A run of in-place ops, the same for both engines; yields t's version after each."""
    t.add_(1)
    yield t._version
    t += 1
    yield t._version
    t[0] = 5.0
    yield t._version
    t[t > 3] = 0.0
    yield t._version
    t[[0, 1], [1, 2]] = k.tensor([1.0, 2.0])
    yield t._version
    for op in (lambda: t.mul_(2), lambda: t.clamp_(0, 1), lambda: t.fill_(2.0), t.zero_,
               lambda: t.copy_(k.ones(3)), lambda: t.masked_fill_(t > 0, 3.0), t.uniform_,
               t.normal_, t.exp_, lambda: t.pow_(2), lambda: t.sub_(1, alpha=2),
               lambda: t.div_(2), t.neg_, t.abs_, t.sqrt_, t.log_, t.tanh_, t.sigmoid_,
               t.relu_):
        op()
        yield t._version
    t /= 2
    t -= 1
    t *= 3
    yield t._version
    t[0].add_(1)  # through views: they share the counter
    yield t._version
    t.reshape(6).mul_(1)
    yield t._version
    t.T.add_(0)
    yield t._version
    t.detach().add_(0)
    yield t._version


def test_version_counts_as_torch_s_for_the_same_ops(torch):
    ours = list(_sequence(ag, ag.zeros(2, 3)))
    theirs = list(_sequence(torch, torch.zeros(2, 3)))
    assert ours == theirs
    assert ours[-1] == len(ours) + 2  # the /= -= *= line counted three


def test_views_and_detach_share_the_counter_and_data_does_not(torch):
    for k in (ag, torch):
        x = k.zeros(2, 3)
        row, flat, detached, data = x[1], x.reshape(6), x.detach(), x.data
        row.add_(1)
        assert x._version == row._version == flat._version == detached._version == 1
        detached.mul_(2)
        assert x._version == row._version == 2
        data.add_(1)  # .data has a counter of its own: changes through it are not tracked
        assert data._version == 1 and x._version == 2
        np.testing.assert_array_equal(x.numpy(), [[1, 1, 1], [3, 3, 3]])


def test_a_fresh_tensor_and_an_op_s_result_start_at_version_zero():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    assert x._version == 0 and (x * 2)._version == 0 and x.detach()._version == 0


def test_increment_version_counts_a_change_made_through_the_array():
    x = ag.ones(3)
    w = ag.ones(3, requires_grad=True)
    y = (x * w).sum()
    x.numpy()[0] = 7.0  # invisible to the engine...
    ag.increment_version(x)  # ...until announced, as an optimizer does
    assert x._version == 1
    with pytest.raises(InplaceError, match=MODIFIED):
        y.backward()


# -- backward refuses what changed since the forward ----------------------------------------------


def test_changing_an_input_a_mul_saved_makes_backward_raise_as_torch(torch):
    for k in (ag, torch):
        x = k.ones(3)
        w = k.ones(3, requires_grad=True)
        y = x * w
        x.add_(1)
        with pytest.raises(RuntimeError, match=MODIFIED):
            y.sum().backward()
        assert w.grad is None  # nothing half-done
    x = ag.ones(3)
    y = x * ag.ones(3, requires_grad=True)
    x.add_(1)
    with pytest.raises(InplaceError) as info:
        y.sum().backward()
    message = str(info.value)
    assert "op 'mul'" in message and "shape (3,)" in message and "version 1" in message
    assert isinstance(info.value, RuntimeError)


def test_changing_an_input_of_an_add_is_fine_since_add_saves_nothing(torch):
    grads = []
    for k in (ag, torch):
        x = k.ones(3)
        w = k.tensor([1.0, 2.0, 3.0], requires_grad=True)
        y = x + w
        z = (x + w) * w  # the mul saved x + w and w, not x
        x.add_(1)
        y.sum().backward()
        z.sum().backward()
        grads.append(w.grad.numpy())
    np.testing.assert_array_equal(grads[0], grads[1])
    np.testing.assert_array_equal(grads[0], [1.0 + 3.0, 1.0 + 5.0, 1.0 + 7.0])


def test_an_op_that_saved_its_output_keeps_a_copy_when_the_output_changes(torch):
    # torch refuses: exp saved its output h, which mul_ then changed. Recording mul_ here moves
    # h's former values (a copy) to the node exp's backward reads, so the gradient is right.
    w = torch.tensor([0.5, 1.0], dtype=torch.float64, requires_grad=True)
    h = (w * 1).exp()
    h.mul_(2)
    with pytest.raises(RuntimeError, match=MODIFIED):
        h.sum().backward()
    w = ag.tensor([0.5, 1.0], dtype=np.float64, requires_grad=True)
    h = (w * 1).exp()
    h.mul_(2)
    h.sum().backward()
    np.testing.assert_allclose(w.grad.numpy(), 2 * np.exp([0.5, 1.0]), rtol=1e-15)


def test_an_input_made_anew_by_a_recorded_in_place_op_keeps_its_old_edge_as_torch(torch):
    # z was made from y's former self; after y.mul_(2), y is the mul's result, and z's gradient
    # still goes to the y it was made from (torch keeps the old edge): [1, 1] for z alone
    grads = []
    for k in (ag, torch):
        x = k.ones(2, dtype=k.float64, requires_grad=True)
        y = x * 1
        z = y + 3
        y.mul_(2)
        z.sum().backward(retain_graph=True)
        first = x.grad.tolist()
        (z + y).sum().backward()  # old edge and new graph together: 1 + 2 more
        grads.append((first, x.grad.tolist()))
    assert grads[0] == grads[1] == ([1.0, 1.0], [4.0, 4.0])


def test_changes_through_data_are_not_tracked_as_in_torch(torch):
    grads = []
    for k in (ag, torch):
        x = k.tensor([1.0, 2.0], dtype=k.float64)
        w = k.tensor([3.0, 4.0], dtype=k.float64, requires_grad=True)
        y = (x * w).sum()
        x.data.mul_(10)  # not counted: backward uses the new values, silently (torch's rule)
        y.backward()
        grads.append(w.grad.numpy())
        assert x._version == 0
    np.testing.assert_array_equal(grads[0], grads[1])
    np.testing.assert_array_equal(grads[0], [10.0, 20.0])


def test_a_refused_backward_leaves_every_grad_alone_and_a_new_forward_works():
    w = ag.tensor([1.0, 2.0], requires_grad=True)
    b = ag.tensor([0.5], requires_grad=True)
    x = ag.tensor([3.0, 4.0])
    (x * w + b).sum().backward()
    before = w.grad.numpy().copy(), b.grad.numpy().copy()
    loss = (x * w + b).sum()
    x.add_(1)
    with pytest.raises(InplaceError):
        loss.backward()
    np.testing.assert_array_equal(w.grad.numpy(), before[0])
    np.testing.assert_array_equal(b.grad.numpy(), before[1])
    (x * w + b).sum().backward()  # the bookkeeping of the refused pass was reset
    np.testing.assert_array_equal(w.grad.numpy(), before[0] + [4.0, 5.0])


def test_a_change_after_backward_is_the_normal_training_step():
    w = ag.tensor([1.0, 2.0], requires_grad=True)
    x = ag.tensor([3.0, 4.0])
    for _ in range(3):
        loss = (x * w).sum()
        loss.backward()
        with no_grad():
            w -= 0.1 * w.grad
        w.grad.zero_()
    assert w._version == 3
    np.testing.assert_allclose(w.numpy(), [1.0 - 0.9, 2.0 - 1.2], rtol=1e-6)


def test_a_retained_graph_refuses_a_second_backward_after_a_change(torch):
    for k in (ag, torch):
        w = k.tensor([1.0, 2.0], requires_grad=True)
        x = k.tensor([3.0, 4.0])
        loss = (x * w).sum()
        loss.backward(retain_graph=True)
        x.mul_(2)
        with pytest.raises(RuntimeError, match=MODIFIED):
            loss.backward()


# -- nn: optimizer steps, init fills and state loads count as changes -----------------------------


def _step_between_forward_and_backward(k, nn_k, optim_k, params):
    model = nn_k.Sequential(nn_k.Linear(3, 4), nn_k.Tanh(), nn_k.Linear(4, 1))
    model.load_state_dict(params)
    opt = optim_k.SGD(model.parameters(), lr=0.1)
    x = k.tensor(np.linspace(-1, 1, 15).reshape(5, 3).astype(np.float32))
    model(x).pow(2).mean().backward()
    loss = model(x).pow(2).mean()
    opt.step()  # the bug: the weights the forward used are gone
    return loss


def test_an_optimizer_step_between_forward_and_backward_raises_as_torch(torch):
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1))
    params = {k: np.array(v) for k, v in model.state_dict().items()}
    loss = _step_between_forward_and_backward(ag, nn, optim, params)
    with pytest.raises(InplaceError, match=MODIFIED) as info:
        loss.backward()
    assert "op 'linear'" in str(info.value) and "shape (1, 4)" in str(info.value)
    theirs = _step_between_forward_and_backward(
        torch, torch.nn, torch.optim, {k: torch.tensor(v) for k, v in params.items()})
    with pytest.raises(RuntimeError, match=MODIFIED):
        theirs.backward()


@pytest.mark.parametrize("name, options", [
    ("SGD", {}), ("SGD", {"momentum": 0.9, "weight_decay": 0.1, "nesterov": True}),
    ("Adam", {"amsgrad": True}), ("RMSprop", {"centered": True, "momentum": 0.5}),
    ("Adagrad", {}), ("AdamW", {}),
])
def test_each_optimizer_step_counts_as_torch_s(torch, name, options):
    ours, theirs = ag.tensor([1.0, 2.0], requires_grad=True), torch.tensor([1.0, 2.0],
                                                                          requires_grad=True)
    opt = getattr(optim, name)([ours], lr=0.1, **options)
    ref = getattr(torch.optim, name)([theirs], lr=0.1, **options)
    for _ in range(3):
        ours.grad, theirs.grad = ag.tensor([0.5, -1.0]), torch.tensor([0.5, -1.0])
        opt.step()
        ref.step()
    if name == "AdamW":  # torch counts its decay (param.mul_) and its update separately
        assert ours._version == 3 and theirs._version == 6
    else:
        assert ours._version == theirs._version == 3


@pytest.mark.parametrize("change", [
    lambda m: nn.init.zeros_(m[0].weight),
    lambda m: nn.init.kaiming_uniform_(m[0].weight),
    lambda m: m.load_state_dict(m.state_dict()),
])
def test_init_fills_and_state_loads_between_forward_and_backward_raise(change):
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1))
    loss = model(ag.randn(5, 3)).pow(2).mean()
    change(model)
    with pytest.raises(InplaceError, match=r"op 'linear', of shape \((4, 3|1, 4)\)"):
        loss.backward()
