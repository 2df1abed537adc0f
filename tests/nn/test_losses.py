"""Losses: values and gradients against PyTorch in float64, shape rules, errors, registry."""

import warnings

import numpy as np
import pytest

import autograd
import nn
import nn.functional as F
from autograd import Tensor

REDUCTIONS = ["mean", "sum", "none"]


@pytest.fixture
def torch():
    return pytest.importorskip("torch")


def rng(seed=0):
    return np.random.default_rng(seed)


def _to_torch(torch, v):
    if isinstance(v, np.ndarray):
        return torch.tensor(v, dtype=torch.long if v.dtype.kind in "iu" else torch.float64)
    return v


def compare(torch, name, x, target, rtol=1e-10, atol=1e-12, **kwargs):
    """Run F.<name> here and torch.nn.functional.<name> on the same float64 data; assert the
    loss and the gradient w.r.t. the prediction agree. Returns our loss."""
    ours_x = Tensor(x, requires_grad=True)
    ours = getattr(F, name)(ours_x, target, **kwargs)
    theirs_x = torch.tensor(x, requires_grad=True)
    t_kwargs = {k: _to_torch(torch, v) for k, v in kwargs.items()}
    theirs = getattr(torch.nn.functional, name)(theirs_x, _to_torch(torch, target), **t_kwargs)
    assert ours.shape == tuple(theirs.shape)
    np.testing.assert_allclose(ours.data, theirs.detach().numpy(), rtol=rtol, atol=atol)
    upstream = rng(99).standard_normal(ours.shape)
    ours.backward(upstream)
    theirs.backward(torch.tensor(upstream))
    np.testing.assert_allclose(ours_x.grad.data, theirs_x.grad.numpy(), rtol=rtol, atol=atol)
    return ours


# -- regression ---------------------------------------------------------------------------------


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name", ["mse_loss", "l1_loss"])
def test_mse_and_l1_match_torch(torch, name, reduction):
    x, y = rng().standard_normal((6, 3)), rng(1).standard_normal((6, 3))
    y[0, 0] = x[0, 0]  # |d| = 0: the l1 gradient there is 0, as torch's sign(0)
    compare(torch, name, x, y, reduction=reduction)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("delta", [1.0, 0.4, 2.5])
def test_huber_matches_torch(torch, delta, reduction):
    x, y = 2 * rng().standard_normal((7, 4)), rng(1).standard_normal((7, 4))
    compare(torch, "huber_loss", x, y, reduction=reduction, delta=delta)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("beta", [1.0, 0.3, 0.0])
def test_smooth_l1_matches_torch(torch, beta, reduction):
    x, y = 2 * rng().standard_normal((7, 4)), rng(1).standard_normal((7, 4))
    compare(torch, "smooth_l1_loss", x, y, reduction=reduction, beta=beta)


def test_regression_target_tensor_gets_its_gradient(torch):
    x, y = rng().standard_normal(5), rng(1).standard_normal(5)
    ours_y = Tensor(y, requires_grad=True)
    F.mse_loss(Tensor(x), ours_y).backward()
    theirs_y = torch.tensor(y, requires_grad=True)
    torch.nn.functional.mse_loss(torch.tensor(x), theirs_y).backward()
    np.testing.assert_allclose(ours_y.grad.data, theirs_y.grad.numpy(), rtol=1e-12)


