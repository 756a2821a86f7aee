"""Scalar backward: out.backward() on a single-valued result fills x.grad with d out / dx.

Covers tutorial In [5] .. In [9], on the tutorial's own numbers and over generated shapes (0-d and
size 1 included), both dtypes, and both routes (backward/.grad and the functional vjp). Errors of
backward live in ``backward_errors``.
"""

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from conformance.adapter import Capability
from conformance.programs import tutorial_mean, tutorial_sum
from conformance.spec import BEYOND_TUTORIAL, over_dtypes, over_routes, spec
from conformance.strategies import arrays
from reference.oracles import tutorial_mean_gradient, tutorial_sum_gradient

X = np.array([0.2254, 0.4946, 0.0936], dtype=np.float32)  # the tutorial's x, In [2]


@spec("In [5], In [6], In [7]")
@over_dtypes()
@over_routes()
@given(data=st.data())
def test_mean_gradient(conform, dtype, via, data):
    """For z1 = mean(2*(2x+2)**2), x.grad equals 16(x+1)/n: 16(x+1)/3 for the tutorial's 3-vector."""
    x = data.draw(arrays(dtype=dtype), label="x")
    conform.gradients(
        tutorial_mean,
        x=x,
        via=via,
        expect=lambda x: [tutorial_mean_gradient(x)],
    )


@spec("In [8], In [9]")
@over_dtypes()
@over_routes()
@given(data=st.data())
def test_sum_gradient(conform, dtype, via, data):
    """For z2 = sum(2*(2x+2)**2), x.grad equals 16(x+1)."""
    x = data.draw(arrays(dtype=dtype), label="x")
    conform.gradients(tutorial_sum, x=x, via=via, expect=lambda x: [tutorial_sum_gradient(x)])


@spec("In [6], In [7]", needs=[Capability.BACKWARD])
def test_tutorial_example(conform):
    """On the tutorial's own x, z1.backward() fills x.grad with 16(x+1)/3, as In [7] prints beside it."""

    def program(ag, x):
        x = ag.tensor(x, requires_grad=True)
        ag.backward(ag.mean(2 * (2 * x + 2) ** 2))
        return {"x.grad": ag.grad(x)}

    conform.observe(program, X, expect={"x.grad": tutorial_mean_gradient(X)})


@spec(BEYOND_TUTORIAL, needs=[Capability.BACKWARD])
@over_dtypes()
def test_single_element_backward(conform, dtype):
    """backward() with no gradient works on a one-element result of shape (1,), as on a 0-d one."""

    def program(ag, x):
        x = ag.tensor(x, requires_grad=True)
        ag.backward(2 * (2 * x + 2) ** 2)
        return {"x.grad": ag.grad(x)}

    x = np.array([0.5], dtype=dtype)
    conform.observe(program, x, expect={"x.grad": tutorial_sum_gradient(x)})
