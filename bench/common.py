"""Shared helpers for the benchmark scripts: timing, optional peers, peak memory, one table.

The scripts import this module as ``common`` (they put ``bench/`` on ``sys.path`` first), so
they run from anywhere: ``python bench/bench_value.py``.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import importlib.util
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run from a checkout without an install: find autograd and nn
    sys.path.insert(0, str(ROOT))

# Threads for numpy's BLAS and torch: every core unless BENCH_THREADS says otherwise (1 gives
# steadier numbers on a busy machine). BLAS reads its variable once, when numpy loads, so this
# module must be imported first; child processes inherit the environment.
_asked = os.environ.get("BENCH_THREADS", "")
THREADS = int(_asked) if _asked.isdigit() and int(_asked) > 0 else (os.cpu_count() or 1)
if _asked:
    for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[_var] = str(THREADS)

PIP = {
    "torch": "pip install torch==2.13.0",
    "micrograd": "pip install micrograd",
    "mygrad": "pip install mygrad",
}


# -- peers -----------------------------------------------------------------------------------------


def peer(module: str):
    """(module, None) when ``module`` imports, else (None, 'not installed (pip install ...)')."""
    try:
        return importlib.import_module(module), None
    except ImportError:
        package = module.split(".")[0]
        return None, f"not installed ({PIP.get(package, 'pip install ' + package)})"


def missing(module: str) -> str | None:
    """None when ``module`` is installed, else 'not installed (pip install ...)'; nothing is
    imported (so the caller's process stays free of a big peer's objects)."""
    try:
        if importlib.util.find_spec(module) is not None:
            return None
    except (ImportError, ValueError):  # a broken install counts as missing
        pass
    return f"not installed ({PIP.get(module, 'pip install ' + module)})"


def import_torch():
    """(torch, None) with torch at THREADS threads, the same as numpy's BLAS, or (None, why)."""
    torch, why = peer("torch")
    if torch is not None:
        torch.set_num_threads(THREADS)
    return torch, why


# -- timing ----------------------------------------------------------------------------------------


def time_each(fns: dict[str, Callable[[], object]], *, number: int, repeat: int,
              warmup: int = 1, settle: float = 0.0) -> dict[str, float]:
    """Seconds per call of each function: the median over ``repeat`` rounds of (time of
    ``number`` calls) / number.

    The rounds interleave the functions (a, b, a, b, ...), so a burst of load from elsewhere
    on a shared machine hits every contender alike, and the median keeps such bursts out.
    ``warmup`` untimed rounds go first (caches, lazy imports, allocator pools). ``settle``
    seconds of sleep and one untimed call come before each timed block: numpy's BLAS threads
    keep spinning for ~0.1-0.2 s after their last call (torch's OpenMP threads briefly too),
    and would steal the cores from whichever framework runs next. The garbage collector
    stays on, as users run it.
    """
    for _ in range(warmup):
        for fn in fns.values():
            for _ in range(number):
                fn()
    times: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(repeat):
        for name, fn in fns.items():
            if settle:
                time.sleep(settle)
                fn()
            start = time.perf_counter()
            for _ in range(number):
                fn()
            times[name].append((time.perf_counter() - start) / number)
    return {name: statistics.median(t) for name, t in times.items()}


def fmt_time(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("us", 1e-6)):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds / 1e-9:.3g} ns"


def fmt_mb(mb: float | None) -> str:
    return "-" if mb is None else f"{mb:,.1f} MB"


def ratio(peer_value: float | None, ours: float | None) -> str:
    """peer / ours: above 1 means ours is faster (or smaller)."""
    if peer_value is None or ours is None or ours <= 0:
        return "-"
    return f"{peer_value / ours:.2f}x"


def verdict(ok: bool | None) -> str:
    return "-" if ok is None else ("met" if ok else "MISSED")


# -- peak memory -----------------------------------------------------------------------------------

_STATUS = Path("/proc/self/status")
_CLEAR_REFS = Path("/proc/self/clear_refs")


def _hwm_kb() -> int:
    return int(re.search(r"VmHWM:\s+(\d+)", _STATUS.read_text()).group(1))


def _rss_kb() -> int:
    return int(re.search(r"VmRSS:\s+(\d+)", _STATUS.read_text()).group(1))


