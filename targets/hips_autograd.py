"""HIPS autograd as the target ``autograd``: a functional engine over plain NumPy arrays.

The module is named ``hips_autograd`` so that it never shadows the ``autograd`` package it imports.
autograd has no tensor type and no state: no requires_grad, no backward, no .grad, so every stateful
spec is reported unsupported. Spellings that differ from the protocol:

* a tensor is a plain ``numpy.ndarray`` (a copy of the data); inside a differentiated function it
  is an ``ArrayBox``, and reductions are ``autograd.numpy.sum`` / ``autograd.numpy.mean``;
* the vector-Jacobian product is ``autograd.make_vjp(f, argnum=...)(*primals)``, which returns
  ``(pullback, value)``; with no cotangent (a scalar output seeded with one) it is
  ``autograd.value_and_grad``, which refuses a non-scalar output as torch's backward() does;
* the only device is the CPU (NumPy).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from importlib.metadata import version
from pathlib import Path
from typing import ClassVar

import autograd
import autograd.numpy as anp
import numpy as np

from conformance.adapter import BaseAdapter, Capability, Tensor, Unsupported


class AutogradAdapter(BaseAdapter):
    name: ClassVar[str] = "autograd"
    capabilities: ClassVar[frozenset[Capability]] = frozenset(
        {
            Capability.VJP,  # autograd.make_vjp and autograd.value_and_grad
            Capability.INTEGER_TENSORS,  # int64 ndarrays (differentiating one is refused)
        }
    )
    dtypes: ClassVar[tuple[str, ...]] = ("float32", "float64")
    deviations: ClassVar[Path | None] = Path(__file__).with_name("autograd.deviations")

    def version(self) -> str:
        return version("autograd")  # the package has no __version__

    def tensor(self, data: np.ndarray, *, device: str, requires_grad: bool = False) -> Tensor:
        if requires_grad:
            raise Unsupported(Capability.TRACKING.value)
        return np.array(data, copy=True)

    def numpy(self, tensor: Tensor) -> np.ndarray:
        return np.array(tensor, copy=True)  # results may be NumPy scalars (np.float32): made 0-d

    def sum(self, tensor: Tensor) -> Tensor:
        return anp.sum(tensor)

    def mean(self, tensor: Tensor) -> Tensor:
        return anp.mean(tensor)

    def vjp(
        self,
        function: Callable[..., Tensor],
        primals: Sequence[np.ndarray],
        cotangent: np.ndarray | None,
        *,
        device: str,
    ) -> tuple[Tensor, list[Tensor | None]]:
        xs = [self.tensor(p, device=device) for p in primals]
        # One input is differentiated as grad(f)(x) is (argnum=0). With several, argnum is a tuple,
        # and autograd then adds each gradient into zeros of its input's dtype, casting it.
        argnum = 0 if len(xs) == 1 else tuple(range(len(xs)))
        if cotangent is None:
            out, grads = autograd.value_and_grad(function, argnum=argnum)(*xs)
        else:
            pullback, out = autograd.make_vjp(function, argnum=argnum)(*xs)
            grads = pullback(self.tensor(cotangent, device=device))
        return out, [grads] if argnum == 0 else list(grads)
