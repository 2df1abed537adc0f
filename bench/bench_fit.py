"""Lesson 000's ``fit`` against the same steps as a bare loop, and against PyTorch's loop.

The lesson's recipe: 11 -> 512 -> 512 -> 512 -> 1 ReLU Dense network, ``compile("adam",
"mae")``, ``fit(X_train, y_train, validation_data=(X_valid, y_valid), batch_size=256,
epochs=10)`` on 1,119 training and 480 validation rows (random data of the lesson's shapes).
Each contender runs those 10 epochs from the same weights, each epoch: shuffle the rows,
5 steps (zero_grad, forward, L1 loss, backward, Adam step, the loss read back and averaged
weighted by batch size), then the loss on the whole validation set in eval mode with no graph.

- ``fit``: ``model.fit`` itself, with the live progress bar (verbose=1, drawn into a
  terminal-like buffer) and again silent (verbose=0);
- ``bare loop``: those steps written by hand with nn and nn.optim, nothing else;
- ``torch``: the same loop with torch.nn and torch.optim.

The difference between ``fit`` and the bare loop is fit's own cost (argument checks, batching,
callbacks, History, progress): the target is at most 10% over the bare loop.

    python bench/bench_fit.py [--quick]
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import io
import pstats
import statistics

import common
import numpy as np

SIZES, ROWS, BATCH = common.SIZES, common.ROWS, common.BATCH
VALID_ROWS, EPOCHS, LR = 480, 10, 1e-3
TARGET = 0.10  # fit / bare loop - 1 at most this
SETTLE = 0.3


class _Terminal(io.StringIO):
    """Where the live bar draws: tqdm sees a terminal, nothing reaches the screen."""

    def isatty(self) -> bool:
        return True


def _arrays(dtype: str):
    x, y, weights = common.lesson000_arrays(dtype, weights_out_in=False)
    rng = np.random.default_rng(1)
    xv = rng.standard_normal((VALID_ROWS, SIZES[0])).astype(dtype)
    yv = rng.standard_normal((VALID_ROWS, 1)).astype(dtype)
    return x, y, xv, yv, weights


def _dense_model(weights: list, dtype: str):
    import nn

    layers = [nn.Dense(n_out, activation="relu" if i < len(SIZES) - 2 else None,
                       input_shape=[n_in], dtype=dtype)
              for i, (n_in, n_out) in enumerate(zip(SIZES, SIZES[1:], strict=False))]
    model = nn.Sequential(layers)
    model.load_state_dict({name: w for (name, _), w in
                           zip(model.named_parameters(), weights, strict=True)})
    return model


class Fit:
    """``model.fit`` exactly as lesson 000 calls it. Every run starts over from the same
    weights, a fresh optimizer and ``autograd.manual_seed(0)``, so that all runs of all
    contenders do the same arithmetic (a run that drifted into denormal numbers would
    otherwise be slower for reasons that have nothing to do with the loop)."""

    def __init__(self, dtype: str, verbose: int = 1):
        x, y, self.xv, self.yv, weights = _arrays(dtype)
        self.x, self.y = x, y
        self.model = _dense_model(weights, dtype)
        self.start = self.model.state_dict()
        self.verbose = verbose

    def reset(self) -> None:
        import autograd

        self.model.load_state_dict(self.start)
        self.model.compile(optimizer="adam", loss="mae")
        autograd.manual_seed(0)

    def run(self) -> list[float]:
        self.reset()
        with contextlib.redirect_stdout(_Terminal()):
            history = self.model.fit(self.x, self.y, validation_data=(self.xv, self.yv),
                                     batch_size=BATCH, epochs=EPOCHS, verbose=self.verbose)
        return history.history["loss"] + history.history["val_loss"]


class Bare(Fit):
    """The same epochs by hand with nn and nn.optim."""

    def run(self) -> list[float]:
        import autograd
        import nn
        from nn.optim import Adam

        self.reset()
        model, opt, loss_fn = self.model, Adam(self.model.parameters(), lr=LR), nn.L1Loss()
        train_losses, val_losses = [], []
        for _ in range(EPOCHS):
            model.train()
            order = autograd.default_generator().permutation(ROWS)
            total = 0.0
            for start in range(0, ROWS, BATCH):
                rows = order[start:start + BATCH]
                opt.zero_grad()
                pred = model(self.x[rows])
                loss = loss_fn(pred, autograd.Tensor(self.y[rows]))
                loss.backward()
                opt.step()
                total += loss.item() * len(rows)
            train_losses.append(total / ROWS)
            model.eval()
            total = 0.0
            with autograd.no_grad():
                for start in range(0, VALID_ROWS, BATCH):
                    xb, yb = self.xv[start:start + BATCH], self.yv[start:start + BATCH]
                    total += loss_fn(model(xb), autograd.Tensor(yb)).item() * len(xb)
            val_losses.append(total / VALID_ROWS)
        return train_losses + val_losses


class Torch:
    """PyTorch's loop: torch.nn.Linear layers with the same weights, torch.optim.Adam."""

    def __init__(self, dtype: str):
        torch, why = common.import_torch()
        if torch is None:
            raise ImportError(why)
        self.torch = torch
        x, y, xv, yv, weights = _arrays(dtype)
        dt = getattr(torch, dtype)
        layers = []
        for fan_in, fan_out in zip(SIZES, SIZES[1:], strict=False):
            layers += [torch.nn.Linear(fan_in, fan_out, dtype=dt), torch.nn.ReLU()]
        self.model = torch.nn.Sequential(*layers[:-1])
        with torch.no_grad():
            for p, w in zip(self.model.parameters(), weights, strict=True):
                p.copy_(torch.from_numpy(w.T if w.ndim == 2 else w))
        self.x, self.y = torch.from_numpy(x), torch.from_numpy(y)
        self.xv, self.yv = torch.from_numpy(xv), torch.from_numpy(yv)
        self.loss_fn = torch.nn.L1Loss()
        self.start = {k: v.clone() for k, v in self.model.state_dict().items()}

    def run(self) -> list[float]:
        torch, model, loss_fn = self.torch, self.model, self.loss_fn
        model.load_state_dict(self.start)
        opt = torch.optim.Adam(model.parameters(), lr=LR)
        # ours' shuffles (autograd.manual_seed(0) is numpy's default_rng(0)), so that the
        # two runs can be checked against each other
        rng = np.random.default_rng(0)
        train_losses, val_losses = [], []
        for _ in range(EPOCHS):
            model.train()
            order = torch.from_numpy(rng.permutation(ROWS))
            total = 0.0
            for start in range(0, ROWS, BATCH):
                rows = order[start:start + BATCH]
                opt.zero_grad()
                loss = loss_fn(model(self.x[rows]), self.y[rows])
                loss.backward()
                opt.step()
                total += loss.item() * len(rows)
            train_losses.append(total / ROWS)
            model.eval()
            total = 0.0
            with torch.no_grad():
                for start in range(0, VALID_ROWS, BATCH):
                    xb, yb = self.xv[start:start + BATCH], self.yv[start:start + BATCH]
                    total += loss_fn(model(xb), yb).item() * len(xb)
            val_losses.append(total / VALID_ROWS)
        return train_losses + val_losses


