"""minigrad: a small, correct autograd engine on NumPy with PyTorch's module API.

It exists to show that the suite measures something: ``pytest --target=tests.engines.minigrad``
passes every spec with no adapter code, and ``tests/engines/broken.py`` derives engines from it that
each carry one realistic bug, which the suite must catch.

How it works, as PyTorch does it:

* every operation is a :class:`Node` subclass named as torch names its graph node (``AddBackward0``):
  ``forward`` on arrays, ``backward`` from the output's gradient to each input's;
* a :class:`Tensor` holds a NumPy array, its ``grad_fn`` and a version counter that it shares with
  every tensor viewing the same storage; a node remembers the versions of the tensors it saves, so an
  in-place change of one makes backward refuse rather than return a wrong gradient;
* backward walks the nodes in topological order, sums the gradients of every path, reduces broadcast
  gradients to each input's shape, adds into the leaves' ``.grad`` and frees what the nodes saved.

:func:`make_engine` builds a fresh engine module with its own grad mode from (subclasses of)
:class:`Tensor`, :class:`NoGrad` and :class:`SGD`: a variant overrides one method, never patches a
global. This module is itself an engine, the default one::

    from tests.engines import minigrad
    x = minigrad.tensor([1.0, 2.0], requires_grad=True)
    (x * x).sum().backward()  # x.grad is tensor([2., 4.])
"""

from __future__ import annotations

import functools
import math
import types
import weakref
from collections.abc import Iterable
from typing import Any, ClassVar

import numpy as np

__version__ = "0.1.0"


class GradMode:
    """Whether operations record a graph: one per engine, switched off by ``no_grad``."""

    def __init__(self) -> None:
        self.enabled = True


class Version:
    """How many times a storage has been changed in place; shared by the tensors that view it."""

    def __init__(self) -> None:
        self.value = 0


