"""The adapter protocol: what the suite asks of an engine, and what an engine may decline.

An adapter translates; it never implements what the engine lacks. It has two layers:

* a functional core every engine can give: make a tensor from a NumPy array, read one back, reduce
  with ``sum`` and ``mean``, and take a vector-Jacobian product of a function;
* stateful capabilities, each declared in ``capabilities``: requires_grad flags, ``backward`` and
  ``.grad``, zeroing, ``detach``/``detach_``, ``no_grad``, graph nodes and their names, in-place
  arithmetic, an SGD optimizer and its options, ``autograd.grad`` and ``create_graph``, hooks, in-place
  operations on results and views, the grad modes and ``inference_mode``;
* ``vjp_nested``, the functional route to higher derivatives: a vjp inside a function that ``vjp``
  differentiates (``jax.vjp`` inside ``jax.vjp``), declared as ``NESTED_VJP``; and ``vjp_outputs``, one
  vjp of a function with several outputs (``jax.vjp`` of a function returning a tuple), declared as
  ``VJP_OUTPUTS``.

A spec that needs a capability the target does not declare is reported *unsupported* with the reason,
counted apart from passes and failures. Arithmetic in spec programs uses the engine's own Python
operators (``2 * x + 2``, ``y ** 2``, ``x / 3``), exactly as the tutorial writes it.

Write an adapter by subclassing :class:`BaseAdapter` (or ``targets.torchlike.TorchLikeAdapter`` for an
engine that mirrors PyTorch's API) and overriding the methods your capabilities name::

    class MineAdapter(TorchLikeAdapter):
        name = "mine"
        module_name = "mine"
        capabilities = TorchLikeAdapter.capabilities - {Capability.NODE_NAMES}
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

import numpy as np

Tensor = Any
"""An engine's own tensor type: the suite never looks inside one except through the adapter."""


class Capability(enum.Enum):
    """A stateful feature an engine may have. The value is how reports spell it."""

    VJP = "vjp"  # vector-Jacobian product of a function: the functional core of every engine
    TRACKING = "requires_grad"  # tensor(requires_grad=True) and reading the flag back
    SET_REQUIRES_GRAD = "requires_grad_"  # the flag changed in place on an existing tensor
    GRAPH_NODES = "graph nodes"  # results of tracked operations carry a node (grad_fn); leaves none
    NODE_NAMES = "torch node names"  # nodes are named as torch names them: AddBackward0, ...
    BACKWARD = "backward"  # out.backward() on a scalar fills .grad of the leaves
    BACKWARD_GRADIENT = "backward(gradient)"  # out.backward(v) with an explicit gradient
    RETAIN_GRAPH = "retain_graph"  # backward(retain_graph=True) keeps the graph for another pass
    RETAIN_GRAD = "retain_grad"  # a non-leaf keeps its .grad after retain_grad()
    ZERO_GRAD = "grad.zero_()"  # resetting a leaf's .grad: torch's grad.zero_(), dezero's cleargrad()
    DETACH = "detach"  # detach() returns an untracked tensor
    DETACH_INPLACE = "detach_"  # detach_() untracks a tensor in place
    SHARED_STORAGE = "storage sharing"  # whether two tensors share memory can be asked
    NO_GRAD = "no_grad"  # a context in which results are not tracked
    INPLACE = "in-place arithmetic"  # x.add_(1) changes a tensor in place
    INTEGER_TENSORS = "integer tensors"  # tensors of integer dtype can be made
    SGD = "SGD optimizer"  # optim.SGD(params, lr) with step() and zero_grad()
    SGD_OPTIONS = "SGD options"  # momentum, dampening, weight_decay, nesterov, maximize, parameter
    # groups, zero_grad(set_to_none=False); an option the engine lacks raises Unsupported on its own
    AUTOGRAD_GRAD = "autograd.grad"  # gradients of outputs returned, .grad untouched
    CREATE_GRAPH = "create_graph"  # autograd.grad(create_graph=True) returns differentiable gradients
    NESTED_VJP = "vjp of vjp"  # vjp_nested(): a vjp inside a function that vjp differentiates
    VJP_OUTPUTS = "vjp of several outputs"  # vjp_outputs(): one vjp of a function returning a tuple
    BACKWARD_CREATE_GRAPH = "backward(create_graph)"  # backward(create_graph=True) leaves a .grad
    # that is differentiable in turn, and clear_grad() sets .grad to None (torch's x.grad = None)
    HOOKS = "hooks"  # t.register_hook(fn) and the handle's remove()
    INPLACE_OPS = "in-place operations"  # mul_ and index assignment on results and views, .data
    GRAD_MODES = "grad modes"  # set_grad_enabled (function and context), enable_grad, is_grad_enabled
    INFERENCE_MODE = "inference_mode"  # inference_mode() and is_inference()


STATEFUL = frozenset(Capability) - {
    Capability.VJP,
    Capability.INTEGER_TENSORS,
    Capability.NESTED_VJP,
    Capability.VJP_OUTPUTS,
}
"""Every capability that needs tensors with state; a purely functional engine has none of them."""


