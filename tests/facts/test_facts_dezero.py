"""Facts about dezero, each asked twice: in dezero's own API, and through the shipped adapter.

A row of ``FACTS`` names a fact, dezero's answer, and two programs that ask it: one in dezero alone,
one through ``targets.dezero.DezeroAdapter``. Both must give that answer. An adapter translates how a
question is spelled, never what the engine answers: when the adapter's answer differs from dezero's,
the adapter has changed a behaviour. Needs dezero 0.0.13 on numpy<1.24 (tox env ``dezero``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

dezero = pytest.importorskip(
    "dezero", reason="dezero is not installed here; it runs in its own env (numpy<1.24, tox -e dezero)"
)
F = dezero.functions

from targets.dezero import DezeroAdapter  # noqa: E402  # imports dezero
from tests.facts import Fact, outcome  # noqa: E402

# dezero 0.0.13 uses np.int, deprecated in numpy 1.20 and gone in 1.24: it warns on import
pytestmark = pytest.mark.filterwarnings("ignore:`np.int` is a deprecated alias:DeprecationWarning")

W = np.ones(3, dtype=np.float64)
ag = DezeroAdapter()


def tensor(data: np.ndarray, *, requires_grad: bool = False) -> Any:
    return ag.tensor(data, device="cpu", requires_grad=requires_grad)


def grad_of(x: Any) -> Any:
    grad = ag.grad(x)
    return None if grad is None else ag.numpy(grad).tolist()


def engine_backward(program: Callable[[Any], Any], x: Any) -> Any:
    program(x).backward()
    return None if x.grad is None else x.grad.data.tolist()


def adapter_backward(program: Callable[[Any], Any], x: Any) -> Any:
    ag.backward(program(x))
    return grad_of(x)


def engine_twice() -> Any:
    x = dezero.Variable(W.copy())
    z = F.sum(x * 3)
    z.backward()
    z.backward()
    return x.grad.data.tolist()


def adapter_twice() -> Any:
    x = tensor(W, requires_grad=True)
    z = ag.sum(x * 3)
    ag.backward(z)
    ag.backward(z)
    return grad_of(x)


def engine_non_leaf() -> Any:
    x = dezero.Variable(W.copy())
    y = x * 2
    F.sum(y * y).backward()
    return y.grad


def adapter_non_leaf() -> Any:
    x = tensor(W, requires_grad=True)
    y = x * 2
    ag.backward(ag.sum(y * y))
    return ag.grad(y)


def engine_reset() -> Any:
    x = dezero.Variable(W.copy())
    F.sum(x * 3).backward()
    x.cleargrad()
    return x.grad


def adapter_reset() -> Any:
    x = tensor(W, requires_grad=True)
    ag.backward(ag.sum(x * 3))
    ag.zero_grad_of(x)
    return ag.grad(x)


def engine_no_grad() -> bool:
    x = dezero.Variable(W.copy())
    with dezero.no_grad():
        y = x * 2
    return y.creator is not None


def adapter_no_grad() -> bool:
    x = tensor(W, requires_grad=True)
    with ag.no_grad():
        y = x * 2
    return ag.has_node(y)


def engine_sgd(zero_grad: bool) -> Any:
    weights = dezero.Parameter(W.copy())
    model = dezero.Layer()
    model.weights = weights
    optimizer = dezero.optimizers.SGD(0.01).setup(model)
    F.sum(weights * 3).backward()
    optimizer.update()
    if zero_grad:
        model.cleargrads()
        return weights.grad
    return weights.data.tolist()


def adapter_sgd(zero_grad: bool) -> Any:
    weights = tensor(W, requires_grad=True)
    optimizer = ag.sgd([weights], 0.01)
    ag.backward(ag.sum(weights * 3))
    ag.step(optimizer)
    if zero_grad:
        ag.zero_grad(optimizer)
        return ag.grad(weights)
    return ag.numpy(weights).tolist()


def engine_grad_dtype(data: np.ndarray, program: Callable[[Any], Any]) -> str:
    x = dezero.Variable(data)
    program(x).backward()
    return str(x.grad.dtype)


def adapter_grad_dtype(data: np.ndarray, program: Callable[[Any], Any]) -> str:
    x = tensor(data, requires_grad=True)
    ag.backward(program(x))
    return str(ag.numpy(ag.grad(x)).dtype)


FACTS = {
    "backward() fills .grad of a Variable made with the default": Fact(
        [3.0, 3.0, 3.0],
        lambda: engine_backward(lambda x: F.sum(x * 3), dezero.Variable(W.copy())),
        lambda: adapter_backward(lambda x: ag.sum(x * 3), tensor(W)),
    ),
    "backward() of a 3-element x * 3 leaves in x.grad": Fact(
        [3.0, 3.0, 3.0],
        lambda: engine_backward(lambda x: x * 3, dezero.Variable(W.copy())),
        lambda: adapter_backward(lambda x: x * 3, tensor(W, requires_grad=True)),
    ),
    "the gradient of sum(x * x) for a 1-d float32 x is": Fact(
        "float32",
        lambda: engine_grad_dtype(W.astype(np.float32), lambda x: F.sum(x * x)),
        lambda: adapter_grad_dtype(W.astype(np.float32), lambda x: ag.sum(x * x)),
    ),
    "the gradient of 2 * x for a 0-d float32 x is": Fact(
        "float64",
        lambda: engine_grad_dtype(np.array(0.5, np.float32), lambda x: 2 * x),
        lambda: adapter_grad_dtype(np.array(0.5, np.float32), lambda x: 2 * x),
    ),
    ".grad before any backward is": Fact(
        None, lambda: dezero.Variable(W.copy()).grad, lambda: ag.grad(tensor(W, requires_grad=True))
    ),
    "two backward() passes through one graph of sum(x * 3) leave in x.grad": Fact(
        [6.0, 6.0, 6.0], engine_twice, adapter_twice
    ),
    "after backward a non-leaf y = 2x has .grad": Fact(None, engine_non_leaf, adapter_non_leaf),
    "resetting a gradient leaves .grad": Fact(None, engine_reset, adapter_reset),
    "under no_grad a result has a node": Fact(False, engine_no_grad, adapter_no_grad),
    "one SGD step of lr 0.01 on sum(w * 3) leaves w at": Fact(
        [0.97, 0.97, 0.97], lambda: engine_sgd(zero_grad=False), lambda: adapter_sgd(zero_grad=False)
    ),
    "the optimizer's zero_grad leaves .grad": Fact(
        None, lambda: engine_sgd(zero_grad=True), lambda: adapter_sgd(zero_grad=True)
    ),
    "an optimizer set up with a bare tensor raises": Fact(
        "nothing raised",
        lambda: outcome(lambda: dezero.optimizers.SGD(0.01).setup(dezero.Parameter(W.copy()))),
        lambda: outcome(lambda: ag.sgd(tensor(W, requires_grad=True), 0.01)),
    ),
}


@pytest.mark.parametrize("fact", FACTS)
def test_adapter_answers_as_dezero_does(fact: str) -> None:
    answer, engine, adapter = FACTS[fact]
    by_engine = engine()
    assert by_engine == answer, f"dezero itself now answers {by_engine!r}: update the fact"
    by_adapter = adapter()
    assert by_adapter == by_engine, (
        f"through the adapter: {by_adapter!r}, but dezero answers {by_engine!r}: the adapter changes a behaviour"
    )
