"""Facts about mygrad, each asked twice: in mygrad's own API, and through the shipped adapter.

A row of ``FACTS`` names a fact, mygrad's answer, and two programs that ask it: one in mygrad alone,
one through ``targets.mygrad.MygradAdapter``. Both must give that answer. An adapter translates how a
question is spelled, never what the engine answers: when the adapter's answer differs from mygrad's,
the adapter has changed a behaviour.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

mg = pytest.importorskip("mygrad")

from targets.mygrad import MygradAdapter  # noqa: E402  # imports mygrad
from tests.facts import Fact, outcome  # noqa: E402

W = np.ones(3, dtype=np.float32)
INTEGERS = np.arange(3)
ag = MygradAdapter()


def tensor(data: np.ndarray, *, requires_grad: bool = False) -> Any:
    return ag.tensor(data, device="cpu", requires_grad=requires_grad)


def offered(action: Callable[[], Any]) -> bool:
    return outcome(action) != "unsupported"


def engine_backward_twice() -> list[float]:
    x = mg.tensor(W)
    mg.sum(x * 3).backward()
    mg.sum(x * 3).backward()
    return x.grad.tolist()


def adapter_backward_twice() -> list[float]:
    x = tensor(W, requires_grad=True)
    ag.backward(ag.sum(x * 3))
    ag.backward(ag.sum(x * 3))
    return ag.numpy(ag.grad(x)).tolist()


def engine_reset() -> Any:
    x = mg.tensor(W)
    mg.sum(x * 3).backward()
    x.null_grad()
    return x.grad


def adapter_reset() -> Any:
    x = tensor(W, requires_grad=True)
    ag.backward(ag.sum(x * 3))
    ag.zero_grad_of(x)
    return ag.grad(x)


def engine_no_grad_result() -> tuple[bool, bool]:
    x = mg.tensor(W)
    with mg.no_autodiff:
        y = x * 2
    return y.creator is not None, not y.constant


def adapter_no_grad_result() -> tuple[bool, bool]:
    x = tensor(W, requires_grad=True)
    with ag.no_grad():
        y = x * 2
    return ag.has_node(y), ag.requires_grad(y)


def engine_non_scalar_backward() -> list[float]:
    x = mg.tensor(W)
    (x * 3).backward()
    return x.grad.tolist()


def adapter_non_scalar_backward() -> list[float]:
    x = tensor(W, requires_grad=True)
    ag.backward(x * 3)
    return ag.numpy(ag.grad(x)).tolist()


def engine_grad_dtype() -> str:
    x = mg.tensor(W)
    mg.sum(x * x).backward()
    return str(x.grad.dtype)


def adapter_grad_dtype() -> str:
    x = tensor(W, requires_grad=True)
    ag.backward(ag.sum(x * x))
    return str(ag.numpy(ag.grad(x)).dtype)


FACTS = {
    "a float tensor made with the default is tracked": Fact(
        True,
        lambda: not mg.tensor(W).constant,
        lambda: ag.requires_grad(tensor(W)),
    ),
    "an integer tensor made with the default is tracked": Fact(
        False,
        lambda: not mg.tensor(INTEGERS).constant,
        lambda: ag.requires_grad(tensor(INTEGERS)),
    ),
    "a result of tensors made with the default carries a node": Fact(
        True,
        lambda: (2 * mg.tensor(W)).creator is not None,
        lambda: ag.has_node(2 * tensor(W)),
    ),
    "an integer tensor asked to be tracked raises": Fact(
        "ValueError",
        lambda: outcome(lambda: mg.tensor(INTEGERS, constant=False)),
        lambda: outcome(lambda: tensor(INTEGERS, requires_grad=True)),
    ),
    "backward() of a 3-element x * 3 leaves in x.grad": Fact(
        [3.0, 3.0, 3.0], engine_non_scalar_backward, adapter_non_scalar_backward
    ),
    "the gradient of a float32 leaf is": Fact("float32", engine_grad_dtype, adapter_grad_dtype),
    ".grad before any backward is": Fact(
        None,
        lambda: mg.tensor(W).grad,
        lambda: ag.grad(tensor(W, requires_grad=True)),
    ),
    "two backward passes of sum(x * 3) leave in x.grad": Fact(
        [3.0, 3.0, 3.0], engine_backward_twice, adapter_backward_twice
    ),
    "resetting a gradient leaves .grad": Fact(None, engine_reset, adapter_reset),
    "under no_grad a result has a node, and is tracked": Fact(
        (False, True), engine_no_grad_result, adapter_no_grad_result
    ),
    "backward() takes retain_graph": Fact(
        False,
        lambda: "retain_graph" in inspect.signature(mg.Tensor.backward).parameters,
        lambda: offered(lambda: ag.backward(ag.sum(tensor(W) * 3), None, True)),
    ),
    "there is an optimizer": Fact(
        False,
        lambda: any("optim" in name.lower() or "sgd" in name.lower() for name in dir(mg)),
        lambda: offered(lambda: ag.sgd([tensor(W, requires_grad=True)], 0.01)),
    ),
}


@pytest.mark.parametrize("fact", FACTS)
def test_adapter_answers_as_mygrad_does(fact: str) -> None:
    answer, engine, adapter = FACTS[fact]
    by_engine = engine()
    assert by_engine == answer, f"mygrad itself now answers {by_engine!r}: update the fact"
    by_adapter = adapter()
    assert by_adapter == by_engine, (
        f"through the adapter: {by_adapter!r}, but mygrad answers {by_engine!r}: the adapter changes a behaviour"
    )
