"""minigrad's reductions (sum, mean, amax, amin, max, min, prod, var, std, logsumexp, softmax,
log_softmax) and matrix products (matmul in every form, mm).

Nodes as in ``tests/engines/minigrad_node.py``: named as torch names them (SumBackward0 for ``sum(x)``,
SumBackward1 for ``sum(x, dim)``), ``dim`` already a tuple of non-negative dims, and torch's formulas for
ties (shared evenly by amax and max(), sent to the returned index by max(x, dim)) and zeros (prod), on
arrays (``backward``) and recorded (``backward_graph``, for ``create_graph=True``).
"""

from __future__ import annotations

import collections
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
    sum_to_graph,
    where_else_zero,
    wrap_dim,
    wrap_dims,
)
from tests.engines.minigrad_ops import MaximumBackward0, MinimumBackward0

EVERY = object()  # ``dim`` not given: sum(x) records SumBackward0, sum(x, dim=None) SumBackward1
ReturnType = collections.namedtuple("ReturnType", ["values", "indices"])  # max(x, dim), min(x, dim)


def _restore(grad: np.ndarray, dim: tuple[int, ...], keepdim: bool) -> np.ndarray:
    """A reduction's gradient with its reduced dims back (torch's restore_reduced_dims)."""
    return grad if keepdim else np.expand_dims(grad, dim)


def _restore_graph(grad: Tensor, dim: tuple[int, ...], keepdim: bool) -> Tensor:
    """:func:`_restore`, recorded."""
    for d in () if keepdim else sorted(dim):
        grad = grad.unsqueeze(d)
    return grad


# -- reductions ------------------------------------------------------------------------------------------


class SumBackward0(Node):
    """sum(x): every element."""

    forward = staticmethod(np.sum)

    def backward(self, grad: np.ndarray) -> Grads:
        return (np.broadcast_to(grad, self.shapes[0]),)

    def backward_graph(self, grad: Tensor) -> TensorGrads:
        return (grad.expand(self.shapes[0]),)


class SumBackward1(Node):
    """sum(x, dim, keepdim), dim a tuple of non-negative dims."""

    @staticmethod
    def forward(x: np.ndarray, *, dim: tuple[int, ...], keepdim: bool) -> np.ndarray:
        return np.sum(x, axis=dim, keepdims=keepdim)

    def backward(self, grad: np.ndarray) -> Grads:
        return (
            np.broadcast_to(_restore(grad, self.options["dim"], self.options["keepdim"]), self.shapes[0]),
        )

    def backward_graph(self, grad: Tensor) -> TensorGrads:
        return (_restore_graph(grad, self.options["dim"], self.options["keepdim"]).expand(self.shapes[0]),)


class MeanBackward0(Node):
    forward = staticmethod(np.mean)

    def backward(self, grad: np.ndarray) -> Grads:
        return (np.broadcast_to(grad / math.prod(self.shapes[0]), self.shapes[0]),)

    def backward_graph(self, grad: Tensor) -> TensorGrads:
        return (grad.expand(self.shapes[0]) / math.prod(self.shapes[0]),)


class MeanBackward1(Node):
    @staticmethod
    def forward(x: np.ndarray, *, dim: tuple[int, ...], keepdim: bool) -> np.ndarray:
        return np.mean(x, axis=dim, keepdims=keepdim)

    def backward(self, grad: np.ndarray) -> Grads:
        shape, dim = self.shapes[0], self.options["dim"]
        count = math.prod(shape[d] for d in dim)
        return (np.broadcast_to(_restore(grad, dim, self.options["keepdim"]) / count, shape),)

    def backward_graph(self, grad: Tensor) -> TensorGrads:
        shape, dim = self.shapes[0], self.options["dim"]
        count = math.prod(shape[d] for d in dim)
        return (_restore_graph(grad, dim, self.options["keepdim"]).expand(shape) / count,)