def agreement(torch_ok: bool) -> list[str]:
    """From the same weights and shuffles, fit, the bare loop and torch must log the same
    training and validation losses over the 10 epochs (float64, so rounding stays small)."""
    notes = []
    bare = Bare("float64").run()
    if not np.allclose(Fit("float64", verbose=0).run(), bare, rtol=1e-9):
        notes.append("WARNING: fit's logged losses differ from the bare loop's")
    if torch_ok and not np.allclose(Torch("float64").run(), bare, rtol=1e-6):
        notes.append("WARNING: torch's logged losses differ from the bare loop's")
    return notes


# where fit's own work lives: everything it does that a bare loop does not
OWN_CODE = ("nn/training.py", "nn/callbacks.py", "nn/progress.py", "nn/history.py",
            "nn/metrics.py", "/tqdm/")


def own_share() -> float:
    """The fraction of a profiled fit (verbose=1) spent in fit's own code rather than in the
    steps a bare loop also takes; the profiler's per-call cost makes it an upper bound."""
    fit = Fit("float32", verbose=1)
    fit.run()  # warm
    profile = cProfile.Profile()
    profile.enable()
    fit.run()
    profile.disable()
    stats = pstats.Stats(profile).stats
    total = sum(entry[2] for entry in stats.values())
    own = sum(entry[2] for (path, _, _), entry in stats.items()
              if any(part in path.replace("\\", "/") for part in OWN_CODE))
    return own / total


