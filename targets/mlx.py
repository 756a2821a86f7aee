"""MLX as a target: a functional engine: the functional core and ``vjp``, detach and in-place ``+=``.

MLX arrays carry no autograd state: no requires_grad, no backward, no .grad, so every stateful spec
that needs them is reported unsupported. Spellings that differ from the protocol:

* a tensor is an ``mx.array(data)``, made as MLX makes it by default: a float64 NumPy array becomes
  float32 (MLX keeps float64 only where the caller asks, ``dtype=mx.float64``), so the float64 checks
  fail and show as known deviations; integer and bool arrays keep their dtype;
* detach is ``mx.stop_gradient``; ``x += 1`` changes the array object in place;
* arrays live in unified memory and have no device; a device is chosen per computation, with
  ``mx.stream(mx.cpu)`` / ``mx.stream(mx.gpu)`` around the differentiated function;
* the vector-Jacobian product is ``mx.vjp(f, primals, cotangents)``, lists in and lists out; with
  no cotangent (a scalar output seeded with one) it is ``mx.value_and_grad(f, argnums=[...])``,
  MLX's own scalar-output gradient, which refuses a non-scalar output as torch's backward() does;
  for a single argument it returns a bare array rather than a tuple;
* several outputs are ``mx.vjp`` of a function returning a list, with a list of cotangents;
* ``vjp_nested`` (a vjp of a vjp) is the same two calls on the arrays an enclosing one traces: MLX's
  transformations compose, so the gradients they return there are differentiable in turn;
* operators are ``mlx.core``'s (relu and log_softmax ``mlx.nn``'s), with ``axis``/``keepdims``/``ddof``
  for torch's ``dim``/``keepdim``/``correction`` (the reductions as :mod:`targets._numpy_like` spells
  them for every NumPy-like namespace); MLX has no indexing by a boolean mask.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from importlib.metadata import version
from pathlib import Path
from typing import Any, ClassVar

import mlx.core as mx
import mlx.nn
import numpy as np

from conformance.adapter import BaseAdapter, Capability, Tensor, Unsupported
from targets._numpy_like import broadcast_shape, reductions, split_points

_DEVICES = {"cpu": mx.cpu, "gpu": mx.gpu}


def _getitem(x: Tensor, index: Any) -> Tensor:
    parts = index if isinstance(index, tuple) else (index,)
    if any(isinstance(part, mx.array) and part.dtype == mx.bool_ for part in parts):
        raise Unsupported("indexing with a boolean mask (MLX: boolean indices are not yet supported)")
    return x[index]


OPERATORS: Mapping[str, Callable[..., Tensor]] = {
    # element-wise, one operand
    "neg": mx.negative,
    "abs": mx.abs,
    "exp": mx.exp,
    "log": mx.log,
    "sqrt": mx.sqrt,
    "sin": mx.sin,
    "cos": mx.cos,
    "tanh": mx.tanh,
    "sigmoid": mx.sigmoid,
    "relu": mlx.nn.relu,
    "reciprocal": mx.reciprocal,
    "pow": mx.power,
    "clamp": lambda x, min=None, max=None: mx.clip(x, min, max),
    # element-wise, two operands (broadcasting)
    "add": mx.add,
    "sub": mx.subtract,
    "mul": mx.multiply,
    "div": mx.divide,
    "maximum": mx.maximum,
    "minimum": mx.minimum,
    "where": mx.where,
    # reductions
    **reductions(mx, logsumexp=mx.logsumexp),
    "softmax": lambda x, dim: mx.softmax(x, axis=dim),
    "log_softmax": lambda x, dim: mlx.nn.log_softmax(x, axis=dim),
    # linear algebra
    "matmul": mx.matmul,
    "mm": mx.matmul,  # no mm of its own: matmul on two 2-D arrays is mm
    "t": mx.transpose,  # no t of its own: reversing the dims of a 0-, 1- or 2-D array is t()
    "transpose": mx.swapaxes,
    "permute": mx.transpose,
    "mT": mx.matrix_transpose,
    # shapes
    "reshape": mx.reshape,
    "view": mx.reshape,  # no views: reshape of a contiguous array is view
    "flatten": lambda x, start_dim=0, end_dim=-1: mx.flatten(x, start_dim, end_dim),
    "squeeze": lambda x, dim=None: mx.squeeze(x, axis=dim),
    "unsqueeze": mx.expand_dims,
    "expand": lambda x, sizes: mx.broadcast_to(x, broadcast_shape(x.shape, sizes)),
    # indexing, joining, splitting
    "getitem": _getitem,
    "cat": lambda tensors, dim=0: mx.concatenate(tensors, axis=dim),
    "stack": lambda tensors, dim=0: mx.stack(tensors, axis=dim),
    "split": lambda x, split_size_or_sections, dim=0: tuple(
        mx.split(x, split_points(x.shape[dim], split_size_or_sections), axis=dim)
    ),
    "chunk": lambda x, chunks, dim=0: tuple(mx.split(x, chunks, axis=dim)),
}


class MlxAdapter(BaseAdapter):
    name: ClassVar[str] = "mlx"
    capabilities: ClassVar[frozenset[Capability]] = frozenset(
        {
            Capability.VJP,  # mx.vjp and mx.value_and_grad
            Capability.NESTED_VJP,  # the same, inside a function that they differentiate
            Capability.VJP_OUTPUTS,  # mx.vjp of a function returning a list, with a list of cotangents
            Capability.DETACH,  # mx.stop_gradient
            Capability.INPLACE,  # x += 1 updates the mx.array object in place
            Capability.INTEGER_TENSORS,  # mx.array of an int64 NumPy array is int64
        }
    )
    dtypes: ClassVar[tuple[str, ...]] = ("float32", "float64")  # mx.array makes float64 input float32
    deviations: ClassVar[Path | None] = Path(__file__).with_name("mlx.deviations")
    operators: ClassVar[Mapping[str, Callable[..., Tensor]]] = OPERATORS

    def version(self) -> str:
        return version("mlx")  # mlx.core.__version__ exists, but its type stubs omit it

    def devices(self) -> dict[str, str | None]:
        gpu = (
            None
            if mx.is_available(mx.gpu)
            else "this MLX build has no GPU backend (mx.is_available(mx.gpu) is False)"
        )
        return {"cpu": None, "gpu": gpu}

    def tensor(self, data: np.ndarray, *, device: str, requires_grad: bool = False) -> Tensor:
        if requires_grad:
            raise Unsupported(Capability.TRACKING.value)
        return mx.array(data)

    def numpy(self, tensor: Tensor) -> np.ndarray:
        return np.array(tensor, copy=True)  # evaluates the lazy graph

    def detach(self, tensor: Tensor) -> Tensor:
        return mx.stop_gradient(tensor)

    def add_(self, tensor: Tensor, number: float) -> None:
        tensor += number  # mx.array's += replaces the array object's value; every reference sees it

    def sum(self, tensor: Tensor) -> Tensor:
        return mx.sum(tensor)

    def mean(self, tensor: Tensor) -> Tensor:
        return mx.mean(tensor)

    def vjp(
        self,
        function: Callable[..., Tensor],
        primals: Sequence[np.ndarray],
        cotangent: np.ndarray | None,
        *,
        device: str,
    ) -> tuple[Tensor, list[Tensor | None]]:
        xs = [self.tensor(p, device=device) for p in primals]
        seed = None if cotangent is None else self.tensor(cotangent, device=device)
        with mx.stream(_DEVICES[device]):
            return self.vjp_nested(function, xs, seed)

    def vjp_nested(
        self, function: Callable[..., Tensor], primals: Sequence[Tensor], cotangent: Tensor | None
    ) -> tuple[Tensor, list[Tensor | None]]:
        # mx.vjp and mx.value_and_grad compose: inside a function that MLX differentiates, the
        # gradients they return are traced arrays of the enclosing transformation (and its stream)
        if cotangent is None:
            out, grads = mx.value_and_grad(function, argnums=list(range(len(primals))))(*primals)
            return out, list(grads) if isinstance(grads, tuple) else [grads]
        outs, grads = mx.vjp(function, list(primals), [cotangent])
        return outs[0], list(grads)

    def vjp_outputs(
        self,
        function: Callable[..., Sequence[Tensor]],
        primals: Sequence[np.ndarray],
        cotangents: Sequence[np.ndarray],
        *,
        device: str,
    ) -> tuple[list[Tensor], list[Tensor | None]]:
        xs = [self.tensor(p, device=device) for p in primals]
        seeds = [self.tensor(c, device=device) for c in cotangents]
        with mx.stream(_DEVICES[device]):
            outs, grads = mx.vjp(lambda *args: list(function(*args)), xs, seeds)
        return list(outs), list(grads)
