"""A full training step of lesson 000's network: nn against torch and a hand-written numpy loop.

The network is 11 -> 512 -> 512 -> 512 -> 1 with ReLU, L1Loss, Adam(lr=1e-3), batch 256 over
1,119 random rows (5 steps an epoch, the last short, no shuffling). One step is zero_grad,
forward, loss, backward, optimizer step. Ours is written with nn (Sequential, Linear, ReLU,
L1Loss, nn.optim.Adam); torch's with torch.nn and torch.optim.Adam at as many threads as
there are cores; the numpy loop is this file's own forward, backward and Adam (torch's update
formula) written plainly: the same arithmetic with no graph and no modules. All three start
from the same weights, and their weights after one float64 epoch are checked to agree.
Float32 and float64; peak memory of each in its own child process. Target: ours no slower
than torch.

    python bench/bench_nn.py [--quick]
"""

from __future__ import annotations

import common
import numpy as np

FRAMEWORKS = ("retrograd", "torch", "numpy")
SIZES, ROWS, BATCH = common.SIZES, common.ROWS, common.BATCH
DTYPES = ("float32", "float64")
LR, BETAS, EPS = 1e-3, (0.9, 0.999), 1e-8
TARGET = 1.0  # torch time / ours at least this
SETTLE = 0.3  # seconds between frameworks: numpy's idle BLAS threads spin ~0.2 s


# -- the three trainers: each is built from the same arrays and runs one epoch --------------------


class Retrograd:
    """nn, as a learner writes it."""

    def __init__(self, dtype: str):
        import nn
        from autograd import tensor
        from nn.optim import Adam

        x, y, weights = common.lesson000_arrays(dtype, weights_out_in=True)
        layers = []
        for fan_in, fan_out in zip(SIZES, SIZES[1:], strict=False):
            layers += [nn.Linear(fan_in, fan_out, dtype=dtype), nn.ReLU()]
        self.model = nn.Sequential(*layers[:-1])
        for p, w in zip(self.model.parameters(), weights, strict=True):
            p.numpy()[...] = w
        self.loss_fn = nn.L1Loss()
        self.optimizer = Adam(self.model.parameters(), lr=LR, betas=BETAS, eps=EPS)
        self.batches = [(tensor(xb), tensor(yb)) for xb, yb in common.lesson000_batches(x, y)]

    def epoch(self) -> None:
        for xb, yb in self.batches:
            self.optimizer.zero_grad()
            loss = self.loss_fn(self.model(xb), yb)
            loss.backward()
            self.optimizer.step()

    def weights(self) -> list[np.ndarray]:
        return [p.numpy() for p in self.model.parameters()]


class Torch(Retrograd):
    """torch.nn and torch.optim, the same code."""

    def __init__(self, dtype: str):
        torch, why = common.import_torch()
        if torch is None:
            raise ImportError(why)
        x, y, weights = common.lesson000_arrays(dtype, weights_out_in=True)
        dt = getattr(torch, dtype)
        layers = []
        for fan_in, fan_out in zip(SIZES, SIZES[1:], strict=False):
            layers += [torch.nn.Linear(fan_in, fan_out, dtype=dt), torch.nn.ReLU()]
        self.model = torch.nn.Sequential(*layers[:-1])
        with torch.no_grad():
            for p, w in zip(self.model.parameters(), weights, strict=True):
                p.copy_(torch.from_numpy(w))
        self.loss_fn = torch.nn.L1Loss()
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=LR, betas=BETAS, eps=EPS)
        self.batches = [(torch.from_numpy(xb), torch.from_numpy(yb))
                        for xb, yb in common.lesson000_batches(x, y)]

    def weights(self) -> list[np.ndarray]:
        return [p.detach().numpy() for p in self.model.parameters()]


