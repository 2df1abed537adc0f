"""The scalar engine (Value) against micrograd and torch.

(a) One training step of MLP(2, [16, 16, 1]) (ReLU hidden layers, linear output) on 100 fixed
    2-D points: forward over every point, MSE loss, backward, a plain SGD update. Ours is
    nn.scalar.MLP (neurons are fused ``dot`` nodes); the peer is micrograd's MLP. Target: ours
    at least 10x faster.
(b) A chain of N steps ``x = tanh(x * w + b)`` (w, b leaves), forward + backward, against
    torch 0-d float64 tensors. Target: N = 100,000 in at most a third of torch's time;
    N = 1,000,000 finishes at the default recursion limit within 2 GB (run in a child process
    that does nothing else, so its peak memory is that run's). Torch runs up to 100,000 only:
    a million-step chain of 0-d tensors takes it about half a minute. Each framework times
    its chains in a fresh process that imports only itself: the garbage collector, which
    stays on as users run it, walks every tracked object in the process at each full
    collection, and torch alone brings ~150k of them.

    python bench/bench_value.py [--quick]
"""

from __future__ import annotations

import argparse
import functools
import random
import sys
import time

import common

from autograd import Value

POINTS = 100
LR = 0.05
CHAINS = (1_000, 10_000, 100_000, 1_000_000)
TORCH_MAX = 100_000  # torch's million-step chain costs ~30 s and a few GB: not run
MLP_TARGET = 10.0  # micrograd time / ours at least this
CHAIN_TARGET = 3.0  # torch time / ours at least this, at N = 100,000
MEMORY_LIMIT_MB = 2048


def points(seed: int = 0) -> tuple[list[list[float]], list[float]]:
    """100 points in [-2, 2]^2 labelled +-1 by the sign of x0 * x1 (an XOR pattern)."""
    rng = random.Random(seed)
    xs = [[rng.uniform(-2.0, 2.0), rng.uniform(-2.0, 2.0)] for _ in range(POINTS)]
    ys = [1.0 if a * b > 0 else -1.0 for a, b in xs]
    return xs, ys


def train_step(model, xs, ys) -> float:
    """zero_grad, MSE = mean((pred - y)^2) over all points, backward, p -= lr * grad.
    The same code drives both engines."""
    model.zero_grad()
    loss = sum(((model(x) - y) ** 2 for x, y in zip(xs, ys, strict=True)), 0.0) * (1.0 / len(xs))
    loss.backward()
    for p in model.parameters():
        p.data -= LR * p.grad
    return loss.data


def mlp_models():
    """{name: model or why-not}, each MLP(2, [16, 16, 1]) built after the same seed."""
    from autograd import manual_seed
    from nn.scalar import MLP

    manual_seed(1)
    models = {"retrograd": MLP(2, [16, 16, 1])}
    micrograd, why = common.peer("micrograd.nn")
    if micrograd is None:
        models["micrograd"] = why
    else:
        random.seed(1)
        models["micrograd"] = micrograd.MLP(2, [16, 16, 1])
    return models


def chain_ours(n: int) -> float:
    w, b, x = Value(0.5), Value(0.1), Value(0.3)
    for _ in range(n):
        x = (x * w + b).tanh()
    x.backward()
    return w.grad


def chain_torch(torch, n: int) -> float:
    w = torch.tensor(0.5, dtype=torch.float64, requires_grad=True)
    b = torch.tensor(0.1, dtype=torch.float64, requires_grad=True)
    x = torch.tensor(0.3, dtype=torch.float64)
    for _ in range(n):
        x = torch.tanh(x * w + b)
    x.backward()
    return w.grad.item()


def chain_plan(n: int, quick: bool) -> dict:
    """How often to time a chain of n steps: bigger chains fewer times."""
    if n <= 1_000:
        return {"number": 20, "repeat": 3 if quick else 7, "warmup": 1}
    if n <= 10_000:
        return {"number": 2, "repeat": 3 if quick else 5, "warmup": 1}
    return {"number": 1, "repeat": 1 if quick else 5, "warmup": 0}


def chains_child(framework: str, quick: bool) -> None:
    """Time every chain length for one framework, alone in this process: the garbage
    collector then walks only that framework's objects (with torch imported beside ours,
    each of its full collections would also walk torch's ~150k Python objects)."""
    run, lengths = chain_ours, CHAINS[:-1]  # torch too stops below a million (TORCH_MAX)
    if framework == "torch":
        torch, _ = common.import_torch()
        run = functools.partial(chain_torch, torch)
    elif framework == "retrograd-beside-torch":  # ours, in a process that has imported torch
        common.import_torch()
        lengths = (100_000,)
    times = {
        n: common.time_each({framework: lambda n=n: run(n)}, **chain_plan(n, quick))
        for n in lengths
    }
    common.child_report(times={n: t[framework] for n, t in times.items()}, grad=run(1_000))


