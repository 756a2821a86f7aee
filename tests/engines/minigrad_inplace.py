"""minigrad's in-place operations (``mul_``, ``add_``, ``x[i] = v``, ...) and what they do to views.

As in torch, an in-place operation on a tensor that is tracked (or on one that becomes tracked by it)
records the operation's own node, named as torch names it (``y.mul_(3)`` is MulBackward0, ``y.zero_()``
ZeroBackward0), and makes it the tensor's ``grad_fn``; the node's first input stands for the value before
the change, copied when the node needs it. On a view, the change is one of its base: the base's
``grad_fn`` becomes a :class:`CopySlices` that runs the operation's node on the view's part of the
base's gradient. Every view remembers how it was made from its base (``_view_chain``); once the storage
has changed in place since, its ``grad_fn`` is made anew from the base's, an :class:`AsStridedBackward0`,
when it is next read, as torch does.

Both nodes work on the view's ``positions``: the flat index, in the base, of each element of the view.

The checks are torch's, in torch's order: views of a function that returns several (split) and views
made under no_grad may not change in place while tracking, nor may a leaf that requires grad or a view of
one; an inference tensor changes only inside inference mode; an expanded tensor never.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from tests.engines.minigrad_node import (
    FREED,
    Grads,
    Node,
    Operations,
    Tensor,
    TensorGrads,
    short_name,
    sum_to,
    sum_to_graph,
    torch_type,
)
from tests.engines.minigrad_ops import AddBackward0, DivBackward0, MulBackward0, SubBackward0
from tests.engines.minigrad_shapes import IndexBackward0, IndexPutBackward0

LEAF = "a leaf Variable that requires grad is being used in an in-place operation."
VIEW_OF_LEAF = "a view of a leaf Variable that requires grad is being used in an in-place operation."
INFERENCE = (
    "Inplace update to inference tensor outside InferenceMode is not allowed.You can make a clone to get a "
    "normal tensor before doing inplace update.See https://github.com/pytorch/rfcs/pull/17 for more details."
)
OVERLAP = (
    "unsupported operation: more than one element of the written-to tensor refers to a single memory "
    "location. Please clone() the tensor before performing the operation."
)
_WHY_REFUSED = {
    "multi-output": " This view is the output of a function that returns multiple views. Such functions do "
    "not allow the output views to be modified inplace. You should replace the inplace operation by an "
    "out-of-place one.",
    "no_grad": " Given that this use case is ambiguous and error-prone, it is forbidden. You can clarify your "
    "code by moving both the view and the inplace either both inside the no_grad block (if you don't want "
    "the inplace to be tracked) or both outside (if you want the inplace to be tracked).",
}


def _expanded(source: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """``source`` broadcast to ``shape``, refused as torch's expand refuses it."""
    if source.ndim > len(shape):
        raise RuntimeError(
            f"expand({torch_type(source.dtype)}{{{list(source.shape)}}}, size={list(shape)}): the number of "
            f"sizes provided ({len(shape)}) must be greater or equal to the number of dimensions in the "
            f"tensor ({source.ndim})"
        )
    for offset in range(1, source.ndim + 1):
        if source.shape[-offset] not in (1, shape[-offset]):
            raise RuntimeError(
                f"The expanded size of the tensor ({shape[-offset]}) must match the existing size "
                f"({source.shape[-offset]}) at non-singleton dimension {len(shape) - offset}.  Target sizes: "
                f"{list(shape)}.  Tensor sizes: {list(source.shape)}"
            )
    return np.broadcast_to(source, shape)


# -- the nodes of in-place operations that have no out-of-place twin -------------------------------------


class _Overwrite(Node):
    """An operation that overwrites the tensor: the old value gets a gradient of zeros."""

    def backward(self, grad: np.ndarray) -> Grads:
        return (np.zeros_like(grad), *(grad for _ in self.shapes[1:]))

    def backward_graph(self, grad: Tensor) -> TensorGrads:
        return (type(grad)(np.zeros_like(grad.array)), *(grad for _ in self.shapes[1:]))


class ZeroBackward0(_Overwrite):
    forward = staticmethod(np.zeros_like)


class FillBackward2(_Overwrite):
    """fill_(number)."""

    @staticmethod
    def forward(x: np.ndarray, *, value: Any) -> np.ndarray:
        return np.full_like(x, value)


class FillBackward3(_Overwrite):
    """fill_(0-d tensor), and ``x[...] = value`` of a number or a 0-d tensor: the value gets the sum."""

    @staticmethod
    def forward(x: np.ndarray, value: np.ndarray) -> np.ndarray:
        return np.broadcast_to(value, x.shape).astype(x.dtype)


class CopyBackwards(_Overwrite):
    """copy_(source), and ``x[...] = tensor``: the source broadcast to the tensor's shape."""

    @staticmethod
    def forward(x: np.ndarray, source: np.ndarray) -> np.ndarray:
        return _expanded(source, x.shape).astype(x.dtype)


