"""Making tensors and reading them back: the functional core every other spec stands on.

Covers: a NumPy array goes in and comes back with the same values, shape and dtype (float32, float64,
0-d included). Does not cover: dtype promotion between mixed inputs, devices other than those the
target offers, integer arithmetic.
"""

from hypothesis import given
from hypothesis import strategies as st

from conformance.spec import over_dtypes, spec
from conformance.strategies import arrays


@spec("In [1], In [2]")
@over_dtypes()
@given(data=st.data())
def test_round_trip(conform, dtype, data):
    """A tensor made from an array reads back with the same shape, dtype and values."""
    x = data.draw(arrays(dtype=dtype), label="x")
    conform.observe(lambda ag, x: {"x read back": ag.tensor(x)}, x, expect={"x read back": x})
