"""Hypothesis strategies for property-testing ops: safe floats, shapes, broadcastable shapes,
arrays, reduction axes and floats kept off an op's kinks.

Needs the ``hypothesis`` package (a dev dependency), so ``import autograd`` does not import
this module: import it explicitly. A new op is property-tested in three lines:

>>> from hypothesis import given
>>> from autograd import Tensor, gradcheck
>>> from autograd.testing import arrays
>>> @given(arrays())
... def test_cube(x):
...     gradcheck(lambda t: t * t * t, Tensor(x, requires_grad=True))
>>> test_cube()

``gradcheck`` compares the gradient backward computes with central differences in float64 and
raises ``GradcheckError``, which Hypothesis then shrinks to the simplest failing array.
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

__all__ = [
    "arrays",
    "broadcastable_shapes",
    "floats_away_from",
    "safe_floats",
    "shapes",
    "valid_axes",
]


def safe_floats(min_value: float = -10.0, max_value: float = 10.0,
                width: int = 64) -> st.SearchStrategy[float]:
    """Finite floats in [min_value, max_value]: no nan, no inf, no subnormals (whose
    derivatives underflow and make central differences meaningless). ``width`` 32 or 16 draws
    floats exact in that precision, bounds rounded inwards to the nearest such float."""
    if width != 64:
        min_value, max_value = _inward(min_value, max_value, np.dtype(f"float{width}").type)
    return st.floats(min_value, max_value, allow_nan=False, allow_infinity=False,
                     allow_subnormal=False, width=width)


def _inward(low: float, high: float, ftype) -> tuple[float, float]:
    lo, hi = ftype(low), ftype(high)
    if lo < low:
        lo = np.nextafter(lo, ftype(np.inf))
    if hi > high:
        hi = np.nextafter(hi, ftype(-np.inf))
    return float(lo), float(hi)


def shapes(min_dims: int = 0, max_dims: int = 3, min_side: int = 1,
           max_side: int = 4) -> st.SearchStrategy[tuple[int, ...]]:
    """Array shapes with ``min_dims..max_dims`` axes, each of length ``min_side..max_side``.
    The defaults keep arrays small, so gradcheck (two forward passes per element) stays fast."""
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side,
                            max_side=max_side)


def broadcastable_shapes(num_shapes: int = 2, min_dims: int = 0, max_dims: int = 3,
                         min_side: int = 1,
                         max_side: int = 4) -> st.SearchStrategy[tuple[tuple[int, ...], ...]]:
    """A tuple of ``num_shapes`` shapes that broadcast together under numpy's rules (align
    from the right; each axis pair is equal or one of them is 1; missing axes count as 1)."""
    return hnp.mutually_broadcastable_shapes(
        num_shapes=num_shapes, min_dims=min_dims, max_dims=max_dims, min_side=min_side,
        max_side=max_side,
    ).map(lambda drawn: tuple(drawn.input_shapes))


def arrays(shape=None, dtype=np.float64, elements=None, min_value: float = -10.0,
           max_value: float = 10.0) -> st.SearchStrategy[np.ndarray]:
    """numpy arrays of ``dtype`` whose elements are safe floats in [min_value, max_value]
    (integers in that range for an integer dtype), unless ``elements`` gives a strategy.

    ``shape`` is a tuple, an int, a strategy drawing shapes, or None for ``shapes()``.
    """
    dtype = np.dtype(dtype)
    if shape is None:
        shape = shapes()
    if elements is None:
        if dtype.kind == "f":
            elements = safe_floats(min_value, max_value, width=8 * dtype.itemsize)
        elif dtype.kind in "iu":
            elements = st.integers(int(np.ceil(min_value)), int(np.floor(max_value)))
        else:
            raise TypeError(
                f"arrays(): no default elements for dtype {dtype}; pass elements=a strategy"
            )
    return hnp.arrays(dtype, shape, elements=elements)


def valid_axes(ndim: int, allow_none: bool = True,
               allow_tuple: bool = True) -> st.SearchStrategy[int | tuple[int, ...] | None]:
    """An ``axis`` argument valid for an array of ``ndim`` dimensions: None, an int in
    [-ndim, ndim), or a non-empty tuple of distinct axes (negative ones included).

    The empty tuple is left out: numpy reduces over no axis for it, PyTorch over all of them.
    """
    if not isinstance(ndim, numbers.Integral) or ndim < 0:
        raise ValueError(f"valid_axes: ndim is a non-negative integer, got {ndim!r}")
    options = []
    if allow_none:
        options.append(st.none())
    if ndim > 0:
        options.append(st.integers(-ndim, ndim - 1))
        if allow_tuple:
            options.append(hnp.valid_tuple_axes(ndim, min_size=1))
    if not options:
        raise ValueError(
            f"valid_axes: nothing to draw for ndim={ndim} with allow_none={allow_none} "
            f"(a 0-d array has no int axis)"
        )
    return st.one_of(options)


def floats_away_from(kinks: float | Iterable[float], margin: float = 1e-3,
                     min_value: float = -10.0,
                     max_value: float = 10.0) -> st.SearchStrategy[float]:
    """Safe floats in [min_value, max_value] at least ``margin`` from every point in ``kinks``:
    where an op is not differentiable (relu and abs at 0) or has a pole (1/x at 0), a central
    difference straddling the point disagrees with any one-sided derivative.

    Draws from the intervals between the kinks, so nothing is filtered out and Hypothesis
    still shrinks towards simple values.
    """
    points = [float(kinks)] if isinstance(kinks, numbers.Real) else sorted(map(float, kinks))
    if margin < 0:
        raise ValueError(f"floats_away_from: margin must be >= 0, got {margin}")
    intervals = []
    low = min_value
    for k in points:
        if k - margin >= low:
            intervals.append((low, k - margin))
        low = max(low, k + margin)
    if low <= max_value:
        intervals.append((low, max_value))
    intervals = [(a, min(b, max_value)) for a, b in intervals if a <= min(b, max_value)]
    if not intervals:
        raise ValueError(
            f"floats_away_from: no float in [{min_value}, {max_value}] is {margin} away from "
            f"{points}"
        )
    return st.one_of([safe_floats(a, b) for a, b in intervals])
