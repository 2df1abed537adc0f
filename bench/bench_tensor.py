"""The Tensor engine against torch (CPU) and mygrad.

(a) Small-op overhead: ``(a * b + c).sum()`` forward and backward on 4x4 float32 tensors that
    require grad, 10,000 iterations. Target: ours at most half of torch's time.
(b) Lesson 000's network as raw tensor ops: 11 -> 512 -> 512 -> 512 -> 1 with ReLU, MAE loss
    mean|pred - y|, one epoch of 1,119 random rows in batches of 256 (5 batches, the last
    short), forward + backward only, weights drawn as nn.Linear draws them
    (U(-1/sqrt(fan_in), 1/sqrt(fan_in))), in float32 and float64. Time per batch step.
    Target: ours no slower than torch in either dtype.
(c) Peak memory of (b): each framework in its own child process, peak resident memory minus
    the baseline after imports and data creation.

Every framework runs the same code through a small adapter; gradients are set to None before
each step (torch's ``zero_grad()`` default), as a training loop does.

    python bench/bench_tensor.py [--quick]
"""

from __future__ import annotations

import common
import numpy as np

FRAMEWORKS = ("retrograd", "torch", "mygrad")
SIZES, ROWS, BATCH = common.SIZES, common.ROWS, common.BATCH
DTYPES = ("float32", "float64")
SMALL_TARGET = 2.0  # torch time / ours at least this
MLP_TARGET = 1.0
SETTLE = 0.3  # seconds between frameworks: numpy's idle BLAS threads spin ~0.2 s


# -- one adapter per framework: the same benchmark code drives all three -------------------------


class Retrograd:
    def __init__(self):
        import autograd

        self.ag = autograd

    def leaf(self, array):
        return self.ag.tensor(array, requires_grad=True)

    def const(self, array):
        return self.ag.tensor(array)

    def relu(self, h):
        return h.relu()

    def mae(self, pred, y):
        return (pred - y).abs().mean()

    def clear(self, params):
        for p in params:
            p.grad = None

    def grad(self, p) -> np.ndarray:
        return p.grad.numpy()


class Torch(Retrograd):
    def __init__(self):
        torch, why = common.import_torch()
        if torch is None:
            raise ImportError(why)
        self.torch = torch

    def leaf(self, array):
        return self.torch.tensor(array, requires_grad=True)

    def const(self, array):
        return self.torch.tensor(array)


class MyGrad(Retrograd):
    def __init__(self):
        import mygrad

        self.mg = mygrad

    def leaf(self, array):
        return self.mg.tensor(array)

    def const(self, array):
        return self.mg.tensor(array, constant=True)

    def relu(self, h):
        return self.mg.nnet.relu(h)

    def mae(self, pred, y):
        return self.mg.abs(pred - y).mean()

    def clear(self, params):
        pass  # mygrad gives every backward fresh gradients: nothing accumulates

    def grad(self, p) -> np.ndarray:
        return np.asarray(p.grad)


ADAPTERS = {"retrograd": Retrograd, "torch": Torch, "mygrad": MyGrad}


def load(name: str):
    """The adapter for ``name``, or the 'not installed (pip install ...)' line."""
    if name != "retrograd":
        _, why = common.peer(name)
        if why:
            return why
    return ADAPTERS[name]()


# -- (a) small ops ---------------------------------------------------------------------------------


def small_step(fw, tensors) -> None:
    a, b, c = tensors
    fw.clear(tensors)
    (a * b + c).sum().backward()


def small_inputs(fw):
    rng = np.random.default_rng(0)
    return [fw.leaf(rng.standard_normal((4, 4)).astype(np.float32)) for _ in range(3)]


# -- (b) the lesson-000 network --------------------------------------------------------------------


def mlp_setup(fw, dtype: str):
    """(params, batches) in ``fw``'s tensors."""
    x, y, weights = common.lesson000_arrays(dtype, weights_out_in=False)
    params = [fw.leaf(w) for w in weights]
    batches = [(fw.const(xb), fw.const(yb)) for xb, yb in common.lesson000_batches(x, y)]
    return params, batches


