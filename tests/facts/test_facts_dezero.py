"""Facts about dezero, each asked twice: in dezero's own API, and through the shipped adapter.

A row of ``FACTS`` names a fact, dezero's answer, and two programs that ask it: one in dezero alone,
one through ``targets.dezero.DezeroAdapter``. Both must give that answer. An adapter translates how a
question is spelled, never what the engine answers: when the adapter's answer differs from dezero's,
the adapter has changed a behaviour. Needs dezero 0.0.13 on numpy<1.24 (tox env ``dezero``).
"""

from __future__ import annotations

import inspect
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


def engine_steps(momentum: float, weight_decay: float) -> list[float]:
    """Three steps on mean(2*(2w+2)**2) with dezero's MomentumSGD and WeightDecay hook."""
    w = dezero.Parameter(np.array([0.5, -1.0, 2.0]))
    model = dezero.Layer()
    model.w = w
    optimizer = dezero.optimizers.MomentumSGD(0.05, momentum).setup(model)
    optimizer.add_hook(dezero.optimizers.WeightDecay(weight_decay))
    for _ in range(3):
        model.cleargrads()
        (F.sum(2 * (2 * w + 2) ** 2) / np.array(3.0)).backward()
        optimizer.update()
    return np.round(w.data, 6).tolist()


def adapter_steps(momentum: float, weight_decay: float) -> list[float]:
    w = tensor(np.array([0.5, -1.0, 2.0]), requires_grad=True)
    optimizer = ag.sgd([w], 0.05, momentum=momentum, weight_decay=weight_decay)
    for _ in range(3):
        ag.zero_grad(optimizer)
        ag.backward(ag.mean(2 * (2 * w + 2) ** 2))
        ag.step(optimizer)
    return np.round(ag.numpy(w), 6).tolist()


def engine_lacks() -> list[bool]:
    options = {*inspect.signature(dezero.optimizers.MomentumSGD).parameters}
    return ["dampening" in options, "nesterov" in options, "maximize" in options, "param_groups" in options]


def adapter_lacks() -> list[bool]:
    w = [tensor(W, requires_grad=True)]
    return [
        outcome(lambda: ag.sgd(w, 0.01, momentum=0.9, dampening=0.5)) != "unsupported",
        outcome(lambda: ag.sgd(w, 0.01, momentum=0.9, nesterov=True)) != "unsupported",
        outcome(lambda: ag.sgd(w, 0.01, maximize=True)) != "unsupported",
        outcome(lambda: ag.sgd([{"params": w}], 0.01)) != "unsupported",
    ]


def engine_grad_modes() -> tuple[bool, bool, bool]:
    x = dezero.Variable(W.copy())
    dezero.Config.enable_backprop = False
    try:
        off, enabled = x * 2, dezero.Config.enable_backprop
    finally:
        dezero.Config.enable_backprop = True
    with dezero.no_grad(), dezero.using_config("enable_backprop", True):
        on = x * 2
    return off.creator is not None, enabled, on.creator is not None


def adapter_grad_modes() -> tuple[bool, bool, bool]:
    x = tensor(W, requires_grad=True)
    ag.set_grad_enabled(False)
    try:
        off, enabled = x * 2, ag.is_grad_enabled()
    finally:
        ag.set_grad_enabled(True)
    with ag.no_grad(), ag.enable_grad():
        on = x * 2
    return ag.has_node(off), enabled, ag.has_node(on)


def engine_create_graph() -> bool:
    """backward(create_graph=True) leaves a .grad that is differentiable again (it has a creator)."""
    x = dezero.Variable(W.copy())
    F.sum(x**3).backward(create_graph=True)
    return x.grad.creator is not None


def engine_second_derivative() -> Any:
    """d/dx of the .grad of sum(x**3) left by backward(create_graph=True), after cleargrad(): 6x."""
    x = dezero.Variable(np.array([0.5, -1.0, 2.0]))
    F.sum(x**3).backward(create_graph=True)
    g = x.grad
    x.cleargrad()
    F.sum(g).backward()
    return x.grad.data.tolist()


def adapter_second_derivative() -> Any:
    x = tensor(np.array([0.5, -1.0, 2.0]), requires_grad=True)
    ag.backward(ag.sum(x**3), create_graph=True)
    g = ag.grad(x)
    ag.clear_grad(x)
    ag.backward(ag.sum(g))
    return grad_of(x)


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
    "three steps of momentum 0.9 (MomentumSGD) leave w at torch's": Fact(
        [-1.260444, -1.0, -1.520889], lambda: engine_steps(0.9, 0.0), lambda: adapter_steps(0.9, 0.0)
    ),
    "three steps of momentum 0.5 and weight_decay 0.1 (WeightDecay) leave w at torch's": Fact(
        [-0.802947, -0.983814, -0.62208], lambda: engine_steps(0.5, 0.1), lambda: adapter_steps(0.5, 0.1)
    ),
    "there is dampening, nesterov, maximize, parameter groups": Fact(
        [False, False, False, False], engine_lacks, adapter_lacks
    ),
    "the optimizer's reset leaves zeros, if asked": Fact(
        False,
        lambda: "set_to_none" in inspect.signature(dezero.Layer.cleargrads).parameters,
        lambda: (
            outcome(lambda: ag.zero_grad(ag.sgd([tensor(W, requires_grad=True)], 0.01), False))
            != "unsupported"
        ),
    ),
    "enable_backprop off: a result has a node; reads; using_config on inside no_grad: has a node": Fact(
        (False, False, True), engine_grad_modes, adapter_grad_modes
    ),
    "the gradient of .grad after backward(create_graph=True) and clearing .grad is": Fact(
        [3.0, -6.0, 12.0], engine_second_derivative, adapter_second_derivative
    ),
    # higher derivatives come only from backward(create_graph=True), into .grad: no function returns them
    "there is a function that returns gradients (autograd.grad)": Fact(
        False,
        lambda: any(hasattr(dezero, name) for name in ("grad", "gradient")) or not engine_create_graph(),
        lambda: outcome(lambda: ag.grad_of([ag.sum(tensor(W) * 3)], [tensor(W)])) != "unsupported",
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
