"""minigrad's operations that move elements: views, indexing, joins.

Views (transpose, permute, view, expand, squeeze, unsqueeze, basic indexing, split) return NumPy views
of their input, so the result shares its storage; the tensor shares its version counter too, as torch's
views do. Indexing with integer or bool arrays, cat and stack copy. Nodes are as in
``tests/engines/minigrad_node.py``: named as torch names them, options already normalised, a formula on
arrays (``backward``) and a recorded one (``backward_graph``, for ``create_graph=True``). A gradient that
is put back into zeros (select, slice, index) is recorded as torch records it: a node of its own
(SelectBackwardBackward0, ...) whose own gradient takes the same elements out again.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from tests.engines.minigrad_node import (
    Grads,
    Node,
    Operations,
    Tensor,
    TensorGrads,
    sum_to,
    sum_to_graph,
    wrap_dim,
)


def _shape(sizes: tuple[Any, ...]) -> tuple[int, ...]:
    """``reshape(2, 3)`` and ``reshape((2, 3))`` alike."""
    return tuple(sizes[0]) if len(sizes) == 1 and isinstance(sizes[0], Sequence) else tuple(sizes)


# -- views: the result shares the input's storage and version counter -----------------------------------


class ViewNode(Node):
    view = True


class AliasBackward0(ViewNode):
    @staticmethod
    def forward(x: np.ndarray) -> np.ndarray:
        return x[...]

    def formula(self, grad: Any) -> tuple[Any, ...]:
        return (grad,)


class TBackward0(ViewNode):
    forward = staticmethod(np.transpose)

    def backward(self, grad: np.ndarray) -> Grads:
        return (grad.T,)

    def backward_graph(self, grad: Tensor) -> TensorGrads:
        return (grad.t(),)


class TransposeBackward0(ViewNode):
    @staticmethod
    def forward(x: np.ndarray, *, dim0: int, dim1: int) -> np.ndarray:
        return np.swapaxes(x, dim0, dim1)

    def backward(self, grad: np.ndarray) -> Grads:
        return (np.swapaxes(grad, self.options["dim0"], self.options["dim1"]),)

    def backward_graph(self, grad: Tensor) -> TensorGrads:
        return (grad.transpose(self.options["dim0"], self.options["dim1"]),)


class PermuteBackward0(ViewNode):
    @staticmethod
    def forward(x: np.ndarray, *, dims: tuple[int, ...]) -> np.ndarray:
        return np.transpose(x, dims)

    def backward(self, grad: np.ndarray) -> Grads:
        return (np.transpose(grad, np.argsort(self.options["dims"])),)

    def backward_graph(self, grad: Tensor) -> TensorGrads:
        return (grad.permute(np.argsort(self.options["dims"]).tolist()),)


class ViewBackward0(ViewNode):
    """view(shape), and reshape(shape) where torch can view rather than copy."""

    @staticmethod
    def forward(x: np.ndarray, *, shape: tuple[int, ...]) -> np.ndarray:
        return np.reshape(x, shape)  # a view: the tensor method asked first whether one is possible

    def formula(self, grad: Any) -> tuple[Any, ...]:
        return (grad.reshape(self.shapes[0]),)


class ReshapeAliasBackward0(ViewBackward0):
    """reshape(shape) of a tensor that is not contiguous but whose strides still allow a view."""


class UnsafeViewBackward0(Node):
    """reshape(shape) of a tensor that cannot be viewed so: a copy."""

    @staticmethod
    def forward(x: np.ndarray, *, shape: tuple[int, ...]) -> np.ndarray:
        return np.reshape(x, shape).copy()

    def formula(self, grad: Any) -> tuple[Any, ...]:
        return (grad.reshape(self.shapes[0]),)


class ExpandBackward0(ViewNode):
    @staticmethod
    def forward(x: np.ndarray, *, shape: tuple[int, ...]) -> np.ndarray:
        """A view that repeats elements (read-only, as torch refuses to write into one) where it stretches
        a dim; else a plain view, which may be written into."""
        if np.size(x) == math.prod(shape):
            return np.reshape(x, shape)
        return np.broadcast_to(x, shape)

    def backward(self, grad: np.ndarray) -> Grads:
        return (sum_to(grad, self.shapes[0]),)

    def backward_graph(self, grad: Tensor) -> TensorGrads:
        return (sum_to_graph(grad, self.shapes[0]),)


class SqueezeBackward0(ViewNode):
    """squeeze(x); SqueezeBackward1 is squeeze(x, dim), SqueezeBackward2 squeeze(x, dims)."""

    @staticmethod
    def forward(x: np.ndarray, *, dims: tuple[int, ...]) -> np.ndarray:
        return np.squeeze(x, axis=dims)

    def formula(self, grad: Any) -> tuple[Any, ...]:
        return (grad.reshape(self.shapes[0]),)


class SqueezeBackward1(SqueezeBackward0):
    pass


class SqueezeBackward2(SqueezeBackward0):
    pass


class UnsqueezeBackward0(ViewNode):
    @staticmethod
    def forward(x: np.ndarray, *, dim: int) -> np.ndarray:
        return np.expand_dims(x, dim)

    def backward(self, grad: np.ndarray) -> Grads:
        return (np.squeeze(grad, axis=self.options["dim"]),)

    def backward_graph(self, grad: Tensor) -> TensorGrads:
        return (grad.squeeze(self.options["dim"]),)


def _at(dim: int, index: Any) -> tuple[Any, ...]:
    """The NumPy index that applies ``index`` to dim ``dim`` and keeps every other dim."""
    return (slice(None),) * dim + (index, Ellipsis)


class SelectBackward0(ViewNode):
    """x[i] along one dim (``dim``, ``index`` non-negative)."""

    @staticmethod
    def forward(x: np.ndarray, *, dim: int, index: int) -> np.ndarray:
        return x[_at(dim, index)]

    def backward(self, grad: np.ndarray) -> Grads:
        return (SelectBackwardBackward0.forward(grad, shape=self.shapes[0], **self.options),)

    def backward_graph(self, grad: Tensor) -> TensorGrads:
        return (grad._apply(SelectBackwardBackward0, grad, shape=self.shapes[0], **self.options),)


class SelectBackwardBackward0(Node):
    """select's gradient as torch records it: ``grad`` put at ``index`` along ``dim`` of zeros."""

    @staticmethod
    def forward(grad: np.ndarray, *, shape: tuple[int, ...], dim: int, index: int) -> np.ndarray:
        result = np.zeros(shape, dtype=grad.dtype)
        result[_at(dim, index)] = grad
        return result

    def backward(self, grad: np.ndarray) -> Grads:
        return (SelectBackward0.forward(grad, dim=self.options["dim"], index=self.options["index"]),)

    def backward_graph(self, grad: Tensor) -> TensorGrads:
        return (grad._apply(SelectBackward0, grad, dim=self.options["dim"], index=self.options["index"]),)


