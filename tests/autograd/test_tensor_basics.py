"""Tensor construction, dtypes, makers, conversions, repr and the seeded generator."""

import numpy as np
import pytest

import autograd as ag
from autograd import Tensor

# -- construction and dtype rules -----------------------------------------------------------------


@pytest.mark.parametrize("make", [ag.tensor, Tensor])
def test_construction_from_numbers_lists_and_arrays(make):
    nested = [[1.5, 2.0], [3.0, -4.25]]
    array = np.array(nested)
    for source in (nested, array):
        t = make(source)
        np.testing.assert_array_equal(t.numpy(), np.array(nested))
        assert t.shape == (2, 2)
    scalar = make(2.5)
    assert scalar.shape == () and scalar.item() == 2.5


def test_python_floats_take_the_float32_default():
    assert ag.get_default_dtype() == np.float32
    assert ag.tensor(1.0).dtype == np.float32
    assert ag.tensor([1.0, 2.0]).dtype == np.float32
    assert ag.tensor([1, 2.5]).dtype == np.float32  # a mix of ints and floats is float


def test_python_ints_give_int64_and_bools_give_bool():
    assert ag.tensor(3).dtype == np.int64
    assert ag.tensor([[1, 2], [3, 4]]).dtype == np.int64
    assert ag.tensor([True, False]).dtype == np.bool_


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64, np.int32, np.int64])
def test_numpy_arrays_keep_their_dtype(dtype):
    array = np.arange(6, dtype=dtype).reshape(2, 3)
    assert ag.tensor(array).dtype == dtype
    assert Tensor(array).dtype == dtype
    assert ag.tensor(np.float64(2.0)).dtype == np.float64


def test_float64_on_request():
    assert ag.tensor([1.0, 2.0], dtype=np.float64).dtype == np.float64
    assert ag.tensor([1, 2], dtype=ag.float64).dtype == np.float64
    assert Tensor(np.ones(3, np.float32), dtype=np.float64).dtype == np.float64
    assert ag.zeros(2, dtype=np.float64).dtype == np.float64


def test_tensor_copies_its_source():
    source = np.array([1.0, 2.0])
    t = ag.tensor(source)
    source[0] = 99.0
    assert t.numpy()[0] == 1.0


def test_set_default_dtype():  # tests/conftest.py puts float32 back after each test
    ag.set_default_dtype(np.float64)
    assert ag.get_default_dtype() == np.float64
    assert ag.tensor([1.0, 2.0]).dtype == np.float64
    assert ag.zeros(2).dtype == np.float64
    assert ag.randn(2).dtype == np.float64
    assert ag.tensor(np.ones(2, np.float32)).dtype == np.float32  # arrays still keep theirs
    ag.set_default_dtype(np.float32)
    assert ag.tensor([1.0]).dtype == np.float32


@pytest.mark.parametrize("bad", [np.int64, np.float16, "bool"])
def test_set_default_dtype_rejects_non_float32_64(bad):
    with pytest.raises(TypeError, match=str(np.dtype(bad))):
        ag.set_default_dtype(bad)
    assert ag.get_default_dtype() == np.float32


def test_bad_input_string_raises_naming_it():
    with pytest.raises(TypeError, match="'abc'"):
        ag.tensor("abc")
    with pytest.raises(TypeError, match="'1.0'"):
        Tensor(["1.0", "2.0"])


def test_bad_input_ragged_list_raises_naming_it():
    ragged = [[1.0, 2.0], [3.0]]
    with pytest.raises((TypeError, ValueError)) as info:
        ag.tensor(ragged)
    assert repr(ragged) in str(info.value)


def test_bad_input_object_raises():
    with pytest.raises(TypeError, match="object"):
        ag.tensor(object())


# -- makers ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("maker, fill", [(ag.zeros, 0.0), (ag.ones, 1.0)])
def test_zeros_ones(maker, fill):
    for t in (maker(2, 3), maker((2, 3)), maker([2, 3])):
        assert t.shape == (2, 3) and t.dtype == np.float32
        assert np.all(t.numpy() == fill)
    assert maker(4, dtype=np.float64).dtype == np.float64
    assert maker(3, requires_grad=True).requires_grad
    assert not maker(3).requires_grad


def test_makers_reject_negative_sizes():
    with pytest.raises(ValueError, match="-1"):
        ag.zeros(2, -1)
    with pytest.raises(ValueError, match="-3"):
        ag.randn(-3)


def test_full():
    t = ag.full((2, 3), 7.5)
    np.testing.assert_array_equal(t.numpy(), np.full((2, 3), 7.5))
    assert t.dtype == np.float32
    assert ag.full(4, 2.0).shape == (4,)
    assert ag.full((2,), 1.0, dtype=np.float64, requires_grad=True).requires_grad


