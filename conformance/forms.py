"""The forms of each catalogue operator: how to draw one valid :class:`~conformance.calls.Call` of it.

Each form is a function ``dtype -> strategy of Call``, built from :mod:`conformance.strategies`. Inputs
stay in the operator's smooth domain, farther from every kink than a finite difference's step (1e-4):
log, sqrt and reciprocal get positive inputs, abs and relu inputs at least 1/16 from 0, max and amax
distinct values, maximum and minimum operands that never tie, prod no zeros, var and std at least two
distinct values in every reduced slice. The kinks themselves are specs of their own (conventions).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from conformance.calls import Call, Index
from conformance.strategies import arrays, dims, shapes

Form = Callable[[str], st.SearchStrategy[Call]]
SMOOTH: dict[str, Any] = {"min_value": -4.0, "max_value": 4.0}
POSITIVE: dict[str, Any] = {"min_value": 0.125, "max_value": 8.0}
AWAY_FROM_ZERO: dict[str, Any] = {"min_value": -4.0, "max_value": 4.0, "min_magnitude": 0.0625}
DISTINCT: dict[str, Any] = {"min_value": -8.0, "max_value": 8.0, "distinct": True}


def _pairs(count: int = 2) -> st.SearchStrategy[Any]:
    return hnp.mutually_broadcastable_shapes(num_shapes=count, max_dims=3, max_side=3)


def _unary(operator: str, *args: Any, domain: dict[str, Any] = SMOOTH, **kwargs: Any) -> Form:
    def form(dtype: str) -> st.SearchStrategy[Call]:
        return arrays(dtype=dtype, **domain).map(lambda x: Call(operator, {"x": x}, args, kwargs=kwargs))

    return form


def _binary(
    operator: str, *, x: dict[str, Any] = SMOOTH, y: dict[str, Any] = SMOOTH, shift: float = 0.0
) -> dict[str, Form]:
    """Two forms, same shape and broadcast; ``shift`` moves y off x's grid (no ties)."""

    @st.composite
    def calls(draw: st.DrawFn, dtype: str, broadcast: bool) -> Call:
        x_shape, y_shape = draw(_pairs()).input_shapes if broadcast else (draw(shapes()),) * 2
        first = draw(arrays(dtype=dtype, shape=x_shape, **x), label="x")
        second = draw(arrays(dtype=dtype, shape=y_shape, **y), label="y")
        return Call(operator, {"x": first, "y": np.asarray(second + shift, dtype=dtype)})

    return {"same shape": lambda dtype: calls(dtype, False), "broadcast": lambda dtype: calls(dtype, True)}


@st.composite
def _where(draw: st.DrawFn, dtype: str) -> Call:
    condition_shape, x_shape, y_shape = draw(_pairs(3)).input_shapes
    condition = draw(hnp.arrays(np.bool_, condition_shape), label="condition")
    x = draw(arrays(dtype=dtype, shape=x_shape, **SMOOTH), label="x")
    y = draw(arrays(dtype=dtype, shape=y_shape, **SMOOTH), label="y")
    return Call("where", {"x": x, "y": y}, before=(Index(condition),))


def _reduction(
    operator: str,
    kind: str,
    domain: dict[str, Any],
    *,
    keepdim: bool = True,
    min_side: int = 1,
    correction: bool = False,
    dim_required: bool = False,
) -> Form:
    """``kind``: "all" (no dim), "dim", "negative dim" or "tuple"; keepdim and correction are drawn."""

    @st.composite
    def calls(draw: st.DrawFn, dtype: str) -> Call:
        min_dims = 0 if kind == "all" and not correction else 1
        shape = draw(shapes(min_dims=min_dims, min_side=min_side, max_side=4), label="x.shape")
        x = draw(arrays(dtype=dtype, shape=shape, **domain), label="x")
        kwargs: dict[str, Any] = {}
        if kind != "all":
            kwargs["dim"] = draw(dims(len(shape), kind=kind), label="dim")
        elif operator in ("amax", "amin") and draw(st.booleans(), label="dim=()"):
            kwargs["dim"] = ()
        kept = keepdim and (kind != "all" or operator in ("sum", "mean", "var", "std", "amax", "amin"))
        if kept and draw(st.booleans(), label="keepdim"):
            kwargs.setdefault("dim", None)  # torch takes keepdim over all dims only beside dim=None
            kwargs["keepdim"] = True
        if correction:
            kwargs["correction"] = draw(st.sampled_from([1, 0]), label="correction")
        return Call(operator, {"x": x}, kwargs=kwargs)

    return lambda dtype: calls(dtype)


