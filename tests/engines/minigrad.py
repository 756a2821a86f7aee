"""minigrad: a small, correct autograd engine on NumPy with PyTorch's module API.

It exists to show that the suite measures something: ``pytest --target=tests.engines.minigrad``
passes every spec with no adapter code, and ``tests/engines/broken.py`` and ``broken_operators.py``
derive engines from it that each carry one realistic bug, which the suite must catch.

How it works, as PyTorch does it:

* every operation is a :class:`Node` subclass named as torch names its graph node (``AddBackward0``):
  ``forward`` on arrays, ``backward`` from the output's gradient to each input's, with torch's formulas
  (``minigrad_ops.py``, ``minigrad_reductions.py``, ``minigrad_shapes.py``);
* a :class:`Tensor` holds a NumPy array, its ``grad_fn`` and a version counter that it shares with
  every tensor viewing the same storage (``t()``, ``view``, ``x[1:]``, ... return NumPy views); a node
  remembers the versions of the tensors it saves, so an in-place change of one makes backward refuse
  rather than return a wrong gradient;
* backward walks the nodes in topological order, sums the gradients of every path, reduces broadcast
  gradients to each input's shape, adds into the leaves' ``.grad`` and frees what the nodes saved.

:func:`make_engine` builds a fresh engine module with its own grad mode from (subclasses of)
:class:`Tensor`, :class:`NoGrad` and :class:`SGD`: a variant overrides one method, never patches a
global. The module's functions (``exp``, ``sum``, ``matmul``, ...) are the tensor's own methods, so a
variant's tensor changes them too. This module is itself an engine, the default one::

    from tests.engines import minigrad
    x = minigrad.tensor([1.0, 2.0], requires_grad=True)
    (x * x).sum().backward()  # x.grad is tensor([2., 4.])
"""

from __future__ import annotations

import functools
import types
import warnings
from collections.abc import Iterable
from typing import Any, ClassVar

import numpy as np

from tests.engines.minigrad_ops import (
    DivBackward0,
    ElementwiseMethods,
    Node,
    PowBackward0,
    SubBackward0,
    sum_to,
)
from tests.engines.minigrad_reductions import MeanBackward0, ReductionMethods
from tests.engines.minigrad_shapes import ShapeMethods

__all__ = [  # the nodes the broken engines change, kept importable from here
    "SGD",
    "DivBackward0",
    "MeanBackward0",
    "NoGrad",
    "Node",
    "PowBackward0",
    "SubBackward0",
    "Tensor",
    "make_engine",
]

__version__ = "0.2.0"


class GradMode:
    """Whether operations record a graph: one per engine, switched off by ``no_grad``."""

    def __init__(self) -> None:
        self.enabled = True


class Version:
    """How many times a storage has been changed in place; shared by the tensors that view it."""

    def __init__(self) -> None:
        self.value = 0


class _Storage:
    """What ``untyped_storage()`` returns: enough to ask whether two tensors share memory."""

    def __init__(self, array: np.ndarray) -> None:
        while isinstance(array.base, np.ndarray):
            array = array.base
        self._array = array

    def data_ptr(self) -> int:
        return int(self._array.ctypes.data)


