"""dezero (the engine of "Deep Learning from Scratch 3"): a torch-like graph with its own spellings.

Every ``Variable`` is tracked (there is no requires_grad), the graph node is ``creator``, ``backward``
takes no gradient argument but seeds from ``out.grad`` when it is set, and there is no mean. no_grad
is ``dezero.no_grad()`` (``Config.enable_backprop`` off for the block). detach_ is ``unchain()``.

The optimizer is dezero's own: ``SGD(lr).setup(model)`` updates the ``Parameter`` s a ``Layer``
holds. So a tensor made with requires_grad=True, the one torch would train, is a ``dezero.Parameter``
(a Variable in every other respect), torch's list of parameters is a ``Layer`` holding them,
``step()`` is ``update()`` and ``zero_grad()`` is the layer's ``cleargrads()``. Anything but a list
goes to ``setup()`` as it is, for dezero to judge. SGD's momentum is dezero's ``MomentumSGD(lr,
momentum)``, weight_decay its ``WeightDecay(rate)`` optimizer hook; dezero has no dampening, nesterov,
maximize, parameter groups, nor a zero_grad that leaves zeros.

The grad mode is ``dezero.Config.enable_backprop`` (no_grad is ``using_config("enable_backprop",
False)``): set_grad_enabled sets it, is_grad_enabled reads it, and enable_grad is
``using_config("enable_backprop", True)``. dezero has no autograd.grad: higher derivatives come from
``backward(create_graph=True)`` alone, into ``.grad``, which is BACKWARD_CREATE_GRAPH (``x.grad = None``
is ``x.cleargrad()``); create_graph, vjp of vjp and vjp of several outputs are not declared.
Nor are hooks (``Optimizer.add_hook`` hooks the update, not a tensor), in-place operations or
inference_mode.

dezero 0.0.13 needs numpy<1.24 (it uses ``np.int``) and matplotlib, which it does not declare.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any, ClassVar

import dezero
import dezero.functions as F
import dezero.optimizers
import numpy as np

from conformance.adapter import BaseAdapter, Capability, Tensor, Unsupported

# Not declared, because dezero lacks them: requires_grad flags (every Variable is tracked: a flag read
# back would be a constant the adapter wrote, not dezero's answer); torch's node names (creator is
# Add, Mul, ...); retain_grad() on one tensor (dezero only has backward(retain_grad=True) for all of
# them); detach returning a new tensor (unchain() cuts y itself); add_ (x += 1 makes a new Variable).


_SGD_LACKS = {"dampening": 0.0, "nesterov": False, "maximize": False}  # torch's options dezero lacks, off


def _clip(x: Tensor, min: float | None = None, max: float | None = None) -> Tensor:
    if min is None or max is None:
        raise Unsupported("clamp with one bound (F.clip takes both)")
    return F.clip(x, min, max)


def _pow(x: Tensor, exponent: Any) -> Tensor:
    if isinstance(exponent, dezero.Variable):
        raise Unsupported("pow with a tensor exponent (F.pow takes a constant)")
    return F.pow(x, exponent)


def _swapped(ndim: int, dim0: int, dim1: int) -> list[int]:
    axes = list(range(ndim))  # F.transpose takes the whole permutation
    axes[dim0], axes[dim1] = axes[dim1], axes[dim0]
    return axes


def _flatten(x: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    if x.ndim < 2 or (start_dim % x.ndim, end_dim % x.ndim) != (1, x.ndim - 1):
        raise Unsupported("flatten other than from dim 1 to the end (F.flatten keeps the batch dim)")
    return F.flatten(x)


def _expand(x: Tensor, sizes: tuple[int, ...]) -> Tensor:
    new = len(sizes) - x.ndim  # torch's -1 keeps an existing dim's size; F.broadcast_to needs the size
    return F.broadcast_to(x, tuple(x.shape[i - new] if size == -1 else size for i, size in enumerate(sizes)))


def _get_item(x: Tensor, index: Any) -> Tensor:
    # F.get_item indexes with NumPy's indices: an index tensor is spelled as its array
    return F.get_item(x, index.data if isinstance(index, dezero.Variable) else index)


# The catalogue's operators (conformance.catalogue), in its order, with dezero's own functions.
# Left out, because dezero lacks them: abs, sqrt, reciprocal, maximum, minimum, where, mean, prod, var,
# std, logsumexp, view, squeeze, cat, stack, split and chunk.
_OPERATORS: dict[str, Any] = {
    "neg": F.neg,
    "exp": F.exp,
    "log": F.log,
    "sin": F.sin,
    "cos": F.cos,
    "tanh": F.tanh,
    "sigmoid": F.sigmoid,
    "relu": F.relu,
    "pow": _pow,
    "clamp": _clip,
    "add": F.add,
    "sub": F.sub,
    "mul": F.mul,
    "div": F.div,
    "sum": lambda x, dim=None, keepdim=False: F.sum(x, axis=dim, keepdims=keepdim),
    "amax": lambda x, dim=(), keepdim=False: F.max(x, axis=None if dim == () else dim, keepdims=keepdim),
    "amin": lambda x, dim=(), keepdim=False: F.min(x, axis=None if dim == () else dim, keepdims=keepdim),
    "max": lambda x, dim=None, keepdim=False: F.max(x, axis=dim, keepdims=keepdim),
    "min": lambda x, dim=None, keepdim=False: F.min(x, axis=dim, keepdims=keepdim),
    "softmax": lambda x, dim: F.softmax(x, axis=dim),
    "log_softmax": lambda x, dim: F.log_softmax(x, axis=dim),
    "matmul": F.matmul,
    "mm": F.matmul,  # dezero has no mm: matmul of two matrices is one
    "t": lambda x: x.T,  # NumPy's .T reverses the dims, which for at most 2 is torch's t()
    "transpose": lambda x, dim0, dim1: F.transpose(x, _swapped(x.ndim, dim0, dim1)),
    "permute": lambda x, dims: F.transpose(x, dims),
    "mT": lambda x: F.transpose(x, _swapped(x.ndim, -2, -1)),
    "reshape": lambda x, shape: F.reshape(x, shape),
    "flatten": _flatten,
    "unsqueeze": lambda x, dim: F.expand_dims(x, dim),
    "expand": _expand,
    "getitem": _get_item,
}


class DezeroAdapter(BaseAdapter):
    name: ClassVar[str] = "dezero"
    capabilities: ClassVar[frozenset[Capability]] = frozenset(
        {
            Capability.VJP,  # BaseAdapter's route: backward with a seeded out.grad
            Capability.GRAPH_NODES,  # spelled creator
            Capability.BACKWARD,
            Capability.BACKWARD_GRADIENT,  # spelled out.grad = v; out.backward()
            Capability.RETAIN_GRAPH,  # dezero never frees the graph: there is nothing to retain
            Capability.ZERO_GRAD,  # spelled x.cleargrad(), which sets .grad to None
            Capability.DETACH_INPLACE,  # spelled y.unchain(): y loses its creator and becomes a leaf
            Capability.SHARED_STORAGE,  # Variable.data is the NumPy array itself
            Capability.NO_GRAD,  # dezero.no_grad()
            Capability.INTEGER_TENSORS,
            Capability.SGD,  # dezero.optimizers.SGD(lr).setup(layer), update(), layer.cleargrads()
            Capability.SGD_OPTIONS,  # momentum: MomentumSGD(lr, momentum); weight_decay: a WeightDecay hook
            Capability.GRAD_MODES,  # Config.enable_backprop, set, read, or with using_config
            Capability.BACKWARD_CREATE_GRAPH,  # backward(create_graph=True); cleargrad() is x.grad = None
        }
    )
    dtypes: ClassVar[tuple[str, ...]] = ("float32", "float64")
    deviations: ClassVar[Path | None] = Path(__file__).with_name("dezero.deviations")
    operators: ClassVar[dict[str, Any]] = _OPERATORS

    def version(self) -> str:
        return str(dezero.__version__)

    def tensor(self, data: np.ndarray, *, device: str, requires_grad: bool = False) -> Tensor:
        # Every Variable is tracked, whatever the flag says; requires_grad=True marks the tensor as one
        # to train, which dezero spells Parameter. Variable() keeps the caller's array; copy it, as
        # torch.tensor does.
        kind = dezero.Parameter if requires_grad else dezero.Variable
        return kind(np.array(data, copy=True))

    def numpy(self, tensor: Tensor) -> np.ndarray:
        return np.array(tensor.data, copy=True)

    def sum(self, tensor: Tensor) -> Tensor:
        return F.sum(tensor)

    def mean(self, tensor: Tensor) -> Tensor:
        # dezero has no mean: spelled sum / size, the size in the tensor's own dtype so that the
        # spelling adds no int64 operand (numpy 1.23 would promote a 0-d float32 sum to float64).
        return F.sum(tensor) / np.array(tensor.size, dtype=tensor.dtype)

    def is_leaf(self, tensor: Tensor) -> bool:
        return tensor.creator is None

    def has_node(self, tensor: Tensor) -> bool:
        return tensor.creator is not None

    def backward(
        self,
        tensor: Tensor,
        gradient: Tensor | None = None,
        retain_graph: bool = False,
        create_graph: bool = False,
    ) -> None:
        if gradient is not None:
            tensor.grad = gradient  # dezero's backward() starts from out.grad when it is set
        # its first parameter is retain_grad (keep non-leaf grads), not retain_graph
        tensor.backward(create_graph=create_graph)

    def clear_grad(self, tensor: Tensor) -> None:
        tensor.cleargrad()

    def grad(self, tensor: Tensor) -> Tensor | None:
        return tensor.grad

    def zero_grad_of(self, tensor: Tensor) -> None:
        tensor.cleargrad()

    def detach_(self, tensor: Tensor) -> Tensor:
        tensor.unchain()
        return tensor

    def shares_storage(self, a: Tensor, b: Tensor) -> bool:
        return bool(np.shares_memory(a.data, b.data))

    def no_grad(self) -> AbstractContextManager[Any]:
        return dezero.no_grad()

    def sgd(self, params: Any, lr: float, **options: Any) -> dezero.optimizers.Optimizer:
        for option, off in _SGD_LACKS.items():
            if options.pop(option, off) != off:
                raise Unsupported(f"SGD {option}")
        target = params
        if isinstance(params, list | tuple):  # torch's list of parameters: a Layer holding them
            if any(isinstance(group, dict) for group in params):
                raise Unsupported("SGD parameter groups (a dezero optimizer is set up with one Layer)")
            target = dezero.Layer()
            for number, param in enumerate(params):
                setattr(target, f"param{number}", param)  # a Layer registers the Parameters it is given
        momentum, weight_decay = options.pop("momentum", 0.0), options.pop("weight_decay", 0.0)
        if momentum:  # v = momentum * v - lr * grad; w += v: torch's buffer, times -lr
            optimizer = dezero.optimizers.MomentumSGD(lr, momentum, **options)
        else:
            optimizer = dezero.optimizers.SGD(lr, **options)
        optimizer.setup(target)
        if weight_decay:  # adds weight_decay * w to each .grad before the update
            optimizer.add_hook(dezero.optimizers.WeightDecay(weight_decay))
        return optimizer

    def step(self, optimizer: dezero.optimizers.Optimizer) -> None:
        optimizer.update()

    def zero_grad(self, optimizer: dezero.optimizers.Optimizer, set_to_none: bool = True) -> None:
        if not set_to_none:
            raise Unsupported("SGD zero_grad(set_to_none=False) (cleargrads sets .grad to None)")
        optimizer.target.cleargrads()

    def set_grad_enabled(self, flag: bool) -> None:
        dezero.Config.enable_backprop = flag

    def grad_enabled(self, flag: bool) -> AbstractContextManager[Any]:
        return dezero.using_config("enable_backprop", flag)

    def is_grad_enabled(self) -> bool:
        return bool(dezero.Config.enable_backprop)

    def enable_grad(self) -> AbstractContextManager[Any]:
        return dezero.using_config("enable_backprop", True)
