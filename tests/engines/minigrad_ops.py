"""minigrad's arithmetic and element-wise nodes, and the tensor methods that record them.

A node is named as torch names the graph node it records (``ExpBackward0``); its formulas are torch's
(``derivatives.yaml``), so that kinks, ties and infinities come out as in torch: relu'(0) = 0,
abs'(0) = 0, sqrt'(0) = inf, clamp passes the gradient at its bounds, maximum splits it on ties. The
node base class and what every family shares live in ``minigrad_node.py``; arguments other than tensors
(``min``, ``max``, ...) reach the formulas as keyword options, already normalised by the tensor method.
Each family's methods are a mixin the engine's Tensor (``tests/engines/minigrad.py``) inherits:
:class:`ElementwiseMethods` here, reductions and matrix products in ``minigrad_reductions.py``, views,
indexing and joins in ``minigrad_shapes.py``, in-place operations in ``minigrad_inplace.py``.

Where torch's first-order gradient keeps a tie to the input even though its derivative is zero (abs's
``grad * sgn(x)``, relu's ``threshold_backward(grad, result)``), the graph formula records it too, so a
gradient requires grad exactly when torch's does.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, ClassVar

import numpy as np

from tests.engines.minigrad_node import (
    Grads,
    Node,
    Operations,
    Tensor,
    TensorGrads,
    masked,
    sum_to,
    where_else_zero,
    wrap_dim,
    wrap_dims,
)

__all__ = [  # the shared helpers stay importable from here, where they were first
    "Grads",
    "Node",
    "Operations",
    "sum_to",
    "where_else_zero",
    "wrap_dim",
    "wrap_dims",
]

# -- arithmetic ------------------------------------------------------------------------------------


class AddBackward0(Node):
    forward = staticmethod(np.add)

    def formula(self, grad: Any) -> tuple[Any, ...]:
        return grad, grad


class SubBackward0(Node):
    forward = staticmethod(np.subtract)

    def formula(self, grad: Any) -> tuple[Any, ...]:
        return grad, -grad


class RsubBackward1(SubBackward0):
    """``number - tensor``: recorded with the operands in the order they are subtracted."""


class MulBackward0(Node):
    saves = (0, 1)
    saves_for: ClassVar[dict[int, int]] = {0: 1, 1: 0}  # each factor only for the other's gradient
    forward = staticmethod(np.multiply)

    def formula(self, grad: Any, a: Any, b: Any) -> tuple[Any, ...]:
        return (grad * b if self.needs(0) else None), (grad * a if self.needs(1) else None)


class DivBackward0(Node):
    saves = (0, 1)
    saves_for: ClassVar[dict[int, int]] = {0: 1}
    forward = staticmethod(np.divide)

    def formula(self, grad: Any, a: Any, b: Any) -> tuple[Any, ...]:
        return (grad / b if self.needs(0) else None), (-grad * a / (b * b) if self.needs(1) else None)


class PowBackward0(Node):
    """``tensor ** number``."""

    saves = (0, 1)
    forward = staticmethod(np.power)

    def backward(self, grad: np.ndarray) -> Grads:
        base, exponent = self.saved
        if exponent == 0:
            return np.zeros_like(base), None
        return grad * (exponent * base ** (exponent - 1)), None

    def backward_graph(self, grad: Tensor) -> TensorGrads:
        base, exponent = self.saved_tensors
        power = exponent.item()
        if power == 0:
            return type(grad)(np.zeros_like(base.array)), None
        return grad * (power * base ** (power - 1)), None


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

    def backward_graph(self, grad: Tensor) -> TensorGrads:
        base, exponent, result = self.saved_tensors
        to_base = masked(exponent.array != 0, grad * (exponent * base ** (exponent - 1)))
        at_zero = type(grad)((exponent.array >= 0) & (base.array == 0))
        return to_base, grad * grad._where(at_zero, 0.0, result * base.log())


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

    def backward_graph(self, grad: Tensor) -> TensorGrads:
        base, exponent, result = self.saved_tensors
        to_exponent = grad * (result * base.log())
        return None, masked(exponent.array < 0, to_exponent) if base.item() == 0 else to_exponent


class NegBackward0(Node):
    forward = staticmethod(np.negative)

    def formula(self, grad: Any) -> tuple[Any, ...]:
        return (-grad,)


# -- element-wise functions ----------------------------------------------------------------------------


class AbsBackward0(Node):
    saves = (0,)
    forward = staticmethod(np.abs)

    def backward(self, grad: np.ndarray) -> Grads:
        (x,) = self.saved
        return (grad * np.sign(x),)

    def backward_graph(self, grad: Tensor) -> TensorGrads:
        (x,) = self.saved_tensors
        return (grad * x.sgn(),)


class SignBackward0(Node):
    """sign(x): its derivative is 0 everywhere, but the result stays in the graph."""

    forward = staticmethod(np.sign)

    def backward(self, grad: np.ndarray) -> Grads:
        return (np.zeros_like(grad),)

    def backward_graph(self, grad: Tensor) -> TensorGrads:
        return (type(grad)(np.zeros_like(grad.array)),)


class SgnBackward0(SignBackward0):
    pass


class ExpBackward0(Node):
    saves_output = True
    forward = staticmethod(np.exp)

    def formula(self, grad: Any, result: Any) -> tuple[Any, ...]:
        return (grad * result,)


class LogBackward0(Node):
    saves = (0,)
    forward = staticmethod(np.log)

    def formula(self, grad: Any, x: Any) -> tuple[Any, ...]:
        return (grad / x,)


class SqrtBackward0(Node):
    saves_output = True
    forward = staticmethod(np.sqrt)

    def formula(self, grad: Any, result: Any) -> tuple[Any, ...]:
        return (grad / (2 * result),)


class SinBackward0(Node):
    saves = (0,)
    forward = staticmethod(np.sin)

    def backward(self, grad: np.ndarray) -> Grads:
        (x,) = self.saved
        return (grad * np.cos(x),)

    def backward_graph(self, grad: Tensor) -> TensorGrads:
        (x,) = self.saved_tensors
        return (grad * x.cos(),)


class CosBackward0(Node):
    saves = (0,)
    forward = staticmethod(np.cos)

    def backward(self, grad: np.ndarray) -> Grads:
        (x,) = self.saved
        return (grad * -np.sin(x),)

    def backward_graph(self, grad: Tensor) -> TensorGrads:
        (x,) = self.saved_tensors
        return (grad * -x.sin(),)


class TanhBackward0(Node):
    saves_output = True
    forward = staticmethod(np.tanh)

    def formula(self, grad: Any, result: Any) -> tuple[Any, ...]:
        return (grad * (1 - result * result),)


class SigmoidBackward0(Node):
    saves_output = True

    @staticmethod
    def forward(x: np.ndarray) -> np.ndarray:
        return 1 / (1 + np.exp(-x))

    def formula(self, grad: Any, result: Any) -> tuple[Any, ...]:
        return (grad * (1 - result) * result,)


class ReluBackward0(Node):
    saves_output = True

    @staticmethod
    def forward(x: np.ndarray) -> np.ndarray:
        return np.maximum(x, x.dtype.type(0))

    def backward(self, grad: np.ndarray) -> Grads:
        (result,) = self.saved
        return (where_else_zero(result > 0, grad),)

    def backward_graph(self, grad: Tensor) -> TensorGrads:
        (result,) = self.saved_tensors
        return (grad._apply(ThresholdBackwardBackward0, grad, result),)


class ThresholdBackwardBackward0(Node):
    """relu's gradient as torch records it, ``threshold_backward(grad, result, 0)``: the gradient where
    the result is positive; its derivative in the result is 0."""

    saves = (1,)

    @staticmethod
    def forward(grad: np.ndarray, result: np.ndarray) -> np.ndarray:
        return where_else_zero(result > 0, grad)

    def backward(self, grad: np.ndarray) -> Grads:
        (result,) = self.saved
        return where_else_zero(result > 0, grad), np.zeros_like(grad)

    def backward_graph(self, grad: Tensor) -> TensorGrads:
        (result,) = self.saved
        return masked(result > 0, grad), type(grad)(np.zeros_like(grad.array))


class ReciprocalBackward0(Node):
    saves_output = True
    forward = staticmethod(np.reciprocal)

    def formula(self, grad: Any, result: Any) -> tuple[Any, ...]:
        return (-grad * (result * result),)


class CloneBackward0(Node):
    forward = staticmethod(np.copy)

    def formula(self, grad: Any) -> tuple[Any, ...]:
        return (grad,)


class ClampBackward1(Node):
    """clamp(x, min, max) with numbers (or None) as bounds: the gradient passes where min <= x <= max."""

    saves = (0,)

    @staticmethod
    def forward(x: np.ndarray, *, min: float | None, max: float | None) -> np.ndarray:
        low = x if min is None else np.maximum(x, min)
        return low if max is None else np.minimum(low, max)

    def _inside(self) -> np.ndarray:
        (x,) = self.saved
        low, high = self.options["min"], self.options["max"]
        inside = np.ones(x.shape, dtype=bool)
        if low is not None:
            inside &= x >= low
        if high is not None:
            inside &= x <= high
        return inside

    def backward(self, grad: np.ndarray) -> Grads:
        return (where_else_zero(self._inside(), grad),)

    def backward_graph(self, grad: Tensor) -> TensorGrads:
        return (masked(self._inside(), grad),)


class ClampBackward0(Node):
    """clamp(x, min, max) with tensors as bounds (a missing one is an infinite constant)."""

    saves = (0, 1, 2)

    @staticmethod
    def forward(x: np.ndarray, low: np.ndarray, high: np.ndarray) -> np.ndarray:
        return np.minimum(np.maximum(x, low), high)

    def _masks(self) -> tuple[np.ndarray, ...]:
        x, low, high = self.saved
        return (x >= low) & (x <= high), (x < low) & (low < high), (x > high) | (high < low)

    def backward(self, grad: np.ndarray) -> Grads:
        return tuple(where_else_zero(mask, grad) for mask in self._masks())

    def backward_graph(self, grad: Tensor) -> TensorGrads:
        return tuple(masked(mask, grad) for mask in self._masks())


class MaximumBackward0(Node):
    saves = (0, 1)
    forward = staticmethod(np.maximum)
    wins = staticmethod(np.less)  # where x gets nothing: x < y for maximum

    def backward(self, grad: np.ndarray) -> Grads:
        x, y = self.saved
        shared = np.where(x == y, grad / 2, grad)
        return where_else_zero(~self.wins(x, y), shared), where_else_zero(~self.wins(y, x), shared)

    def backward_graph(self, grad: Tensor) -> TensorGrads:
        x, y = self.saved
        shared = grad._where(type(grad)(x == y), grad / 2, grad)
        return masked(~self.wins(x, y), shared), masked(~self.wins(y, x), shared)


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

    def backward_graph(self, grad: Tensor) -> TensorGrads:
        (condition,) = self.saved
        return None, masked(condition, grad), masked(~condition, grad)


# -- the tensor's methods ----------------------------------------------------------------------------------


def _unary(node_type: type[Node]) -> Callable[[Operations], Any]:
    def function(self: Operations) -> Any:
        return self._apply(node_type, self)

    function.__name__ = function.__qualname__ = node_type.__name__.removesuffix("Backward0").lower()
    return function


def _comparison(compare: Callable[..., Any]) -> Callable[[Operations, Any], Any]:
    def function(self: Operations, other: Any) -> Any:
        other = other.array if isinstance(other, Operations) else other
        return type(self)(np.asarray(compare(self.array, other)))  # type: ignore[call-arg]

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
    sign = _unary(SignBackward0)
    sgn = _unary(SgnBackward0)
    exp = _unary(ExpBackward0)
    log = _unary(LogBackward0)
    sqrt = _unary(SqrtBackward0)
    sin = _unary(SinBackward0)
    cos = _unary(CosBackward0)
    tanh = _unary(TanhBackward0)
    sigmoid = _unary(SigmoidBackward0)
    relu = _unary(ReluBackward0)
    reciprocal = _unary(ReciprocalBackward0)
    clone = _unary(CloneBackward0)

    __gt__ = _comparison(np.greater)
    __ge__ = _comparison(np.greater_equal)
    __lt__ = _comparison(np.less)
    __le__ = _comparison(np.less_equal)
    __eq__ = _comparison(np.equal)  # type: ignore[assignment]
    __ne__ = _comparison(np.not_equal)  # type: ignore[assignment]
    __hash__ = object.__hash__  # tensors are told apart by identity, as in torch

    def __bool__(self) -> bool:
        if self.array.size != 1:
            raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
        return bool(self.array)

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
    def _where(condition: Any, x: Any, y: Any) -> Any:
        """torch.where(condition, x, y)."""
        anchor = x if isinstance(x, Operations) else y if isinstance(y, Operations) else condition
        return anchor._apply(WhereBackward0, condition, x, y)

    @staticmethod
    def _pow(base: Any, exponent: Any) -> Any:
        """torch.pow(base, exponent), the base a tensor or a number."""
        return base.pow(exponent) if isinstance(base, ElementwiseMethods) else exponent.__rpow__(base)
