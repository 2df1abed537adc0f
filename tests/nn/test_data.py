"""nn.data's batches and splits: the lessons' epoch / batch / step arithmetic, torch's
DataLoader structure, seeded shuffling, random_split and scikit-learn-style splits."""

import math
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd
from nn.data import (
    DataLoader,
    Dataset,
    Subset,
    TensorDataset,
    default_collate,
    random_split,
    train_test_split,
    train_val_test_split,
)


def rows(n, features=3):
    """n distinct rows: row i holds i, i + 0.25, i + 0.5, ... so any row names its index."""
    return (np.arange(n)[:, None] + 0.25 * np.arange(features)).astype(np.float32)


def batch_sizes(loader):
    return [len(b[0]) for b in loader]


# --- the lessons' arithmetic ------------------------------------------------------------


@pytest.mark.parametrize("n, batch_size, steps", [
    (35_000, 50, 700),   # lesson 001: 35,000 rows in batches of 50 -> 700 steps per epoch
    (6_400, 64, 100),    # lesson 002: 6,400 rows, batch 64 -> 100 iterations
    (200, 5, 40),        # lesson 001: 200 rows, batch 5 -> 40 batches
    (1_000, 64, 16),     # lesson 003: 15 batches of 64 and one of 40
])
def test_steps_per_epoch_are_the_lessons(n, batch_size, steps):
    loader = DataLoader(TensorDataset(np.zeros((n, 1), np.float32)), batch_size=batch_size)
    assert len(loader) == steps == math.ceil(n / batch_size)
    sizes = batch_sizes(loader)
    assert len(sizes) == steps and sum(sizes) == n


def test_lesson_003_fifteen_full_batches_and_one_of_forty():
    loader = DataLoader(TensorDataset(rows(1_000)), batch_size=64, shuffle=True)
    assert batch_sizes(loader) == [64] * 15 + [40]
    dropped = DataLoader(TensorDataset(rows(1_000)), batch_size=64, drop_last=True)
    assert len(dropped) == 15 and batch_sizes(dropped) == [64] * 15


def test_lesson_001_forty_thousand_updates_in_a_thousand_epochs():
    loader = DataLoader(TensorDataset(rows(200, 1)), batch_size=5, shuffle=True)
    updates = 0
    for _ in range(1_000):
        for (xb,) in loader:
            updates += 1
            assert xb.shape == (5, 1)
    assert updates == 40_000 == len(loader) * 1_000


# --- batches --------------------------------------------------------------------------


def test_batches_in_order_are_tensors_with_the_short_batch_last():
    X, y = rows(10), np.arange(10)
    batches = list(DataLoader(TensorDataset(X, y), batch_size=4))
    assert [len(b[1]) for b in batches] == [4, 4, 2]
    for k, (xb, yb) in enumerate(batches):
        assert isinstance(xb, autograd.Tensor) and isinstance(yb, autograd.Tensor)
        assert xb.dtype == np.float32 and yb.dtype == np.int64
        np.testing.assert_array_equal(xb.numpy(), X[4 * k:4 * k + 4])
        np.testing.assert_array_equal(yb.numpy(), y[4 * k:4 * k + 4])
        assert xb.grad_fn is None and not xb.requires_grad


def test_batch_structure_matches_torch_dataloader():
    torch = pytest.importorskip("torch")
    from torch.utils.data import DataLoader as TorchLoader
    from torch.utils.data import TensorDataset as TorchTensorDataset

    X, y = rows(11), np.arange(11)
    ours = list(DataLoader(TensorDataset(X, y), batch_size=3))
    theirs = list(TorchLoader(TorchTensorDataset(torch.tensor(X), torch.tensor(y)),
                              batch_size=3))
    assert len(ours) == len(theirs) == 4
    for a, b in zip(ours, theirs, strict=True):
        assert len(a) == len(b) == 2
        for t, u in zip(a, b, strict=True):
            assert t.shape == tuple(u.shape)
            np.testing.assert_array_equal(t.numpy(), u.numpy())
    samples = [(X[i], int(y[i]), float(i) / 2) for i in range(5)]
    ours = list(DataLoader(samples, batch_size=2))
    theirs = list(TorchLoader(samples, batch_size=2))
    assert len(ours) == len(theirs) == 3
    for a, b in zip(ours, theirs, strict=True):
        assert len(a) == len(b) == 3
        for t, u in zip(a, b, strict=True):
            assert t.shape == tuple(u.shape)
            assert str(t.dtype) == str(u.dtype).removeprefix("torch.")
            np.testing.assert_array_equal(t.numpy(), u.numpy())


