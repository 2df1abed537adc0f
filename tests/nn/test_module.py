"""Module, Parameter, Sequential, ModuleList: registration, naming, printing, state."""

import copy
import pickle
from collections import OrderedDict

import numpy as np
import pytest

import autograd
import nn
import nn.functional as F
from autograd import Tensor, Value

from .lesson_models import LESSON_REPR, MyFirstPytorchModel


def snapshot(model):
    return {k: v.copy() for k, v in model.state_dict().items()}


def assert_same_state(a, b):
    assert list(a) == list(b)
    for k in a:
        np.testing.assert_array_equal(a[k], b[k], err_msg=k)
        assert a[k].dtype == b[k].dtype


# -- the lesson ---------------------------------------------------------------------------------


def test_lesson_model_prints_as_in_the_lesson():
    model = MyFirstPytorchModel()
    assert repr(model) == LESSON_REPR
    assert repr(model.parameters) == (
        "<bound method Module.parameters of " + LESSON_REPR + ">"
    )


def test_lesson_model_names_its_parameters_in_order():
    model = MyFirstPytorchModel()
    names = [name for name, _ in model.named_parameters()]
    assert names == [f"{layer}.{kind}" for layer in ("fully_connected_1", "fully_connected_2",
                                                     "output") for kind in ("weight", "bias")]
    shapes = [p.shape for p in model.parameters()]
    assert shapes == [(8, 4), (8,), (9, 8), (9,), (3, 9), (3,)]
    assert all(isinstance(p, nn.Parameter) and p.requires_grad for p in model.parameters())


def test_lesson_training_loop_lowers_the_loss():
    autograd.manual_seed(42)
    X = autograd.randn(30, 4)
    y = np.argmax(X.data[:, :3], axis=1)  # learnable: the class is the largest of 3 features
    model = MyFirstPytorchModel()
    criterion = nn.CrossEntropyLoss()
    losses = []
    for _ in range(60):
        y_pred = model.forward(X)
        loss = criterion(y_pred, y)
        losses.append(loss.item())
        model.zero_grad()
        loss.backward()
        for p in model.parameters():
            p.data -= 0.5 * p.grad.data
    assert losses[-1] < 0.5 * losses[0]


def test_seeded_models_start_identical():
    autograd.manual_seed(7)
    a = MyFirstPytorchModel()
    autograd.manual_seed(7)
    b = MyFirstPytorchModel()
    assert_same_state(a.state_dict(), b.state_dict())
    nn.manual_seed(8)
    c = MyFirstPytorchModel()
    assert not np.array_equal(a.output.weight.data, c.output.weight.data)


# -- Parameter ------------------------------------------------------------------------------------


def test_parameter_requires_grad_and_prints_like_torch():
    p = nn.Parameter(np.array([1.0, 2.0], dtype=np.float32))
    assert p.requires_grad and p.is_leaf
    assert repr(p).startswith("Parameter containing:\ntensor([")
    assert repr(p).endswith("requires_grad=True)")
    assert not nn.Parameter(np.zeros(2), requires_grad=False).requires_grad


def test_parameter_keeps_dtype_copies_arrays_and_shares_tensors():
    arr = np.arange(3.0)
    p = nn.Parameter(arr)
    assert p.dtype == np.float64
    arr[0] = 99
    assert p.data[0] == 0  # a copy of the array
    t = autograd.tensor([1.0, 2.0])
    q = nn.Parameter(t)
    assert q.dtype == np.float32 and q.numpy() is t.numpy()  # shares, as torch
    assert isinstance(q, Tensor)


def test_parameter_of_integers_is_refused():
    with pytest.raises(TypeError, match="floating-point"):
        nn.Parameter(np.array([1, 2]))


def test_ops_on_parameters_give_plain_tensors():
    p = nn.Parameter(np.ones(3))
    out = (p * 2).sum()
    assert type(out) is Tensor
    out.backward()
    np.testing.assert_array_equal(p.grad.data, [2, 2, 2])


# -- registration -------------------------------------------------------------------------------


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(3, 4)
        self.act = nn.ReLU()
        self.fc2 = nn.Linear(4, 2)
        self.scale = nn.Parameter(np.ones(1, dtype=np.float32))
        self.note = "plain attribute"

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x))) * self.scale


def test_named_parameters_own_first_then_children_in_order():
    names = [n for n, _ in Net().named_parameters()]
    assert names == ["scale", "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"]
    assert [n for n, _ in Net().named_parameters(recurse=False)] == ["scale"]
    assert len(list(Net().parameters(recurse=False))) == 1