class AmaxBackward0(Node):
    """amax(x, dim, keepdim): tied maxima share the gradient evenly."""

    saves = (0,)
    saves_output = True

    @staticmethod
    def forward(x: np.ndarray, *, dim: tuple[int, ...], keepdim: bool) -> np.ndarray:
        return np.amax(x, axis=dim, keepdims=keepdim)

    def _ties(self) -> tuple[np.ndarray, np.ndarray]:
        """Where the extreme is, and how many share it along the reduced dims."""
        x, result = self.saved
        mask = _restore(result, self.options["dim"], self.options["keepdim"]) == x
        return mask, mask.sum(axis=self.options["dim"], keepdims=True).astype(x.dtype)

    def backward(self, grad: np.ndarray) -> Grads:
        mask, count = self._ties()
        return ((_restore(grad, self.options["dim"], self.options["keepdim"]) / count) * mask,)

    def backward_graph(self, grad: Tensor) -> TensorGrads:
        mask, count = self._ties()
        restored = _restore_graph(grad, self.options["dim"], self.options["keepdim"])
        return ((restored / type(grad)(count)) * type(grad)(mask),)


class AminBackward0(AmaxBackward0):
    @staticmethod
    def forward(x: np.ndarray, *, dim: tuple[int, ...], keepdim: bool) -> np.ndarray:
        return np.amin(x, axis=dim, keepdims=keepdim)


class MaxBackward1(Node):
    """max(x) of every element: tied maxima (or nans) share the gradient evenly."""

    saves = (0,)
    saves_output = True
    forward = staticmethod(np.max)

    def _ties(self) -> np.ndarray:
        x, result = self.saved
        return np.isnan(x) if np.isnan(result) else x == result

    def backward(self, grad: np.ndarray) -> Grads:
        mask = self._ties()
        return (where_else_zero(mask, np.broadcast_to(grad / mask.sum().astype(grad.dtype), mask.shape)),)

    def backward_graph(self, grad: Tensor) -> TensorGrads:
        mask = self._ties()
        return (masked(mask, (grad / int(mask.sum())).expand(mask.shape)),)


class MinBackward1(MaxBackward1):
    forward = staticmethod(np.min)


class MaxBackward0(Node):
    """max(x, dim, keepdim).values: the gradient goes to the index returned (``indices``, an option)."""

    @staticmethod
    def forward(x: np.ndarray, *, dim: int, keepdim: bool, indices: np.ndarray) -> np.ndarray:
        values = np.take_along_axis(x, indices, axis=dim) if x.ndim else x
        return values if keepdim or not x.ndim else np.squeeze(values, axis=dim)

    def backward(self, grad: np.ndarray) -> Grads:
        dim, indices = self.options["dim"], self.options["indices"]
        if not self.shapes[0]:
            return (grad,)
        result = np.zeros(self.shapes[0], dtype=grad.dtype)
        np.put_along_axis(result, indices, _restore(grad, (dim,), self.options["keepdim"]), axis=dim)
        return (result,)

    def backward_graph(self, grad: Tensor) -> TensorGrads:
        dim, shape = self.options["dim"], self.shapes[0]
        if not shape:
            return (grad,)
        chosen = np.zeros(shape, dtype=bool)
        np.put_along_axis(chosen, self.options["indices"], True, axis=dim)
        return (masked(chosen, _restore_graph(grad, (dim,), self.options["keepdim"]).expand(shape)),)


class MinBackward0(MaxBackward0):
    pass


