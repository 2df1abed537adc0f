"""This engine against an earlier revision of itself, side by side: what a change to the engine
cost on the hot paths.

The earlier ``autograd`` package is taken from git (``--base``, by default the last commit
before version counters, in-place ops and ``.data`` as a Tensor came in) into a temporary
folder. Both engines run the same workloads, each in a fresh child process per round, the
rounds alternating (base, now, base, now, ...) so load from elsewhere hits both alike:

(a) the small-op loop: ``(a * b + c).sum()`` forward and backward, 4x4 float32;
(b) lesson 000's network as raw ops (bench_tensor's (b)): 11-512-512-512-1, ReLU, MAE, one
    epoch of 5 batches, forward and backward, float32;
(c) a Value chain ``x = tanh(x * w + b)`` of 10,000 steps, forward and backward.

Each child reports its best time of several blocks; the table shows the median over rounds.
Target: the current engine within 5% of the base on each.

    python bench/bench_engine_change.py [--quick] [--base REV]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import common
import numpy as np

BASE = "6f5d30e"  # main before the engine change of issue 9
ROOT = Path(__file__).resolve().parent.parent
TARGET = 1.05  # now / base at most this
WORKLOADS = ("small", "mlp", "chain")


def _small(ag) -> float:
    rng = np.random.default_rng(0)
    a, b, c = (ag.tensor(rng.standard_normal((4, 4)).astype("float32"), requires_grad=True)
               for _ in range(3))

    def step():
        for t in (a, b, c):
            t.grad = None
        (a * b + c).sum().backward()

    return _best(step, number=2_000)


def _mlp(ag) -> float:
    x, y, arrays = common.lesson000_arrays("float32", weights_out_in=False)
    params = [ag.tensor(w, requires_grad=True) for w in arrays]
    batches = [(ag.tensor(xb), ag.tensor(yb)) for xb, yb in common.lesson000_batches(x, y)]

    def epoch():
        for xb, yb in batches:
            for p in params:
                p.grad = None
            h = xb
            for i in range(0, len(params), 2):
                h = h @ params[i] + params[i + 1]
                if i < len(params) - 2:
                    h = h.relu()
            (h - yb).abs().mean().backward()

    return _best(epoch, number=3) / len(batches)


def _chain(ag) -> float:
    w, b = ag.Value(0.5, "w"), ag.Value(0.1, "b")

    def run():
        x = ag.Value(0.3, "x")
        for _ in range(10_000):
            x = (x * w + b).tanh()
        x.backward()

    return _best(run, number=1)


def _best(fn, number: int, blocks: int = 5) -> float:
    fn()  # warm up
    times = []
    for _ in range(blocks):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        times.append((time.perf_counter() - start) / number)
    return min(times)


def child(engine_root: str, workload: str) -> None:
    sys.path.insert(0, engine_root)
    import autograd

    if not Path(autograd.__file__).resolve().is_relative_to(Path(engine_root).resolve()):
        raise SystemExit(f"imported {autograd.__file__}, not the engine under {engine_root}")
    run = {"small": _small, "mlp": _mlp, "chain": _chain}[workload]
    common.child_report(seconds=run(autograd))


def _export(rev: str, into: Path) -> None:
    """The ``autograd`` package as it was at ``rev``, under ``into``."""
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", rev, "autograd"],
                             capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 rounds instead of 7")
    parser.add_argument("--base", default=BASE, help=f"the revision to compare with ({BASE})")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return 0
    rounds = 3 if args.quick else 7
    folder = Path(tempfile.mkdtemp(prefix="retrograd-base-"))
    try:
        try:
            _export(args.base, folder)
        except (subprocess.CalledProcessError, FileNotFoundError) as err:
            print(f"cannot take autograd/ from git revision {args.base!r}: {err}")
            return 1
        engines = {"base": str(folder), "now": str(ROOT)}
        seconds: dict[tuple[str, str], list[float]] = {}
        for _ in range(rounds):
            for workload in WORKLOADS:
                for name, engine_root in engines.items():
                    report = common.run_child(Path(__file__).name, engine_root, workload)
                    if "error" in report:
                        print(f"{name} {workload}: {report['error']}")
                        return 1
                    seconds.setdefault((name, workload), []).append(report["seconds"])
    finally:
        shutil.rmtree(folder, ignore_errors=True)

    labels = {"small": "(a*b+c).sum() fwd+bwd, 4x4 float32",
              "mlp": "MLP 11-512x3-1 fwd+bwd per batch, float32",
              "chain": "Value chain tanh(x*w+b), N=10,000"}
    rows = []
    for workload in WORKLOADS:
        base = statistics.median(seconds[("base", workload)])
        now = statistics.median(seconds[("now", workload)])
        rows.append([labels[workload], common.fmt_time(base), common.fmt_time(now),
                     f"{now / base - 1:+.1%}", f"<= +{TARGET - 1:.0%}",
                     common.verdict(now / base <= TARGET)])
    common.print_table(
        f"bench_engine_change: this engine against {args.base}",
        ["case", "base", "now", "change", "target", "verdict"], rows,
        [f"median over {rounds} alternating rounds of fresh processes; each the best of 5 blocks",
         common.machine_line()])
    return 0


if __name__ == "__main__":
    sys.exit(main())
