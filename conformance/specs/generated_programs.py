"""Random programs composed of the catalogue's operators, on torch and on the target, in lock-step.

Beyond the tutorial. Programs (``conformance/generated.py``) have one to three leaves of broadcast-
compatible shapes and up to six operations on any earlier value, so shared subexpressions and branches of
unequal depth appear: a backward pass that is not topological, or that overwrites where it should add,
gives wrong gradients here even when every operator passes its own spec. Only operators the target offers
are drawn, and not those whose own spec its deviations file lists: this family measures composition. The forward value and every leaf's gradient are compared; a float32 disagreement is judged
against torch in float64, so the rounding that composite programs amplify never fails a correct engine.
A failure shrinks to a program of a few operations and prints it as code. A program that meets a form the
target declares unsupported (inside an operator it maps) is discarded, not the spec.
"""

from hypothesis import given
from hypothesis import strategies as st

from conformance.generated import programs
from conformance.runner import discarding_unsupported_forms
from conformance.spec import BEYOND_TUTORIAL, over_dtypes, over_routes, spec
from conformance.strategies import arrays
from reference.oracles import forward_shape


def _offered(conform, dtype, via):
    return conform.conforming_operators(dtype=dtype, via=via)


@spec(BEYOND_TUTORIAL)
@over_dtypes()
@over_routes()
@given(data=st.data())
def test_scalar_programs(conform, dtype, via, data):
    """A random program ending in a scalar: backward() or a vjp gives every leaf torch's gradient."""
    program = data.draw(
        programs(dtype=dtype, offered=_offered(conform, dtype, via), scalar=True), label="program"
    )
    with discarding_unsupported_forms():
        conform.gradients(program.function(), via=via, **program.inputs)


@spec(BEYOND_TUTORIAL)
@over_dtypes()
@over_routes()
@given(data=st.data())
def test_vector_programs(conform, dtype, via, data):
    """A random program ending in a tensor, with a random cotangent v: backward(v) or a vjp with v (on
    an engine whose backward takes no v, backward of sum(program * v))."""
    program = data.draw(
        programs(dtype=dtype, offered=_offered(conform, dtype, via), scalar=False), label="program"
    )
    function = program.function()
    shape = forward_shape(function, program.inputs)
    v = data.draw(arrays(dtype=dtype, shape=shape, min_value=-2, max_value=2), label="v")
    with discarding_unsupported_forms():
        conform.gradients(function, via=via, cotangent=v, scalarize=True, **program.inputs)
