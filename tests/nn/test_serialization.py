"""nn.save / nn.load: round trips, atomic writes, and refusing anything that needs a pickle."""

import json
import os
import pickle
from collections import OrderedDict

import numpy as np
import pytest

import nn
from nn.serialization import CheckpointError


def _state():
    return {
        "model": OrderedDict(
            [("fc1.weight", np.arange(6, dtype=np.float32).reshape(2, 3)),
             ("fc1.bias", np.array([0.5, -1.0]))]
        ),
        "optimizer": {
            "state": {0: {"step": 3, "exp_avg": np.linspace(0, 1, 3)}},
            "param_groups": [{"lr": 0.1, "betas": (0.9, 0.999), "eps": 1e-8, "params": [0],
                              "amsgrad": False, "name": "all", "maximize": None,
                              "max_lr": float("inf")}],
        },
    }


def _assert_same(a, b):
    assert type(a) is type(b)
    if isinstance(a, dict):
        assert list(a) == list(b)
        for k in a:
            _assert_same(a[k], b[k])
    elif isinstance(a, list | tuple):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            _assert_same(x, y)
    elif isinstance(a, np.ndarray):
        assert a.dtype == b.dtype and a.shape == b.shape
        np.testing.assert_array_equal(a, b)
    else:
        assert a == b


def test_round_trip_keeps_structure_types_and_dtypes(tmp_path):
    path = tmp_path / "ckpt.npz"
    nn.save(_state(), path)
    _assert_same(_state(), nn.load(path))


def test_file_holds_a_version_tag_and_parameter_names(tmp_path):
    path = tmp_path / "ckpt.npz"
    nn.save(_state(), path)
    with np.load(path, allow_pickle=False) as npz:
        assert {"0:model/fc1.weight", "1:model/fc1.bias"} <= set(npz.files)
        manifest = json.loads(str(npz["__retrograd__"]))
    assert manifest["format"] == "retrograd-state" and manifest["version"] == 1


def test_a_model_state_dict_round_trips_into_a_fresh_model(tmp_path):
    import autograd

    autograd.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    nn.save(model.state_dict(), tmp_path / "m.npz")
    autograd.manual_seed(1)
    fresh = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    fresh.load_state_dict(nn.load(tmp_path / "m.npz"))
    for (name, p), (_, q) in zip(model.named_parameters(), fresh.named_parameters()):
        np.testing.assert_array_equal(p.data, q.data, err_msg=name)


def test_saving_a_module_itself_is_refused_with_a_hint(tmp_path):
    with pytest.raises(TypeError, match="state_dict"):
        nn.save(nn.Linear(2, 2), tmp_path / "m.npz")
    assert not os.listdir(tmp_path)


def test_unsaveable_values_raise_naming_them_and_write_nothing(tmp_path):
    with pytest.raises(TypeError, match="opt/hook"):
        nn.save({"opt": {"hook": print}}, tmp_path / "x.npz")
    with pytest.raises(TypeError, match="keys must be"):
        nn.save({("a", 1): np.zeros(1)}, tmp_path / "x.npz")
    assert not os.listdir(tmp_path)


def test_a_failed_write_leaves_the_previous_checkpoint_whole(tmp_path, monkeypatch):
    path = tmp_path / "ckpt.npz"
    nn.save(_state(), path)
    before = path.read_bytes()

    def crash(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(np, "savez", crash)
    with pytest.raises(OSError, match="disk full"):
        nn.save({"other": np.ones(10)}, path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["ckpt.npz"]  # no temporary file left behind


def test_a_pickle_file_is_refused(tmp_path):
    path = tmp_path / "model.pt"
    with open(path, "wb") as f:
        pickle.dump({"weight": np.ones(3)}, f)
    with pytest.raises(CheckpointError, match="pickle"):
        nn.load(path)


def test_an_object_array_inside_a_checkpoint_is_refused(tmp_path):
    path = tmp_path / "evil.npz"
    manifest = json.dumps({"format": "retrograd-state", "version": 1,
                           "tree": {"t": "array", "key": "a"}})
    np.savez(path, a=np.array([{"x": 1}], dtype=object), __retrograd__=np.array(manifest))
    with pytest.raises(CheckpointError, match="pickle"):
        nn.load(path)


def test_other_files_are_named_as_not_checkpoints(tmp_path):
    np.savez(tmp_path / "plain.npz", w=np.ones(2))
    with pytest.raises(CheckpointError, match="not a retrograd checkpoint"):
        nn.load(tmp_path / "plain.npz")
    (tmp_path / "text.npz").write_text("hello")
    with pytest.raises(CheckpointError, match="text.npz"):
        nn.load(tmp_path / "text.npz")


def test_a_newer_format_version_is_refused(tmp_path):
    path = tmp_path / "future.npz"
    manifest = json.dumps({"format": "retrograd-state", "version": 99, "tree": {"t": "none"}})
    np.savez(path, __retrograd__=np.array(manifest))
    with pytest.raises(CheckpointError, match="newer"):
        nn.load(path)


def test_the_file_gets_ordinary_permissions(tmp_path):
    path = tmp_path / "ckpt.npz"
    nn.save(_state(), path)
    umask = os.umask(0)
    os.umask(umask)
    assert os.stat(path).st_mode & 0o777 == 0o666 & ~umask


def test_names_that_look_alike_or_clash_with_numpy_s_own_never_collide(tmp_path):
    path = tmp_path / "odd.npz"
    odd = {"a/b": np.ones(1), "a": {"b": np.zeros(2)}, 0: np.full(1, 3.0), "0": np.full(1, 4.0),
           "file": np.ones(2), "allow_pickle": np.ones(3), "__retrograd__": np.ones(4)}
    nn.save(odd, path)
    _assert_same(odd, nn.load(path))


def test_a_damaged_manifest_is_a_checkpoint_error(tmp_path):
    path = tmp_path / "damaged.npz"
    manifest = json.dumps({"format": "retrograd-state", "version": 1,
                           "tree": {"t": "array", "key": "missing"}})
    np.savez(path, __retrograd__=np.array(manifest))
    with pytest.raises(CheckpointError, match="damaged"):
        nn.load(path)


def test_saving_into_a_missing_folder_names_it(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope"):
        nn.save({"w": np.ones(1)}, tmp_path / "nope" / "ckpt.npz")