def mlp_step(fw, params, xb, yb) -> None:
    """Gradients cleared, forward h = relu(h @ W + b) ... (linear last layer), MAE, backward."""
    fw.clear(params)
    h = xb
    last = len(params) - 2
    for i in range(0, len(params), 2):
        h = h @ params[i] + params[i + 1]
        if i < last:
            h = fw.relu(h)
    fw.mae(h, yb).backward()


def mlp_epoch(fw, params, batches) -> None:
    for xb, yb in batches:
        mlp_step(fw, params, xb, yb)


def child(name: str, dtype: str) -> None:
    """Peak memory of three epochs of (b) above the baseline after imports and data."""
    fw = load(name)
    params, batches = mlp_setup(fw, dtype)
    memory = common.PeakMemory()
    memory.start()
    for _ in range(3):
        mlp_epoch(fw, params, batches)
    common.child_report(peak_mb=memory.peak_mb())


def gradients_agree(fws: dict) -> list[str]:
    """Check every framework's float64 gradients against ours on the first batch."""
    grads = {}
    for name, fw in fws.items():
        params, batches = mlp_setup(fw, "float64")
        mlp_step(fw, params, *batches[0])
        grads[name] = [fw.grad(p) for p in params]
    return [
        f"WARNING: {name}'s gradients differ from retrograd's"
        for name, gs in grads.items()
        if not all(np.allclose(g, r, rtol=1e-7, atol=1e-10)
                   for g, r in zip(gs, grads["retrograd"], strict=True))
    ]


def main(quick: bool) -> None:
    fws, notes = {}, []
    for name in FRAMEWORKS:
        fw = load(name)
        if isinstance(fw, str):
            notes.append(f"{name}: {fw}")
        else:
            fws[name] = fw
    peers = [n for n in FRAMEWORKS if n != "retrograd"]
    header = ["case", *FRAMEWORKS, *(f"{p} / ours" for p in peers), "target", "verdict"]
    rows = []

    def row(case, values, fmt, target="-", target_ratio=None):
        ours = values.get("retrograd")
        ok = None
        if target_ratio is not None and "torch" in values:
            ok = values["torch"] / ours >= target_ratio
        rows.append([
            case, *(fmt(values.get(n)) for n in FRAMEWORKS),
            *(common.ratio(values.get(p), ours) for p in peers), target, common.verdict(ok),
        ])

    # (a)
    inputs = {name: small_inputs(fw) for name, fw in fws.items()}
    times = common.time_each(
        {name: lambda fw=fw, t=inputs[name]: small_step(fw, t) for name, fw in fws.items()},
        number=2_000 if quick else 10_000, repeat=3 if quick else 5,
    )
    row("(a*b+c).sum() fwd+bwd, 4x4 float32", times, common.fmt_time,
        f"torch/ours >= {SMALL_TARGET:g}x", SMALL_TARGET)

    # (b)
    notes += gradients_agree(fws)
    steps = -(-ROWS // BATCH)
    for dtype in DTYPES:
        setups = {name: mlp_setup(fw, dtype) for name, fw in fws.items()}
        epochs = common.time_each(
            {name: lambda fw=fw, s=setups[name]: mlp_epoch(fw, *s) for name, fw in fws.items()},
            number=2, repeat=3 if quick else 9, settle=SETTLE,
        )
        per_step = {name: t / steps for name, t in epochs.items()}
        row(f"MLP 11-512x3-1 fwd+bwd per batch, {dtype}", per_step, common.fmt_time,
            f"torch/ours >= {MLP_TARGET:g}x", MLP_TARGET)

    # (c)
    for dtype in DTYPES:
        peaks = common.peak_memories("bench_tensor.py", fws, dtype, notes)
        row(f"  peak memory of that run, {dtype}", peaks, common.fmt_mb)

    notes.append(
        f"MLP: {ROWS:,} rows, batch {BATCH} ({steps} steps an epoch, the last short), "
        "x @ W + b with W (fan_in, fan_out), ReLU, MAE, forward + backward, no optimizer"
    )
    notes.append("peak memory: a child process per framework, 3 epochs, peak RSS above the "
                 "baseline after imports and data")
    notes.append("median of interleaved repeats; peer / ours > 1 means ours is faster (smaller)")
    notes.append(common.machine_line())
    common.print_table("bench_tensor: the Tensor engine", header, rows, notes)


if __name__ == "__main__":
    common.cli(__doc__, main, child, "fewer iterations and repeats")
