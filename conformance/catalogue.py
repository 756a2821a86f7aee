"""The operator catalogue: every operator the suite measures, as data, in one place.

:data:`OPERATORS` names each operator as torch does, with its signature and torch's own spelling (which a
torch-like module shares, so it needs no adapter code). :data:`CASES` says how each is measured: the spec
family and name, and its *forms* (a reduction over all elements, one dim, a negative dim, a tuple of dims,
with and without keepdim; matmul's vector and batched forms; ...). A form draws one :class:`Call`: the
differentiable inputs, kept inside the operator's smooth domain, and the other arguments.

A call is written out as a readable program, the same text the repro snippets print::

    def program(ag, x):
        return ag.op("sum", x, dim=(0, -1), keepdim=True)

Conventions at kinks and ties (relu at 0, max with ties, ...) are not forms: they are specs of their own in
``specs/conventions.py``, checked at exactly the point where torch fixes them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from hypothesis import strategies as st

from conformance.calls import Call
from conformance.forms import FORMS

__all__ = ["CASES", "OPERATORS", "Call", "Case", "Operator", "cases_of"]


@dataclass(frozen=True)
class Operator:
    """One operator, by its torch name: the key of an adapter's ``operators`` table."""

    name: str
    signature: str  # torch's arguments, as every adapter's callable takes them
    torch: Callable[..., Any]  # (module, *args, **kwargs): torch's spelling, shared by torch-like modules
    needs: str  # what a torch-like module must have: "exp" (a module function) or ".mT" (a tensor attribute)


def _function(name: str) -> Callable[..., Any]:
    def call(module: Any, *args: Any, **kwargs: Any) -> Any:
        return getattr(module, name)(*args, **kwargs)

    return call


def _values(name: str) -> Callable[..., Any]:
    """torch.max(x) reduces everything; torch.max(x, dim) returns (values, indices): the values."""

    def call(module: Any, x: Any, **kwargs: Any) -> Any:
        found = getattr(module, name)(x, **kwargs)
        return found.values if "dim" in kwargs else found

    return call


_SPECIAL: dict[str, tuple[str, Callable[..., Any]]] = {
    "max": ("max", _values("max")),
    "min": ("min", _values("min")),
    "t": (".t", lambda module, x: x.t()),
    "mT": (".mT", lambda module, x: x.mT),
    "view": (".view", lambda module, x, shape: x.view(shape)),
    "expand": (".expand", lambda module, x, sizes: x.expand(sizes)),
    "getitem": (".__getitem__", lambda module, x, index: x[index]),
}

_SIGNATURES = {
    "neg": "neg(x)",
    "abs": "abs(x)",
    "exp": "exp(x)",
    "log": "log(x)",
    "sqrt": "sqrt(x)",
    "sin": "sin(x)",
    "cos": "cos(x)",
    "tanh": "tanh(x)",
    "sigmoid": "sigmoid(x)",
    "relu": "relu(x)",
    "reciprocal": "reciprocal(x)",
    "pow": "pow(x, exponent)  # exponent: a number or a tensor",
    "clamp": "clamp(x, min=None, max=None)",
    "add": "add(x, y)",
    "sub": "sub(x, y)",
    "mul": "mul(x, y)",
    "div": "div(x, y)",
    "maximum": "maximum(x, y)",
    "minimum": "minimum(x, y)",
    "where": "where(condition, x, y)  # condition: a bool tensor",
    "sum": "sum(x, dim=None, keepdim=False)  # dim: None, int or tuple",
    "mean": "mean(x, dim=None, keepdim=False)",
    "amax": "amax(x, dim=(), keepdim=False)  # (): every dim",
    "amin": "amin(x, dim=(), keepdim=False)",
    "max": "max(x, dim=None, keepdim=False)  # with dim: the values only",
    "min": "min(x, dim=None, keepdim=False)",
    "prod": "prod(x, dim=None, keepdim=False)  # dim: None or int",
    "var": "var(x, dim=None, correction=1, keepdim=False)",
    "std": "std(x, dim=None, correction=1, keepdim=False)",
    "logsumexp": "logsumexp(x, dim, keepdim=False)",
    "softmax": "softmax(x, dim)",
    "log_softmax": "log_softmax(x, dim)",
    "matmul": "matmul(a, b)",
    "mm": "mm(a, b)  # 2-D",
    "t": "t(x)  # x.t(), at most 2-D",
    "transpose": "transpose(x, dim0, dim1)",
    "permute": "permute(x, dims)",
    "mT": "mT(x)  # x.mT",
    "reshape": "reshape(x, shape)",
    "view": "view(x, shape)",
    "flatten": "flatten(x, start_dim=0, end_dim=-1)",
    "squeeze": "squeeze(x, dim=None)",
    "unsqueeze": "unsqueeze(x, dim)",
    "expand": "expand(x, sizes)",
    "getitem": "getitem(x, index)  # x[index]: ints, slices, an int64 or bool tensor",
    "cat": "cat(tensors, dim=0)",
    "stack": "stack(tensors, dim=0)",
    "split": "split(x, split_size_or_sections, dim=0)  # a tuple",
    "chunk": "chunk(x, chunks, dim=0)  # a tuple",
}