class ProdBackward0(Node):
    """prod(x), or prod(x, dim, keepdim) in ProdBackward1; safe under zeros, as torch's prod_backward."""

    saves = (0,)
    saves_output = True

    @staticmethod
    def forward(x: np.ndarray, *, dim: int | None = None, keepdim: bool = False) -> np.ndarray:
        return np.prod(x, axis=dim, keepdims=keepdim)

    def backward(self, grad: np.ndarray) -> Grads:
        x, result = self.saved
        if x.ndim == 0:
            return (grad,)
        dim, keepdim = self.options.get("dim"), self.options.get("keepdim", False)
        if dim is not None:
            grad, result = _restore(grad, (dim,), keepdim), _restore(result, (dim,), keepdim)
        if not (x == 0).any():
            return (grad * (result / x),)
        along = x.reshape(-1) if dim is None else np.moveaxis(x, dim, -1)
        ones = np.ones((*along.shape[:-1], 1), dtype=x.dtype)
        before = np.cumprod(np.concatenate([ones, along[..., :-1]], axis=-1), axis=-1)
        after = np.cumprod(np.concatenate([ones, along[..., :0:-1]], axis=-1), axis=-1)[..., ::-1]
        others = before * after  # the product of all the other elements of each one's slice
        others = others.reshape(x.shape) if dim is None else np.moveaxis(others, -1, dim)
        return (grad * others,)

    def backward_graph(self, grad: Tensor) -> TensorGrads:
        x, result = self.saved_tensors
        if x.ndim == 0:
            return (grad,)
        dim, keepdim = self.options.get("dim"), self.options.get("keepdim", False)
        if dim is not None:
            grad, result = _restore_graph(grad, (dim,), keepdim), _restore_graph(result, (dim,), keepdim)
        if not (x.array == 0).any():
            return (grad * (result / x),)
        # each element's product of the others, recorded: row i of a square holds the slice with a 1 at i
        order = [d for d in range(x.ndim) if d != dim] + [dim] if dim is not None else None
        along = x.reshape(-1) if order is None else x.permute(order)
        n = along.shape[-1]
        rows = along.unsqueeze(-2).expand(*along.shape[:-1], n, n)
        others = grad._where(type(grad)(np.eye(n, dtype=bool)), 1.0, rows).prod(-1)
        others = others.reshape(x.shape) if order is None else others.permute(np.argsort(order).tolist())
        return (grad * others,)


class ProdBackward1(ProdBackward0):
    pass


class VarBackward0(Node):
    """var(x, dim, correction, keepdim); dim None reduces every element."""

    saves = (0,)

    @staticmethod
    def forward(
        x: np.ndarray, *, dim: tuple[int, ...] | None, correction: float, keepdim: bool
    ) -> np.ndarray:
        wide = x.astype(np.float64) if x.dtype == np.float32 else x  # torch accumulates float in double
        deviations = wide - wide.mean(axis=dim, keepdims=True)
        count = wide.size if dim is None else math.prod(x.shape[d] for d in dim)
        squares = np.sum(deviations * deviations, axis=dim, keepdims=keepdim)
        return (squares / max(0, count - correction)).astype(x.dtype, copy=False)

    def backward(self, grad: np.ndarray) -> Grads:
        return (self._var_gradient(grad),)

    def _var_gradient(self, grad: np.ndarray) -> np.ndarray:
        x = self.saved[0]
        dim, correction, keepdim = self.options["dim"], self.options["correction"], self.options["keepdim"]
        if x.ndim == 0 or dim is None:
            dof = x.size - correction
            if dof <= 0:
                return grad * np.where(x == x.mean(), np.nan, np.inf).astype(x.dtype)
            return (2.0 / dof) * grad * (x - x.mean())
        grad = grad if keepdim or x.ndim <= 1 else np.expand_dims(grad, dim)
        dof = math.prod(x.shape[d] for d in dim) - correction
        scale = 2.0 / dof if dof else math.inf
        return scale * grad * (x - x.mean(axis=dim, keepdims=True))

    def backward_graph(self, grad: Tensor) -> TensorGrads:
        return (self._var_gradient_graph(grad, self.saved_tensors[0]),)

    def _var_gradient_graph(self, grad: Tensor, x: Tensor) -> Tensor:
        dim, correction, keepdim = self.options["dim"], self.options["correction"], self.options["keepdim"]
        if x.ndim == 0 or dim is None:
            dof = x.array.size - correction
            if dof <= 0:
                return grad * type(x)(np.where(x.array == x.array.mean(), np.nan, np.inf).astype(x.dtype))
            return (2.0 / dof) * grad * (x - x.mean())
        grad = grad if keepdim or x.ndim <= 1 else _restore_graph(grad, dim, False)
        dof = math.prod(x.shape[d] for d in dim) - correction
        scale = 2.0 / dof if dof else math.inf
        return scale * grad * (x - x.mean(dim, keepdim=True))