class Unsupported(BaseException):
    """Raised by an adapter for a feature its engine lacks; the spec is then reported unsupported.

    It derives from BaseException so that neither hypothesis nor ``ag.raises`` mistakes it for the
    engine refusing an operation.
    """

    def __init__(self, feature: str) -> None:
        super().__init__(feature)
        self.feature = feature
        self.in_program = False  # set by the runner when a program met it while running


class Adapter(Protocol):
    """What the suite needs from an engine. :class:`BaseAdapter` fills in the optional part."""

    name: ClassVar[str]  # the target's name on the command line and in reports
    capabilities: ClassVar[frozenset[Capability]]  # the stateful features the engine has
    dtypes: ClassVar[tuple[str, ...]]  # floating dtypes the engine computes in, NumPy spelling
    deviations: ClassVar[Path | None]  # the known-deviations file the target owns, if any

    def version(self) -> str: ...
    def operator(self, name: str) -> Callable[..., Tensor] | None: ...  # catalogue name -> engine call
    def devices(self) -> dict[str, str | None]: ...  # device -> None if usable, else why not
    def tensor(self, data: np.ndarray, *, device: str, requires_grad: bool = False) -> Tensor: ...
    def numpy(self, tensor: Tensor) -> np.ndarray: ...  # may share memory: the suite copies to keep
    def sum(self, tensor: Tensor) -> Tensor: ...
    def mean(self, tensor: Tensor) -> Tensor: ...
    def vjp(
        self,
        function: Callable[..., Tensor],
        primals: Sequence[np.ndarray],
        cotangent: np.ndarray | None,
        *,
        device: str,
    ) -> tuple[Tensor, list[Tensor | None]]: ...
    def synchronize(self, device: str) -> None: ...  # wait for queued work (benchmarks; CUDA)


def _missing(capability: Capability) -> Callable[..., Any]:
    def method(self: BaseAdapter, *args: Any, **kwargs: Any) -> Any:
        raise Unsupported(capability.value)

    method.__doc__ = f"Unsupported unless the adapter overrides it ({capability.value})."
    return method


