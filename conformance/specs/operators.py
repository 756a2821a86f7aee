"""Gradients through every arithmetic operator a program can write: + - * / ** and negation.

Beyond the tutorial, whose programs use + * ** and a division only to print the closed form. Each
operand must get its own gradient, with its sign and its divisor. Does not cover functions beyond
the operators (exp, log, matmul, ...).
"""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conformance.spec import BEYOND_TUTORIAL, over_dtypes, over_routes, spec
from conformance.strategies import arrays

# Ids without spaces, so that a deviations entry can name one: operators.binary_gradients[cpu-x/y-*].
# Element-wise programs differentiated with a cotangent: no reduction, so the forward values compare
# element by element and no summation order enters the comparison.
PROGRAMS = [
    pytest.param(lambda ag, x, y: x - y, id="x-y"),
    pytest.param(lambda ag, x, y: 2 - x * y, id="2-x*y"),
    pytest.param(lambda ag, x, y: x / y, id="x/y"),
    pytest.param(lambda ag, x, y: 2 / y + x, id="2/y+x"),
    pytest.param(lambda ag, x, y: -x * y, id="-x*y"),
    pytest.param(lambda ag, x, y: x**3 + y**0.5, id="x**3+y**0.5"),
]


@spec(BEYOND_TUTORIAL)
@over_dtypes()
@over_routes(with_gradient=True)
@pytest.mark.parametrize("program", PROGRAMS)
@given(data=st.data())
def test_binary_gradients(conform, dtype, via, program, data):
    """x - y, x / y, ... backward with v: each operand gets its own gradient, sign and divisor."""
    x = data.draw(arrays(dtype=dtype, min_value=-10, max_value=10), label="x")
    y = data.draw(arrays(dtype=dtype, shape=x.shape, min_value=0.5, max_value=4.0), label="y")
    v = data.draw(arrays(dtype=dtype, shape=x.shape, min_value=-2, max_value=2), label="v")
    conform.gradients(program, x=x, y=y, cotangent=v, via=via)