def test_children_and_modules():
    net = Net()
    assert [n for n, _ in net.named_children()] == ["fc1", "act", "fc2"]
    assert list(net.children()) == [net.fc1, net.act, net.fc2]
    assert [n for n, _ in net.named_modules()] == ["", "fc1", "act", "fc2"]
    assert list(net.modules())[0] is net
    assert net.note == "plain attribute"


def test_a_shared_parameter_or_module_is_listed_once():
    net = Net()
    net.fc3 = net.fc1  # the same layer twice
    assert len(list(net.parameters())) == 5
    assert [n for n, _ in net.named_modules()] == ["", "fc1", "act", "fc2"]
    tied = Net()
    tied.fc2.weight = nn.Parameter(tied.fc1.weight.numpy()[:2, :3].copy())
    tied.extra = tied.fc2.weight
    ids = [id(p) for p in tied.parameters()]
    assert len(ids) == len(set(ids)) == 5


def test_reassigning_replaces_and_deleting_removes():
    net = Net()
    net.fc1 = nn.Linear(3, 4, bias=False)
    assert [n for n, _ in net.named_parameters()] == [
        "scale", "fc1.weight", "fc2.weight", "fc2.bias"]
    with pytest.raises(TypeError, match="submodule 'fc2' of Net: give a Module or None"):
        net.fc2 = "no longer a layer"  # torch refuses too: the layer would leave training
    assert isinstance(net.fc2, nn.Linear)
    del net.fc2
    net.fc2 = "no longer a layer"
    assert [n for n, _ in net.named_children()] == ["fc1", "act"]
    assert net.fc2 == "no longer a layer"
    del net.scale
    assert "scale" not in dict(net.named_parameters())
    with pytest.raises(AttributeError, match="scale"):
        _ = net.scale
    net.scale = nn.Parameter(np.zeros(1))
    assert "scale" in dict(net.named_parameters())
    del net.fc1
    assert [n for n, _ in net.named_children()] == ["act"]


def test_a_parameter_slot_takes_a_parameter_or_none_only():
    net = Net()
    with pytest.raises(TypeError, match="parameter 'scale'.*nn.Parameter"):
        net.scale = nn.Linear(2, 2)
    with pytest.raises(TypeError, match="parameter 'scale'.*nn.Parameter"):
        net.scale = autograd.tensor([2.0])
    assert isinstance(net.scale, nn.Parameter)
    net.scale = None
    assert net.scale is None
    assert "scale" not in dict(net.named_parameters())


def test_forgetting_super_init_is_explained():
    class Broken(nn.Module):
        def __init__(self):
            self.fc = nn.Linear(2, 2)

    with pytest.raises(AttributeError, match=r"super\(\).__init__\(\)"):
        Broken()


def test_a_missing_forward_is_explained():
    class NoForward(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(2, 2)

    with pytest.raises(NotImplementedError, match=r"NoForward has no forward\(\).*indented"):
        NoForward()(autograd.zeros(1, 2))


def test_call_runs_forward():
    net = Net()
    x = autograd.randn(5, 3)
    np.testing.assert_array_equal(net(x).data, net.forward(x).data)
    assert net(x).shape == (5, 2)


def test_a_plain_list_of_modules_warns_and_module_list_registers():
    class Holder(nn.Module):
        def __init__(self, wrap):
            super().__init__()
            layers = [nn.Linear(2, 2), nn.Linear(2, 2)]
            self.layers = nn.ModuleList(layers) if wrap else layers

    with pytest.warns(UserWarning, match="ModuleList"):
        assert list(Holder(wrap=False).parameters()) == []
    assert len(list(Holder(wrap=True).parameters())) == 4


def test_value_parameters_for_scalar_nets():
    class Neuron(nn.Module):
        def __init__(self):
            super().__init__()
            self.w = [Value(0.5), Value(-1.0)]
            self.b = Value(0.25)

        def forward(self, x):
            return sum((wi * xi for wi, xi in zip(self.w, x, strict=True)), self.b)

    n = Neuron()
    assert [name for name, _ in n.named_parameters()] == ["w.0", "w.1", "b"]
    params = list(n.parameters())
    assert params[0] is n.w[0] and params[2] is n.b
    n([2.0, 3.0]).backward()
    assert [p.grad for p in params] == [2.0, 3.0, 1.0]
    n.zero_grad()
    assert [p.grad for p in params] == [0.0, 0.0, 0.0]
    state = n.state_dict()
    assert list(state) == ["w.0", "w.1", "b"] and state["b"].shape == ()
    other = Neuron()
    other.b.data = 9.0
    other.load_state_dict(state)
    assert other.b.data == 0.25
    with pytest.raises(RuntimeError, match=r"'b'.*\(2,\).*\(\)"):
        other.load_state_dict({**state, "b": np.zeros(2)})


# -- grads and modes -----------------------------------------------------------------------------


def test_zero_grad_sets_none_or_zeros():
    net = Net()
    net(autograd.randn(4, 3)).sum().backward()
    assert all(p.grad is not None for p in net.parameters())
    net.zero_grad(set_to_none=False)
    for p in net.parameters():
        assert p.grad is not None and not p.grad.data.any() and p.grad.shape == p.shape
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())


