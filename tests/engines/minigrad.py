"""minigrad: a small, correct autograd engine on NumPy with PyTorch's module API.

It exists to show that the suite measures something: ``pytest --target=tests.engines.minigrad``
passes every spec with no adapter code, and ``tests/engines/broken.py`` and ``broken_operators.py``
derive engines from it that each carry one realistic bug, which the suite must catch.

How it works, as PyTorch does it:

* every operation is a :class:`Node` subclass named as torch names its graph node (``AddBackward0``):
  ``forward`` on arrays, and torch's backward formulas twice, on arrays for an ordinary backward and
  with recorded operations for ``create_graph=True`` (``minigrad_node.py``, ``minigrad_ops.py``,
  ``minigrad_reductions.py``, ``minigrad_shapes.py``);
* a :class:`Tensor` holds a NumPy array (``.array``; ``.data`` is torch's untracked alias), its
  ``grad_fn`` and a version counter that it shares with every tensor viewing the same storage (``t()``,
  ``view``, ``x[1:]``, ... return NumPy views); a node remembers the versions of the tensors it saves,
  so an in-place change of one makes backward refuse rather than return a wrong gradient;
* in-place operations record their own node, and on a view rebase the view's base onto a CopySlices
  (``minigrad_inplace.py``);
* one backward pass serves ``backward``, ``autograd.grad`` and hooks (``minigrad_autograd.py``); the grad
  modes are in ``minigrad_modes.py`` and SGD in ``minigrad_optim.py``.

:func:`make_engine` builds a fresh engine module with its own grad mode from (subclasses of)
:class:`Tensor`, the mode contexts and :class:`SGD`: a variant overrides one method, never patches a
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
from typing import Any, ClassVar

import numpy as np

from tests.engines import minigrad_autograd
from tests.engines.minigrad_autograd import AutogradMethods
from tests.engines.minigrad_inplace import InplaceMethods
from tests.engines.minigrad_modes import EnableGrad, GradMode, InferenceMode, NoGrad, SetGradEnabled
from tests.engines.minigrad_node import Node
from tests.engines.minigrad_ops import DivBackward0, ElementwiseMethods, PowBackward0, SubBackward0
from tests.engines.minigrad_optim import SGD
from tests.engines.minigrad_reductions import MeanBackward0, ReductionMethods
from tests.engines.minigrad_shapes import ShapeMethods

__all__ = [  # the parts the broken engines change, kept importable from here
    "SGD",
    "DivBackward0",
    "EnableGrad",
    "GradMode",
    "InferenceMode",
    "MeanBackward0",
    "NoGrad",
    "Node",
    "PowBackward0",
    "SetGradEnabled",
    "SubBackward0",
    "Tensor",
    "make_engine",
]

__version__ = "0.3.0"


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


class Tensor(AutogradMethods, InplaceMethods, ElementwiseMethods, ReductionMethods, ShapeMethods):
    """An array, the flag ``requires_grad``, ``.grad``, and the node that made it (``grad_fn``)."""

    grad_mode: ClassVar[GradMode] = GradMode()  # make_engine gives each engine its own

    def __init__(self, array: np.ndarray, *, version: Version | None = None) -> None:
        self.array = array
        self._requires_grad = False
        self._grad: Tensor | None = None
        self._grad_fn: Node | None = None
        self._version = version or Version()
        self._retains_grad = False
        if self.grad_mode.inference:
            self._inference = True

    @classmethod
    def create(cls, data: Any, *, requires_grad: bool = False, device: str = "cpu") -> Tensor:
        """``tensor(data, requires_grad=False, device="cpu")``: a leaf holding a copy of ``data``."""
        if device != "cpu":
            raise RuntimeError(f"minigrad computes on the CPU only, not on {device!r}")
        array = np.array(data.array if isinstance(data, Tensor) else data, copy=True)
        if not isinstance(data, np.ndarray | np.generic | Tensor) and array.dtype == np.float64:
            array = array.astype(np.float32)  # Python floats default to float32, as in torch
        return cls(array).requires_grad_(requires_grad)

    # -- what a tensor is ---------------------------------------------------------------------

    @property
    def grad_fn(self) -> Node | None:
        """The node that made this tensor; a view's is made anew once its storage changed in place."""
        if self._base is not None and self._view_version != self._version.value:
            self._refresh_view()
        return self._grad_fn

    @grad_fn.setter
    def grad_fn(self, node: Node | None) -> None:
        self._grad_fn = node

    @property
    def requires_grad(self) -> bool:
        """A view made while tracking requires grad as soon as its base does, as in torch."""
        base = self._base
        if base is None or self._creation is not None:
            return self._requires_grad
        return self._requires_grad or base.requires_grad

    @requires_grad.setter
    def requires_grad(self, flag: bool) -> None:
        self._requires_grad = flag

    is_leaf = property(lambda self: self.grad_fn is None)
    retains_grad = property(lambda self: self._retains_grad)

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

    @property
    def data(self) -> Tensor:
        """torch's ``.data``: a leaf that shares the storage but not the version counter, so a change
        through it goes unnoticed by backward, which then uses the new values."""
        alias = type(self)(self.array)
        alias._inference = self._inference
        return alias

    @data.setter
    def data(self, value: Tensor) -> None:
        if not isinstance(value, Tensor):
            raise TypeError(f"Variable data has to be a tensor, but got {type(value).__name__}")
        self.array = value.array  # the storage is the other tensor's; the version counter stays this one's

    def is_inference(self) -> bool:
        return self._inference

    def dim(self) -> int:
        return int(self.array.ndim)

    def numel(self) -> int:
        return int(self.array.size)

    def item(self) -> Any:
        return self.array.item()

    def numpy(self) -> np.ndarray:
        return self.array

    def untyped_storage(self) -> _Storage:
        return _Storage(self.array)

    def __repr__(self) -> str:
        extra = f", grad_fn=<{type(self.grad_fn).__name__}>" if self.grad_fn else ", requires_grad=True"
        return f"tensor({self.array.tolist()}{extra if self.requires_grad else ''})"

    # -- the flag and the graph -----------------------------------------------------------------

    def requires_grad_(self, flag: bool = True) -> Tensor:
        if flag and self.dtype.kind not in "fc":
            raise RuntimeError("Only Tensors of floating point and complex dtype can require gradients")
        if not flag and not self.is_leaf:
            raise RuntimeError("you can only change requires_grad flags of leaf variables.")
        if flag and self._inference and not self.grad_mode.inference:
            raise RuntimeError(
                "Setting requires_grad=True on inference tensor outside InferenceMode is not allowed."
            )
        self.requires_grad = flag
        return self

    def detach(self) -> Tensor:
        """A tensor out of the graph that shares this one's storage and version counter."""
        detached = type(self)(self.array, version=self._version)
        detached._inference = self._inference
        return detached

    def detach_(self) -> Tensor:
        if self._base is not None:
            raise RuntimeError(
                "Can't detach views in-place. Use detach() instead. If you are using DistributedDataParallel "
                "(DDP) for training, and gradient_as_bucket_view is set as True, gradients are views of DDP "
                "buckets, and hence detach_() cannot be called on these gradients. To fix this error, please "
                "refer to the Optimizer.zero_grad() function in torch/optim/optimizer.py as the solution."
            )
        self.grad_fn = None
        self.requires_grad = False
        return self

    def retain_grad(self) -> None:
        if not self.requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if not self.is_leaf:
            self._retains_grad = True

    def _modified(self) -> None:
        self._version.value += 1

    # -- recording -------------------------------------------------------------------------------

    def _lift(self, value: Any) -> Tensor:
        """A Python number as a constant tensor of this tensor's floating dtype, as torch treats it."""
        if isinstance(value, Tensor):
            return value
        return type(self)(np.asarray(value, dtype=self.dtype if self.dtype.kind == "f" else None))

    def _records(self, inputs: tuple[Tensor, ...]) -> bool:
        mode = self.grad_mode
        return mode.enabled and not mode.inference and any(t.requires_grad for t in inputs)

    def _apply(self, node_type: type[Node], *operands: Any, **options: Any) -> Tensor:
        """Run ``node_type`` on the operands and record it when grad mode is on and an input requires grad."""
        inputs = tuple(self._lift(operand) for operand in operands)
        with np.errstate(all="ignore"):  # torch gives inf and nan without a warning
            array = np.asarray(node_type.forward(*(t.array for t in inputs), **options))
        result = self._view_of(inputs[0], array, node_type, options) if node_type.view else type(self)(array)
        if self._records(inputs):
            result._requires_grad = True
            result._grad_fn = node_type(inputs, result, options)
        return result

    def _view_of(
        self, source: Tensor, array: np.ndarray, node_type: type[Node], options: dict[str, Any]
    ) -> Tensor:
        """A view of ``source``: it shares the version counter, and knows its base and how it was made."""
        version = source._version
        view = type(self)(array, version=version)
        view._base = source if source._base is None else source._base
        view._view_chain = (*source._view_chain, (node_type, options))
        view._view_version = version.value
        if source._creation is not None or not self.grad_mode.enabled:
            view._creation = source._creation or "no_grad"
        if source._inference:
            view._inference = True
        return view