class Tensor(ElementwiseMethods, ReductionMethods, ShapeMethods):
    """An array, the flag ``requires_grad``, ``.grad``, and the node that made it (``grad_fn``)."""

    grad_mode: ClassVar[GradMode] = GradMode()  # make_engine gives each engine its own

    def __init__(self, data: np.ndarray, *, version: Version | None = None) -> None:
        self.data = data
        self.requires_grad = False
        self._grad: Tensor | None = None
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

    is_leaf = property(lambda self: self.grad_fn is None)

    @property
    def grad(self) -> Tensor | None:
        """What backward left here; reading it on a non-leaf that keeps none warns, as torch does."""
        if self._grad is None and not self.is_leaf and not self._retains_grad:
            warnings.warn(
                "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its .grad "
                "attribute won't be populated during autograd.backward(); call .retain_grad() on it first.",
                UserWarning,
                stacklevel=2,
            )
        return self._grad

    @grad.setter
    def grad(self, value: Tensor | None) -> None:
        self._grad = value

    def dim(self) -> int:
        return int(self.data.ndim)

    def numel(self) -> int:
        return int(self.data.size)

    def item(self) -> Any:
        return self.data.item()

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

    # -- recording -------------------------------------------------------------------------------

    def _lift(self, value: Any) -> Tensor:
        """A Python number as a constant tensor of this tensor's floating dtype, as torch treats it."""
        if isinstance(value, Tensor):
            return value
        return type(self)(np.asarray(value, dtype=self.dtype if self.dtype.kind == "f" else None))

    def _records(self, inputs: tuple[Tensor, ...]) -> bool:
        return self.grad_mode.enabled and any(t.requires_grad for t in inputs)

    def _apply(self, node_type: type[Node], *operands: Any, **options: Any) -> Tensor:
        """Run ``node_type`` on the operands and record it when grad mode is on and an input requires grad."""
        inputs = tuple(self._lift(operand) for operand in operands)
        with np.errstate(all="ignore"):  # torch gives inf and nan without a warning
            data = np.asarray(node_type.forward(*(t.data for t in inputs), **options))
        result = type(self)(data, version=inputs[0]._version if node_type.view else None)
        if self._records(inputs):
            result.requires_grad = True
            result.grad_fn = node_type(inputs, result, options)
        return result

    # -- backward --------------------------------------------------------------------------------

    def backward(self, gradient: Tensor | None = None, retain_graph: bool = False) -> None:
        if not self.requires_grad:
            raise RuntimeError("element 0 of tensors does not require grad and does not have a grad_fn")
        root: Node | Tensor = self if self.grad_fn is None else self.grad_fn
        pending: dict[Node | Tensor, np.ndarray] = {root: self._seed(gradient)}
        order = [] if self.grad_fn is None else self._topological_order(self.grad_fn)
        with np.errstate(all="ignore"):  # torch gives inf and nan without a warning
            for node in order:
                grad = pending.pop(node)
                output = node.output()
                if output is not None and output._keeps_grad():
                    output._accumulate(grad)
                for edge, input_grad in self._input_gradients(node, grad):
                    pending[edge] = self._sum_paths(pending.get(edge), input_grad)
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

    def _input_gradients(self, node: Node, grad: np.ndarray) -> list[tuple[Node | Tensor, np.ndarray]]:
        """Where ``node`` sends gradients: (an input's node or leaf, its gradient in its shape) per input
        that wants one; an input used twice by the node appears twice."""
        grads = node.backward(grad)
        return [
            (edge, self._unbroadcast(input_grad, shape))
            for edge, shape, input_grad in zip(node.next, node.shapes, grads, strict=True)
            if edge is not None
        ]

    @staticmethod
    def _sum_paths(earlier: np.ndarray | None, grad: np.ndarray) -> np.ndarray:
        """A tensor reached along several paths gets the sum of their gradients."""
        return grad if earlier is None else earlier + grad

    _unbroadcast = staticmethod(sum_to)  # a broadcast input's gradient summed back to its shape

    @staticmethod
    def _release(order: Iterable[Node]) -> None:
        for node in order:
            node.release()

    def _keeps_grad(self) -> bool:
        """Whether a non-leaf keeps its gradient in .grad: only after retain_grad()."""
        return self._retains_grad

    def _accumulate(self, grad: np.ndarray) -> None:
        """torch's AccumulateGrad: the first gradient becomes .grad, later ones add into it."""
        if self._grad is None:
            self._grad = type(self)(np.array(grad))  # a copy: grad may be a read-only broadcast view
        else:
            self._grad.data += grad


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


_METHODS = (
    "neg abs exp log sqrt sin cos tanh sigmoid relu reciprocal clamp add sub mul div maximum minimum sum "
    "mean amax amin max min prod var std logsumexp softmax log_softmax matmul mm t transpose permute "
    "reshape flatten squeeze unsqueeze split chunk"
).split()
FUNCTIONS = {
    **{name: name for name in _METHODS},
    "pow": "_pow",
    "where": "_where",
    "cat": "_cat",
    "stack": "_stack",
}
"""The engine's functions, each the tensor's method of that name (or the private one it names), so
``engine.exp(x)`` is ``x.exp()``."""


def make_engine(
    name: str = "minigrad",
    *,
    tensor_type: type[Tensor] = Tensor,
    no_grad_type: type[NoGrad] = NoGrad,
    sgd_type: type[SGD] = SGD,
) -> types.ModuleType:
    """A fresh engine module with its own grad mode: ``make_engine("mine", tensor_type=MyTensor)``.

    It offers what ``targets.torchlike`` asks of a torch-like module: ``tensor``, ``no_grad``,
    ``optim.SGD`` and ``__version__``, and torch's functions of the operator catalogue.
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
        **{function: getattr(engine_tensor, method) for function, method in FUNCTIONS.items()},
    )
    return engine


_DEFAULT = make_engine(__name__)
tensor = _DEFAULT.tensor
no_grad = _DEFAULT.no_grad
optim = _DEFAULT.optim


def __getattr__(name: str) -> Any:
    """The default engine's functions, ``minigrad.exp`` ...: looked up here rather than defined as
    globals, which would shadow the builtins ``sum``, ``max``, ``min``, ``abs`` and ``pow`` here."""
    if name in FUNCTIONS:
        return getattr(_DEFAULT, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
