"""A second backward through the same graph: refused by default, allowed with retain_graph=True.

Beyond the tutorial. The graph is the tutorial's, whose power node saves its input, so torch frees
what the second pass would need. With retain_graph the second pass must add again: the values are
checked, not only that nothing was raised.
"""

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from conformance.adapter import Capability
from conformance.spec import BEYOND_TUTORIAL, over_dtypes, spec
from conformance.strategies import arrays
from reference.oracles import tutorial_mean_gradient

X = np.array([0.2254, 0.4946, 0.0936], dtype=np.float32)


def second_backward(ag, x):
    z1 = ag.mean(2 * (2 * ag.tensor(x, requires_grad=True) + 2) ** 2)
    ag.backward(z1)
    return {"error": ag.raises(lambda: ag.backward(z1))}


@spec(BEYOND_TUTORIAL, needs=[Capability.BACKWARD])
def test_second_backward_refused(conform):
    """A second backward() through a graph already used, without retain_graph, is refused."""
    conform.refusal(second_backward, X)


@spec(BEYOND_TUTORIAL, needs=[Capability.BACKWARD])
def test_second_backward_error_class(conform):
    """The refusal of a second backward() raises RuntimeError, as torch does."""
    conform.observe(second_backward, X)


@spec(BEYOND_TUTORIAL, needs=[Capability.BACKWARD, Capability.RETAIN_GRAPH])
@over_dtypes()
@given(data=st.data())
def test_retain_graph_allows_second_pass_that_adds(conform, dtype, data):
    """backward(retain_graph=True) then backward() again leaves twice the gradient in x.grad."""
    x = data.draw(arrays(dtype=dtype), label="x")

    def program(ag, x):
        t = ag.tensor(x, requires_grad=True)
        z1 = ag.mean(2 * (2 * t + 2) ** 2)
        ag.backward(z1, None, True)
        first = ag.numpy(ag.grad(t))
        ag.backward(z1)
        return {"x.grad after the first pass": first, "x.grad after the second pass": ag.grad(t)}

    once = tutorial_mean_gradient(x)
    conform.observe(
        program, x, expect={"x.grad after the first pass": once, "x.grad after the second pass": 2 * once}
    )