def _reductions(
    operator: str,
    domain: dict[str, Any],
    kinds: tuple[str, ...] = ("all", "dim", "negative dim", "tuple"),
    **options: Any,
) -> dict[str, Form]:
    return {kind: _reduction(operator, kind, domain, **options) for kind in kinds}


def _softmax(operator: str) -> dict[str, Form]:
    @st.composite
    def calls(draw: st.DrawFn, dtype: str, kind: str) -> Call:
        x = draw(arrays(dtype=dtype, shape=shapes(min_dims=1), **SMOOTH), label="x")
        return Call(operator, {"x": x}, kwargs={"dim": draw(dims(x.ndim, kind=kind), label="dim")})

    def form(kind: str) -> Form:
        return lambda dtype: calls(dtype, kind)

    return {kind: form(kind) for kind in ("dim", "negative dim")}


_MATMUL_SHAPES: dict[str, Callable[[int, int, int, int], tuple[tuple[int, ...], tuple[int, ...]]]] = {
    "vector·vector": lambda b, m, n, p: ((n,), (n,)),
    "matrix·vector": lambda b, m, n, p: ((m, n), (n,)),
    "vector·matrix": lambda b, m, n, p: ((n,), (n, p)),
    "matrix·matrix": lambda b, m, n, p: ((m, n), (n, p)),
    "batched": lambda b, m, n, p: ((b, m, n), (b, n, p)),
    "broadcast batch": lambda b, m, n, p: ((b, 1, m, n), (2, n, p)),
    "matrix·batched": lambda b, m, n, p: ((m, n), (b, n, p)),
}


def _matmul(operator: str, form: str) -> Form:
    @st.composite
    def calls(draw: st.DrawFn, dtype: str) -> Call:
        sides = [draw(st.integers(1, 4), label=name) for name in "bmnp"]
        a_shape, b_shape = _MATMUL_SHAPES[form](*sides)
        a = draw(arrays(dtype=dtype, shape=a_shape, min_value=-2, max_value=2), label="a")
        b = draw(arrays(dtype=dtype, shape=b_shape, min_value=-2, max_value=2), label="b")
        return Call(operator, {"a": a, "b": b})

    return lambda dtype: calls(dtype)


@st.composite
def _transpose(draw: st.DrawFn, dtype: str) -> Call:
    x = draw(arrays(dtype=dtype, shape=shapes(min_dims=2, max_dims=4, max_side=3), **SMOOTH), label="x")
    first, second = draw(
        st.lists(st.integers(-x.ndim, x.ndim - 1), min_size=2, max_size=2).filter(
            lambda d: d[0] % x.ndim != d[1] % x.ndim
        ),
        label="dims",
    )
    return Call("transpose", {"x": x}, (first, second))


@st.composite
def _permute(draw: st.DrawFn, dtype: str) -> Call:
    x = draw(arrays(dtype=dtype, shape=shapes(min_dims=1, max_dims=4, max_side=3), **SMOOTH), label="x")
    return Call("permute", {"x": x}, (tuple(draw(st.permutations(range(x.ndim)), label="dims")),))


def _reshape(operator: str, form: str) -> Form:
    @st.composite
    def calls(draw: st.DrawFn, dtype: str) -> Call:
        x = draw(arrays(dtype=dtype, shape=shapes(min_dims=1, max_dims=3), **SMOOTH), label="x")
        if form == "flat":
            return Call(operator, {"x": x}, ((-1,),))
        target = list(draw(st.permutations(x.shape), label="shape"))
        target[draw(st.integers(0, len(target) - 1), label="-1 at")] = -1
        return Call(operator, {"x": x}, (tuple(target[::-1]),))

    return lambda dtype: calls(dtype)