class BaseAdapter:
    """The optional part of the protocol: every stateful method raises :class:`Unsupported`.

    Override what the engine has and list it in ``capabilities``. ``vjp`` defaults to the stateful
    route (tensors that require grad, ``backward(cotangent)``, ``.grad``), which is the engine's own
    machinery, not an emulation.
    """

    if TYPE_CHECKING:  # the functional core every subclass must define (see Adapter)

        def tensor(self, data: np.ndarray, *, device: str, requires_grad: bool = False) -> Tensor: ...
        def numpy(self, tensor: Tensor) -> np.ndarray: ...

    name: ClassVar[str] = "unnamed"
    capabilities: ClassVar[frozenset[Capability]] = frozenset()
    dtypes: ClassVar[tuple[str, ...]] = ("float32", "float64")
    deviations: ClassVar[Path | None] = None
    operators: ClassVar[Mapping[str, Callable[..., Tensor]]] = {}
    """The catalogue's operators (:mod:`conformance.catalogue`) by torch name, each mapped to the
    engine's own call taking torch's arguments: ``{"exp": jnp.exp, "sum": _sum}``. An operator not
    mapped is reported unsupported for that operator alone."""

    def version(self) -> str:
        return "unknown"

    def operator(self, name: str) -> Callable[..., Tensor] | None:
        """The engine's call for the catalogue operator ``name``, or None when the engine lacks it."""
        return self.operators.get(name)

    def devices(self) -> dict[str, str | None]:
        return {"cpu": None}

    def vjp(
        self,
        function: Callable[..., Tensor],
        primals: Sequence[np.ndarray],
        cotangent: np.ndarray | None,
        *,
        device: str,
    ) -> tuple[Tensor, list[Tensor | None]]:
        if Capability.BACKWARD not in self.capabilities:
            raise Unsupported(Capability.VJP.value)
        leaves = [self.tensor(p, device=device, requires_grad=True) for p in primals]
        out = function(*leaves)
        gradient = None if cotangent is None else self.tensor(cotangent, device=device)
        self.backward(out, gradient)
        return out, [self.grad(leaf) for leaf in leaves]

    def vjp_nested(
        self,
        function: Callable[..., Tensor],
        primals: Sequence[Tensor],
        cotangent: Tensor | None,
    ) -> tuple[Tensor, list[Tensor | None]]:
        """The vjp of ``function`` at the engine's own tensors ``primals``, inside a function that
        :meth:`vjp` (or another ``vjp_nested``) differentiates: the gradients it returns must be
        differentiable in turn (second derivatives, Hessian-vector products). ``cotangent`` None means
        a single-valued output. The default uses :meth:`grad_of` with ``create_graph=True``."""
        if Capability.CREATE_GRAPH not in self.capabilities:
            raise Unsupported(Capability.NESTED_VJP.value)
        out = function(*primals)
        grads = self.grad_of(
            [out],
            list(primals),
            None if cotangent is None else [cotangent],
            create_graph=True,
            allow_unused=True,
        )
        return out, list(grads)

    def vjp_outputs(
        self,
        function: Callable[..., Sequence[Tensor]],
        primals: Sequence[np.ndarray],
        cotangents: Sequence[np.ndarray],
        *,
        device: str,
    ) -> tuple[list[Tensor], list[Tensor | None]]:
        """The outputs of ``function`` (a tuple of the engine's tensors) at ``primals`` and one vjp of
        them all: each input's gradient is the sum of every output's vjp with its own cotangent, as
        ``jax.vjp(f, *primals)[1](cotangents)`` or ``torch.autograd.grad(outputs, inputs, cotangents)``.
        The default uses :meth:`grad_of` over the outputs."""
        if Capability.AUTOGRAD_GRAD not in self.capabilities:
            raise Unsupported(Capability.VJP_OUTPUTS.value)
        leaves = [self.tensor(p, device=device, requires_grad=True) for p in primals]
        outputs = list(function(*leaves))
        vectors = [self.tensor(c, device=device) for c in cotangents]
        return outputs, list(self.grad_of(outputs, leaves, vectors))

    requires_grad = _missing(Capability.TRACKING)  # (t) -> bool
    requires_grad_ = _missing(Capability.SET_REQUIRES_GRAD)  # (t, flag) -> t, in place
    is_leaf = _missing(Capability.GRAPH_NODES)  # (t) -> bool
    has_node = _missing(Capability.GRAPH_NODES)  # (t) -> bool: does t carry a graph node
    node_name = _missing(Capability.NODE_NAMES)  # (t) -> str | None: torch's grad_fn name
    backward = _missing(Capability.BACKWARD)  # (t, gradient=None, retain_graph=False) -> None; the
    # runner passes create_graph=True as a fourth keyword only where BACKWARD_CREATE_GRAPH is declared
    clear_grad = _missing(Capability.BACKWARD_CREATE_GRAPH)  # (t) -> None: t.grad = None
    grad = _missing(Capability.BACKWARD)  # (t) -> Tensor | None
    retain_grad = _missing(Capability.RETAIN_GRAD)  # (t) -> None
    zero_grad_of = _missing(Capability.ZERO_GRAD)  # (leaf) -> None, resets leaf's .grad as the engine does
    detach = _missing(Capability.DETACH)  # (t) -> Tensor
    detach_ = _missing(Capability.DETACH_INPLACE)  # (t) -> Tensor, t untracked in place
    shares_storage = _missing(Capability.SHARED_STORAGE)  # (a, b) -> bool
    add_ = _missing(Capability.INPLACE)  # (t, number) -> None, t += number in place
    sgd = _missing(Capability.SGD)  # (params, lr, **options) -> optimizer; params: tensors or groups
    # (dicts with "params" and options, as torch takes them); options: momentum, dampening,
    # weight_decay, nesterov, maximize; one the engine lacks raises Unsupported("SGD <option>")
    step = _missing(Capability.SGD)  # (optimizer) -> None
    zero_grad = _missing(Capability.SGD)  # (optimizer, set_to_none=True) -> None
    # (outputs, inputs, grad_outputs=None, *, retain_graph=None, create_graph=False,
    #  allow_unused=False) -> list[Tensor | None], as torch.autograd.grad, .grad of no tensor touched
    grad_of = _missing(Capability.AUTOGRAD_GRAD)
    register_hook = _missing(Capability.HOOKS)  # (t, hook) -> handle; hook(grad) -> Tensor | None
    remove_hook = _missing(Capability.HOOKS)  # (handle) -> None
    mul_ = _missing(Capability.INPLACE_OPS)  # (t, number) -> None, t *= number in place
    setitem = _missing(Capability.INPLACE_OPS)  # (t, index, value) -> None: t[index] = value
    data_of = _missing(Capability.INPLACE_OPS)  # (t) -> Tensor: t.data, an untracked alias of t
    set_grad_enabled = _missing(Capability.GRAD_MODES)  # (flag) -> None, as a function
    is_grad_enabled = _missing(Capability.GRAD_MODES)  # () -> bool
    is_inference = _missing(Capability.INFERENCE_MODE)  # (t) -> bool

    def grad_enabled(self, flag: bool) -> AbstractContextManager[Any]:
        """``with torch.set_grad_enabled(flag):``"""
        raise Unsupported(Capability.GRAD_MODES.value)

    def enable_grad(self) -> AbstractContextManager[Any]:
        raise Unsupported(Capability.GRAD_MODES.value)

    def inference_mode(self) -> AbstractContextManager[Any]:
        raise Unsupported(Capability.INFERENCE_MODE.value)

    def no_grad(self) -> AbstractContextManager[Any]:
        raise Unsupported(Capability.NO_GRAD.value)

    def synchronize(self, device: str) -> None:
        """Wait for queued work on ``device``; benchmarks call it inside the timed region."""


REQUIRED_METHODS = ("version", "devices", "tensor", "numpy", "sum", "mean", "vjp")
"""The functional core: an adapter missing one of these cannot be run at all."""


def missing_methods(adapter: object) -> list[str]:
    """The required methods an adapter object lacks, for the plugin's usage error."""
    return [name for name in REQUIRED_METHODS if not callable(getattr(adapter, name, None))]
