"""PaddlePaddle: a torch-like engine whose tracking flag is inverted (``stop_gradient``).

Tensors are untracked by default; ``to_tensor(data, stop_gradient=False)`` is torch's
``tensor(data, requires_grad=True)``, and ``to_tensor(data)`` its default. Paddle's graph nodes have
their own names (ScaleGradNode, ...). Operators take ``axis`` for torch's ``dim``. ``paddle.compat``,
paddle's layer that imitates torch (its ``max(x, dim)`` has a backward kernel written to match torch's,
where ``paddle.max`` splits the gradient between ties), is not used: the operators are paddle's own.

Beyond the tutorial paddle spells most of torch's API as torch does, and those methods are inherited:
``paddle.autograd.grad`` (``paddle.grad``, with create_graph), ``register_hook`` and the handle's
``remove()``, index assignment, ``.data``, ``set_grad_enabled``, ``enable_grad``, ``is_grad_enabled`` and
the optimizer's ``zero_grad(set_to_none)``. ``mul_`` takes a tensor, as ``add_`` does. SGD's momentum
and nesterov are ``paddle.optimizer.Momentum`` (``use_nesterov``), weight_decay is the optimizer's own,
and parameter groups are paddle's list of dicts, where a group's ``learning_rate`` scales the optimizer's.
paddle has no dampening, no maximize and no inference_mode.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import paddle
import paddle.nn.functional as F

from conformance.adapter import Capability, Tensor, Unsupported
from targets.torchlike import TorchLikeAdapter


def _all_dims(dim: int | tuple[int, ...]) -> int | tuple[int, ...] | None:
    return None if dim == () else dim  # amax's dim=() reduces every dim, as axis=None does


def _split(x: Tensor, split_size_or_sections: int | Sequence[int], dim: int = 0) -> tuple[Tensor, ...]:
    """torch.split's piece size as the list of sizes paddle.split takes (an int there counts pieces)."""
    sections = split_size_or_sections
    if isinstance(sections, int):
        length = x.shape[dim]
        sections = [sections] * (length // sections) + ([length % sections] if length % sections else [])
    return tuple(paddle.split(x, list(sections), axis=dim))


_SGD_NAMES = {"momentum": "momentum", "nesterov": "use_nesterov", "weight_decay": "weight_decay"}
_SGD_LACKS = {"dampening": 0.0, "maximize": False}  # torch's SGD options paddle lacks, and their off


def _spelled(options: Mapping[str, Any], lr: float) -> dict[str, Any]:
    """torch's SGD options, of the optimizer or of one parameter group, under paddle's names. A group's
    ``learning_rate`` in paddle scales the optimizer's (``optimize_attr``): torch's absolute lr / lr."""
    spelled: dict[str, Any] = {}
    for option, value in options.items():
        if option in _SGD_LACKS:
            if value != _SGD_LACKS[option]:
                raise Unsupported(f"SGD {option}")
        elif option == "lr":
            spelled["learning_rate"] = value / lr
        else:
            spelled[_SGD_NAMES.get(option, option)] = value  # params, or one for paddle to judge
    return spelled


OPERATORS: Mapping[str, Callable[..., Tensor]] = {
    # element-wise, one operand
    "neg": paddle.neg,
    "abs": paddle.abs,
    "exp": paddle.exp,
    "log": paddle.log,
    "sqrt": paddle.sqrt,
    "sin": paddle.sin,
    "cos": paddle.cos,
    "tanh": paddle.tanh,
    "sigmoid": F.sigmoid,
    "relu": F.relu,
    "reciprocal": paddle.reciprocal,
    "pow": paddle.pow,
    "clamp": lambda x, min=None, max=None: paddle.clip(x, min, max),
    # element-wise, two operands (broadcasting)
    "add": paddle.add,
    "sub": paddle.subtract,
    "mul": paddle.multiply,
    "div": paddle.divide,
    "maximum": paddle.maximum,
    "minimum": paddle.minimum,
    "where": paddle.where,
    # reductions
    "sum": lambda x, dim=None, keepdim=False: paddle.sum(x, axis=dim, keepdim=keepdim),
    "mean": lambda x, dim=None, keepdim=False: paddle.mean(x, axis=dim, keepdim=keepdim),
    "amax": lambda x, dim=(), keepdim=False: paddle.amax(x, axis=_all_dims(dim), keepdim=keepdim),
    "amin": lambda x, dim=(), keepdim=False: paddle.amin(x, axis=_all_dims(dim), keepdim=keepdim),
    "max": lambda x, dim=None, keepdim=False: paddle.max(x, axis=dim, keepdim=keepdim),  # torch's .values
    "min": lambda x, dim=None, keepdim=False: paddle.min(x, axis=dim, keepdim=keepdim),
    "prod": lambda x, dim=None, keepdim=False: paddle.prod(x, axis=dim, keepdim=keepdim),
    "var": lambda x, dim=None, correction=1, keepdim=False: paddle.var(
        x, axis=dim, correction=correction, keepdim=keepdim
    ),
    "std": lambda x, dim=None, correction=1, keepdim=False: paddle.std(  # unbiased: correction 1
        x, axis=dim, unbiased=correction == 1, keepdim=keepdim
    ),
    "logsumexp": lambda x, dim, keepdim=False: paddle.logsumexp(x, axis=dim, keepdim=keepdim),
    "softmax": lambda x, dim: F.softmax(x, axis=dim),
    "log_softmax": lambda x, dim: F.log_softmax(x, axis=dim),
    # linear algebra
    "matmul": paddle.matmul,
    "mm": paddle.mm,
    "t": paddle.t,
    "transpose": lambda x, dim0, dim1: paddle.transpose(x, dim0=dim0, dim1=dim1),  # perm otherwise
    "permute": paddle.permute,
    "mT": lambda x: x.mT,
    # shapes
    "reshape": paddle.reshape,
    "view": paddle.view,
    "flatten": lambda x, start_dim=0, end_dim=-1: paddle.flatten(x, start_dim, end_dim),
    "squeeze": lambda x, dim=None: paddle.squeeze(x, axis=dim),
    "unsqueeze": paddle.unsqueeze,
    "expand": paddle.expand,
    # indexing, joining, splitting
    "getitem": operator.getitem,
    "cat": lambda tensors, dim=0: paddle.concat(tensors, axis=dim),
    "stack": lambda tensors, dim=0: paddle.stack(tensors, axis=dim),
    "split": _split,
    "chunk": lambda x, chunks, dim=0: tuple(paddle.chunk(x, chunks, axis=dim)),
}


class PaddleAdapter(TorchLikeAdapter):
    name: ClassVar[str] = "paddle"
    module_name: ClassVar[str] = "paddle"
    capabilities: ClassVar[frozenset[Capability]] = TorchLikeAdapter.capabilities - {
        Capability.NODE_NAMES,
        Capability.INFERENCE_MODE,  # paddle has no inference_mode and no inference tensors
        Capability.BACKWARD_CREATE_GRAPH,  # Tensor.backward(grad_tensor, retain_graph): no create_graph
    }
    dtypes: ClassVar[tuple[str, ...]] = ("float32", "float64")
    deviations: ClassVar[Path | None] = Path(__file__).with_name("paddle.deviations")
    operators: ClassVar[Mapping[str, Callable[..., Tensor]]] = OPERATORS

    def operator(self, name: str) -> Callable[..., Tensor] | None:
        return self.operators.get(name)  # the table above, not torch's spelling (which paddle half takes)

    def devices(self) -> dict[str, str | None]:
        cuda = None if paddle.is_compiled_with_cuda() else "this paddlepaddle is not compiled with CUDA"
        return {"cpu": None, "cuda": cuda}

    def tensor(self, data: np.ndarray, *, device: str, requires_grad: bool = False) -> Tensor:
        place = device.replace("cuda", "gpu")  # paddle names the CUDA device gpu
        if requires_grad:
            return paddle.to_tensor(data, place=place, stop_gradient=False)
        return paddle.to_tensor(data, place=place)  # paddle's default: stop_gradient=True

    def requires_grad(self, tensor: Tensor) -> bool:
        return not tensor.stop_gradient  # stop_gradient is requires_grad inverted

    def requires_grad_(self, tensor: Tensor, flag: bool) -> Tensor:
        tensor.stop_gradient = not flag
        return tensor

    def zero_grad_of(self, tensor: Tensor) -> None:
        tensor.clear_grad()  # paddle refuses grad.zero_() on a leaf's grad; clear_grad() zeroes it

    def retain_grad(self, tensor: Tensor) -> None:
        tensor.retain_grads()  # spelled in the plural

    def shares_storage(self, a: Tensor, b: Tensor) -> bool:
        return bool(a.data_ptr() == b.data_ptr())

    def add_(self, tensor: Tensor, number: float) -> None:
        # paddle's add_ takes a tensor, not a Python number
        tensor.add_(paddle.to_tensor(number, dtype=tensor.dtype, place=tensor.place))

    def mul_(self, tensor: Tensor, number: float) -> None:
        tensor.mul_(paddle.to_tensor(number, dtype=tensor.dtype, place=tensor.place))  # as add_

    def sgd(self, params: Any, lr: float, **options: Any) -> paddle.optimizer.Optimizer:
        """``paddle.optimizer.SGD``, or ``paddle.optimizer.Momentum`` where momentum or nesterov is asked
        for (paddle's SGD has neither); torch's parameter groups are paddle's list of dicts."""
        groups: list[dict[str, Any]] = []
        if isinstance(params, list | tuple):  # a bare tensor goes to paddle as it is, for paddle to judge
            params = [_spelled(group, lr) if isinstance(group, dict) else group for group in params]
            groups = [group for group in params if isinstance(group, dict)]
        spelled = _spelled(options, lr)
        if any(group.get("momentum") or group.get("use_nesterov") for group in [spelled, *groups]):
            momentum = spelled.pop("momentum", 0.0)  # torch's default; paddle's is 0.9
            return paddle.optimizer.Momentum(
                learning_rate=lr, momentum=momentum, parameters=params, **spelled
            )
        spelled.pop("momentum", None)  # 0: plain SGD
        spelled.pop("use_nesterov", None)  # False
        return paddle.optimizer.SGD(learning_rate=lr, parameters=params, **spelled)