class SliceBackward0(ViewNode):
    """x[start:stop:step] along one dim; the bounds already clamped as torch clamps them."""

    @staticmethod
    def forward(x: np.ndarray, *, dim: int, start: int, stop: int, step: int) -> np.ndarray:
        return x[_at(dim, slice(start, stop, step))]

    def backward(self, grad: np.ndarray) -> Grads:
        return (SliceBackwardBackward0.forward(grad, shape=self.shapes[0], **self.options),)

    def backward_graph(self, grad: Tensor) -> TensorGrads:
        return (grad._apply(SliceBackwardBackward0, grad, shape=self.shapes[0], **self.options),)


class SplitBackward0(SliceBackward0):
    """One piece of split(x, size) or chunk(x, chunks): torch records one node for all the pieces."""


class SplitWithSizesBackward0(SliceBackward0):
    """One piece of split(x, [sizes])."""


class SliceBackwardBackward0(Node):
    """A slice's gradient as torch records it: ``grad`` put into its slice of zeros."""

    @staticmethod
    def forward(
        grad: np.ndarray, *, shape: tuple[int, ...], dim: int, start: int, stop: int, step: int
    ) -> np.ndarray:
        result = np.zeros(shape, dtype=grad.dtype)
        result[_at(dim, slice(start, stop, step))] = grad
        return result

    def _slice(self) -> dict[str, int]:
        return {key: value for key, value in self.options.items() if key != "shape"}

    def backward(self, grad: np.ndarray) -> Grads:
        return (SliceBackward0.forward(grad, **self._slice()),)

    def backward_graph(self, grad: Tensor) -> TensorGrads:
        return (grad._apply(SliceBackward0, grad, **self._slice()),)


# -- copies ----------------------------------------------------------------------------------------------


