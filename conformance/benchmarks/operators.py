"""What the operator benchmarks time: one representative form of each catalogue operator, at a size.

Each operator of :data:`conformance.catalogue.OPERATORS` gets one :class:`~conformance.benchmarks.cases.Workload`
whose program is the catalogue's own :class:`~conformance.calls.Call` of it, ``ag.op(name, ...)``, as
tinygrad's op tests name one call per operator (``helper_test_op([(45, 65)], lambda x: x.sin())``)::

    exp(x)                  x: n                elementwise, in the operator's smooth domain
    add(x, y)               x, y: n             two inputs of n elements each
    sum(x, dim=1)           x: r × c            reductions, shape and layout ops: r × c = n
    matmul(a, b)            a, b: k × k         k = round(√n), so each operand holds about n elements

``n`` is the size; ``r`` is the largest divisor of ``n`` up to its square root (1,000,000 -> 1000 × 1000,
3 -> 1 × 3). Inputs are drawn from a NumPy generator seeded with 0, inside the domains
:mod:`conformance.forms` keeps (positive for log and sqrt, away from 0 for abs, relu and reciprocal,
...), so the round times the operator, not a NaN path. The output is differentiated with a cotangent of
its shape; split and chunk return pieces, which the program sums with weights (:class:`Call`'s
``pieces``) into a scalar differentiated with ``backward()``. Kinks, ties and the other forms are the
specs' business, not the benchmarks'.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from conformance.benchmarks.cases import Program, Workload, matrix_shape
from conformance.calls import Call
from conformance.catalogue import CASES, OPERATORS
from conformance.forms import AWAY_FROM_ZERO, DISTINCT, POSITIVE, SMOOTH

Shape = Callable[[int], tuple[int, ...]]
NEAR_ONE: dict[str, Any] = {"min_value": -1.25, "max_value": 1.25, "min_magnitude": 0.8}
"""Inside prod's domain (no zeros), near 1, so that a row of 1,000 keeps a finite float32 product."""
DIVISOR: dict[str, Any] = {"min_value": -4.0, "max_value": 4.0, "min_magnitude": 0.5}  # div's y, as forms.py


def _vector(size: int) -> tuple[int, ...]:
    return (size,)


def _square(size: int) -> tuple[int, ...]:
    side = max(1, round(size**0.5))
    return (side, side)


_SHAPE_TEXT: dict[Shape, str] = {_vector: "n", matrix_shape: "r × c", _square: "k × k"}


def _draw(rng: np.random.Generator, shape: tuple[int, ...], dtype: str, domain: dict[str, Any]) -> np.ndarray:
    """Uniform in ``domain`` (a :mod:`conformance.forms` domain); with ``min_magnitude``, a magnitude
    from there to the bound and a random sign (the domains that have one are symmetric)."""
    low, high = domain["min_value"], domain["max_value"]
    smallest = domain.get("min_magnitude", 0.0)
    if smallest > 0:
        values = rng.uniform(smallest, high, shape) * rng.choice([-1.0, 1.0], shape)
    else:
        values = rng.uniform(low, high, shape)
    return values.astype(dtype)


def _of_call(calls: Callable[[int, str], Call]) -> Callable[[int, str], Program]:
    def program(size: int, dtype: str) -> Program:
        call = calls(size, dtype)
        return call.program(), call.inputs

    return program


def _family(operator: str) -> str:
    return next(case.family for case in CASES if case.operator == operator)


def _workload(
    operator: str, form: str, program: Callable[[int, str], Program], *, cotangent: bool = True
) -> Workload:
    return Workload(operator, _family(operator), program, cotangent=cotangent, operator=operator, form=form)