# -- binary classification ----------------------------------------------------------------------


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("with_weight", [False, True])
def test_bce_matches_torch(torch, reduction, with_weight):
    p = 1 / (1 + np.exp(-rng().standard_normal((8, 2))))
    y = rng(1).random((8, 2))
    y[:4] = np.round(y[:4])
    kwargs = {"weight": rng(2).random(2) + 0.5} if with_weight else {}
    compare(torch, "binary_cross_entropy", p, y, reduction=reduction, **kwargs)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_bce_clamps_each_log_at_minus_100_like_torch(torch, reduction):
    p = np.array([0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.5])
    y = np.array([0.0, 1.0, 1.0, 0.0, 0.3, 0.7, 1.0])
    loss = compare(torch, "binary_cross_entropy", p, y, reduction=reduction, rtol=1e-8)
    assert np.all(np.isfinite(loss.numpy()))
    if reduction == "none":
        np.testing.assert_allclose(loss.data[:4], [0, 0, 100, 100])


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("options", ["plain", "weight", "pos_weight", "both"])
def test_bce_with_logits_matches_torch(torch, reduction, options):
    x = 3 * rng().standard_normal((6, 3))
    x[0] = [0.0, 80.0, -80.0]  # x = 0 and saturated logits
    y = np.round(rng(1).random((6, 3)))
    y[1] = [0.2, 0.5, 0.9]
    kwargs = {}
    if options in ("weight", "both"):
        kwargs["weight"] = rng(2).random((6, 1)) + 0.5
    if options in ("pos_weight", "both"):
        kwargs["pos_weight"] = np.array([1.0, 3.0, 0.5])
    compare(torch, "binary_cross_entropy_with_logits", x, y, reduction=reduction, **kwargs)


def test_bce_with_logits_is_finite_for_huge_logits():
    x = Tensor(np.array([1000.0, -1000.0, 1000.0, -1000.0]), requires_grad=True)
    y = np.array([1.0, 0.0, 0.0, 1.0])
    loss = F.binary_cross_entropy_with_logits(x, y, reduction="none")
    np.testing.assert_allclose(loss.data, [0, 0, 1000, 1000])
    loss.sum().backward()
    np.testing.assert_allclose(x.grad.data, [0, 0, 1, -1])


def test_bce_rejects_values_outside_zero_one():
    with pytest.raises(ValueError, match=r"probabilities in \[0, 1\].*-0\.5 to 2.*with_logits"):
        F.binary_cross_entropy(Tensor([-0.5, 0.5, 2.0]), [0.0, 1.0, 1.0])


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("labels", ["signed", "binary"])
def test_hinge_matches_the_keras_formula(reduction, labels):
    x = rng().standard_normal((9, 1))
    signed = np.where(rng(1).random((9, 1)) < 0.5, -1.0, 1.0)
    y = signed if labels == "signed" else (signed + 1) / 2
    xt = Tensor(x, requires_grad=True)
    loss = F.hinge_loss(xt, y, reduction=reduction)
    per = np.maximum(1 - signed * x, 0)
    expected = {"mean": per.mean(), "sum": per.sum(), "none": per}[reduction]
    np.testing.assert_allclose(loss.data, expected, rtol=1e-12)
    loss.sum().backward()
    scale = 1 / x.size if reduction == "mean" else 1.0
    np.testing.assert_allclose(xt.grad.data, np.where(per > 0, -signed, 0) * scale)


def test_hinge_rejects_other_labels():
    with pytest.raises(ValueError, match=r"\{-1, 1\} or \{0, 1\}.*2\.0"):
        F.hinge_loss(Tensor([0.3, -0.2]), [1.0, 2.0])


# -- multi-class ---------------------------------------------------------------------------------

CE_CASES = {
    "plain": {},
    "weight": {"weight": np.array([0.2, 1.0, 3.0, 0.7])},
    "ignore_default": {"ignore": -100},
    "ignore_class": {"ignore_index": 1},
    "smoothing": {"label_smoothing": 0.15},
    "weight_smoothing_ignore": {
        "weight": np.array([0.2, 1.0, 3.0, 0.7]), "label_smoothing": 0.3, "ignore": -100,
    },
    "ignore_class_smoothing": {"ignore_index": 2, "label_smoothing": 0.1},
}


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("case", sorted(CE_CASES))
def test_cross_entropy_with_class_indices_matches_torch(torch, case, reduction):
    kwargs = dict(CE_CASES[case])
    x = 2 * rng().standard_normal((10, 4))
    t = rng(1).integers(0, 4, 10)
    if "ignore" in kwargs:
        t[[2, 5]] = kwargs.pop("ignore")
    compare(torch, "cross_entropy", x, t, reduction=reduction, **kwargs)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("case", ["plain", "weight", "smoothing", "weight_smoothing"])
