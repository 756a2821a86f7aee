"""Facts about micrograd, each asked twice: in micrograd's own API, and through the shipped adapter.

A row of ``FACTS`` names a fact, micrograd's answer, and two programs that ask it: one with micrograd's
``Value`` alone, one through ``targets.micrograd.MicrogradAdapter`` (whose tensors are NumPy object arrays
of Values, 0-d where micrograd's scalar backward is asked). Both must give that answer. An adapter
translates how a question is spelled, never what the engine answers: where micrograd cannot be asked,
the adapter must say unsupported, not let its container answer.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from conformance.adapter import Unsupported

engine = pytest.importorskip("micrograd.engine")
nn = pytest.importorskip("micrograd.nn")
Value = engine.Value

from targets.micrograd import MicrogradAdapter  # noqa: E402  # imports micrograd
from tests.facts import Fact  # noqa: E402

TWO = np.array(2.0, dtype=np.float32)
ag = MicrogradAdapter()


def tensor(data: Any) -> Any:
    return ag.tensor(np.asarray(data), device="cpu", requires_grad=True)


def offered(action: Callable[[], Any]) -> bool:
    """False when the adapter says micrograd cannot be asked (Unsupported), else True."""
    try:
        action()
    except Unsupported:
        return False
    return True


def read(grad: Any) -> Any:
    return ag.numpy(grad).item()


def engine_second_pass() -> tuple[Any, Any]:
    x = Value(TWO[()])
    z = (x * 3) * 2
    z.backward()
    first = x.grad
    z.backward()
    return first, x.grad


def adapter_second_pass() -> tuple[Any, Any]:
    x = tensor(TWO)
    z = (x * 3) * 2
    ag.backward(z)
    first = read(ag.grad(x))
    ag.backward(z)
    return first, read(ag.grad(x))


def engine_non_leaf_grad() -> Any:
    x = Value(TWO[()])
    y = x * 2
    (y * y).backward()
    return y.grad


def adapter_non_leaf_grad() -> Any:
    x = tensor(TWO)
    y = x * 2
    ag.backward(y * y)
    return read(ag.grad(y))


def engine_grad(program: Callable[[Any], Any]) -> Any:
    x = Value(TWO[()])
    program(x).backward()
    return x.grad


def adapter_grad(program: Callable[[Any], Any]) -> np.ndarray:
    x = tensor(TWO)
    ag.backward(program(x))
    return ag.numpy(ag.grad(x))


def engine_reset() -> Any:
    x = Value(TWO[()])
    (x * 3).backward()
    x.grad = 0  # micrograd's zeroing, as its Module.zero_grad() does it
    return x.grad


def adapter_reset() -> Any:
    x = tensor(TWO)
    ag.backward(x * 3)
    ag.zero_grad_of(x)
    return read(ag.grad(x))


FACTS = {
    "backward() of 3 * x fills x.grad with": Fact(
        3, lambda: engine_grad(lambda x: x * 3), lambda: adapter_grad(lambda x: x * 3).item()
    ),
    "the gradient through int constants and the int seed alone is of kind": Fact(
        "i",
        lambda: np.asarray(engine_grad(lambda x: x * 3)).dtype.kind,
        lambda: adapter_grad(lambda x: x * 3).dtype.kind,
    ),
    "the gradient of x * x for a float32 x is": Fact(
        "float32",
        lambda: np.asarray(engine_grad(lambda x: x * x)).dtype.name,
        lambda: adapter_grad(lambda x: x * x).dtype.name,
    ),
    ".grad before any backward is": Fact(0, lambda: Value(TWO[()]).grad, lambda: read(ag.grad(tensor(TWO)))),
    "a non-leaf y = 2x keeps d(y*y)/dy in y.grad": Fact(8.0, engine_non_leaf_grad, adapter_non_leaf_grad),
    "a second backward() of z = (x*3)*2 leaves x.grad at": Fact(
        (6, 18), engine_second_pass, adapter_second_pass
    ),
    "resetting a gradient leaves .grad at": Fact(0, engine_reset, adapter_reset),
    "backward() takes a gradient argument": Fact(
        False,
        lambda: len(inspect.signature(Value.backward).parameters) > 1,
        lambda: offered(lambda: ag.backward(tensor(TWO) * 3, tensor(1.0))),
    ),
    "there is a differentiable type with dims, to call backward() on": Fact(
        False,
        lambda: [name for name, kind in vars(engine).items() if isinstance(kind, type)] != ["Value"],
        lambda: offered(lambda: ag.backward(tensor(np.ones(3, dtype=np.float32)) * 3)),
    ),
    "there is a no_grad context": Fact(
        False,
        lambda: hasattr(engine, "no_grad") or hasattr(nn, "no_grad"),
        lambda: offered(ag.no_grad),
    ),
    "there is an optimizer": Fact(
        False,
        lambda: any("optim" in name.lower() or "sgd" in name.lower() for name in dir(nn)),
        lambda: offered(lambda: ag.sgd([tensor(TWO)], 0.01)),
    ),
    "a gradient is a Value, to differentiate again": Fact(
        False,
        lambda: isinstance(engine_grad(lambda x: x * x), Value),
        lambda: offered(lambda: ag.vjp_nested(lambda x: x * x, [tensor(TWO)], None)),
    ),
    "a Value offers more than backward() and relu(): autograd.grad, hooks, grad modes, in-place": Fact(
        False,
        lambda: [name for name in dir(Value) if not name.startswith("_")] != ["backward", "relu"],
        lambda: any(
            offered(action)
            for action in (
                lambda: ag.grad_of([tensor(TWO) * 3], [tensor(TWO)]),
                lambda: ag.register_hook(tensor(TWO), lambda g: g),
                lambda: ag.set_grad_enabled(True),
                lambda: ag.mul_(tensor(TWO), 3.0),
            )
        ),
    ),
}


@pytest.mark.parametrize("fact", FACTS)
def test_adapter_answers_as_micrograd_does(fact: str) -> None:
    answer, by_engine_program, by_adapter_program = FACTS[fact]
    by_engine = by_engine_program()
    assert by_engine == answer, f"micrograd itself now answers {by_engine!r}: update the fact"
    by_adapter = by_adapter_program()
    assert by_adapter == by_engine, (
        f"through the adapter: {by_adapter!r}, but micrograd answers {by_engine!r}: "
        "the adapter changes a behaviour"
    )
