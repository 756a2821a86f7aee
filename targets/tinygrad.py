"""tinygrad as a target: torch-like tensors, but no requires_grad, no no_grad and no graph nodes.

tinygrad differentiates every floating tensor in the graph, so ``requires_grad`` has nothing to map to;
the flag is dropped and the specs that read it are unsupported. Also left out: graph nodes
(``Tensor.uop`` is the lazy compute graph, which leaves carry too) and ``detach_``. Storage is
allocated lazily: two tensors share storage when, once realized, their ``uop.base`` is the same
realized buffer (a 0-d CONST has none). ``SGD.step()`` runs as tinygrad runs it by default, with
``TRAINING=0``, where it raises; its specs show that as a known deviation.

autograd.grad is ``out.gradient(*inputs, gradient=v)``: it returns the gradients and fills no ``.grad``.
It differentiates one tensor (several outputs are unsupported) and has nothing to map retain_graph,
create_graph or allow_unused to: the graph is never freed, a gradient is a lazy graph that can be
differentiated again, and an input the output does not depend on gets zeros. ``mul_`` is spelled
``t.assign(t * 3)`` as ``add_`` is, index assignment is tinygrad's own ``t[i] = v``; there is no ``.data``
(``Tensor.data()`` is a memoryview), no hooks, no grad modes and no inference mode. SGD takes momentum,
weight_decay and nesterov under torch's names; dampening and maximize (other than off), parameter groups
and ``zero_grad(set_to_none=False)`` are unsupported. Environment: the CPU device
compiles kernels with the ``clang`` binary, which must be on PATH (``CC=gcc`` does not work);
``DEV=NAME`` only picks tinygrad's default device, and the adapter names the device of every tensor it
makes.
"""

from __future__ import annotations

import functools
from importlib.metadata import version
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
from tinygrad import Device, Tensor, dtypes
from tinygrad.nn.optim import SGD

from conformance.adapter import BaseAdapter, Capability, Unsupported

_OTHER_DEVICES = ("PYTHON", "CUDA", "NV", "AMD", "CL")  # PYTHON: tinygrad's pure-Python emulator
_SGD_LACKS = {"dampening": 0.0, "maximize": False}  # torch's SGD options tinygrad's SGD lacks, and their off


def _every_dim(dim: Any) -> Any:
    return None if dim == () else dim  # torch's amax(x, dim=()) reduces every dim; tinygrad's axis=() none


def _t(x: Tensor) -> Tensor:
    if x.ndim < 2:
        raise Unsupported("t of a 0-D or 1-D tensor (tinygrad's x.T is transpose(1, 0))")
    return x.T


def _logsumexp(x: Tensor, dim: Any, keepdim: bool = False) -> Tensor:
    if isinstance(dim, tuple):
        raise Unsupported("logsumexp over a tuple of dims")
    return x.logsumexp(dim, keepdim)


def _getitem(x: Tensor, index: Any) -> Tensor:
    if isinstance(index, Tensor) and index.dtype == dtypes.bool:
        raise Unsupported("indexing with a bool mask (tinygrad: index dtype dtypes.bool is not supported)")
    return x[index]


