"""JAX as a target: a functional engine, so only the functional core and ``vjp`` are offered.

JAX has no tensors with state: no requires_grad, no backward, no .grad, no in-place arithmetic. Every
stateful spec is therefore reported unsupported. Spellings that differ from the protocol:

* a tensor is a ``jax.Array`` made with ``jnp.asarray(data, device=...)``; there is no requires_grad;
* a device is named by its platform (``"cpu"``, ``"gpu"``) and placed with ``jax.devices(platform)[0]``;
* the vector-Jacobian product is ``jax.vjp(f, *primals)``, whose pullback returns a tuple; with no
  cotangent (a scalar output seeded with one) it is ``jax.value_and_grad(f, argnums=...)``, JAX's own
  scalar-output gradient, which refuses a non-scalar output as torch's backward() does.

float64: JAX computes in float32 only and silently turns float64 input into float32, unless
``jax_enable_x64`` is on, its documented switch for 64-bit types. The adapter turns it on when it is
created, so that float64 inputs stay float64 as in torch. The switch is process-wide state of JAX
alone: torch, NumPy and the other engines never read it, but any other JAX code in the same process
sees 64-bit defaults from then on (``jnp.asarray(1.0)`` is float64).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import ClassVar

import jax
import jax.numpy as jnp
import numpy as np

from conformance.adapter import BaseAdapter, Capability, Tensor, Unsupported


class JaxAdapter(BaseAdapter):
    name: ClassVar[str] = "jax"
    capabilities: ClassVar[frozenset[Capability]] = frozenset(
        {
            Capability.VJP,  # jax.vjp and jax.value_and_grad
            Capability.INTEGER_TENSORS,  # jnp.asarray keeps int64 (with x64 on)
        }
    )
    dtypes: ClassVar[tuple[str, ...]] = ("float32", "float64")  # float64 through jax_enable_x64
    deviations: ClassVar[Path | None] = Path(__file__).with_name("jax.deviations")

    def __init__(self) -> None:
        jax.config.update("jax_enable_x64", True)

    def version(self) -> str:
        return str(jax.__version__)

    def devices(self) -> dict[str, str | None]:
        devices: dict[str, str | None] = {"cpu": None}
        try:
            jax.devices("gpu")
        except RuntimeError as error:  # this jaxlib has no GPU platform; JAX says why
            devices["gpu"] = str(error)
        else:
            devices["gpu"] = None
        return devices

    def tensor(self, data: np.ndarray, *, device: str, requires_grad: bool = False) -> Tensor:
        if requires_grad:
            raise Unsupported(Capability.TRACKING.value)
        return jnp.asarray(data, device=jax.devices(device)[0])

    def numpy(self, tensor: Tensor) -> np.ndarray:
        return np.array(tensor, copy=True)  # np.asarray of a jax.Array is a read-only view

    def sum(self, tensor: Tensor) -> Tensor:
        return jnp.sum(tensor)

    def mean(self, tensor: Tensor) -> Tensor:
        return jnp.mean(tensor)

    def vjp(
        self,
        function: Callable[..., Tensor],
        primals: Sequence[np.ndarray],
        cotangent: np.ndarray | None,
        *,
        device: str,
    ) -> tuple[Tensor, list[Tensor | None]]:
        xs = [self.tensor(p, device=device) for p in primals]
        if cotangent is None:
            argnums = tuple(range(len(xs)))
            out, grads = jax.value_and_grad(function, argnums=argnums)(*xs)
            return out, list(grads)
        out, pullback = jax.vjp(function, *xs)
        return out, list(pullback(self.tensor(cotangent, device=device)))
