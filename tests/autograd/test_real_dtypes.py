"""A Tensor holds real numbers: bool, integers and floats. Strings, bytes, dates, durations,
records and Python objects are refused, as torch refuses them; complex numbers are refused too
(torch has complex tensors, but this engine does not differentiate them, and a complex value
would lose its imaginary part silently in a loss or a layer). Every refusal names the dtype."""

import datetime
import re

import numpy as np
import pytest

import autograd as ag
from autograd import Tensor

NOT_NUMBERS = {
    "str": np.array(["a", "bc"]),
    "bytes": np.array([b"x", b"yz"]),
    "object": np.array([{}, None], dtype=object),
    "datetime": np.array(["2024-01-01", "2024-06-30"], dtype="datetime64[D]"),
    "timedelta": np.array([1, 2], dtype="timedelta64[s]"),
    "record": np.zeros(2, dtype=[("a", "f4"), ("b", "i4")]),
}


@pytest.mark.parametrize("name", NOT_NUMBERS)
@pytest.mark.parametrize("make", [Tensor, ag.tensor], ids=["Tensor", "tensor"])
def test_arrays_that_hold_no_numbers_are_refused_naming_the_dtype(name, make):
    array = NOT_NUMBERS[name]
    with pytest.raises(TypeError, match="a tensor holds numbers") as info:
        make(array)
    assert str(array.dtype) in str(info.value)


@pytest.mark.parametrize("name", NOT_NUMBERS)
def test_torch_refuses_them_too(name):
    torch = pytest.importorskip("torch")
    with pytest.raises(TypeError):
        torch.tensor(NOT_NUMBERS[name])


@pytest.mark.parametrize("data, dtype", [
    (["1.0", "2.0"], "<U3"), ([b"1"], "|S1"), ([datetime.date(2024, 1, 1)], "object"),
    ([1.0, None], "object"), ([object()], "object"),
])
def test_lists_of_non_numbers_are_refused_naming_the_dtype_and_the_data(data, dtype):
    with pytest.raises(TypeError) as info:
        ag.tensor(data)
    message = str(info.value)
    assert f"dtype {dtype}" in message and repr(data)[:20] in message


@pytest.mark.parametrize("dtype", [object, "U3", "datetime64[s]"])
def test_a_non_numeric_dtype_argument_is_refused(dtype):
    with pytest.raises(TypeError, match=re.escape(str(np.dtype(dtype)))):
        Tensor([1.0, 2.0], dtype=dtype)


@pytest.mark.parametrize("data", [
    np.array([1 + 2j, 3j]), np.array([1j], dtype=np.complex64), [1 + 2j], 2j,
    np.complex128(1), [[1.0, 2.0], [3.0, 1j]],
])
def test_complex_numbers_are_refused_naming_the_dtype(data):
    with pytest.raises(TypeError, match="differentiates real numbers only") as info:
        ag.tensor(data)
    assert str(np.asarray(data).dtype) in str(info.value)
    with pytest.raises(TypeError, match="complex"):
        Tensor(data, requires_grad=True)


def test_a_complex_dtype_argument_is_refused():
    with pytest.raises(TypeError, match="complex128"):
        Tensor([1.0, 2.0], dtype=complex)
    with pytest.raises(TypeError, match="complex64"):
        ag.tensor(np.ones(2), dtype=np.complex64)


def test_a_complex_array_that_got_in_cannot_require_grad():
    z = Tensor._wrap(np.array([1 + 1j]))  # the engine's own no-check wrapper
    with pytest.raises(TypeError, match="only floating-point tensors can require grad.*complex"):
        z.requires_grad_()
    assert not z.requires_grad


@pytest.mark.parametrize("bad", [np.array([1j, 2j]), np.array(["a", "b"]), [None, None]])
def test_assigning_data_refuses_what_a_tensor_cannot_hold_and_keeps_the_values(bad):
    t = ag.tensor([1.0, 2.0], requires_grad=True)
    array = t.numpy()
    with pytest.raises(TypeError, match=re.escape(str(np.asarray(bad).dtype))):
        t.data = bad
    assert t.numpy() is array and t.tolist() == [1.0, 2.0]


@pytest.mark.parametrize("dtype", [np.bool_, np.int8, np.int16, np.int32, np.int64, np.uint8,
                                   np.uint32, np.float16, np.float32, np.float64])
def test_every_real_dtype_is_kept(dtype):
    array = np.arange(4).astype(dtype)
    assert Tensor(array).dtype == dtype and ag.tensor(array).dtype == dtype
    assert ag.tensor(array.tolist(), dtype=dtype).dtype == dtype


def test_only_floats_can_require_grad_and_a_refusal_changes_nothing():
    for dtype in (np.int64, np.bool_):
        t = ag.tensor(np.zeros(2, dtype))
        with pytest.raises(TypeError, match=str(np.dtype(dtype))):
            t.requires_grad_()
        assert not t.requires_grad
    assert ag.tensor(np.zeros(2, np.float16), requires_grad=True).requires_grad
