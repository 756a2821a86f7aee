"""dezero (the engine of "Deep Learning from Scratch 3"): a torch-like graph with its own spellings.

Every ``Variable`` is tracked (there is no requires_grad), the graph node is ``creator``, ``backward``
takes no gradient argument but seeds from ``out.grad`` when it is set, and there is no mean.
dezero 0.0.13 needs numpy<1.24 (it uses ``np.int``) and matplotlib, which it does not declare.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any, ClassVar

import dezero
import dezero.functions as F
import numpy as np

from conformance.adapter import BaseAdapter, Capability, Tensor

# Not declared, because dezero lacks them: requires_grad flags (every Variable is tracked); torch's
# node names (creator is Add, Mul, ...); retain_grad() on one tensor (dezero only has
# backward(retain_grad=True) for all of them); detach (y.unchain() cuts the creator in place, but
# leaves y tracked); add_ (x += 1 makes a new Variable); an optimizer over a list of tensors
# (SGD().setup(model) takes a dezero Model).


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
            Capability.NO_GRAD,
            Capability.INTEGER_TENSORS,
        }
    )
    dtypes: ClassVar[tuple[str, ...]] = ("float32", "float64")
    deviations: ClassVar[Path | None] = Path(__file__).with_name("dezero.deviations")

    def version(self) -> str:
        return str(dezero.__version__)

    def tensor(self, data: np.ndarray, *, device: str, requires_grad: bool = False) -> Tensor:
        # requires_grad has no dezero spelling: every Variable is tracked, whatever the flag says.
        # Variable() keeps the caller's array; copy it, as torch.tensor does.
        return dezero.Variable(np.array(data, copy=True))

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

    def backward(self, tensor: Tensor, gradient: Tensor | None = None, retain_graph: bool = False) -> None:
        if gradient is not None:
            tensor.grad = gradient  # dezero's backward() starts from out.grad when it is set
        tensor.backward()  # its first parameter is retain_grad (keep non-leaf grads), not retain_graph

    def grad(self, tensor: Tensor) -> Tensor | None:
        return tensor.grad

    def zero_grad_of(self, tensor: Tensor) -> None:
        tensor.cleargrad()

    def no_grad(self) -> AbstractContextManager[Any]:
        return dezero.no_grad()