_METHODS = (
    "neg abs sign sgn exp log sqrt sin cos tanh sigmoid relu reciprocal clone clamp add sub mul div maximum "
    "minimum sum mean amax amin max min prod var std logsumexp softmax log_softmax matmul mm t transpose "
    "permute reshape flatten squeeze unsqueeze split chunk"
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
    enable_grad_type: type[EnableGrad] = EnableGrad,
    set_grad_enabled_type: type[SetGradEnabled] = SetGradEnabled,
    inference_mode_type: type[InferenceMode] = InferenceMode,
    sgd_type: type[SGD] = SGD,
) -> types.ModuleType:
    """A fresh engine module with its own grad mode: ``make_engine("mine", tensor_type=MyTensor)``.

    It offers what ``targets.torchlike`` asks of a torch-like module: ``tensor``, ``no_grad``,
    ``enable_grad``, ``set_grad_enabled``, ``is_grad_enabled``, ``inference_mode``, ``autograd.grad``,
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
        enable_grad=functools.partial(enable_grad_type, mode),
        set_grad_enabled=functools.partial(set_grad_enabled_type, mode),
        is_grad_enabled=mode.is_grad_enabled,
        inference_mode=functools.partial(inference_mode_type, mode),
        is_inference_mode_enabled=mode.is_inference_mode_enabled,
        autograd=types.SimpleNamespace(grad=minigrad_autograd.grad, backward=minigrad_autograd.backward),
        optim=types.SimpleNamespace(SGD=sgd_type),
        **{function: getattr(engine_tensor, method) for function, method in FUNCTIONS.items()},
    )
    return engine


_DEFAULT = make_engine(__name__)
tensor = _DEFAULT.tensor
no_grad = _DEFAULT.no_grad
enable_grad = _DEFAULT.enable_grad
set_grad_enabled = _DEFAULT.set_grad_enabled
is_grad_enabled = _DEFAULT.is_grad_enabled
inference_mode = _DEFAULT.inference_mode
is_inference_mode_enabled = _DEFAULT.is_inference_mode_enabled
autograd = _DEFAULT.autograd
optim = _DEFAULT.optim


def __getattr__(name: str) -> Any:
    """The default engine's functions, ``minigrad.exp`` ...: looked up here rather than defined as
    globals, which would shadow the builtins ``sum``, ``max``, ``min``, ``abs`` and ``pow`` here."""
    if name in FUNCTIONS:
        return getattr(_DEFAULT, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