class StdBackward0(VarBackward0):
    saves = (0,)
    saves_output = True

    @staticmethod
    def forward(
        x: np.ndarray, *, dim: tuple[int, ...] | None, correction: float, keepdim: bool
    ) -> np.ndarray:
        return np.sqrt(VarBackward0.forward(x, dim=dim, correction=correction, keepdim=keepdim))

    def _var_gradient(self, grad: np.ndarray) -> np.ndarray:
        result = self.saved[1]
        return VarBackward0._var_gradient(self, where_else_zero(result != 0, grad / (result * 2)))

    def backward_graph(self, grad: Tensor) -> TensorGrads:
        x, result = self.saved_tensors
        return (self._var_gradient_graph(masked(result.array != 0, grad / (result * 2)), x),)


class LogsumexpBackward0(Node):
    saves = (0,)
    saves_output = True

    @staticmethod
    def forward(x: np.ndarray, *, dim: tuple[int, ...], keepdim: bool) -> np.ndarray:
        top = np.amax(x, axis=dim, keepdims=True)
        top = np.where(np.isinf(top), 0, top).astype(x.dtype)
        total = np.log(np.sum(np.exp(x - top), axis=dim, keepdims=keepdim))
        return total + (top if keepdim else np.squeeze(top, axis=dim))

    def backward(self, grad: np.ndarray) -> Grads:
        x, result = self.saved
        dim, keepdim = self.options["dim"], self.options["keepdim"]
        return (_restore(grad, dim, keepdim) * np.exp(x - _restore(result, dim, keepdim)),)

    def backward_graph(self, grad: Tensor) -> TensorGrads:
        x, result = self.saved_tensors
        dim, keepdim = self.options["dim"], self.options["keepdim"]
        return (_restore_graph(grad, dim, keepdim) * (x - _restore_graph(result, dim, keepdim)).exp(),)


class SoftmaxBackward0(Node):
    saves_output = True

    @staticmethod
    def forward(x: np.ndarray, *, dim: tuple[int, ...]) -> np.ndarray:
        exp = np.exp(x - np.amax(x, axis=dim, keepdims=True))
        return exp / np.sum(exp, axis=dim, keepdims=True)

    def backward(self, grad: np.ndarray) -> Grads:
        # For a cotangent constant along dim the gradient is 0, but grad - sum(grad * s) cancels, and the
        # rounded s sums to 1 only nearly: a float32 error of 1e-7 where the finite difference says 0.
        # So in float64, with s made to sum to 1 again.
        dim = self.options["dim"]
        result, wide = self.saved[0].astype(np.float64), grad.astype(np.float64)
        result = result / np.sum(result, axis=dim, keepdims=True)
        return ((result * (wide - np.sum(wide * result, axis=dim, keepdims=True))).astype(grad.dtype),)

    def backward_graph(self, grad: Tensor) -> TensorGrads:
        (result,) = self.saved_tensors
        return (result * (grad - (grad * result).sum(self.options["dim"], keepdim=True)),)


class LogSoftmaxBackward0(Node):
    saves_output = True

    @staticmethod
    def forward(x: np.ndarray, *, dim: tuple[int, ...]) -> np.ndarray:
        shifted = x - np.amax(x, axis=dim, keepdims=True)
        return shifted - np.log(np.sum(np.exp(shifted), axis=dim, keepdims=True))

    def backward(self, grad: np.ndarray) -> Grads:
        (result,) = self.saved
        return (grad - np.exp(result) * np.sum(grad, axis=self.options["dim"], keepdims=True),)

    def backward_graph(self, grad: Tensor) -> TensorGrads:
        (result,) = self.saved_tensors
        return (grad - result.exp() * grad.sum(self.options["dim"], keepdim=True),)


