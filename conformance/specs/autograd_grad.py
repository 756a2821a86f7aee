"""``autograd.grad``: gradients returned to the caller rather than accumulated into ``.grad``.

Beyond the tutorial. Covers torch.autograd.grad(outputs, inputs, grad_outputs, retain_graph,
create_graph=False, allow_unused): the values over generated inputs and catalogue programs, that no
``.grad`` is touched, that several outputs add up, an unused input (refused, or None with
allow_unused), a non-scalar output without grad_outputs (refused), and a second pass over a freed
graph (refused) or a retained one. Gradients that are differentiable again (create_graph=True) are in
``higher_order``. Each refusal is scored as behaviour and, in the ``_error_class`` spec, as torch's
exception class. ``several_outputs_vjp`` is the functional form of several outputs: one vjp of a
function returning a tuple (``jax.vjp`` of it; torch.autograd.grad over the outputs on torch).
"""

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from conformance.adapter import Capability
from conformance.spec import BEYOND_TUTORIAL, over_dtypes, spec
from conformance.strategies import arrays, broadcast_pairs
from reference.oracles import reduce_to_shape, tutorial_mean_gradient

GRAD = [Capability.AUTOGRAD_GRAD]
X = np.array([0.2254, 0.4946, 0.0936], dtype=np.float32)
Y = np.array([1.5, -0.5, 2.0], dtype=np.float32)


@spec(BEYOND_TUTORIAL, needs=GRAD)
@over_dtypes()
@given(data=st.data())
def test_values_over_generated_inputs(conform, dtype, data):
    """autograd.grad(mean(2*(2x+2)**2), [x]) returns the tutorial's gradient 16(x+1)/n, any shape."""
    x = data.draw(arrays(dtype=dtype), label="x")
    conform.gradients(
        lambda ag, x: ag.mean(2 * (2 * x + 2) ** 2),
        via="grad",
        x=x,
        expect=lambda x: [tutorial_mean_gradient(x)],
    )


@spec(BEYOND_TUTORIAL, needs=GRAD)
@over_dtypes()
@given(data=st.data())
def test_grad_outputs_over_generated_inputs(conform, dtype, data):
    """autograd.grad(x * y, [x, y], grad_outputs=[v]) is the vjp of a broadcast product: v*y and v*x,
    each summed back to its input's shape."""
    x, y = data.draw(broadcast_pairs(dtype=dtype), label="x, y")
    v = data.draw(arrays(dtype=dtype, shape=np.broadcast_shapes(x.shape, y.shape)), label="v")
    conform.gradients(lambda ag, x, y: x * y, via="grad", cotangent=v, x=x, y=y)


def grads_and_dot_grad(ag, x):
    t = ag.tensor(x, requires_grad=True)
    (g,) = ag.grad_of([ag.sum(t * t)], [t])
    return {"gradient": g, "x.grad after autograd.grad": ag.grad(t)}


@spec(BEYOND_TUTORIAL, needs=[*GRAD, Capability.BACKWARD])
def test_leaves_grad_untouched(conform):
    """autograd.grad returns 2x for sum(x*x) and leaves x.grad None: nothing is accumulated."""
    conform.observe(grads_and_dot_grad, X, expect={"gradient": 2 * X, "x.grad after autograd.grad": None})


@spec(BEYOND_TUTORIAL, needs=[*GRAD, Capability.BACKWARD])
def test_existing_grad_unchanged(conform):
    """A .grad that backward left stays as it was when autograd.grad differentiates again."""

    def program(ag, x):
        t = ag.tensor(x, requires_grad=True)
        ag.backward(ag.sum(3 * t))
        ag.grad_of([ag.sum(t * t)], [t])
        return {"x.grad": ag.grad(t)}

    conform.observe(program, X, expect={"x.grad": np.full(3, 3.0)})


@spec(BEYOND_TUTORIAL, needs=GRAD)
def test_several_outputs_add_up(conform):
    """autograd.grad([sum(x*x), sum(3*x)], [x]) is the sum of both gradients: 2x + 3."""

    def program(ag, x):
        t = ag.tensor(x, requires_grad=True)
        (g,) = ag.grad_of([ag.sum(t * t), ag.sum(3 * t)], [t])
        return {"gradient": g}

    conform.observe(program, X, expect={"gradient": 2 * X.astype(np.float64) + 3})


def outputs_and_vjp(ag, x, y, v1, v2, v3):
    outputs, gradients = ag.vjp_outputs(
        lambda x, y: (x * y, ag.op("exp", x), ag.sum(x * x)), [x, y], [v1, v2, v3], device=ag.device
    )
    return {"outputs": outputs, "gradients": gradients}


