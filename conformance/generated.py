"""Random programs built from the catalogue's operators, for the ``generated_programs`` specs.

:func:`programs` draws one to three leaf inputs of broadcast-compatible shapes (0-d and size-1 dims
included) and a sequence of operations whose operands are any earlier value, so shared subexpressions
and branches of unequal depth appear. Each step is checked on the concrete values, in float64 NumPy, as
it is drawn: an operation is taken only where its operands lie in its smooth domain, with margins wider
than any finite-difference step (no log of a value under 1/8, no relu within 1/16 of 0, no max with
near-ties, no var of near-equal values) and where its result stays finite and under 1000 in magnitude.
A program ends in a scalar, or in a tensor with a random cotangent; every leaf and every step reaches
the output (one that nothing uses is added in, summed), so every branch is differentiated.

Programs are text, one line an operation, so a shrunk failure prints as code that runs as it is::

    def program(ag, x0, x1):
        v1 = ag.op("mul", x0, x1)
        v2 = ag.op("exp", v1)
        return ag.op("sum", v2)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from conformance.calls import Call, Index, compile_program
from conformance.strategies import arrays
from reference.numpy_operators import OPERATORS as NUMPY

UNARY = (
    "neg",
    "abs",
    "exp",
    "log",
    "sqrt",
    "sin",
    "cos",
    "tanh",
    "sigmoid",
    "relu",
    "reciprocal",
    "pow",
    "clamp",
)
BINARY = ("add", "sub", "mul", "div", "maximum", "minimum", "pow", "where")
REDUCTIONS = (
    "sum",
    "mean",
    "amax",
    "amin",
    "max",
    "min",
    "prod",
    "var",
    "std",
    "logsumexp",
    "softmax",
    "log_softmax",
)
STRUCTURE = (
    "matmul",
    "t",
    "transpose",
    "permute",
    "mT",
    "reshape",
    "flatten",
    "unsqueeze",
    "squeeze",
    "expand",
    "getitem",
    "cat",
    "stack",
)
MARGIN = 1 / 16
LARGEST = 1000.0


@dataclass(frozen=True)
class Step:
    """``name = ag.op(...)`` of earlier values by name, or a line of its own ``text``."""

    name: str
    call: Call | None = None  # its inputs are empty: the operands are earlier values, by name
    operands: tuple[str, ...] = ()
    text: str = ""

    def line(self) -> str:
        expression = self.call.expression(list(self.operands)) if self.call is not None else self.text
        return f"    {self.name} = {expression}"


@dataclass(frozen=True, eq=False)
class Program:
    """A drawn program: its leaves' values, its steps, and the value it returns."""

    inputs: dict[str, np.ndarray]
    steps: tuple[Step, ...]
    output: str

    def source(self) -> str:
        lines = [f"def program(ag, {', '.join(self.inputs)}):", *(step.line() for step in self.steps)]
        lines.append(f"    return {self.output}")
        return "\n".join(lines)

    def function(self) -> Callable[..., Any]:
        return compile_program(self.source())


def _finite_and_moderate(value: Any) -> bool:
    return bool(np.all(np.isfinite(value)) and np.all(np.abs(value) < LARGEST))


def _away(value: np.ndarray, point: float) -> bool:
    return bool(np.all(np.abs(value - point) > MARGIN))


def _unary(draw: st.DrawFn, name: str, x: np.ndarray) -> Call | None:
    smooth = {
        "log": lambda: bool(np.all(x > 2 * MARGIN)),
        "sqrt": lambda: bool(np.all(x > 2 * MARGIN)),
        "reciprocal": lambda: _away(x, 0.0) and bool(np.all(np.abs(x) > 0.25)),
        "relu": lambda: _away(x, 0.0),
        "abs": lambda: _away(x, 0.0),
        "exp": lambda: bool(np.all(x < 5)),
    }
    if not smooth.get(name, lambda: True)():
        return None
    if name == "pow":
        exponent = draw(st.sampled_from([2, 3, -1, 0.5, -1.5]), label="exponent")
        if not isinstance(exponent, int) or exponent < 0:
            if not np.all(x > 0.25):
                return None
        return Call(name, {}, (exponent,))
    if name == "clamp":
        low = draw(st.sampled_from([-1.0, -0.5, 0.0]), label="min")
        high = low + draw(st.sampled_from([0.5, 1.0, 2.0]), label="max - min")
        return Call(name, {}, kwargs={"min": low, "max": high}) if _away(x, low) and _away(x, high) else None
    return Call(name, {}, ())