class Node:
    """One recorded operation. Subclasses give ``forward`` (on arrays) and ``backward``.

    ``next`` holds, per input, where its gradient goes: the input's own node, the input itself when it
    is a leaf that requires grad (torch's AccumulateGrad), or None when no gradient is wanted.
    """

    saves: ClassVar[tuple[int, ...]] = ()  # which inputs backward needs

    def __init__(self, inputs: tuple[Tensor, ...], output: Tensor) -> None:
        self.next = tuple((t.grad_fn or t) if t.requires_grad else None for t in inputs)
        self.shapes = tuple(t.shape for t in inputs)
        self.output = weakref.ref(output)
        self._saved: tuple[tuple[Tensor, int], ...] | None = tuple(
            (inputs[i], inputs[i]._version.value) for i in self.saves
        )

    @staticmethod
    def forward(*arrays: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def backward(self, grad: np.ndarray) -> tuple[np.ndarray | None, ...]:
        raise NotImplementedError

    @property
    def saved(self) -> tuple[np.ndarray, ...]:
        """The saved inputs' arrays, refused once freed or changed in place since they were saved."""
        if self._saved is None:
            raise RuntimeError(
                "Trying to backward through the graph a second time (or directly access saved tensors "
                "after they have already been freed). Specify retain_graph=True if you need to backward "
                "through the graph a second time."
            )
        for tensor, version in self._saved:
            if tensor._version.value != version:
                raise RuntimeError(
                    "one of the variables needed for gradient computation has been modified by an "
                    f"inplace operation: it is at version {tensor._version.value}; expected version "
                    f"{version} instead."
                )
        return tuple(tensor.data for tensor, _ in self._saved)

    def release(self) -> None:
        """Free the saved inputs; a node that saved nothing can be run again, as in torch."""
        if self._saved:
            self._saved = None

    def needs(self, index: int) -> bool:
        return self.next[index] is not None


class AddBackward0(Node):
    forward = staticmethod(np.add)

    def backward(self, grad: np.ndarray) -> tuple[np.ndarray | None, ...]:
        return grad, grad


class SubBackward0(Node):
    forward = staticmethod(np.subtract)

    def backward(self, grad: np.ndarray) -> tuple[np.ndarray | None, ...]:
        return grad, -grad


class RsubBackward1(SubBackward0):
    """``number - tensor``: recorded with the operands in the order they are subtracted."""


class MulBackward0(Node):
    saves = (0, 1)
    forward = staticmethod(np.multiply)

    def backward(self, grad: np.ndarray) -> tuple[np.ndarray | None, ...]:
        a, b = self.saved
        return grad * b, grad * a


class DivBackward0(Node):
    saves = (0, 1)
    forward = staticmethod(np.divide)

    def backward(self, grad: np.ndarray) -> tuple[np.ndarray | None, ...]:
        a, b = self.saved
        return grad / b, (-grad * a / (b * b) if self.needs(1) else None)


class PowBackward0(Node):
    """``tensor ** number``; PowBackward1 is ``tensor ** tensor``, PowBackward2 ``number ** tensor``."""

    saves = (0, 1)
    forward = staticmethod(np.power)

    def backward(self, grad: np.ndarray) -> tuple[np.ndarray | None, ...]:
        base, exponent = self.saved
        to_base = grad * exponent * base ** (exponent - 1) if self.needs(0) else None
        to_exponent = grad * base**exponent * np.log(base) if self.needs(1) else None
        return to_base, to_exponent


class PowBackward1(PowBackward0):
    pass


class PowBackward2(PowBackward0):
    pass


class NegBackward0(Node):
    forward = staticmethod(np.negative)

    def backward(self, grad: np.ndarray) -> tuple[np.ndarray | None, ...]:
        return (-grad,)


class SumBackward0(Node):
    forward = staticmethod(np.sum)

    def backward(self, grad: np.ndarray) -> tuple[np.ndarray | None, ...]:
        return (np.broadcast_to(grad, self.shapes[0]),)


class MeanBackward0(Node):
    forward = staticmethod(np.mean)

    def backward(self, grad: np.ndarray) -> tuple[np.ndarray | None, ...]:
        return (np.broadcast_to(grad / math.prod(self.shapes[0]), self.shapes[0]),)


class _Storage:
    """What ``untyped_storage()`` returns: enough to ask whether two tensors share memory."""

    def __init__(self, array: np.ndarray) -> None:
        while isinstance(array.base, np.ndarray):
            array = array.base
        self._array = array

    def data_ptr(self) -> int:
        return int(self._array.ctypes.data)


class Tensor:
    """An array, the flag ``requires_grad``, ``.grad``, and the node that made it (``grad_fn``)."""

    grad_mode: ClassVar[GradMode] = GradMode()  # make_engine gives each engine its own

    def __init__(self, data: np.ndarray, *, version: Version | None = None) -> None:
        self.data = data
        self.requires_grad = False
        self.grad: Tensor | None = None
        self.grad_fn: Node | None = None
        self._version = version or Version()
        self._retains_grad = False

    @classmethod
    def create(cls, data: Any, *, requires_grad: bool = False, device: str = "cpu") -> Tensor:
        """``tensor(data, requires_grad=False, device="cpu")``: a leaf holding a copy of ``data``."""
        if device != "cpu":
            raise RuntimeError(f"minigrad computes on the CPU only, not on {device!r}")
        array = np.array(data.data if isinstance(data, Tensor) else data, copy=True)
        if not isinstance(data, np.ndarray | np.generic | Tensor) and array.dtype == np.float64:
            array = array.astype(np.float32)  # Python floats default to float32, as in torch
        return cls(array).requires_grad_(requires_grad)

    # -- what a tensor is ---------------------------------------------------------------------

    shape = property(lambda self: self.data.shape)
    dtype = property(lambda self: self.data.dtype)
    is_leaf = property(lambda self: self.grad_fn is None)

    def numpy(self) -> np.ndarray:
        return self.data

    def untyped_storage(self) -> _Storage:
        return _Storage(self.data)

    def __repr__(self) -> str:
        extra = f", grad_fn=<{type(self.grad_fn).__name__}>" if self.grad_fn else ", requires_grad=True"
        return f"tensor({self.data.tolist()}{extra if self.requires_grad else ''})"

    # -- the flag and the graph -----------------------------------------------------------------

    def requires_grad_(self, flag: bool = True) -> Tensor:
        if flag and self.dtype.kind not in "fc":
            raise RuntimeError("Only Tensors of floating point and complex dtype can require gradients")
        if not flag and not self.is_leaf:
            raise RuntimeError("you can only change requires_grad flags of leaf variables.")
        self.requires_grad = flag
        return self

    def detach(self) -> Tensor:
        """A tensor out of the graph that shares this one's storage and version counter."""
        return type(self)(self.data, version=self._version)

    def detach_(self) -> Tensor:
        self.grad_fn = None
        self.requires_grad = False
        return self

    def retain_grad(self) -> None:
        if not self.requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if not self.is_leaf:
            self._retains_grad = True

    # -- in place --------------------------------------------------------------------------------

    def add_(self, other: Any) -> Tensor:
        self._check_inplace()
        self.data += other.data if isinstance(other, Tensor) else other
        self._modified()
        return self

    def zero_(self) -> Tensor:
        self.data[...] = 0
        self._modified()
        return self

    def _check_inplace(self) -> None:
        if self.is_leaf and self.requires_grad and self.grad_mode.enabled:
            raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation.")

    def _modified(self) -> None:
        self._version.value += 1

    # -- operations ------------------------------------------------------------------------------

    def _lift(self, value: Any) -> Tensor:
        """A Python number as a constant tensor of this tensor's floating dtype, as torch treats it."""
        if isinstance(value, Tensor):
            return value
        return type(self)(np.asarray(value, dtype=self.dtype if self.dtype.kind == "f" else None))

    def _records(self, inputs: tuple[Tensor, ...]) -> bool:
        return self.grad_mode.enabled and any(t.requires_grad for t in inputs)

    def _apply(self, node_type: type[Node], *operands: Any) -> Tensor:
        inputs = tuple(self._lift(operand) for operand in operands)
        result = type(self)(np.asarray(node_type.forward(*(t.data for t in inputs))))
        if self._records(inputs):
            result.requires_grad = True
            result.grad_fn = node_type(inputs, result)
        return result

    def __add__(self, other: Any) -> Tensor:
        return self._apply(AddBackward0, self, other)

    def __radd__(self, other: Any) -> Tensor:
        return self._apply(AddBackward0, other, self)

    def __sub__(self, other: Any) -> Tensor:
        return self._apply(SubBackward0, self, other)

    def __rsub__(self, other: Any) -> Tensor:
        return self._apply(RsubBackward1, other, self)

    def __mul__(self, other: Any) -> Tensor:
        return self._apply(MulBackward0, self, other)

    def __rmul__(self, other: Any) -> Tensor:
        return self._apply(MulBackward0, other, self)

    def __truediv__(self, other: Any) -> Tensor:
        return self._apply(DivBackward0, self, other)

    def __rtruediv__(self, other: Any) -> Tensor:
        return self._apply(DivBackward0, other, self)

    def __pow__(self, other: Any) -> Tensor:
        return self._apply(PowBackward1 if isinstance(other, Tensor) else PowBackward0, self, other)

    def __rpow__(self, other: Any) -> Tensor:
        return self._apply(PowBackward2, other, self)

    def __neg__(self) -> Tensor:
        return self._apply(NegBackward0, self)

    def sum(self) -> Tensor:
        return self._apply(SumBackward0, self)

    def mean(self) -> Tensor:
        return self._apply(MeanBackward0, self)

    # -- backward --------------------------------------------------------------------------------

    def backward(self, gradient: Tensor | None = None, retain_graph: bool = False) -> None:
        if not self.requires_grad:
            raise RuntimeError("element 0 of tensors does not require grad and does not have a grad_fn")
        root: Node | Tensor = self if self.grad_fn is None else self.grad_fn
        pending: dict[Node | Tensor, np.ndarray] = {root: self._seed(gradient)}
        order = [] if self.grad_fn is None else self._topological_order(self.grad_fn)
        for node in order:
            grad = pending.pop(node)
            output = node.output()
            if output is not None and output._keeps_grad():
                output._accumulate(grad)
            for edge, shape, input_grad in zip(node.next, node.shapes, node.backward(grad), strict=True):
                if edge is not None:
                    pending[edge] = self._sum_paths(pending.get(edge), self._unbroadcast(input_grad, shape))
        if not retain_graph:
            self._release(order)
        for leaf, grad in pending.items():
            if isinstance(leaf, Tensor):
                leaf._accumulate(grad)

    def _seed(self, gradient: Tensor | None) -> np.ndarray:
        """The gradient backward starts from: ``gradient``, or 1 for a single-valued result."""
        if gradient is None:
            if self.data.size != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            return np.ones_like(self.data)
        seed = np.asarray(gradient.data if isinstance(gradient, Tensor) else gradient)
        if seed.shape != self.shape:
            raise RuntimeError(f"Mismatch in shape: grad_output has shape {seed.shape}, output {self.shape}")
        return seed

    @staticmethod
    def _topological_order(root: Node) -> list[Node]:
        """Every node reachable from ``root``, each before the nodes it sends gradients to."""
        order: list[Node] = []
        seen: set[Node] = set()
        stack = [(root, False)]
        while stack:
            node, finished = stack.pop()
            if finished:
                order.append(node)
            elif node not in seen:
                seen.add(node)
                stack.append((node, True))
                stack.extend((edge, False) for edge in node.next if isinstance(edge, Node))
        return order[::-1]

    @staticmethod
    def _sum_paths(earlier: np.ndarray | None, grad: np.ndarray) -> np.ndarray:
        """A tensor reached along several paths gets the sum of their gradients."""
        return grad if earlier is None else earlier + grad

    @staticmethod
    def _unbroadcast(grad: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
        """Sum a gradient over the dimensions that broadcasting added or stretched."""
        grad = grad.sum(axis=tuple(range(grad.ndim - len(shape)))) if grad.ndim > len(shape) else grad
        stretched = tuple(i for i, side in enumerate(shape) if side == 1 and grad.shape[i] != 1)
        return grad.sum(axis=stretched, keepdims=True) if stretched else grad

    @staticmethod
    def _release(order: Iterable[Node]) -> None:
        for node in order:
            node.release()

    def _keeps_grad(self) -> bool:
        """Whether a non-leaf keeps its gradient in .grad: only after retain_grad()."""
        return self._retains_grad

    def _accumulate(self, grad: np.ndarray) -> None:
        """torch's AccumulateGrad: the first gradient becomes .grad, later ones add into it."""
        if self.grad is None:
            self.grad = type(self)(np.array(grad))  # a copy: grad may be a read-only broadcast view
        else:
            self.grad.data += grad


class NoGrad:
    """``with engine.no_grad():``: operations inside record no graph."""

    def __init__(self, mode: GradMode) -> None:
        self.mode = mode

    def __enter__(self) -> None:
        self.previous, self.mode.enabled = self.mode.enabled, False

    def __exit__(self, *exception: object) -> None:
        self.mode.enabled = self.previous


class SGD:
    """Plain stochastic gradient descent: ``step`` does ``p -= lr * p.grad`` in place."""

    def __init__(self, params: Iterable[Tensor], lr: float) -> None:
        if isinstance(params, Tensor):
            raise TypeError(
                "params argument given to the optimizer should be an iterable of Tensors, "
                f"but got {type(params).__name__}"
            )
        self.params = list(params)
        self.lr = lr

    def step(self) -> None:
        for param in self.params:
            if param.grad is not None:
                param.data -= self.lr * param.grad.data
                param._modified()

    def zero_grad(self) -> None:
        for param in self.params:
            param.grad = None


def make_engine(
    name: str = "minigrad",
    *,
    tensor_type: type[Tensor] = Tensor,
    no_grad_type: type[NoGrad] = NoGrad,
    sgd_type: type[SGD] = SGD,
) -> types.ModuleType:
    """A fresh engine module with its own grad mode: ``make_engine("mine", tensor_type=MyTensor)``.

    It offers what ``targets.torchlike`` asks of a torch-like module: ``tensor``, ``no_grad``,
    ``optim.SGD`` and ``__version__``.
    """
    mode = GradMode()
    engine_tensor = type("Tensor", (tensor_type,), {"grad_mode": mode, "__module__": name})
    engine = types.ModuleType(name, f"An autograd engine made by minigrad.make_engine from {tensor_type}.")
    engine.__dict__.update(
        __version__=__version__,
        Tensor=engine_tensor,
        tensor=engine_tensor.create,
        no_grad=functools.partial(no_grad_type, mode),
        optim=types.SimpleNamespace(SGD=sgd_type),
    )
    return engine


_DEFAULT = make_engine(__name__)
tensor = _DEFAULT.tensor
no_grad = _DEFAULT.no_grad
optim = _DEFAULT.optim
