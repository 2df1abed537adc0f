"""``import nn.torch as torch``: PyTorch's namespace over retrograd (the names, torch.nn,
torch.optim, torch.autograd, torch.utils.data, save/load, devices, legacy spellings), and the
nn pieces PyTorch code expects: ModuleDict, ParameterList, F.one_hot, dropout(p=1)."""

import subprocess
import sys
import warnings

import numpy as np
import pytest

import autograd
import nn
import nn.functional as F
import nn.torch as torch


@pytest.fixture(scope="module")
def real_torch():
    return pytest.importorskip("torch")


def test_it_is_retrogrades_own_module_and_leaves_a_real_torch_alone():
    assert torch.__name__ == "nn.torch"
    code = ("import sys, nn.torch as t; assert 'torch' not in sys.modules, 'torch imported'; "
            "print(t.tensor([1.0]).sum().item())")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "1.0"


def test_the_engine_names():
    assert torch.Tensor is autograd.Tensor and torch.no_grad is autograd.no_grad
    for name in ("tensor", "zeros", "ones", "empty", "full", "eye", "arange", "linspace",
                 "rand", "randn", "randint", "randperm", "normal", "zeros_like", "ones_like",
                 "rand_like", "randn_like", "from_numpy", "as_tensor", "manual_seed",
                 "enable_grad", "set_grad_enabled", "is_grad_enabled", "get_default_dtype",
                 "set_default_dtype", "cat", "stack", "where"):
        assert callable(getattr(torch, name)), name
    assert torch.float32 is torch.float is np.float32 and torch.float64 is torch.double
    assert torch.int64 is torch.long is np.int64 and torch.int32 is torch.int
    assert torch.bool is np.bool_ and torch.zeros(2, dtype=torch.long).dtype == np.int64
    assert torch.get_default_dtype() == torch.float32
    assert torch.pi == pytest.approx(3.141592653589793) and torch.finfo(torch.float32).eps > 0


def test_ops_as_functions_lift_their_first_argument():
    x = torch.tensor([[1.0, -2.0], [3.0, 0.5]])
    assert torch.sum(x).item() == 2.5 and torch.sum(x, dim=1).tolist() == [-1.0, 3.5]
    assert torch.max(x, 1).indices.tolist() == [0, 0] and torch.max(x).item() == 3.0
    assert torch.add(1.0, x).tolist() == [[2.0, -1.0], [4.0, 1.5]]
    assert torch.matmul(input=x, other=x).shape == (2, 2)
    assert torch.sin(x).dtype == np.float32 and torch.square(x).tolist()[0] == [1.0, 4.0]
    assert torch.mm(x, x.t()).shape == (2, 2) and torch.clamp(x, min=0).tolist()[0] == [1.0, 0]
    assert torch.numel(x) == 4 and torch.is_tensor(x) and not torch.is_tensor([1.0])
    assert torch.equal(torch.t(x), x.T) and torch.subtract(x, x).sum().item() == 0


def test_out_writes_into_the_given_tensor():
    x, y = torch.ones(5, 3), torch.full((5, 3), 2.0)
    result = torch.empty(5, 3)
    version = result._version
    assert torch.add(x, y, out=result) is result
    assert result.tolist() == [[3.0] * 3] * 5 and result._version > version
    z = torch.rand_like(x)
    torch.mul(x, y, out=z)
    assert z.tolist() == [[2.0] * 3] * 5
    small = torch.empty(1)
    torch.matmul(x, y.T, out=small)  # resized, as torch does
    assert small.shape == (5, 5) and small[0, 0].item() == 6.0
    ints = torch.zeros(2, dtype=torch.int64)
    torch.add(torch.tensor([1.7, 2.2]), 1, out=ints)  # cast to out's dtype
    assert ints.tolist() == [2, 3] and ints.dtype == np.int64


def test_out_refuses_to_break_the_graph():
    w = torch.ones(2, requires_grad=True)
    out = torch.empty(2)
    with pytest.raises(RuntimeError, match="add\\(\\): functions with out=.*requires grad"):
        torch.add(w, w, out=out)
    assert out.tolist() == [0.0, 0.0]
    with torch.no_grad():
        torch.add(w, w, out=out)
    assert out.tolist() == [2.0, 2.0]
    with pytest.raises(TypeError, match="takes a Tensor as out"):
        torch.add(w, w, out=[0.0, 0.0])


