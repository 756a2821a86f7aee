"""Facts about paddle, each asked twice: in paddle's own API, and through the shipped adapter.

A row of ``FACTS`` names a fact, paddle's answer, and two programs that ask it: one in paddle alone,
one through ``targets.paddle.PaddleAdapter``. Both must give that answer. An adapter translates how a
question is spelled, never what the engine answers: when the adapter's answer differs from paddle's,
the adapter has changed a behaviour. Needs paddlepaddle (tox env ``paddle``).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

paddle = pytest.importorskip(
    "paddle", reason="paddlepaddle is not installed here; it runs in its own env (tox -e paddle)"
)

from conformance.adapter import Capability  # noqa: E402
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


X = np.array([0.5, -1.0, 2.0], dtype=np.float32)


def engine_paddle_grad() -> Any:
    x = tracked(X)
    (g,) = paddle.grad([(x * x).sum()], [x])
    return values(g), x.grad


def adapter_paddle_grad() -> Any:
    x = tensor(X, requires_grad=True)
    (g,) = ag.grad_of([ag.sum(x * x)], [x])
    return values(g), ag.grad(x)


def engine_second_derivative() -> Any:
    x = tracked(X)
    (g,) = paddle.grad([(x**3).sum()], [x], create_graph=True)
    return values(paddle.grad([g.sum()], [x])[0])


def adapter_second_derivative() -> Any:
    x = tensor(X, requires_grad=True)
    (g,) = ag.grad_of([ag.sum(x**3)], [x], create_graph=True)
    return values(ag.grad_of([ag.sum(g)], [x])[0])


def engine_hooks() -> Any:
    x = tracked(W)
    kept = x.register_hook(lambda g: g * 2)
    x.register_hook(lambda g: g + 1).remove()
    (x * 3).sum().backward()
    kept.remove()
    return values(x.grad)


def adapter_hooks() -> Any:
    x = tensor(W, requires_grad=True)
    kept = ag.register_hook(x, lambda g: g * 2)
    ag.remove_hook(ag.register_hook(x, lambda g: g + 1))
    ag.backward(ag.sum(x * 3))
    ag.remove_hook(kept)
    return values(ag.grad(x))


def engine_grad_modes() -> Any:
    x = tracked(W)
    paddle.set_grad_enabled(False)
    try:
        off, enabled = x * 2, paddle.is_grad_enabled()
    finally:
        paddle.set_grad_enabled(True)
    with paddle.no_grad(), paddle.enable_grad():
        on = x * 2
    return not off.stop_gradient, enabled, not on.stop_gradient


def adapter_grad_modes() -> Any:
    x = tensor(W, requires_grad=True)
    ag.set_grad_enabled(False)
    try:
        off, enabled = x * 2, ag.is_grad_enabled()
    finally:
        ag.set_grad_enabled(True)
    with ag.no_grad(), ag.enable_grad():
        on = x * 2
    return ag.requires_grad(off), enabled, ag.requires_grad(on)


def engine_mul_and_setitem() -> Any:
    x = tracked(X)
    y, z = x * 2, x * 2
    y.mul_(paddle.to_tensor(3.0))  # mul_ takes a tensor, not a Python number
    z[0] = 7.0
    (y + z).sum().backward()
    return values(y), values(z), values(x.grad)


def adapter_mul_and_setitem() -> Any:
    x = tensor(X, requires_grad=True)
    y, z = x * 2, x * 2
    ag.mul_(y, 3.0)
    ag.setitem(z, 0, 7.0)
    ag.backward(ag.sum(y + z))
    return values(y), values(z), values(ag.grad(x))


def data_answers(x: Any, data: Any) -> Any:
    return not data.stop_gradient, data.data_ptr() == x.data_ptr()


def engine_options(*, groups: bool) -> Any:
    if groups:  # a group takes Parameters; its learning_rate scales the optimizer's
        a = paddle.create_parameter([3], "float32", default_initializer=paddle.nn.initializer.Assign(W))
        optimizer = paddle.optimizer.Momentum(
            learning_rate=0.01,
            momentum=0.0,
            parameters=[{"params": [a], "learning_rate": 10.0, "momentum": 0.9}],
        )
    else:
        a = tracked(W)
        optimizer = paddle.optimizer.Momentum(0.01, 0.9, [a], use_nesterov=True, weight_decay=0.1)
    for _ in range(2):
        optimizer.clear_grad()
        (a * 3).sum().backward()
        optimizer.step()
    return values(a)


def adapter_options(*, groups: bool) -> Any:
    if groups:
        a = paddle.create_parameter([3], "float32", default_initializer=paddle.nn.initializer.Assign(W))
        optimizer = ag.sgd([{"params": [a], "lr": 0.1, "momentum": 0.9}], 0.01)
    else:
        a = tensor(W, requires_grad=True)
        optimizer = ag.sgd([a], 0.01, momentum=0.9, nesterov=True, weight_decay=0.1)
    for _ in range(2):
        ag.zero_grad(optimizer)
        ag.backward(ag.sum(a * 3))
        ag.step(optimizer)
    return values(a)


def engine_zero_grad_keeps_zeros() -> Any:
    weights = tracked(W)
    optimizer = paddle.optimizer.SGD(learning_rate=0.01, parameters=[weights])
    (weights * 3).sum().backward()
    optimizer.zero_grad(set_to_none=False)
    return values(weights.grad)


def adapter_zero_grad_keeps_zeros() -> Any:
    weights = tensor(W, requires_grad=True)
    optimizer = ag.sgd([weights], 0.01)
    ag.backward(ag.sum(weights * 3))
    ag.zero_grad(optimizer, set_to_none=False)
    return values(ag.grad(weights))


def engine_lacks() -> Any:
    options = {
        *inspect.signature(paddle.optimizer.SGD).parameters,
        *inspect.signature(paddle.optimizer.Momentum).parameters,
    }
    return "dampening" in options, "maximize" in options, hasattr(paddle, "inference_mode")


def adapter_lacks() -> Any:
    weights = [tensor(W, requires_grad=True)]
    return (
        outcome(lambda: ag.sgd(weights, 0.01, momentum=0.9, dampening=0.5)) != "unsupported",
        outcome(lambda: ag.sgd(weights, 0.01, maximize=True)) != "unsupported",
        Capability.INFERENCE_MODE in ag.capabilities,
    )


def engine_several_outputs() -> Any:
    """paddle.grad of a list of outputs with a list of grad_outputs: the vjps added up."""
    x = tracked(np.array([0.5, -1.0, 2.0], np.float32))
    outs = [x * x, 3 * x]
    (g,) = paddle.grad(
        outs, [x], grad_outputs=[paddle.to_tensor(np.array([1.0, 2.0, -1.0], np.float32)), paddle.ones([3])]
    )
    return values(g)


def adapter_several_outputs() -> Any:
    x = np.array([0.5, -1.0, 2.0], np.float32)
    _, (g,) = ag.vjp_outputs(
        lambda t: (t * t, 3 * t),
        [x],
        [np.array([1.0, 2.0, -1.0], np.float32), np.ones(3, np.float32)],
        device="cpu",
    )
    return values(g)


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
    "paddle.grad returns 2x for sum(x * x) and leaves .grad": Fact(
        ([1.0, -2.0, 4.0], None), engine_paddle_grad, adapter_paddle_grad
    ),
    "paddle.grad(create_graph=True) of sum(x**3) differentiates again to": Fact(
        [3.0, -6.0, 12.0], engine_second_derivative, adapter_second_derivative
    ),
    "a hook returning g * 2, and one removed, leave x.grad of sum(3x) at": Fact(
        [6.0, 6.0, 6.0], engine_hooks, adapter_hooks
    ),
    "set_grad_enabled(False) called, then enable_grad inside no_grad: tracked, enabled, tracked": Fact(
        (False, False, True), engine_grad_modes, adapter_grad_modes
    ),
    "mul_(3) of y = 2x and z[0] = 7 on z = 2x give y, z and x.grad": Fact(
        ([3.0, -6.0, 12.0], [7.0, -2.0, 4.0], [6.0, 8.0, 8.0]),
        engine_mul_and_setitem,
        adapter_mul_and_setitem,
    ),
    "x.data is tracked, and shares x's storage": Fact(
        (False, True),
        lambda: data_answers(x := tracked(W), x.data),
        lambda: data_answers(x := tensor(W, requires_grad=True), ag.data_of(x)),
    ),
    "two Momentum steps (0.9, nesterov, weight_decay 0.1) on sum(w * 3) leave w at": Fact(
        [0.8572019338607788] * 3,  # torch's algorithm: 0.857202
        lambda: engine_options(groups=False),
        lambda: adapter_options(groups=False),
    ),
    "two steps of a group with learning_rate 10 (x 0.01) and momentum 0.9 leave w at": Fact(
        [0.13000011444091797] * 3,  # torch's algorithm: 0.13
        lambda: engine_options(groups=True),
        lambda: adapter_options(groups=True),
    ),
    "zero_grad(set_to_none=False) leaves .grad": Fact(
        [0.0, 0.0, 0.0], engine_zero_grad_keeps_zeros, adapter_zero_grad_keeps_zeros
    ),
    "there is dampening, maximize, inference_mode": Fact((False, False, False), engine_lacks, adapter_lacks),
    "the vjp of outputs (x * x, 3 * x) with cotangents (v, ones) is 2xv + 3": Fact(
        [4.0, -1.0, -1.0], engine_several_outputs, adapter_several_outputs
    ),
    "backward takes create_graph": Fact(
        False,
        lambda: "create_graph" in inspect.signature(paddle.Tensor.backward).parameters,
        lambda: Capability.BACKWARD_CREATE_GRAPH in ag.capabilities,
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
