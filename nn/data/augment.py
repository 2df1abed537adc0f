"""Data augmentation: new training examples made from the ones there are (lesson 002: crop,
flip, rotate, scale, add noise, change the light).

Every transform is called on a whole batch and draws afresh for each sample at each call, so
each epoch sees different variants. The draws come from ``generator``, from
``np.random.default_rng(seed)`` made once when ``seed`` is given, and otherwise from
``autograd.default_generator()`` (so ``autograd.manual_seed`` makes them repeat). Transforms
chain with ``Compose([...])``. Images are numpy arrays or Tensors shaped (H, W) for one image,
(N, H, W) for a batch of gray images or (N, H, W, C) with channels last; pass
``channels_first=True`` for PyTorch's (N, C, H, W). A transform returns the dtype it got
(integer images are rounded and clipped to their dtype's range).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ._common import as_array, check_generator, draw_from, like

__all__ = [
    "Compose", "GaussianNoise", "RandomFlip", "RandomRotation", "RandomShift", "RandomZoom",
    "RandomCrop", "RandomBrightness",
]


class Compose:
    """Apply ``transforms`` one after another: ``Compose([RandomFlip(), GaussianNoise(0.05)])``.
    """

    def __init__(self, transforms: Sequence[Callable]):
        transforms = list(transforms)
        for i, t in enumerate(transforms):
            if not callable(t):
                raise TypeError(f"Compose: transform {i} is a {type(t).__name__}, which is not "
                                "callable")
        self.transforms = transforms

    def __call__(self, x: Any) -> Any:
        for t in self.transforms:
            x = t(x)
        return x

    def __repr__(self) -> str:
        inner = "".join(f"\n    {t!r}," for t in self.transforms)
        return f"Compose([{inner}\n])"


def _number(value: Any, name: str, where: str, low: float = 0.0) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) \
            or not math.isfinite(value) or value < low:
        raise ValueError(f"{where}: {name} must be a finite number >= {low:g}, got {value!r}")
    return float(value)


def _value_range(value_range: Any, where: str) -> tuple[float, float] | None:
    if value_range is None:
        return None
    try:
        lo, hi = (float(v) for v in value_range)
    except (TypeError, ValueError):
        raise ValueError(f"{where}: value_range must be a pair (min, max), got "
                         f"{value_range!r}") from None
    if not lo < hi:
        raise ValueError(f"{where}: value_range must have min < max, got {value_range!r}")
    return lo, hi


class _Transform:
    """The random source and the dtype round trip every transform shares."""

    def __init__(self, generator: np.random.Generator | None, seed: int | None):
        self._rng = check_generator(generator, seed, type(self).__name__)

    def __call__(self, x: Any) -> Any:
        a = as_array(x)
        if a.dtype.kind not in "iuf":
            raise TypeError(f"{type(self).__name__}: expected an array of numbers, got dtype "
                            f"{a.dtype}")
        out = self._apply(a.astype(np.float64), draw_from(self._rng))
        if a.dtype.kind in "iu":
            info = np.iinfo(a.dtype)
            out = np.clip(np.rint(out), info.min, info.max)
        return like(x, out.astype(a.dtype))

    def _apply(self, a: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        raise NotImplementedError(f"{type(self).__name__} must define _apply()")

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in vars(self).items() if not k.startswith("_"))
        return f"{type(self).__name__}({args})"


class GaussianNoise(_Transform):
    """x + e with e ~ N(0, std^2) drawn for every value: for tables and images alike.
    ``value_range`` (e.g. (0, 1)) clips the result."""

    def __init__(self, std: float, value_range: tuple[float, float] | None = None,
                 generator: np.random.Generator | None = None, seed: int | None = None):
        self.std = _number(std, "std", "GaussianNoise")
        self.value_range = _value_range(value_range, "GaussianNoise")
        super().__init__(generator, seed)

    def _apply(self, a: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        out = a + rng.normal(0.0, self.std, size=a.shape)
        return out if self.value_range is None else np.clip(out, *self.value_range)


class _ImageTransform(_Transform):
    """Images seen as (N, H, W, C) whatever their layout."""

    def __init__(self, channels_first: bool, generator, seed):
        self.channels_first = bool(channels_first)
        super().__init__(generator, seed)

    def _apply(self, a: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        if a.ndim == 2:
            return self._images(a[None, :, :, None], rng)[0, :, :, 0]
        if a.ndim == 3:
            return self._images(a[..., None], rng)[..., 0]
        if a.ndim == 4 and self.channels_first:
            return self._images(a.transpose(0, 2, 3, 1), rng).transpose(0, 3, 1, 2)
        if a.ndim == 4:
            return self._images(a, rng)
        raise ValueError(f"{type(self).__name__}: expected images shaped (H, W), (N, H, W) or "
                         f"(N, H, W, C) ((N, C, H, W) with channels_first=True), got shape "
                         f"{a.shape}")

    def _images(self, a: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        raise NotImplementedError(f"{type(self).__name__} must define _images()")


class RandomFlip(_ImageTransform):
    """Mirror each image with probability ``p``: ``mode`` "horizontal" (left-right),
    "vertical" (upside down) or "horizontal_and_vertical" (each drawn on its own), Keras'
    names."""

    _MODES = ("horizontal", "vertical", "horizontal_and_vertical")

    def __init__(self, mode: str = "horizontal", p: float = 0.5, channels_first: bool = False,
                 generator: np.random.Generator | None = None, seed: int | None = None):
        if mode not in self._MODES:
            raise ValueError(f"RandomFlip: mode must be one of {list(self._MODES)}, got {mode!r}")
        if not (isinstance(p, numbers.Real) and 0 <= p <= 1):
            raise ValueError(f"RandomFlip: p must be a probability in [0, 1], got {p!r}")
        self.mode, self.p = mode, float(p)
        super().__init__(channels_first, generator, seed)

    def _images(self, a: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        out = a.copy()
        if self.mode != "vertical":
            flip = rng.random(len(a)) < self.p
            out[flip] = out[flip, :, ::-1]
        if self.mode != "horizontal":
            flip = rng.random(len(a)) < self.p
            out[flip] = out[flip, ::-1]
        return out


def _resample(a: np.ndarray, rows: np.ndarray, cols: np.ndarray, interpolation: str,
              fill: float) -> np.ndarray:
    """Each output pixel (n, i, j) read at the source point (rows[n, i, j], cols[n, i, j]) of
    image n; points outside the image read ``fill``."""
    n, h, w, _ = a.shape
    batch = np.arange(n)[:, None, None]

    def pixel(r: np.ndarray, c: np.ndarray) -> np.ndarray:
        inside = (r >= 0) & (r < h) & (c >= 0) & (c < w)
        got = a[batch, np.clip(r, 0, h - 1), np.clip(c, 0, w - 1)]
        return np.where(inside[..., None], got, fill)

    if interpolation == "nearest":
        return pixel(np.floor(rows + 0.5).astype(np.int64), np.floor(cols + 0.5).astype(np.int64))
    r0, c0 = np.floor(rows), np.floor(cols)
    dr, dc = (rows - r0)[..., None], (cols - c0)[..., None]
    r0, c0 = r0.astype(np.int64), c0.astype(np.int64)
    return ((1 - dr) * (1 - dc) * pixel(r0, c0) + (1 - dr) * dc * pixel(r0, c0 + 1)
            + dr * (1 - dc) * pixel(r0 + 1, c0) + dr * dc * pixel(r0 + 1, c0 + 1))


class _Affine(_ImageTransform):
    """Transforms that move pixels: each output pixel p reads the source point
    m (p - c) + c - t of its image (c the centre, m a 2x2 matrix, t a shift)."""

    def __init__(self, interpolation: str, fill: float, channels_first: bool, generator, seed):
        if interpolation not in ("bilinear", "nearest"):
            raise ValueError(f"{type(self).__name__}: interpolation must be 'bilinear' or "
                             f"'nearest', got {interpolation!r}")
        self.interpolation = interpolation
        self.fill = _number(fill, "fill", type(self).__name__, low=-math.inf)
        super().__init__(channels_first, generator, seed)

    def _draw(self, n: int, h: int, w: int, rng: np.random.Generator) -> tuple:
        """Matrices (n, 2, 2) and shifts (n, 2) in (row, column) order."""
        raise NotImplementedError(f"{type(self).__name__} must define _draw()")

    def _images(self, a: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        n, h, w, _ = a.shape
        m, t = self._draw(n, h, w, rng)
        i, j = np.meshgrid(np.arange(h) - (h - 1) / 2, np.arange(w) - (w - 1) / 2, indexing="ij")
        rows = m[:, 0, 0, None, None] * i + m[:, 0, 1, None, None] * j + (h - 1) / 2
        cols = m[:, 1, 0, None, None] * i + m[:, 1, 1, None, None] * j + (w - 1) / 2
        rows = rows - t[:, 0, None, None]
        cols = cols - t[:, 1, None, None]
        return _resample(a, rows, cols, self.interpolation, self.fill)


def _span(value: Any, name: str, where: str) -> tuple[float, float]:
    """(-v, v) for a number v >= 0, or a pair (low, high) with low <= high."""
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        v = _number(value, name, where)
        return -v, v
    try:
        lo, hi = (float(v) for v in value)
    except (TypeError, ValueError):
        raise ValueError(f"{where}: {name} must be a number or a pair (low, high), got "
                         f"{value!r}") from None
    if not (math.isfinite(lo) and math.isfinite(hi) and lo <= hi):
        raise ValueError(f"{where}: {name} must be a pair of finite numbers with low <= high, "
                         f"got {value!r}")
    return lo, hi


class RandomRotation(_Affine):
    """Rotate each image about its centre by an angle drawn uniformly from
    [-degrees, degrees] (or from the pair given), counterclockwise for positive angles as
    torchvision; the corners that come from outside the image read ``fill``. A rotation by
    90 degrees of a square image is ``np.rot90``."""

    def __init__(self, degrees: float | tuple[float, float], interpolation: str = "bilinear",
                 fill: float = 0.0, channels_first: bool = False,
                 generator: np.random.Generator | None = None, seed: int | None = None):
        self.degrees = _span(degrees, "degrees", "RandomRotation")
        super().__init__(interpolation, fill, channels_first, generator, seed)

    def _draw(self, n, h, w, rng):
        theta = np.deg2rad(rng.uniform(*self.degrees, size=n))
        cos, sin = np.cos(theta), np.sin(theta)
        return np.stack([np.stack([cos, sin], -1), np.stack([-sin, cos], -1)], 1), np.zeros((n, 2))


class RandomZoom(_Affine):
    """Scale each image about its centre by a factor drawn uniformly from
    [1 - factor, 1 + factor] (or from the pair given): above 1 zooms in, below 1 zooms out and
    fills the border with ``fill``."""

    def __init__(self, factor: float | tuple[float, float], interpolation: str = "bilinear",
                 fill: float = 0.0, channels_first: bool = False,
                 generator: np.random.Generator | None = None, seed: int | None = None):
        if isinstance(factor, numbers.Real) and not isinstance(factor, bool):
            f = _number(factor, "factor", "RandomZoom")
            if f >= 1:
                raise ValueError(f"RandomZoom: factor must be below 1 (a scale in "
                                 f"[1 - factor, 1 + factor]), got {factor!r}")
            self.factor = (1 - f, 1 + f)
        else:
            self.factor = _span(factor, "factor", "RandomZoom")
            if self.factor[0] <= 0:
                raise ValueError(f"RandomZoom: scales must be positive, got {factor!r}")
        super().__init__(interpolation, fill, channels_first, generator, seed)

    def _draw(self, n, h, w, rng):
        inv = 1.0 / rng.uniform(*self.factor, size=n)
        m = np.zeros((n, 2, 2))
        m[:, 0, 0] = m[:, 1, 1] = inv
        return m, np.zeros((n, 2))


class RandomShift(_Affine):
    """Move each image by a whole number of pixels drawn uniformly from
    [-max_shift, max_shift] along each axis; ``max_shift`` is pixels (an int) or a fraction of
    the image's size (a float below 1), or a pair (rows, columns) of either. What enters from
    outside reads ``fill``."""

    def __init__(self, max_shift: float | tuple[float, float], fill: float = 0.0,
                 channels_first: bool = False, generator: np.random.Generator | None = None,
                 seed: int | None = None):
        pair = max_shift if isinstance(max_shift, Sequence) else (max_shift, max_shift)
        if len(pair) != 2:
            raise ValueError(f"RandomShift: max_shift must be a number or a pair (rows, "
                             f"columns), got {max_shift!r}")
        for v in pair:
            _number(v, "max_shift", "RandomShift")
        self.max_shift = tuple(pair)
        super().__init__("nearest", fill, channels_first, generator, seed)

    def _draw(self, n, h, w, rng):
        limits = [int(round(s * size)) if isinstance(s, float) and s < 1 else int(s)
                  for s, size in zip(self.max_shift, (h, w))]
        t = np.stack([rng.integers(-k, k, size=n, endpoint=True) for k in limits], 1)
        return np.broadcast_to(np.eye(2), (n, 2, 2)), t.astype(np.float64)


class RandomCrop(_ImageTransform):
    """Cut a ``size`` (h, w) window at a random place of each image, after padding every side
    with ``padding`` pixels of ``fill`` (torchvision's RandomCrop: ``RandomCrop(28,
    padding=4)`` keeps 28x28 images while moving them by up to 4 pixels)."""

    def __init__(self, size: int | tuple[int, int], padding: int = 0, fill: float = 0.0,
                 channels_first: bool = False, generator: np.random.Generator | None = None,
                 seed: int | None = None):
        pair = (size, size) if isinstance(size, numbers.Integral) else tuple(size)
        if len(pair) != 2 or not all(isinstance(s, numbers.Integral) and not isinstance(s, bool)
                                     and s >= 1 for s in pair):
            raise ValueError(f"RandomCrop: size must be a positive int or a pair of them, got "
                             f"{size!r}")
        if isinstance(padding, bool) or not isinstance(padding, numbers.Integral) or padding < 0:
            raise ValueError(f"RandomCrop: padding must be an int >= 0, got {padding!r}")
        self.size = (int(pair[0]), int(pair[1]))
        self.padding = int(padding)
        self.fill = _number(fill, "fill", "RandomCrop", low=-math.inf)
        super().__init__(channels_first, generator, seed)

    def _images(self, a: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        p, (h, w) = self.padding, self.size
        if p:
            a = np.pad(a, ((0, 0), (p, p), (p, p), (0, 0)), constant_values=self.fill)
        n, ph, pw, _ = a.shape
        if h > ph or w > pw:
            raise ValueError(f"RandomCrop: a {h}x{w} crop does not fit in a {ph}x{pw} image "
                             f"(padding {p} included)")
        top = rng.integers(0, ph - h, size=n, endpoint=True)
        left = rng.integers(0, pw - w, size=n, endpoint=True)
        rows = top[:, None, None] + np.arange(h)[None, :, None]
        cols = left[:, None, None] + np.arange(w)[None, None, :]
        return a[np.arange(n)[:, None, None], rows, cols]


class RandomBrightness(_ImageTransform):
    """Multiply each image by a factor drawn uniformly from [1 - factor, 1 + factor] (or from
    the pair given): lighter or darker (torchvision's brightness jitter). ``value_range``
    (e.g. (0, 255)) clips the result."""

    def __init__(self, factor: float | tuple[float, float],
                 value_range: tuple[float, float] | None = None, channels_first: bool = False,
                 generator: np.random.Generator | None = None, seed: int | None = None):
        if isinstance(factor, numbers.Real) and not isinstance(factor, bool):
            f = _number(factor, "factor", "RandomBrightness")
            self.factor = (max(0.0, 1 - f), 1 + f)
        else:
            self.factor = _span(factor, "factor", "RandomBrightness")
            if self.factor[0] < 0:
                raise ValueError(f"RandomBrightness: factors must be >= 0, got {factor!r}")
        self.value_range = _value_range(value_range, "RandomBrightness")
        super().__init__(channels_first, generator, seed)

    def _images(self, a: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        out = a * rng.uniform(*self.factor, size=len(a))[:, None, None, None]
        return out if self.value_range is None else np.clip(out, *self.value_range)
