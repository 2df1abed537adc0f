"""What the data modules share: where random draws come from, and arrays in and out."""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

import autograd
from autograd import Tensor


def check_generator(generator: Any, seed: Any, where: str) -> np.random.Generator | None:
    """The generator that ``generator`` or ``seed`` names, or None: draw from
    ``autograd.default_generator()`` at the time of each draw, so ``autograd.manual_seed``
    decides."""
    if generator is not None and seed is not None:
        raise ValueError(f"{where}: pass generator or seed, not both (got generator={generator!r},"
                         f" seed={seed!r})")
    if generator is not None:
        if not isinstance(generator, np.random.Generator):
            raise TypeError(f"{where}: generator must be a numpy.random.Generator "
                            f"(np.random.default_rng(seed)), got {type(generator).__name__}")
        return generator
    if seed is not None:
        return np.random.default_rng(check_seed(seed, where))
    return None


def check_seed(seed: Any, where: str) -> int:
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise ValueError(f"{where}: seed must be a non-negative integer, got {seed!r}")
    return int(seed)


def draw_from(rng: np.random.Generator | None) -> np.random.Generator:
    return autograd.default_generator() if rng is None else rng


def as_array(x: Any) -> np.ndarray:
    """The numpy array behind a Tensor, a numpy array, a list or a pandas object."""
    if isinstance(x, Tensor):
        return x.numpy()
    return np.asarray(x)


def like(original: Any, result: np.ndarray) -> Any:
    """``result`` as a Tensor when ``original`` was one, else as the array it is."""
    return autograd.Tensor(result) if isinstance(original, Tensor) else result


def check_positive_int(value: Any, name: str, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{where}: {name} must be a positive integer, got {name}={value!r}")
    return int(value)
