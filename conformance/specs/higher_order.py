"""Higher-order gradients: a gradient that is itself differentiable.

Beyond the tutorial. Three routes, each a parameter ``via``: ``backward`` takes the first gradient
with autograd.grad(create_graph=True) and differentiates it with backward(), as torch programs do;
``backward_create_graph`` takes it with backward(create_graph=True), reads ``.grad``, sets ``.grad`` to
None and differentiates it with backward() (dezero's only way, and torch's too); ``vjp`` takes a vjp
inside a function that vjp differentiates (``jax.vjp`` of ``jax.vjp``), as functional engines do. Covers second derivatives of the smooth catalogue operators (checked against
closed forms, not only against torch), a mixed partial, a Hessian-vector product and a gradient
penalty, over generated inputs; and that create_graph=True returns a gradient that requires grad.
Does not cover third derivatives or double backward through reductions other than sum.
"""

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from conformance.adapter import Capability
from conformance.calls import compile_program
from conformance.spec import BEYOND_TUTORIAL, over_dtypes, over_higher_order_routes, spec
from conformance.strategies import arrays, shapes
from reference.oracles import SECOND_DERIVATIVES, second_derivative

POSITIVE = {"min_value": 0.25, "max_value": 4.0}
SMOOTH = {"min_value": -3.0, "max_value": 3.0}
FUNCTIONS = {  # the function of x whose second derivative is measured, and its domain
    "exp": ('ag.op("exp", x)', SMOOTH),
    "log": ('ag.op("log", x)', POSITIVE),
    "sqrt": ('ag.op("sqrt", x)', POSITIVE),
    "sin": ('ag.op("sin", x)', SMOOTH),
    "cos": ('ag.op("cos", x)', SMOOTH),
    "tanh": ('ag.op("tanh", x)', SMOOTH),
    "sigmoid": ('ag.op("sigmoid", x)', SMOOTH),
    "reciprocal": ('ag.op("reciprocal", x)', POSITIVE),
    "cube": ("x ** 3", SMOOTH),
}
assert set(FUNCTIONS) == set(SECOND_DERIVATIVES)

_FIRST = {  # g, the gradient of sum(EXPR) with respect to x, kept differentiable
    "backward": "(g,) = ag.grad_of([ag.sum({expr})], [x], create_graph=True)",
    "backward_create_graph": "ag.backward(ag.sum({expr}), create_graph=True)\n    g = ag.grad(x)\n{clear}",
    "vjp": "_, (g,) = ag.vjp_nested(lambda x: ag.sum({expr}), [x], None)",
}
OUTER = {"backward": "backward", "backward_create_graph": "backward", "vjp": "vjp"}
"""The route that differentiates the program: the first gradient's route's own second step."""


def program(via, expr, result, arguments="x"):
    """``def program(ag, x): <g = the differentiable gradient of sum(expr)>; return <result>``. On
    the backward_create_graph route every argument's ``.grad`` is set to None before the second
    backward, which would otherwise add to the first gradient left there."""
    clear = "\n".join(f"    ag.clear_grad({name.strip()})" for name in arguments.split(","))
    first = _FIRST[via].format(expr=expr, clear=clear)
    return compile_program(f"def program(ag, {arguments}):\n    {first}\n    return {result}\n")


@spec(BEYOND_TUTORIAL, needs=[Capability.AUTOGRAD_GRAD, Capability.CREATE_GRAPH])
def test_create_graph_gradient_requires_grad(conform):
    """autograd.grad(sum(x**3), [x], create_graph=True) returns 3x**2 that requires grad."""

    def first(ag, x):
        t = ag.tensor(x, requires_grad=True)
        (g,) = ag.grad_of([ag.sum(t**3)], [t], create_graph=True)
        return {"gradient": g, "gradient requires grad": ag.requires_grad(g)}

    x = np.array([0.5, -1.0, 2.0], dtype=np.float32)
    conform.observe(
        first, x, expect={"gradient": 3 * x.astype(np.float64) ** 2, "gradient requires grad": True}
    )


@spec(BEYOND_TUTORIAL, needs=[Capability.AUTOGRAD_GRAD, Capability.CREATE_GRAPH])
def test_create_graph_leaves_grad_untouched(conform):
    """Differentiating g = autograd.grad(..., create_graph=True) with autograd.grad again returns 6x
    and still leaves x.grad None."""

    def second(ag, x):
        t = ag.tensor(x, requires_grad=True)
        (g,) = ag.grad_of([ag.sum(t**3)], [t], create_graph=True)
        (h,) = ag.grad_of([ag.sum(g)], [t])
        return {"second derivative": h, "x.grad": ag.grad(t)}

    x = np.array([0.5, -1.0, 2.0], dtype=np.float32)
    conform.observe(second, x, expect={"second derivative": 6 * x, "x.grad": None})


