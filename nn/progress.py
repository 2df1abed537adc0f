"""The progress display of ``fit``, ``evaluate`` and ``predict``: the Keras 2 line of lesson 000.

``verbose=1`` shows ``Epoch 2/10`` (when there is more than one epoch), then a bar that ends as::

    5/5 [==============================] - 0s 21ms/step - loss: 0.1349 - val_loss: 0.1231

In a terminal the bar is live (drawn by tqdm, redrawn at most ten times a second); in Jupyter it
is a notebook widget bar with the same facts; anywhere else (a pipe, a CI log, a file) only the
finished line is written, once per epoch, with no carriage returns. ``verbose=2`` writes one
line per epoch, ``5/5 - 0s - loss: 0.1349 - val_loss: 0.1231 - 104ms/epoch - 21ms/step``;
``verbose=0`` writes nothing. Values print with 4 decimals (``.4e`` when |value| <= 0.001).
"""

from __future__ import annotations

import shutil
import sys
import time
from typing import Any, TextIO

from .callbacks import Callback

WIDTH = 30  # characters between the brackets, as Keras


def _format_value(value: float) -> str:
    return f"{value:.4f}" if abs(value) > 1e-3 else f"{value:.4e}"


def _format_time(seconds: float, unit: str) -> str:
    """Keras' per-unit time: "2s/step", "21ms/step" or "350us/step"."""
    if seconds >= 1 or seconds == 0:
        return f"{seconds:.0f}s/{unit}"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.0f}ms/{unit}"
    return f"{seconds * 1e6:.0f}us/{unit}"


def _in_notebook() -> bool:
    """True inside a Jupyter kernel (never imports IPython: it is only looked up)."""
    ipython = sys.modules.get("IPython")
    shell = getattr(ipython, "get_ipython", lambda: None)() if ipython else None
    return shell is not None and "IPKernelApp" in getattr(shell, "config", {})


def display_mode(file: TextIO) -> str:
    """"notebook" in Jupyter (with ipywidgets), "live" on a terminal, else "lines"."""
    if _in_notebook():
        try:
            import ipywidgets  # noqa: F401
        except ImportError:
            return "lines"
        return "notebook"
    isatty = getattr(file, "isatty", None)
    try:
        return "live" if isatty is not None and isatty() else "lines"
    except ValueError:  # a closed stream
        return "lines"


class Progbar:
    """One bar: ``update(current, values)`` after each step, ``finish(values)`` at the end.

    ``target`` is the number of steps (None when unknown). Time per step is measured from the
    end of the first step, as Keras 2 does, so a slow first step (warming up) does not count.
    """

    def __init__(self, target: int | None, verbose: int = 1, file: TextIO | None = None,
                 mode: str | None = None, unit: str = "step"):
        self.target = target
        self.verbose = verbose
        self.file = sys.stdout if file is None else file
        self.mode = display_mode(self.file) if mode is None else mode
        self.unit = unit
        self.current = 0
        self.values: dict[str, Any] = {}
        self.finished = False
        self._start = time.perf_counter()
        self._after_first: float | None = None
        self._bar = None
        if verbose == 1 and self.mode in ("live", "notebook"):
            self._bar = _tqdm_bar(self, self.mode)

    # -- what is shown -------------------------------------------------------------------------

    def _per_step(self, now: float) -> float:
        if self._after_first is not None and self.current > 1:
            return (now - self._after_first) / (self.current - 1)
        return (now - self._start) / self.current if self.current else 0.0

    def count(self) -> str:
        if self.target is None:
            return f"{self.current:7d}/Unknown"
        digits = len(str(self.target))
        return f"{self.current:{digits}d}/{self.target}"

    def bar(self) -> str:
        if self.target is None or self.target <= 0:
            return ""
        filled = int(WIDTH * min(self.current / self.target, 1.0))
        inner = ""
        if filled > 0:
            inner = "=" * (filled - 1) + (">" if self.current < self.target else "=")
        return "[" + inner + "." * (WIDTH - filled) + "]"

    def _metrics(self) -> str:
        return "".join(f" - {k}: {_format_value(v)}" for k, v in self.values.items()
                       if isinstance(v, int | float))

    def info(self) -> str:
        """What follows the bar: the ETA while running, then the time and the values."""
        now = time.perf_counter()
        per_step = self._per_step(now)
        if self.finished or self.target is None:
            text = f" - {now - self._start:.0f}s {_format_time(per_step, self.unit)}"
        else:
            eta = per_step * (self.target - self.current)
            if eta > 3600:
                shown = f"{eta // 3600:.0f}:{(eta % 3600) // 60:02.0f}:{eta % 60:02.0f}"
            elif eta > 60:
                shown = f"{eta // 60:.0f}:{eta % 60:02.0f}"
            else:
                shown = f"{eta:.0f}s"
            text = f" - ETA: {shown}"
        return text + self._metrics()

    def line(self) -> str:
        """The whole verbose=1 line as it stands."""
        bar = self.bar()
        return self.count() + (" " + bar if bar else "") + self.info()

    def epoch_line(self) -> str:
        """The verbose=2 line (written once, at the end)."""
        now = time.perf_counter()
        elapsed = now - self._start
        steps = self.current or 1
        return (f"{self.count()} - {elapsed:.0f}s{self._metrics()} - "
                f"{_format_time(elapsed, 'epoch')} - {_format_time(elapsed / steps, self.unit)}")

    # -- driving it ----------------------------------------------------------------------------

    def update(self, current: int, values: dict | None = None) -> None:
        if current == 1 and self._after_first is None:
            self._after_first = time.perf_counter()
        self.current = current
        if values is not None:
            self.values = dict(values)
        if self._bar is not None:
            self._bar.update(current - self._bar.n)

    def finish(self, values: dict | None = None) -> None:
        """Show the finished line (the epoch's logs, val_ values included)."""
        if self.finished:
            return
        if values is not None:
            self.values = dict(values)
        if self.target is None:
            self.target = self.current
        self.current = max(self.current, self.target)
        self.finished = True
        if self.verbose == 1:
            if self.mode == "notebook" and self._bar is not None:
                # the live widget goes and the finished line stays as text: a saved notebook
                # keeps only a widget's first state, so it would show 0/5 to its readers
                self._bar.container.close()
                self._bar.disable = True
                print(self.line(), file=self.file, flush=True)
            elif self._bar is not None:
                self._bar.n = self.current
                self._bar.ncols = None  # the finished line whole, as Keras writes it
                self._bar.close()  # draws the finished line once more and ends it
            else:
                print(self.line(), file=self.file, flush=True)
        elif self.verbose == 2:
            print(self.epoch_line(), file=self.file, flush=True)

    def close(self) -> None:
        """End the bar without the finished line (an exception stopped the run)."""
        if self._bar is not None and not self.finished:
            self._bar.close()
        self.finished = True