class CopySlices(Node):
    """The base's node after an in-place operation ``fn`` on one of its views: the base's gradient, with
    the view's part replaced by what ``fn`` makes of it; ``fn``'s other inputs get the rest of its
    gradients. Options: ``fn``, ``positions`` (the view's elements' flat indices in the base)."""

    def backward(self, grad: np.ndarray) -> Grads:
        fn, positions = self._fn(), self.options["positions"]
        result = np.array(grad)
        flat = result.reshape(-1)
        grads = [
            None if g is None else sum_to(g, shape)
            for g, shape in zip(fn.backward(flat[positions]), fn.shapes, strict=True)
        ]
        flat[positions] = 0 if grads[0] is None else grads[0]
        return (result, *grads[1:])

    def backward_graph(self, grad: Tensor) -> TensorGrads:
        fn, positions = self._fn(), self.options["positions"]
        flat = grad.reshape(-1)
        part = flat._apply(IndexBackward0, flat, index=(positions,))
        grads = [
            None if g is None else sum_to_graph(g, shape)
            for g, shape in zip(fn.backward_graph(part), fn.shapes, strict=True)
        ]
        replaced = type(grad)(np.zeros(positions.shape, dtype=grad.dtype)) if grads[0] is None else grads[0]
        result = flat._apply(IndexPutBackward0, flat, replaced, index=(positions,), accumulate=False)
        return (result.reshape(self.shapes[0]), *grads[1:])

    def _fn(self) -> Node:
        if self.options["fn"] is None:  # as torch's CopySlices: it lets fn go after a pass, saved or not
            raise RuntimeError(FREED)
        return self.options["fn"]

    def release(self) -> None:
        if self.options["fn"] is not None:
            self.options["fn"].release()
            self.options["fn"] = None


class AsStridedBackward0(Node):
    """A view's node made anew from its base's after an in-place change of their storage: the view's
    gradient added into zeros of the base's shape at the view's ``positions`` (an expanded view's
    repeated positions add up)."""

    @staticmethod
    def forward(base: np.ndarray, *, positions: np.ndarray) -> np.ndarray:
        return base.reshape(-1)[positions]

    def backward(self, grad: np.ndarray) -> Grads:
        result = np.zeros(math.prod(self.shapes[0]), dtype=grad.dtype)
        np.add.at(result, self.options["positions"].reshape(-1), np.reshape(grad, -1))
        return (result.reshape(self.shapes[0]),)

    def backward_graph(self, grad: Tensor) -> TensorGrads:
        zeros = type(grad)(np.zeros(math.prod(self.shapes[0]), dtype=grad.dtype))
        index = (self.options["positions"].reshape(-1),)
        result = zeros._apply(IndexPutBackward0, zeros, grad.reshape(-1), index=index, accumulate=True)
        return (result.reshape(self.shapes[0]),)


# -- the tensor's methods ----------------------------------------------------------------------------------