@spec(BEYOND_TUTORIAL, needs=[Capability.BACKWARD, Capability.BACKWARD_CREATE_GRAPH, Capability.GRAPH_NODES])
def test_backward_create_graph_grad_has_node(conform):
    """sum(x**3).backward(create_graph=True) leaves x.grad = 3x**2 with a node of its own (the gradient
    is differentiable); after x.grad = None the leaf has no gradient."""

    def first(ag, x):
        t = ag.tensor(x, requires_grad=True)
        ag.backward(ag.sum(t**3), create_graph=True)
        g = ag.grad(t)
        observed = {"x.grad": g, "x.grad has a node": ag.has_node(g)}
        ag.clear_grad(t)
        return {**observed, "x.grad after clearing": ag.grad(t)}

    x = np.array([0.5, -1.0, 2.0], dtype=np.float32)
    conform.observe(
        first,
        x,
        expect={
            "x.grad": 3 * x.astype(np.float64) ** 2,
            "x.grad has a node": True,
            "x.grad after clearing": None,
        },
    )


@spec(BEYOND_TUTORIAL)
@over_higher_order_routes()
@over_dtypes()
@given(data=st.data())
def test_second_derivative(conform, via, dtype, data):
    """d/dx of the gradient of sum(f(x)) is f''(x), for exp, log, sqrt, sin, cos, tanh, sigmoid,
    reciprocal and x**3, each checked against its closed form (a linear f has a constant gradient,
    which torch does not track: not a case here)."""
    name = data.draw(st.sampled_from(sorted(FUNCTIONS)), label="f")
    expr, domain = FUNCTIONS[name]
    x = data.draw(arrays(dtype=dtype, shape=shapes(max_dims=2, max_side=4), **domain), label="x")
    conform.gradients(
        program(via, expr, "ag.sum(g)"),
        via=OUTER[via],
        x=x,
        oracle=False,
        expect=lambda x: [second_derivative(name, x)],
    )


@spec(BEYOND_TUTORIAL)
@over_higher_order_routes()
@over_dtypes()
@given(data=st.data())
def test_mixed_partials(conform, via, dtype, data):
    """For f = sum(x*x*y + exp(x*y)), d/dx and d/dy of sum(df/dx) are 2y + y**2 e^(xy) and
    2x + (1 + xy) e^(xy): the inner gradient keeps its dependence on y."""
    x = data.draw(arrays(dtype=dtype, shape=shapes(max_dims=2, max_side=4), min_value=-1.5, max_value=1.5))
    y = data.draw(arrays(dtype=dtype, shape=x.shape, min_value=-1.5, max_value=1.5), label="y")

    def expect(x, y):
        x, y = x.astype(np.float64), y.astype(np.float64)
        return [2 * y + y**2 * np.exp(x * y), 2 * x + (1 + x * y) * np.exp(x * y)]

    expr = 'x * x * y + ag.op("exp", x * y)'
    conform.gradients(
        program(via, expr, "ag.sum(g)", "x, y"), via=OUTER[via], x=x, y=y, oracle=False, expect=expect
    )


@spec(BEYOND_TUTORIAL)
@over_higher_order_routes()
@over_dtypes()
@given(data=st.data())
def test_hessian_vector_product(conform, via, dtype, data):
    """For f = sum(x**2)**2, the gradient of <grad f, w> is H w = 4 s w + 8 x <x, w> (s = sum(x**2))
    with respect to x, and grad f = 4 s x with respect to w."""
    # multiples of 1/16: H w adds terms up to ~500 that may cancel, and the closed-form check of
    # torch's float32 result would otherwise measure float32 rounding, not autograd (every product
    # and sum here is exact in float32 on sixteenths of this size)
    exact = {"min_value": -2, "max_value": 2, "exact_sums": True}
    x = data.draw(arrays(dtype=dtype, shape=shapes(min_dims=1, max_dims=2, max_side=4), **exact), label="x")
    w = data.draw(arrays(dtype=dtype, shape=x.shape, **exact), label="w")

    def expect(x, w):
        x, w = x.astype(np.float64), w.astype(np.float64)
        s = np.sum(x**2)
        return [4 * s * w + 8 * x * np.sum(x * w), 4 * s * x]

    conform.gradients(
        program(via, "ag.sum(x * x) ** 2", "ag.sum(g * w)", "x, w"),
        via=OUTER[via],
        x=x,
        w=w,
        oracle=False,
        expect=expect,
    )


@spec(BEYOND_TUTORIAL)
@over_higher_order_routes()
@over_dtypes()
@given(data=st.data())
def test_gradient_penalty(conform, via, dtype, data):
    """The norm of a gradient, then backward: for g = grad sum(x**3) = 3x**2, the gradient of
    sqrt(sum(g**2)) is 6x**3 / sqrt(sum(x**4))."""
    x = data.draw(
        arrays(
            dtype=dtype,
            shape=shapes(min_dims=1, max_dims=2, max_side=4),
            min_value=-2,
            max_value=2,
            min_magnitude=0.25,
        ),
        label="x",
    )

    def expect(x):
        x = x.astype(np.float64)
        return [6 * x**3 / np.sqrt(np.sum(x**4))]

    conform.gradients(
        program(via, "x ** 3", 'ag.op("sqrt", ag.sum(g * g))'),
        via=OUTER[via],
        x=x,
        oracle=False,
        expect=expect,
    )
