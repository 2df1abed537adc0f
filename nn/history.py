"""History: what ``fit`` records, epoch by epoch (Keras' ``History`` callback).

``history.history`` maps each logged quantity to one Python float per epoch, keys ordered loss,
then the metrics, then val_loss and the val_ metrics: ``pd.DataFrame(history.history)`` gives
the learning curves of lesson 000.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

from .callbacks import Callback


def _order(keys: list[str]) -> list[str]:
    """loss, metrics, val_loss, val_ metrics (the order in which Keras shows them)."""
    def rank(key: str) -> tuple[int, int]:
        val = key.startswith("val_")
        base = key[4:] if val else key
        return (2 if val else 0) + (0 if base == "loss" else 1), keys.index(key)
    return sorted(keys, key=rank)


class History(Callback):
    """Records the epoch-end logs of a training run; ``fit`` returns it (also
    ``model.history``).

    Attributes: ``history`` (dict of lists of floats), ``epoch`` (the epoch indices, from
    ``initial_epoch``), ``params`` (verbose, epochs, steps), ``model``, ``gradient_norms``
    (parameter name -> per-epoch mean gradient L2 norm; empty unless
    ``fit(..., track_gradients=True)``), ``early_stopping`` (None, or a dict with
    "monitor", "stopped_epoch", "best_epoch", "best" that EarlyStopping fills at train end).
    """

    def __init__(self) -> None:
        super().__init__()
        self.history: dict[str, list[float]] = {}
        self.epoch: list[int] = []
        self.gradient_norms: dict[str, list[float]] = {}
        self.early_stopping: dict[str, Any] | None = None

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        self.epoch.append(int(epoch))
        for key, value in (logs or {}).items():
            if isinstance(value, numbers.Real):
                self.history.setdefault(key, []).append(float(value))
        self.history = {k: self.history[k] for k in _order(list(self.history))}
        if self.model is not None:
            self.model.history = self

    def best_epoch(self, monitor: str = "val_loss", mode: str = "min") -> int | None:
        """The epoch (from ``history.epoch``) where ``monitor`` was lowest (``mode="min"``) or
        highest (``"max"``); nan values are skipped; None when nothing was recorded."""
        values = self.history.get(monitor)
        if mode not in ("min", "max"):
            raise ValueError(f"best_epoch: mode must be 'min' or 'max', got {mode!r}")
        if not values:
            return None
        finite = [(v, i) for i, v in enumerate(values) if not math.isnan(v)]
        if not finite:
            return None
        _, i = (min if mode == "min" else max)(finite)
        return self.epoch[i]

    def to_dataframe(self):
        """The history as a pandas DataFrame, one row per epoch (indexed by epoch)."""
        try:
            import pandas as pd
        except ImportError:
            raise ImportError("History.to_dataframe needs pandas: pip install pandas") from None
        return pd.DataFrame(self.history, index=pd.Index(self.epoch, name="epoch"))

    def plot(self, **kwargs: Any):
        """Draw the learning curves: ``nn.plot.plot_history(self, **kwargs)`` (needs the
        plot extra)."""
        from .plot import plot_history

        return plot_history(self, **kwargs)

    def __repr__(self) -> str:
        keys = ", ".join(self.history) or "nothing recorded"
        return f"<History: {len(self.epoch)} epoch(s); {keys}>"
