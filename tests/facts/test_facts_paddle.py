"""Facts about paddle, each asked twice: in paddle's own API, and through the shipped adapter.

A row of ``FACTS`` names a fact, paddle's answer, and two programs that ask it: one in paddle alone,
one through ``targets.paddle.PaddleAdapter``. Both must give that answer. An adapter translates how a
question is spelled, never what the engine answers: when the adapter's answer differs from paddle's,
the adapter has changed a behaviour. Needs paddlepaddle (tox env ``paddle``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

paddle = pytest.importorskip(
    "paddle", reason="paddlepaddle is not installed here; it runs in its own env (tox -e paddle)"
)

from targets.paddle import PaddleAdapter  # noqa: E402  # imports paddle
from tests.facts import Fact, outcome  # noqa: E402

# paddle warns on import when no ccache is on PATH
pytestmark = pytest.mark.filterwarnings("ignore:No ccache found:UserWarning")

W = np.ones(3, dtype=np.float32)
TIES = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]], dtype=np.float32)
ag = PaddleAdapter()


def tensor(data: np.ndarray, *, requires_grad: bool = False) -> Any:
    return ag.tensor(data, device="cpu", requires_grad=requires_grad)


def tracked(data: np.ndarray) -> Any:
    return paddle.to_tensor(data, stop_gradient=False)


def values(t: Any) -> Any:
    return None if t is None else ag.numpy(t).tolist()


def engine_grad(data: np.ndarray, program: Callable[[Any], Any]) -> Any:
    x = tracked(data)
    program(x).backward()
    return x.grad


def adapter_grad(data: np.ndarray, program: Callable[[Any], Any]) -> Any:
    x = tensor(data, requires_grad=True)
    ag.backward(program(x))
    return ag.grad(x)


def engine_no_grad() -> bool:
    x = tracked(W)
    with paddle.no_grad():
        y = x * 2
    return not y.stop_gradient


def adapter_no_grad() -> bool:
    x = tensor(W, requires_grad=True)
    with ag.no_grad():
        y = x * 2
    return ag.requires_grad(y)


def engine_sgd(zero_grad: bool) -> Any:
    weights = tracked(W)
    optimizer = paddle.optimizer.SGD(learning_rate=0.01, parameters=[weights])
    (weights * 3).sum().backward()
    optimizer.step()
    if zero_grad:
        optimizer.zero_grad()
        return values(weights.grad)
    return values(weights)


def adapter_sgd(zero_grad: bool) -> Any:
    weights = tensor(W, requires_grad=True)
    optimizer = ag.sgd([weights], 0.01)
    ag.backward(ag.sum(weights * 3))
    ag.step(optimizer)
    if zero_grad:
        ag.zero_grad(optimizer)
        return values(ag.grad(weights))
    return values(weights)


def engine_clear_grad() -> Any:
    x = tracked(W)
    (x * 3).sum().backward()
    x.clear_grad()
    return values(x.grad)


def adapter_clear_grad() -> Any:
    x = tensor(W, requires_grad=True)
    ag.backward(ag.sum(x * 3))
    ag.zero_grad_of(x)
    return values(ag.grad(x))


def engine_second_backward() -> str:
    z = (tracked(W) ** 2).mean()
    z.backward()
    return outcome(z.backward)


def adapter_second_backward() -> str:
    z = ag.mean(tensor(W, requires_grad=True) ** 2)
    ag.backward(z)
    return outcome(lambda: ag.backward(z))


FACTS = {
    "a tensor made with the default is tracked": Fact(
        False, lambda: not paddle.to_tensor(W).stop_gradient, lambda: ag.requires_grad(tensor(W))
    ),
    "a leaf that is tracked carries a node": Fact(
        True, lambda: tracked(W).grad_fn is not None, lambda: ag.has_node(tensor(W, requires_grad=True))
    ),
    "an int64 tensor asked to be tracked raises": Fact(
        "nothing raised",
        lambda: outcome(lambda: tracked(np.arange(3))),
        lambda: outcome(lambda: tensor(np.arange(3), requires_grad=True)),
    ),
    "backward() of a 3-element x * 3 leaves in x.grad": Fact(
        [3.0, 3.0, 3.0],
        lambda: values(engine_grad(W, lambda x: x * 3)),
        lambda: values(adapter_grad(W, lambda x: x * 3)),
    ),
    "the gradient of sum(x * x) for a float32 x is": Fact(
        "float32",
        lambda: str(ag.numpy(engine_grad(W, lambda x: (x * x).sum())).dtype),
        lambda: str(ag.numpy(adapter_grad(W, lambda x: ag.sum(x * x))).dtype),
    ),
    ".grad before any backward is": Fact(
        None, lambda: tracked(W).grad, lambda: ag.grad(tensor(W, requires_grad=True))
    ),
    "a second backward() through a freed graph raises": Fact(
        "SystemError", engine_second_backward, adapter_second_backward
    ),
    "resetting a gradient leaves .grad at": Fact([0.0, 0.0, 0.0], engine_clear_grad, adapter_clear_grad),
    "under no_grad a result is tracked": Fact(False, engine_no_grad, adapter_no_grad),
    "one SGD step of lr 0.01 on sum(w * 3) leaves w at": Fact(
        [float(np.float32(0.97))] * 3,
        lambda: engine_sgd(zero_grad=False),
        lambda: adapter_sgd(zero_grad=False),
    ),
    "the optimizer's zero_grad leaves .grad": Fact(
        None, lambda: engine_sgd(zero_grad=True), lambda: adapter_sgd(zero_grad=True)
    ),
    "max(x, dim 1) gives tied maxima the gradient": Fact(
        [[0.0, 0.5, 0.5], [0.5, 0.5, 0.0]],
        lambda: values(engine_grad(TIES, lambda x: paddle.max(x, axis=1).sum())),
        lambda: values(adapter_grad(TIES, lambda x: ag.sum(ag.operator("max")(x, dim=1)))),
    ),
}


@pytest.mark.parametrize("fact", FACTS)
def test_adapter_answers_as_paddle_does(fact: str) -> None:
    answer, engine, adapter = FACTS[fact]
    by_engine = engine()
    assert by_engine == answer, f"paddle itself now answers {by_engine!r}: update the fact"
    by_adapter = adapter()
    assert by_adapter == by_engine, (
        f"through the adapter: {by_adapter!r}, but paddle answers {by_engine!r}: the adapter changes a behaviour"
    )
