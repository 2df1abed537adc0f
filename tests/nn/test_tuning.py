"""nn.tuning: the learning-rate range test leaves model, optimizer and generator as it found
them (bit for bit), stops on divergence and suggests a sane rate; grid_search runs lesson
002's learning-rate sweep, ranks the candidates, and gives the same results in parallel."""

import math
import sys

import numpy as np
import pytest

import autograd
import nn
from autograd import Tensor
from nn.tuning import GridSearchResult, LRFinderResult, grid_search, lr_find

RNG = np.random.default_rng(7)
X = RNG.normal(size=(120, 4)).astype(np.float32)
W = np.array([1.5, -2.0, 0.5, 1.0])
Y_REG = (X @ W + 0.1 * RNG.normal(size=120)).astype(np.float32)
Y_CLS = (X @ W > 0).astype(np.int64)


class Counter(nn.Module):
    """Passes its input through and counts the calls in a buffer (something lr_find must put
    back that is not a parameter)."""

    def __init__(self):
        super().__init__()
        self.register_buffer("calls", Tensor(np.zeros(1, np.float32)))

    def forward(self, x):
        self.calls.numpy()[0] += 1
        return x


def classifier():
    return nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Dropout(0.2), Counter(),
                         nn.Linear(16, 2))


def regressor(lr=0.01):
    model = nn.Sequential(nn.Dense(8, activation="relu", input_shape=[4]), nn.Dense(1))
    model.compile(optimizer=nn.optim.SGD(model.parameters(), lr=lr), loss="mse")
    return model


def snapshot(model, optimizer):
    return {
        "state": {k: v.copy() for k, v in model.state_dict().items()},
        "grads": [None if p.grad is None else p.grad.numpy().copy() for p in model.parameters()],
        "modes": [m.training for m in model.modules()],
        "groups": [{k: v for k, v in g.items() if k != "params"} for g in optimizer.param_groups],
        "opt": {id(p): {k: np.array(v, copy=True) for k, v in s.items()}
                for p, s in optimizer.state.items()},
    }


def assert_same(before, after):
    assert before["state"].keys() == after["state"].keys()
    for key, value in before["state"].items():
        assert value.dtype == after["state"][key].dtype
        assert value.tobytes() == after["state"][key].tobytes(), key  # bit for bit
    for g0, g1 in zip(before["grads"], after["grads"], strict=True):
        assert (g0 is None and g1 is None) or g0.tobytes() == g1.tobytes()
    assert before["modes"] == after["modes"]
    assert before["groups"] == after["groups"]
    assert before["opt"].keys() == after["opt"].keys()
    for pid, entry in before["opt"].items():
        for key, value in entry.items():
            assert value.tobytes() == after["opt"][pid][key].tobytes()


# -- lr_find ---------------------------------------------------------------------------------------

def test_lr_find_leaves_model_optimizer_and_generator_as_found():
    model = classifier()
    optimizer = nn.optim.Adam(model.parameters(), lr=3e-3)
    loss = nn.CrossEntropyLoss()
    for _ in range(2):  # Adam has state (moments, step counts) worth losing
        optimizer.zero_grad()
        loss(model(Tensor(X)), Tensor(Y_CLS)).backward()
        optimizer.step()
    model[2].eval()  # a mix of modes, each to be kept
    before = snapshot(model, optimizer)
    assert before["opt"] and before["grads"][0] is not None
    generator = autograd.default_generator()
    position = generator.bit_generator.state

    seen = []

    def watched(pred, target):  # what the weights and the buffer were at each step
        seen.append((model[0].weight.numpy().copy(), model[3].calls.numpy().copy()))
        return loss(pred, target)

    result = lr_find(model, X, Y_CLS, loss=watched, optimizer=optimizer, num_iter=40, seed=1)

    assert len(result.lrs) > 10
    assert not np.array_equal(seen[-1][0], before["state"]["0.weight"])  # it did train ...
    assert seen[-1][1] > before["state"]["3.calls"]
    assert_same(before, snapshot(model, optimizer))  # ... and all of it is undone
    assert optimizer.param_groups[0]["lr"] == 3e-3
    assert generator.bit_generator.state == position  # Dropout drew from it, and it is back


def test_lr_find_puts_everything_back_when_a_step_raises():
    model = classifier()
    optimizer = nn.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    before = snapshot(model, optimizer)
    calls = []

    def failing_loss(pred, target):
        calls.append(1)
        if len(calls) == 5:
            raise RuntimeError("boom")
        return nn.functional.cross_entropy(pred, target)

    with pytest.raises(RuntimeError, match="boom"):
        lr_find(model, X, Y_CLS, loss=failing_loss, optimizer=optimizer)
    assert_same(before, snapshot(model, optimizer))