def test_a_dataset_subclass_is_collated_sample_by_sample():
    class Squares(Dataset):
        def __len__(self):
            return 7

        def __getitem__(self, i):
            return {"x": np.full(2, i, np.float32), "y": i * i, "name": f"s{i}"}

    batches = list(DataLoader(Squares(), batch_size=3))
    assert [len(b["name"]) for b in batches] == [3, 3, 1]
    assert batches[1]["name"] == ["s3", "s4", "s5"]
    np.testing.assert_array_equal(batches[1]["y"].numpy(), [9, 16, 25])
    assert batches[2]["x"].shape == (1, 2)


def test_a_collate_fn_gets_the_samples_of_each_batch():
    seen = []
    loader = DataLoader(list(range(10)), batch_size=4, collate_fn=seen.append)
    list(loader)
    assert seen == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]


def test_default_collate_refuses_samples_of_different_shapes():
    with pytest.raises(ValueError, match=r"different shapes \[\(2,\), \(3,\)\]"):
        default_collate([np.zeros(2), np.zeros(3)])
    with pytest.raises(TypeError, match="cannot batch samples of type object"):
        default_collate([object()])


def test_tensor_dataset_rows_and_errors():
    ds = TensorDataset(rows(4), np.arange(4))
    x, y = ds[2]
    np.testing.assert_array_equal(x.numpy(), rows(4)[2])
    assert y.item() == 2 and len(ds) == 4
    with pytest.raises(IndexError, match="index 4 is out of range for a dataset of 4"):
        ds[4]
    with pytest.raises(ValueError, match=r"same number of rows, got \(4, 3\), \(5,\)"):
        TensorDataset(rows(4), np.arange(5))
    with pytest.raises(ValueError, match="at least one tensor"):
        TensorDataset()


def test_tensor_dataset_transform_touches_the_inputs_only():
    ds = TensorDataset(rows(6), np.arange(6), transform=lambda a: a * 10)
    xb, yb = next(iter(DataLoader(ds, batch_size=6)))
    np.testing.assert_array_equal(xb.numpy(), rows(6) * 10)
    np.testing.assert_array_equal(yb.numpy(), np.arange(6))
    np.testing.assert_array_equal(ds[1][0].numpy(), rows(6)[1] * 10)


@pytest.mark.parametrize("kwargs, error", [
    ({"batch_size": 0}, "batch_size must be a positive integer, got batch_size=0"),
    ({"batch_size": True}, "batch_size must be a positive integer"),
    ({"batch_size": 2.5}, "batch_size must be a positive integer, got batch_size=2.5"),
    ({"shuffle": "yes"}, "shuffle must be True or False, got 'yes'"),
    ({"seed": 1, "generator": np.random.default_rng(1)}, "generator or seed, not both"),
    ({"seed": -1}, "seed must be a non-negative integer, got -1"),
])
def test_dataloader_refuses_bad_arguments(kwargs, error):
    with pytest.raises((ValueError, TypeError), match=error):
        DataLoader(TensorDataset(rows(4)), **kwargs)


def test_dataloader_needs_len_and_getitem():
    with pytest.raises(TypeError, match="must define __len__ and __getitem__, got int"):
        DataLoader(5)


# --- shuffling ------------------------------------------------------------------------


def epoch_order(loader):
    return np.concatenate([b[1].numpy() for b in loader])


def test_shuffle_covers_every_row_once_and_changes_each_epoch():
    loader = DataLoader(TensorDataset(rows(50), np.arange(50)), batch_size=8, shuffle=True)
    first, second = epoch_order(loader), epoch_order(loader)
    assert sorted(first) == sorted(second) == list(range(50))
    assert not np.array_equal(first, second)
    assert not np.array_equal(first, np.arange(50))


def test_shuffle_repeats_under_manual_seed():
    loader = DataLoader(TensorDataset(rows(30), np.arange(30)), batch_size=4, shuffle=True)
    autograd.manual_seed(7)
    run1 = [epoch_order(loader) for _ in range(3)]
    autograd.manual_seed(7)
    run2 = [epoch_order(loader) for _ in range(3)]
    autograd.manual_seed(8)
    run3 = [epoch_order(loader) for _ in range(3)]
    np.testing.assert_array_equal(run1, run2)
    assert not np.array_equal(run1, run3)


def test_seed_and_generator_make_a_loader_its_own_stream():
    ds = TensorDataset(rows(30), np.arange(30))
    a = DataLoader(ds, batch_size=4, shuffle=True, seed=3)
    autograd.manual_seed(99)
    b = DataLoader(ds, batch_size=4, shuffle=True, seed=3)
    a1, a2 = epoch_order(a), epoch_order(a)
    np.testing.assert_array_equal(a1, epoch_order(b))
    np.testing.assert_array_equal(a2, epoch_order(b))
    assert not np.array_equal(a1, a2)
    rng = np.random.default_rng(5)
    c = DataLoader(ds, batch_size=4, shuffle=True, generator=rng)
    expected = np.random.default_rng(5).permutation(30)
    np.testing.assert_array_equal(epoch_order(c), expected)