class Numpy:
    """Forward, backward and Adam by hand, as plain numpy: the same arithmetic with no graph."""

    def __init__(self, dtype: str):
        x, y, weights = common.lesson000_arrays(dtype, weights_out_in=True)
        self.params = [w.copy() for w in weights]
        self.m = [np.zeros_like(w) for w in weights]
        self.v = [np.zeros_like(w) for w in weights]
        self.t = 0
        self.batches = common.lesson000_batches(x, y)

    def step(self, x: np.ndarray, y: np.ndarray) -> float:
        params, n_layers = self.params, len(self.params) // 2
        # forward: h_{i+1} = relu(h_i W_i^T + b_i), the last layer linear
        inputs = []
        h = x
        for i in range(n_layers):
            inputs.append(h)
            h = h @ params[2 * i].T + params[2 * i + 1]
            if i < n_layers - 1:
                h = np.maximum(h, 0)
        diff = h - y
        loss = float(np.abs(diff).mean())
        # backward: d mean|d| / d pred = sign(d) / n; through relu where its output is > 0
        g = np.sign(diff) / diff.size
        grads = [None] * len(params)
        for i in reversed(range(n_layers)):
            grads[2 * i] = g.T @ inputs[i]
            grads[2 * i + 1] = g.sum(axis=0)
            if i > 0:
                g = (g @ params[2 * i]) * (inputs[i] > 0)
        # Adam, torch's formula: p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)
        self.t += 1
        b1, b2 = BETAS
        step_size = LR / (1 - b1**self.t)
        root = (1 - b2**self.t) ** 0.5
        for p, g, m, v in zip(params, grads, self.m, self.v, strict=True):
            m += (1 - b1) * (g - m)
            v *= b2
            v += (1 - b2) * g * g
            p -= step_size * m / (np.sqrt(v) / root + EPS)
        return loss

    def epoch(self) -> None:
        for xb, yb in self.batches:
            self.step(xb, yb)

    def weights(self) -> list[np.ndarray]:
        return self.params


TRAINERS = {"retrograd": Retrograd, "torch": Torch, "numpy": Numpy}


def child(name: str, dtype: str) -> None:
    """Peak memory of three epochs above the baseline after imports, model and data."""
    trainer = TRAINERS[name](dtype)
    memory = common.PeakMemory()
    memory.start()
    for _ in range(3):
        trainer.epoch()
    common.child_report(peak_mb=memory.peak_mb())


def agreement(trainers: dict) -> list[str]:
    """One float64 epoch from the same start: every framework's weights must match ours."""
    after = {}
    for name in trainers:
        trainer = TRAINERS[name]("float64")
        trainer.epoch()
        after[name] = trainer.weights()
    return [
        f"WARNING: {name}'s weights after one float64 epoch differ from retrograd's"
        for name, ws in after.items()
        if not all(np.allclose(w, r, rtol=1e-6, atol=1e-9)
                   for w, r in zip(ws, after["retrograd"], strict=True))
    ]


def main(quick: bool) -> None:
    header = ["case", *FRAMEWORKS, "torch / ours", "numpy / ours", "target", "verdict"]
    rows, notes = [], []
    steps = -(-ROWS // BATCH)

    def row(case, values, fmt, target="-", target_ratio=None):
        ours = values.get("retrograd")
        ok = None if target_ratio is None or "torch" not in values else (
            values["torch"] / ours >= target_ratio)
        rows.append([
            case, *(fmt(values.get(n)) for n in FRAMEWORKS),
            common.ratio(values.get("torch"), ours), common.ratio(values.get("numpy"), ours),
            target, common.verdict(ok),
        ])

    available = list(FRAMEWORKS)
    _, why = common.peer("torch")
    if why:
        notes.append(f"torch: {why}")
        available.remove("torch")
    notes += agreement(available)

    for dtype in DTYPES:
        trainers = {name: TRAINERS[name](dtype) for name in available}
        epochs = common.time_each(
            {name: t.epoch for name, t in trainers.items()},
            number=2, repeat=3 if quick else 9, settle=SETTLE,
        )
        row(f"training step (Adam), {dtype}", {n: t / steps for n, t in epochs.items()},
            common.fmt_time, f"torch/ours >= {TARGET:g}x", TARGET)
    for dtype in DTYPES:
        peaks = common.peak_memories("bench_nn.py", available, dtype, notes)
        row(f"  peak memory of that run, {dtype}", peaks, common.fmt_mb)

    notes.append(
        f"11-512-512-512-1 ReLU, L1Loss, Adam(lr={LR:g}), {ROWS:,} rows, batch {BATCH} "
        f"({steps} steps an epoch); time per step = zero_grad + forward + loss + backward + step"
    )
    notes.append("peak memory: a child process per framework, 3 epochs, peak RSS above the "
                 "baseline after imports, model and data (Adam's state is inside the peak)")
    notes.append("median of interleaved repeats; peer / ours > 1 means ours is faster (smaller)")
    notes.append(common.machine_line())
    common.print_table("bench_nn: a training step of lesson 000's network", header, rows, notes)


if __name__ == "__main__":
    common.cli(__doc__, main, child, "fewer repeats")