def test_train_and_eval_propagate():
    model = nn.Sequential(nn.Linear(2, 2), nn.Sequential(nn.Dropout(0.5), nn.ReLU()))
    assert all(m.training for m in model.modules())
    assert model.eval() is model
    assert not any(m.training for m in model.modules())
    model[1].train()
    assert model[1][0].training and not model.training
    model.train()
    assert all(m.training for m in model.modules())
    with pytest.raises(ValueError, match="True or False"):
        model.train("no")


def test_apply_visits_children_then_self():
    seen = []
    model = nn.Sequential(nn.Linear(2, 3), nn.Sequential(nn.ReLU()))
    assert model.apply(lambda m: seen.append(type(m).__name__)) is model
    assert seen == ["Linear", "ReLU", "Sequential", "Sequential"]
    model.apply(lambda m: nn.init.zeros_(m.weight) if isinstance(m, nn.Linear) else None)
    assert not model[0].weight.data.any()


def test_requires_grad_freezes_parameters():
    net = Net().requires_grad_(False)
    assert not any(p.requires_grad for p in net.parameters())
    net.fc2.requires_grad_()
    assert [n for n, p in net.named_parameters() if p.requires_grad] == ["fc2.weight", "fc2.bias"]


def test_to_double_and_float_cast_parameters_grads_and_buffers():
    net = Net()
    net.register_buffer("running", autograd.zeros(2))
    net(autograd.randn(2, 3)).sum().backward()
    assert net.double() is net
    assert all(p.dtype == np.float64 and p.grad.dtype == np.float64 for p in net.parameters())
    assert net.running.dtype == np.float64
    x = Tensor(np.random.default_rng(0).standard_normal((2, 3)))
    assert net(x).dtype == np.float64
    net.float()
    assert all(p.dtype == np.float32 for p in net.parameters())
    assert net.to("cpu") is net
    for bad in ("cuda", np.int64, None):
        with pytest.raises(ValueError, match="float32 or float64"):
            net.to(bad)


# -- printing --------------------------------------------------------------------------------------


def test_repr_nests_and_uses_extra_repr():
    class Scaled(nn.Module):
        def __init__(self):
            super().__init__()
            self.factor = 3

        def extra_repr(self):
            return f"factor={self.factor}"

    model = nn.Sequential(nn.Linear(2, 3), nn.Sequential(nn.ReLU(), Scaled()))
    assert repr(model) == (
        "Sequential(\n"
        "  (0): Linear(in_features=2, out_features=3, bias=True)\n"
        "  (1): Sequential(\n"
        "    (0): ReLU()\n"
        "    (1): Scaled(factor=3)\n"
        "  )\n"
        ")"
    )