@spec(BEYOND_TUTORIAL, needs=[Capability.VJP_OUTPUTS])
@over_dtypes()
@given(data=st.data())
def test_several_outputs_vjp(conform, dtype, data):
    """One vjp of f(x, y) = (x * y, exp(x), sum(x * x)) with cotangents (v1, v2, v3) returns the three
    outputs and, for each input, the sum of every output's vjp: v1*y (summed to x's shape) + v2*exp(x)
    + 2*v3*x for x, v1*x (summed to y's shape) for y."""
    x, y = data.draw(broadcast_pairs(dtype=dtype, min_value=-4, max_value=4), label="x, y")
    v1 = data.draw(arrays(dtype=dtype, shape=np.broadcast_shapes(x.shape, y.shape)), label="v1")
    v2 = data.draw(arrays(dtype=dtype, shape=x.shape), label="v2")
    v3 = data.draw(arrays(dtype=dtype, shape=()), label="v3")
    x64, y64, w1, w2, w3 = (a.astype(np.float64) for a in (x, y, v1, v2, v3))
    expect = {
        "outputs": [x64 * y64, np.exp(x64), np.sum(x64 * x64)],
        "gradients": [
            reduce_to_shape(w1 * y64, x.shape) + w2 * np.exp(x64) + 2 * w3 * x64,
            reduce_to_shape(w1 * x64, y.shape),
        ],
    }
    conform.observe(outputs_and_vjp, x, y, v1, v2, v3, expect=expect)


@spec(BEYOND_TUTORIAL, needs=GRAD)
def test_several_inputs(conform):
    """autograd.grad(sum(x*y), [x, y]) returns one gradient per input, in order: y and x."""

    def program(ag, x, y):
        a, b = ag.tensor(x, requires_grad=True), ag.tensor(y, requires_grad=True)
        return {"gradients": ag.grad_of([ag.sum(a * b)], [a, b])}

    conform.observe(program, X, Y, expect={"gradients": [Y, X]})


def unused_input(ag, x, y):
    a, b = ag.tensor(x, requires_grad=True), ag.tensor(y, requires_grad=True)
    return {"error": ag.raises(lambda: ag.grad_of([ag.sum(a * a)], [a, b]))}


@spec(BEYOND_TUTORIAL, needs=GRAD)
def test_unused_input_refused(conform):
    """autograd.grad of an output that does not depend on one of the inputs is refused."""
    conform.refusal(unused_input, X, Y)


@spec(BEYOND_TUTORIAL, needs=GRAD)
def test_unused_input_error_class(conform):
    """The refusal of an unused input raises RuntimeError, as torch does."""
    conform.observe(unused_input, X, Y)


@spec(BEYOND_TUTORIAL, needs=GRAD)
def test_allow_unused_gives_none(conform):
    """With allow_unused=True the unused input's gradient is None and the used one's is 2x."""

    def program(ag, x, y):
        a, b = ag.tensor(x, requires_grad=True), ag.tensor(y, requires_grad=True)
        return {"gradients": ag.grad_of([ag.sum(a * a)], [a, b], allow_unused=True)}

    conform.observe(program, X, Y, expect={"gradients": [2 * X, None]})


def non_scalar_output(ag, x):
    t = ag.tensor(x, requires_grad=True)
    return {"error": ag.raises(lambda: ag.grad_of([t * t], [t]))}


@spec(BEYOND_TUTORIAL, needs=GRAD)
def test_non_scalar_output_refused(conform):
    """autograd.grad of a 3-element output with no grad_outputs is refused, not silently summed."""
    conform.refusal(non_scalar_output, X)


@spec(BEYOND_TUTORIAL, needs=GRAD)
def test_non_scalar_output_error_class(conform):
    """The refusal of a non-scalar output without grad_outputs raises RuntimeError, as torch does."""
    conform.observe(non_scalar_output, X)


def second_pass(ag, x):
    t = ag.tensor(x, requires_grad=True)
    z = ag.sum((2 * t + 2) ** 2)  # the power node saves 2x+2: freed after the first pass
    ag.grad_of([z], [t])
    return {"error": ag.raises(lambda: ag.grad_of([z], [t]))}


@spec(BEYOND_TUTORIAL, needs=GRAD)
def test_second_pass_refused(conform):
    """A second autograd.grad through a graph the first one freed (retain_graph defaults to False)
    is refused."""
    conform.refusal(second_pass, X)


@spec(BEYOND_TUTORIAL, needs=GRAD)
def test_second_pass_error_class(conform):
    """The refusal of a second pass through a freed graph raises RuntimeError, as torch does."""
    conform.observe(second_pass, X)


@spec(BEYOND_TUTORIAL, needs=GRAD)
def test_retain_graph_allows_second_pass(conform):
    """With retain_graph=True a second autograd.grad through the same graph gives the same gradient."""

    def program(ag, x):
        t = ag.tensor(x, requires_grad=True)
        z = ag.sum((2 * t + 2) ** 2)
        first = ag.grad_of([z], [t], retain_graph=True)
        return {"first": first, "second": ag.grad_of([z], [t])}

    want = [4 * (2 * X.astype(np.float64) + 2)]
    conform.observe(program, X, expect={"first": want, "second": want})


@spec(BEYOND_TUTORIAL, needs=GRAD)
def test_gradient_without_create_graph_is_constant(conform):
    """Without create_graph the returned gradient requires no grad: it is a plain tensor."""

    def program(ag, x):
        t = ag.tensor(x, requires_grad=True)
        (g,) = ag.grad_of([ag.sum(t**3)], [t])
        return {"gradient": g, "gradient requires grad": ag.requires_grad(g)}

    conform.observe(
        program, X, expect={"gradient": 3 * X.astype(np.float64) ** 2, "gradient requires grad": False}
    )
