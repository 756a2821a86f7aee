"""Hostile targets: minigrad, with one operation that does something no engine should do to the process
it runs in (crash it, hang, exit, change torch's global state, write into its inputs, ...).

``HOSTILE`` maps each operation to what it does instead of computing; :func:`everything` is one engine in
which every listed operation misbehaves, so one run shows each misbehaviour getting its own verdict while
the others, and the one operation left alone (``neg``), still run and are reported::

    pytest --target=tests.engines.hostile:everything --check-timeout=3 \\
        "conformance/specs/elementwise_unary.py::test_exp[cpu-elementwise-backward-float64]" ...

Each factory ``tests.engines.hostile:NAME`` (one per entry of ``HOSTILE``) has only that one.
``tests/test_hostile_targets.py`` runs them, serially and under ``-n 2``.
"""

from __future__ import annotations

import ctypes
import functools
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from targets.torchlike import TorchLikeAdapter, adapter_for_module
from tests.engines.minigrad import Tensor, make_engine


@dataclass(frozen=True)
class Hostile:
    operation: str  # the minigrad tensor method that misbehaves
    check: str  # the node id of one check that calls it
    verdict: str  # a fragment of the failure message that check must show
    act: Callable[..., Any]  # called as act(original, self, *args, **kwargs) in place of the method


