"""Accumulation and zeroing: backward adds into .grad; .grad.zero_() resets it.

Zeroing goes through ``adapter.zero_grad_of(leaf)``: torch's ``leaf.grad.zero_()``, or the engine's
own way to reset a leaf's gradient (dezero's ``cleargrad()``, paddle's ``clear_grad()``, micrograd's
``value.grad = 0``), so the spec asks what zeroing does, not how it is spelled.

Covers tutorial In [17] (3, 6, 9) and In [18] (3, 3, 3 with zero_), then the same over generated
inputs and two different graphs. The optimizer's zero_grad is in ``optimizer``.
"""

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from conformance.adapter import Capability
from conformance.spec import BEYOND_TUTORIAL, over_dtypes, spec
from conformance.strategies import arrays
from reference.oracles import tutorial_mean_gradient, tutorial_sum_gradient

BACKWARD = [Capability.BACKWARD]
WEIGHTS = np.ones(3, dtype=np.float32)  # In [17]: weights = torch.ones(3, requires_grad=True)


@spec("In [17]", needs=BACKWARD)
def test_repeated_backward_adds(conform):
    """Three backward passes of sum(weights*3), each through a fresh graph, leave .grad at 3, 6, 9."""

    def program(ag, w):
        weights = ag.tensor(w, requires_grad=True)
        seen = []
        for _ in range(3):
            ag.backward(ag.sum(weights * 3))
            seen.append(ag.numpy(ag.grad(weights)))
        return {"weights.grad after each pass": seen}

    expect = [np.full(3, 3.0), np.full(3, 6.0), np.full(3, 9.0)]
    conform.observe(program, WEIGHTS, expect={"weights.grad after each pass": expect})


@spec("In [18]", needs=[Capability.BACKWARD, Capability.ZERO_GRAD])
def test_zero_resets(conform):
    """With weights.grad.zero_() after each pass, every pass sees .grad at 3, 3, 3."""

    def program(ag, w):
        weights = ag.tensor(w, requires_grad=True)
        seen = []
        for _ in range(3):
            ag.backward(ag.sum(weights * 3))
            seen.append(ag.numpy(ag.grad(weights)))
            ag.zero_grad_of(weights)
        return {"weights.grad after each pass": seen, "weights.grad at the end": ag.grad(weights)}

    expect = {"weights.grad after each pass": [np.full(3, 3.0)] * 3, "weights.grad at the end": np.zeros(3)}
    conform.observe(program, WEIGHTS, expect=expect)


@spec("In [17]", needs=BACKWARD)
@over_dtypes()
@given(data=st.data())
def test_accumulates_over_generated_inputs(conform, dtype, data):
    """k backward passes of sum(2*(2x+2)**2) leave k * 16(x+1) in x.grad, for any shape and k."""
    x = data.draw(arrays(dtype=dtype), label="x")
    passes = data.draw(st.integers(min_value=1, max_value=4), label="passes")

    def program(ag, x, passes):
        t = ag.tensor(x, requires_grad=True)
        for _ in range(passes):
            ag.backward(ag.sum(2 * (2 * t + 2) ** 2))
        return {"x.grad": ag.grad(t)}

    conform.observe(program, x, passes, expect={"x.grad": passes * tutorial_sum_gradient(x)})


@spec(BEYOND_TUTORIAL, needs=BACKWARD)
@over_dtypes()
@given(data=st.data())
def test_two_graphs_add(conform, dtype, data):
    """Backward through two different graphs of x adds their gradients: 16(x+1) + 16(x+1)/n."""
    x = data.draw(arrays(dtype=dtype), label="x")

    def program(ag, x):
        t = ag.tensor(x, requires_grad=True)
        ag.backward(ag.sum(2 * (2 * t + 2) ** 2))
        ag.backward(ag.mean(2 * (2 * t + 2) ** 2))
        return {"x.grad": ag.grad(t)}

    conform.observe(program, x, expect={"x.grad": tutorial_sum_gradient(x) + tutorial_mean_gradient(x)})