def test_lr_find_schedule_smoothing_and_divergence_stop():
    model = regressor()
    result = lr_find(model, X, Y_REG, start_lr=1e-4, end_lr=100.0, num_iter=60, batch_size=16,
                     smooth=0.1, diverge_factor=3.0, seed=0)
    lrs, s, raw = map(np.asarray, (result.lrs, result.losses, result.raw_losses))
    # lr_i = start * (end / start)^(i / (num_iter - 1))
    np.testing.assert_allclose(lrs, 1e-4 * 1e6 ** (np.arange(len(lrs)) / 59), rtol=1e-12)
    # the bias-corrected moving average of the raw losses, as documented
    avg, expected = 0.0, []
    for i, value in enumerate(raw):
        avg = 0.9 * avg + 0.1 * value
        expected.append(avg / (1 - 0.9 ** (i + 1)))
    finite = np.isfinite(raw)
    np.testing.assert_allclose(s[finite], np.asarray(expected)[finite], rtol=1e-9)
    # plain SGD at rates up to 100 blows up: the test stops at the first step past 3 x best
    assert result.diverged and len(lrs) < 60
    assert not math.isfinite(s[-1]) or s[-1] > 3.0 * np.min(s[:-1])
    assert all(s[i] <= 3.0 * np.min(s[:i + 1]) for i in range(len(s) - 1))


def test_lr_find_suggests_a_sane_rate_on_a_real_problem():
    pytest.importorskip("sklearn")
    from nn.datasets import load_iris

    x, y = load_iris(return_X_y=True)
    x = ((x - x.mean(0)) / x.std(0)).astype(np.float32)
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 9), nn.ReLU(),
                          nn.Linear(9, 3))  # lesson 001's network
    model.compile(optimizer="adam", loss=nn.CrossEntropyLoss())
    result = lr_find(model, x, y, batch_size=16, seed=0)  # compiled optimizer and loss
    assert isinstance(result, LRFinderResult) and result.method == "steepest"
    assert 1e-3 <= result.suggestion < result.min_loss_lr <= 10
    # the loss there falls: lower than where the test started
    i = result.lrs.index(result.suggestion)
    assert result.losses[i] < result.losses[0]
    assert model.optimizer.param_groups[0]["lr"] == 1e-3  # Adam's default, put back
    assert "suggested learning rate" in str(result)


def test_lr_find_takes_batches_and_builds_a_lazy_model():
    model = nn.Sequential(nn.Dense(8, activation="relu"), nn.Dense(1))  # no input_shape
    batches = [(X[i:i + 20], Y_REG[i:i + 20]) for i in range(0, 120, 20)]
    result = lr_find(model, batches, loss="mse", optimizer="sgd", num_iter=15)
    assert len(result.lrs) == 15  # the list is cycled
    assert model[0].built and model[0].kernel.shape == (4, 8)
    one_shot = lr_find(model, iter(batches), loss="mse", optimizer="sgd", num_iter=15)
    assert len(one_shot.lrs) == 6  # a generator is read once


def test_lr_find_on_a_shuffling_dataloader_puts_the_generator_back():
    from nn.data import DataLoader, TensorDataset

    loader = DataLoader(TensorDataset(Tensor(X), Tensor(Y_REG)), batch_size=16, shuffle=True)
    model = regressor()
    generator = autograd.default_generator()
    position = generator.bit_generator.state
    result = lr_find(model, loader, num_iter=20, end_lr=1.0)
    assert len(result.lrs) == 20  # 8 batches a pass, reshuffled by the loader each pass
    assert generator.bit_generator.state == position


def test_lr_find_checks_its_arguments_before_touching_anything():
    model = regressor()
    before = snapshot(model, model.optimizer)
    cases = [
        (dict(start_lr=1.0, end_lr=0.1), "end_lr"),
        (dict(start_lr=-1.0), "start_lr"),
        (dict(num_iter=1), "num_iter"),
        (dict(smooth=0.0), "smooth"),
        (dict(diverge_factor=1.0), "diverge_factor"),
        (dict(batch_size=0), "batch_size"),
        (dict(optimizer="adamax"), "unknown optimizer"),
        (dict(optimizer=nn.optim.SGD(regressor().parameters(), lr=0.1)), "not the model's"),
    ]
    for kwargs, message in cases:
        with pytest.raises(ValueError, match=message):
            lr_find(model, X, Y_REG, **kwargs)
    with pytest.raises(ValueError, match="x has 120 rows but y has 3"):
        lr_find(model, X, Y_REG[:3])
    with pytest.raises(ValueError, match="give targets y"):
        lr_find(model, X)
    with pytest.raises(ValueError, match="needs a loss"):
        lr_find(nn.Linear(4, 1), X, Y_REG, optimizer="sgd")
    with pytest.raises(ValueError, match="needs an optimizer"):
        lr_find(nn.Linear(4, 1), X, Y_REG, loss="mse")
    assert_same(before, snapshot(model, model.optimizer))


def test_lr_find_result_plots():
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    result = lr_find(regressor(), X, Y_REG, num_iter=30, seed=0)
    fig = result.plot()
    labels = [line.get_label() for line in fig.axes[0].get_lines()]
    assert "smoothed loss" in labels and f"suggested rate {result.suggestion:.2e}" in labels
    plt.close(fig)


