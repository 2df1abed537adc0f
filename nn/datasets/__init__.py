"""nn.datasets: small data sets that load offline, never downloading anything.

- ``load_wine_quality``: lesson 000's red wine data, shipped inside this package.
- ``load_iris``, ``load_diabetes``, ``load_breast_cancer``, ``load_digits``, ``load_wine``:
  scikit-learn's bundled copies (the ``datasets`` extra: ``pip install "retrograd[datasets]"``).

Each returns a ``Bunch`` (``data``, ``target``, ``feature_names``, ``target_names`` for the
classification sets, ``DESCR``, ``frame`` with ``as_frame=True``) that also unpacks as
``X, y = load_iris()``; ``return_X_y=True`` returns the pair itself.
"""

from __future__ import annotations

from collections.abc import Iterator
from importlib import resources
from typing import Any

import numpy as np

from ..data.table import load_csv

__all__ = [
    "Bunch", "load_wine_quality", "load_iris", "load_diabetes", "load_breast_cancer",
    "load_digits", "load_wine",
]


class Bunch:
    """A data set's parts as attributes (``b.data``) or keys (``b["data"]``); iterating gives
    ``data`` and ``target``, so ``X, y = b`` works."""

    def __init__(self, **fields: Any):
        self.__dict__.update(fields)

    def keys(self) -> list[str]:
        return list(self.__dict__)

    def __getitem__(self, key: str) -> Any:
        try:
            return self.__dict__[key]
        except KeyError:
            raise KeyError(f"no field {key!r}; the fields are {self.keys()}") from None

    def __contains__(self, key: str) -> bool:
        return key in self.__dict__

    def __iter__(self) -> Iterator[Any]:
        return iter((self.data, self.target))

    def __repr__(self) -> str:
        shape = getattr(self.data, "shape", None)
        return f"Bunch(data: {shape}, fields: {', '.join(self.keys())})"


_WINE_QUALITY_DESCR = """\
Red Wine Quality (UCI Machine Learning Repository)
--------------------------------------------------

1,599 Portuguese "Vinho Verde" red wines: 11 physicochemical measurements (fixed acidity,
volatile acidity, citric acid, residual sugar, chlorides, free sulfur dioxide, total sulfur
dioxide, density, pH, sulphates, alcohol) and the median quality grade given by at least three
tasters in blind tests (an integer from 0 to 10; here 3 to 8: 10, 53, 681, 638, 199 and 18
wines). No missing values. Lesson 000 trains an 11 -> 512 -> 512 -> 512 -> 1 network on a
70 % split of it (1,119 rows), every column min-max scaled with the training rows' min and max.

Source: P. Cortez, A. Cerdeira, F. Almeida, T. Matos and J. Reis, "Modeling wine preferences
by data mining from physicochemical properties", Decision Support Systems 47(4):547-553, 2009
(doi:10.1016/j.dss.2009.05.016). Distributed by the UCI Machine Learning Repository under the
Creative Commons Attribution 4.0 International license (CC BY 4.0); shipped unchanged in
nn/datasets/data/winequality-red.csv, with this attribution in the README.md beside it.
"""


def load_wine_quality(as_frame: bool = False, return_X_y: bool = False) -> Any:
    """The red wine quality data of lesson 000, from the copy inside this package.

    ``data``: (1599, 11) float64 measurements; ``target``: (1599,) int64 quality grades 3..8;
    ``feature_names``: the 11 column names; ``DESCR``: a description. ``as_frame=True``
    (needs pandas) makes ``data`` a DataFrame, ``target`` a Series and adds ``frame``, all 12
    columns as in ``pd.read_csv(..., sep=";")``.

    Source: P. Cortez, A. Cerdeira, F. Almeida, T. Matos and J. Reis, "Modeling wine
    preferences by data mining from physicochemical properties", Decision Support Systems
    47(4):547-553, 2009. Distributed by the UCI Machine Learning Repository under CC BY 4.0
    (https://creativecommons.org/licenses/by/4.0/).
    """
    ref = resources.files(__name__).joinpath("data", "winequality-red.csv")
    with resources.as_file(ref) as path:
        table = load_csv(path, target="quality", delimiter=";")
    bunch = Bunch(data=table.X, target=table.y, feature_names=table.feature_names,
                  DESCR=_WINE_QUALITY_DESCR, frame=None)
    if as_frame:
        frame = table.to_frame()
        bunch.frame = frame
        bunch.data = frame[table.feature_names]
        bunch.target = frame["quality"]
    return (bunch.data, bunch.target) if return_X_y else bunch


def _from_sklearn(name: str, as_frame: bool, return_X_y: bool, **options: Any) -> Any:
    try:
        from sklearn import datasets
    except ImportError:
        raise ImportError(f"nn.datasets.{name} reads the copy that scikit-learn ships; install "
                          'it with: pip install "retrograd[datasets]"') from None
    raw = getattr(datasets, name)(as_frame=as_frame, **options)
    fields = {k: raw[k] for k in ("data", "target", "feature_names", "target_names", "images",
                                  "DESCR", "frame") if k in raw}
    for k in ("feature_names", "target_names"):
        if k in fields:
            fields[k] = np.asarray(fields[k]).tolist()
    bunch = Bunch(**fields)
    return (bunch.data, bunch.target) if return_X_y else bunch


def load_iris(as_frame: bool = False, return_X_y: bool = False) -> Any:
    """Fisher's iris: 150 flowers, 4 measurements (cm), 3 species (50 each). Needs
    scikit-learn (``pip install "retrograd[datasets]"``)."""
    return _from_sklearn("load_iris", as_frame, return_X_y)


def load_diabetes(as_frame: bool = False, return_X_y: bool = False, scaled: bool = True) -> Any:
    """442 diabetes patients: 10 baseline variables (mean-centred and scaled unless
    ``scaled=False``), target a measure of disease progression one year later (a regression
    set). Needs scikit-learn (``pip install "retrograd[datasets]"``)."""
    return _from_sklearn("load_diabetes", as_frame, return_X_y, scaled=scaled)


def load_breast_cancer(as_frame: bool = False, return_X_y: bool = False) -> Any:
    """Wisconsin diagnostic breast cancer: 569 tumours, 30 features, malignant (0) or benign
    (1). Needs scikit-learn (``pip install "retrograd[datasets]"``)."""
    return _from_sklearn("load_breast_cancer", as_frame, return_X_y)


def load_digits(n_class: int = 10, as_frame: bool = False, return_X_y: bool = False) -> Any:
    """1,797 handwritten digits as 8x8 images of gray levels 0..16 (``images``, and flattened
    to 64 features in ``data``), classes 0..9 (the first ``n_class``). Needs scikit-learn
    (``pip install "retrograd[datasets]"``)."""
    return _from_sklearn("load_digits", as_frame, return_X_y, n_class=n_class)


def load_wine(as_frame: bool = False, return_X_y: bool = False) -> Any:
    """Wine recognition: 178 Italian wines, 13 chemical measurements, 3 cultivars (a
    classification set; lesson 000's red wine quality data is ``load_wine_quality``). Needs
    scikit-learn (``pip install "retrograd[datasets]"``)."""
    return _from_sklearn("load_wine", as_frame, return_X_y)