@st.composite
def _flatten(draw: st.DrawFn, dtype: str) -> Call:
    x = draw(arrays(dtype=dtype, shape=shapes(min_dims=2, max_dims=4, max_side=3), **SMOOTH), label="x")
    start = draw(st.integers(0, x.ndim - 1), label="start_dim")
    end = draw(st.integers(start, x.ndim - 1), label="end_dim")
    return Call("flatten", {"x": x}, kwargs={"start_dim": start, "end_dim": end - x.ndim})


def _squeeze(form: str) -> Form:
    @st.composite
    def calls(draw: st.DrawFn, dtype: str) -> Call:
        shape = draw(st.lists(st.sampled_from([1, 1, 2, 3]), min_size=1, max_size=4), label="x.shape")
        x = draw(arrays(dtype=dtype, shape=tuple(shape), **SMOOTH), label="x")
        if form == "every size-1 dim":
            return Call("squeeze", {"x": x})
        ones = [d for d, side in enumerate(shape) if side == 1] or [0]
        dim = draw(st.sampled_from(ones), label="dim")
        return Call("squeeze", {"x": x}, kwargs={"dim": dim - len(shape) if draw(st.booleans()) else dim})

    return lambda dtype: calls(dtype)


def _unsqueeze(form: str) -> Form:
    @st.composite
    def calls(draw: st.DrawFn, dtype: str) -> Call:
        x = draw(arrays(dtype=dtype, shape=shapes(max_dims=3), **SMOOTH), label="x")
        low, high = (0, x.ndim) if form == "dim" else (-x.ndim - 1, -1)
        return Call("unsqueeze", {"x": x}, (draw(st.integers(low, high), label="dim"),))

    return lambda dtype: calls(dtype)


@st.composite
def _expand(draw: st.DrawFn, dtype: str) -> Call:
    shape = tuple(draw(st.lists(st.sampled_from([1, 1, 2, 3]), min_size=1, max_size=3), label="x.shape"))
    x = draw(arrays(dtype=dtype, shape=shape, **SMOOTH), label="x")
    sizes = [draw(st.integers(1, 3)) if side == 1 else draw(st.sampled_from([side, -1])) for side in shape]
    leading = draw(st.lists(st.integers(1, 3), max_size=2), label="new leading dims")
    return Call("expand", {"x": x}, (tuple(leading + sizes),))


def _slices(form: str) -> Form:
    @st.composite
    def calls(draw: st.DrawFn, dtype: str) -> Call:
        x = draw(
            arrays(dtype=dtype, shape=shapes(min_dims=1, max_dims=3, min_side=2, max_side=5), **SMOOTH),
            label="x",
        )
        n = x.shape[0]
        if form == "step":
            index: Any = slice(draw(st.sampled_from([None, 1])), None, draw(st.integers(2, 3)))
        elif form == "negative bounds":
            start = draw(st.integers(-n, -1))
            index = slice(start, draw(st.sampled_from([None, -1])) if start < -1 else None)
        elif x.ndim == 1:
            index = draw(st.integers(-n, n - 1))
        else:
            index = (slice(None), draw(st.integers(-x.shape[1], x.shape[1] - 1)))
        return Call("getitem", {"x": x}, (index,))

    return lambda dtype: calls(dtype)


@st.composite
def _integer_array(draw: st.DrawFn, dtype: str) -> Call:
    x = draw(arrays(dtype=dtype, shape=shapes(min_dims=1, max_dims=3, max_side=4), **SMOOTH), label="x")
    n = x.shape[0]
    index = draw(st.lists(st.integers(-n, n - 1), min_size=1, max_size=6), label="index")
    index.append(index[0])  # a repeated position, so that repeated gradients must add up
    return Call("getitem", {"x": x}, (Index(np.array(index, dtype=np.int64)),))


@st.composite
def _boolean_mask(draw: st.DrawFn, dtype: str) -> Call:
    x = draw(arrays(dtype=dtype, shape=shapes(min_dims=1, max_dims=3, max_side=4), **SMOOTH), label="x")
    mask = draw(hnp.arrays(np.bool_, x.shape), label="mask")
    return Call("getitem", {"x": x}, (Index(mask),))