def test_cross_entropy_with_probability_targets_matches_torch(torch, case, reduction):
    x = 2 * rng().standard_normal((7, 5))
    y = rng(1).random((7, 5))
    y /= y.sum(axis=1, keepdims=True)
    y[0] = np.eye(5)[3]  # a one-hot row
    kwargs = {}
    if "weight" in case:
        kwargs["weight"] = rng(2).random(5) + 0.2
    if "smoothing" in case:
        kwargs["label_smoothing"] = 0.2
    compare(torch, "cross_entropy", x, y, reduction=reduction, **kwargs)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_on_spatial_logits_and_a_single_sample_matches_torch(torch, reduction):
    x = rng().standard_normal((3, 4, 2, 5))  # (N, C, d1, d2)
    t = rng(1).integers(0, 4, (3, 2, 5))
    t[0, 1, 2] = -100
    compare(torch, "cross_entropy", x, t, reduction=reduction,
            weight=np.array([1.0, 2.0, 0.5, 1.5]), label_smoothing=0.1)
    compare(torch, "cross_entropy", rng(2).standard_normal(4), np.array(2), reduction=reduction)
    y = rng(3).random((3, 4, 2, 5))
    compare(torch, "cross_entropy", x, y / y.sum(axis=1, keepdims=True), reduction=reduction)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("case", ["plain", "weight", "ignore"])
def test_nll_loss_matches_torch(torch, case, reduction):
    logp = np.log(rng().dirichlet(np.ones(3), size=8))
    t = rng(1).integers(0, 3, 8)
    kwargs = {}
    if case == "weight":
        kwargs["weight"] = np.array([0.5, 2.0, 1.0])
    if case == "ignore":
        t[3] = 7
        kwargs["ignore_index"] = 7
    compare(torch, "nll_loss", logp, t, reduction=reduction, **kwargs)


def test_cross_entropy_accepts_lists_tensors_and_n_by_1_index_targets():
    x = rng().standard_normal((4, 3))
    t = [0, 2, 1, 2]
    expected = F.cross_entropy(Tensor(x), np.array(t)).item()
    assert F.cross_entropy(Tensor(x), t).item() == expected
    assert F.cross_entropy(Tensor(x), Tensor(np.array(t))).item() == expected
    assert F.cross_entropy(Tensor(x), np.array(t).reshape(4, 1)).item() == expected
    # whole numbers stored as floats (a pandas column) are class indices too
    assert F.cross_entropy(Tensor(x), np.array(t, dtype=float)).item() == expected


def test_cross_entropy_rejects_fractional_index_targets():
    with pytest.raises(ValueError, match=r"whole numbers, got 1\.5.*\(4, 3\)"):
        F.cross_entropy(Tensor(np.zeros((4, 3))), np.array([0.0, 1.5, 2.0, 1.0]))


@pytest.mark.parametrize("bad", [3, 7, -1])
def test_class_index_out_of_range_names_it_and_the_class_count(bad):
    t = np.array([0, bad, 1])
    with pytest.raises(IndexError, match=rf"class index {bad} .* 3 classes"):
        F.cross_entropy(Tensor(np.zeros((3, 3))), t)
    with pytest.raises(IndexError, match=rf"class index {bad} .* 3 classes"):
        F.nll_loss(Tensor(np.zeros((3, 3))), t)


def test_cross_entropy_weight_needs_one_entry_per_class():
    with pytest.raises(ValueError, match=r"shape \(3,\), got shape \(2,\)"):
        F.cross_entropy(Tensor(np.zeros((2, 3))), [0, 1], weight=np.ones(2))


def test_cross_entropy_all_targets_ignored_gives_nan_like_torch(torch):
    x = rng().standard_normal((2, 3))
    with np.errstate(invalid="ignore"):  # 0 / 0, as intended
        ours = F.cross_entropy(Tensor(x), np.array([-100, -100])).item()
    theirs = torch.nn.functional.cross_entropy(torch.tensor(x), torch.tensor([-100, -100]))
    assert np.isnan(ours) and np.isnan(theirs.item())


