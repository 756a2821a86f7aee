"""In-place changes that would corrupt a gradient must be refused.

Beyond the tutorial. A leaf that requires grad cannot be changed in place outside no_grad; a tensor
saved for backward that is changed afterwards makes backward raise instead of returning a wrong
gradient. Each is scored as behaviour (refused) and as error class (RuntimeError).
"""

import numpy as np

from conformance.adapter import Capability
from conformance.spec import BEYOND_TUTORIAL, spec

INPLACE = [Capability.INPLACE, Capability.BACKWARD]
X = np.array([0.2254, 0.4946, 0.0936], dtype=np.float32)


def leaf_inplace(ag, x):
    t = ag.tensor(x, requires_grad=True)
    return {"error": ag.raises(lambda: ag.add_(t, 1.0))}


def saved_tensor_modified(ag, x):
    t = ag.tensor(x, requires_grad=True)
    y = 2 * t + 2
    z = y**2  # the power node saves y
    ag.add_(y, 1.0)
    return {"error": ag.raises(lambda: ag.backward(ag.sum(z)))}


@spec(BEYOND_TUTORIAL, needs=INPLACE)
def test_leaf_inplace_refused(conform):
    """x.add_(1) on a leaf that requires grad is refused outside no_grad."""
    conform.refusal(leaf_inplace, X)


@spec(BEYOND_TUTORIAL, needs=INPLACE)
def test_leaf_inplace_error_class(conform):
    """The refusal of an in-place change of a leaf that requires grad raises RuntimeError."""
    conform.observe(leaf_inplace, X)


@spec(BEYOND_TUTORIAL, needs=INPLACE)
def test_refused_leaf_change_leaves_values(conform):
    """When x.add_(1) on a leaf that requires grad is refused, x keeps its values: nothing half-done."""

    def program(ag, x):
        t = ag.tensor(x, requires_grad=True)
        ag.raises(lambda: ag.add_(t, 1.0))
        return {"x after the refused add_": ag.numpy(t)}

    conform.observe(program, X, expect={"x after the refused add_": X})


@spec(BEYOND_TUTORIAL, needs=INPLACE)
def test_saved_tensor_modified_refused(conform):
    """Changing y in place after z = y**2 saved it makes backward refuse, not return a wrong grad."""
    conform.refusal(saved_tensor_modified, X)


@spec(BEYOND_TUTORIAL, needs=INPLACE)
def test_saved_tensor_modified_error_class(conform):
    """The refusal of backward through a modified saved tensor raises RuntimeError."""
    conform.observe(saved_tensor_modified, X)