def _join(operator: str, form: str) -> Form:
    @st.composite
    def calls(draw: st.DrawFn, dtype: str) -> Call:
        shape = list(draw(shapes(min_dims=1, max_dims=3), label="x.shape"))
        if operator == "cat":
            dim = draw(
                st.integers(0, len(shape) - 1) if form == "dim" else st.integers(-len(shape), -1), label="dim"
            )
            other = list(shape)
            other[dim] = draw(st.integers(1, 3), label="y's extent along dim")
        else:
            bound = len(shape) + 1
            dim = draw(st.integers(0, bound - 1) if form == "dim" else st.integers(-bound, -1), label="dim")
            other = shape
        x = draw(arrays(dtype=dtype, shape=tuple(shape), **SMOOTH), label="x")
        y = draw(arrays(dtype=dtype, shape=tuple(other), **SMOOTH), label="y")
        return Call(operator, {"x": x, "y": y}, kwargs={"dim": dim}, listed=True)

    return lambda dtype: calls(dtype)


def _split(operator: str, form: str) -> Form:
    @st.composite
    def calls(draw: st.DrawFn, dtype: str) -> Call:
        x = draw(arrays(dtype=dtype, shape=shapes(min_dims=1, max_dims=3, max_side=5), **SMOOTH), label="x")
        dim = draw(st.integers(-x.ndim, x.ndim - 1), label="dim")
        extent = x.shape[dim]
        if form == "sections":
            inner = (
                st.lists(st.integers(1, extent - 1), max_size=3, unique=True) if extent > 1 else st.just([])
            )
            cuts = sorted(draw(inner, label="cuts"))
            sections = [b - a for a, b in zip([0, *cuts], [*cuts, extent], strict=True)]
            argument: Any = sections
        else:
            argument = draw(st.integers(1, max(extent, 1)), label="size" if operator == "split" else "chunks")
        return Call(operator, {"x": x}, (argument,), kwargs={"dim": dim}, pieces=True)

    return lambda dtype: calls(dtype)


