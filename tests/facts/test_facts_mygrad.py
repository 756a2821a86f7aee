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


Z = np.array([1.0, 2.0, 3.0])


def engine_inplace() -> Any:
    x = mg.tensor(Z)
    y, z = x * 2, x * 2
    y *= 3
    z[1:][0] = 7.0  # through a view of z
    mg.sum(y + z).backward()
    return y.data.tolist(), z.data.tolist(), x.grad.tolist()


def adapter_inplace() -> Any:
    x = tensor(Z, requires_grad=True)
    y, z = x * 2, x * 2
    ag.mul_(y, 3.0)
    ag.setitem(ag.operator("getitem")(z, slice(1, None)), 0, 7.0)
    ag.backward(ag.sum(y + z))
    return ag.numpy(y).tolist(), ag.numpy(z).tolist(), ag.numpy(ag.grad(x)).tolist()


def engine_data() -> Any:
    x = mg.tensor(Z)
    y = x * x
    data = x.data
    answers = type(data).__name__, np.shares_memory(data, x), data.flags.writeable
    mg.sum(y).backward()
    return answers


def adapter_data() -> Any:
    x = tensor(Z, requires_grad=True)
    y = x * x
    data = ag.data_of(x)
    answers = type(data).__name__, np.shares_memory(data, x), data.flags.writeable
    ag.backward(ag.sum(y))
    return answers


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
    "y *= 3 on y = 2x and z[1:][0] = 7 on z = 2x give y, z and x.grad of sum(y + z)": Fact(
        ([6.0, 12.0, 18.0], [2.0, 7.0, 6.0], [8.0, 6.0, 8.0]), engine_inplace, adapter_inplace
    ),
    "x.data is a NumPy array sharing x's memory, writeable while x is in a graph": Fact(
        ("ndarray", True, False), engine_data, adapter_data
    ),
    "there is autograd.grad, a tensor hook, a grad mode to set, an inference mode": Fact(
        False,
        lambda: (
            any(hasattr(mg, name) for name in ("grad", "set_grad_enabled", "inference_mode"))
            or hasattr(mg.Tensor, "register_hook")
        ),
        lambda: (
            offered(lambda: ag.grad_of([ag.sum(tensor(W))], [tensor(W)]))
            or offered(lambda: ag.register_hook(tensor(W), lambda g: g))
            or offered(lambda: ag.set_grad_enabled(True))
            or offered(ag.inference_mode)
        ),
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