def _binary(draw: st.DrawFn, name: str, x: np.ndarray, y: np.ndarray) -> Call | None:
    try:
        np.broadcast_shapes(x.shape, y.shape)
    except ValueError:
        return None
    if name == "div" and not np.all(np.abs(y) > 0.25):
        return None
    if name in ("maximum", "minimum") and not _away(x - y, 0.0):
        return None
    if name == "pow" and not (np.all(x > 0.25) and np.all(np.abs(y) <= 3)):
        return None
    if name == "where":
        shape = np.broadcast_shapes(x.shape, y.shape)
        mask = draw(hnp.arrays(np.bool_, shape), label="condition")
        return Call(name, {}, before=(Index(mask),))
    return Call(name, {})


def _untied(x: np.ndarray, dim: Any, *, smallest: bool) -> bool:
    """No two elements of a reduced slice within MARGIN of its maximum (minimum)."""
    if x.ndim == 0:
        return True
    axes = tuple(range(x.ndim)) if dim is None or dim == () else ((dim,) if isinstance(dim, int) else dim)
    axes = tuple(axis % x.ndim for axis in axes)
    moved = np.moveaxis(x, axes, tuple(range(-len(axes), 0)))
    flat = moved.reshape(*moved.shape[: moved.ndim - len(axes)], -1)
    ordered = np.sort(-flat if not smallest else flat, axis=-1)
    return flat.shape[-1] < 2 or bool(np.all(ordered[..., 1] - ordered[..., 0] > MARGIN))


def _reduction(draw: st.DrawFn, name: str, x: np.ndarray) -> Call | None:
    if name in ("softmax", "log_softmax", "logsumexp") and x.ndim == 0:
        return None
    kwargs: dict[str, Any] = {}
    if x.ndim and (
        name in ("softmax", "log_softmax", "logsumexp") or draw(st.booleans(), label="over a dim")
    ):
        kwargs["dim"] = draw(st.integers(-x.ndim, x.ndim - 1), label="dim")
        if name not in ("softmax", "log_softmax") and draw(st.booleans(), label="keepdim"):
            kwargs["keepdim"] = True
    dim = kwargs.get("dim")
    if name in ("amax", "max") and not _untied(x, dim, smallest=False):
        return None
    if name in ("amin", "min") and not _untied(x, dim, smallest=True):
        return None
    if name in ("var", "std"):
        extent = x.size if dim is None else x.shape[dim]
        spread = np.std(x) if dim is None else np.min(np.std(x, axis=dim))
        if extent < 2 or spread < 2 * MARGIN:
            return None
    if name == "prod" and (x.size > 8 or not np.all(np.abs(x) > 2 * MARGIN)):
        return None
    return Call(name, {}, kwargs=kwargs)


def _structure(draw: st.DrawFn, name: str, x: np.ndarray, y: np.ndarray) -> tuple[Call, int] | None:
    """A structural operation of x (and y): the call and how many operands it takes."""
    if name == "matmul":
        if x.ndim == 0 or y.ndim == 0 or x.shape[-1] != y.shape[0 if y.ndim == 1 else -2]:
            return None
        return Call(name, {}), 2
    if name in ("cat", "stack"):
        if x.ndim == 0 or x.shape != y.shape:
            return None
        bound = x.ndim + (name == "stack")
        return Call(
            name, {}, kwargs={"dim": draw(st.integers(-bound, bound - 1), label="dim")}, listed=True
        ), 2
    if name == "t" and x.ndim <= 2:
        return Call(name, {}), 1
    if name == "mT" and x.ndim >= 2:
        return Call(name, {}), 1
    if name == "transpose" and x.ndim >= 2:
        return Call(name, {}, (0, -1)), 1
    if name == "permute" and x.ndim >= 1:
        return Call(name, {}, (tuple(draw(st.permutations(range(x.ndim)), label="dims")),)), 1
    if name == "reshape":
        return Call(name, {}, (tuple(reversed(x.shape)) or (1,),)), 1
    if name == "flatten":
        return Call(name, {}), 1
    if name == "unsqueeze":
        return Call(name, {}, (draw(st.integers(-x.ndim - 1, x.ndim), label="dim"),)), 1
    if name == "squeeze" and 1 in x.shape:
        return Call(name, {}), 1
    if name == "expand" and 1 in x.shape:
        return Call(name, {}, (tuple(3 if side == 1 else side for side in x.shape),)), 1
    if name == "getitem" and x.ndim and x.shape[0] >= 2:
        index = draw(st.sampled_from([slice(None, None, 2), slice(1, None), -1]), label="index")
        return Call(name, {}, (index,)), 1
    return None