FORMS: dict[tuple[str, str], dict[str, Form]] = {
    ("elementwise_unary", "neg"): {"elementwise": _unary("neg")},
    ("elementwise_unary", "abs"): {"away from 0": _unary("abs", domain=AWAY_FROM_ZERO)},
    ("elementwise_unary", "exp"): {"elementwise": _unary("exp")},
    ("elementwise_unary", "log"): {"positive": _unary("log", domain=POSITIVE)},
    ("elementwise_unary", "sqrt"): {"positive": _unary("sqrt", domain=POSITIVE)},
    ("elementwise_unary", "sin"): {"elementwise": _unary("sin")},
    ("elementwise_unary", "cos"): {"elementwise": _unary("cos")},
    ("elementwise_unary", "tanh"): {"elementwise": _unary("tanh")},
    ("elementwise_unary", "sigmoid"): {"elementwise": _unary("sigmoid")},
    ("elementwise_unary", "relu"): {"away from 0": _unary("relu", domain=AWAY_FROM_ZERO)},
    ("elementwise_unary", "reciprocal"): {"away from 0": _unary("reciprocal", domain=AWAY_FROM_ZERO)},
    ("elementwise_unary", "pow"): {
        "x**3": _unary("pow", 3),
        "x**2.0": _unary("pow", 2.0),
        "x**-2": _unary("pow", -2, domain=POSITIVE),
        "x**-1.5": _unary("pow", -1.5, domain=POSITIVE),
        "x**0.5": _unary("pow", 0.5, domain=POSITIVE),
    },
    ("elementwise_unary", "clamp"): {
        "min": _unary("clamp", domain={**SMOOTH, "exact_sums": True}, min=-1.03125),
        "max": _unary("clamp", domain={**SMOOTH, "exact_sums": True}, max=0.53125),
        "min and max": _unary("clamp", domain={**SMOOTH, "exact_sums": True}, min=-1.03125, max=0.53125),
    },
    ("elementwise_binary", "add"): _binary("add"),
    ("elementwise_binary", "sub"): _binary("sub"),
    ("elementwise_binary", "mul"): _binary("mul"),
    ("elementwise_binary", "div"): _binary(
        "div", y={"min_value": -4.0, "max_value": 4.0, "min_magnitude": 0.5}
    ),
    ("elementwise_binary", "pow"): _binary(
        "pow", x={"min_value": 0.5, "max_value": 3.0}, y={"min_value": -2.0, "max_value": 2.0}
    ),
    ("elementwise_binary", "maximum"): _binary(
        "maximum", x={**SMOOTH, "exact_sums": True}, y={**SMOOTH, "exact_sums": True}, shift=1 / 32
    ),
    ("elementwise_binary", "minimum"): _binary(
        "minimum", x={**SMOOTH, "exact_sums": True}, y={**SMOOTH, "exact_sums": True}, shift=1 / 32
    ),
    ("elementwise_binary", "where"): {"broadcast": lambda dtype: _where(dtype)},
    ("reductions", "sum"): _reductions("sum", SMOOTH),
    ("reductions", "mean"): _reductions("mean", SMOOTH),
    ("reductions", "amax"): _reductions("amax", DISTINCT),
    ("reductions", "amin"): _reductions("amin", DISTINCT),
    ("reductions", "max"): _reductions("max", DISTINCT, ("all", "dim", "negative dim")),
    ("reductions", "min"): _reductions("min", DISTINCT, ("all", "dim", "negative dim")),
    ("reductions", "prod"): _reductions(
        "prod", {"min_value": -2.0, "max_value": 2.0, "min_magnitude": 0.5}, ("all", "dim", "negative dim")
    ),
    ("reductions", "var"): _reductions("var", DISTINCT, min_side=2, correction=True),
    ("reductions", "std"): _reductions("std", DISTINCT, min_side=2, correction=True),
    ("reductions", "logsumexp"): _reductions("logsumexp", SMOOTH, ("dim", "negative dim", "tuple")),
    ("reductions", "softmax"): _softmax("softmax"),
    ("reductions", "log_softmax"): _softmax("log_softmax"),
    ("linear_algebra", "matmul"): {form: _matmul("matmul", form) for form in _MATMUL_SHAPES},
    ("linear_algebra", "mm"): {"matrix·matrix": _matmul("mm", "matrix·matrix")},
    ("linear_algebra", "t"): {
        f"{n}-D": _unary("t", domain={**SMOOTH, "shape": shapes(min_dims=n, max_dims=n)}) for n in (0, 1, 2)
    },
    ("linear_algebra", "transpose"): {"two dims": lambda dtype: _transpose(dtype)},
    ("linear_algebra", "permute"): {"any order": lambda dtype: _permute(dtype)},
    ("linear_algebra", "mT"): {
        "batched": _unary("mT", domain={**SMOOTH, "shape": shapes(min_dims=2, max_dims=4, max_side=3)})
    },
    ("shape_ops", "reshape"): {form: _reshape("reshape", form) for form in ("flat", "with -1")},
    ("shape_ops", "view"): {form: _reshape("view", form) for form in ("flat", "with -1")},
    ("shape_ops", "flatten"): {
        "every dim": _unary("flatten"),
        "start_dim to end_dim": lambda dtype: _flatten(dtype),
    },
    ("shape_ops", "squeeze"): {form: _squeeze(form) for form in ("every size-1 dim", "one dim")},
    ("shape_ops", "unsqueeze"): {form: _unsqueeze(form) for form in ("dim", "negative dim")},
    ("shape_ops", "expand"): {"size-1 and new dims": lambda dtype: _expand(dtype)},
    ("indexing", "basic_slices"): {form: _slices(form) for form in ("step", "negative bounds", "integer")},
    ("indexing", "integer_arrays"): {"repeated indices": lambda dtype: _integer_array(dtype)},
    ("indexing", "boolean_masks"): {"mask": lambda dtype: _boolean_mask(dtype)},
    ("indexing", "cat"): {form: _join("cat", form) for form in ("dim", "negative dim")},
    ("indexing", "stack"): {form: _join("stack", form) for form in ("dim", "negative dim")},
    ("indexing", "split"): {form: _split("split", form) for form in ("size", "sections")},
    ("indexing", "chunk"): {"chunks": _split("chunk", "chunks")},
}
"""(family, spec name) -> form id -> form."""