def test_arange():
    ints = ag.arange(5)
    assert ints.dtype == np.int64
    np.testing.assert_array_equal(ints.numpy(), np.arange(5))
    np.testing.assert_array_equal(ag.arange(2, 11, 3).numpy(), np.arange(2, 11, 3))
    floats = ag.arange(0.0, 1.0, 0.25)
    assert floats.dtype == np.float32
    np.testing.assert_allclose(floats.numpy(), np.arange(0.0, 1.0, 0.25))
    assert ag.arange(4, dtype=np.float64).dtype == np.float64


def test_eye():
    np.testing.assert_array_equal(ag.eye(3).numpy(), np.eye(3))
    np.testing.assert_array_equal(ag.eye(2, 4).numpy(), np.eye(2, 4))
    assert ag.eye(3).dtype == np.float32
    assert ag.eye(2, dtype=np.float64).dtype == np.float64


def test_randn_and_rand_shapes_and_ranges():
    ag.manual_seed(0)
    n = ag.randn(200, 50)
    assert n.shape == (200, 50) and n.dtype == np.float32
    assert abs(float(n.numpy().mean())) < 0.05 and abs(float(n.numpy().std()) - 1) < 0.05
    u = ag.rand(100, 100, dtype=np.float64)
    assert u.dtype == np.float64
    assert u.numpy().min() >= 0.0 and u.numpy().max() < 1.0
    assert ag.randn((3, 4)).shape == (3, 4)
    assert ag.rand(2, requires_grad=True).requires_grad


def test_like_makers_keep_shape_and_dtype():
    source = ag.tensor(np.arange(6.0).reshape(2, 3))  # float64 array
    for made in (ag.zeros_like(source), ag.ones_like(source), ag.full_like(source, 3.0),
                 ag.randn_like(source), ag.rand_like(source)):
        assert made.shape == (2, 3) and made.dtype == np.float64
        assert not made.requires_grad
    np.testing.assert_array_equal(ag.zeros_like(source).numpy(), np.zeros((2, 3)))
    np.testing.assert_array_equal(ag.ones_like(source).numpy(), np.ones((2, 3)))
    np.testing.assert_array_equal(ag.full_like(source, 3.0).numpy(), np.full((2, 3), 3.0))
    assert ag.zeros_like(source, dtype=np.float32).dtype == np.float32
    assert ag.ones_like(np.ones(4, np.float32)).dtype == np.float32  # arrays work too
    assert ag.randn_like(source, requires_grad=True).requires_grad


# -- the seeded generator -------------------------------------------------------------------------


def test_manual_seed_reproduces_randn_and_rand():
    ag.manual_seed(1234)
    first = (ag.randn(3, 4).numpy(), ag.rand(5).numpy(), ag.randn_like(ag.zeros(2)).numpy())
    ag.manual_seed(1234)
    second = (ag.randn(3, 4).numpy(), ag.rand(5).numpy(), ag.randn_like(ag.zeros(2)).numpy())
    for a, b in zip(first, second, strict=True):
        np.testing.assert_array_equal(a, b)
    ag.manual_seed(1235)
    assert not np.array_equal(ag.randn(3, 4).numpy(), first[0])


def test_manual_seed_returns_the_default_generator():
    generator = ag.manual_seed(7)
    assert generator is ag.default_generator()
    expected = np.random.default_rng(7).standard_normal((2, 2))
    np.testing.assert_allclose(ag.randn(2, 2, dtype=np.float64).numpy(), expected)


@pytest.mark.parametrize("bad", [-1, 1.5, "0"])
def test_manual_seed_rejects_bad_seeds(bad):
    before = ag.default_generator()
    with pytest.raises(ValueError, match=repr(bad).replace(".", r"\.")):
        ag.manual_seed(bad)
    assert ag.default_generator() is before


# -- requires_grad --------------------------------------------------------------------------------


def test_requires_grad_flags():
    leaf = ag.tensor([1.0, 2.0], requires_grad=True)
    assert leaf.requires_grad and leaf.is_leaf and leaf.grad is None and leaf.grad_fn is None
    plain = ag.tensor([1.0, 2.0])
    assert not plain.requires_grad
    assert plain.requires_grad_() is plain and plain.requires_grad
    made = leaf * 2
    assert made.requires_grad and not made.is_leaf and made.grad_fn.name() == "MulBackward0"
    assert not (plain.detach() * 2).requires_grad