# -- grid_search -----------------------------------------------------------------------------------

SPLIT = dict(validation_split=0.25, epochs=4, batch_size=16)


def test_lesson_002_sweep_keeps_the_rate_with_the_lowest_validation_cost():
    result = grid_search(regressor, {"lr": [0.1, 0.01, 0.001]}, X, Y_REG, **SPLIT)
    assert isinstance(result, GridSearchResult) and len(result) == 3
    costs = {}
    for lr in (0.1, 0.01, 0.001):  # each candidate trained by hand, seeded the same way
        autograd.manual_seed(0)
        history = regressor(lr).fit(X, Y_REG, verbose=0, **SPLIT)
        costs[lr] = min(history.history["val_loss"])
    ranked = sorted(costs, key=costs.get)
    assert [row.params["lr"] for row in result] == ranked
    assert result.best_params == {"lr": ranked[0]}
    for row in result:
        assert row.score == costs[row.params["lr"]]
        assert row.history["val_loss"][row.best_epoch - 1] == row.score
        assert row.final["val_loss"] == row.history["val_loss"][-1]
    lines = str(result).splitlines()
    assert lines[0].split() == ["rank", "lr", "best", "val_loss", "epoch", "final", "loss",
                                "final", "val_loss"]
    assert [line.split()[1] for line in lines[2:]] == [str(lr) for lr in ranked]


def test_grid_search_mode_max_seeds_and_generator():
    generator = autograd.default_generator()
    position = generator.bit_generator.state
    grid = [{"lr": [0.01]}, {"lr": [0.01, 0.001]}]  # a list of grids; 0.01 twice
    low = grid_search(regressor, grid, X, Y_REG, monitor="loss", **SPLIT)
    high = grid_search(regressor, grid, X, Y_REG, monitor="loss", mode="max", **SPLIT)
    assert [r.score for r in low] == sorted(min(r.history["loss"]) for r in low)
    assert [r.score for r in high] == sorted((max(r.history["loss"]) for r in high),
                                             reverse=True)
    twins = [r for r in low if r.params == {"lr": 0.01}]
    assert len(twins) == 2 and twins[0].history == twins[1].history  # the same seed, the same run
    assert generator.bit_generator.state == position


def test_grid_search_to_dataframe_and_progress(capsys):
    pytest.importorskip("pandas")
    result = grid_search(regressor, {"lr": [0.05, 0.01]}, X, Y_REG, verbose=1, **SPLIT)
    printed = capsys.readouterr().out.splitlines()
    assert [line.split(":")[0] for line in printed] == ["[1/2] lr=0.05", "[2/2] lr=0.01"]
    frame = result.to_dataframe()
    assert list(frame.columns) == ["lr", "best_val_loss", "best_epoch", "final_loss",
                                   "final_val_loss"]
    assert list(frame["lr"]) == [row.params["lr"] for row in result]
    assert list(frame["best_val_loss"]) == [row.score for row in result]


def test_grid_search_in_parallel_equals_serial():
    pytest.importorskip("joblib")
    grid = {"lr": [0.05, 0.01, 0.002]}
    serial = grid_search(regressor, grid, X, Y_REG, **SPLIT)
    parallel = grid_search(regressor, grid, X, Y_REG, n_jobs=2, **SPLIT)
    assert [r.params for r in parallel] == [r.params for r in serial]
    assert [r.history for r in parallel] == [r.history for r in serial]


def test_grid_search_without_joblib_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "joblib", None)
    with pytest.raises(ImportError, match=r"retrograd\[tuning\]"):
        grid_search(regressor, {"lr": [0.1]}, X, Y_REG, n_jobs=2, **SPLIT)
    assert len(grid_search(regressor, {"lr": [0.1]}, X, Y_REG, **SPLIT)) == 1  # serial works


def test_grid_search_checks_before_training():
    built = []

    def build(lr):
        built.append(lr)
        return regressor(lr)

    with pytest.raises(ValueError, match="needs validation data"):
        grid_search(build, {"lr": [0.1]}, X, Y_REG, epochs=2)
    with pytest.raises(ValueError, match="non-empty list"):
        grid_search(build, {"lr": []}, X, Y_REG, **SPLIT)
    with pytest.raises(ValueError, match="non-empty list"):
        grid_search(build, {"lr": 0.1}, X, Y_REG, **SPLIT)
    with pytest.raises(ValueError, match="mode"):
        grid_search(build, {"lr": [0.1]}, X, Y_REG, mode="best", **SPLIT)
    with pytest.raises(ValueError, match="n_jobs"):
        grid_search(build, {"lr": [0.1]}, X, Y_REG, n_jobs=0, **SPLIT)
    assert built == []
    with pytest.raises(ValueError, match=r"monitor 'val_f1' was not logged.*'val_loss'"):
        grid_search(build, {"lr": [0.1]}, X, Y_REG, monitor="val_f1", **SPLIT)