# --- random_split and Subset ----------------------------------------------------------


def test_random_split_counts_and_fractions_match_torch():
    torch = pytest.importorskip("torch")
    for n, lengths in [(10, [0.33, 0.33, 0.34]), (101, [0.7, 0.3]), (7, [0.5, 0.25, 0.25]),
                       (20, [15, 5])]:
        ours = random_split(list(range(n)), lengths)
        theirs = torch.utils.data.random_split(list(range(n)), lengths)
        assert [len(s) for s in ours] == [len(s) for s in theirs]
        joined = sorted(i for s in ours for i in s.indices)
        assert joined == list(range(n))


def test_random_split_is_seeded_and_subsets_batch_like_their_dataset():
    X = rows(20)
    autograd.manual_seed(1)
    a = random_split(TensorDataset(X), [15, 5])
    b = random_split(TensorDataset(X), [15, 5], generator=np.random.default_rng(2))
    autograd.manual_seed(1)
    c = random_split(TensorDataset(X), [15, 5])
    assert a[0].indices == c[0].indices and a[0].indices != b[0].indices
    xb, = next(iter(DataLoader(a[1], batch_size=5)))
    np.testing.assert_array_equal(xb.numpy(), X[a[1].indices])
    np.testing.assert_array_equal(a[1][0][0].numpy(), X[a[1].indices[0]])


@pytest.mark.parametrize("lengths, error", [
    ([10, 5], "sum to the dataset's 20 samples"),
    ([0.5, 0.6], "sum to 1"),
    ([], "lengths is empty"),
])
def test_random_split_refuses_lengths_that_do_not_add_up(lengths, error):
    with pytest.raises(ValueError, match=error):
        random_split(list(range(20)), lengths)


def test_subset_refuses_out_of_range_indices():
    with pytest.raises(IndexError, match="index 9 is out of range for a dataset of 5"):
        Subset(list(range(5)), [0, 9])


# --- train / test splits --------------------------------------------------------------


def test_lesson_000_split_keeps_1119_training_rows():
    X, y = rows(1_599, 11), np.arange(1_599)
    X_train, X_valid, y_train, y_valid = train_test_split(X, y, test_size=0.3, seed=0)
    assert X_train.shape == (1_119, 11) and X_valid.shape == (480, 11)
    np.testing.assert_array_equal(X_train[:, 0], y_train)
    np.testing.assert_array_equal(X_valid[:, 0], y_valid)
    assert sorted(np.concatenate([y_train, y_valid])) == list(range(1_599))


@given(n=st.integers(2, 500), test_size=st.floats(0.01, 0.99))
def test_split_sizes_match_scikit_learn(n, test_size):
    sk = pytest.importorskip("sklearn.model_selection")
    try:
        sk_train, sk_test = sk.train_test_split(np.arange(n), test_size=test_size)
    except ValueError:
        with pytest.raises(ValueError, match="no training rows"):
            train_test_split(np.arange(n), test_size=test_size)
        return
    train, test = train_test_split(np.arange(n), test_size=test_size)
    assert (len(train), len(test)) == (len(sk_train), len(sk_test))


def test_split_is_seeded_and_keeps_the_kind_of_each_array():
    X, y = rows(40), list(range(40))
    a = train_test_split(X, y, autograd.tensor(X), seed=4)
    b = train_test_split(X, y, autograd.tensor(X), random_state=4)
    c = train_test_split(X, y, autograd.tensor(X), seed=5)
    np.testing.assert_array_equal(a[0], b[0])
    assert not np.array_equal(a[0], c[0])
    assert isinstance(a[2], list) and isinstance(a[4], autograd.Tensor)
    np.testing.assert_array_equal(a[4].numpy(), a[0])
    assert [int(v) for v in a[0][:, 0]] == a[2]


def test_split_without_shuffle_takes_the_last_rows_for_test():
    train, test = train_test_split(np.arange(10), test_size=3, shuffle=False)
    np.testing.assert_array_equal(train, np.arange(7))
    np.testing.assert_array_equal(test, [7, 8, 9])


def test_split_keeps_pandas_rows_and_index():
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame({"a": np.arange(20), "b": np.arange(20) * 2})
    train, test = train_test_split(frame, test_size=0.25, seed=0)
    assert isinstance(train, pd.DataFrame) and len(train) == 15 and len(test) == 5
    assert sorted(train.index.tolist() + test.index.tolist()) == list(range(20))
    assert (train["b"] == train.index * 2).all()


def class_counts(labels, classes):
    return np.array([(np.asarray(labels) == c).sum() for c in classes])


