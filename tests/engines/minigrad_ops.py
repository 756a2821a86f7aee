"""minigrad's nodes: the base :class:`Node`, arithmetic and element-wise functions.

A node is named as torch names the graph node it records (``ExpBackward0``). Its ``forward`` computes on
NumPy arrays, its ``backward`` maps the output's gradient to each input's with torch's own formula
(``derivatives.yaml``), so that kinks, ties and infinities come out as in torch: relu'(0) = 0,
abs'(0) = 0, sqrt'(0) = inf, clamp passes the gradient at its bounds, maximum splits it on ties.
Arguments other than tensors (``dim``, ``min``, ...) reach both as keyword options, already normalised
by the tensor method that records the node. Each family's methods are a mixin the engine's Tensor
(``tests/engines/minigrad.py``) inherits: :class:`ElementwiseMethods` here, reductions and matrix
products in ``minigrad_reductions.py``, views, indexing and joins in ``minigrad_shapes.py``.

Where torch names a result after the last of several steps (matmul of a vector and a matrix ends in
``squeeze_``, so its node is SqueezeBackward4), minigrad records one node for the whole operation and
gives it torch's name with ``torch_name``.
"""

from __future__ import annotations

import math
import weakref
from collections.abc import Callable, Sequence
from typing import Any, ClassVar

import numpy as np

Tensor = Any  # a minigrad Tensor: this module sits below the engine and never imports it
Grads = tuple[np.ndarray | None, ...]


