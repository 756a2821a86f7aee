"""Facts about jax with its defaults (x64 off), each asked in jax's own API and through targets/jax.py.

Every row answers one question twice: ``direct`` in jax alone, ``adapted`` through the shipped
``JaxAdapter``, and the two must agree; the third column is the answer jax 0.10.2 gives. An answer is
the value, or ``"raises <Error>"``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

jax = pytest.importorskip("jax", reason="jax is not installed here")
jnp = pytest.importorskip("jax.numpy")
optimizers = pytest.importorskip("jax.example_libraries.optimizers")

from conformance.adapter import Capability  # noqa: E402  (after the engine's importorskip)
from targets.jax import JaxAdapter  # noqa: E402
from tests.facts import answer, dtype_name, values  # noqa: E402

X64 = np.array([0.5, -1.0, 2.0])
X32 = X64.astype(np.float32)
INT64 = np.array([1, 2, 3])
V32 = np.array([1.0, 2.0, -1.0], dtype=np.float32)


def vjp_grad(ag: JaxAdapter, function: Callable[..., Any], x: np.ndarray) -> Any:
    return ag.vjp(function, [x], None, device="cpu")[1][0]


# -- a vjp of a vjp, first in jax.vjp alone, then through the adapter's vjp around its vjp_nested ---------


def vjp_in_jax(function: Callable[..., Any], *xs: Any, cotangent: Any = None) -> Any:
    """jax.vjp's gradients of ``function`` at ``xs``, seeded with ones where no cotangent is given."""
    out, pullback = jax.vjp(function, *xs)
    return pullback(jnp.ones_like(out) if cotangent is None else cotangent)


def nested_grads(ag: JaxAdapter, function: Callable[..., Any], *xs: Any, cotangent: Any = None) -> Any:
    return ag.vjp_nested(function, list(xs), cotangent)[1]


def second_derivative_in_jax() -> list[float]:
    """d/dx sum(d/dx sum(x**3)) = 6x."""

    def gradient_sum(t: Any) -> Any:
        return jnp.sum(vjp_in_jax(lambda u: jnp.sum(u**3), t)[0])

    return values(vjp_in_jax(gradient_sum, jnp.asarray(X32))[0])


def second_derivative(ag: JaxAdapter) -> list[float]:
    def gradient_sum(t: Any) -> Any:
        return ag.sum(nested_grads(ag, lambda u: ag.sum(u**3), t)[0])

    return values(vjp_grad(ag, gradient_sum, X32))


def hessian_vector_product_in_jax() -> list[float]:
    """d/dx sum(vjp of x**3 with cotangent v) = d/dx sum(3x**2 v) = 6xv."""

    def vjp_sum(t: Any) -> Any:
        return jnp.sum(vjp_in_jax(lambda u: u**3, t, cotangent=jnp.asarray(V32))[0])

    return values(vjp_in_jax(vjp_sum, jnp.asarray(X32))[0])


def hessian_vector_product(ag: JaxAdapter) -> list[float]:
    def vjp_sum(t: Any) -> Any:
        return ag.sum(nested_grads(ag, lambda u: u**3, t, cotangent=ag.tensor(V32, device="cpu"))[0])

    return values(vjp_grad(ag, vjp_sum, X32))


def mixed_partials_in_jax() -> list[list[float]]:
    """For f = sum(x*x*y), d/dx and d/dy of sum(df/dx) = sum(2xy) are 2y and 2x: the inner vjp keeps
    its dependence on the y it closes over."""

    def gradient_sum(x: Any, y: Any) -> Any:
        return jnp.sum(vjp_in_jax(lambda u: jnp.sum(u * u * y), x)[0])

    return [values(g) for g in vjp_in_jax(gradient_sum, jnp.asarray(X32), jnp.asarray(V32))]


def mixed_partials(ag: JaxAdapter) -> list[list[float]]:
    def gradient_sum(x: Any, y: Any) -> Any:
        return ag.sum(nested_grads(ag, lambda u: ag.sum(u * u * y), x)[0])

    return [values(g) for g in ag.vjp(gradient_sum, [X32, V32], None, device="cpu")[1]]


def third_derivative_in_jax() -> list[float]:
    """Three vjps deep: d3/dx3 sum(x**4) = 24x."""

    def first_sum(t: Any) -> Any:
        return jnp.sum(vjp_in_jax(lambda u: jnp.sum(u**4), t)[0])

    def second_sum(t: Any) -> Any:
        return jnp.sum(vjp_in_jax(first_sum, t)[0])

    return values(vjp_in_jax(second_sum, jnp.asarray(X32))[0])


def third_derivative(ag: JaxAdapter) -> list[float]:
    def first_sum(t: Any) -> Any:
        return ag.sum(nested_grads(ag, lambda u: ag.sum(u**4), t)[0])

    def second_sum(t: Any) -> Any:
        return ag.sum(nested_grads(ag, first_sum, t)[0])

    return values(vjp_grad(ag, second_sum, X32))