@pytest.mark.parametrize("seed", range(5))
def test_stratified_split_keeps_the_class_proportions(seed):
    labels = np.repeat(["a", "b", "c", "d"], [50, 30, 15, 5])
    X = np.arange(100)
    X_train, X_test, y_train, y_test = train_test_split(X, labels, test_size=0.3,
                                                        stratify=labels, seed=seed)
    total = class_counts(labels, "abcd")
    assert len(y_test) == 30
    assert np.all(np.abs(class_counts(y_test, "abcd") - total * 0.3) < 1)
    np.testing.assert_array_equal(class_counts(y_train, "abcd") + class_counts(y_test, "abcd"),
                                  total)
    np.testing.assert_array_equal(labels[X_test], y_test)


def test_stratified_split_matches_scikit_learn_counts_when_quotas_are_whole():
    sk = pytest.importorskip("sklearn.model_selection")
    labels = np.repeat([0, 1, 2], [60, 30, 10])
    ours = train_test_split(labels, test_size=0.2, stratify=labels, seed=0)[1]
    theirs = sk.train_test_split(labels, test_size=0.2, stratify=labels, random_state=0)[1]
    np.testing.assert_array_equal(np.bincount(ours), np.bincount(theirs))
    np.testing.assert_array_equal(np.bincount(ours), [12, 6, 2])


def test_stratified_split_errors():
    labels = np.array([0, 0, 0, 1])
    with pytest.raises(ValueError, match="least populated class in stratify, 1, has only 1"):
        train_test_split(np.arange(4), stratify=labels)
    with pytest.raises(ValueError, match="needs shuffle=True"):
        train_test_split(np.arange(4), stratify=np.array([0, 0, 1, 1]), shuffle=False)
    with pytest.raises(ValueError, match="stratify has 3 labels for 4 rows"):
        train_test_split(np.arange(4), stratify=[0, 1, 1])


@pytest.mark.parametrize("kwargs, error", [
    ({"test_size": 1.5}, "fraction in \\(0, 1\\) or a number of rows, got test_size=1.5"),
    ({"test_size": 0}, "test_size=0 must be between 1 and 9 rows"),
    ({"test_size": 10}, "test_size=10 must be between 1 and 9"),
    ({"seed": 1, "random_state": 1}, "not both"),
])
def test_split_refuses_bad_sizes(kwargs, error):
    with pytest.raises(ValueError, match=error):
        train_test_split(np.arange(10), **kwargs)


def test_split_refuses_arrays_of_different_lengths():
    with pytest.raises(ValueError, match=r"different numbers of rows: \[10, 9\]"):
        train_test_split(np.arange(10), np.arange(9))


def test_train_val_test_split_parts_are_disjoint_and_sized():
    X, y = rows(1_000), np.arange(1_000)
    parts = train_val_test_split(X, y, val_size=0.15, test_size=0.15, seed=0)
    X_train, X_val, X_test, y_train, y_val, y_test = parts
    assert (len(X_train), len(X_val), len(X_test)) == (700, 150, 150)
    assert sorted(np.concatenate([y_train, y_val, y_test])) == list(range(1_000))
    np.testing.assert_array_equal(X_val[:, 0], y_val)
    with pytest.raises(ValueError, match="leave no training rows out of 10"):
        train_val_test_split(np.arange(10), val_size=5, test_size=5)


def test_train_val_test_split_stratified():
    labels = np.repeat([0, 1, 2], [70, 20, 10])
    _, y_val, y_test = train_val_test_split(labels, val_size=0.2, test_size=0.1,
                                            stratify=labels, seed=3)
    total = np.array([70, 20, 10])
    assert len(y_val) == 20 and len(y_test) == 10
    assert np.all(np.abs(np.bincount(y_val, minlength=3) - total * 0.2) < 1)
    assert np.all(np.abs(np.bincount(y_test, minlength=3) - total * 0.1) < 1)


# --- where it lives -------------------------------------------------------------------


def test_pytorchs_path_and_nns_attribute_name_the_same_objects():
    import nn
    import nn.data
    from nn.utils import clip_grad_norm_
    from nn.utils.data import DataLoader as Loader
    from nn.utils.data import TensorDataset as Tensors

    assert Loader is DataLoader is nn.data.DataLoader and Tensors is TensorDataset
    assert callable(clip_grad_norm_)
    import nn.utils.data
    assert sorted(nn.utils.data.__all__) == sorted(nn.data.__all__)


def test_data_and_datasets_need_only_numpy():
    code = (
        "import sys\n"
        "import nn, nn.data, nn.datasets, nn.utils.data\n"
        "nn.datasets.load_wine_quality()\n"
        "heavy = {'sklearn', 'pandas', 'scipy', 'torch', 'matplotlib', 'hypothesis'}\n"
        "print(sorted(heavy & set(sys.modules)))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
