"""nn.data's scalers and encoders: the lessons' formulas, scikit-learn where it is installed
(skipped otherwise), torch's one_hot, and the errors a learner meets."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autograd
from nn.data import (
    LabelEncoder,
    MinMaxScaler,
    NotFittedError,
    OneHotEncoder,
    StandardScaler,
    one_hot,
)

_rng = np.random.default_rng(11)
TRAIN = _rng.normal([5.0, -2.0, 100.0], [1.0, 3.0, 20.0], size=(40, 3))
TRAIN[:, 1] = 4.0  # a constant column
OTHER = _rng.normal([5.0, -2.0, 100.0], [2.0, 3.0, 20.0], size=(15, 3))


# --- formulas (no scikit-learn needed) ------------------------------------------------


def test_standard_scaler_is_lesson_002s_formula():
    scaler = StandardScaler().fit(TRAIN)
    mu, sigma = TRAIN.mean(axis=0), TRAIN.std(axis=0)
    z = scaler.transform(OTHER)
    k = [0, 2]
    np.testing.assert_allclose(z[:, k], (OTHER[:, k] - mu[k]) / sigma[k], rtol=1e-12)
    np.testing.assert_allclose(z[:, 1], OTHER[:, 1] - 4.0)  # std 0: only centred
    zt = scaler.transform(TRAIN)
    np.testing.assert_allclose(zt.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(zt.std(axis=0), [1, 0, 1], atol=1e-12)
    assert np.all(np.isfinite(z))


def test_min_max_scaler_is_lesson_002s_formula():
    scaler = MinMaxScaler().fit(TRAIN)
    lo, hi = TRAIN.min(axis=0), TRAIN.max(axis=0)
    z = scaler.transform(OTHER)
    k = [0, 2]
    np.testing.assert_allclose(z[:, k], (OTHER[:, k] - lo[k]) / (hi[k] - lo[k]), rtol=1e-12)
    np.testing.assert_array_equal(z[:, 1], OTHER[:, 1] - 4.0)  # range 0: divided by 1
    zt = scaler.transform(TRAIN)
    np.testing.assert_allclose(zt[:, [0, 2]].min(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(zt[:, [0, 2]].max(axis=0), 1, atol=1e-12)


def test_min_max_scaler_feature_range_and_clip():
    scaler = MinMaxScaler(feature_range=(-1, 1), clip=True).fit(TRAIN)
    z = scaler.transform(np.vstack([TRAIN, TRAIN.max(axis=0) + 10]))
    assert z.min() >= -1 and z.max() <= 1 and z[-1, 0] == 1
    np.testing.assert_array_equal(scaler.transform(TRAIN)[:, 1], -1)  # constant -> low end
    with pytest.raises(ValueError, match=r"must be smaller than its maximum, got \(1, 0\)"):
        MinMaxScaler(feature_range=(1, 0))


@pytest.mark.parametrize("scaler", [StandardScaler(), MinMaxScaler()])
def test_scalers_keep_the_kind_and_shape_they_get(scaler):
    z = scaler.fit_transform(autograd.tensor(TRAIN, dtype=np.float32))
    assert isinstance(z, autograd.Tensor) and z.dtype == np.float32 and z.shape == (40, 3)
    column = scaler.fit_transform(TRAIN[:, 0].tolist())
    assert isinstance(column, np.ndarray) and column.shape == (40,) and column.dtype == np.float64
    np.testing.assert_allclose(scaler.inverse_transform(column), TRAIN[:, 0], rtol=1e-12)


@pytest.mark.parametrize("cls", [StandardScaler, MinMaxScaler])
def test_transform_before_fit_is_a_clear_error(cls):
    with pytest.raises(NotFittedError, match=f"this {cls.__name__} is not fitted yet: call "
                                             f"{cls.__name__}.fit"):
        cls().transform(TRAIN)
    with pytest.raises(ValueError):  # NotFittedError is a ValueError, as scikit-learn's
        cls().inverse_transform(TRAIN)


@pytest.mark.parametrize("cls", [StandardScaler, MinMaxScaler])
def test_wrong_column_count_is_named(cls):
    scaler = cls().fit(TRAIN)
    with pytest.raises(ValueError, match=f"X has 4 columns, but the {cls.__name__} was fitted "
                                         "on 3 columns"):
        scaler.transform(np.zeros((2, 4)))
    with pytest.raises(ValueError, match=r"got shape \(2, 3, 1\)"):
        scaler.transform(np.zeros((2, 3, 1)))


@pytest.mark.parametrize("cls", [StandardScaler, MinMaxScaler])
def test_a_failed_fit_leaves_the_fitted_scaler_as_it_was(cls):
    scaler = cls().fit(TRAIN)
    before = scaler.transform(OTHER)
    bad = TRAIN.copy()
    bad[3, 2] = np.nan
    with pytest.raises(ValueError, match=r"columns \[2\] hold nan or infinite values"):
        scaler.fit(bad)
    with pytest.raises(ValueError, match="are not all numbers"):
        scaler.fit(np.array([["a", "b", "c"]]))
    with pytest.raises(ValueError, match="X has no rows"):
        scaler.fit(np.zeros((0, 3)))
    np.testing.assert_array_equal(scaler.transform(OTHER), before)


def test_scaler_checks_pandas_column_names():
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame(TRAIN, columns=["a", "b", "c"])
    scaler = StandardScaler().fit(frame)
    assert scaler.feature_names_in_ == ["a", "b", "c"]
    np.testing.assert_allclose(scaler.transform(frame), StandardScaler().fit_transform(TRAIN))
    with pytest.raises(ValueError, match=r"the columns \['c', 'b', 'a'\] are not the ones"):
        scaler.transform(frame[["c", "b", "a"]])


finite_tables = hnp.arrays(
    np.float64, st.tuples(st.integers(1, 12), st.integers(1, 4)),
    elements=st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False))


@given(X=finite_tables)
def test_inverse_transform_undoes_transform(X):
    for scaler in (StandardScaler(), MinMaxScaler(), MinMaxScaler((-3, 7))):
        back = scaler.inverse_transform(scaler.fit_transform(X))
        np.testing.assert_allclose(back, X, rtol=1e-9, atol=1e-9 * (1 + np.abs(X).max()))


# --- against scikit-learn -------------------------------------------------------------


def test_standard_scaler_matches_scikit_learn():
    sk = pytest.importorskip("sklearn.preprocessing")
    ours, theirs = StandardScaler().fit(TRAIN), sk.StandardScaler().fit(TRAIN)
    for name in ("mean_", "var_", "scale_"):
        np.testing.assert_allclose(getattr(ours, name), getattr(theirs, name), rtol=1e-12)
    np.testing.assert_allclose(ours.transform(OTHER), theirs.transform(OTHER), rtol=1e-12)
    np.testing.assert_allclose(ours.inverse_transform(OTHER), theirs.inverse_transform(OTHER),
                               rtol=1e-12)
    z32 = StandardScaler().fit_transform(TRAIN.astype(np.float32))
    assert z32.dtype == sk.StandardScaler().fit_transform(TRAIN.astype(np.float32)).dtype


@pytest.mark.parametrize("feature_range", [(0, 1), (-1, 1), (2, 5)])
def test_min_max_scaler_matches_scikit_learn(feature_range):
    sk = pytest.importorskip("sklearn.preprocessing")
    ours = MinMaxScaler(feature_range).fit(TRAIN)
    theirs = sk.MinMaxScaler(feature_range=feature_range).fit(TRAIN)
    for name in ("data_min_", "data_max_", "data_range_", "scale_", "min_"):
        np.testing.assert_allclose(getattr(ours, name), getattr(theirs, name), rtol=1e-12)
    np.testing.assert_allclose(ours.transform(OTHER), theirs.transform(OTHER), rtol=1e-12)
    np.testing.assert_allclose(ours.inverse_transform(OTHER), theirs.inverse_transform(OTHER),
                               rtol=1e-12)


# --- encoders -------------------------------------------------------------------------

COLORS = np.array([["red", "S"], ["blue", "M"], ["red", "L"], ["green", "M"]], dtype=object)


def test_one_hot_encoder_blocks_per_column():
    enc = OneHotEncoder().fit(COLORS)
    assert [c.tolist() for c in enc.categories_] == [["blue", "green", "red"], ["L", "M", "S"]]
    out = enc.transform(COLORS)
    np.testing.assert_array_equal(out, [[0, 0, 1, 0, 0, 1], [1, 0, 0, 0, 1, 0],
                                        [0, 0, 1, 1, 0, 0], [0, 1, 0, 0, 1, 0]])
    assert enc.get_feature_names_out() == ["x0_blue", "x0_green", "x0_red", "x1_L", "x1_M",
                                           "x1_S"]
    np.testing.assert_array_equal(enc.inverse_transform(out), COLORS)


def test_one_hot_encoder_matches_scikit_learn():
    sk = pytest.importorskip("sklearn.preprocessing")
    theirs = sk.OneHotEncoder(sparse_output=False).fit(COLORS)
    ours = OneHotEncoder().fit(COLORS)
    np.testing.assert_array_equal(ours.transform(COLORS), theirs.transform(COLORS))
    assert ours.get_feature_names_out() == theirs.get_feature_names_out().tolist()
    new = np.array([["purple", "S"], ["blue", "XL"]], dtype=object)
    np.testing.assert_array_equal(
        OneHotEncoder(handle_unknown="ignore").fit(COLORS).transform(new),
        sk.OneHotEncoder(sparse_output=False, handle_unknown="ignore").fit(COLORS)
        .transform(new))


def test_unknown_category_is_an_error_or_ignored_by_option():
    new = np.array([["purple", "S"]], dtype=object)
    enc = OneHotEncoder().fit(COLORS)
    with pytest.raises(ValueError, match=r"found unknown categories \['purple'\] in column 0, "
                                         r"which was fitted with \['blue', 'green', 'red'\]"):
        enc.transform(new)
    ignoring = OneHotEncoder(handle_unknown="ignore").fit(COLORS)
    out = ignoring.transform(new)
    np.testing.assert_array_equal(out, [[0, 0, 0, 0, 0, 1]])
    assert ignoring.inverse_transform(out).tolist() == [[None, "S"]]
    with pytest.raises(ValueError, match="handle_unknown must be 'error' or 'ignore'"):
        OneHotEncoder(handle_unknown="skip")


def test_one_hot_encoder_errors():
    with pytest.raises(NotFittedError, match="OneHotEncoder is not fitted yet"):
        OneHotEncoder().transform(COLORS)
    with pytest.raises(ValueError, match="column 1 has missing values"):
        OneHotEncoder().fit(np.array([["a", None], ["b", "c"]], dtype=object))
    with pytest.raises(TypeError, match=r"column 0 mixes values of types \['int', 'str'\]"):
        OneHotEncoder().fit(np.array([[1], ["a"]], dtype=object))
    with pytest.raises(ValueError, match="X has 1 columns, but the OneHotEncoder was fitted on 2"):
        OneHotEncoder().fit(COLORS).transform(COLORS[:, :1])


def test_one_hot_encoder_names_pandas_columns():
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame(COLORS, columns=["color", "size"])
    enc = OneHotEncoder().fit(frame)
    assert enc.get_feature_names_out()[:2] == ["color_blue", "color_green"]
    with pytest.raises(ValueError, match=r"\['pink'\] in column 0 \('color'\)"):
        enc.transform(pd.DataFrame([["pink", "S"]], columns=["color", "size"]))


def test_label_encoder_round_trip_and_unseen_labels():
    enc = LabelEncoder()
    codes = enc.fit_transform(["tinto", "blanco", "tinto", "rosado"])
    assert enc.classes_.tolist() == ["blanco", "rosado", "tinto"]
    np.testing.assert_array_equal(codes, [2, 0, 2, 1])
    assert codes.dtype == np.int64
    assert enc.inverse_transform([0, 2]).tolist() == ["blanco", "tinto"]
    with pytest.raises(ValueError, match=r"previously unseen labels \['verde'\]"):
        enc.transform(["verde", "tinto"])
    with pytest.raises(ValueError, match=r"codes must be integers in 0..2, got \[3\]"):
        enc.inverse_transform([3])
    with pytest.raises(NotFittedError, match="LabelEncoder is not fitted yet"):
        LabelEncoder().transform(["a"])


def test_label_encoder_matches_scikit_learn():
    sk = pytest.importorskip("sklearn.preprocessing")
    y = np.array([7, 3, 3, 9, 7, 5])
    ours, theirs = LabelEncoder().fit(y), sk.LabelEncoder().fit(y)
    np.testing.assert_array_equal(ours.classes_, theirs.classes_)
    np.testing.assert_array_equal(ours.transform(y), theirs.transform(y))


def test_one_hot_matches_torch_and_keeps_the_tensor_kind():
    torch = pytest.importorskip("torch")
    labels = np.array([[0, 2], [1, 3]])
    ours = one_hot(labels, num_classes=5)
    theirs = torch.nn.functional.one_hot(torch.tensor(labels), num_classes=5).numpy()
    assert ours.shape == (2, 2, 5) and ours.dtype == np.float32
    np.testing.assert_array_equal(ours, theirs)
    t = one_hot(autograd.tensor([2, 0, 1]), dtype="int64")
    assert isinstance(t, autograd.Tensor) and t.dtype == np.int64
    np.testing.assert_array_equal(t.numpy(), np.eye(3, dtype=np.int64)[[2, 0, 1]])


def test_one_hot_errors():
    with pytest.raises(ValueError, match=r"labels must lie in 0..2, got \[-1, 3\]"):
        one_hot([0, 3, -1], num_classes=3)
    with pytest.raises(ValueError, match="integer class indices, got dtype <U"):
        one_hot(["a", "b"])
    np.testing.assert_array_equal(one_hot(np.array([1.0, 0.0])), [[0, 1], [1, 0]])