def test_size_is_a_tuple_that_prints_as_torch():
    s = torch.Size([5, 3])
    assert s == (5, 3) and s == torch.zeros(5, 3).size() and repr(s) == "torch.Size([5, 3])"
    assert s.numel() == 15


def test_devices_cuda_and_backends():
    assert torch.device("cpu") == "cpu" and torch.get_default_device() == "cpu"
    assert torch.cuda.is_available() is False and torch.cuda.device_count() == 0
    assert torch.backends.mps.is_available() is False
    assert torch.accelerator.is_available() is False
    assert torch.accelerator.current_accelerator() is None
    torch.cuda.manual_seed_all(0)
    torch.backends.cudnn.deterministic = True
    torch.set_default_device("cpu")
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    assert torch.ones(2, device=device).to(device).device == device
    with pytest.raises(RuntimeError, match="retrograd computes on the CPU"):
        torch.set_default_device("cuda")
    with pytest.raises(RuntimeError, match="retrograd computes on the CPU"):
        torch.device("cuda:0")
    with pytest.raises(RuntimeError, match="retrograd computes on the CPU"):
        torch.ones(2).cuda()


def test_torch_nn_optim_and_lr_scheduler_are_ours():
    assert torch.nn is nn and torch.nn.functional is F and torch.nn.Linear is nn.Linear
    assert torch.optim is nn.optim and torch.optim.SGD is nn.optim.SGD
    assert torch.optim.lr_scheduler.StepLR is nn.lr_scheduler.StepLR
    assert torch.nn.init.zeros_ is nn.init.zeros_
    assert torch.nn.utils.clip_grad_norm_ is nn.utils.clip_grad_norm_


def test_torch_utils_data_is_nn_data():
    data = torch.utils.data
    assert data.DataLoader is nn.data.DataLoader and data.TensorDataset is nn.data.TensorDataset
    loader = data.DataLoader(data.TensorDataset(torch.arange(6.0), torch.arange(6)),
                             batch_size=4)
    assert [len(y) for _, y in loader] == [4, 2]
    with pytest.raises(AttributeError, match="torch.utils has no 'tensorboard'"):
        torch.utils.tensorboard  # noqa: B018


