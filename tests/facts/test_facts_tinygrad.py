"""Facts about tinygrad with its defaults, each asked in tinygrad's own API and through
targets/tinygrad.py.

Every row answers one question twice: ``direct`` in tinygrad alone, ``adapted`` through the shipped
``TinygradAdapter``, and the two must agree; the third column is the answer tinygrad 0.14.0 gives. An
answer is the value, or ``"raises <Error>"``. Needs ``clang`` on PATH for tinygrad's CPU device.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

tinygrad = pytest.importorskip("tinygrad", reason="tinygrad is not installed here")
optim = pytest.importorskip("tinygrad.nn.optim")

from conformance.adapter import Capability  # noqa: E402  (after the engine's importorskip)
from targets.tinygrad import TinygradAdapter  # noqa: E402
from tests.facts import answer, outcome  # noqa: E402

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


def gradient_directly() -> tuple[list[float], Any]:
    x = tensor(X32)
    (g,) = (x * x).sum().gradient(x)
    return values(g), x.grad


def gradient(ag: TinygradAdapter) -> tuple[list[float], Any]:
    x = ag.tensor(X32, device="cpu")
    (g,) = ag.grad_of([ag.sum(x * x)], [x])
    return values(g), ag.grad(x)


def unused_gradient_directly() -> list[float]:
    x, y = tensor(X32), tensor(X32)
    return values((x * x).sum().gradient(x, y)[1])


def unused_gradient(ag: TinygradAdapter) -> Any:
    x, y = ag.tensor(X32, device="cpu"), ag.tensor(X32, device="cpu")
    return values(ag.grad_of([ag.sum(x * x)], [x, y])[1])


def second_derivative_directly() -> list[float]:
    x = tensor(X32)
    (g,) = (x**3).sum().gradient(x)
    return values(g.sum().gradient(x)[0])


def second_derivative(ag: TinygradAdapter) -> list[float]:
    x = ag.tensor(X32, device="cpu")
    (g,) = ag.grad_of([ag.sum(x**3)], [x], create_graph=True)
    return values(ag.grad_of([ag.sum(g)], [x])[0])


def intermediate_assign_directly() -> tuple[list[float], list[float]]:
    x = tensor(X32)
    y = x * 2
    y.assign(y * 3)
    y.sum().backward()
    return values(y), values(x.grad)


def intermediate_mul_(ag: TinygradAdapter) -> tuple[list[float], list[float]]:
    x = ag.tensor(X32, device="cpu")
    y = x * 2
    ag.mul_(y, 3.0)
    ag.backward(ag.sum(y))
    return values(y), values(ag.grad(x))


def index_assignment_directly() -> tuple[list[float], list[float]]:
    x = tensor(X32)
    y = x * 2
    y[0] = 7.0
    y.sum().backward()
    return values(y), values(x.grad)


def index_assignment(ag: TinygradAdapter) -> tuple[list[float], list[float]]:
    x = ag.tensor(X32, device="cpu")
    y = x * 2
    ag.setitem(y, 0, 7.0)
    ag.backward(ag.sum(y))
    return values(y), values(ag.grad(x))


SGD_OPTIONS = {"momentum": 0.9, "weight_decay": 0.1, "nesterov": True}


def sgd_options_directly() -> tuple[Any, ...]:
    optimizer = optim.SGD([tensor(X32)], lr=0.01, **SGD_OPTIONS)
    return optimizer.momentum, optimizer.wd, optimizer.nesterov, optimizer.classic


def sgd_options(ag: TinygradAdapter) -> tuple[Any, ...]:
    optimizer = ag.sgd([ag.tensor(X32, device="cpu")], 0.01, **SGD_OPTIONS)
    return optimizer.momentum, optimizer.wd, optimizer.nesterov, optimizer.classic


def sgd_lacks_directly() -> list[bool]:
    parameters = inspect.signature(optim.SGD).parameters
    return [option in parameters for option in ("dampening", "maximize")] + [
        "set_to_none" in inspect.signature(optim.Optimizer.zero_grad).parameters
    ]


def sgd_lacks(ag: TinygradAdapter) -> list[bool]:
    w = ag.tensor(X32, device="cpu")
    return [
        outcome(lambda: ag.sgd([w], 0.01, dampening=0.5)) != "unsupported",
        outcome(lambda: ag.sgd([w], 0.01, maximize=True)) != "unsupported",
        outcome(lambda: ag.zero_grad(ag.sgd([w], 0.01), set_to_none=False)) != "unsupported",
    ]


def lacks_directly() -> bool:
    spellings = ("no_grad", "set_grad_enabled", "enable_grad", "inference_mode")
    return hasattr(Tensor, "register_hook") or any(hasattr(tinygrad, name) for name in spellings)


def lacks(ag: TinygradAdapter) -> bool:
    return bool({Capability.HOOKS, Capability.GRAD_MODES, Capability.INFERENCE_MODE} & ag.capabilities)


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
    pytest.param(
        gradient_directly, gradient, ([1.0, -2.0, 4.0], None), id="gradient_returns_and_leaves_grad_none"
    ),
    pytest.param(unused_gradient_directly, unused_gradient, [0.0, 0.0, 0.0], id="an_unused_input_gets_zeros"),
    pytest.param(  # a method of the one tensor differentiated: several outputs are unsupported
        lambda: list(inspect.signature(Tensor.gradient).parameters) != ["self", "targets", "gradient"],
        lambda ag: outcome(lambda: ag.grad_of([ag.tensor(X32, device="cpu")] * 2, [])) != "unsupported",
        False,
        id="gradient_takes_no_list_of_outputs",
    ),
    pytest.param(
        second_derivative_directly, second_derivative, [3.0, -6.0, 12.0], id="a_gradient_differentiates_again"
    ),
    pytest.param(
        intermediate_assign_directly,
        intermediate_mul_,
        ([3.0, -6.0, 12.0], [6.0, 6.0, 6.0]),
        id="assign_on_a_result_rewrites_its_gradient",
    ),
    pytest.param(
        index_assignment_directly,
        index_assignment,
        ([7.0, -2.0, 4.0], [0.0, 2.0, 2.0]),
        id="index_assignment_cuts_the_gradient",
    ),
    pytest.param(
        lambda: isinstance(tensor(X32).data(), memoryview),
        lambda ag: outcome(lambda: ag.data_of(ag.tensor(X32, device="cpu"))) == "unsupported",
        True,
        id="data_is_a_memoryview_not_a_tensor",
    ),
    pytest.param(sgd_options_directly, sgd_options, (0.9, 0.1, True, False), id="sgd_takes_torch_options"),
    pytest.param(
        sgd_lacks_directly,
        sgd_lacks,
        [False, False, False],
        id="sgd_lacks_dampening_maximize_and_set_to_none_false",
    ),
    pytest.param(lacks_directly, lacks, False, id="no_hooks_grad_modes_or_inference_mode"),
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