OPERATORS: dict[str, Operator] = {
    name: Operator(name, signature, *(_SPECIAL.get(name) or (name, _function(name)))[::-1])
    for name, signature in _SIGNATURES.items()
}
"""Every operator, by torch name, in the order the README lists them."""


@dataclass(frozen=True)
class Case:
    """How one spec measures one operator: its forms, each drawing calls in the smooth domain."""

    family: str
    name: str  # the spec's name in its family: usually the operator's
    operator: str
    doc: str
    forms: dict[str, Callable[[str], st.SearchStrategy[Call]]] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return f"{self.family}.{self.name}"


def _case(family: str, operator: str, doc: str, *, name: str | None = None) -> Case:
    forms = FORMS[(family, name or operator)]
    return Case(family, name or operator, operator, doc, forms)


CASES: tuple[Case, ...] = (
    _case("elementwise_unary", "neg", "elementwise over any shape; the gradient is -1."),
    _case("elementwise_unary", "abs", "away from 0; the gradient is sign(x)."),
    _case("elementwise_unary", "exp", "elementwise over any shape; the gradient is exp(x) itself."),
    _case("elementwise_unary", "log", "for x > 0; the gradient is 1/x."),
    _case("elementwise_unary", "sqrt", "for x > 0; the gradient is 1/(2 sqrt(x))."),
    _case("elementwise_unary", "sin", "elementwise over any shape; the gradient is cos(x)."),
    _case("elementwise_unary", "cos", "elementwise over any shape; the gradient is -sin(x)."),
    _case("elementwise_unary", "tanh", "elementwise over any shape; the gradient is 1 - tanh(x)^2."),
    _case(
        "elementwise_unary",
        "sigmoid",
        "elementwise over any shape; the gradient is s(1 - s) with s = sigmoid(x).",
    ),
    _case("elementwise_unary", "relu", "away from 0; the gradient is 1 where x > 0, else 0."),
    _case("elementwise_unary", "reciprocal", "away from 0; the gradient is -1/x^2."),
    _case("elementwise_unary", "pow", "pow(x, c) with an integer, a negative and a fractional exponent c."),
    _case(
        "elementwise_unary",
        "clamp",
        "clamp(x, min), clamp(x, max=), clamp(x, min, max) away from the bounds.",
    ),
    _case(
        "elementwise_binary",
        "add",
        "add(x, y) with broadcasting: each gradient reduced to its input's shape.",
    ),
    _case(
        "elementwise_binary", "sub", "sub(x, y) with broadcasting: gradients 1 and -1, reduced to each shape."
    ),
    _case(
        "elementwise_binary", "mul", "mul(x, y) with broadcasting: gradients y and x, reduced to each shape."
    ),
    _case("elementwise_binary", "div", "div(x, y) with broadcasting: gradients 1/y and -x/y^2."),
    _case(
        "elementwise_binary", "pow", "pow(x, y) with a tensor exponent: gradients y x^(y-1) and x^y log x."
    ),
    _case(
        "elementwise_binary", "maximum", "maximum(x, y) without ties, broadcasting: the larger input gets it."
    ),
    _case(
        "elementwise_binary",
        "minimum",
        "minimum(x, y) without ties, broadcasting: the smaller input gets it.",
    ),
    _case(
        "elementwise_binary",
        "where",
        "where(condition, x, y): each branch's gradient only where it is taken.",
    ),
    _case(
        "reductions",
        "sum",
        "sum over all elements, a dim, a negative dim, a tuple of dims, with and without keepdim.",
    ),
    _case(
        "reductions",
        "mean",
        "mean over all, a dim, a negative dim, a tuple of dims, with and without keepdim.",
    ),
    _case(
        "reductions",
        "amax",
        "amax without ties over all, a dim, a negative dim, a tuple, with and without keepdim.",
    ),
    _case(
        "reductions",
        "amin",
        "amin without ties over all, a dim, a negative dim, a tuple, with and without keepdim.",
    ),
    _case("reductions", "max", "max() without ties, and max(x, dim).values with and without keepdim."),
    _case("reductions", "min", "min() without ties, and min(x, dim).values with and without keepdim."),
    _case("reductions", "prod", "prod over all or one dim, with and without keepdim, no zeros."),
    _case(
        "reductions", "var", "var with correction 1 and 0 over all, a dim, a tuple, with and without keepdim."
    ),
    _case(
        "reductions", "std", "std with correction 1 and 0 over all, a dim, a tuple, with and without keepdim."
    ),
    _case(
        "reductions",
        "logsumexp",
        "logsumexp over a dim, a negative dim or a tuple, with and without keepdim.",
    ),
    _case("reductions", "softmax", "softmax along a dim and a negative dim."),
    _case("reductions", "log_softmax", "log_softmax along a dim and a negative dim."),
    _case(
        "linear_algebra",
        "matmul",
        "matmul in every form: vector·vector, matrix·vector, vector·matrix, "
        "matrix·matrix, batched, and with broadcast batch dimensions.",
    ),
    _case("linear_algebra", "mm", "mm(a, b) of two matrices."),
    _case("linear_algebra", "t", "x.t() of a 0-, 1- and 2-D tensor."),
    _case(
        "linear_algebra",
        "transpose",
        "transpose(x, dim0, dim1), negative dims too: the gradient transposed back.",
    ),
    _case(
        "linear_algebra",
        "permute",
        "permute(x, dims): the gradient permuted back by the inverse permutation.",
    ),
    _case("linear_algebra", "mT", "x.mT: the last two dims swapped, batched."),
    _case(
        "shape_ops", "reshape", "reshape(x, shape), with a -1 and of a transposed (non-contiguous) tensor."
    ),
    _case("shape_ops", "view", "view(x, shape) of a contiguous tensor, with a -1."),
    _case("shape_ops", "flatten", "flatten(x) and flatten(x, start_dim, end_dim)."),
    _case("shape_ops", "squeeze", "squeeze(x) of every size-1 dim, and squeeze(x, dim) of one."),
    _case("shape_ops", "unsqueeze", "unsqueeze(x, dim) at a positive and a negative dim."),
    _case(
        "shape_ops",
        "expand",
        "expand(x, sizes) of size-1 dims and new leading dims: the gradient summed back.",
    ),
    _case(
        "indexing",
        "getitem",
        "x[i:j:k] with steps, negative bounds and an integer index.",
        name="basic_slices",
    ),
    _case(
        "indexing",
        "getitem",
        "x[index] with an int64 tensor of repeated, negative indices: "
        "repeated positions add their gradients.",
        name="integer_arrays",
    ),
    _case(
        "indexing",
        "getitem",
        "x[mask] with a bool tensor: the gradient scattered back to the mask.",
        name="boolean_masks",
    ),
    _case("indexing", "cat", "cat([x, y], dim): each input gets its slice of the gradient."),
    _case("indexing", "stack", "stack([x, y], dim) at a positive and a negative dim."),
    _case("indexing", "split", "split(x, size or sections, dim): each piece's gradient back in place."),
    _case("indexing", "chunk", "chunk(x, chunks, dim): each piece's gradient back in place."),
)
"""Every operator spec, in the order the README lists them."""


def cases_of(family: str) -> list[Case]:
    return [case for case in CASES if case.family == family]
