"""Run one tutorial program on two libraries from the same starting numbers.

A program is a function of ``torch`` (the module it would import) that prints what the tutorial
prints. The first run gets retrograd's ``nn.torch`` untouched, except that every tensor its
random makers return, and every fresh ``nn.Linear``'s weights, are copied onto a tape as they
are made (nothing the program sees changes). The second run gets PyTorch, whose random makers
and ``nn.Linear`` replay the tape in the same order, so both runs start from the same numbers;
then their printed lines can be compared.
"""

from __future__ import annotations

import contextlib
import io
import random
import re
from collections import deque

import numpy as np

RANDOM_MAKERS = ("randn", "rand", "randn_like", "rand_like", "randint", "randperm", "normal")
NUMBER = re.compile(r"(?<![\w^])-?\d+(?:\.\d*)?(?:e[-+]?\d+)?|nan|-?inf")


class _Proxy:
    """A module seen through a window: the names in ``overrides`` are replaced, every other
    attribute is the module's own."""

    def __init__(self, module, overrides: dict):
        self._module, self._overrides = module, overrides

    def __getattr__(self, name: str):
        if name in self._overrides:
            return self._overrides[name]
        return getattr(self._module, name)


def _array(t) -> np.ndarray:
    return np.array(t.detach().numpy() if hasattr(t, "detach") else t, copy=True)


class SameStart:
    """Records what retrograd's random makers give (``recording()``), then hands the same
    numbers to PyTorch's (``replaying(torch)``)."""

    def __init__(self, seed: int = 0):
        self.tape: deque = deque()
        self.seed = seed

    def recording(self, torch):
        def maker(name):
            real = getattr(torch, name)

            def make(*args, **kwargs):
                t = real(*args, **kwargs)
                self.tape.append(_array(t))
                return t

            return make

        def linear(*args, **kwargs):
            layer = torch.nn.Linear(*args, **kwargs)
            self.tape.append(_array(layer.weight))
            if layer.bias is not None:
                self.tape.append(_array(layer.bias))
            return layer

        nn = _Proxy(torch.nn, {"Linear": linear})
        return _Proxy(torch, {"nn": nn, **{name: maker(name) for name in RANDOM_MAKERS}})

    def replaying(self, torch):
        def put(t):
            with torch.no_grad():
                values = self.tape.popleft()
                assert tuple(t.shape) == values.shape, (tuple(t.shape), values.shape)
                t.copy_(torch.from_numpy(values))
            return t

        def maker(name):
            real = getattr(torch, name)
            return lambda *args, **kwargs: put(real(*args, **kwargs))

        def linear(*args, **kwargs):
            layer = torch.nn.Linear(*args, **kwargs)
            put(layer.weight)
            if layer.bias is not None:
                put(layer.bias)
            return layer

        nn = _Proxy(torch.nn, {"Linear": linear})
        return _Proxy(torch, {"nn": nn, **{name: maker(name) for name in RANDOM_MAKERS}})

    def run_alone(self, program, ours, *args) -> str:
        """What ``program`` printed on retrograd (``ours``), Python's random seeded."""
        state = random.getstate()
        try:
            random.seed(self.seed)
            with contextlib.redirect_stdout(io.StringIO()) as printed:
                program(self.recording(ours), *args)
        finally:
            random.setstate(state)
        return printed.getvalue()

    def run_both(self, program, ours, theirs, *args) -> tuple[str, str]:
        """Run ``program`` on retrograd (``ours``) and then on PyTorch (``theirs``), each with
        Python's ``random`` seeded alike (for programs that draw from it); return what each
        printed. Both runs must use up the tape exactly."""
        outputs = []
        state = random.getstate()
        try:
            for torch in (self.recording(ours), self.replaying(theirs)):
                random.seed(self.seed)
                with contextlib.redirect_stdout(io.StringIO()) as printed:
                    program(torch, *args)
                outputs.append(printed.getvalue())
        finally:
            random.setstate(state)
        assert not self.tape, f"PyTorch's run left {len(self.tape)} recorded draws unused"
        return outputs[0], outputs[1]


def numbers(printed: str) -> list[float]:
    """Every number a program printed, in order."""
    return [float(n) for n in NUMBER.findall(printed)]