def _evaluate(call: Call, operands: list[np.ndarray]) -> Any:
    args = [value.array if isinstance(value, Index) else value for value in call.args]
    before = [value.array if isinstance(value, Index) else value for value in call.before]
    tensors = [operands] if call.listed else operands
    with np.errstate(all="ignore"):
        return NUMPY[call.operator](*before, *tensors, *args, **call.kwargs)


def _step(
    draw: st.DrawFn, name: str, kinds: list[str], values: dict[str, np.ndarray]
) -> tuple[Step, np.ndarray] | None:
    """One operation on earlier values, with its result, or None outside its smooth domain."""
    names = list(values)
    kind = draw(st.sampled_from(kinds), label=name)
    first = draw(st.sampled_from(names), label="operand")
    second = draw(st.sampled_from(names), label="second operand")
    x, y = values[first], values[second]
    found: tuple[Call, int] | None = None
    if kind in UNARY and (kind != "pow" or draw(st.booleans(), label="scalar exponent")):
        call = _unary(draw, kind, x)
        found = None if call is None else (call, 1)
    elif kind in BINARY:
        call = _binary(draw, kind, x, y)
        found = None if call is None else (call, 2)
    elif kind in REDUCTIONS:
        call = _reduction(draw, kind, x)
        found = None if call is None else (call, 1)
    elif kind in STRUCTURE:
        found = _structure(draw, kind, x, y)
    if found is None:
        return None
    call, arity = found
    operands = (first, second)[:arity]
    try:
        result = _evaluate(call, [values[operand] for operand in operands])
    except ValueError:  # shapes the operation does not take (matmul's batch dims, say): draw another
        return None
    if not _finite_and_moderate(result):
        return None
    return Step(name, call, operands), np.asarray(result, dtype=np.float64)


@st.composite
def programs(
    draw: st.DrawFn, *, dtype: str, offered: frozenset[str], scalar: bool, max_steps: int = 8
) -> Program:
    """A random program over the ``offered`` operators, ending in a scalar when ``scalar``."""
    count = draw(st.integers(1, 3), label="leaves")
    leaf_shapes = draw(
        hnp.mutually_broadcastable_shapes(num_shapes=count, max_dims=3, max_side=3), label="shapes"
    )
    inputs = {
        f"x{number}": draw(arrays(dtype=dtype, shape=shape, min_value=-3, max_value=3), label=f"x{number}")
        for number, shape in enumerate(leaf_shapes.input_shapes)
    }
    values: dict[str, np.ndarray] = {name: value.astype(np.float64) for name, value in inputs.items()}
    kinds = [name for name in (*UNARY, *BINARY, *REDUCTIONS, *STRUCTURE) if name in offered]
    steps: list[Step] = []
    for _ in range(draw(st.integers(1, max_steps), label="steps")):
        drawn = None
        for _attempt in range(3):  # an operation outside its smooth domain is drawn again
            drawn = _step(draw, f"v{len(steps) + 1}", kinds, values)
            if drawn is not None:
                break
        if drawn is None:
            continue
        step, result = drawn
        steps.append(step)
        values[step.name] = result
    output = steps[-1].name if steps else next(iter(inputs))
    used = {operand for step in steps for operand in step.operands}
    # every value reaches the output, so every branch is differentiated: a leaf or a step that nothing
    # uses is added in, summed (a backward pass out of topological order fails only on such graphs)
    loose = [
        name for name in [*inputs, *(step.name for step in steps)] if name not in used and name != output
    ]
    if scalar and values[output].ndim:
        steps.append(Step(f"v{len(steps) + 1}", text=f"ag.sum({output})"))
        output = steps[-1].name
    for name in loose:
        steps.append(Step(f"v{len(steps) + 1}", text=f"{output} + ag.sum({name})"))
        output = steps[-1].name
    return Program(inputs, tuple(steps), output)
