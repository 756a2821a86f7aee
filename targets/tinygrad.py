"""tinygrad as a target: torch-like tensors, but no requires_grad, no no_grad and no graph nodes.

tinygrad differentiates every floating tensor in the graph, so ``requires_grad`` has nothing to map to;
the flag is dropped and the specs that read it are unsupported. Also left out: graph nodes
(``Tensor.uop`` is the lazy compute graph, which leaves carry too), ``detach_``, and asking whether
two tensors share storage (no public way). Environment: the CPU device compiles kernels with the
``clang`` binary, which must be on PATH (``CC=gcc`` does not work); ``DEV=NAME`` only picks
tinygrad's default device, and the adapter names the device of every tensor it makes.
"""

from __future__ import annotations

import functools
from importlib.metadata import version
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
from tinygrad import Context, Device, Tensor
from tinygrad.nn.optim import SGD

from conformance.adapter import BaseAdapter, Capability

_OTHER_DEVICES = ("PYTHON", "CUDA", "NV", "AMD", "CL")  # PYTHON: tinygrad's pure-Python emulator


@functools.cache
def _devices() -> dict[str, str | None]:
    found: dict[str, str | None] = {"cpu": None}
    for name in _OTHER_DEVICES:
        try:
            Device[name]
            found[name.lower()] = None
        except Exception as error:  # tinygrad's own reason the device cannot be opened
            found[name.lower()] = f"tinygrad cannot open {name}: {str(error).splitlines()[0]}"
    return found


class TinygradAdapter(BaseAdapter):
    name: ClassVar[str] = "tinygrad"
    capabilities: ClassVar[frozenset[Capability]] = frozenset(
        {
            Capability.VJP,  # Tensor.gradient(*targets, gradient=v)
            Capability.BACKWARD,
            Capability.BACKWARD_GRADIENT,
            Capability.RETAIN_GRAPH,  # the graph is never freed: retain_graph=True is the only behaviour
            Capability.RETAIN_GRAD,  # every tensor in the graph gets .grad: nothing to ask for
            Capability.ZERO_GRAD,  # spelled grad.assign(grad.zeros_like())
            Capability.DETACH,
            Capability.INPLACE,  # spelled t.assign(t + 1)
            Capability.INTEGER_TENSORS,
            Capability.SGD,  # tinygrad.nn.optim.SGD; step() needs Context(TRAINING=1)
        }
    )
    dtypes: ClassVar[tuple[str, ...]] = ("float32", "float64")
    deviations: ClassVar[Path | None] = Path(__file__).with_name("tinygrad.deviations")

    def version(self) -> str:
        return version("tinygrad")  # tinygrad has no __version__

    def devices(self) -> dict[str, str | None]:
        return _devices()

    def tensor(self, data: np.ndarray, *, device: str, requires_grad: bool = False) -> Tensor:
        return Tensor(data, device=device.upper())  # no requires_grad: every float tensor is differentiable

    def numpy(self, tensor: Tensor) -> np.ndarray:
        return np.array(tensor.numpy(), copy=True)

    def sum(self, tensor: Tensor) -> Tensor:
        return tensor.sum()

    def mean(self, tensor: Tensor) -> Tensor:
        return tensor.mean()

    def vjp(self, function: Any, primals: Any, cotangent: Any, *, device: str) -> Any:
        leaves = [self.tensor(p, device=device) for p in primals]
        out = function(*leaves)
        gradient = None if cotangent is None else self.tensor(cotangent, device=device)
        return out, out.gradient(*leaves, gradient=gradient)

    def backward(self, tensor: Tensor, gradient: Tensor | None = None, retain_graph: bool = False) -> None:
        tensor.backward(gradient)  # no retain_graph argument: the graph is always kept

    def grad(self, tensor: Tensor) -> Tensor | None:
        return tensor.grad

    def retain_grad(self, tensor: Tensor) -> None:
        pass  # tinygrad fills .grad of non-leaves anyway

    def zero_grad_of(self, tensor: Tensor) -> None:
        grad: Any = tensor.grad
        grad.assign(grad.zeros_like())  # tinygrad has no zero_(); assign writes in place

    def detach(self, tensor: Tensor) -> Tensor:
        return tensor.detach()

    def add_(self, tensor: Tensor, number: float) -> None:
        tensor.assign(tensor + number)

    def sgd(self, params: Any, lr: float) -> Any:
        return SGD(params, lr=lr)

    def step(self, optimizer: Any) -> None:
        with Context(TRAINING=1):  # tinygrad's optimizers refuse to step outside training mode
            optimizer.step()

    def zero_grad(self, optimizer: Any) -> None:
        optimizer.zero_grad()
