"""Facts about HIPS autograd, each asked in autograd's own API and through targets/hips_autograd.py.

Every row answers one question twice: ``direct`` in autograd alone, ``adapted`` through the shipped
``AutogradAdapter``, and the two must agree; the third column is the answer autograd 1.9.1 gives on
NumPy 2. An answer is the value, or ``"raises <Error>"``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

autograd = pytest.importorskip("autograd", reason="autograd is not installed here")
anp = pytest.importorskip("autograd.numpy")
builtins = pytest.importorskip("autograd.builtins")
optimizers = pytest.importorskip("autograd.misc.optimizers")

from conformance.adapter import Capability  # noqa: E402  (after the engine's importorskip)
from targets.hips_autograd import AutogradAdapter  # noqa: E402
from tests.facts import answer, dtype_name, values  # noqa: E402

X64 = np.array([0.5, -1.0, 2.0])
X32 = X64.astype(np.float32)
INT64 = np.array([1, 2, 3])
V32 = np.array([1.0, 2.0, -1.0], dtype=np.float32)


def vjp_grads(ag: AutogradAdapter, function: Callable[..., Any], *xs: np.ndarray) -> list[Any]:
    return ag.vjp(function, list(xs), None, device="cpu")[1]


# -- a vjp of a vjp, first in autograd.make_vjp alone, then through the adapter's vjp around vjp_nested --


def vjp_in_autograd(function: Callable[..., Any], *xs: Any, cotangent: Any = None) -> list[Any]:
    """autograd.make_vjp's gradients of ``function`` at ``xs``, seeded with ones where no cotangent is
    given."""
    argnum = 0 if len(xs) == 1 else tuple(range(len(xs)))
    pullback, out = autograd.make_vjp(function, argnum=argnum)(*xs)
    grads = pullback(anp.ones_like(out) if cotangent is None else cotangent)
    return [grads] if argnum == 0 else list(grads)


def nested_grads(ag: AutogradAdapter, function: Callable[..., Any], *xs: Any, cotangent: Any = None) -> Any:
    return ag.vjp_nested(function, list(xs), cotangent)[1]


def second_derivative_in_autograd() -> list[float]:
    """d/dx sum(d/dx sum(x**3)) = 6x."""

    def gradient_sum(t: Any) -> Any:
        return anp.sum(vjp_in_autograd(lambda u: anp.sum(u**3), t)[0])

    return values(vjp_in_autograd(gradient_sum, X32)[0])


def second_derivative(ag: AutogradAdapter) -> list[float]:
    def gradient_sum(t: Any) -> Any:
        return ag.sum(nested_grads(ag, lambda u: ag.sum(u**3), t)[0])

    return values(vjp_grads(ag, gradient_sum, X32)[0])


def hessian_vector_product_in_autograd() -> list[float]:
    """d/dx sum(vjp of x**3 with cotangent v) = d/dx sum(3x**2 v) = 6xv."""

    def vjp_sum(t: Any) -> Any:
        return anp.sum(vjp_in_autograd(lambda u: u**3, t, cotangent=V32)[0])

    return values(vjp_in_autograd(vjp_sum, X32)[0])


def hessian_vector_product(ag: AutogradAdapter) -> list[float]:
    def vjp_sum(t: Any) -> Any:
        return ag.sum(nested_grads(ag, lambda u: u**3, t, cotangent=ag.tensor(V32, device="cpu"))[0])

    return values(vjp_grads(ag, vjp_sum, X32)[0])


def mixed_partials_in_autograd() -> list[list[float]]:
    """For f = sum(x*x*y), d/dx and d/dy of sum(df/dx) = sum(2xy) are 2y and 2x: the inner vjp keeps
    its dependence on the y it closes over."""

    def gradient_sum(x: Any, y: Any) -> Any:
        return anp.sum(vjp_in_autograd(lambda u: anp.sum(u * u * y), x)[0])

    return [values(g) for g in vjp_in_autograd(gradient_sum, X32, V32)]


def mixed_partials(ag: AutogradAdapter) -> list[list[float]]:
    def gradient_sum(x: Any, y: Any) -> Any:
        return ag.sum(nested_grads(ag, lambda u: ag.sum(u * u * y), x)[0])

    return [values(g) for g in vjp_grads(ag, gradient_sum, X32, V32)]


def third_derivative_in_autograd() -> list[float]:
    """Three vjps deep: d3/dx3 sum(x**4) = 24x."""

    def first_sum(t: Any) -> Any:
        return anp.sum(vjp_in_autograd(lambda u: anp.sum(u**4), t)[0])

    def second_sum(t: Any) -> Any:
        return anp.sum(vjp_in_autograd(first_sum, t)[0])

    return values(vjp_in_autograd(second_sum, X32)[0])


def third_derivative(ag: AutogradAdapter) -> list[float]:
    def first_sum(t: Any) -> Any:
        return ag.sum(nested_grads(ag, lambda u: ag.sum(u**4), t)[0])

    def second_sum(t: Any) -> Any:
        return ag.sum(nested_grads(ag, first_sum, t)[0])

    return values(vjp_grads(ag, second_sum, X32)[0])


def several_outputs_in_autograd() -> list[float]:
    """make_vjp of a function returning autograd's tuple: each output's vjp with its cotangent, added."""
    pullback, _ = autograd.make_vjp(lambda t: builtins.tuple((t * t, 3 * t)))(X32)
    return values(pullback((V32, np.ones(3, np.float32))))


FACTS = [
    pytest.param(
        lambda: dtype_name(anp.array(X64)),
        lambda ag: dtype_name(ag.tensor(X64, device="cpu")),
        "float64",
        id="float64_numpy_array_stays_float64",
    ),
    pytest.param(
        lambda: type(anp.array(X32)).__name__,
        lambda ag: type(ag.tensor(X32, device="cpu")).__name__,
        "ndarray",
        id="tensors_are_numpy_arrays",
    ),
    pytest.param(
        lambda: hasattr(anp.array(X32), "requires_grad"),
        lambda ag: Capability.TRACKING in ag.capabilities,
        False,
        id="arrays_have_no_requires_grad",
    ),
    pytest.param(
        lambda: answer(autograd.grad(lambda t: 2 * t), X32),
        lambda ag: answer(vjp_grads, ag, lambda t: 2 * t, X32),
        "raises TypeError",
        id="gradient_of_non_scalar_without_cotangent_raises",
    ),
    pytest.param(
        lambda: answer(autograd.grad(lambda t: anp.sum(t * t)), INT64),
        lambda ag: answer(vjp_grads, ag, lambda t: ag.sum(t * t), INT64),
        "raises TypeError",
        id="integer_input_cannot_be_differentiated",
    ),
    pytest.param(
        lambda: dtype_name(autograd.grad(lambda t: anp.mean(t * t))(X32)),
        lambda ag: dtype_name(vjp_grads(ag, lambda t: ag.mean(t * t), X32)[0]),
        "float64",
        id="gradient_of_a_float32_mean_is_float64",
    ),
    pytest.param(
        lambda: [dtype_name(g) for g in autograd.grad(lambda a, b: anp.mean(a * b), argnum=(0, 1))(X32, X32)],
        lambda ag: [dtype_name(g) for g in vjp_grads(ag, lambda a, b: ag.mean(a * b), X32, X32)],
        ["float32", "float32"],
        id="gradients_over_two_inputs_take_their_dtypes",
    ),
    pytest.param(
        lambda: values(autograd.grad(lambda t: anp.sum(anp.clip(t, -1.0, 1.0)))(X32)),
        lambda ag: values(vjp_grads(ag, lambda t: ag.sum(ag.operator("clamp")(t, -1.0, 1.0)), X32)[0]),
        [1.0, 0.0, 0.0],
        id="clip_gradient_at_a_bound_is_zero",
    ),
    pytest.param(
        lambda: hasattr(anp, "stop_gradient") or hasattr(autograd, "stop_gradient"),
        lambda ag: Capability.DETACH in ag.capabilities,
        False,
        id="no_detach",
    ),
    pytest.param(
        second_derivative_in_autograd,
        second_derivative,
        values(6 * X32),
        id="vjp_of_vjp_is_the_second_derivative",
    ),
    pytest.param(
        hessian_vector_product_in_autograd,
        hessian_vector_product,
        values(6 * X32 * V32),
        id="vjp_of_vjp_with_an_inner_cotangent",
    ),
    pytest.param(
        mixed_partials_in_autograd,
        mixed_partials,
        [values(2 * V32), values(2 * X32)],
        id="inner_vjp_keeps_what_it_closes_over_differentiable",
    ),
    pytest.param(
        third_derivative_in_autograd,
        third_derivative,
        values(24 * X32),
        id="vjp_of_vjp_of_vjp_is_the_third_derivative",
    ),
    pytest.param(
        lambda: answer(autograd.grad(lambda t: anp.sum(autograd.grad(lambda u: 2 * u)(t))), X32),
        lambda ag: answer(vjp_grads, ag, lambda t: ag.sum(nested_grads(ag, lambda u: 2 * u, t)[0]), X32),
        "raises TypeError",
        id="inner_gradient_of_non_scalar_without_cotangent_raises",
    ),
    pytest.param(  # sgd(gradient, x0, ...) runs a whole loop and returns x, an ndarray: no step()
        lambda: hasattr(optimizers.sgd(autograd.grad(lambda w, i: anp.sum(w * w)), X64, num_iters=1), "step"),
        lambda ag: Capability.SGD in ag.capabilities,
        False,
        id="sgd_is_a_loop_with_no_step",
    ),
    pytest.param(
        several_outputs_in_autograd,
        lambda ag: values(
            ag.vjp_outputs(lambda t: (t * t, 3 * t), [X32], [V32, np.ones(3, np.float32)], device="cpu")[1][0]
        ),
        values(2 * X32 * V32 + 3),
        id="vjp_of_autograd_tuple_adds_each_output_vjp",
    ),
]


@pytest.fixture(scope="module")
def adapter() -> AutogradAdapter:
    return AutogradAdapter()


@pytest.mark.parametrize(("direct", "adapted", "expected"), FACTS)
def test_fact(
    adapter: AutogradAdapter, direct: Callable[[], Any], adapted: Callable[..., Any], expected: Any
) -> None:
    through_adapter, in_autograd = adapted(adapter), direct()
    assert through_adapter == in_autograd, (
        "the adapter answers differently from autograd: it changed a behaviour"
    )
    assert in_autograd == expected


def test_a_plain_tuple_output_is_not_traced() -> None:
    """Why the adapter returns several outputs as autograd.builtins.tuple: autograd does not trace a
    plain Python tuple of boxes, warns that the output seems independent of the input, and pulls back
    zeros."""
    with pytest.warns(UserWarning, match="Output seems independent of input"):
        pullback, _ = autograd.make_vjp(lambda t: (t * t, 3 * t))(X32)
    assert values(pullback((V32, np.ones(3, np.float32)))) == [0.0, 0.0, 0.0]