def test_repr_with_extra_lines_and_children():
    class Both(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(1, 1, bias=False)

        def extra_repr(self):
            return "mode=fast"

    assert repr(Both()) == (
        "Both(\n  mode=fast\n  (fc): Linear(in_features=1, out_features=1, bias=False)\n)"
    )


# -- state_dict ------------------------------------------------------------------------------------


def test_state_dict_names_copies_and_keeps_dtype():
    net = Net().double()
    net.register_buffer("count", autograd.tensor([3.0]))
    net.register_buffer("scratch", autograd.zeros(2), persistent=False)
    state = net.state_dict()
    assert isinstance(state, OrderedDict)
    # each module's parameters, then its buffers, then its children (PyTorch's order)
    assert list(state) == ["scale", "count", "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"]
    assert all(isinstance(v, np.ndarray) for v in state.values())
    assert state["fc1.weight"].dtype == np.float64
    state["fc1.weight"][:] = 123  # a copy: the model is untouched
    assert not (net.fc1.weight.data == 123).any()


def test_state_dict_round_trip_gives_the_same_function():
    a, b = Net(), Net()
    x = autograd.randn(4, 3)
    assert not np.allclose(a(x).data, b(x).data)
    result = b.load_state_dict(a.state_dict())
    assert result.missing_keys == [] and result.unexpected_keys == []
    assert repr(result) == "<All keys matched successfully>"
    np.testing.assert_array_equal(a(x).data, b(x).data)
    assert_same_state(a.state_dict(), b.state_dict())


def test_load_state_dict_writes_in_place_and_casts_to_the_parameter_dtype():
    net = Net()
    weight = net.fc1.weight
    array_before = weight.numpy()
    state = {k: v.astype(np.float64) for k, v in Net().state_dict().items()}
    net.load_state_dict(state)
    assert net.fc1.weight is weight and weight.numpy() is array_before
    assert weight.dtype == np.float32
    np.testing.assert_array_equal(weight.data, state["fc1.weight"].astype(np.float32))
    net.load_state_dict({k: Tensor(v) for k, v in state.items()})  # Tensors work as values too


@pytest.mark.parametrize("problem", ["missing", "unexpected", "shape", "not_numeric"])
def test_a_bad_state_dict_is_named_and_changes_nothing(problem):
    net = Net()
    before = snapshot(net)
    state = {k: v + 1 for k, v in Net().state_dict().items()}  # every entry differs
    if problem == "missing":
        del state["fc2.bias"]
        pattern = r"missing key\(s\).*'fc2\.bias'"
    elif problem == "unexpected":
        state["fc3.weight"] = np.zeros((2, 2))
        pattern = r"unexpected key\(s\).*'fc3\.weight'"
    elif problem == "shape":
        state["fc2.weight"] = np.zeros((2, 5))
        pattern = r"'fc2\.weight'.*\(2, 5\).*\(2, 4\)"
    else:
        state["fc1.bias"] = np.array(["a", "b", "c", "d"])
        pattern = r"'fc1\.bias'.*not a numeric array"
    with pytest.raises(RuntimeError, match=pattern):
        net.load_state_dict(state)
    assert_same_state(before, net.state_dict())


def test_load_state_dict_reports_every_problem_at_once():
    state = Net().state_dict()
    del state["scale"]
    state["extra"] = np.zeros(1)
    state["fc1.bias"] = np.zeros(7)
    with pytest.raises(RuntimeError) as err:
        Net().load_state_dict(state)
    message = str(err.value)
    assert "'scale'" in message and "'extra'" in message and "(7,)" in message


def test_non_strict_loads_what_matches_and_returns_the_rest():
    net, source = Net(), Net()
    state = source.state_dict()
    del state["fc2.bias"]
    state["head.weight"] = np.zeros((1, 1))
    fc2_bias = net.fc2.bias.numpy().copy()
    result = net.load_state_dict(state, strict=False)
    assert result.missing_keys == ["fc2.bias"] and result.unexpected_keys == ["head.weight"]
    missing, unexpected = result
    assert missing == ["fc2.bias"] and unexpected == ["head.weight"]
    np.testing.assert_array_equal(net.fc1.weight.data, source.fc1.weight.data)
    np.testing.assert_array_equal(net.fc2.bias.data, fc2_bias)


def test_non_strict_still_refuses_a_wrong_shape():
    net = Net()
    before = snapshot(net)
    state = Net().state_dict()
    state["fc1.weight"] = np.zeros((3, 3))
    with pytest.raises(RuntimeError, match=r"'fc1\.weight'.*\(3, 3\).*\(4, 3\)"):
        net.load_state_dict(state, strict=False)
    assert_same_state(before, net.state_dict())


def test_load_state_dict_takes_a_torch_state_dict():
    torch = pytest.importorskip("torch")
    theirs = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 2))
    ours = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2)).double()
    ours.load_state_dict(theirs.double().state_dict())
    x = np.random.default_rng(0).standard_normal((5, 3))
    with torch.no_grad():
        expected = theirs(torch.tensor(x)).numpy()
    np.testing.assert_allclose(ours(Tensor(x)).data, expected, rtol=1e-12)


def test_an_unbuilt_dense_layer_is_mentioned_when_loading_fails():
    model = nn.Sequential(nn.Dense(3))
    with pytest.raises(RuntimeError, match=r"(?s)'0\.kernel'.*not built yet.*'0'"):
        model.load_state_dict({"0.kernel": np.zeros((2, 3))})


