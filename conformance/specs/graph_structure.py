"""Graphs that are not chains: a tensor used several times, and broadcasting.

Beyond the tutorial. A shared use must contribute every time (x*x + 3*x gives 2x + 3); a broadcast
input's gradient must be summed back to the input's own shape.
"""

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from conformance.programs import broadcast_product, shared_subexpression, shared_use
from conformance.spec import BEYOND_TUTORIAL, over_dtypes, over_routes, spec
from conformance.strategies import arrays, broadcast_pairs
from reference.oracles import reduce_to_shape


@spec(BEYOND_TUTORIAL)
@over_dtypes()
@over_routes()
@given(data=st.data())
def test_tensor_used_several_times(conform, dtype, via, data):
    """sum(x*x + 3*x) uses x three times; x.grad is 2x + 3."""
    x = data.draw(arrays(dtype=dtype), label="x")
    conform.gradients(shared_use, x=x, via=via, expect=lambda x: [2 * x.astype("float64") + 3])


@spec(BEYOND_TUTORIAL)
@over_dtypes()
@over_routes()
@given(data=st.data())
def test_shared_subexpression(conform, dtype, via, data):
    """With y = 2x, sum(y*y + y) reaches x through y twice; x.grad is 8x + 2."""
    x = data.draw(arrays(dtype=dtype), label="x")
    conform.gradients(
        shared_subexpression,
        x=x,
        via=via,
        expect=lambda x: [8 * x.astype("float64") + 2],
    )


@spec(BEYOND_TUTORIAL)
@over_dtypes()
@over_routes()
@given(data=st.data())
def test_broadcast_gradient_reduced(conform, dtype, via, data):
    """In sum(small * big) with small broadcast, small.grad has small's shape: big summed back."""
    small, big = data.draw(broadcast_pairs(dtype=dtype), label="small, big")
    conform.gradients(
        broadcast_product,
        small=small,
        big=big,
        via=via,
        expect=lambda small, big: [
            reduce_to_shape(big, small.shape),
            np.broadcast_to(small.astype("float64"), big.shape),
        ],
    )
