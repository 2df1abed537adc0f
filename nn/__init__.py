"""nn: modules, layers, losses, optimizers and training on top of autograd (PyTorch's names).

Submodules load on first use, so ``import nn`` stays quick and needs only numpy and tqdm.
"""

from __future__ import annotations

import importlib

try:
    import autograd as _autograd
except ImportError as _err:  # pragma: no cover - a broken install
    raise ImportError(f"retrograd's nn needs its engine package `autograd`: {_err}") from None

if getattr(_autograd, "ENGINE", None) != "retrograd":  # pragma: no cover - environment check
    raise ImportError(
        f"`import autograd` found {getattr(_autograd, '__file__', _autograd)!s}, which is not "
        "retrograd's engine but another package of the same name (PyPI's `autograd`, pulled in "
        "by lifelines, pymoo or pennylane). Install retrograd in its own virtual environment: "
        "python3 -m venv .venv && .venv/bin/pip install retrograd"
    )

from autograd import Tensor, manual_seed, no_grad  # noqa: E402

# name -> submodule that defines it
_EXPORTS = {
    "Module": "module",
    "Parameter": "module",
    "Sequential": "module",
    "ModuleList": "module",
    "ModuleDict": "module",
    "ParameterList": "module",
    "Linear": "layers",
    "Dense": "layers",
    "Dropout": "layers",
    "Flatten": "layers",
    "ReLU": "layers",
    "LeakyReLU": "layers",
    "Sigmoid": "layers",
    "Tanh": "layers",
    "GELU": "layers",
    "ELU": "layers",
    "SiLU": "layers",
    "Softplus": "layers",
    "Softmax": "layers",
    "LogSoftmax": "layers",
    "Identity": "layers",
    "MSELoss": "losses",
    "L1Loss": "losses",
    "HuberLoss": "losses",
    "SmoothL1Loss": "losses",
    "BCELoss": "losses",
    "BCEWithLogitsLoss": "losses",
    "CrossEntropyLoss": "losses",
    "NLLLoss": "losses",
    "HingeLoss": "losses",
    "get_loss": "losses",
    "save": "serialization",
    "load": "serialization",
    "CheckpointError": "serialization",
    "History": "history",
}
_SUBMODULES = {
    "module", "layers", "functional", "losses", "init", "optim", "lr_scheduler", "utils",
    "scalar", "serialization", "data", "datasets", "callbacks", "metrics", "history",
    "training", "progress", "plot", "tuning", "demo", "torch",
}

__all__ = sorted(set(_EXPORTS) | _SUBMODULES
                 | {"Tensor", "manual_seed", "no_grad", "diagnose", "Diagnosis"})


# compile / fit / evaluate / predict / summary: installed on Module by nn.training
from . import training as _training  # noqa: E402, F401

# imported now, not on first use: the module nn.diagnose would otherwise replace the function
from .diagnose import Diagnosis, diagnose  # noqa: E402


def __getattr__(name: str):
    if name in _SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    if name in _EXPORTS:
        return getattr(importlib.import_module(f"{__name__}.{_EXPORTS[name]}"), name)
    raise AttributeError(f"module 'nn' has no attribute {name!r}")


def __dir__():
    return __all__
