"""Facts about tinygrad with its defaults, each asked in tinygrad's own API and through
targets/tinygrad.py.

Every row answers one question twice: ``direct`` in tinygrad alone, ``adapted`` through the shipped
``TinygradAdapter``, and the two must agree; the third column is the answer tinygrad 0.14.0 gives. An
answer is the value, or ``"raises <Error>"``. Needs ``clang`` on PATH for tinygrad's CPU device.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

tinygrad = pytest.importorskip("tinygrad", reason="tinygrad is not installed here")
optim = pytest.importorskip("tinygrad.nn.optim")

from conformance.adapter import Capability  # noqa: E402  (after the engine's importorskip)
from targets.tinygrad import TinygradAdapter  # noqa: E402
from tests.facts import answer  # noqa: E402

Tensor = tinygrad.Tensor
X32 = np.array([0.5, -1.0, 2.0], dtype=np.float32)
X64 = X32.astype(np.float64)
INT64 = np.array([1, 2, 3])


def tensor(data: np.ndarray) -> Any:
    return Tensor(data, device="CPU")


def values(t: Any) -> list[float]:
    return np.asarray(t.numpy(), dtype=np.float64).tolist()


def backward_non_scalar_directly() -> None:
    (tensor(X32) * 2).backward()


def backward_non_scalar(ag: TinygradAdapter) -> None:
    ag.backward(ag.tensor(X32, device="cpu") * 2)


def non_leaf_grad_directly() -> bool:
    x = tensor(X32)
    y = 2 * x
    (y * y).sum().backward()
    return y.grad is not None


def non_leaf_grad(ag: TinygradAdapter) -> bool:
    x = ag.tensor(X32, device="cpu")
    y = 2 * x
    ag.backward(ag.sum(y * y))
    return ag.grad(y) is not None


def second_backward_directly() -> list[float]:
    x = tensor(X32)
    z = (x * x).sum()
    z.backward()
    z.backward()
    return values(x.grad)


def second_backward(ag: TinygradAdapter) -> list[float]:
    x = ag.tensor(X32, device="cpu")
    z = ag.sum(x * x)
    ag.backward(z)
    ag.backward(z, retain_graph=True)
    return values(ag.grad(x))


def sgd_step_directly() -> Any:
    w = tensor(np.ones(3, dtype=np.float32))
    optimizer = optim.SGD([w], lr=0.01)
    (w * 3).sum().backward()
    return answer(optimizer.step)


def sgd_step(ag: TinygradAdapter) -> Any:
    w = ag.tensor(np.ones(3, dtype=np.float32), device="cpu")
    optimizer = ag.sgd([w], 0.01)
    ag.backward(ag.sum(w * 3))
    return answer(ag.step, optimizer)


def detached_write_shows_directly() -> bool:
    x = tensor(X32).realize()
    y = x.detach()
    y.assign(y + 1).realize()
    return values(x) != X32.tolist()


def detached_shares(ag: TinygradAdapter) -> bool:
    x = ag.tensor(X32, device="cpu")
    return ag.shares_storage(x, ag.detach(x))


def sum_write_shows_directly() -> bool:
    x = tensor(X32).realize()
    y = (x + 0).realize()
    y.assign(y + 1).realize()
    return values(x) != X32.tolist()


def sum_shares(ag: TinygradAdapter) -> bool:
    x = ag.tensor(X32, device="cpu")
    return ag.shares_storage(x, x + 0)


FACTS = [
    pytest.param(
        lambda: tensor(X64).dtype.name,
        lambda ag: ag.tensor(X64, device="cpu").dtype.name,
        "double",
        id="float64_numpy_array_stays_float64",
    ),
    pytest.param(
        lambda: tensor(np.array(1.5, dtype=np.float32)).device,
        lambda ag: ag.tensor(np.array(1.5, dtype=np.float32), device="cpu").device,
        None,
        id="zero_d_numpy_array_is_a_device_less_const",
    ),
    pytest.param(
        lambda: hasattr(tensor(X32), "requires_grad"),
        lambda ag: Capability.TRACKING in ag.capabilities,
        False,
        id="tensors_have_no_requires_grad",
    ),
    pytest.param(
        lambda: answer(backward_non_scalar_directly),
        lambda ag: answer(backward_non_scalar, ag),
        "raises AssertionError",
        id="backward_of_non_scalar_without_gradient_raises",
    ),
    pytest.param(
        lambda: answer(lambda: (tensor(INT64) * 2).sum().gradient(tensor(INT64))),
        lambda ag: answer(lambda: ag.vjp(lambda t: ag.sum(t * 2), [INT64], None, device="cpu")),
        "raises RuntimeError",
        id="integer_input_cannot_be_differentiated",
    ),
    pytest.param(non_leaf_grad_directly, non_leaf_grad, True, id="non_leaf_gets_grad"),
    pytest.param(second_backward_directly, second_backward, [2.0, -4.0, 8.0], id="second_backward_adds"),
    pytest.param(sgd_step_directly, sgd_step, "raises RuntimeError", id="sgd_step_raises_with_training_off"),
    pytest.param(detached_write_shows_directly, detached_shares, True, id="detach_shares_storage"),
    pytest.param(sum_write_shows_directly, sum_shares, False, id="a_computed_result_has_storage_of_its_own"),
]


@pytest.fixture(scope="module")
def adapter() -> TinygradAdapter:
    return TinygradAdapter()


@pytest.mark.parametrize(("direct", "adapted", "expected"), FACTS)
def test_fact(
    adapter: TinygradAdapter, direct: Callable[[], Any], adapted: Callable[..., Any], expected: Any
) -> None:
    through_adapter, in_tinygrad = adapted(adapter), direct()
    assert through_adapter == in_tinygrad, (
        "the adapter answers differently from tinygrad: it changed a behaviour"
    )
    assert in_tinygrad == expected
