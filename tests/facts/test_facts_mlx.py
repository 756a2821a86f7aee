"""Facts about MLX with its defaults, each asked in MLX's own API and through targets/mlx.py.

Every row answers one question twice: ``direct`` in MLX alone, ``adapted`` through the shipped
``MlxAdapter``, and the two must agree; the third column is the answer mlx 0.32.4 gives on the CPU. An
answer is the value, or ``"raises <Error>"``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

mx = pytest.importorskip("mlx.core", reason="mlx is not installed here")
optimizers = pytest.importorskip("mlx.optimizers")

from conformance.adapter import Capability  # noqa: E402  (after the engine's importorskip)
from targets.mlx import MlxAdapter  # noqa: E402
from tests.facts import answer  # noqa: E402

X64 = np.array([0.5, -1.0, 2.0])
X32 = X64.astype(np.float32)
INT64 = np.array([1, 2, 3])


def dtype_name(array: Any) -> str:
    return np.array(array).dtype.name


def values(array: Any) -> list[float]:
    return np.array(array).astype(np.float64).tolist()


def vjp_grad(ag: MlxAdapter, function: Callable[..., Any], x: np.ndarray) -> Any:
    return ag.vjp(function, [x], None, device="cpu")[1][0]


def plus_equals_directly(detach: bool) -> list[float]:
    x = mx.array(X32)
    y = mx.stop_gradient(x) if detach else x
    y += 1
    return values(x)


def plus_equals(ag: MlxAdapter, detach: bool) -> list[float]:
    x = ag.tensor(X32, device="cpu")
    ag.add_(ag.detach(x) if detach else x, 1.0)
    return values(ag.numpy(x))


FACTS = [
    pytest.param(
        lambda: dtype_name(mx.array(X64)),
        lambda ag: dtype_name(ag.numpy(ag.tensor(X64, device="cpu"))),
        "float32",
        id="float64_numpy_array_becomes_float32",
    ),
    pytest.param(
        lambda: dtype_name(mx.array(INT64)),
        lambda ag: dtype_name(ag.numpy(ag.tensor(INT64, device="cpu"))),
        "int64",
        id="int64_numpy_array_stays_int64",
    ),
    pytest.param(
        lambda: hasattr(mx.array(X32), "requires_grad"),
        lambda ag: Capability.TRACKING in ag.capabilities,
        False,
        id="arrays_have_no_requires_grad",
    ),
    pytest.param(
        lambda: answer(mx.grad(lambda t: 2 * t), mx.array(X32)),
        lambda ag: answer(vjp_grad, ag, lambda t: 2 * t, X32),
        "raises ValueError",
        id="gradient_of_non_scalar_without_cotangent_raises",
    ),
    pytest.param(
        lambda: (lambda g: (dtype_name(g), values(g)))(mx.grad(lambda t: mx.sum(t * t))(mx.array(INT64))),
        lambda ag: (lambda g: (dtype_name(g), values(g)))(vjp_grad(ag, lambda t: ag.sum(t * t), INT64)),
        ("int64", [2.0, 4.0, 6.0]),
        id="integer_input_is_differentiated",
    ),
    pytest.param(
        lambda: values(mx.grad(lambda t: mx.sum(mx.stop_gradient(t) * t))(mx.array(X32))),
        lambda ag: values(vjp_grad(ag, lambda t: ag.sum(ag.detach(t) * t), X32)),
        values(X32),
        id="stop_gradient_blocks_the_gradient",
    ),
    pytest.param(
        lambda: plus_equals_directly(detach=False),
        lambda ag: plus_equals(ag, detach=False),
        values(X32 + 1),
        id="plus_equals_changes_the_array_in_place",
    ),
    pytest.param(
        lambda: plus_equals_directly(detach=True),
        lambda ag: plus_equals(ag, detach=True),
        values(X32),
        id="a_write_to_stop_gradient_leaves_the_input",
    ),
    pytest.param(
        lambda: values(mx.grad(lambda t: mx.sum(mx.clip(t, -1.0, 1.0)))(mx.array(X32))),
        lambda ag: values(vjp_grad(ag, lambda t: ag.sum(ag.operator("clamp")(t, -1.0, 1.0)), X32)),
        [1.0, 0.0, 0.0],
        id="clip_gradient_at_a_bound_is_zero",
    ),
    pytest.param(
        lambda: hasattr(optimizers.SGD(learning_rate=0.1), "zero_grad"),  # update(model, gradients)
        lambda ag: Capability.SGD in ag.capabilities,
        False,
        id="sgd_binds_no_parameters",
    ),
]


@pytest.fixture(scope="module")
def adapter() -> MlxAdapter:
    return MlxAdapter()


@pytest.mark.parametrize(("direct", "adapted", "expected"), FACTS)
def test_fact(
    adapter: MlxAdapter, direct: Callable[[], Any], adapted: Callable[..., Any], expected: Any
) -> None:
    through_adapter, in_mlx = adapted(adapter), direct()
    assert through_adapter == in_mlx, "the adapter answers differently from MLX: it changed a behaviour"
    assert in_mlx == expected