# -- shape rule -----------------------------------------------------------------------------------

ELEMENTWISE = ["mse_loss", "l1_loss", "huber_loss", "smooth_l1_loss", "binary_cross_entropy",
               "binary_cross_entropy_with_logits", "hinge_loss"]


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_n_by_1_prediction_and_flat_target_are_aligned(name):
    p = 1 / (1 + np.exp(-rng().standard_normal(6)))
    y = np.round(rng(1).random(6))
    fn = getattr(F, name)
    same = fn(Tensor(p), y, reduction="none")
    column = fn(Tensor(p.reshape(6, 1)), y, reduction="none")
    flat = fn(Tensor(p), y.reshape(6, 1), reduction="none")
    assert column.shape == (6, 1) and flat.shape == (6,)  # the prediction's shape
    np.testing.assert_array_equal(column.numpy().ravel(), same.data)
    np.testing.assert_array_equal(flat.data, same.data)
    assert fn(Tensor(p.reshape(6, 1)), y).item() == pytest.approx(fn(Tensor(p), y).item())


@pytest.mark.parametrize("name", ELEMENTWISE)
@pytest.mark.parametrize("shapes", [((6, 3), (6,)), ((6,), (5,)), ((6, 1), (1, 6)), ((2, 3), (3,))])
def test_other_shape_mismatches_raise_naming_both_shapes(name, shapes):
    pred_shape, target_shape = shapes
    with pytest.raises(ValueError) as err:
        getattr(F, name)(Tensor(np.full(pred_shape, 0.5)), np.zeros(target_shape))
    assert str(pred_shape) in str(err.value) and str(target_shape) in str(err.value)


def test_cross_entropy_shape_mismatch_names_both_shapes():
    with pytest.raises(ValueError, match=r"\(4, 3\).*\(4, 2\)"):
        F.cross_entropy(Tensor(np.zeros((4, 3))), np.zeros((4, 2)))
    with pytest.raises(ValueError, match=r"\(4, 3\).*\(5,\)"):
        F.nll_loss(Tensor(np.zeros((4, 3))), np.zeros(5, dtype=int))


@pytest.mark.parametrize("name", ELEMENTWISE + ["cross_entropy", "nll_loss"])
def test_a_bad_reduction_is_named(name):
    target = np.array([0, 1]) if name in ("cross_entropy", "nll_loss") else np.zeros(2)
    with pytest.raises(ValueError, match="'average'"):
        getattr(F, name)(Tensor(np.full((2, 2) if target.dtype.kind == "i" else 2, 0.5)), target,
                         reduction="average")


def test_float32_predictions_give_float32_losses_and_gradients():
    x = Tensor(rng().standard_normal((4, 3)).astype(np.float32), requires_grad=True)
    for loss in (F.cross_entropy(x, [0, 1, 2, 0]), F.mse_loss(x, np.zeros((4, 3))),
                 F.binary_cross_entropy_with_logits(x, np.ones((4, 3)))):
        assert loss.dtype == np.float32
        x.grad = None
        loss.backward()
        assert x.grad.dtype == np.float32


# -- gradient checks -----------------------------------------------------------------------------

GRADCHECK = {
    "mse_loss": lambda x: F.mse_loss(x, np.linspace(-1, 1, 6).reshape(2, 3)),
    "l1_loss": lambda x: F.l1_loss(x, np.linspace(-1, 1, 6).reshape(2, 3)),
    "huber_loss": lambda x: F.huber_loss(x, np.linspace(-1, 1, 6).reshape(2, 3), delta=0.7),
    "smooth_l1_loss": lambda x: F.smooth_l1_loss(x, np.zeros((2, 3)), beta=0.5),
    "binary_cross_entropy": lambda x: F.binary_cross_entropy(
        x.sigmoid(), np.array([[0, 1, 0.3], [1, 0, 0.8]])),
    "binary_cross_entropy_with_logits": lambda x: F.binary_cross_entropy_with_logits(
        x, np.array([[0, 1, 0.3], [1, 0, 0.8]]), pos_weight=np.array([2.0, 0.5, 1.0])),
    "cross_entropy": lambda x: F.cross_entropy(
        x, np.array([2, 0]), weight=np.array([1.0, 2.0, 0.5]), label_smoothing=0.1),
    "cross_entropy_probabilities": lambda x: F.cross_entropy(
        x, np.array([[0.2, 0.5, 0.3], [1.0, 0.0, 0.0]])),
    "nll_loss": lambda x: F.nll_loss(x.log_softmax(), np.array([1, 2])),
    "hinge_loss": lambda x: F.hinge_loss(x, np.array([[1, -1, 1], [-1, 1, 1]])),
}


