"""An adapter for any engine that mirrors PyTorch's API, given only its module.

``pytest --target=mymodule`` uses it when ``mymodule`` is no registered target but offers
``tensor()``, ``no_grad()``, ``optim.SGD`` and ``Tensor.backward``. An engine with a few different
spellings subclasses it and overrides only those.
"""

from __future__ import annotations

import functools
import importlib
import inspect
from collections.abc import Callable
from contextlib import AbstractContextManager
from types import ModuleType
from typing import Any, ClassVar

import numpy as np

from conformance.adapter import STATEFUL, BaseAdapter, Capability, Tensor
from conformance.catalogue import OPERATORS

TORCH_LIKE_API = ("tensor", "no_grad")
"""What a module must offer to be tested with no adapter code."""


class TorchLikeAdapter(BaseAdapter):
    name: ClassVar[str] = "torch-like"
    module_name: ClassVar[str] = ""  # the engine's module, when the subclass names one
    capabilities: ClassVar[frozenset[Capability]] = STATEFUL | {
        Capability.VJP,
        Capability.INTEGER_TENSORS,
        Capability.NESTED_VJP,
        Capability.VJP_OUTPUTS,
    }

    def __init__(self, module: ModuleType | None = None) -> None:
        self.module = module if module is not None else importlib.import_module(self.module_name)
        self._offered: dict[str, Callable[..., Tensor] | None] = {}

    def operator(self, name: str) -> Callable[..., Tensor] | None:
        """The ``operators`` table's entry, else torch's own spelling of a catalogue operator when the
        module has what it calls."""
        if name in self.operators:
            return self.operators[name]
        if name not in self._offered:
            found = OPERATORS.get(name)
            if found is None:
                self._offered[name] = None
            else:
                owner: Any = self.module
                if found.needs.startswith("."):
                    owner = type(self.tensor(np.zeros(1, dtype=np.float32), device="cpu"))
                offered = hasattr(owner, found.needs.removeprefix("."))
                self._offered[name] = functools.partial(found.torch, self.module) if offered else None
        return self._offered[name]

    def version(self) -> str:
        return str(getattr(self.module, "__version__", "unknown"))

    def tensor(self, data: np.ndarray, *, device: str, requires_grad: bool = False) -> Tensor:
        return self.module.tensor(data, requires_grad=requires_grad, device=device)

    def numpy(self, tensor: Tensor) -> np.ndarray:
        tensor = tensor.detach()
        if hasattr(tensor, "cpu"):
            tensor = tensor.cpu()
        return np.asarray(tensor.numpy())

    def sum(self, tensor: Tensor) -> Tensor:
        return tensor.sum()

    def mean(self, tensor: Tensor) -> Tensor:
        return tensor.mean()

    def requires_grad(self, tensor: Tensor) -> bool:
        return bool(tensor.requires_grad)

    def requires_grad_(self, tensor: Tensor, flag: bool) -> Tensor:
        return tensor.requires_grad_(flag)

    def is_leaf(self, tensor: Tensor) -> bool:
        return bool(tensor.is_leaf)

    def has_node(self, tensor: Tensor) -> bool:
        return tensor.grad_fn is not None

    def node_name(self, tensor: Tensor) -> str | None:
        return None if tensor.grad_fn is None else type(tensor.grad_fn).__name__

    def backward(
        self,
        tensor: Tensor,
        gradient: Tensor | None = None,
        retain_graph: bool = False,
        create_graph: bool = False,
    ) -> None:
        if create_graph:  # passed only where asked for: a module's backward may not take it. Its
            # retain_graph defaults to create_graph, as torch's does (None: the engine's default)
            tensor.backward(gradient, retain_graph=retain_graph or None, create_graph=True)
        else:
            tensor.backward(gradient, retain_graph=retain_graph)

    def clear_grad(self, tensor: Tensor) -> None:
        tensor.grad = None

    def grad(self, tensor: Tensor) -> Tensor | None:
        # no warning filter here: torch's warning on a non-leaf's .grad is what
        # leaf_grad.non_leaf_grad_read_warns measures
        return tensor.grad

    def retain_grad(self, tensor: Tensor) -> None:
        tensor.retain_grad()

    def zero_grad_of(self, tensor: Tensor) -> None:
        tensor.grad.zero_()

    def detach(self, tensor: Tensor) -> Tensor:
        return tensor.detach()

    def detach_(self, tensor: Tensor) -> Tensor:
        return tensor.detach_()

    def shares_storage(self, a: Tensor, b: Tensor) -> bool:
        return bool(a.untyped_storage().data_ptr() == b.untyped_storage().data_ptr())

    def add_(self, tensor: Tensor, number: float) -> None:
        tensor.add_(number)

    def no_grad(self) -> AbstractContextManager[Any]:
        return self.module.no_grad()

    def sgd(self, params: Any, lr: float, **options: Any) -> Any:
        return self.module.optim.SGD(params, lr=lr, **options)

    def step(self, optimizer: Any) -> None:
        optimizer.step()

    def zero_grad(self, optimizer: Any, set_to_none: bool = True) -> None:
        if set_to_none:
            optimizer.zero_grad()  # the default as the engine has it: what zero_grad_sets_none measures
        else:
            optimizer.zero_grad(set_to_none=False)

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
        return list(
            self.module.autograd.grad(
                outputs,
                inputs,
                grad_outputs,
                retain_graph=retain_graph,
                create_graph=create_graph,
                allow_unused=allow_unused,
            )
        )

    def register_hook(self, tensor: Tensor, hook: Callable[[Tensor], Tensor | None]) -> Any:
        return tensor.register_hook(hook)

    def remove_hook(self, handle: Any) -> None:
        handle.remove()

    def mul_(self, tensor: Tensor, number: float) -> None:
        tensor.mul_(number)

    def setitem(self, tensor: Tensor, index: Any, value: Any) -> None:
        tensor[index] = value

    def data_of(self, tensor: Tensor) -> Tensor:
        return tensor.data

    def set_grad_enabled(self, flag: bool) -> None:
        self.module.set_grad_enabled(flag)

    def grad_enabled(self, flag: bool) -> AbstractContextManager[Any]:
        return self.module.set_grad_enabled(flag)  # type: ignore[no-any-return]

    def is_grad_enabled(self) -> bool:
        return bool(self.module.is_grad_enabled())

    def enable_grad(self) -> AbstractContextManager[Any]:
        return self.module.enable_grad()  # type: ignore[no-any-return]

    def inference_mode(self) -> AbstractContextManager[Any]:
        return self.module.inference_mode()  # type: ignore[no-any-return]

    def is_inference(self, tensor: Tensor) -> bool:
        return bool(tensor.is_inference())