def _unary(
    operator: str,
    text: str,
    domain: dict[str, Any] = SMOOTH,
    *args: Any,
    shape: Shape = _vector,
    **kwargs: Any,
) -> Workload:
    """``operator(x, *args, **kwargs)`` of one input of ``shape(n)``."""

    def calls(size: int, dtype: str) -> Call:
        x = _draw(np.random.default_rng(0), shape(size), dtype, domain)
        return Call(operator, {"x": x}, args, kwargs=kwargs)

    return _workload(operator, f"{text}; x: {_SHAPE_TEXT[shape]}", _of_call(calls))


def _binary(
    operator: str,
    text: str,
    x: dict[str, Any] = SMOOTH,
    y: dict[str, Any] = SMOOTH,
    *,
    shape: Shape = _vector,
    names: str = "xy",
    listed: bool = False,
    **kwargs: Any,
) -> Workload:
    """``operator(x, y, **kwargs)`` of two inputs of ``shape(n)`` each (``[x, y]`` when ``listed``)."""

    def calls(size: int, dtype: str) -> Call:
        rng = np.random.default_rng(0)
        first, second = _draw(rng, shape(size), dtype, x), _draw(rng, shape(size), dtype, y)
        return Call(operator, dict(zip(names, (first, second), strict=True)), kwargs=kwargs, listed=listed)

    inputs = ", ".join(names)
    return _workload(operator, f"{text}; {inputs}: {_SHAPE_TEXT[shape]}", _of_call(calls))


def _where(size: int, dtype: str) -> Program:
    """where(condition, x, y) with a condition drawn once: made a tensor on each engine's first round,
    since a condition written into the program's text (as :class:`Call` writes one) would be parsed,
    all n booleans of it, every round."""
    rng = np.random.default_rng(0)
    condition = rng.random(size) < 0.5
    x, y = _draw(rng, (size,), dtype, SMOOTH), _draw(rng, (size,), dtype, SMOOTH)
    held: dict[str, Any] = {}

    def program(ag: Any, x: Any, y: Any) -> Any:
        if held.get("engine") is not ag:  # the NumPy forward pass that shapes the cotangent, then the engine
            held.update(engine=ag, condition=ag.tensor(condition))
        return ag.op("where", held["condition"], x, y)

    return program, {"x": x, "y": y}


def _pieces(operator: str, text: str, argument: Callable[[int], int]) -> Workload:
    """split or chunk of one vector, its pieces summed with weights 1, 2, ... into a scalar."""

    def calls(size: int, dtype: str) -> Call:
        x = _draw(np.random.default_rng(0), (size,), dtype, SMOOTH)
        return Call(operator, {"x": x}, (argument(size),), kwargs={"dim": 0}, pieces=True)

    return _workload(operator, f"{text}, the pieces summed; x: n", _of_call(calls), cotangent=False)


def _reduction(operator: str, domain: dict[str, Any] = SMOOTH) -> Workload:
    return _unary(operator, f"{operator}(x, dim=1)", domain, shape=matrix_shape, dim=1)


def _product(operator: str) -> Workload:
    operand = {"min_value": -2.0, "max_value": 2.0}  # as forms.py draws matmul's
    return _binary(operator, f"{operator}(a, b)", operand, operand, shape=_square, names="ab")


def _expand() -> Workload:
    """One row expanded down the rows of an r × c matrix: the size is the output's, n."""

    def calls(size: int, dtype: str) -> Call:
        rows, columns = matrix_shape(size)
        x = _draw(np.random.default_rng(0), (1, columns), dtype, SMOOTH)
        return Call("expand", {"x": x}, ((rows, columns),))

    return _workload("expand", "expand(x, (r, c)); x: 1 × c", _of_call(calls))


def _squeeze() -> Workload:
    def calls(size: int, dtype: str) -> Call:
        rows, columns = matrix_shape(size)
        x = _draw(np.random.default_rng(0), (rows, 1, columns), dtype, SMOOTH)
        return Call("squeeze", {"x": x})

    return _workload("squeeze", "squeeze(x); x: r × 1 × c", _of_call(calls))