@pytest.mark.parametrize("name", sorted(GRADCHECK))
def test_gradcheck(name):
    # values kept away from kinks (|d| = delta, hinge margin 1) where differences are unfair
    x = Tensor(np.array([[0.31, -1.72, 2.43], [-0.55, 1.37, -2.91]]), requires_grad=True)
    assert autograd.gradcheck(GRADCHECK[name], (x,))


def test_gradcheck_with_reduction_none():
    x = Tensor(np.array([[0.31, -1.72, 2.43], [-0.55, 1.37, -2.91]]), requires_grad=True)
    assert autograd.gradcheck(
        lambda x: F.cross_entropy(x, np.array([1, 2]), reduction="none", label_smoothing=0.2), x)
    assert autograd.gradcheck(
        lambda x: F.huber_loss(x, np.zeros((2, 3)), reduction="none", delta=2.0), x)


# -- loss modules and the registry ---------------------------------------------------------------

MODULES = [
    (nn.MSELoss, F.mse_loss, {}),
    (nn.L1Loss, F.l1_loss, {}),
    (nn.HuberLoss, F.huber_loss, {"delta": 0.5}),
    (nn.SmoothL1Loss, F.smooth_l1_loss, {"beta": 0.5}),
    (nn.BCELoss, F.binary_cross_entropy, {"weight": np.array([1.0, 2.0])}),
    (nn.BCEWithLogitsLoss, F.binary_cross_entropy_with_logits,
     {"pos_weight": np.array([2.0, 1.0])}),
    (nn.HingeLoss, F.hinge_loss, {}),
]


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize(("cls", "fn", "kwargs"), MODULES)
def test_loss_modules_call_their_function(cls, fn, kwargs, reduction):
    p = Tensor(1 / (1 + np.exp(-rng().standard_normal((5, 2)))))
    y = np.round(rng(1).random((5, 2)))
    got = cls(reduction=reduction, **kwargs)(p, y)
    np.testing.assert_array_equal(got.data, fn(p, y, reduction=reduction, **kwargs).data)


def test_cross_entropy_and_nll_modules_call_their_function():
    x = Tensor(rng().standard_normal((5, 3)))
    t = np.array([0, 2, 1, 1, 0])
    w = np.array([1.0, 0.5, 2.0], dtype=np.float32)
    got = nn.CrossEntropyLoss(weight=w, ignore_index=2, label_smoothing=0.1)(x, t)
    want = F.cross_entropy(x, t, weight=w, ignore_index=2, label_smoothing=0.1)
    assert got.item() == want.item()
    assert nn.NLLLoss(weight=w)(x.log_softmax(), t).item() == F.nll_loss(
        x.log_softmax(), t, weight=w).item()


def test_loss_module_weights_are_buffers_cast_by_to():
    loss = nn.CrossEntropyLoss(weight=[1.0, 2.0, 3.0])
    assert list(loss.state_dict()) == ["weight"]
    assert loss.double().weight.dtype == np.float64
    assert list(loss.parameters()) == []


def test_loss_module_reprs_show_what_differs_from_the_defaults():
    assert repr(nn.CrossEntropyLoss()) == "CrossEntropyLoss()"
    assert repr(nn.MSELoss(reduction="sum")) == "MSELoss(reduction='sum')"
    assert repr(nn.HuberLoss(delta=2.0)) == "HuberLoss(delta=2.0)"
    assert repr(nn.CrossEntropyLoss(label_smoothing=0.1)) == "CrossEntropyLoss(label_smoothing=0.1)"


