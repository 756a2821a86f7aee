"""minigrad's node base class, and the helpers every family of nodes shares.

A :class:`Node` is one recorded operation, named as torch names its graph node (``ExpBackward0``). It
has two backward formulas, both torch's (``derivatives.yaml``):

* ``backward`` maps the output's gradient to each input's on NumPy arrays: the fast path of an ordinary
  ``backward()``;
* ``backward_graph`` computes the same with minigrad tensor operations, so the gradient is itself
  recorded and can be differentiated again (``create_graph=True``).

A node whose formula reads the same on arrays and tensors (``grad * result``) writes it once, as
``formula``, and gets both. A node with neither ``formula`` nor ``backward_graph`` gives, under
``create_graph=True``, gradients whose node raises torch's "derivative for ... is not implemented" when
differentiated, as torch's NotImplemented node does.
"""

from __future__ import annotations

import itertools
import re
import weakref
from collections.abc import Callable, Sequence
from typing import Any, ClassVar

import numpy as np

Tensor = Any  # a minigrad Tensor: the node modules sit below the engine and never import it
Grads = tuple[np.ndarray | None, ...]
TensorGrads = tuple[Tensor | None, ...]

_TYPE_NAMES = {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long", "int32": "Int"}
_TYPE_NAMES |= {"int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool"}
_created = itertools.count()  # torch's sequence_nr: backward runs later nodes first among the ready ones

INFERENCE_SAVED = (
    "Inference tensors cannot be saved for backward. Please do not use Tensors created in inference mode "
    "in computation tracked by autograd. To work around this, you can make a clone to get a normal tensor "
    "and use it in autograd, or use `torch.no_grad()` instead of `torch.inference_mode()`."
)
FREED = (
    "Trying to backward through the graph a second time (or directly access saved tensors after they have "
    "already been freed). Saved intermediate values of the graph are freed when you call .backward() or "
    "autograd.grad(). Specify retain_graph=True if you need to backward through the graph a second time or "
    "if you need to access saved tensors after calling backward."
)


def torch_type(dtype: np.dtype) -> str:
    """torch's legacy name of a tensor type, as its messages print it: ``torch.FloatTensor``."""
    return f"torch.{_TYPE_NAMES.get(np.dtype(dtype).name, np.dtype(dtype).name)}Tensor"


def short_name(node: object) -> str:
    """A node's name as torch's messages print it: ``Mul`` for MulBackward0."""
    name = type(node).__name__
    return "torch::autograd::CopySlices" if name == "CopySlices" else re.sub(r"Backward\d*$", "", name)


def sum_to(grad: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Sum a gradient over the dimensions that broadcasting added or stretched to reach ``shape``."""
    grad = grad.sum(axis=tuple(range(grad.ndim - len(shape)))) if grad.ndim > len(shape) else grad
    stretched = tuple(i for i, side in enumerate(shape) if side == 1 and grad.shape[i] != 1)
    return grad.sum(axis=stretched, keepdims=True) if stretched else grad


def sum_to_graph(grad: Tensor, shape: tuple[int, ...]) -> Tensor:
    """:func:`sum_to` with recorded tensor operations, as torch's ``at::sum_to`` records them: one sum that
    keeps the dims, then a view without the leading ones."""
    if not shape:
        return grad.sum()
    leading = grad.ndim - len(shape)
    stretched = [i for i, side in enumerate(shape, start=leading) if side == 1 and grad.shape[i] != 1]
    dims = (*range(leading), *stretched)
    grad = grad.sum(dims, keepdim=True) if dims else grad
    return grad.view(shape) if leading > 0 else grad


def where_else_zero(mask: np.ndarray, grad: np.ndarray) -> np.ndarray:
    """``grad`` where ``mask`` holds, else 0 (not ``grad * mask``, which turns an infinite grad into nan)."""
    return np.where(mask, grad, grad.dtype.type(0))


def masked(mask: np.ndarray, grad: Tensor) -> Tensor:
    """:func:`where_else_zero` recorded: the mask is a constant, as torch's comparisons are."""
    return grad._where(type(grad)(np.asarray(mask)), grad, 0.0)


def wrap_dim(dim: int, ndim: int) -> int:
    """``dim`` made non-negative, refused out of range as torch refuses it (a 0-d tensor takes 0 and -1)."""
    bound = max(ndim, 1)
    if not -bound <= dim < bound:
        raise IndexError(
            f"Dimension out of range (expected to be in range of [{-bound}, {bound - 1}], but got {dim})"
        )
    return int(dim % bound)


def wrap_dims(dim: int | Sequence[int] | None, ndim: int) -> tuple[int, ...]:
    """The dims a reduction reduces, non-negative: None or () is every dim, as in torch."""
    given = range(ndim) if dim is None else (dim,) if isinstance(dim, int | np.integer) else tuple(dim)
    dims = tuple(wrap_dim(d, ndim) for d in given) or tuple(range(ndim))
    if len(set(dims)) != len(dims):
        raise RuntimeError(f"dim {dims} appears multiple times in the list of dims")
    return dims if ndim else ()


class Node:
    """One recorded operation. Subclasses give ``forward`` (on arrays) and the backward formulas.

    ``next`` holds, per input, where its gradient goes: the input's own node, the input itself when it
    is a leaf that requires grad (torch's AccumulateGrad), or None when no gradient is wanted.
    """

    saves: ClassVar[tuple[int, ...]] = ()  # which inputs backward needs
    saves_for: ClassVar[dict[int, int]] = {}  # a saved input -> the one input whose gradient alone needs
    # it (a factor of mul, for the other's): torch saves (and checks) only what a wanted gradient needs
    saves_output: ClassVar[bool] = False  # whether backward needs the result (exp, tanh, sqrt, ...)
    view: ClassVar[bool] = False  # whether the result views its first input's storage, as torch's does
    torch_name: ClassVar[str] = ""  # torch's name for the node, where it differs from the class's
    formula: ClassVar[Callable[..., Any] | None] = None  # (grad, *saved) -> grads, on arrays or tensors
    tensor_hooks: dict[int, Callable[..., Any]] | None = None  # register_hook on the tensor it made

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
        self.sequence_nr = next(_created)
        saved = []
        for index in self.saves:
            tensor, needed_by = inputs[index], self.saves_for.get(index)
            if needed_by is not None and self.next[needed_by] is None:
                saved.append((tensor, None, False))  # kept, unused and unchecked
                continue
            if tensor._inference:
                raise RuntimeError(INFERENCE_SAVED)
            saved.append((tensor, tensor._version.value, False))
        if self.saves_output:  # an alias out of the graph: the node must not keep its own result alive
            alias = type(output)(output.array, version=output._version)
            saved.append((alias, output._version.value, True))
        self._saved: tuple[tuple[Tensor, int | None, bool], ...] | None = tuple(saved)

    forward: ClassVar[Callable[..., Any]]  # a static method: (*arrays, **options) -> array

    def backward(self, grad: np.ndarray) -> Grads:
        if self._saved == ():  # nothing saved, nothing to check
            return self.formula(grad)  # type: ignore[misc, no-any-return]
        return self.formula(grad, *self.saved)  # type: ignore[misc, no-any-return]

    def backward_graph(self, grad: Tensor) -> TensorGrads:
        """The gradients as recorded tensors, for ``create_graph=True``."""
        if self.formula is not None:
            return self.formula(grad, *self.saved_tensors)  # type: ignore[no-any-return]
        grads = self.backward(grad.array)
        sources = [t for t in (grad, *self.saved_tensors) if t.requires_grad]
        results = []
        for array in grads:
            result = None if array is None else type(grad)(np.array(array))
            if result is not None and sources:
                result.requires_grad = True
                result.grad_fn = NotImplementedBackward(tuple(sources), result, {"of": type(self).__name__})
            results.append(result)
        return tuple(results)

    def _checked(self) -> tuple[tuple[Tensor, int | None, bool], ...]:
        if self._saved is None:
            raise RuntimeError(FREED)
        for tensor, version, is_output in self._saved:
            if version is not None and tensor._version.value != version:
                raise RuntimeError(self._modified_message(tensor, version, is_output))
        return self._saved

    @property
    def saved(self) -> tuple[np.ndarray, ...]:
        """The saved inputs' arrays (then the result's), refused once freed or changed in place since."""
        return tuple([tensor.array for tensor, _, _ in self._checked()])

    @property
    def saved_tensors(self) -> tuple[Tensor, ...]:
        """The saved tensors, in the graph: an input as it was given, the result as this node's output."""
        tensors = []
        for tensor, _, is_output in self._checked():
            if is_output:  # a fresh alias each time: the result's node is this node, held only here
                tensor = type(tensor)(tensor.array, version=tensor._version)
                tensor.requires_grad, tensor.grad_fn = True, self
            tensors.append(tensor)
        return tuple(tensors)

    def _modified_message(self, tensor: Tensor, version: int, is_output: bool) -> str:
        made_by = self if is_output else tensor.grad_fn
        which = "" if made_by is None else f", which is output 0 of {short_name(made_by)},"
        return (
            "one of the variables needed for gradient computation has been modified by an inplace "
            f"operation: [{torch_type(tensor.dtype)} {list(tensor.shape)}]{which} is at version "
            f"{tensor._version.value}; expected version {version} instead. Hint: enable anomaly detection "
            "to find the operation that failed to compute its gradient, with "
            "torch.autograd.set_detect_anomaly(True, check_nan=False)."
        )

    def release(self) -> None:
        """Free the saved tensors; a node that saved nothing can be run again, as in torch."""
        if self._saved:
            self._saved = None

    def needs(self, index: int) -> bool:
        return self.next[index] is not None


class NotImplementedBackward(Node):
    """The node of a gradient computed by a node that has no graph formula: differentiating it fails."""

    torch_name = "NotImplemented"

    def backward(self, grad: np.ndarray) -> Grads:
        raise RuntimeError(f"derivative for {self.options['of']} is not implemented")

    def backward_graph(self, grad: Tensor) -> TensorGrads:
        raise RuntimeError(f"derivative for {self.options['of']} is not implemented")


class Operations:
    """What a tensor's operation methods ask of the tensor: its array and ``_apply``, which runs a node
    and records it. minigrad's Tensor is one; each family's methods are a subclass of it, a mixin."""

    array: np.ndarray
    requires_grad: bool
    _inference: bool = False

    shape = property(lambda self: self.array.shape)
    dtype = property(lambda self: self.array.dtype)
    ndim = property(lambda self: self.array.ndim)

    def _apply(self, node_type: type[Node], *operands: Any, **options: Any) -> Any:
        raise NotImplementedError

    @staticmethod
    def _where(condition: Any, x: Any, y: Any) -> Any:
        raise NotImplementedError