class IndexBackward0(Node):
    """x[index] with int64 or bool arrays in ``index``: a copy; repeated positions add their gradients."""

    @staticmethod
    def forward(x: np.ndarray, *, index: tuple[Any, ...]) -> np.ndarray:
        return x[index]

    def backward(self, grad: np.ndarray) -> Grads:
        result = np.zeros(self.shapes[0], dtype=grad.dtype)
        np.add.at(result, self.options["index"], grad)
        return (result,)

    def backward_graph(self, grad: Tensor) -> TensorGrads:
        zeros = type(grad)(np.zeros(self.shapes[0], dtype=grad.dtype))
        return (zeros._apply(IndexPutBackward0, zeros, grad, index=self.options["index"], accumulate=True),)


class IndexPutBackward0(Node):
    """``x[index] = values`` with int64 or bool arrays in ``index`` (``accumulate``: ``+=``, what
    index's own gradient is); values broadcast to the indexed shape."""

    @staticmethod
    def forward(x: np.ndarray, values: np.ndarray, *, index: tuple[Any, ...], accumulate: bool) -> np.ndarray:
        result = np.array(x)
        if accumulate:
            np.add.at(result, index, values)
        else:
            result[index] = values
        return result

    def backward(self, grad: np.ndarray) -> Grads:
        index = self.options["index"]
        to_x = grad
        if not self.options["accumulate"]:
            to_x = np.array(grad)
            to_x[index] = 0
        return to_x, grad[index]

    def backward_graph(self, grad: Tensor) -> TensorGrads:
        index = self.options["index"]
        to_x = grad
        if not self.options["accumulate"]:
            chosen = np.zeros(grad.shape, dtype=bool)
            chosen[index] = True
            to_x = grad._where(type(grad)(chosen), 0.0, grad)
        return to_x, grad._apply(IndexBackward0, grad, index=index)


class CatBackward0(Node):
    @staticmethod
    def forward(*arrays: np.ndarray, dim: int) -> np.ndarray:
        return np.concatenate(arrays, axis=dim)

    def backward(self, grad: np.ndarray) -> Grads:
        dim = self.options["dim"]
        offsets = np.cumsum([shape[dim] for shape in self.shapes])[:-1]
        return tuple(np.split(grad, offsets, axis=dim))

    def backward_graph(self, grad: Tensor) -> TensorGrads:
        dim, start, pieces = self.options["dim"], 0, []
        for index, shape in enumerate(self.shapes):
            stop = start + shape[dim]
            piece = grad._apply(SliceBackward0, grad, dim=dim, start=start, stop=stop, step=1)
            pieces.append(piece if self.needs(index) else None)
            start = stop
        return tuple(pieces)


class StackBackward0(Node):
    @staticmethod
    def forward(*arrays: np.ndarray, dim: int) -> np.ndarray:
        return np.stack(arrays, axis=dim)

    def backward(self, grad: np.ndarray) -> Grads:
        return tuple(np.take(grad, i, axis=self.options["dim"]) for i in range(len(self.shapes)))

    def backward_graph(self, grad: Tensor) -> TensorGrads:
        dim = self.options["dim"]
        return tuple(grad._apply(SelectBackward0, grad, dim=dim, index=i) for i in range(len(self.shapes)))


# -- the tensor's methods ----------------------------------------------------------------------------------