@pytest.mark.parametrize("data", [[1, 2, 3], np.arange(3, dtype=np.int32), [True, False]])
def test_int_and_bool_tensors_cannot_require_grad(data):
    with pytest.raises(TypeError, match="floating-point") as info:
        ag.tensor(data, requires_grad=True)
    assert str(np.asarray(data).dtype) in str(info.value)
    t = ag.tensor(data)
    with pytest.raises(TypeError, match=str(t.dtype)):
        t.requires_grad_()
    assert not t.requires_grad


def test_requires_grad_false_on_a_non_leaf_raises():
    made = ag.tensor([1.0], requires_grad=True).exp()
    with pytest.raises(RuntimeError, match="exp"):
        made.requires_grad_(False)
    assert made.requires_grad


# -- properties and conversions -------------------------------------------------------------------


def test_properties():
    array = np.arange(24.0).reshape(2, 3, 4)
    t = ag.tensor(array)
    assert t.numpy() is not array and isinstance(t.numpy(), np.ndarray)
    assert t.shape == (2, 3, 4) and t.ndim == 3
    assert t.size() == (2, 3, 4) and t.size(1) == t.size(-2) == 3
    assert t.dim() == 3 and t.numel() == 24 and len(t) == 2
    np.testing.assert_array_equal(t.T.numpy(), array.T)
    assert t.T.shape == (4, 3, 2)


def test_item_tolist_numpy_asarray():
    t = ag.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=np.float64)
    assert t.tolist() == [[1.0, 2.0], [3.0, 4.0]]
    assert ag.tensor(2.5).item() == 2.5 and isinstance(ag.tensor(2.5).item(), float)
    assert ag.tensor([7]).item() == 7 and isinstance(ag.tensor([7]).item(), int)
    assert t.numpy() is t.numpy() is np.asarray(t)  # shared, as torch's .numpy()
    np.testing.assert_array_equal(t.data.numpy(), t.numpy())
    assert np.asarray(t, dtype=np.float32).dtype == np.float32
    assert float(ag.tensor(1.5)) == 1.5 and int(ag.tensor(3)) == 3
    with pytest.raises(ValueError, match=r"\(2, 2\)"):
        t.item()


def test_iteration_and_truth_value():
    t = ag.tensor([1.0, 2.0, 3.0])
    assert [x.item() for x in t] == [1.0, 2.0, 3.0]
    assert bool(ag.tensor([1.0])) and not bool(ag.tensor(0.0))
    with pytest.raises(RuntimeError, match=r"\(3,\)"):
        bool(t)
    with pytest.raises(TypeError, match="0-d"):
        len(ag.tensor(1.0))


def test_numpy_array_on_the_left_gives_a_tensor():
    t = ag.tensor([1.0, 2.0], dtype=np.float64, requires_grad=True)
    out = np.array([10.0, 20.0]) + t
    assert isinstance(out, Tensor) and out.requires_grad
    np.testing.assert_array_equal(out.numpy(), [11.0, 22.0])


def test_dtype_conversions_carry_the_gradient_back():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    d = x.double()
    assert d.dtype == np.float64 and d.requires_grad
    assert x.float() is x
    assert x.astype(np.float64).dtype == np.float64
    (d * d).sum().backward()
    assert x.grad.dtype == np.float32
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 4.0])
    ints = x.astype(np.int64)
    assert ints.dtype == np.int64 and not ints.requires_grad


def test_detach_shares_data_and_cuts_the_graph():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    d = y.detach()
    assert not d.requires_grad and d.is_leaf and d.grad_fn is None
    assert np.shares_memory(d.numpy(), y.numpy())
    np.testing.assert_array_equal(d.numpy(), [3.0, 6.0])
    (d * y).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 3 * d.numpy())  # d is a constant: d(d*3x)/dx = 3d


# -- repr -----------------------------------------------------------------------------------------


def test_repr_looks_like_torch():
    leaf = ag.tensor([1.0, 2.0], requires_grad=True)
    text = repr(leaf)
    assert text.startswith("tensor([") and text.endswith(", requires_grad=True)")
    assert "1." in text and "2." in text
    made = repr(leaf * 2)
    assert made.startswith("tensor([") and "grad_fn=<MulBackward0>" in made
    assert "requires_grad" not in made
    assert repr(ag.tensor([1.0])).endswith("])")  # default dtype: not shown
    assert "dtype=float64" in repr(ag.tensor([1.0], dtype=np.float64))
    assert repr(ag.tensor([1, 2])) == "tensor([1, 2])"
    assert "dtype=int32" in repr(ag.tensor(np.array([1, 2], np.int32)))
    assert "\n" in repr(ag.zeros(2, 2))  # one row per line, as a matrix
