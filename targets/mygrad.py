"""mygrad as a target: NumPy-backed tensors whose tracking flag is spelled ``constant`` (inverted).

Spellings mapped here: ``requires_grad`` is ``not constant``; the graph node is ``creator``; no_grad is
``mygrad.no_autodiff``; detach is ``mygrad.astensor(t, constant=True)``, which its docstring promises
makes no copy; ``.grad`` is a plain NumPy array, reset with ``Tensor.null_grad()``. A tensor made
without requires_grad is made with mygrad's default, under which a float tensor is tracked
(``constant=False``) and an integer one is not. In-place operations are mygrad's own augmented
assignment (``t *= 3``) and index assignment (``t[i] = v``), which mygrad 2 tracks, through views of
a tensor too; ``.data`` is the NumPy array. mygrad has no retain_graph, no detach_, no requires_grad_
(``constant`` has no setter), no optimizer, no autograd.grad (gradients land in ``.grad`` only), no
hooks, no grad modes beyond ``no_autodiff`` and no inference_mode.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from importlib.metadata import version
from pathlib import Path
from typing import Any, ClassVar

import mygrad as mg
import numpy as np
from mygrad.nnet import logsoftmax, relu, sigmoid, softmax

from conformance.adapter import BaseAdapter, Capability, Tensor, Unsupported


def _every_dim(dim: Any) -> Any:
    return None if dim == () else dim  # torch's amax(x, dim=()) reduces every dim; NumPy's axis=() none


def _flatten(x: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    if x.ndim > 1 and (start_dim % x.ndim, end_dim % x.ndim) != (0, x.ndim - 1):
        raise Unsupported("flatten of some dims only (mygrad's Tensor.flatten() flattens them all)")
    return x.flatten()


def _expand(x: Tensor, sizes: tuple[int, ...]) -> Tensor:
    new = len(sizes) - x.ndim  # torch's -1 keeps an existing dim's size; broadcast_to needs the size
    return mg.broadcast_to(x, tuple(x.shape[i - new] if size == -1 else size for i, size in enumerate(sizes)))


# The catalogue's operators (conformance.catalogue), in its order, with mygrad's own functions.
_OPERATORS: dict[str, Any] = {
    "neg": mg.negative,
    "abs": mg.abs,
    "exp": mg.exp,
    "log": mg.log,
    "sqrt": mg.sqrt,
    "sin": mg.sin,
    "cos": mg.cos,
    "tanh": mg.tanh,
    "sigmoid": sigmoid,
    "relu": relu,
    "reciprocal": mg.reciprocal,
    "pow": lambda x, exponent: mg.power(x, exponent),
    "clamp": lambda x, min=None, max=None: mg.clip(x, min, max),
    "add": mg.add,
    "sub": mg.subtract,
    "mul": mg.multiply,
    "div": mg.divide,
    "maximum": mg.maximum,
    "minimum": mg.minimum,
    "where": lambda condition, x, y: mg.where(condition, x, y),
    "sum": lambda x, dim=None, keepdim=False: mg.sum(x, axis=dim, keepdims=keepdim),
    "mean": lambda x, dim=None, keepdim=False: mg.mean(x, axis=dim, keepdims=keepdim),
    "amax": lambda x, dim=(), keepdim=False: mg.amax(x, axis=_every_dim(dim), keepdims=keepdim),
    "amin": lambda x, dim=(), keepdim=False: mg.amin(x, axis=_every_dim(dim), keepdims=keepdim),
    "max": lambda x, dim=None, keepdim=False: mg.max(x, axis=dim, keepdims=keepdim),
    "min": lambda x, dim=None, keepdim=False: mg.min(x, axis=dim, keepdims=keepdim),
    "prod": lambda x, dim=None, keepdim=False: mg.prod(x, axis=dim, keepdims=keepdim),
    "var": lambda x, dim=None, correction=1, keepdim=False: mg.var(x, dim, ddof=correction, keepdims=keepdim),
    "std": lambda x, dim=None, correction=1, keepdim=False: mg.std(x, dim, ddof=correction, keepdims=keepdim),
    "softmax": lambda x, dim: softmax(x, axis=dim),
    "log_softmax": lambda x, dim: logsoftmax(x, axis=dim),
    "matmul": mg.matmul,
    "mm": mg.matmul,  # mygrad has no mm: matmul of two matrices is one
    "t": lambda x: x.T,  # NumPy's .T reverses the dims, which for at most 2 is torch's t()
    "transpose": lambda x, dim0, dim1: mg.swapaxes(x, dim0, dim1),
    "permute": lambda x, dims: mg.transpose(x, *dims),
    "mT": lambda x: mg.swapaxes(x, -2, -1),
    "reshape": lambda x, shape: mg.reshape(x, shape),
    "flatten": _flatten,
    "squeeze": lambda x, dim=None: mg.squeeze(x, axis=dim),
    "unsqueeze": lambda x, dim: mg.expand_dims(x, dim),
    "expand": _expand,
    "getitem": lambda x, index: x[index],
    "cat": lambda tensors, dim=0: mg.concatenate(tensors, axis=dim),
    "stack": lambda tensors, dim=0: mg.stack(tensors, axis=dim),
}
# Left out, because mygrad lacks them: logsumexp (mygrad.math._special.logsumexp is a private NumPy
# helper that does not differentiate), view, split and chunk.


class MygradAdapter(BaseAdapter):
    name: ClassVar[str] = "mygrad"
    capabilities: ClassVar[frozenset[Capability]] = frozenset(
        {
            Capability.VJP,  # through backward(v) and .grad: mygrad has no functional vjp
            Capability.TRACKING,  # constant=False
            Capability.GRAPH_NODES,  # Tensor.creator
            Capability.BACKWARD,
            Capability.BACKWARD_GRADIENT,
            Capability.RETAIN_GRAD,  # every tensor in the graph keeps its .grad: nothing to ask for
            Capability.ZERO_GRAD,  # spelled null_grad()
            Capability.DETACH,
            Capability.SHARED_STORAGE,  # Tensor.data is the NumPy array itself
            Capability.NO_GRAD,
            Capability.INPLACE,
            Capability.INTEGER_TENSORS,
            Capability.INPLACE_OPS,  # t *= 3 and t[i] = v, tracked, on views too; .data is the NumPy array
        }
    )
    dtypes: ClassVar[tuple[str, ...]] = ("float32", "float64")
    deviations: ClassVar[Path | None] = Path(__file__).with_name("mygrad.deviations")
    operators: ClassVar[dict[str, Any]] = _OPERATORS

    def version(self) -> str:
        return version("mygrad")

    def tensor(self, data: np.ndarray, *, device: str, requires_grad: bool = False) -> Tensor:
        if requires_grad:
            return mg.tensor(data, constant=False)
        return mg.tensor(data)  # mygrad's default: a float tensor is tracked, an integer one constant

    def numpy(self, tensor: Tensor) -> np.ndarray:
        return np.array(tensor, copy=True)  # a Tensor, or a .grad, which is already an ndarray

    def sum(self, tensor: Tensor) -> Tensor:
        return tensor.sum()

    def mean(self, tensor: Tensor) -> Tensor:
        return tensor.mean()

    def requires_grad(self, tensor: Tensor) -> bool:
        return not tensor.constant

    def is_leaf(self, tensor: Tensor) -> bool:
        return tensor.creator is None

    def has_node(self, tensor: Tensor) -> bool:
        return tensor.creator is not None

    def backward(self, tensor: Tensor, gradient: Tensor | None = None, retain_graph: bool = False) -> None:
        if retain_graph:
            raise Unsupported(Capability.RETAIN_GRAPH.value)
        tensor.backward(gradient)

    def grad(self, tensor: Tensor) -> np.ndarray | None:
        return tensor.grad

    def retain_grad(self, tensor: Tensor) -> None:
        pass  # mygrad keeps the .grad of non-leaves anyway

    def zero_grad_of(self, tensor: Tensor) -> None:
        tensor.null_grad()  # mygrad's reset of a gradient, which sets .grad to None

    def detach(self, tensor: Tensor) -> Tensor:
        return mg.astensor(tensor, constant=True)

    def shares_storage(self, a: Tensor, b: Tensor) -> bool:
        return bool(np.shares_memory(a.data, b.data))

    def add_(self, tensor: Tensor, number: float) -> None:
        tensor += number  # mygrad's augmented assignment is a tracked in-place operation on tensor

    def mul_(self, tensor: Tensor, number: float) -> None:
        tensor *= number

    def setitem(self, tensor: Tensor, index: Any, value: Any) -> None:
        tensor[index] = value  # tracked, as mygrad's in-place operations are

    def data_of(self, tensor: Tensor) -> np.ndarray:
        return tensor.data  # the NumPy array itself: untracked, the same memory

    def no_grad(self) -> AbstractContextManager[Any]:
        return mg.no_autodiff  # type: ignore[no-any-return]