def main(quick: bool) -> None:
    header = ["case", "fit", "bare loop", "torch", "fit over bare", "torch / fit", "target",
              "verdict"]
    rows, notes = [], []
    _, why = common.peer("torch")
    torch_ok = why is None
    if not torch_ok:
        notes.append(f"torch: {why}")
    notes += agreement(torch_ok)
    dtype = "float32"
    contenders = {"fit": Fit(dtype, verbose=1), "fit silent": Fit(dtype, verbose=0),
                  "bare": Bare(dtype)}
    if torch_ok:
        contenders["torch"] = Torch(dtype)
    # one interleaved round at a time, so that both the median (shown) and the best round of
    # each contender are at hand: load from elsewhere only ever adds time, so the overhead is
    # read from the best rounds
    fns = {name: c.run for name, c in contenders.items()}
    rounds = [common.time_each(fns, number=1, repeat=1, warmup=1 if i == 0 else 0,
                               settle=SETTLE) for i in range(3 if quick else 7)]
    times = {name: statistics.median(r[name] for r in rounds) for name in fns}
    best = {name: min(r[name] for r in rounds) for name in fns}
    for label, name in (("lesson 000 fit, verbose=1 (live bar)", "fit"),
                        ("lesson 000 fit, verbose=0", "fit silent")):
        over = best[name] / best["bare"] - 1
        rows.append([f"{label}, 10 epochs, {dtype}", common.fmt_time(times[name]),
                     common.fmt_time(times["bare"]), common.fmt_time(times.get("torch")),
                     f"{over:+.1%}", common.ratio(times.get("torch"), times[name]),
                     f"<= +{TARGET:.0%}", common.verdict(over <= TARGET)])
    share = own_share()
    rows.append(["  fit's own code in a profiled run (upper bound)", "-", "-", "-",
                 f"{share:.1%}", "-", f"<= {TARGET:.0%}", common.verdict(share <= TARGET)])
    steps = EPOCHS * -(-ROWS // BATCH)
    rows.append(["  per training step (with its share of validation)",
                 common.fmt_time(times["fit"] / steps), common.fmt_time(times["bare"] / steps),
                 common.fmt_time(times["torch"] / steps if torch_ok else None), "-", "-", "-",
                 "-"])
    notes.append(f"11-512-512-512-1 ReLU Dense, L1 loss, Adam(lr={LR:g}), {ROWS:,} training and "
                 f"{VALID_ROWS} validation rows, batch {BATCH}, {EPOCHS} epochs of "
                 f"{-(-ROWS // BATCH)} steps, shuffled; validation each epoch")
    notes.append("times: median of interleaved rounds of the whole 10-epoch run; fit over bare "
                 "= fit's best round / the bare loop's best round - 1 (fit's own overhead); "
                 "torch / fit > 1 means fit is faster")
    notes.append("on a busy machine the timed overhead is noise-bound (BENCH_THREADS=1 "
                 "steadies it); the profiled share is not: the time spent in nn/training, "
                 "callbacks, progress, history, metrics and tqdm")
    notes.append(common.machine_line())
    common.print_table("bench_fit: lesson 000's fit, a bare loop and PyTorch's loop", header,
                       rows, notes)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats")
    main(parser.parse_args().quick)