def _tqdm_bar(progbar: Progbar, mode: str):
    """A tqdm bar whose text is ``progbar``'s Keras line: tqdm does the drawing."""
    if mode == "notebook":
        from tqdm.notebook import tqdm as base

        # the widget draws the bar itself; the text around it is ours
        layout = "{count}{bar}{info}"
    else:
        from tqdm import tqdm as base

        layout = "{line}"

    class KerasBar(base):
        monitor_interval = 0  # no watchdog thread started for every epoch's bar

        @property
        def format_dict(self):
            d = super().format_dict
            d.update(line=progbar.line(), count=progbar.count(), info=progbar.info())
            return d

    # while running, the line is cut at the terminal's width, so that a long line never
    # wraps and breaks the redrawing; the finished line is written whole (see finish). A
    # terminal that reports no size (a pseudo-terminal, some IDEs) gets no cut: tqdm would
    # read its 0 x 0 as "no room" and draw nothing.
    columns, lines = shutil.get_terminal_size((0, 0))
    return KerasBar(total=progbar.target, file=progbar.file, bar_format=layout, leave=True,
                    ncols=columns if columns >= 20 else 10_000,
                    nrows=lines if lines >= 2 else 10_000, mininterval=0.1, disable=False)


class ProgressLogger(Callback):
    """The callback that ``fit`` (and ``evaluate``, ``predict``) add last: it prints the
    ``Epoch k/N`` header and drives one Progbar per epoch. Validation inside fit is silent."""

    def __init__(self, verbose: int = 1, file: TextIO | None = None, mode: str | None = None):
        super().__init__()
        self.verbose = verbose
        self.file = file
        self.mode = mode
        self.progbar: Progbar | None = None
        self._in_fit = False

    def _out(self) -> TextIO:
        return sys.stdout if self.file is None else self.file

    def _new_bar(self) -> None:
        self.close()
        self.progbar = Progbar(self.params.get("steps"), self.verbose, self._out(), self.mode)

    def close(self) -> None:
        """End the current bar, finished or not (fit calls it when an exception stops it)."""
        if self.progbar is not None:
            self.progbar.close()
            self.progbar = None

    def on_train_begin(self, logs: dict | None = None) -> None:
        self._in_fit = True

    def on_train_end(self, logs: dict | None = None) -> None:
        self.close()
        self._in_fit = False

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        if self.verbose and self.params.get("epochs", 1) > 1:
            print(f"Epoch {epoch + 1}/{self.params['epochs']}", file=self._out(), flush=True)
        self._new_bar()

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        self.progbar.update(batch + 1, logs)

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        self.progbar.finish(logs)

    def on_test_begin(self, logs: dict | None = None) -> None:
        if not self._in_fit:
            self._new_bar()

    def on_test_batch_end(self, batch: int, logs: dict | None = None) -> None:
        if not self._in_fit:
            self.progbar.update(batch + 1, logs)

    def on_test_end(self, logs: dict | None = None) -> None:
        if not self._in_fit:
            self.progbar.finish(logs)

    def on_predict_begin(self, logs: dict | None = None) -> None:
        self._new_bar()

    def on_predict_batch_end(self, batch: int, logs: dict | None = None) -> None:
        self.progbar.update(batch + 1)

    def on_predict_end(self, logs: dict | None = None) -> None:
        self.progbar.finish({})
