"""`retrograd demo`: what `make demo` runs, in Spanish by default."""

import os

import pytest

from nn import demo


def test_the_worked_example_gives_the_lessons_numbers():
    error, v = demo.worked_example()
    assert (round(v["h1"].data, 2), round(v["h2"].data, 2)) == (1.85, 1.48)
    assert round(v["prediction"].data, 3) == 1.481
    assert round(error.data, 4) == 0.1157
    # d error / d w5 = (prediction - 1) * h1, by the chain rule
    assert v["w5"].grad == pytest.approx((v["prediction"].data - 1) * v["h1"].data)


def test_the_demo_speaks_spanish_and_writes_its_files(tmp_path, capsys):
    pytest.importorskip("sklearn")
    assert demo.main(["demo", "--out", str(tmp_path), "--epochs", "12"]) == 0
    out = capsys.readouterr().out
    assert "capa oculta: [1.85, 1.48]" in out
    assert "exactitud en prueba" in out and "nn.diagnose" in out
    files = set(os.listdir(tmp_path))
    assert "iris_model.npz" in files
    assert "graph.svg" in files or "graph.dot" in files
    pytest.importorskip("matplotlib")
    assert "learning-curves.png" in files
    with open(tmp_path / "learning-curves.png", "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"


def test_english_on_request(tmp_path, capsys):
    assert demo.main(["graph", "--lang", "en", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "hidden layer: [1.85, 1.48]" in out and "capa oculta" not in out


def test_help_lists_the_commands(capsys):
    with pytest.raises(SystemExit) as stop:
        demo.main(["--help"])
    assert stop.value.code == 0
    out = capsys.readouterr().out
    for word in ("demo", "graph", "iris", "--lang"):
        assert word in out


def test_a_bad_epoch_count_is_named(capsys):
    with pytest.raises(SystemExit):
        demo.main(["iris", "--epochs", "0"])
    assert "--epochs must be at least 1, got 0" in capsys.readouterr().err


def test_the_iris_recipe_is_stratified_and_repeatable():
    pytest.importorskip("sklearn")
    first, second = demo.iris_splits(), demo.iris_splits()
    assert [len(first[k]) for k in ("y_train", "y_val", "y_test")] == [96, 24, 30]
    assert (first["X_train"].numpy() == second["X_train"].numpy()).all()
    counts = [int((first["y_test"].numpy() == c).sum()) for c in range(3)]
    assert counts == [10, 10, 10]