class ShapeMethods(Operations):
    """Views, indexing and joins, as methods of the tensor."""

    def t(self) -> Any:
        if self.ndim > 2:
            raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {self.ndim}D")
        return self._apply(TBackward0, self)

    def transpose(self, dim0: int, dim1: int) -> Any:
        dims = {"dim0": wrap_dim(dim0, self.ndim), "dim1": wrap_dim(dim1, self.ndim)}
        return self._apply(TransposeBackward0, self, **dims)

    @property
    def mT(self) -> Any:
        if self.ndim < 2:
            raise RuntimeError(
                "tensor.mT is only supported on matrices or batches of matrices. Got 1-D tensor."
            )
        return self.transpose(-2, -1)

    def permute(self, *dims: Any) -> Any:
        order = tuple(wrap_dim(d, self.ndim) for d in _shape(dims))
        if sorted(order) != list(range(self.ndim)):
            raise RuntimeError(f"permute: dims {list(order)} are not a permutation of the {self.ndim} dims")
        return self._apply(PermuteBackward0, self, dims=order)

    def view(self, *shape: Any) -> Any:
        resolved = self._resolve(_shape(shape))
        if not self._viewable(resolved):
            raise RuntimeError(
                "view size is not compatible with input tensor's size and stride (at least one dimension "
                "spans across two contiguous subspaces). Use .reshape(...) instead."
            )
        return self._apply(ViewBackward0, self, shape=resolved)

    def reshape(self, *shape: Any) -> Any:
        """A view where the strides allow one, else a copy (UnsafeViewBackward0); torch names the view
        ViewBackward0 of a contiguous tensor and ReshapeAliasBackward0 of another."""
        resolved = self._resolve(_shape(shape))
        if not self._viewable(resolved):
            return self._apply(UnsafeViewBackward0, self, shape=resolved)
        node_type = ViewBackward0 if self.array.flags.c_contiguous else ReshapeAliasBackward0
        return self._apply(node_type, self, shape=resolved)

    def _resolve(self, shape: tuple[int, ...]) -> tuple[int, ...]:
        """``shape`` with its -1 worked out, refused as torch refuses it when the sizes do not match."""
        size = self.array.size
        known = math.prod(side for side in shape if side != -1)
        if shape.count(-1) == 1 and known and size % known == 0:
            shape = tuple(size // known if side == -1 else side for side in shape)
        if math.prod(shape) != size or any(side < 0 for side in shape):
            raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {size}")
        return shape

    def _viewable(self, shape: tuple[int, ...]) -> bool:
        """Whether NumPy reshapes without a copy, which is when torch views: both ask the strides."""
        return self.array.size == 0 or np.may_share_memory(np.reshape(self.array, shape), self.array)

    def flatten(self, start_dim: int = 0, end_dim: int = -1) -> Any:
        if not self.ndim:
            return self.reshape(1)
        start, end = wrap_dim(start_dim, self.ndim), wrap_dim(end_dim, self.ndim)
        if start > end:
            raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
        if start == end:
            return self  # torch returns the tensor itself: no node
        return self.reshape(
            *self.shape[:start], math.prod(self.shape[start : end + 1]), *self.shape[end + 1 :]
        )

    def squeeze(self, dim: Any = None) -> Any:
        """squeeze(x) records SqueezeBackward0, squeeze(x, dim) 1, squeeze(x, dims) 2, as in torch."""
        dims: Iterable[int]
        if dim is None:
            node_type, dims = SqueezeBackward0, range(self.ndim)
        elif isinstance(dim, int):
            node_type, dims = SqueezeBackward1, [wrap_dim(dim, self.ndim)]
        else:
            node_type, dims = SqueezeBackward2, [wrap_dim(d, self.ndim) for d in dim]
        ones = tuple(d for d in dims if self.ndim and self.shape[d] == 1)
        return self._apply(node_type, self, dims=ones)

    def unsqueeze(self, dim: int) -> Any:
        return self._apply(UnsqueezeBackward0, self, dim=wrap_dim(dim, self.ndim + 1))

    def expand(self, *sizes: Any) -> Any:
        sizes = _shape(sizes)
        new = len(sizes) - self.ndim
        if new < 0 or any(side < 0 for side in sizes[:new]):
            raise RuntimeError(f"expand: sizes {list(sizes)} do not fit a tensor of {self.ndim} dims")
        kept = tuple(old if side == -1 else side for old, side in zip(self.shape, sizes[new:], strict=True))
        if any(old not in (1, side) for old, side in zip(self.shape, kept, strict=True)):
            raise RuntimeError(
                f"The expanded size of the tensor must match the existing size {list(self.shape)}"
            )
        return self._apply(ExpandBackward0, self, shape=sizes[:new] + kept)

    def split(self, split_size_or_sections: int | Sequence[int], dim: int = 0) -> tuple[Any, ...]:
        dim = wrap_dim(dim, self.ndim)
        extent = self.shape[dim]
        if isinstance(split_size_or_sections, int):
            size = split_size_or_sections
            starts = range(0, extent, size) if extent else [0]
            return self._pieces(
                self._piece(SplitBackward0, dim, start, min(start + size, extent)) for start in starts
            )
        sections = list(split_size_or_sections)
        if sum(sections) != extent:
            raise RuntimeError(
                f"split_with_sizes expects split_sizes to sum exactly to {extent} (input tensor's size at "
                f"dimension {dim}), but got split_sizes={sections}"
            )
        ends = np.cumsum(sections).tolist()
        pieces = zip(sections, ends, strict=True)
        return self._pieces(self._piece(SplitWithSizesBackward0, dim, end - n, end) for n, end in pieces)

    def chunk(self, chunks: int, dim: int = 0) -> tuple[Any, ...]:
        extent = self.shape[wrap_dim(dim, self.ndim)]
        return self.split(max(1, -(-extent // chunks)), dim)

    def _piece(self, node_type: type[Node], dim: int, start: int, stop: int) -> Any:
        return self._apply(node_type, self, dim=dim, start=start, stop=stop, step=1)

    @staticmethod
    def _pieces(pieces: Iterable[Any]) -> tuple[Any, ...]:
        """The views of one operation that returns several: torch refuses to change them in place."""
        pieces = tuple(pieces)
        for number, piece in enumerate(pieces):
            piece._creation = piece._creation or "multi-output"
            piece._output_number = number
        return pieces

    def __getitem__(self, index: Any) -> Any:
        """Basic indexing as a chain of views, applied item by item as torch applies it (select for an
        int, slice, unsqueeze for None), then one IndexBackward0 for the int64 and bool arrays, if any."""
        if isinstance(index, slice):  # torch records a lone slice even when it takes everything
            if not self.ndim:
                raise IndexError("slice() cannot be applied to a 0-dim tensor.")
            return self._slice(0, index, skip_whole=False)
        if index is Ellipsis:
            return self._apply(AliasBackward0, self)
        result, arrays = self._basic_index(index)
        if arrays is not None:
            return result._apply(IndexBackward0, result, index=arrays)
        return self._apply(AliasBackward0, self) if result is self else result

    def _basic_index(self, index: Any) -> tuple[Any, tuple[Any, ...] | None]:
        """The view the basic items of ``index`` select (the tensor itself when they take all of it),
        and the NumPy index of its int64 and bool arrays (None when there are none)."""
        if isinstance(index, int) and not self.ndim:
            raise IndexError(
                "invalid index of a 0-dim tensor. Use `tensor.item()` in Python or `tensor.item<T>()` in C++ "
                "to convert a 0-dim tensor to a number"
            )
        items = [
            np.asarray(item.array if isinstance(item, Operations) else item)
            if isinstance(item, Operations | list)
            else item
            for item in (index if isinstance(index, tuple) else (index,))
        ]
        specified = sum(
            (item.ndim if item.dtype == bool else 1) if isinstance(item, np.ndarray) else 1
            for item in items
            if item is not None and item is not Ellipsis
        )
        if specified > self.ndim:
            raise IndexError(f"too many indices for tensor of dimension {self.ndim}")
        result, dim, arrays = self, 0, {}
        for item in items:
            if item is None:
                result, dim = result.unsqueeze(dim), dim + 1
            elif item is Ellipsis:
                dim += self.ndim - specified
            elif isinstance(item, slice):
                result, dim = result._slice(dim, item, skip_whole=True), dim + 1
            elif isinstance(item, np.ndarray):
                arrays[dim] = item
                dim += item.ndim if item.dtype == bool else 1
            else:
                result = result._select(dim, operator.index(item))
        if not arrays:
            return result, None
        key: list[Any] = []
        while len(key) <= max(arrays):
            key.append(arrays.get(len(key), slice(None)))
        return result, tuple(key)

    def _select(self, dim: int, index: int) -> Any:
        extent = self.shape[dim]
        if not -extent <= index < extent:
            raise IndexError(f"index {index} is out of bounds for dimension {dim} with size {extent}")
        return self._apply(SelectBackward0, self, dim=dim, index=index % extent)

    def _slice(self, dim: int, index: slice, *, skip_whole: bool) -> Any:
        step = 1 if index.step is None else index.step
        if step <= 0:
            raise ValueError("step must be greater than zero")
        extent = self.shape[dim]
        whole = step == 1 and (index.start or 0) == 0 and (index.stop is None or index.stop >= extent)
        if skip_whole and whole:
            return self  # torch skips a slice that takes a whole dim, unless it is the whole index
        start, stop, step = slice(index.start, index.stop, step).indices(extent)
        return self._apply(SliceBackward0, self, dim=dim, start=start, stop=max(start, stop), step=step)

    @staticmethod
    def _cat(tensors: Sequence[Operations], dim: int = 0) -> Any:
        """torch.cat(tensors, dim)."""
        return tensors[0]._apply(CatBackward0, *tensors, dim=wrap_dim(dim, tensors[0].ndim))

    @staticmethod
    def _stack(tensors: Sequence[Operations], dim: int = 0) -> Any:
        """torch.stack(tensors, dim)."""
        if len({t.shape for t in tensors}) != 1:
            raise RuntimeError("stack expects each tensor to be equal size")
        return tensors[0]._apply(StackBackward0, *tensors, dim=wrap_dim(dim, tensors[0].ndim + 1))