def _segfault(original: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    ctypes.string_at(0)  # reads address 0: SIGSEGV


def _abort(original: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    os.abort()


def _exit(status: int) -> Callable[..., Any]:
    def act(original: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        os._exit(status)

    return act


def _hang(original: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    while True:
        time.sleep(0.01)


def _hang_in_native_code(original: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    # a loop in C never returns to Python to run a signal handler; blocking SIGALRM does the same here
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
    while True:
        time.sleep(0.01)


def _raise(error: BaseException) -> Callable[..., Any]:
    def act(original: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        raise error

    return act


def _leave_thread(original: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    threading.Thread(target=threading.Event().wait, name="hostile-worker").start()  # never ends
    return original(*args, **kwargs)


def _grad_mode_off(original: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    import torch

    torch.set_grad_enabled(False)
    return original(*args, **kwargs)


def _patch_torch(original: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    import torch

    torch.exp = lambda tensor, *rest, **options: tensor  # the reference's exp would now be the identity
    return original(*args, **kwargs)


def _write_into_input(original: Callable[..., Any], self: Tensor, *args: Any, **kwargs: Any) -> Any:
    result = original(self, *args, **kwargs)
    self.array += 1  # the leaf's array is the caller's own: tensor() of this engine does not copy
    return result


def _stub_refusal(original: Callable[..., Any], self: Tensor, gradient: Any = None, **kwargs: Any) -> Any:
    if gradient is None and self.array.size != 1:  # where torch refuses, the stub raises NotImplementedError
        raise NotImplementedError("backward of a non-scalar")
    return original(self, gradient, **kwargs)


def _print_heavily(original: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    print("x" * 1_000_000)
    return original(*args, **kwargs)


_calls = {"count": 0}


def _wrong_one_time_in_seven(original: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    _calls["count"] += 1
    result = original(*args, **kwargs)
    return result * 2 if _calls["count"] % 7 == 0 else result


def _nan(original: Callable[..., Any], self: Tensor, *args: Any, **kwargs: Any) -> Any:
    return original(self, *args, **kwargs) * float("nan")


def _a_list(original: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    return [1.0, 2.0]


def _a_numpy_array(original: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    return original(*args, **kwargs).array  # the engine's array, not a tensor


def _gradient_of_wrong_shape(original: Callable[..., Any], self: Tensor, *args: Any, **kwargs: Any) -> Any:
    result = original(self, *args, **kwargs)
    node = result.grad_fn
    backward = node.backward
    node.backward = lambda grad: tuple(  # the gradient comes out one element longer than its input
        None if g is None else np.append(np.ravel(g), 0.0) for g in backward(grad)
    )
    return result


_UNARY = "conformance/specs/elementwise_unary.py::test_{}[cpu-{}-backward-float64]"
_REDUCTION = "conformance/specs/reductions.py::test_{}[cpu-{}-backward-float64]"

HOSTILE: dict[str, Hostile] = {
    "segfault": Hostile("exp", _UNARY.format("exp", "elementwise"), "signal 11 (SIGSEGV)", _segfault),
    "abort": Hostile("log", _UNARY.format("log", "positive"), "signal 6 (SIGABRT)", _abort),
    "exit_0": Hostile("sqrt", _UNARY.format("sqrt", "positive"), "exited with status 0", _exit(0)),
    "exit_1": Hostile("sin", _UNARY.format("sin", "elementwise"), "exited with status 1", _exit(1)),
    "hang": Hostile("cos", _UNARY.format("cos", "elementwise"), "timed out after", _hang),
    "hang_in_native_code": Hostile(
        "tanh", _UNARY.format("tanh", "elementwise"), "never returned to Python", _hang_in_native_code
    ),
    "system_exit": Hostile(
        "sigmoid", _UNARY.format("sigmoid", "elementwise"), "raised SystemExit(0)", _raise(SystemExit(0))
    ),
    "keyboard_interrupt": Hostile(
        "relu", _UNARY.format("relu", "away_from_0"), "raised KeyboardInterrupt", _raise(KeyboardInterrupt())
    ),
    "thread_left_running": Hostile(
        "reciprocal", _UNARY.format("reciprocal", "away_from_0"), "non-daemon thread", _leave_thread
    ),
    "grad_mode_off": Hostile(
        "abs", _UNARY.format("abs", "away_from_0"), "torch.is_grad_enabled() was True", _grad_mode_off
    ),
    "patches_torch": Hostile("clamp", _UNARY.format("clamp", "min"), "torch.exp was replaced", _patch_torch),
    "writes_into_inputs": Hostile(
        "pow", _UNARY.format("pow", "x**3"), "changed the input arrays it was given", _write_into_input
    ),
    "not_implemented": Hostile(
        "amax", _REDUCTION.format("amax", "all"), "NotImplementedError", _raise(NotImplementedError("amax"))
    ),
    "stub_refusal": Hostile(
        "backward",
        "conformance/specs/backward_errors.py::test_non_scalar_refused[cpu]",
        "NotImplementedError is a stub, not a refusal",
        _stub_refusal,
    ),
    "prints_heavily": Hostile("amin", _REDUCTION.format("amin", "all"), "", _print_heavily),
    "nondeterministic": Hostile(
        "prod", _REDUCTION.format("prod", "all"), "nondeterministic target", _wrong_one_time_in_seven
    ),
    "returns_nan": Hostile("var", _REDUCTION.format("var", "all"), "forward value", _nan),
    "returns_a_list": Hostile("std", _REDUCTION.format("std", "all"), "'list' object", _a_list),
    "returns_a_numpy_array": Hostile(
        "logsumexp", _REDUCTION.format("logsumexp", "dim"), "'numpy.ndarray' object", _a_numpy_array
    ),
    "gradient_of_wrong_shape": Hostile(
        "softmax", _REDUCTION.format("softmax", "dim"), "grad of x", _gradient_of_wrong_shape
    ),
}
"""Each misbehaviour, the operation that has it, and one check that must fail with its verdict. The
heavy printer's check passes (its output is bounded, not wrong); its verdict is empty."""

CONTROL = _UNARY.format("neg", "elementwise")
"""A check of the one operation left alone: it must pass in every hostile run."""


def _create_without_copy(
    cls: type[Tensor], data: Any, *, requires_grad: bool = False, device: str = "cpu"
) -> Tensor:
    array = data if isinstance(data, np.ndarray) else np.asarray(data)
    return cls(array).requires_grad_(requires_grad)


def _engine(name: str, behaviours: dict[str, Hostile]) -> TorchLikeAdapter:
    methods: dict[str, Any] = {}
    for hostile in behaviours.values():
        original = getattr(Tensor, hostile.operation)

        def misbehave(
            self: Tensor, *args: Any, _act: Any = hostile.act, _original: Any = original, **kwargs: Any
        ) -> Any:
            return _act(_original, self, *args, **kwargs)

        methods[hostile.operation] = misbehave
    if any(hostile.act is _write_into_input for hostile in behaviours.values()):
        methods["create"] = classmethod(_create_without_copy)
    tensor_type = type("Tensor", (Tensor,), methods)
    return adapter_for_module(make_engine(f"minigrad[{name}]", tensor_type=tensor_type))


def everything() -> TorchLikeAdapter:
    """Every misbehaviour of ``HOSTILE`` at once, each in its own operation."""
    return _engine("hostile", HOSTILE)


for _name, _hostile in HOSTILE.items():
    setattr(sys.modules[__name__], _name, functools.partial(_engine, _name, {_name: _hostile}))
