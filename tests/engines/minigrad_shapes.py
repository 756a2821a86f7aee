"""minigrad's operations that move elements: views, indexing, joins.

Views (transpose, permute, view, expand, squeeze, unsqueeze, basic indexing, split) return NumPy views
of their input, so the result shares its storage; the tensor shares its version counter too, as torch's
views do. Indexing with integer or bool arrays, cat and stack copy. Nodes are as in
``tests/engines/minigrad_ops.py``: named as torch names them, options already normalised.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from tests.engines.minigrad_ops import Grads, Node, Operations, sum_to, wrap_dim


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

    def backward(self, grad: np.ndarray) -> Grads:
        return (grad,)


class TBackward0(ViewNode):
    forward = staticmethod(np.transpose)

    def backward(self, grad: np.ndarray) -> Grads:
        return (grad.T,)


class TransposeBackward0(ViewNode):
    @staticmethod
    def forward(x: np.ndarray, *, dim0: int, dim1: int) -> np.ndarray:
        return np.swapaxes(x, dim0, dim1)

    def backward(self, grad: np.ndarray) -> Grads:
        return (np.swapaxes(grad, self.options["dim0"], self.options["dim1"]),)


class PermuteBackward0(ViewNode):
    @staticmethod
    def forward(x: np.ndarray, *, dims: tuple[int, ...]) -> np.ndarray:
        return np.transpose(x, dims)

    def backward(self, grad: np.ndarray) -> Grads:
        return (np.transpose(grad, np.argsort(self.options["dims"])),)


class ViewBackward0(ViewNode):
    """view(shape), and reshape(shape) where torch can view rather than copy."""

    @staticmethod
    def forward(x: np.ndarray, *, shape: tuple[int, ...]) -> np.ndarray:
        return np.reshape(x, shape)  # a view: the tensor method asked first whether one is possible

    def backward(self, grad: np.ndarray) -> Grads:
        return (grad.reshape(self.shapes[0]),)


class ReshapeAliasBackward0(ViewBackward0):
    """reshape(shape) of a tensor that is not contiguous but whose strides still allow a view."""


class UnsafeViewBackward0(Node):
    """reshape(shape) of a tensor that cannot be viewed so: a copy."""

    @staticmethod
    def forward(x: np.ndarray, *, shape: tuple[int, ...]) -> np.ndarray:
        return np.reshape(x, shape).copy()

    def backward(self, grad: np.ndarray) -> Grads:
        return (grad.reshape(self.shapes[0]),)


class ExpandBackward0(ViewNode):
    @staticmethod
    def forward(x: np.ndarray, *, shape: tuple[int, ...]) -> np.ndarray:
        return np.broadcast_to(x, shape)

    def backward(self, grad: np.ndarray) -> Grads:
        return (sum_to(grad, self.shapes[0]),)


class SqueezeBackward0(ViewNode):
    """squeeze(x); SqueezeBackward1 is squeeze(x, dim), SqueezeBackward2 squeeze(x, dims)."""

    @staticmethod
    def forward(x: np.ndarray, *, dims: tuple[int, ...]) -> np.ndarray:
        return np.squeeze(x, axis=dims)

    def backward(self, grad: np.ndarray) -> Grads:
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


def _at(dim: int, index: Any) -> tuple[Any, ...]:
    """The NumPy index that applies ``index`` to dim ``dim`` and keeps every other dim."""
    return (slice(None),) * dim + (index, Ellipsis)


class SelectBackward0(ViewNode):
    """x[i] along one dim (``dim``, ``index`` non-negative)."""

    @staticmethod
    def forward(x: np.ndarray, *, dim: int, index: int) -> np.ndarray:
        return x[_at(dim, index)]

    def backward(self, grad: np.ndarray) -> Grads:
        result = np.zeros(self.shapes[0], dtype=grad.dtype)
        result[_at(self.options["dim"], self.options["index"])] = grad
        return (result,)


class SliceBackward0(ViewNode):
    """x[start:stop:step] along one dim; the bounds already clamped as torch clamps them."""

    @staticmethod
    def forward(x: np.ndarray, *, dim: int, start: int, stop: int, step: int) -> np.ndarray:
        return x[_at(dim, slice(start, stop, step))]

    def backward(self, grad: np.ndarray) -> Grads:
        options = self.options
        result = np.zeros(self.shapes[0], dtype=grad.dtype)
        result[_at(options["dim"], slice(options["start"], options["stop"], options["step"]))] = grad
        return (result,)


class SplitBackward0(SliceBackward0):
    """One piece of split(x, size) or chunk(x, chunks): torch records one node for all the pieces."""


class SplitWithSizesBackward0(SliceBackward0):
    """One piece of split(x, [sizes])."""


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


class CatBackward0(Node):
    @staticmethod
    def forward(*arrays: np.ndarray, dim: int) -> np.ndarray:
        return np.concatenate(arrays, axis=dim)

    def backward(self, grad: np.ndarray) -> Grads:
        dim = self.options["dim"]
        offsets = np.cumsum([shape[dim] for shape in self.shapes])[:-1]
        return tuple(np.split(grad, offsets, axis=dim))


class StackBackward0(Node):
    @staticmethod
    def forward(*arrays: np.ndarray, dim: int) -> np.ndarray:
        return np.stack(arrays, axis=dim)

    def backward(self, grad: np.ndarray) -> Grads:
        return tuple(np.take(grad, i, axis=self.options["dim"]) for i in range(len(self.shapes)))


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
        node_type = ViewBackward0 if self.data.flags.c_contiguous else ReshapeAliasBackward0
        return self._apply(node_type, self, shape=resolved)

    def _resolve(self, shape: tuple[int, ...]) -> tuple[int, ...]:
        """``shape`` with its -1 worked out, refused as torch refuses it when the sizes do not match."""
        size = self.data.size
        known = math.prod(side for side in shape if side != -1)
        if shape.count(-1) == 1 and known and size % known == 0:
            shape = tuple(size // known if side == -1 else side for side in shape)
        if math.prod(shape) != size or any(side < 0 for side in shape):
            raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {size}")
        return shape

    def _viewable(self, shape: tuple[int, ...]) -> bool:
        """Whether NumPy reshapes without a copy, which is when torch views: both ask the strides."""
        return self.data.size == 0 or np.may_share_memory(np.reshape(self.data, shape), self.data)

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
            return tuple(
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
        return tuple(self._piece(SplitWithSizesBackward0, dim, end - n, end) for n, end in pieces)

    def chunk(self, chunks: int, dim: int = 0) -> tuple[Any, ...]:
        extent = self.shape[wrap_dim(dim, self.ndim)]
        return self.split(max(1, -(-extent // chunks)), dim)

    def _piece(self, node_type: type[Node], dim: int, start: int, stop: int) -> Any:
        return self._apply(node_type, self, dim=dim, start=start, stop=stop, step=1)

    def __getitem__(self, index: Any) -> Any:
        """Basic indexing as a chain of views, applied item by item as torch applies it (select for an
        int, slice, unsqueeze for None), then one IndexBackward0 for the int64 and bool arrays, if any."""
        if isinstance(index, slice):  # torch records a lone slice even when it takes everything
            return self._slice(0, index, skip_whole=False)
        if index is Ellipsis:
            return self._apply(AliasBackward0, self)
        items = [
            np.asarray(item.data if isinstance(item, Operations) else item)
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
        if arrays:
            key: list[Any] = []
            while len(key) <= max(arrays):
                key.append(arrays.get(len(key), slice(None)))
            return result._apply(IndexBackward0, result, index=tuple(key))
        return self._apply(AliasBackward0, self) if result is self else result

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
