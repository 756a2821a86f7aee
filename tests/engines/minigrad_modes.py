"""minigrad's grad modes: ``no_grad``, ``enable_grad``, ``set_grad_enabled``, ``inference_mode``.

Each engine has one :class:`GradMode`; the contexts switch it and put it back on leaving, even when an
exception leaves the block, and each works as a decorator too, as torch's do. ``set_grad_enabled(flag)``
takes effect when called, so it works as a plain function as well. Inference mode turns tracking off
whatever grad mode says inside it, and marks the tensors made there (``is_inference()``).
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Callable
from typing import Any


class GradMode:
    """Whether operations record a graph (``enabled``), and whether inference mode is on: one per engine."""

    def __init__(self) -> None:
        self.enabled = True
        self.inference = False

    def is_grad_enabled(self) -> bool:
        return self.enabled

    def is_inference_mode_enabled(self) -> bool:
        return self.inference


class _Context:
    """A mode context that also decorates: ``@engine.no_grad()`` runs the function inside a fresh copy."""

    def __call__(self, function: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(function)
        def inside(*args: Any, **kwargs: Any) -> Any:
            with self._fresh():
                return function(*args, **kwargs)

        return inside

    def _fresh(self) -> Any:
        return copy.copy(self)

    def __enter__(self) -> None:
        raise NotImplementedError

    def __exit__(self, *exception: object) -> None:
        raise NotImplementedError


class NoGrad(_Context):
    """``with engine.no_grad():``: operations inside record no graph."""

    def __init__(self, mode: GradMode) -> None:
        self.mode = mode

    def __enter__(self) -> None:
        self.previous, self.mode.enabled = self.mode.enabled, False

    def __exit__(self, *exception: object) -> None:
        self.mode.enabled = self.previous


class EnableGrad(NoGrad):
    """``with engine.enable_grad():``: operations inside record, even within a no_grad block."""

    def __enter__(self) -> None:
        self.previous, self.mode.enabled = self.mode.enabled, True


class SetGradEnabled(_Context):
    """``engine.set_grad_enabled(flag)``: switches at once; as a context, puts the mode back on leaving."""

    def __init__(self, mode: GradMode, enabled: bool) -> None:
        if not isinstance(enabled, bool):
            raise TypeError(
                f"set_grad_enabled(): argument 'enabled' (position 1) must be bool, not {type(enabled).__name__}"
            )
        self.mode, self.enabled = mode, enabled
        self.previous, mode.enabled = mode.enabled, enabled

    def __call__(self, function: Callable[..., Any]) -> Callable[..., Any]:
        self.mode.enabled = self.previous  # as a decorator it switches only while the function runs
        return super().__call__(function)

    def _fresh(self) -> SetGradEnabled:
        return type(self)(self.mode, self.enabled)

    def __enter__(self) -> None:
        self.mode.enabled = self.enabled

    def __exit__(self, *exception: object) -> None:
        self.mode.enabled = self.previous


class InferenceMode(_Context):
    """``with engine.inference_mode():``: no tracking whatever grad mode says, and the tensors made
    inside are inference tensors; ``inference_mode(False)`` turns it off (and grad mode on) inside."""

    def __init__(self, mode: GradMode, enabled: bool = True) -> None:
        self.mode, self.enabled = mode, enabled

    def __enter__(self) -> None:
        self.previous = (self.mode.enabled, self.mode.inference)
        self.mode.enabled, self.mode.inference = not self.enabled, self.enabled

    def __exit__(self, *exception: object) -> None:
        self.mode.enabled, self.mode.inference = self.previous