def test_deepcopy_and_pickle_give_independent_equal_models():
    net = Net()
    for clone in (copy.deepcopy(net), pickle.loads(pickle.dumps(net))):
        assert_same_state(net.state_dict(), clone.state_dict())
        assert [n for n, _ in clone.named_parameters()] == [n for n, _ in net.named_parameters()]
        clone.fc1.weight.data += 1
        assert not np.array_equal(clone.fc1.weight.data, net.fc1.weight.data)


def test_register_buffer_checks_and_buffers_are_not_parameters():
    net = Net()
    net.register_buffer("steps", autograd.zeros(1))
    assert [n for n, _ in net.named_buffers()] == ["steps"]
    assert "steps" not in dict(net.named_parameters())
    net.steps = autograd.ones(1)
    assert net.steps.item() == 1 and list(net.buffers())[0] is net.steps
    with pytest.raises(TypeError, match="buffer 'steps'"):
        net.steps = 3
    with pytest.raises(TypeError, match="Tensor or None"):
        net.register_buffer("bad", [1, 2])


# -- containers -----------------------------------------------------------------------------------


def test_sequential_names_indexes_and_runs_in_order():
    a, relu, b = nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2)
    seq = nn.Sequential(a, relu, b)
    assert [n for n, _ in seq.named_children()] == ["0", "1", "2"]
    assert [n for n, _ in seq.named_parameters()] == ["0.weight", "0.bias", "2.weight", "2.bias"]
    assert len(seq) == 3 and list(seq) == [a, relu, b]
    assert seq[0] is a and seq[-1] is b
    assert isinstance(seq[1:], nn.Sequential) and list(seq[1:]) == [relu, b]
    with pytest.raises(IndexError, match="index 3 is out of range"):
        seq[3]
    x = autograd.randn(5, 3)
    np.testing.assert_array_equal(seq(x).data, b(relu(a(x))).data)


def test_sequential_from_an_ordered_dict_and_append():
    seq = nn.Sequential(OrderedDict([("hidden", nn.Linear(2, 3)), ("act", nn.Tanh())]))
    assert [n for n, _ in seq.named_children()] == ["hidden", "act"]
    assert seq.hidden is seq[0]
    assert seq.append(nn.Linear(3, 1)) is seq
    assert len(seq) == 3 and seq(autograd.randn(4, 2)).shape == (4, 1)
    assert [n for n, _ in seq.named_children()][-1] == "2"


def test_sequential_and_module_list_refuse_non_modules():
    with pytest.raises(TypeError, match="function"):
        nn.Sequential(nn.Linear(2, 2), F.relu)
    with pytest.raises(TypeError, match="int"):
        nn.ModuleList([nn.ReLU(), 3])


def test_module_list_registers_indexes_and_extends():
    layers = nn.ModuleList([nn.Linear(2, 2)])
    layers.append(nn.ReLU()).extend([nn.Linear(2, 3), nn.Linear(3, 1)])
    assert len(layers) == 4
    assert [n for n, _ in layers.named_children()] == ["0", "1", "2", "3"]
    assert len(list(layers.parameters())) == 6
    assert isinstance(layers[-1], nn.Linear) and layers[-1].out_features == 1
    assert isinstance(layers[1:3], nn.ModuleList) and len(layers[1:3]) == 2
    layers[1] = nn.Tanh()
    assert isinstance(list(layers)[1], nn.Tanh)
    layers.insert(0, nn.Identity())
    assert isinstance(layers[0], nn.Identity) and len(layers) == 5
    assert repr(nn.ModuleList([nn.ReLU()])) == "ModuleList(\n  (0): ReLU()\n)"
    with pytest.raises(NotImplementedError):
        layers(autograd.zeros(1, 2))


def test_values_made_by_ops_and_constants_are_not_parameters():
    class Cache(nn.Module):
        def __init__(self):
            super().__init__()
            self.w = Value(2.0)
            self.out = self.w * 3  # a result, kept for a drawing
            self.c = autograd.Constant(1.0)
            self.outs = [self.out, self.w * self.w]

    m = Cache()
    assert [n for n, _ in m.named_parameters()] == ["w"]
    assert m.out.data == 6.0 and len(m.outs) == 2


def test_a_module_shared_under_two_names_is_saved_under_both_as_in_torch():
    shared = nn.Linear(2, 2)
    tied = nn.Sequential(shared, nn.ReLU(), shared)
    assert list(tied.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    assert len(list(tied.parameters())) == 2  # but trained once
    again = nn.Sequential(nn.Linear(2, 2), nn.ReLU())
    again.add_module("2", again[0])
    again.load_state_dict(tied.state_dict())
    np.testing.assert_array_equal(again[0].weight.data, shared.weight.data)
