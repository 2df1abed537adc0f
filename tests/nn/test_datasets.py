"""nn.datasets: the red wine file shipped inside the package (the facts its README states),
lesson 000's split and scaling on it, and scikit-learn's bundled sets, all offline."""

import fnmatch
import hashlib
import socket
import sys
from importlib import resources
from pathlib import Path

import numpy as np
import pytest

import nn
from nn import datasets
from nn.data import MinMaxScaler, load_csv, train_test_split

WINE = resources.files("nn.datasets").joinpath("data", "winequality-red.csv")
FEATURES = ["fixed acidity", "volatile acidity", "citric acid", "residual sugar", "chlorides",
            "free sulfur dioxide", "total sulfur dioxide", "density", "pH", "sulphates",
            "alcohol"]


@pytest.fixture
def offline(monkeypatch):
    """Any attempt to open a network connection fails the test."""
    def refuse(*args, **kwargs):
        raise AssertionError("a data set loader tried to use the network")
    monkeypatch.setattr(socket, "socket", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


def test_the_shipped_file_is_the_uci_file():
    raw = WINE.read_bytes()
    assert len(raw) == 84_199
    assert hashlib.md5(raw).hexdigest() == "2daeecee174368f8a33b82c8cccae3a5"
    lines = raw.decode().split("\n")
    assert lines[0].startswith('"fixed acidity";"volatile acidity";')
    assert lines[1] == "7.4;0.7;0;1.9;0.076;11;34;0.9978;3.51;0.56;9.4;5"


def test_the_shipped_file_reads_as_the_readme_says():
    with resources.as_file(WINE) as path:
        table = load_csv(path, target="quality")  # the delimiter is found, the header quoted
    assert table.shape == (1_599, 12)
    assert table.feature_names == FEATURES and table.target_name == "quality"
    np.testing.assert_array_equal(table.X[0], [7.4, 0.7, 0, 1.9, 0.076, 11, 34, 0.9978, 3.51,
                                               0.56, 9.4])
    assert table.y[0] == 5
    assert sum(table.missing.values()) == 0
    grades, counts = np.unique(table.y, return_counts=True)
    assert grades.tolist() == [3, 4, 5, 6, 7, 8]
    assert counts.tolist() == [10, 53, 681, 638, 199, 18]


def test_load_wine_quality(offline):
    wine = datasets.load_wine_quality()
    assert wine.data.shape == (1_599, 11) and wine.data.dtype == np.float64
    assert wine.target.shape == (1_599,) and wine.target.dtype == np.int64
    assert wine.feature_names == FEATURES
    X, y = wine
    assert X is wine.data and y is wine.target
    assert wine["data"] is wine.data and "DESCR" in wine.keys()
    X2, y2 = datasets.load_wine_quality(return_X_y=True)
    np.testing.assert_array_equal(X2, X)
    np.testing.assert_array_equal(np.bincount(y2)[3:], [10, 53, 681, 638, 199, 18])


def test_the_attribution_travels_with_the_data():
    for text in (datasets.load_wine_quality.__doc__, datasets.load_wine_quality().DESCR,
                 WINE.with_name("README.md").read_text(encoding="utf-8")):
        assert "Cortez" in text and "Decision Support Systems" in text
        assert "UCI Machine Learning Repository" in text and "CC BY 4.0" in text


def test_pyproject_ships_the_data_files():
    tomllib = pytest.importorskip("tomllib")
    pyproject = Path(nn.__file__).resolve().parent.parent / "pyproject.toml"
    if not pyproject.exists():
        pytest.skip("an installed copy: no pyproject.toml beside it")
    config = tomllib.loads(pyproject.read_text())["tool"]["setuptools"]
    patterns = config["package-data"]["nn.datasets"]
    for name in ("data/winequality-red.csv", "data/README.md"):
        assert any(fnmatch.fnmatch(name, p) for p in patterns), name
    assert any(fnmatch.fnmatch("nn.datasets", p) for p in config["packages"]["find"]["include"])


def test_lesson_000_split_and_min_max_scaling():
    wine = datasets.load_wine_quality()
    table = np.column_stack([wine.data, wine.target])  # lesson 000 scales quality too
    train, valid = train_test_split(table, test_size=0.3, seed=0)
    assert train.shape == (1_119, 12) and valid.shape == (480, 12)
    scaler = MinMaxScaler().fit(train)
    lo, hi = train.min(axis=0), train.max(axis=0)
    np.testing.assert_array_equal(scaler.data_min_, lo)
    np.testing.assert_array_equal(scaler.data_max_, hi)
    train_s, valid_s = scaler.transform(train), scaler.transform(valid)
    np.testing.assert_allclose(train_s.min(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(train_s.max(axis=0), 1, atol=1e-12)
    np.testing.assert_allclose(valid_s, (valid - lo) / (hi - lo), rtol=1e-12, atol=1e-12)
    X_train, y_train = train_s[:, :-1], train_s[:, -1]
    assert X_train.shape == (1_119, 11) and y_train.shape == (1_119,)


def test_as_frame_is_what_pandas_reads():
    pd = pytest.importorskip("pandas")
    wine = datasets.load_wine_quality(as_frame=True)
    with resources.as_file(WINE) as path:
        theirs = pd.read_csv(path, sep=";")
    pd.testing.assert_frame_equal(wine.frame, theirs)
    assert list(wine.data.columns) == FEATURES and wine.target.name == "quality"


@pytest.mark.parametrize("name, shape, classes", [
    ("load_iris", (150, 4), 3),
    ("load_diabetes", (442, 10), None),
    ("load_breast_cancer", (569, 30), 2),
    ("load_digits", (1_797, 64), 10),
    ("load_wine", (178, 13), 3),
])
def test_scikit_learn_sets_load_offline(offline, name, shape, classes):
    pytest.importorskip("sklearn")
    bunch = getattr(datasets, name)()
    assert bunch.data.shape == shape and bunch.target.shape == (shape[0],)
    assert len(bunch.feature_names) == shape[1] and isinstance(bunch.feature_names, list)
    assert "Data Set Characteristics" in bunch.DESCR
    if classes is None:
        assert "target_names" not in bunch
    else:
        assert len(bunch.target_names) == classes == len(np.unique(bunch.target))
    X, y = getattr(datasets, name)(return_X_y=True)
    np.testing.assert_array_equal(X, bunch.data)
    np.testing.assert_array_equal(y, bunch.target)


def test_digits_keep_their_images():
    pytest.importorskip("sklearn")
    digits = datasets.load_digits(n_class=3)
    assert digits.images.shape == (len(digits.data), 8, 8)
    assert sorted(set(digits.target.tolist())) == [0, 1, 2]


def test_missing_scikit_learn_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "sklearn", None)  # import sklearn now fails
    with pytest.raises(ImportError, match=r'pip install "retrograd\[datasets\]"'):
        datasets.load_iris()
    assert datasets.load_wine_quality().data.shape == (1_599, 11)  # needs nothing extra


def test_bunch_names_its_fields():
    with pytest.raises(KeyError, match="no field 'images'; the fields are"):
        datasets.load_wine_quality()["images"]
