"""minigrad's optimizer: torch.optim.SGD, with momentum, dampening, weight decay, Nesterov momentum,
``maximize`` and parameter groups, refused and computed exactly as torch 2.13 refuses and computes them.

``step`` works on the parameters' arrays, so it records nothing (torch steps under no_grad), and changes
them in place (their version goes up, as torch's ``add_`` does)::

    opt = engine.optim.SGD([w], lr=0.1, momentum=0.9)
    opt.zero_grad(); loss(w).backward(); opt.step()
"""

from __future__ import annotations

import collections
import warnings
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from tests.engines.minigrad_modes import EnableGrad
from tests.engines.minigrad_node import Operations, torch_type

Tensor = Any  # a minigrad Tensor


class SGD:
    """``SGD(params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False, *, maximize=False)``;
    ``params`` is an iterable of tensors, or of dicts (parameter groups) with "params" and any options
    that differ from these defaults."""

    def __init__(
        self,
        params: Iterable[Tensor] | Iterable[dict[str, Any]],
        lr: float = 1e-3,
        momentum: float = 0,
        dampening: float = 0,
        weight_decay: float = 0,
        nesterov: bool = False,
        *,
        maximize: bool = False,
        foreach: bool | None = None,
        differentiable: bool = False,
        fused: bool | None = None,
    ) -> None:
        if lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        if differentiable or fused:
            raise NotImplementedError("minigrad's SGD has no differentiable or fused step")
        self.defaults = {
            "lr": lr,
            "momentum": momentum,
            "dampening": dampening,
            "weight_decay": weight_decay,
            "nesterov": nesterov,
            "maximize": maximize,
            "foreach": foreach,
            "differentiable": differentiable,
            "fused": fused,
        }
        if isinstance(params, Operations):
            raise TypeError(
                "params argument given to the optimizer should be an iterable of Tensors or dicts, but got "
                f"{torch_type(params.dtype)}"
            )
        self.state: collections.defaultdict[Tensor, dict[str, Any]] = collections.defaultdict(dict)
        self.param_groups: list[dict[str, Any]] = []
        groups = list(params)
        if not groups:
            raise ValueError("optimizer got an empty parameter list")
        for group in groups if isinstance(groups[0], dict) else [{"params": groups}]:
            self.add_param_group(group)

    @property
    def params(self) -> list[Tensor]:
        """Every parameter, group after group."""
        return [param for group in self.param_groups for param in group["params"]]

    @property
    def lr(self) -> float:
        """The learning rate of the first group (the only one, unless groups were given)."""
        return self.param_groups[0]["lr"]  # type: ignore[no-any-return]

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group).__name__}")
        params = param_group["params"]
        if isinstance(params, set):
            raise TypeError(
                "optimizer parameters need to be organized in ordered collections, but the ordering of "
                "tensors in sets will change between runs. Please use a list instead."
            )
        param_group["params"] = [params] if isinstance(params, Operations) else list(params)
        for param in param_group["params"]:
            if not isinstance(param, Operations):
                raise TypeError(
                    f"optimizer can only optimize Tensors, but one of the params is {type(param).__name__}"
                )
            if not (param.is_leaf or param.retains_grad):  # type: ignore[attr-defined]
                raise ValueError("can't optimize a non-leaf Tensor")
        for name, default in self.defaults.items():
            param_group.setdefault(name, default)
        params = param_group["params"]
        if len({id(param) for param in params}) != len(params):
            warnings.warn(
                "optimizer contains a parameter group with duplicate parameters; in future, this will cause "
                "an error; see github.com/pytorch/pytorch/issues/40967 for more information",
                UserWarning,
                stacklevel=3,
            )
        taken = {id(param) for group in self.param_groups for param in group["params"]}
        if taken & {id(param) for param in params}:
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(param_group)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """torch's SGD step for each parameter that has a gradient (the first momentum buffer is a copy
        of the gradient); ``closure``, when given, recomputes the loss first and is returned."""
        loss = None
        if closure is not None:
            with EnableGrad(type(self.params[0]).grad_mode):
                loss = closure()
        for group in self.param_groups:
            for param in group["params"]:
                if param.grad is not None:
                    self._update(param, param.grad.array, group)
        return loss

    def _update(self, param: Tensor, grad: np.ndarray, group: dict[str, Any]) -> None:
        momentum, weight_decay = group["momentum"], group["weight_decay"]
        if group["maximize"]:
            grad = -grad
        if weight_decay != 0:
            grad = grad + weight_decay * param.array
        if momentum != 0:
            buffer = self.state[param].get("momentum_buffer")
            if buffer is None:
                buffer = self.state[param]["momentum_buffer"] = type(param)(np.array(grad))
            else:
                buffer.array *= momentum
                buffer.array += (1 - group["dampening"]) * grad
                buffer._modified()
            grad = grad + momentum * buffer.array if group["nesterov"] else buffer.array
        param.array -= group["lr"] * grad
        param._modified()

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Every parameter's .grad set to None, or (``set_to_none=False``) zeroed in place."""
        for param in self.params:
            if param.grad is None:
                continue
            if set_to_none:
                param.grad = None
            else:
                if param.grad.grad_fn is not None:
                    param.grad.detach_()
                else:
                    param.grad.requires_grad_(False)
                param.grad.zero_()