# -- matrix products -----------------------------------------------------------------------------------


class MatmulBackward(Node):
    """matmul(a, b) in any form torch accepts; each subclass carries torch's name for its forms."""

    saves = (0, 1)
    saves_for: ClassVar[dict[int, int]] = {0: 1, 1: 0}
    forward = staticmethod(np.matmul)

    def backward(self, grad: np.ndarray) -> Grads:
        a, b = self.saved
        matrix_a = a[np.newaxis, :] if a.ndim == 1 else a  # (..., n, m), a row for a vector
        matrix_b = b[:, np.newaxis] if b.ndim == 1 else b  # (..., m, p), a column for a vector
        grad = grad[..., np.newaxis] if b.ndim == 1 else grad
        grad = np.expand_dims(grad, -2) if a.ndim == 1 else grad
        to_a = sum_to(grad @ np.swapaxes(matrix_b, -1, -2), matrix_a.shape).reshape(a.shape)
        to_b = sum_to(np.swapaxes(matrix_a, -1, -2) @ grad, matrix_b.shape).reshape(b.shape)
        return to_a, to_b

    def backward_graph(self, grad: Tensor) -> TensorGrads:
        a, b = self.saved_tensors
        matrix_a = a.unsqueeze(0) if a.ndim == 1 else a
        matrix_b = b.unsqueeze(-1) if b.ndim == 1 else b
        grad = grad.unsqueeze(-1) if b.ndim == 1 else grad
        grad = grad.unsqueeze(-2) if a.ndim == 1 else grad
        to_a = sum_to_graph(grad @ matrix_b.mT, matrix_a.shape).reshape(a.shape) if self.needs(0) else None
        to_b = sum_to_graph(matrix_a.mT @ grad, matrix_b.shape).reshape(b.shape) if self.needs(1) else None
        return to_a, to_b


class DotBackward0(MatmulBackward):
    """vector @ vector."""


class MvBackward0(MatmulBackward):
    """matrix @ vector."""


class MmBackward0(MatmulBackward):
    """matrix @ matrix, and mm(a, b)."""


class VectorMatrixBackward(MatmulBackward):
    """vector @ matrix: torch computes ``a.unsqueeze(0).mm(b).squeeze_(0)``."""

    torch_name = "SqueezeBackward4"


class BatchedMatmulBackward(MatmulBackward):
    """A batched form: torch's last step is an ``_unsafe_view`` of a folded mm or of a bmm."""

    torch_name = "UnsafeViewBackward0"


class TransposedMatmulBackward(MatmulBackward):
    """matrix @ batch where the matrix requires grad: torch folds ``b.mT @ a.t()`` into one mm, then
    transposes it back and copies it to make it contiguous (``.mT.contiguous()``)."""

    torch_name = "CloneBackward0"


class TransposedContiguousMatmulBackward(TransposedMatmulBackward):
    """As above when the transposed result is already contiguous, so ``contiguous()`` copies nothing."""

    torch_name = "TransposeBackward0"


# -- the tensor's methods ----------------------------------------------------------------------------------