def million_child(n: int) -> None:
    """The million-step run on its own: time, peak memory above the post-import baseline,
    and whether the recursion limit was left alone."""
    limit = sys.getrecursionlimit()
    memory = common.PeakMemory()
    memory.start()
    start = time.perf_counter()
    grad = chain_ours(n)
    seconds = time.perf_counter() - start
    common.child_report(
        seconds=seconds,
        peak_mb=memory.peak_mb(),
        grad=grad,
        recursion_limit_unchanged=sys.getrecursionlimit() == limit,
    )


def main(quick: bool) -> None:
    header = ["case", "retrograd", "micrograd", "torch", "peer / ours", "target", "verdict"]
    rows, notes = [], []

    # (a) the MLP step
    xs, ys = points()
    models = mlp_models()
    for name, model in list(models.items()):
        if isinstance(model, str):
            notes.append(f"{name}: {model}")
            del models[name]
    times = common.time_each(
        {name: lambda m=model: train_step(m, xs, ys) for name, model in models.items()},
        number=1, repeat=3 if quick else 7,
    )
    ours, theirs = times["retrograd"], times.get("micrograd")
    ok = None if theirs is None else theirs / ours >= MLP_TARGET
    rows.append([
        f"MLP(2,[16,16,1]) SGD step, {POINTS} points", common.fmt_time(ours),
        common.fmt_time(theirs), "-", common.ratio(theirs, ours),
        f">= {MLP_TARGET:g}x", common.verdict(ok),
    ])
    notes.append(
        "MLP step: model.zero_grad(), forward over all points, MSE, backward, "
        "plain SGD loop (p.data -= lr * p.grad) for both"
    )

    # (b) tanh chains, each framework in a child process of its own
    flags = ["--quick"] if quick else []
    reports = {"retrograd": common.run_child("bench_value.py", "chains", "retrograd", *flags)}
    torch_why = common.missing("torch")
    if torch_why:
        notes.append(f"torch: {torch_why}")
    else:
        reports["torch"] = common.run_child("bench_value.py", "chains", "torch", *flags)
    for name, report in reports.items():
        if "error" in report:
            notes.append(f"{name} chains failed: {report['error']}")
    ours_times = reports["retrograd"].get("times", {})
    torch_times = reports.get("torch", {}).get("times", {})
    if "grad" in reports.get("torch", {}) and "grad" in reports["retrograd"]:
        if abs(reports["torch"]["grad"] - reports["retrograd"]["grad"]) > 1e-9:
            notes.append("WARNING: the chain's dL/dw differs from torch's")
    for n in CHAINS[:-1]:
        ours, theirs = ours_times.get(str(n)), torch_times.get(str(n))
        target = f">= {CHAIN_TARGET:g}x" if n == 100_000 else "-"
        ok = None if None in (ours, theirs) or n != 100_000 else theirs / ours >= CHAIN_TARGET
        rows.append([
            f"tanh(x*w+b) chain, N={n:,}", common.fmt_time(ours), "-",
            common.fmt_time(theirs), common.ratio(theirs, ours), target, common.verdict(ok),
        ])
    notes.append("chains: each framework times its chains in a fresh process of its own")
    if not quick and not torch_why:
        beside = common.run_child("bench_value.py", "chains", "retrograd-beside-torch")
        ours, theirs = beside.get("times", {}).get("100000"), torch_times.get("100000")
        rows.append([
            "  same, torch imported beside ours", common.fmt_time(ours), "-",
            common.fmt_time(theirs), common.ratio(theirs, ours), "-", "-",
        ])
        notes.append("'torch imported beside ours': the garbage collector's full collections "
                     "also walk torch's objects (what a notebook with torch loaded sees)")

    n = CHAINS[-1]
    if quick:
        notes.append(f"--quick: the N={n:,} chain and its memory were not run")
    else:
        report = common.run_child("bench_value.py", "million", str(n))
        if "error" in report:
            rows.append([f"tanh(x*w+b) chain, N={n:,}", report["error"], "-", "-", "-",
                         "finishes", "MISSED"])
        else:
            within = report["peak_mb"] <= MEMORY_LIMIT_MB
            rows.append([
                f"tanh(x*w+b) chain, N={n:,}", common.fmt_time(report["seconds"]), "-",
                "not run", "-", "finishes",
                common.verdict(report["recursion_limit_unchanged"]),
            ])
            rows.append([
                f"  peak memory, N={n:,}", common.fmt_mb(report["peak_mb"]), "-", "-", "-",
                f"<= {MEMORY_LIMIT_MB / 1024:g} GB", common.verdict(within),
            ])
        notes.append(
            f"N={n:,}: one run in a child process at the default recursion limit; peak RSS "
            f"above the child's post-import baseline; torch not run beyond N={TORCH_MAX:,}"
        )
    notes.append("times are per step (MLP) or per whole chain (forward + backward); "
                 "median of repeats; peer / ours > 1 means ours is faster")
    notes.append(common.machine_line())
    common.print_table("bench_value: the scalar engine (Value)", header, rows, notes)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats, no 1M chain")
    parser.add_argument("--child", nargs=2, metavar=("KIND", "ARG"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is None:
        main(args.quick)
    elif args.child[0] == "chains":
        chains_child(args.child[1], args.quick)
    else:
        million_child(int(args.child[1]))