@pytest.mark.filterwarnings("ignore:invalid value encountered in sqrt:RuntimeWarning")
def test_torch_autograd():
    class Square(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return 2 * x * grad

    x = torch.tensor([3.0], requires_grad=True)
    (g,) = torch.autograd.grad(Square.apply(x).sum(), x)
    assert g.tolist() == [6.0]
    y = torch.tensor([1.0, 2.0], requires_grad=True)
    torch.autograd.backward([(y * y).sum(), y.sum()])
    assert y.grad.tolist() == [3.0, 5.0]
    w = torch.tensor([-1.0], requires_grad=True)
    with torch.autograd.set_detect_anomaly(True), pytest.raises(autograd.AnomalyError):
        w.sqrt()  # a nan made in the forward pass
    assert np.isnan(w.sqrt().item())  # off again: a nan, no error
    torch.autograd.set_detect_anomaly(True)  # as a statement: on from now on
    try:
        with pytest.raises(autograd.AnomalyError):
            w.sqrt()
    finally:
        torch.autograd.set_detect_anomaly(False)
    assert np.isnan(w.sqrt().item())


def test_variable_is_a_legacy_tensor_factory():
    data = torch.ones(2, 2)
    v = torch.autograd.Variable(data, requires_grad=True)
    assert isinstance(v, torch.Tensor) and v.requires_grad and not data.requires_grad
    assert np.shares_memory(v.numpy(), data.numpy())
    assert not torch.Variable(data).requires_grad
    assert torch.Variable([1.0, 2.0]).tolist() == [1.0, 2.0]
    with pytest.warns(UserWarning, match="torch.no_grad"):
        torch.autograd.Variable(data, volatile=True)
    assert torch.FloatTensor([0.1, 1.0]).dtype == np.float32
    assert torch.FloatTensor(2, 3).shape == (2, 3) and torch.LongTensor([1]).dtype == np.int64
    with pytest.raises(TypeError, match="FloatTensor takes data"):
        torch.FloatTensor([1.0], [2.0])
    loss = torch.tensor([1.0, 2.0]).sum()
    with pytest.raises(IndexError, match=r"0-d tensor: use tensor.item\(\)"):
        loss.data[0]  # noqa: B018  (PyTorch 0.3's spelling of loss.item())


def test_save_and_load_a_state_dict(tmp_path):
    model = torch.nn.Linear(3, 2)
    path = tmp_path / "model.pt"
    torch.save(model.state_dict(), path)
    state = torch.load(path, map_location="cpu", weights_only=True)
    assert isinstance(state["weight"], torch.Tensor)
    other = torch.nn.Linear(3, 2)
    other.load_state_dict(state)
    np.testing.assert_array_equal(other.weight.numpy(), model.weight.numpy())
    torch.save({"step": 3, "losses": [torch.tensor(1.5)]}, tmp_path / "x.pt")
    loaded = torch.load(tmp_path / "x.pt")
    assert loaded["step"] == 3 and loaded["losses"][0].item() == 1.5
    with pytest.raises(TypeError, match="state dict"):
        torch.save(model, tmp_path / "whole.pt")
    with pytest.raises(RuntimeError, match="retrograd computes on the CPU"):
        torch.load(path, map_location="cuda")


def test_the_namespace_matches_torch_where_it_overlaps(real_torch):
    x = [[1.0, -2.0, 3.0], [0.5, 4.0, -1.0]]
    ours, theirs = torch.tensor(x), real_torch.tensor(x)
    for name in ("sum", "mean", "abs", "exp", "sin", "cos", "floor", "sign", "t", "norm",
                 "argmax", "prod", "amax", "relu", "sigmoid", "tanh", "clone"):
        np.testing.assert_allclose(getattr(torch, name)(ours).numpy(),
                                   getattr(real_torch, name)(theirs).numpy(), rtol=1e-6,
                                   err_msg=name)
    assert torch.max(ours, 1).indices.tolist() == real_torch.max(theirs, 1).indices.tolist()
    np.testing.assert_allclose(torch.linalg.norm(ours).item(),
                               real_torch.linalg.norm(theirs).item(), rtol=1e-6)
    np.testing.assert_allclose(torch.linalg.vector_norm(ours, 1, dim=1).numpy(),
                               real_torch.linalg.vector_norm(theirs, 1, dim=1).numpy())
    np.testing.assert_allclose(torch.linalg.norm(ours, "fro").item(),
                               real_torch.linalg.norm(theirs, "fro").item(), rtol=1e-6)
    with pytest.raises(ValueError, match="ord='nuc' is not supported"):
        torch.linalg.norm(ours, "nuc")


# -- ModuleDict and ParameterList ----------------------------------------------------------------


def _blocks(lib):
    class Net(lib.nn.Module):
        def __init__(self):
            super().__init__()
            self.blocks = lib.nn.ModuleDict({"encoder": lib.nn.Linear(3, 4),
                                             "head": lib.nn.Linear(4, 1)})
            self.layers = lib.nn.ParameterList([lib.nn.Parameter(lib.ones(2)),
                                                lib.nn.Parameter(lib.zeros(3))])

        def forward(self, x):
            return self.blocks["head"](self.blocks["encoder"](x)) + self.layers[0].sum()

    return Net()


def test_container_names_are_torchs(real_torch):
    ours, theirs = _blocks(torch), _blocks(real_torch)
    names = [n for n, _ in ours.named_parameters()]
    assert names == [n for n, _ in theirs.named_parameters()]
    assert names == ["blocks.encoder.weight", "blocks.encoder.bias", "blocks.head.weight",
                     "blocks.head.bias", "layers.0", "layers.1"]
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert ours(torch.ones(5, 3)).shape == (5, 1)


def test_module_dict_behaves_as_a_dict():
    d = nn.ModuleDict({"a": nn.Linear(1, 1)})
    d["b"] = nn.ReLU()
    d.update([("c", nn.Tanh())])
    assert list(d) == ["a", "b", "c"] and len(d) == 3 and "b" in d
    assert list(d.keys()) == ["a", "b", "c"] and isinstance(d.pop("b"), nn.ReLU)
    assert [k for k, _ in d.items()] == ["a", "c"] and len(list(d.values())) == 2
    assert len(list(d.parameters())) == 2
    with pytest.raises(KeyError, match="no module 'zz'"):
        d["zz"]  # noqa: B018
    with pytest.raises(TypeError, match="takes Modules"):
        d["x"] = 3
    with pytest.raises(KeyError, match="\\."):  # checked before anything is added
        d.update({"ok": nn.ReLU(), "bad.name": nn.ReLU()})
    assert list(d) == ["a", "c"]
    d.clear()
    assert len(d) == 0


def test_parameter_list_behaves_as_a_list():
    p = nn.ParameterList([autograd.ones(2)])  # a Tensor becomes a Parameter, as in torch
    assert isinstance(p[0], nn.Parameter) and p[0].requires_grad
    p.append(nn.Parameter(autograd.zeros(3)))
    p.extend([autograd.ones(1)])
    assert len(p) == 3 and [q.shape for q in p] == [(2,), (3,), (1,)]
    assert p[-1].shape == (1,) and len(p[1:]) == 2
    p[0] = nn.Parameter(autograd.full((2,), 5.0))
    assert p[0].tolist() == [5.0, 5.0] and [n for n, _ in p.named_parameters()] == ["0", "1", "2"]
    with pytest.raises(IndexError, match="out of range"):
        p[3]  # noqa: B018
    with pytest.raises(TypeError, match="Parameters or Tensors, got str"):
        p.append("w")
    with pytest.raises(TypeError, match="Parameters or Tensors"):
        p.extend([autograd.ones(1), "w"])
    assert len(p) == 3
    assert "Parameter containing" in repr(p)


# -- one_hot and dropout --------------------------------------------------------------------------


def test_one_hot_matches_torch(real_torch):
    labels = [[0, 2], [1, 1]]
    ours = F.one_hot(autograd.tensor(labels))
    theirs = real_torch.nn.functional.one_hot(real_torch.tensor(labels))
    assert ours.dtype == np.int64 and ours.tolist() == theirs.tolist()
    ours5 = F.one_hot(autograd.tensor([3, 0]), num_classes=5)
    assert ours5.tolist() == real_torch.nn.functional.one_hot(real_torch.tensor([3, 0]),
                                                              5).tolist()


@pytest.mark.parametrize("labels, classes, error, match", [
    ([0.0, 1.0], -1, TypeError, "class indices"),
    ([0, 3], 3, ValueError, r"\[0, 3\), got values from 0 to 3"),
    ([-1, 0], -1, ValueError, "got values from -1"),
    ([0], 0, ValueError, "positive integer or -1, got 0"),
    (np.zeros(0, dtype=np.int64), -1, ValueError, "cannot be inferred"),
])
def test_one_hot_refuses_bad_input(labels, classes, error, match):
    with pytest.raises(error, match=match):
        F.one_hot(autograd.tensor(labels), classes)


def test_dropout_of_one_gives_zeros_and_bad_p_raises():
    x = autograd.ones(3, 4, requires_grad=True)
    out = F.dropout(x, p=1.0)
    assert out.tolist() == [[0.0] * 4] * 3
    out.sum().backward()
    assert x.grad.tolist() == [[0.0] * 4] * 3
    assert nn.Dropout(1.0)(autograd.ones(2)).tolist() == [0.0, 0.0]
    assert F.dropout(x, p=1.0, training=False) is x
    for p in (-0.1, 1.5, True, "0.5"):
        with pytest.raises(ValueError, match="in \\[0, 1\\]"):
            F.dropout(x, p=p)
        with pytest.raises(ValueError, match="in \\[0, 1\\]"):
            nn.Dropout(p)


def test_dropout_of_one_matches_torch(real_torch):
    theirs = real_torch.nn.functional.dropout(real_torch.ones(2, 3), p=1.0)
    ours = F.dropout(autograd.ones(2, 3), p=1.0)
    assert ours.tolist() == theirs.tolist()


def test_no_warnings_on_import():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        done = subprocess.run([sys.executable, "-W", "error", "-c", "import nn.torch"],
                              capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
