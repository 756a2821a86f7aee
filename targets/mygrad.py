"""mygrad as a target: NumPy-backed tensors whose tracking flag is spelled ``constant`` (inverted).

Spellings mapped here: ``requires_grad`` is ``not constant``; the graph node is ``creator``; no_grad is
``mygrad.no_autodiff``; detach is ``mygrad.astensor(t, constant=True)``, which its docstring promises
makes no copy; ``.grad`` is a plain NumPy array, zeroed with ``grad[...] = 0``. mygrad has no
retain_graph, no detach_, no requires_grad_ (``constant`` has no setter) and no optimizer.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from importlib.metadata import version
from pathlib import Path
from typing import Any, ClassVar

import mygrad as mg
import numpy as np

from conformance.adapter import BaseAdapter, Capability, Tensor, Unsupported


class MygradAdapter(BaseAdapter):
    name: ClassVar[str] = "mygrad"
    capabilities: ClassVar[frozenset[Capability]] = frozenset(
        {
            Capability.VJP,  # through backward(v) and .grad: mygrad has no functional vjp
            Capability.TRACKING,  # constant=False
            Capability.GRAPH_NODES,  # Tensor.creator
            Capability.BACKWARD,
            Capability.BACKWARD_GRADIENT,
            Capability.RETAIN_GRAD,  # every tensor in the graph keeps its .grad: nothing to ask for
            Capability.ZERO_GRAD,
            Capability.DETACH,
            Capability.SHARED_STORAGE,  # Tensor.data is the NumPy array itself
            Capability.NO_GRAD,
            Capability.INPLACE,
            Capability.INTEGER_TENSORS,
        }
    )
    dtypes: ClassVar[tuple[str, ...]] = ("float32", "float64")
    deviations: ClassVar[Path | None] = Path(__file__).with_name("mygrad.deviations")

    def version(self) -> str:
        return version("mygrad")

    def tensor(self, data: np.ndarray, *, device: str, requires_grad: bool = False) -> Tensor:
        return mg.tensor(data, constant=not requires_grad)

    def numpy(self, tensor: Tensor) -> np.ndarray:
        return np.array(tensor, copy=True)  # a Tensor, or a .grad, which is already an ndarray

    def sum(self, tensor: Tensor) -> Tensor:
        return tensor.sum()

    def mean(self, tensor: Tensor) -> Tensor:
        return tensor.mean()

    def requires_grad(self, tensor: Tensor) -> bool:
        return not tensor.constant

    def is_leaf(self, tensor: Tensor) -> bool:
        return tensor.creator is None

    def has_node(self, tensor: Tensor) -> bool:
        return tensor.creator is not None

    def backward(self, tensor: Tensor, gradient: Tensor | None = None, retain_graph: bool = False) -> None:
        if retain_graph:
            raise Unsupported(Capability.RETAIN_GRAPH.value)
        tensor.backward(gradient)

    def grad(self, tensor: Tensor) -> np.ndarray | None:
        return tensor.grad

    def retain_grad(self, tensor: Tensor) -> None:
        pass  # mygrad keeps the .grad of non-leaves anyway

    def zero_grad_of(self, tensor: Tensor) -> None:
        tensor.grad[...] = 0  # .grad is a NumPy array; mygrad has no zero_()

    def detach(self, tensor: Tensor) -> Tensor:
        return mg.astensor(tensor, constant=True)

    def shares_storage(self, a: Tensor, b: Tensor) -> bool:
        return bool(np.shares_memory(a.data, b.data))

    def add_(self, tensor: Tensor, number: float) -> None:
        tensor += number  # mygrad's augmented assignment is a tracked in-place operation on tensor

    def no_grad(self) -> AbstractContextManager[Any]:
        return mg.no_autodiff  # type: ignore[no-any-return]