OPERATOR_WORKLOADS: tuple[Workload, ...] = (
    _unary("neg", "neg(x)"),
    _unary("abs", "abs(x), |x| ≥ 1/16", AWAY_FROM_ZERO),
    _unary("exp", "exp(x)"),
    _unary("log", "log(x), x > 0", POSITIVE),
    _unary("sqrt", "sqrt(x), x > 0", POSITIVE),
    _unary("sin", "sin(x)"),
    _unary("cos", "cos(x)"),
    _unary("tanh", "tanh(x)"),
    _unary("sigmoid", "sigmoid(x)"),
    _unary("relu", "relu(x), |x| ≥ 1/16", AWAY_FROM_ZERO),
    _unary("reciprocal", "reciprocal(x), |x| ≥ 1/16", AWAY_FROM_ZERO),
    _unary("pow", "pow(x, 3)", SMOOTH, 3),
    _unary("clamp", "clamp(x, min=-1.03125, max=0.53125)", min=-1.03125, max=0.53125),
    _binary("add", "add(x, y)"),
    _binary("sub", "sub(x, y)"),
    _binary("mul", "mul(x, y)"),
    _binary("div", "div(x, y), |y| ≥ 0.5", SMOOTH, DIVISOR),
    _binary("maximum", "maximum(x, y)"),
    _binary("minimum", "minimum(x, y)"),
    _workload("where", "where(condition, x, y); condition, x, y: n", _where),
    _reduction("sum"),
    _reduction("mean"),
    _reduction("amax", DISTINCT),
    _reduction("amin", DISTINCT),
    _reduction("max", DISTINCT),
    _reduction("min", DISTINCT),
    _unary("prod", "prod(x, dim=1), 0.8 ≤ |x| ≤ 1.25", NEAR_ONE, shape=matrix_shape, dim=1),
    _reduction("var", DISTINCT),
    _reduction("std", DISTINCT),
    _reduction("logsumexp"),
    _reduction("softmax"),
    _reduction("log_softmax"),
    _product("matmul"),
    _product("mm"),
    _unary("t", "t(x)", shape=matrix_shape),
    _unary("transpose", "transpose(x, 0, 1)", SMOOTH, 0, 1, shape=matrix_shape),
    _unary("permute", "permute(x, (1, 0))", SMOOTH, (1, 0), shape=matrix_shape),
    _unary("mT", "x.mT", shape=matrix_shape),
    _unary("reshape", "reshape(x, (-1,))", SMOOTH, (-1,), shape=matrix_shape),
    _unary("view", "view(x, (-1,))", SMOOTH, (-1,), shape=matrix_shape),
    _unary("flatten", "flatten(x)", shape=matrix_shape),
    _squeeze(),
    _unary("unsqueeze", "unsqueeze(x, 0)", SMOOTH, 0),
    _expand(),
    _unary("getitem", "x[::2]", SMOOTH, slice(None, None, 2)),
    _binary("cat", "cat([x, y], dim=0)", listed=True, dim=0),
    _binary("stack", "stack([x, y], dim=0)", listed=True, dim=0),
    _pieces("split", "split(x, ⌈n/4⌉)", lambda size: -(-size // 4)),
    _pieces("chunk", "chunk(x, 4)", lambda size: 4),
)
"""One workload per catalogue operator, in the catalogue's order."""


def operator_workloads(names: Sequence[str] | None = None) -> list[Workload]:
    """The workloads of the operators ``names`` (every one when None), in the catalogue's order."""
    chosen = set(OPERATORS if names is None else names)
    return [workload for workload in OPERATOR_WORKLOADS if workload.operator in chosen]


def offers(adapter: Any, operator: str) -> bool:
    """Whether ``adapter`` maps the catalogue operator (an adapter without ``operator`` maps none)."""
    found = getattr(adapter, "operator", None)
    return found is not None and found(operator) is not None
