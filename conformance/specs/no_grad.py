"""no_grad: inside the block results are untracked; outside, tracking is back.

Covers tutorial In [16], and beyond it: tracking comes back when an exception leaves the block, values
computed inside are constants to a later backward, and in-place updates of leaves are allowed inside.
"""

import numpy as np

from conformance.adapter import Capability
from conformance.spec import BEYOND_TUTORIAL, spec

NO_GRAD = [Capability.NO_GRAD, Capability.TRACKING]
X = np.array([-0.9801, -0.3551, 1.2238], dtype=np.float32)  # the tutorial's x, In [16]


@spec("In [16]", needs=NO_GRAD)
def test_results_untracked_inside(conform):
    """y = x + 2 inside no_grad does not require grad, though x does."""

    def program(ag, x):
        t = ag.tensor(x, requires_grad=True)
        with ag.no_grad():
            y = t + 2
            inside = {"y.requires_grad": ag.requires_grad(y), "x.requires_grad": ag.requires_grad(t)}
        return {**inside, "y": ag.numpy(y)}

    conform.observe(program, X, expect={"y.requires_grad": False, "x.requires_grad": True, "y": X + 2})


@spec("In [16]", needs=NO_GRAD)
def test_tracking_restored_after_block(conform):
    """After the no_grad block, y = x + 2 requires grad again, as it did before the block."""

    def program(ag, x):
        t = ag.tensor(x, requires_grad=True)
        before = ag.requires_grad(t + 2)
        with ag.no_grad():
            t + 2
        return {"before": before, "after": ag.requires_grad(t + 2)}

    conform.observe(program, X, expect={"before": True, "after": True})


@spec(BEYOND_TUTORIAL, needs=NO_GRAD)
def test_nested_blocks(conform):
    """Leaving an inner no_grad block inside an outer one keeps tracking off until the outer ends."""

    def program(ag, x):
        t = ag.tensor(x, requires_grad=True)
        with ag.no_grad():
            with ag.no_grad():
                pass
            inside = ag.requires_grad(t + 2)
        return {"after the inner block": inside, "after the outer block": ag.requires_grad(t + 2)}

    conform.observe(program, X, expect={"after the inner block": False, "after the outer block": True})


@spec(BEYOND_TUTORIAL, needs=NO_GRAD)
def test_tracking_restored_after_exception(conform):
    """When an exception leaves the no_grad block, tracking is back all the same."""

    def program(ag, x):
        t = ag.tensor(x, requires_grad=True)

        def fail_inside():
            with ag.no_grad():
                raise ValueError("leaves the block")

        ag.raises(fail_inside)
        return {"x + 2 requires grad after the exception": ag.requires_grad(t + 2)}

    conform.observe(program, X, expect={"x + 2 requires grad after the exception": True})


@spec(BEYOND_TUTORIAL, needs=[Capability.NO_GRAD, Capability.BACKWARD])
def test_values_from_inside_are_constants(conform):
    """c = 2*x computed under no_grad is a constant: sum(c * x) gives x.grad = 2x, not 4x."""

    def program(ag, x):
        t = ag.tensor(x, requires_grad=True)
        with ag.no_grad():
            c = 2 * t
        ag.backward(ag.sum(c * t))
        return {"x.grad": ag.grad(t)}

    conform.observe(program, X, expect={"x.grad": 2 * X.astype(np.float64)})


@spec(BEYOND_TUTORIAL, needs=[Capability.NO_GRAD, Capability.INPLACE, Capability.TRACKING])
def test_inplace_update_of_leaf_allowed_inside(conform):
    """Inside no_grad a leaf that requires grad may be changed in place (the optimizer's update)."""

    def program(ag, x):
        t = ag.tensor(x, requires_grad=True)
        with ag.no_grad():
            error = ag.raises(lambda: ag.add_(t, 1.0))
        return {"error": error, "x": ag.numpy(t), "x.requires_grad": ag.requires_grad(t)}

    conform.observe(program, X, expect={"error": None, "x": X + 1, "x.requires_grad": True})