def sum_to(grad: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Sum a gradient over the dimensions that broadcasting added or stretched to reach ``shape``."""
    grad = grad.sum(axis=tuple(range(grad.ndim - len(shape)))) if grad.ndim > len(shape) else grad
    stretched = tuple(i for i, side in enumerate(shape) if side == 1 and grad.shape[i] != 1)
    return grad.sum(axis=stretched, keepdims=True) if stretched else grad


def where_else_zero(mask: np.ndarray, grad: np.ndarray) -> np.ndarray:
    """``grad`` where ``mask`` holds, else 0 (not ``grad * mask``, which turns an infinite grad into nan)."""
    return np.where(mask, grad, grad.dtype.type(0))


def wrap_dim(dim: int, ndim: int) -> int:
    """``dim`` made non-negative, refused out of range as torch refuses it (a 0-d tensor takes 0 and -1)."""
    bound = max(ndim, 1)
    if not -bound <= dim < bound:
        raise IndexError(
            f"Dimension out of range (expected to be in range of [{-bound}, {bound - 1}], but got {dim})"
        )
    return dim % bound


def wrap_dims(dim: int | Sequence[int] | None, ndim: int) -> tuple[int, ...]:
    """The dims a reduction reduces, non-negative: None or () is every dim, as in torch."""
    given = range(ndim) if dim is None else (dim,) if isinstance(dim, int | np.integer) else tuple(dim)
    dims = tuple(wrap_dim(d, ndim) for d in given) or tuple(range(ndim))
    if len(set(dims)) != len(dims):
        raise RuntimeError(f"dim {dims} appears multiple times in the list of dims")
    return dims if ndim else ()


class Node:
    """One recorded operation. Subclasses give ``forward`` (on arrays) and ``backward``.

    ``next`` holds, per input, where its gradient goes: the input's own node, the input itself when it
    is a leaf that requires grad (torch's AccumulateGrad), or None when no gradient is wanted.
    """

    saves: ClassVar[tuple[int, ...]] = ()  # which inputs backward needs
    saves_output: ClassVar[bool] = False  # whether backward needs the result (exp, tanh, sqrt, ...)
    view: ClassVar[bool] = False  # whether the result views its first input's storage, as torch's does
    torch_name: ClassVar[str] = ""  # torch's name for the node, where it differs from the class's

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "torch_name" in cls.__dict__:
            cls.__name__ = cls.__qualname__ = cls.torch_name

    def __init__(
        self, inputs: tuple[Tensor, ...], output: Tensor, options: dict[str, Any] | None = None
    ) -> None:
        self.next = tuple((t.grad_fn or t) if t.requires_grad else None for t in inputs)
        self.shapes = tuple(t.shape for t in inputs)
        self.options = options or {}
        self.output = weakref.ref(output)
        saved = [inputs[i] for i in self.saves]
        if self.saves_output:  # an alias out of the graph: the node must not keep its own result alive
            saved.append(type(output)(output.data, version=output._version))
        self._saved: tuple[tuple[Tensor, int], ...] | None = tuple((t, t._version.value) for t in saved)

    forward: ClassVar[Callable[..., Any]]  # a static method: (*arrays, **options) -> array

    def backward(self, grad: np.ndarray) -> Grads:
        raise NotImplementedError

    @property
    def saved(self) -> tuple[np.ndarray, ...]:
        """The saved inputs' arrays (then the result's), refused once freed or changed in place since."""
        if self._saved is None:
            raise RuntimeError(
                "Trying to backward through the graph a second time (or directly access saved tensors "
                "after they have already been freed). Specify retain_graph=True if you need to backward "
                "through the graph a second time."
            )
        for tensor, version in self._saved:
            if tensor._version.value != version:
                raise RuntimeError(
                    "one of the variables needed for gradient computation has been modified by an "
                    f"inplace operation: it is at version {tensor._version.value}; expected version "
                    f"{version} instead."
                )
        return tuple(tensor.data for tensor, _ in self._saved)

    def release(self) -> None:
        """Free the saved tensors; a node that saved nothing can be run again, as in torch."""
        if self._saved:
            self._saved = None

    def needs(self, index: int) -> bool:
        return self.next[index] is not None


# -- arithmetic ------------------------------------------------------------------------------------


class AddBackward0(Node):
    forward = staticmethod(np.add)

    def backward(self, grad: np.ndarray) -> Grads:
        return grad, grad


class SubBackward0(Node):
    forward = staticmethod(np.subtract)

    def backward(self, grad: np.ndarray) -> Grads:
        return grad, -grad


class RsubBackward1(SubBackward0):
    """``number - tensor``: recorded with the operands in the order they are subtracted."""


class MulBackward0(Node):
    saves = (0, 1)
    forward = staticmethod(np.multiply)

    def backward(self, grad: np.ndarray) -> Grads:
        a, b = self.saved
        return grad * b, grad * a


class DivBackward0(Node):
    saves = (0, 1)
    forward = staticmethod(np.divide)

    def backward(self, grad: np.ndarray) -> Grads:
        a, b = self.saved
        return grad / b, (-grad * a / (b * b) if self.needs(1) else None)


class PowBackward0(Node):
    """``tensor ** number``."""

    saves = (0, 1)
    forward = staticmethod(np.power)

    def backward(self, grad: np.ndarray) -> Grads:
        base, exponent = self.saved
        if exponent == 0:
            return np.zeros_like(base), None
        return grad * (exponent * base ** (exponent - 1)), None


class PowBackward1(Node):
    """``tensor ** tensor``."""

    saves = (0, 1)
    saves_output = True
    forward = staticmethod(np.power)

    def backward(self, grad: np.ndarray) -> Grads:
        base, exponent, result = self.saved
        to_base = where_else_zero(exponent != 0, grad * (exponent * base ** (exponent - 1)))
        to_exponent = grad * np.where((exponent >= 0) & (base == 0), 0, result * np.log(base))
        return to_base, to_exponent.astype(grad.dtype, copy=False)


class PowBackward2(Node):
    """``number ** tensor``."""

    saves = (0, 1)
    saves_output = True
    forward = staticmethod(np.power)

    def backward(self, grad: np.ndarray) -> Grads:
        base, exponent, result = self.saved
        to_exponent = grad * (result * np.log(base))
        if base == 0:
            to_exponent = where_else_zero(exponent < 0, to_exponent)
        return None, to_exponent


class NegBackward0(Node):
    forward = staticmethod(np.negative)

    def backward(self, grad: np.ndarray) -> Grads:
        return (-grad,)


# -- element-wise functions ----------------------------------------------------------------------------


class AbsBackward0(Node):
    saves = (0,)
    forward = staticmethod(np.abs)

    def backward(self, grad: np.ndarray) -> Grads:
        (x,) = self.saved
        return (grad * np.sign(x),)


class ExpBackward0(Node):
    saves_output = True
    forward = staticmethod(np.exp)

    def backward(self, grad: np.ndarray) -> Grads:
        (result,) = self.saved
        return (grad * result,)


class LogBackward0(Node):
    saves = (0,)
    forward = staticmethod(np.log)

    def backward(self, grad: np.ndarray) -> Grads:
        (x,) = self.saved
        return (grad / x,)


class SqrtBackward0(Node):
    saves_output = True
    forward = staticmethod(np.sqrt)

    def backward(self, grad: np.ndarray) -> Grads:
        (result,) = self.saved
        return (grad / (2 * result),)


class SinBackward0(Node):
    saves = (0,)
    forward = staticmethod(np.sin)

    def backward(self, grad: np.ndarray) -> Grads:
        (x,) = self.saved
        return (grad * np.cos(x),)


class CosBackward0(Node):
    saves = (0,)
    forward = staticmethod(np.cos)

    def backward(self, grad: np.ndarray) -> Grads:
        (x,) = self.saved
        return (grad * -np.sin(x),)


class TanhBackward0(Node):
    saves_output = True
    forward = staticmethod(np.tanh)

    def backward(self, grad: np.ndarray) -> Grads:
        (result,) = self.saved
        return (grad * (1 - result * result),)


class SigmoidBackward0(Node):
    saves_output = True

    @staticmethod
    def forward(x: np.ndarray) -> np.ndarray:
        return 1 / (1 + np.exp(-x))

    def backward(self, grad: np.ndarray) -> Grads:
        (result,) = self.saved
        return (grad * (1 - result) * result,)


class ReluBackward0(Node):
    saves_output = True

    @staticmethod
    def forward(x: np.ndarray) -> np.ndarray:
        return np.maximum(x, x.dtype.type(0))

    def backward(self, grad: np.ndarray) -> Grads:
        (result,) = self.saved
        return (where_else_zero(result > 0, grad),)


class ReciprocalBackward0(Node):
    saves_output = True
    forward = staticmethod(np.reciprocal)

    def backward(self, grad: np.ndarray) -> Grads:
        (result,) = self.saved
        return (-grad * (result * result),)


class ClampBackward1(Node):
    """clamp(x, min, max) with numbers (or None) as bounds: the gradient passes where min <= x <= max."""

    saves = (0,)

    @staticmethod
    def forward(x: np.ndarray, *, min: float | None, max: float | None) -> np.ndarray:
        low = x if min is None else np.maximum(x, min)
        return low if max is None else np.minimum(low, max)

    def backward(self, grad: np.ndarray) -> Grads:
        (x,) = self.saved
        low, high = self.options["min"], self.options["max"]
        inside = np.ones(x.shape, dtype=bool)
        if low is not None:
            inside &= x >= low
        if high is not None:
            inside &= x <= high
        return (where_else_zero(inside, grad),)


class ClampBackward0(Node):
    """clamp(x, min, max) with tensors as bounds (a missing one is an infinite constant)."""

    saves = (0, 1, 2)

    @staticmethod
    def forward(x: np.ndarray, low: np.ndarray, high: np.ndarray) -> np.ndarray:
        return np.minimum(np.maximum(x, low), high)

    def backward(self, grad: np.ndarray) -> Grads:
        x, low, high = self.saved
        to_x = where_else_zero((x >= low) & (x <= high), grad)
        return (
            to_x,
            where_else_zero((x < low) & (low < high), grad),
            where_else_zero((x > high) | (high < low), grad),
        )


class MaximumBackward0(Node):
    saves = (0, 1)
    forward = staticmethod(np.maximum)
    wins = staticmethod(np.less)  # where x gets nothing: x < y for maximum

    def backward(self, grad: np.ndarray) -> Grads:
        x, y = self.saved
        shared = np.where(x == y, grad / 2, grad)
        return where_else_zero(~self.wins(x, y), shared), where_else_zero(~self.wins(y, x), shared)


class MinimumBackward0(MaximumBackward0):
    forward = staticmethod(np.minimum)
    wins = staticmethod(np.greater)


class WhereBackward0(Node):
    """where(condition, x, y); the condition is input 0 and never gets a gradient."""

    saves = (0,)
    forward = staticmethod(np.where)

    def backward(self, grad: np.ndarray) -> Grads:
        (condition,) = self.saved
        return None, where_else_zero(condition, grad), where_else_zero(~condition, grad)


# -- the tensor's methods ----------------------------------------------------------------------------------


class Operations:
    """What a tensor's operation methods ask of the tensor: its array and ``_apply``, which runs a node
    and records it. minigrad's Tensor is one; each family's methods are a subclass of it, a mixin."""

    data: np.ndarray
    requires_grad: bool

    shape = property(lambda self: self.data.shape)
    dtype = property(lambda self: self.data.dtype)
    ndim = property(lambda self: self.data.ndim)

    def _apply(self, node_type: type[Node], *operands: Any, **options: Any) -> Any:
        raise NotImplementedError


def _unary(node_type: type[Node]) -> Callable[[Operations], Any]:
    def function(self: Operations) -> Any:
        return self._apply(node_type, self)

    function.__name__ = function.__qualname__ = node_type.__name__.removesuffix("Backward0").lower()
    return function


def _comparison(compare: Callable[..., Any]) -> Callable[[Operations, Any], Any]:
    def function(self: Operations, other: Any) -> Any:
        other = other.data if isinstance(other, Operations) else other
        return type(self)(np.asarray(compare(self.data, other)))  # type: ignore[call-arg]

    return function


class ElementwiseMethods(Operations):
    """Arithmetic, comparisons and element-wise functions, as methods of the tensor."""

    def __add__(self, other: Any) -> Any:
        return self._apply(AddBackward0, self, other)

    def __radd__(self, other: Any) -> Any:
        return self._apply(AddBackward0, other, self)

    def __sub__(self, other: Any) -> Any:
        return self._apply(SubBackward0, self, other)

    def __rsub__(self, other: Any) -> Any:
        return self._apply(RsubBackward1, other, self)

    def __mul__(self, other: Any) -> Any:
        return self._apply(MulBackward0, self, other)

    def __rmul__(self, other: Any) -> Any:
        return self._apply(MulBackward0, other, self)

    def __truediv__(self, other: Any) -> Any:
        return self._apply(DivBackward0, self, other)

    def __rtruediv__(self, other: Any) -> Any:
        return self.reciprocal() * other  # as torch computes number / tensor: MulBackward0

    def pow(self, exponent: Any) -> Any:
        node_type = PowBackward1 if isinstance(exponent, Operations) else PowBackward0
        return self._apply(node_type, self, exponent)

    def __rpow__(self, other: Any) -> Any:
        return self._apply(PowBackward2, other, self)

    add = __add__
    sub = __sub__
    mul = __mul__
    div = __truediv__
    __pow__ = pow
    neg = __neg__ = _unary(NegBackward0)
    abs = _unary(AbsBackward0)
    exp = _unary(ExpBackward0)
    log = _unary(LogBackward0)
    sqrt = _unary(SqrtBackward0)
    sin = _unary(SinBackward0)
    cos = _unary(CosBackward0)
    tanh = _unary(TanhBackward0)
    sigmoid = _unary(SigmoidBackward0)
    relu = _unary(ReluBackward0)
    reciprocal = _unary(ReciprocalBackward0)

    __gt__ = _comparison(np.greater)
    __ge__ = _comparison(np.greater_equal)
    __lt__ = _comparison(np.less)
    __le__ = _comparison(np.less_equal)
    __eq__ = _comparison(np.equal)  # type: ignore[assignment]
    __ne__ = _comparison(np.not_equal)  # type: ignore[assignment]
    __hash__ = object.__hash__  # tensors are told apart by identity, as in torch

    def __bool__(self) -> bool:
        if self.data.size != 1:
            raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
        return bool(self.data)

    def clamp(self, min: Any = None, max: Any = None) -> Any:
        if min is None and max is None:
            raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
        if isinstance(min, Operations) or isinstance(max, Operations):
            low, high = (-math.inf if min is None else min), (math.inf if max is None else max)
            return self._apply(ClampBackward0, self, low, high)
        return self._apply(ClampBackward1, self, min=min, max=max)

    def maximum(self, other: Any) -> Any:
        return self._apply(MaximumBackward0, self, other)

    def minimum(self, other: Any) -> Any:
        return self._apply(MinimumBackward0, self, other)

    @staticmethod
    def _where(condition: Operations, x: Any, y: Any) -> Any:
        """torch.where(condition, x, y)."""
        anchor = x if isinstance(x, Operations) else y if isinstance(y, Operations) else condition
        return anchor._apply(WhereBackward0, condition, x, y)

    @staticmethod
    def _pow(base: Any, exponent: Any) -> Any:
        """torch.pow(base, exponent), the base a tensor or a number."""
        return base.pow(exponent) if isinstance(base, ElementwiseMethods) else exponent.__rpow__(base)