class ReductionMethods(Operations):
    """Reductions and matrix products, as methods of the tensor."""

    def sum(self, dim: Any = EVERY, keepdim: bool = False) -> Any:
        if dim is EVERY:
            return self._apply(SumBackward0, self)
        return self._apply(SumBackward1, self, dim=wrap_dims(dim, self.ndim), keepdim=keepdim)

    def mean(self, dim: Any = EVERY, keepdim: bool = False) -> Any:
        if dim is EVERY:
            return self._apply(MeanBackward0, self)
        return self._apply(MeanBackward1, self, dim=wrap_dims(dim, self.ndim), keepdim=keepdim)

    def amax(self, dim: Any = (), keepdim: bool = False) -> Any:
        return self._apply(AmaxBackward0, self, dim=wrap_dims(dim, self.ndim), keepdim=keepdim)

    def amin(self, dim: Any = (), keepdim: bool = False) -> Any:
        return self._apply(AminBackward0, self, dim=wrap_dims(dim, self.ndim), keepdim=keepdim)

    def max(self, dim: Any = None, keepdim: bool = False) -> Any:
        """max(x); max(x, dim, keepdim), a (values, indices) pair; max(x, y), which is maximum(x, y)."""
        if isinstance(dim, Operations):
            return self._apply(MaximumBackward0, self, dim)
        return self._extreme(dim, keepdim, MaxBackward1, MaxBackward0, np.argmax)

    def min(self, dim: Any = None, keepdim: bool = False) -> Any:
        if isinstance(dim, Operations):
            return self._apply(MinimumBackward0, self, dim)
        return self._extreme(dim, keepdim, MinBackward1, MinBackward0, np.argmin)

    def _extreme(
        self, dim: int | None, keepdim: bool, every: type[Node], along: type[Node], find: Callable[..., Any]
    ) -> Any:
        if dim is None:
            return self._apply(every, self)
        dim = wrap_dim(dim, self.ndim)
        indices = find(self.array, axis=dim, keepdims=True) if self.ndim else np.zeros((), dtype=np.int64)
        values = self._apply(along, self, dim=dim, keepdim=keepdim, indices=indices)
        kept = indices if keepdim or not self.ndim else np.squeeze(indices, axis=dim)
        return ReturnType(values, type(self)(kept.astype(np.int64)))  # type: ignore[call-arg]

    def prod(self, dim: int | None = None, keepdim: bool = False) -> Any:
        if dim is None:
            return self._apply(ProdBackward0, self)
        dim = wrap_dim(dim, self.ndim)
        return self._apply(ProdBackward1, self, dim=dim if self.ndim else None, keepdim=keepdim)

    def var(self, dim: Any = None, *, correction: float = 1, keepdim: bool = False) -> Any:
        dims = None if dim is None else wrap_dims(dim, self.ndim)
        return self._apply(VarBackward0, self, dim=dims, correction=correction, keepdim=keepdim)

    def std(self, dim: Any = None, *, correction: float = 1, keepdim: bool = False) -> Any:
        dims = None if dim is None else wrap_dims(dim, self.ndim)
        return self._apply(StdBackward0, self, dim=dims, correction=correction, keepdim=keepdim)

    def logsumexp(self, dim: Any, keepdim: bool = False) -> Any:
        return self._apply(LogsumexpBackward0, self, dim=wrap_dims(dim, self.ndim), keepdim=keepdim)

    def softmax(self, dim: int) -> Any:
        return self._apply(SoftmaxBackward0, self, dim=wrap_dims(dim, self.ndim))

    def log_softmax(self, dim: int) -> Any:
        return self._apply(LogSoftmaxBackward0, self, dim=wrap_dims(dim, self.ndim))

    def matmul(self, other: Any) -> Any:
        """matmul in every form torch accepts, recorded under the name torch gives its last step."""
        if not (self.ndim and other.ndim):
            raise RuntimeError(
                f"both arguments to matmul need to be at least 1D, but they are {self.ndim}D and {other.ndim}D"
            )
        forms = {(1, 1): DotBackward0, (2, 1): MvBackward0, (1, 2): VectorMatrixBackward, (2, 2): MmBackward0}
        node_type = forms.get((self.ndim, other.ndim), BatchedMatmulBackward)
        if self.ndim == 2 and other.ndim > 2 and self.requires_grad:
            # torch folds other.mT @ self.t() into one mm, then makes its transpose contiguous
            rows, columns = self.shape[0], other.shape[-1]
            contiguous = rows <= 1 or columns <= 1 or 0 in other.shape[:-2]
            node_type = TransposedContiguousMatmulBackward if contiguous else TransposedMatmulBackward
        return self._apply(node_type, self, other)

    def mm(self, other: Any) -> Any:
        if self.ndim != 2 or other.ndim != 2:
            raise RuntimeError("self must be a matrix" if self.ndim != 2 else "mat2 must be a matrix")
        return self._apply(MmBackward0, self, other)

    __matmul__ = matmul
