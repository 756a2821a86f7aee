"""MLX as a target: a functional engine, so only the functional core and ``vjp`` are offered.

MLX arrays carry no autograd state: no requires_grad, no backward, no .grad, so every stateful spec
is reported unsupported. Spellings that differ from the protocol:

* a tensor is an ``mx.array`` made with an explicit dtype: ``mx.array(data)`` silently turns float64
  into float32, ``mx.array(data, dtype=mx.float64)`` keeps it;
* arrays live in unified memory and have no device; a device is chosen per computation, with
  ``mx.stream(mx.cpu)`` / ``mx.stream(mx.gpu)`` around the differentiated function;
* the vector-Jacobian product is ``mx.vjp(f, primals, cotangents)``, lists in and lists out; with
  no cotangent (a scalar output seeded with one) it is ``mx.value_and_grad(f, argnums=[...])``,
  MLX's own scalar-output gradient, which refuses a non-scalar output as torch's backward() does;
  for a single argument it returns a bare array rather than a tuple.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from importlib.metadata import version
from pathlib import Path
from typing import ClassVar

import mlx.core as mx
import numpy as np

from conformance.adapter import BaseAdapter, Capability, Tensor, Unsupported

_DEVICES = {"cpu": mx.cpu, "gpu": mx.gpu}


class MlxAdapter(BaseAdapter):
    name: ClassVar[str] = "mlx"
    capabilities: ClassVar[frozenset[Capability]] = frozenset(
        {
            Capability.VJP,  # mx.vjp and mx.value_and_grad
            Capability.INTEGER_TENSORS,  # mx.array(..., dtype=mx.int64)
        }
    )
    dtypes: ClassVar[tuple[str, ...]] = ("float32", "float64")  # float64 on the CPU only, in MLX
    deviations: ClassVar[Path | None] = Path(__file__).with_name("mlx.deviations")

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
        return mx.array(data, dtype=getattr(mx, data.dtype.name))  # mx.float32, mx.float64, mx.int64

    def numpy(self, tensor: Tensor) -> np.ndarray:
        return np.array(tensor, copy=True)  # evaluates the lazy graph

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
        with mx.stream(_DEVICES[device]):
            if cotangent is None:
                out, grads = mx.value_and_grad(function, argnums=list(range(len(xs))))(*xs)
                return out, list(grads) if isinstance(grads, tuple) else [grads]
            outs, grads = mx.vjp(function, xs, [self.tensor(cotangent, device=device)])
            return outs[0], list(grads)