class PeakMemory:
    """Peak resident memory of this process from ``start()`` on, minus the resident memory at
    ``start()`` (imports and data already counted in the baseline), in MB.

    On Linux it reads the high-water mark from /proc (VmHWM) after resetting it: a child
    started from a big parent inherits the parent's ``ru_maxrss`` (the kernel carries it over
    exec), so getrusage's peak can never fall below the parent's. Elsewhere it falls back to
    ``resource.getrusage(RUSAGE_SELF).ru_maxrss``.
    """

    def start(self) -> None:
        gc.collect()
        self._proc = _STATUS.exists() and _CLEAR_REFS.exists()
        if self._proc:
            try:
                _CLEAR_REFS.write_text("5")  # reset VmHWM to the current RSS
            except OSError:
                self._proc = False
        self._base = _rss_kb() if self._proc else _maxrss_kb()

    def peak_mb(self) -> float:
        peak = _hwm_kb() if self._proc else _maxrss_kb()
        return max(peak - self._base, 0) / 1024


def _maxrss_kb() -> float:
    kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return kb / 1024 if sys.platform == "darwin" else kb  # macOS reports bytes


def run_child(script: str, *args: str, timeout: float = 600) -> dict:
    """Run ``python bench/<script> --child <args>`` in a fresh process and return the JSON
    object its last line of output holds; on failure, {'error': ...}."""
    cmd = [sys.executable, str(Path(__file__).with_name(script)), "--child", *args]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout:.0f} s"}
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        tail = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return {"error": f"exit {done.returncode}: {tail}"}
    return json.loads(lines[-1])


def child_report(**fields) -> None:
    """What a child process hands back to ``run_child``: one JSON line."""
    print(json.dumps(fields), flush=True)


# -- the table -------------------------------------------------------------------------------------


def print_table(title: str, header: list[str], rows: list[list[str]], notes=()) -> None:
    """One plain-text table: a title, aligned columns, then notes."""
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]

    def line(cells):
        first = str(cells[0]).ljust(widths[0])
        rest = (str(c).rjust(w) for c, w in zip(cells[1:], widths[1:], strict=True))
        return "  ".join([first, *rest]).rstrip()

    rule = "-" * len(line(header))
    print(f"\n{title}\n{rule}\n{line(header)}\n{rule}")
    for r in rows:
        print(line(r))
    print(rule)
    for note in notes:
        print(f"  {note}")
    sys.stdout.flush()


def machine_line() -> str:
    """Python, numpy, cores and threads, and the load average now."""
    import platform

    import numpy as np

    load = ", ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "?"
    return (
        f"Python {platform.python_version()}, numpy {np.__version__}, "
        f"{os.cpu_count()} cores, {THREADS} BLAS/torch threads, load average {load}"
    )


# -- lesson 000's network: the problem both bench_tensor and bench_nn time ----------------------

SIZES = (11, 512, 512, 512, 1)
ROWS, BATCH = 1_119, 256


def lesson000_arrays(dtype: str, weights_out_in: bool):
    """Fixed data x (1119, 11), y (1119, 1) and initial weights [W, b, W, b, ...] drawn as
    nn.Linear draws them, U(-1/sqrt(fan_in), 1/sqrt(fan_in)); W is (fan_out, fan_in) as
    nn.Linear holds it when ``weights_out_in``, else (fan_in, fan_out) for ``x @ W``."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((ROWS, SIZES[0])).astype(dtype)
    y = rng.standard_normal((ROWS, 1)).astype(dtype)
    weights = []
    for fan_in, fan_out in zip(SIZES, SIZES[1:], strict=False):
        bound = 1.0 / np.sqrt(fan_in)
        shape = (fan_out, fan_in) if weights_out_in else (fan_in, fan_out)
        weights.append(rng.uniform(-bound, bound, shape).astype(dtype))
        weights.append(rng.uniform(-bound, bound, fan_out).astype(dtype))
    return x, y, weights


def lesson000_batches(x, y) -> list:
    """The epoch's batches in order, the last one short."""
    return [(x[i:i + BATCH], y[i:i + BATCH]) for i in range(0, ROWS, BATCH)]


def peak_memories(script: str, frameworks, dtype: str, notes: list) -> dict:
    """Each framework's peak memory (MB) of ``script``'s child run in ``dtype``; a child that
    failed is left out and said in ``notes``."""
    peaks = {}
    for name in frameworks:
        report = run_child(script, name, dtype)
        if "error" in report:
            notes.append(f"{name} {dtype} memory run failed: {report['error']}")
        else:
            peaks[name] = report["peak_mb"]
    return peaks


def cli(doc: str, main: Callable[[bool], None], child: Callable[..., None],
        quick_help: str) -> None:
    """The command line of bench_tensor and bench_nn: ``--quick``, or ``--child FRAMEWORK
    DTYPE`` for the memory run of one framework in its own process."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help=quick_help)
    parser.add_argument("--child", nargs=2, metavar=("FRAMEWORK", "DTYPE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
    else:
        main(args.quick)

