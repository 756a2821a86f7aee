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
V32 = np.array([1.0, 2.0, -1.0], dtype=np.float32)


def dtype_name(array: Any) -> str:
    return np.array(array).dtype.name


def values(array: Any) -> list[float]:
    return np.array(array).astype(np.float64).tolist()


def vjp_grad(ag: MlxAdapter, function: Callable[..., Any], x: np.ndarray) -> Any:
    return ag.vjp(function, [x], None, device="cpu")[1][0]


# -- a vjp of a vjp, first in mx.vjp alone, then through the adapter's vjp around its vjp_nested ---------


def vjp_in_mlx(function: Callable[..., Any], *xs: Any, cotangent: Any = None) -> list[Any]:
    """mx.vjp's gradients of ``function`` at ``xs``; with no cotangent, of a single value seeded with 1."""
    _, grads = mx.vjp(function, list(xs), [mx.array(1.0) if cotangent is None else cotangent])
    return list(grads)


def nested_grads(ag: MlxAdapter, function: Callable[..., Any], *xs: Any, cotangent: Any = None) -> Any:
    return ag.vjp_nested(function, list(xs), cotangent)[1]


def second_derivative_in_mlx() -> list[float]:
    """d/dx sum(d/dx sum(x**3)) = 6x."""

    def gradient_sum(t: Any) -> Any:
        return mx.sum(vjp_in_mlx(lambda u: mx.sum(u**3), t)[0])

    return values(vjp_in_mlx(gradient_sum, mx.array(X32))[0])


def second_derivative(ag: MlxAdapter) -> list[float]:
    def gradient_sum(t: Any) -> Any:
        return ag.sum(nested_grads(ag, lambda u: ag.sum(u**3), t)[0])

    return values(vjp_grad(ag, gradient_sum, X32))


def hessian_vector_product_in_mlx() -> list[float]:
    """d/dx sum(vjp of x**3 with cotangent v) = d/dx sum(3x**2 v) = 6xv."""

    def vjp_sum(t: Any) -> Any:
        return mx.sum(vjp_in_mlx(lambda u: u**3, t, cotangent=mx.array(V32))[0])

    return values(vjp_in_mlx(vjp_sum, mx.array(X32))[0])


def hessian_vector_product(ag: MlxAdapter) -> list[float]:
    def vjp_sum(t: Any) -> Any:
        return ag.sum(nested_grads(ag, lambda u: u**3, t, cotangent=ag.tensor(V32, device="cpu"))[0])

    return values(vjp_grad(ag, vjp_sum, X32))


def mixed_partials_in_mlx() -> list[list[float]]:
    """For f = sum(x*x*y), d/dx and d/dy of sum(df/dx) = sum(2xy) are 2y and 2x: the inner vjp keeps
    its dependence on the y it closes over."""

    def gradient_sum(x: Any, y: Any) -> Any:
        return mx.sum(vjp_in_mlx(lambda u: mx.sum(u * u * y), x)[0])

    return [values(g) for g in vjp_in_mlx(gradient_sum, mx.array(X32), mx.array(V32))]


def mixed_partials(ag: MlxAdapter) -> list[list[float]]:
    def gradient_sum(x: Any, y: Any) -> Any:
        return ag.sum(nested_grads(ag, lambda u: ag.sum(u * u * y), x)[0])

    return [values(g) for g in ag.vjp(gradient_sum, [X32, V32], None, device="cpu")[1]]


def third_derivative_in_mlx() -> list[float]:
    """Three vjps deep: d3/dx3 sum(x**4) = 24x."""

    def first_sum(t: Any) -> Any:
        return mx.sum(vjp_in_mlx(lambda u: mx.sum(u**4), t)[0])

    def second_sum(t: Any) -> Any:
        return mx.sum(vjp_in_mlx(first_sum, t)[0])

    return values(vjp_in_mlx(second_sum, mx.array(X32))[0])


def third_derivative(ag: MlxAdapter) -> list[float]:
    def first_sum(t: Any) -> Any:
        return ag.sum(nested_grads(ag, lambda u: ag.sum(u**4), t)[0])

    def second_sum(t: Any) -> Any:
        return ag.sum(nested_grads(ag, first_sum, t)[0])

    return values(vjp_grad(ag, second_sum, X32))


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
        second_derivative_in_mlx,
        second_derivative,
        values(6 * X32),
        id="vjp_of_vjp_is_the_second_derivative",
    ),
    pytest.param(
        hessian_vector_product_in_mlx,
        hessian_vector_product,
        values(6 * X32 * V32),
        id="vjp_of_vjp_with_an_inner_cotangent",
    ),
    pytest.param(
        mixed_partials_in_mlx,
        mixed_partials,
        [values(2 * V32), values(2 * X32)],
        id="inner_vjp_keeps_what_it_closes_over_differentiable",
    ),
    pytest.param(
        third_derivative_in_mlx,
        third_derivative,
        values(24 * X32),
        id="vjp_of_vjp_of_vjp_is_the_third_derivative",
    ),
    pytest.param(
        lambda: answer(mx.grad(lambda t: mx.sum(mx.grad(lambda u: 2 * u)(t))), mx.array(X32)),
        lambda ag: answer(vjp_grad, ag, lambda t: ag.sum(nested_grads(ag, lambda u: 2 * u, t)[0]), X32),
        "raises ValueError",
        id="inner_gradient_of_non_scalar_without_cotangent_raises",
    ),
    pytest.param(
        lambda: hasattr(optimizers.SGD(learning_rate=0.1), "zero_grad"),  # update(model, gradients)
        lambda ag: Capability.SGD in ag.capabilities,
        False,
        id="sgd_binds_no_parameters",
    ),
    pytest.param(
        lambda: values(mx.vjp(lambda t: [t * t, 3 * t], [mx.array(X32)], [mx.array(V32), mx.ones(3)])[1][0]),
        lambda ag: values(
            ag.vjp_outputs(lambda t: (t * t, 3 * t), [X32], [V32, np.ones(3, np.float32)], device="cpu")[1][0]
        ),
        values(2 * X32 * V32 + 3),
        id="vjp_of_a_list_adds_each_output_vjp",
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