# The catalogue's operators (conformance.catalogue), in its order, with tinygrad's own methods.
_OPERATORS: dict[str, Any] = {
    "neg": Tensor.neg,
    "abs": Tensor.abs,
    "exp": Tensor.exp,
    "log": Tensor.log,
    "sqrt": Tensor.sqrt,
    "sin": Tensor.sin,
    "cos": Tensor.cos,
    "tanh": Tensor.tanh,
    "sigmoid": Tensor.sigmoid,
    "relu": Tensor.relu,
    "reciprocal": Tensor.reciprocal,
    "pow": lambda x, exponent: x.pow(exponent),
    "clamp": lambda x, min=None, max=None: x.clamp(min, max),
    "add": Tensor.add,
    "sub": Tensor.sub,
    "mul": Tensor.mul,
    "div": Tensor.div,
    "maximum": Tensor.maximum,
    "minimum": Tensor.minimum,
    "where": lambda condition, x, y: condition.where(x, y),
    "sum": lambda x, dim=None, keepdim=False: x.sum(dim, keepdim),
    "mean": lambda x, dim=None, keepdim=False: x.mean(dim, keepdim),
    "amax": lambda x, dim=(), keepdim=False: x.max(_every_dim(dim), keepdim),
    "amin": lambda x, dim=(), keepdim=False: x.min(_every_dim(dim), keepdim),
    "max": lambda x, dim=None, keepdim=False: x.max(dim, keepdim),
    "min": lambda x, dim=None, keepdim=False: x.min(dim, keepdim),
    "prod": lambda x, dim=None, keepdim=False: x.prod(dim, keepdim),
    "var": lambda x, dim=None, correction=1, keepdim=False: x.var(dim, keepdim, correction),
    "std": lambda x, dim=None, correction=1, keepdim=False: x.std(dim, keepdim, correction),
    "logsumexp": _logsumexp,
    "softmax": lambda x, dim: x.softmax(dim),
    "log_softmax": lambda x, dim: x.log_softmax(dim),
    "matmul": Tensor.matmul,
    "mm": Tensor.matmul,  # tinygrad has no mm: matmul of two matrices is one
    "t": _t,
    "transpose": Tensor.transpose,
    "permute": lambda x, dims: x.permute(dims),
    "mT": lambda x: x.transpose(-2, -1),  # torch documents x.mT as x.transpose(-2, -1)
    "reshape": Tensor.reshape,
    "view": Tensor.view,
    "flatten": Tensor.flatten,
    "squeeze": Tensor.squeeze,
    "unsqueeze": Tensor.unsqueeze,
    "expand": lambda x, sizes: x.expand(sizes),
    "getitem": _getitem,
    "cat": lambda tensors, dim=0: Tensor.cat(*tensors, dim=dim),
    "stack": lambda tensors, dim=0: Tensor.stack(*tensors, dim=dim),
    "split": lambda x, split_size_or_sections, dim=0: x.split(split_size_or_sections, dim),
    "chunk": lambda x, chunks, dim=0: tuple(x.chunk(chunks, dim)),
}


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
            Capability.SHARED_STORAGE,  # the realized buffer under uop.base
            Capability.INPLACE,  # spelled t.assign(t + 1)
            Capability.INTEGER_TENSORS,
            Capability.SGD,  # tinygrad.nn.optim.SGD; step() raises unless TRAINING is on
            Capability.SGD_OPTIONS,  # SGD's momentum, weight_decay and nesterov
            Capability.AUTOGRAD_GRAD,  # out.gradient(*inputs, gradient=v): returned, .grad untouched
            Capability.CREATE_GRAPH,  # a gradient is a lazy graph like any other: differentiable again
            Capability.NESTED_VJP,  # vjp_nested through gradient(), as BaseAdapter spells it
            Capability.INPLACE_OPS,  # mul_ spelled t.assign(t * 3); t[index] = value; no .data
        }
    )
    dtypes: ClassVar[tuple[str, ...]] = ("float32", "float64")
    deviations: ClassVar[Path | None] = Path(__file__).with_name("tinygrad.deviations")
    operators: ClassVar[dict[str, Any]] = _OPERATORS

    def version(self) -> str:
        return version("tinygrad")  # tinygrad has no __version__

    def devices(self) -> dict[str, str | None]:
        return _devices()

    def tensor(self, data: np.ndarray, *, device: str, requires_grad: bool = False) -> Tensor:
        # no requires_grad: every float tensor is differentiable. np.asarray: Tensor() refuses a NumPy
        # scalar, which a spec's arithmetic on a 0-d array can hand in place of the array
        return Tensor(np.asarray(data), device=device.upper())

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

    def shares_storage(self, a: Tensor, b: Tensor) -> bool:
        Tensor.realize(a, b)  # a lazy tensor has no storage yet
        storage = a.uop.base.realized
        return storage is not None and storage is b.uop.base.realized

    def add_(self, tensor: Tensor, number: float) -> None:
        tensor.assign(tensor + number)

    def sgd(self, params: Any, lr: float, **options: Any) -> Any:
        if isinstance(params, list | tuple) and any(isinstance(group, dict) for group in params):
            raise Unsupported("SGD parameter groups (tinygrad's SGD takes one list of tensors)")
        for option, off in _SGD_LACKS.items():
            if options.pop(option, off) != off:
                raise Unsupported(f"SGD {option}")
        return SGD(params, lr=lr, **options)  # momentum, weight_decay, nesterov: torch's names

    def step(self, optimizer: Any) -> None:
        optimizer.step()

    def zero_grad(self, optimizer: Any, set_to_none: bool = True) -> None:
        if not set_to_none:
            raise Unsupported("SGD zero_grad(set_to_none=False) (tinygrad's sets .grad to None only)")
        optimizer.zero_grad()

    def grad_of(
        self,
        outputs: Any,
        inputs: Any,
        grad_outputs: Any = None,
        *,
        retain_graph: bool | None = None,
        create_graph: bool = False,
        allow_unused: bool = False,
    ) -> list[Tensor | None]:
        # retain_graph, create_graph: the lazy graph is never freed and every gradient is a graph
        # itself; allow_unused: none, an input the output does not depend on gets zeros
        if len(outputs) != 1:
            raise Unsupported("autograd.grad of several outputs (Tensor.gradient differentiates one tensor)")
        (out,) = outputs
        gradient = None if grad_outputs is None else grad_outputs[0]
        return list(out.gradient(*inputs, gradient=gradient))

    def mul_(self, tensor: Tensor, number: float) -> None:
        tensor.assign(tensor * number)

    def setitem(self, tensor: Tensor, index: Any, value: Any) -> None:
        tensor[index] = value

    def data_of(self, tensor: Tensor) -> Tensor:
        raise Unsupported("t.data (tinygrad's Tensor.data() is a memoryview of the buffer, not a tensor)")
