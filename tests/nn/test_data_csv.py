"""nn.data.load_csv on files the tests write: delimiters found, quoted headers, missing values
counted per column and filled or dropped, text columns kept for the encoders, and malformed
rows named by their line."""

import numpy as np
import pytest

from nn.data import OneHotEncoder, load_csv

WINE_LIKE = (
    '"fixed acidity";"volatile acidity";"citric acid";"quality"\n'
    "7.4;0.7;0;5\n"
    "7.8;0.88;0;5\n"
    "11.2;0.28;0.56;6\n"
)


def write(tmp_path, text, name="data.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_semicolons_and_a_quoted_header_like_the_uci_file(tmp_path):
    data = load_csv(write(tmp_path, WINE_LIKE), target="quality")
    assert data.columns == ["fixed acidity", "volatile acidity", "citric acid", "quality"]
    assert data.feature_names == ["fixed acidity", "volatile acidity", "citric acid"]
    assert data.target_name == "quality" and data.shape == (3, 4) and len(data) == 3
    np.testing.assert_array_equal(data.X, [[7.4, 0.7, 0], [7.8, 0.88, 0], [11.2, 0.28, 0.56]])
    assert data.X.dtype == np.float64
    np.testing.assert_array_equal(data.y, [5, 5, 6])
    assert data.y.dtype == np.int64
    X, y = data
    np.testing.assert_array_equal(X, data.X)
    np.testing.assert_array_equal(y, data.y)
    assert data.missing == dict.fromkeys(data.columns, 0)


@pytest.mark.parametrize("delimiter", [",", "\t", "|", ";"])
def test_the_delimiter_is_found(tmp_path, delimiter):
    rows = [["a", "b", "label"], ["1.5", "2", "x"], ["3", "-4e-1", "y"]]
    text = "\n".join(delimiter.join(r) for r in rows) + "\n"
    data = load_csv(write(tmp_path, text), target="label")
    assert data.columns == ["a", "b", "label"]
    np.testing.assert_array_equal(data.X, [[1.5, 2], [3, -0.4]])
    assert data.y.tolist() == ["x", "y"]


def test_quoted_fields_with_the_delimiter_inside_and_crlf_lines(tmp_path):
    text = 'name,price,city\r\n"Smith, J.",10.5,"Madrid"\r\n"Ruiz, A.",7,Lima\r\n'
    data = load_csv(write(tmp_path, text))
    assert data.target_name is None and data.y is None
    assert data["name"].tolist() == ["Smith, J.", "Ruiz, A."]
    np.testing.assert_array_equal(data["price"], [10.5, 7.0])
    assert data.categorical_columns == ["name", "city"] and data.numeric_columns == ["price"]


def test_explicit_delimiter_target_by_position_and_no_header(tmp_path):
    path = write(tmp_path, "1;2;3\n4;5;6\n")
    data = load_csv(path, target=-1, delimiter=";", header=False)
    assert data.columns == ["column_0", "column_1", "column_2"]
    assert data.target_name == "column_2"
    np.testing.assert_array_equal(data.y, [3, 6])


def test_decimal_comma(tmp_path):
    path = write(tmp_path, "a;b;c\n7,4;0,5;1\n0,25;1,5;2\n")  # as many commas as ';' a row
    data = load_csv(path, decimal=",")
    assert data.columns == ["a", "b", "c"]
    np.testing.assert_array_equal(data["a"], [7.4, 0.25])
    with pytest.raises(ValueError, match=r"column 'a': values like '7,4' are numbers written "
                                         r"with a decimal comma \(pass decimal=','\)"):
        load_csv(path)


MISSING = (
    "age,income,city,bought\n"
    "25,3000,Madrid,1\n"
    ",4200,Lima,0\n"       # line 3: age missing
    "40,NA,,1\n"           # line 4: income and city missing
    "35,5100,Madrid,\n"    # line 5: target missing
    "50,?,Quito,0\n"       # line 6: income missing (UCI's '?')
)


def test_missing_values_are_counted_by_column(tmp_path):
    data = load_csv(write(tmp_path, MISSING), target="bought")
    assert data.missing == {"age": 1, "income": 2, "city": 1, "bought": 1}
    assert np.isnan(data["age"][1]) and data["city"][2] is None
    assert data["bought"].dtype == np.float64  # nan needs a float column
    assert "missing: {'age': 1, 'income': 2, 'city': 1, 'bought': 1}" in repr(data)


def test_dropna_keeps_the_complete_rows(tmp_path):
    data = load_csv(write(tmp_path, MISSING), target="bought")
    clean = data.dropna()
    assert len(clean) == 1 and len(data) == 5  # the original is untouched
    assert clean["city"].tolist() == ["Madrid"]
    assert clean.y.dtype == np.int64 and clean.y.tolist() == [1]  # whole numbers again
    assert clean.missing == dict.fromkeys(data.columns, 0)


def test_fillna_with_a_number_mean_median_most_frequent_or_per_column(tmp_path):
    data = load_csv(write(tmp_path, MISSING), target="bought")
    zero = data.fillna(0)
    assert zero["age"][1] == 0 and zero["income"].tolist() == [3000, 4200, 0, 5100, 0]
    assert zero.missing["city"] == 1  # a number does not fill a text column
    mean = data.fillna("mean")
    assert mean["age"][1] == pytest.approx((25 + 40 + 35 + 50) / 4)
    assert mean["income"][2] == pytest.approx((3000 + 4200 + 5100) / 3)
    assert data.fillna("median")["income"][5 - 1] == 4200
    frequent = data.fillna("most_frequent")
    assert frequent["city"][2] == "Madrid" and frequent["bought"][3] == 0  # tie: smallest
    assert frequent.missing == dict.fromkeys(data.columns, 0)
    per_column = data.fillna({"city": "Desconocida", "age": "median", "income": -1})
    assert per_column["city"][2] == "Desconocida" and per_column["age"][1] == 37.5
    assert per_column.missing == {"age": 0, "income": 0, "city": 0, "bought": 1}
    assert data.missing["age"] == 1  # fillna returns a new Table


def test_fillna_errors_name_the_column(tmp_path):
    data = load_csv(write(tmp_path, MISSING), target="bought")
    with pytest.raises(ValueError, match="column 'city' holds text, which has no mean"):
        data.fillna({"city": "mean"})
    with pytest.raises(TypeError, match="column 'age' holds numbers; fill it with a number"):
        data.fillna({"age": "zero"})
    with pytest.raises(KeyError, match=r"no columns \['edad'\]"):
        data.fillna({"edad": 0})
    with pytest.raises(ValueError, match="unknown strategy 'average'"):
        data.fillna("average")


def test_text_columns_go_through_the_encoder(tmp_path):
    data = load_csv(write(tmp_path, MISSING), target="bought").fillna("most_frequent")
    assert data.categorical_columns == ["city"]
    assert data.X.dtype == object  # mixed: encode the text column before training
    cities = OneHotEncoder().fit_transform(data[data.categorical_columns])
    np.testing.assert_array_equal(cities.sum(axis=0), [1, 3, 1])  # Lima, Madrid, Quito
    numbers = data[["age", "income"]]
    assert numbers.dtype == np.float64 and numbers.shape == (5, 2)


def test_wrong_field_count_names_the_line(tmp_path):
    text = "a;b;c\n1;2;3\n\n4;5\n6;7;8\n"  # line 4 has two fields (line 3 is blank)
    with pytest.raises(ValueError, match=r"data.csv, line 4: 2 fields where the header has 3 "
                                         r"\(delimiter ';'\)"):
        load_csv(write(tmp_path, text))


def test_a_stray_text_in_a_numeric_column_names_line_and_column(tmp_path):
    text = "x,y\n1,2\n3,4\n5,abc\n7,8\n"
    with pytest.raises(ValueError, match=r"line 4, column 'y': 'abc' is not a number, while 3 "
                                         r"of the column's 4 values are"):
        load_csv(write(tmp_path, text))
    forced = load_csv(write(tmp_path, text), categorical=["y"])
    assert forced["y"].tolist() == ["2", "4", "abc", "8"]


def test_bad_arguments_and_files(tmp_path):
    path = write(tmp_path, WINE_LIKE)
    with pytest.raises(KeyError, match="no column 'Quality'.*'quality'"):
        load_csv(path, target="Quality")
    with pytest.raises(IndexError, match="target=4 is out of range for 4 columns"):
        load_csv(path, target=4)
    with pytest.raises(ValueError, match="delimiter must be one character"):
        load_csv(path, delimiter=";;")
    with pytest.raises(ValueError, match=r"names columns \['a'\] more than once"):
        load_csv(write(tmp_path, "a,b,a\n1,2,3\n"))
    with pytest.raises(ValueError, match="is empty"):
        load_csv(write(tmp_path, "\n\n", "empty.csv"))
    with pytest.raises(FileNotFoundError):
        load_csv(tmp_path / "absent.csv")


def test_same_values_as_pandas(tmp_path):
    pd = pytest.importorskip("pandas")
    path = write(tmp_path, MISSING)
    ours = load_csv(path).to_frame()
    theirs = pd.read_csv(path, na_values=["?"])
    assert list(ours.columns) == list(theirs.columns)
    for c in ["age", "income", "bought"]:
        np.testing.assert_array_equal(ours[c].to_numpy(float), theirs[c].to_numpy(float))
