"""PyTorch's beginner tutorials ("Learning PyTorch with Examples") with only the import line
changed: every program of programs.py runs on ``nn.torch`` exactly as it would on PyTorch, and
then on PyTorch from the same starting numbers (same_start.py); both must print the same losses.

Each runs twice: in float32, as the tutorials are written, and in float64. The two libraries
add up sums in different orders, so the losses agree to rounding: in float64 to 1e-9 relative;
in float32 to 1e-4, and to 1e-3 for the two-layer nets, whose loss falls by seven orders of
magnitude, leaving the last ones made of float32 rounding of the first. Without PyTorch the
float32 run still checks that the program runs here and learns.

RMSprop (polynomial_optim) reaches its noise floor near step 1300, where its steps of about lr
in each coefficient hop around the optimum and amplify the last bit of any difference: there
the losses agree to the bit until then, and the final loss to 1%.
"""

from __future__ import annotations

import contextlib
import inspect

import numpy as np
import pytest

import nn.torch as ours

from . import programs
from .same_start import SameStart, numbers

PROGRAMS = [
    "polynomial_tensor", "polynomial_autograd", "polynomial_custom_function", "polynomial_nn",
    "polynomial_optim", "polynomial_module", "dynamic_net", "two_layer_net_tensor",
    "two_layer_net_autograd", "two_layer_net_custom_function", "two_layer_net_nn",
    "two_layer_net_optim", "two_layer_net_module",
]
RTOL = {"float32": 1e-4, "float64": 1e-9}
RTOL_TWO_LAYER = {"float32": 1e-3, "float64": 1e-9}
CHAOTIC_AFTER = {"polynomial_optim": 1299}  # the last step compared tightly


def losses(printed: str) -> tuple[list[int], np.ndarray]:
    """The (step, loss) pairs a program printed, as two lists."""
    rows = [line.split() for line in printed.splitlines()]
    rows = [r for r in rows if len(r) == 2 and r[0].isdigit()]
    return [int(r[0]) for r in rows], np.array([float(r[1]) for r in rows])


def result_line(printed: str) -> list[float]:
    lines = [line for line in printed.splitlines() if line.startswith("Result")]
    return numbers(lines[0]) if lines else []


@contextlib.contextmanager
def one_thread(torch):
    """numpy's BLAS and torch on one thread each: their small matrix products gain nothing
    from more, and on a loaded machine threads that wait for each other make a run ten times
    slower."""
    threads = None if torch is None else torch.get_num_threads()
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # an optional dependency (scikit-learn's): run as the machine is set
        limits = contextlib.nullcontext()
    else:
        limits = threadpool_limits(1)
    try:
        if torch is not None:
            torch.set_num_threads(1)
        with limits:
            yield
    finally:
        if torch is not None:
            torch.set_num_threads(threads)


def run(name: str, precision: str, torch):
    """What the program printed on retrograd and on ``torch`` (None: retrograd only)."""
    program = getattr(programs, name)
    args = ()
    if "dtype" in inspect.signature(program).parameters:
        args = ("float" if precision == "float32" else "float64",)
    libraries = [ours] if torch is None else [ours, torch]
    defaults = [lib.get_default_dtype() for lib in libraries]
    try:
        for lib in libraries:
            lib.set_default_dtype(getattr(lib, precision))
        with one_thread(torch):
            if torch is None:
                return SameStart().run_alone(program, ours, *args), None
            return SameStart().run_both(program, ours, torch, *args)
    finally:
        for lib, dtype in zip(libraries, defaults):
            lib.set_default_dtype(dtype)


@pytest.mark.parametrize("precision", ["float32", "float64"])
@pytest.mark.parametrize("name", PROGRAMS)
def test_tutorial_runs_with_only_the_import_changed(name, precision):
    try:
        import torch
    except ImportError:
        if precision == "float64":
            pytest.skip("the float64 run only compares with PyTorch, which is not installed")
        torch = None
    mine, theirs = run(name, precision, torch)
    steps, ours_losses = losses(mine)
    assert len(steps) >= 8 and np.all(np.isfinite(ours_losses))
    assert ours_losses[-1] < 0.5 * ours_losses[0]  # it learned
    if theirs is None:
        return
    their_steps, their_losses = losses(theirs)
    assert steps == their_steps
    rtol = (RTOL_TWO_LAYER if name.startswith("two_layer") else RTOL)[precision]
    tight = np.array(steps) <= CHAOTIC_AFTER.get(name, steps[-1])
    np.testing.assert_allclose(ours_losses[tight], their_losses[tight], rtol=rtol)
    np.testing.assert_allclose(ours_losses[-1], their_losses[-1], rtol=1e-2)
    if name not in CHAOTIC_AFTER:  # the fitted coefficients
        np.testing.assert_allclose(result_line(mine), result_line(theirs), rtol=100 * rtol,
                                   atol=100 * rtol)