@pytest.mark.parametrize("cls", [nn.MSELoss, nn.CrossEntropyLoss, nn.BCELoss, nn.HingeLoss])
def test_loss_modules_check_reduction_when_made(cls):
    with pytest.raises(ValueError, match="'avg'"):
        cls(reduction="avg")


def test_loss_module_options_are_checked_when_made():
    with pytest.raises(ValueError, match="delta"):
        nn.HuberLoss(delta=0)
    with pytest.raises(ValueError, match="beta"):
        nn.SmoothL1Loss(beta=-1)
    with pytest.raises(ValueError, match="label_smoothing"):
        nn.CrossEntropyLoss(label_smoothing=1.5)


@pytest.mark.parametrize(("name", "cls"), [
    ("mae", nn.L1Loss), ("mean_absolute_error", nn.L1Loss), ("MeanAbsoluteError", nn.L1Loss),
    ("mse", nn.MSELoss), ("mean_squared_error", nn.MSELoss), ("MSE", nn.MSELoss),
    ("huber", nn.HuberLoss), ("huber_loss", nn.HuberLoss),
    ("binary_crossentropy", nn.BCELoss), ("bce", nn.BCELoss),
    ("categorical_crossentropy", nn.CrossEntropyLoss),
    ("sparse_categorical_crossentropy", nn.CrossEntropyLoss),
    ("hinge", nn.HingeLoss),
])
def test_get_loss_maps_keras_names(name, cls):
    assert type(nn.get_loss(name)) is cls


def test_get_loss_passes_callables_and_instantiates_classes():
    criterion = nn.MSELoss(reduction="sum")
    assert nn.get_loss(criterion) is criterion
    assert nn.get_loss(F.l1_loss) is F.l1_loss
    assert type(nn.get_loss(nn.HingeLoss)) is nn.HingeLoss


def test_get_loss_unknown_name_lists_the_valid_ones():
    with pytest.raises(ValueError, match=r"'msee'.*mae.*sparse_categorical_crossentropy"):
        nn.get_loss("msee")
    with pytest.raises(TypeError, match="int"):
        nn.get_loss(3)


def test_categorical_crossentropy_takes_one_hot_targets_and_logits():
    x = Tensor(rng().standard_normal((4, 3)))
    t = np.array([2, 0, 1, 2])
    one_hot = np.eye(3)[t]
    sparse = nn.get_loss("sparse_categorical_crossentropy")(x, t).item()
    categorical = nn.get_loss("categorical_crossentropy")
    assert categorical(x, one_hot).item() == pytest.approx(sparse, rel=1e-6)
    assert categorical(x, one_hot.astype(bool)).item() == pytest.approx(sparse, rel=1e-6)


def test_cross_entropy_warns_when_given_probabilities_instead_of_logits():
    probs = Tensor(rng().standard_normal((4, 3))).softmax(-1)
    with pytest.warns(UserWarning, match="expects logits.*remove the softmax"):
        F.cross_entropy(probs, [0, 1, 2, 0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        F.cross_entropy(Tensor(rng().standard_normal((4, 3))), [0, 1, 2, 0])
        F.cross_entropy(Tensor(np.zeros((4, 3))), [0, 1, 2, 0])


def test_cross_entropy_with_every_target_ignored_is_nan_with_zero_gradient():
    x = autograd.randn(5, 3, requires_grad=True)
    loss = nn.functional.cross_entropy(x, np.full(5, -100))
    assert np.isnan(loss.item())
    loss.backward()
    np.testing.assert_array_equal(x.grad.data, np.zeros((5, 3)))


def test_get_loss_takes_pytorch_class_names_too():
    assert isinstance(nn.get_loss("MSELoss"), nn.MSELoss)
    assert isinstance(nn.get_loss("CrossEntropyLoss"), nn.CrossEntropyLoss)
    assert isinstance(nn.get_loss("l1loss"), nn.L1Loss)
