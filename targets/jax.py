"""JAX as a target: a functional engine: the functional core, ``vjp``, and ``stop_gradient`` as detach.

JAX has no tensors with state: no requires_grad, no backward, no .grad, no in-place arithmetic. Every
stateful spec is therefore reported unsupported. Spellings that differ from the protocol:

* a tensor is a ``jax.Array`` made with ``jnp.asarray(data, device=...)``; there is no requires_grad;
* a device is named by its platform (``"cpu"``, ``"gpu"``) and placed with ``jax.devices(platform)[0]``;
* the vector-Jacobian product is ``jax.vjp(f, *primals)``, whose pullback returns a tuple; with no
  cotangent (a scalar output seeded with one) it is ``jax.value_and_grad(f, argnums=...)``, JAX's own
  scalar-output gradient, which refuses a non-scalar output as torch's backward() does;
* ``vjp_nested`` (a vjp of a vjp) is the same two calls on the tracers of an enclosing one: JAX's
  transformations compose, so the gradients they return there are differentiable in turn;
* several outputs are ``jax.vjp`` of a function returning a tuple, pulled back with a tuple.

float64: with its defaults JAX computes in float32 and silently turns a float64 input into float32
(``jnp.asarray`` of a float64 array is float32, with no warning). Target ``jax`` runs JAX so and still
claims float64, so the float64 checks fail and show as known deviations. Target ``jax-x64``
(:class:`JaxX64Adapter`) turns on ``jax_enable_x64``, JAX's documented process-wide switch for 64-bit
types, and is reported under its own name; ``jax`` refuses to start where the switch is already on.
``jax.lax.stop_gradient`` is JAX's detach: a value through which no gradient flows.

Operators are ``jax.numpy``'s, ``jax.nn``'s and ``jax.scipy.special``'s, with ``axis``/``keepdims``/``ddof``
for torch's ``dim``/``keepdim``/``correction`` (the reductions as :mod:`targets._numpy_like` spells them for
every NumPy-like namespace); flatten is ``lax.collapse``.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import ClassVar

import jax
import jax.numpy as jnp
import jax.scipy.special
import numpy as np
from jax import lax

from conformance.adapter import BaseAdapter, Capability, Tensor, Unsupported
from targets._numpy_like import broadcast_shape, reductions, split_points


def _flatten(x: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    # lax.collapse is flatten with an exclusive stop; it gives a 0-d array the shape (1,), as torch does
    ndim = max(x.ndim, 1)
    return lax.collapse(x, start_dim % ndim, end_dim % ndim + 1)


OPERATORS: Mapping[str, Callable[..., Tensor]] = {
    # element-wise, one operand
    "neg": jnp.negative,
    "abs": jnp.abs,
    "exp": jnp.exp,
    "log": jnp.log,
    "sqrt": jnp.sqrt,
    "sin": jnp.sin,
    "cos": jnp.cos,
    "tanh": jnp.tanh,
    "sigmoid": jax.nn.sigmoid,
    "relu": jax.nn.relu,
    "reciprocal": jnp.reciprocal,
    "pow": jnp.power,
    "clamp": lambda x, min=None, max=None: jnp.clip(x, min=min, max=max),
    # element-wise, two operands (broadcasting)
    "add": jnp.add,
    "sub": jnp.subtract,
    "mul": jnp.multiply,
    "div": jnp.divide,
    "maximum": jnp.maximum,
    "minimum": jnp.minimum,
    "where": jnp.where,
    # reductions
    **reductions(jnp, logsumexp=jax.scipy.special.logsumexp),
    "softmax": lambda x, dim: jax.nn.softmax(x, axis=dim),
    "log_softmax": lambda x, dim: jax.nn.log_softmax(x, axis=dim),
    # linear algebra
    "matmul": jnp.matmul,
    "mm": jnp.matmul,  # no mm of its own: matmul on two 2-D arrays is mm
    "t": jnp.transpose,  # no t of its own: reversing the dims of a 0-, 1- or 2-D array is t()
    "transpose": jnp.swapaxes,
    "permute": jnp.transpose,
    "mT": jnp.matrix_transpose,
    # shapes
    "reshape": jnp.reshape,
    "view": jnp.reshape,  # no views: reshape of a contiguous array is view
    "flatten": _flatten,
    "squeeze": lambda x, dim=None: jnp.squeeze(x, axis=dim),
    "unsqueeze": jnp.expand_dims,
    "expand": lambda x, sizes: jnp.broadcast_to(x, broadcast_shape(x.shape, sizes)),
    # indexing, joining, splitting
    "getitem": operator.getitem,
    "cat": lambda tensors, dim=0: jnp.concatenate(tensors, axis=dim),
    "stack": lambda tensors, dim=0: jnp.stack(tensors, axis=dim),
    "split": lambda x, split_size_or_sections, dim=0: tuple(
        jnp.split(x, split_points(x.shape[dim], split_size_or_sections), axis=dim)
    ),
    "chunk": lambda x, chunks, dim=0: tuple(jnp.array_split(x, chunks, axis=dim)),
}


class JaxAdapter(BaseAdapter):
    name: ClassVar[str] = "jax"
    capabilities: ClassVar[frozenset[Capability]] = frozenset(
        {
            Capability.VJP,  # jax.vjp and jax.value_and_grad
            Capability.NESTED_VJP,  # the same, inside a function that they differentiate
            Capability.VJP_OUTPUTS,  # jax.vjp of a function returning a tuple, pulled back with a tuple
            Capability.DETACH,  # jax.lax.stop_gradient
            Capability.INTEGER_TENSORS,  # jnp.asarray keeps integers (int64 as int32 unless x64 is on)
        }
    )
    dtypes: ClassVar[tuple[str, ...]] = ("float32", "float64")  # float64 is computed in float32 (x64 off)
    deviations: ClassVar[Path | None] = Path(__file__).with_name("jax.deviations")
    operators: ClassVar[Mapping[str, Callable[..., Tensor]]] = OPERATORS
    x64: ClassVar[bool] = False  # the value of jax_enable_x64 this target runs JAX with

    def __init__(self) -> None:
        if self.x64:
            jax.config.update("jax_enable_x64", True)
        elif jax.config.read("jax_enable_x64"):
            raise RuntimeError(
                "jax_enable_x64 is on in this process (JAX_ENABLE_X64 or jax.config.update), but target "
                "'jax' runs JAX with its defaults; turn it off, or choose target 'jax-x64'"
            )

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

    def detach(self, tensor: Tensor) -> Tensor:
        return lax.stop_gradient(tensor)

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
        seed = None if cotangent is None else self.tensor(cotangent, device=device)
        return self.vjp_nested(function, xs, seed)

    def vjp_nested(
        self, function: Callable[..., Tensor], primals: Sequence[Tensor], cotangent: Tensor | None
    ) -> tuple[Tensor, list[Tensor | None]]:
        # jax.vjp and jax.value_and_grad trace through an enclosing transformation: the gradients
        # they return inside one are its tracers, differentiable in turn
        if cotangent is None:
            argnums = tuple(range(len(primals)))
            out, grads = jax.value_and_grad(function, argnums=argnums)(*primals)
            return out, list(grads)
        out, pullback = jax.vjp(function, *primals)
        return out, list(pullback(cotangent))

    def vjp_outputs(
        self,
        function: Callable[..., Sequence[Tensor]],
        primals: Sequence[np.ndarray],
        cotangents: Sequence[np.ndarray],
        *,
        device: str,
    ) -> tuple[list[Tensor], list[Tensor | None]]:
        xs = [self.tensor(p, device=device) for p in primals]
        seeds = tuple(self.tensor(c, device=device) for c in cotangents)
        outs, pullback = jax.vjp(lambda *args: tuple(function(*args)), *xs)  # a tuple is a pytree
        return list(outs), list(pullback(seeds))


class JaxX64Adapter(JaxAdapter):
    """JAX with ``jax_enable_x64`` on, so that float64 inputs stay float64 (and int64 stays int64).

    The switch is process-wide state of JAX alone: torch, NumPy and the other engines never read it,
    but any other JAX code in the same process sees 64-bit defaults from then on.
    """

    name: ClassVar[str] = "jax-x64"
    dtypes: ClassVar[tuple[str, ...]] = ("float32", "float64")
    deviations: ClassVar[Path | None] = Path(__file__).with_name("jax_x64.deviations")
    x64: ClassVar[bool] = True