def is_torch_like(module: ModuleType) -> bool:
    return all(callable(getattr(module, attribute, None)) for attribute in TORCH_LIKE_API)


CAPABILITY_API: dict[Capability, tuple[str, ...]] = {
    Capability.AUTOGRAD_GRAD: ("autograd.grad",),
    Capability.CREATE_GRAPH: ("autograd.grad",),
    Capability.VJP_OUTPUTS: ("autograd.grad",),
    Capability.BACKWARD_CREATE_GRAPH: (".backward(create_graph)",),
    Capability.HOOKS: (".register_hook",),
    Capability.INPLACE_OPS: (".mul_", ".__setitem__", ".data"),
    Capability.GRAD_MODES: ("set_grad_enabled", "enable_grad", "is_grad_enabled"),
    Capability.INFERENCE_MODE: ("inference_mode", ".is_inference"),
}
"""What a torch-like module must have for each capability beyond the tutorial's: a module that lacks
one is not declared to have it (its specs are unsupported, not failed by a missing attribute)."""


def offers_api(module: ModuleType, path: str) -> bool:
    """Whether ``module`` has ``path``: ``"autograd.grad"`` on the module, ``".mul_"`` on its tensors,
    ``".backward(create_graph)"`` a tensor method taking that keyword."""
    path, _, keyword = path.rstrip(")").partition("(")
    owner: Any = module
    if path.startswith("."):
        try:
            owner = module.tensor([0.0])
        except Exception:  # a module whose tensor() refuses a list: judged by its Tensor type
            owner = getattr(module, "Tensor", None)
        path = path[1:]
    for part in path.split("."):
        if not hasattr(owner, part):
            return False
        owner = getattr(owner, part)
    return not keyword or takes_keyword(owner, keyword)


def takes_keyword(function: Any, keyword: str) -> bool:
    try:
        parameters = inspect.signature(function).parameters.values()
    except (TypeError, ValueError):  # a builtin without a signature: not declared, so its specs are
        return False  # reported unsupported rather than failed by a keyword it may not take
    return any(p.name == keyword or p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters)


def adapter_for_module(module: ModuleType) -> TorchLikeAdapter:
    """Wrap a torch-like module: ``adapter_for_module(importlib.import_module("mine"))``.

    The capabilities beyond the tutorial's are declared where the module has their API
    (:data:`CAPABILITY_API`); ``NESTED_VJP`` follows ``CREATE_GRAPH``. A module may narrow them with
    ``__conformance_lacks__ = {"create_graph"}`` (capabilities by their report spelling) for what it
    has the API of but does not do."""
    adapter = TorchLikeAdapter(module)
    adapter.name = module.__name__  # type: ignore[misc]  # the target is named by its module
    lacks = {Capability(value) for value in getattr(module, "__conformance_lacks__", ())}
    lacks |= {
        capability
        for capability, paths in CAPABILITY_API.items()
        if not all(offers_api(module, path) for path in paths)
    }
    if Capability.CREATE_GRAPH in lacks:
        lacks.add(Capability.NESTED_VJP)  # the default vjp_nested is autograd.grad(create_graph=True)
    adapter.capabilities = adapter.capabilities - lacks  # type: ignore[misc]
    return adapter