class InplaceMethods(Operations):
    """In-place operations, and the views' side of them, as methods of the tensor."""

    _base: Any = None  # the tensor whose storage a view views (never itself a view), as torch's ._base
    _view_chain: tuple[tuple[type[Node], dict[str, Any]], ...] = ()  # how the view was made from it
    _view_version: int = 0  # the storage's version when the view's grad_fn was made
    _creation: str | None = None  # "no_grad", "multi-output": views torch won't change in place
    _output_number: int = 0  # which output of its operation a view is (a piece of split)
    # and, from the engine's Tensor (tests/engines/minigrad.py) and ShapeMethods: grad_fn, requires_grad,
    # is_leaf, grad_mode, _version, _lift, _records, _modified, _basic_index
    _grad_fn: Node | None
    _requires_grad: bool
    grad_mode: Any
    _version: Any

    # -- the operations -------------------------------------------------------------------------------

    def add_(self, other: Any) -> Any:
        return self._inplace(AddBackward0, other)

    def sub_(self, other: Any) -> Any:
        return self._inplace(SubBackward0, other)

    def mul_(self, other: Any) -> Any:
        return self._inplace(MulBackward0, other)

    def div_(self, other: Any) -> Any:
        return self._inplace(DivBackward0, other)

    __iadd__ = add_
    __isub__ = sub_
    __imul__ = mul_
    __itruediv__ = div_

    def zero_(self) -> Any:
        return self._inplace(ZeroBackward0)

    def fill_(self, value: Any) -> Any:
        if not isinstance(value, Operations):
            return self._inplace(FillBackward2, value=value)
        if value.ndim:
            raise RuntimeError(
                f"fill_ only supports 0-dimension value tensor but got tensor with {value.ndim} dimensions."
            )
        return self._inplace(FillBackward3, value)

    def copy_(self, source: Any) -> Any:
        return self._inplace(CopyBackwards, source)

    def __setitem__(self, index: Any, value: Any) -> None:
        """``x[index] = value`` as torch does it: the basic items make a view (none when they take the
        whole tensor), which a number or a 0-d tensor fills and a tensor is copied into; int64 and bool
        arrays then put the value at their elements (IndexPutBackward0)."""
        if not isinstance(value, Operations | int | float | bool | np.number):
            raise TypeError(f"can't assign a {type(value).__name__} to a {torch_type(self.dtype)}")
        target, arrays = self._basic_index(index)
        value = self._lift(value)
        if arrays is not None:
            target._inplace(IndexPutBackward0, value, index=arrays, accumulate=False)
        else:
            target._inplace(FillBackward3 if value.ndim == 0 else CopyBackwards, value)

    # -- how one is recorded ----------------------------------------------------------------------------

    def _inplace(self, node_type: type[Node], *operands: Any, **options: Any) -> Any:
        """Run ``node_type`` and write its result into this tensor's storage, after torch's checks; record
        it when tracking and an input requires grad."""
        inputs = (self, *(self._lift(operand) for operand in operands))
        mode = self.grad_mode
        base = () if self._base is None else (self._base,)
        if mode.enabled and any(t.requires_grad for t in inputs + base):
            self._check_view_inplace()
            self._check_inplace()
        if self._inference and not mode.inference:
            raise RuntimeError(INFERENCE)
        if not self.array.flags.writeable:
            raise RuntimeError(OVERLAP)
        recording = self._records(inputs)
        if recording:
            inputs = (self._before(copy=0 in node_type.saves), *inputs[1:])
        with np.errstate(all="ignore"):  # torch gives inf and nan without a warning
            result = np.asarray(node_type.forward(*(t.array for t in inputs), **options))
        if result.shape != self.shape:
            raise RuntimeError(
                f"output with shape {list(self.shape)} doesn't match the broadcast shape {list(result.shape)}"
            )
        if not np.can_cast(result.dtype, self.dtype, "same_kind"):
            # a Python float makes torch's default dtype, float32, whatever NumPy promoted it to
            floats = any(isinstance(operand, float) for operand in operands)
            result_type = np.dtype(np.float32) if floats and result.dtype.kind == "f" else result.dtype
            raise RuntimeError(
                f"result type {torch_type(result_type)[6:-6]} can't be cast to the desired output type "
                f"{torch_type(self.dtype)[6:-6]}"
            )
        self.array[...] = result
        self._modified()
        if recording:
            self._record_inplace(node_type, inputs, options)
        return self

    def _before(self, *, copy: bool) -> Any:
        """The input that stands for this tensor's value before the change: in the graph where the tensor
        was, and a copy of its array when the node saves it."""
        before = type(self)(self.array.copy() if copy else self.array)  # type: ignore[call-arg]
        before._grad_fn, before._requires_grad = self.grad_fn, self.requires_grad
        return before

    def _record_inplace(
        self, node_type: type[Node], inputs: tuple[Any, ...], options: dict[str, Any]
    ) -> None:
        node = node_type(inputs, self, options)
        if self._base is None:
            self._grad_fn, self._requires_grad = node, True
            return
        base = self._base  # the change is the base's: its gradient runs the node on the view's part
        base._grad_fn = CopySlices((base, *inputs[1:]), base, {"fn": node, "positions": self._positions()})
        base._requires_grad = True

    def _check_inplace(self) -> None:
        """A leaf that requires grad, or a view of one, may change in place only under no_grad."""
        if not (self.grad_mode.enabled and self.requires_grad):
            return
        if self._base is not None and self._base.is_leaf and self._base.requires_grad:
            raise RuntimeError(VIEW_OF_LEAF)
        if self.is_leaf:
            raise RuntimeError(LEAF)

    def _check_view_inplace(self) -> None:
        if self._base is not None and self._creation is not None:
            raise RuntimeError(self._view_refusal(directly=True))

    def _view_refusal(self, *, directly: bool) -> str:
        changed = "is being" if directly else "its base or another view of its base has been"
        if self._grad_fn is not None:
            head = f"Output {self._output_number} of {short_name(self._grad_fn)} is a view and {changed} modified inplace."
        else:
            head = (
                f"A view was created in no_grad mode and {changed} modified inplace with grad mode enabled."
            )
        return head + _WHY_REFUSED[self._creation or "no_grad"]

    # -- views --------------------------------------------------------------------------------------------

    def _positions(self) -> np.ndarray:
        """The flat index in the base of each element of this view: the view's chain replayed on them."""
        base = self._base
        positions = np.arange(base.array.size).reshape(base.shape)
        for node_type, options in self._view_chain:
            positions = node_type.forward(positions, **options)
        return np.asarray(positions)

    def _refresh_view(self) -> None:
        """Make this view's grad_fn anew from its base's, the storage having changed in place since it was
        made (torch's AsStridedBackward0); refused for the views torch refuses to change in place."""
        base = self._base
        if self._grad_fn is None and not base.requires_grad:
            return
        if self._creation is not None:
            raise RuntimeError(self._view_refusal(directly=False))
        self._grad_fn = AsStridedBackward0((base,), self, {"positions": self._positions()})
        self._requires_grad = True
        self._view_version = self._version.value
