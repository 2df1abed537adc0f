"""autograd: reverse-mode automatic differentiation on Python floats (Value) and numpy arrays
(Tensor), with one iterative backward driver for both."""

import numpy as np

from . import ops  # noqa: F401  (gives Tensor its operators)
from .function import Context, Function, grad
from .gradcheck import GradcheckError, gradcheck
from .graph import (
    AnomalyError,
    GraphFreedError,
    InplaceError,
    detect_anomaly,
    enable_grad,
    increment_version,
    is_grad_enabled,
    no_grad,
    set_grad_enabled,
)
from .ops import accepts_constants as _accepts_constants
from .ops import elementwise as _ew
from .ops import linalg as _linalg
from .ops import reduce as _reduce
from .ops import shape as _shape
from .ops.elementwise import where
from .ops.reduce import allclose, equal, isclose
from .ops.shape import concatenate, split, stack
from .tensor import (
    Tensor,
    arange,
    as_tensor,
    default_generator,
    device,
    empty,
    empty_like,
    eye,
    from_numpy,
    full,
    full_like,
    get_default_dtype,
    linspace,
    manual_seed,
    normal,
    ones,
    ones_like,
    rand,
    rand_like,
    randint,
    randn,
    randn_like,
    randperm,
    set_default_dtype,
    tensor,
    zeros,
    zeros_like,
)
from .value import Constant, Value, dot
from .viz import draw_graph

# the ops as functions of a first argument that may be a number, a list or an array
abs, clip, elu, exp, gelu, leaky_relu, log, maximum, minimum, relu, sigmoid, silu, softplus, \
    sqrt, tanh = map(_accepts_constants, (
        _ew.abs, _ew.clip, _ew.elu, _ew.exp, _ew.gelu, _ew.leaky_relu, _ew.log, _ew.maximum,
        _ew.minimum, _ew.relu, _ew.sigmoid, _ew.silu, _ew.softplus, _ew.sqrt, _ew.tanh))
sin, cos, sign, floor, ceil, trunc, floor_divide, remainder, masked_fill = map(
    _accepts_constants, (_ew.sin, _ew.cos, _ew.sign, _ew.floor, _ew.ceil, _ew.trunc,
                         _ew.floor_divide, _ew.remainder, _ew.masked_fill))
matmul, linear, mm, bmm, mv = map(_accepts_constants, (
    _linalg.matmul, _linalg.linear, _linalg.mm, _linalg.bmm, _linalg.mv))
log_softmax, logsumexp, mean, softmax, std, var, amax, amin, sum_ = map(_accepts_constants, (
    _reduce.log_softmax, _reduce.logsumexp, _reduce.mean, _reduce.softmax, _reduce.std,
    _reduce.var, _reduce.amax, _reduce.amin, _reduce.sum))
norm, prod, cumsum, topk, sort, argsort = map(_accepts_constants, (
    _reduce.norm, _reduce.prod, _reduce.cumsum, _reduce.topk, _reduce.sort, _reduce.argsort))
expand, flatten, permute, reshape, squeeze, transpose, unsqueeze = map(_accepts_constants, (
    _shape.expand, _shape.flatten, _shape.permute, _shape.reshape, _shape.squeeze,
    _shape.transpose, _shape.unsqueeze))
clone, repeat, chunk, gather = map(_accepts_constants, (
    _shape.clone, _shape.repeat, _shape.chunk, _shape.gather))

ENGINE = "retrograd"  # nn checks this: PyPI's unrelated `autograd` lacks it
cat = concatenate
clamp = clip
float32, float64, int64 = np.float32, np.float64, np.int64

# the public names: everything above but the submodules (and numpy)
__all__ = sorted(name for name, value in globals().items()
                 if not name.startswith("_") and not isinstance(value, type(np)))