FACTS = [
    pytest.param(
        lambda: dtype_name(jnp.asarray(X64)),
        lambda ag: dtype_name(ag.numpy(ag.tensor(X64, device="cpu"))),
        "float32",
        id="float64_numpy_array_becomes_float32",
    ),
    pytest.param(
        lambda: dtype_name(jnp.asarray(INT64)),
        lambda ag: dtype_name(ag.numpy(ag.tensor(INT64, device="cpu"))),
        "int32",
        id="int64_numpy_array_becomes_int32",
    ),
    pytest.param(
        lambda: dtype_name(jax.grad(lambda t: jnp.sum(t * t))(jnp.asarray(X64))),
        lambda ag: dtype_name(vjp_grad(ag, lambda t: ag.sum(t * t), X64)),
        "float32",
        id="gradient_of_float64_input_is_float32",
    ),
    pytest.param(
        lambda: bool(jax.config.jax_enable_x64),
        lambda ag: bool(jax.config.jax_enable_x64),  # read after the adapter was made
        False,
        id="x64_stays_off",
    ),
    pytest.param(
        lambda: hasattr(jnp.asarray(X32), "requires_grad"),
        lambda ag: Capability.TRACKING in ag.capabilities,
        False,
        id="arrays_have_no_requires_grad",
    ),
    pytest.param(
        lambda: answer(jax.grad(lambda t: 2 * t), jnp.asarray(X32)),
        lambda ag: answer(vjp_grad, ag, lambda t: 2 * t, X32),
        "raises TypeError",
        id="gradient_of_non_scalar_without_cotangent_raises",
    ),
    pytest.param(
        lambda: answer(jax.grad(lambda t: jnp.sum(t * t)), jnp.asarray(INT64)),
        lambda ag: answer(vjp_grad, ag, lambda t: ag.sum(t * t), INT64),
        "raises TypeError",
        id="integer_input_cannot_be_differentiated",
    ),
    pytest.param(
        lambda: values(jax.grad(lambda t: jnp.sum(jax.lax.stop_gradient(t) * t))(jnp.asarray(X32))),
        lambda ag: values(vjp_grad(ag, lambda t: ag.sum(ag.detach(t) * t), X32)),
        values(X32),
        id="stop_gradient_blocks_the_gradient",
    ),
    pytest.param(
        lambda: values(jax.grad(lambda t: jnp.sum(jnp.abs(t)))(jnp.zeros(1))),
        lambda ag: values(vjp_grad(ag, lambda t: ag.sum(ag.operator("abs")(t)), np.zeros(1, np.float32))),
        [1.0],
        id="abs_gradient_at_zero_is_one",
    ),
    pytest.param(
        lambda: answer(jnp.squeeze, jnp.ones((2, 3)), 0),
        lambda ag: answer(ag.operator("squeeze"), ag.tensor(np.ones((2, 3), np.float32), device="cpu"), 0),
        "raises ValueError",
        id="squeeze_of_a_dim_not_of_size_one_raises",
    ),
    pytest.param(
        second_derivative_in_jax,
        second_derivative,
        values(6 * X32),
        id="vjp_of_vjp_is_the_second_derivative",
    ),
    pytest.param(
        hessian_vector_product_in_jax,
        hessian_vector_product,
        values(6 * X32 * V32),
        id="vjp_of_vjp_with_an_inner_cotangent",
    ),
    pytest.param(
        mixed_partials_in_jax,
        mixed_partials,
        [values(2 * V32), values(2 * X32)],
        id="inner_vjp_keeps_what_it_closes_over_differentiable",
    ),
    pytest.param(
        third_derivative_in_jax,
        third_derivative,
        values(24 * X32),
        id="vjp_of_vjp_of_vjp_is_the_third_derivative",
    ),
    pytest.param(
        lambda: answer(jax.grad(lambda t: jnp.sum(jax.grad(lambda u: 2 * u)(t))), jnp.asarray(X32)),
        lambda ag: answer(vjp_grad, ag, lambda t: ag.sum(nested_grads(ag, lambda u: 2 * u, t)[0]), X32),
        "raises TypeError",
        id="inner_gradient_of_non_scalar_without_cotangent_raises",
    ),
    pytest.param(
        lambda: hasattr(optimizers.sgd(0.1), "step"),  # (init, update, get_params): no step()
        lambda ag: Capability.SGD in ag.capabilities,
        False,
        id="sgd_is_functional_with_no_step",
    ),
    pytest.param(
        lambda: values(
            jax.vjp(lambda t: (t * t, 3 * t), jnp.asarray(X32))[1]((jnp.asarray(V32), jnp.ones(3)))[0]
        ),
        lambda ag: values(
            ag.vjp_outputs(lambda t: (t * t, 3 * t), [X32], [V32, np.ones(3, np.float32)], device="cpu")[1][0]
        ),
        values(2 * X32 * V32 + 3),
        id="vjp_of_a_tuple_adds_each_output_vjp",
    ),
]


@pytest.fixture(scope="module")
def adapter() -> JaxAdapter:
    return JaxAdapter()


@pytest.mark.parametrize(("direct", "adapted", "expected"), FACTS)
def test_fact(
    adapter: JaxAdapter, direct: Callable[[], Any], adapted: Callable[..., Any], expected: Any
) -> None:
    through_adapter, in_jax = adapted(adapter), direct()
    assert through_adapter == in_jax, "the adapter answers differently from jax: it changed a behaviour"
    assert in_jax == expected
