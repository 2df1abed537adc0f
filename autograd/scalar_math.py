"""Float functions with numpy's semantics on Python floats: overflow gives inf, a domain error
gives nan, division by zero gives a signed inf; Python's math module would raise instead."""

from __future__ import annotations

import math

INF = math.inf
NAN = math.nan


def rule(op: str, reads: str = "inputs output"):
    """Tag a backward rule with the op name that drawings and error messages show, and with the
    values it reads when it runs, which must not have changed in place since the op ran:
    "inputs" (its inputs'), "others" (an input's only when another input wants a gradient, as
    a product reads y for x's gradient), "output" (its own result's), two of them joined by a
    space, or "" (none: shapes and what the op kept aside only)."""

    def tag(fn):
        fn.op = op
        fn.reads_inputs = "inputs" in reads.split()
        fn.reads_others = "others" in reads.split()
        fn.reads_output = "output" in reads.split()
        return fn

    return tag


def div(a: float, b: float) -> float:
    if b != 0.0:
        return a / b
    if a != a or a == 0.0:
        return NAN
    return math.copysign(INF, a) * math.copysign(1.0, b)


def power(a: float, b: float) -> float:
    try:
        r = a**b
    except ZeroDivisionError:  # 0.0 ** negative: inf, signed like a for an odd integer b
        return -INF if _is_odd_integer(b) and math.copysign(1.0, a) < 0 else INF
    except OverflowError:
        return -INF if a < 0 and _is_odd_integer(b) else INF
    return NAN if isinstance(r, complex) else float(r)


def _is_odd_integer(b: float) -> bool:
    return math.isfinite(b) and b == int(b) and int(b) % 2 == 1


def exp(x: float) -> float:
    try:
        return math.exp(x)
    except OverflowError:
        return INF


def log(x: float) -> float:
    if x > 0.0:
        return math.log(x)
    return -INF if x == 0.0 else NAN


def sqrt(x: float) -> float:
    return math.sqrt(x) if x >= 0.0 else NAN


def sigmoid(x: float) -> float:
    """1 / (1 + e^-x), written so that neither branch overflows."""
    if x >= 0.0:
        return 1.0 / (1.0 + math.exp(-x))
    if x != x:
        return NAN
    e = math.exp(x)
    return e / (1.0 + e)


def softplus(x: float) -> float:
    """log(1 + e^x) = max(x, 0) + log1p(e^-|x|), exact for large |x|."""
    if x != x:
        return NAN
    return max(x, 0.0) + math.log1p(math.exp(-abs(x)))


def normal_cdf(x: float) -> float:
    return 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))


def normal_pdf(x: float) -> float:
    return math.exp(-0.5 * x * x) / math.sqrt(2.0 * math.pi)
