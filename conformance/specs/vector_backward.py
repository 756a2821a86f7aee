"""Vector backward: out.backward(v) gives the vector-Jacobian product v^T J.

Covers tutorial In [10] (v of ones equals the gradient of the sum) and In [11] (a random v gives
16(x+1)*v), over generated shapes, both dtypes and both routes. The refusal of backward() without v
on a non-scalar is in ``backward_errors``.
"""

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from conformance.programs import tutorial_z
from conformance.spec import over_dtypes, over_routes, spec
from conformance.strategies import arrays
from reference.oracles import tutorial_sum_gradient, tutorial_vector_gradient


@spec("In [10]")
@over_dtypes()
@over_routes(with_gradient=True)
@given(data=st.data())
def test_ones_equals_sum(conform, dtype, via, data):
    """z.backward(ones) fills x.grad with 16(x+1), the same as sum(z).backward()."""
    x = data.draw(arrays(dtype=dtype), label="x")
    conform.gradients(
        tutorial_z,
        x=x,
        cotangent=np.ones_like(x),
        via=via,
        expect=lambda x: [tutorial_sum_gradient(x)],
    )


@spec("In [11]")
@over_dtypes()
@over_routes(with_gradient=True)
@given(data=st.data())
def test_random_v(conform, dtype, via, data):
    """z.backward(v) with a random v fills x.grad with 16(x+1)*v, not 16(x+1)."""
    x = data.draw(arrays(dtype=dtype), label="x")
    v = data.draw(arrays(dtype=dtype, shape=x.shape, min_value=-2, max_value=2), label="v")
    conform.gradients(
        tutorial_z,
        x=x,
        cotangent=v,
        via=via,
        expect=lambda x: [tutorial_vector_gradient(x, v)],
    )
