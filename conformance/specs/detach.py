"""detach() and detach_(): cutting a tensor out of the graph.

Covers tutorial In [14] (detach_ in place) and In [15] (detach returns an untracked tensor and leaves
the original tracked), then what follows in real programs: the two share storage, and no gradient
flows through a detached value.
"""

import numpy as np

from conformance.adapter import Capability
from conformance.spec import BEYOND_TUTORIAL, spec

X = np.array([0.1504, 1.2185, -0.2486], dtype=np.float32)  # the tutorial's x, In [15]


@spec("In [14]", needs=[Capability.TRACKING, Capability.DETACH_INPLACE])
def test_detach_inplace_untracks(conform):
    """x.detach_() makes x itself stop requiring grad and keeps its values."""

    def program(ag, x):
        t = ag.tensor(x, requires_grad=True)
        ag.detach_(t)
        return {"x.requires_grad": ag.requires_grad(t), "x": ag.numpy(t)}

    conform.observe(program, X, expect={"x.requires_grad": False, "x": X})


@spec("In [15]", needs=[Capability.TRACKING, Capability.DETACH])
def test_detach_returns_untracked(conform):
    """y = x.detach() does not require grad, has x's values, and x still requires grad."""

    def program(ag, x):
        t = ag.tensor(x, requires_grad=True)
        y = ag.detach(t)
        return {
            "y.requires_grad": ag.requires_grad(y),
            "x.requires_grad": ag.requires_grad(t),
            "y": ag.numpy(y),
        }

    conform.observe(program, X, expect={"y.requires_grad": False, "x.requires_grad": True, "y": X})


@spec("In [15]", needs=[Capability.DETACH, Capability.SHARED_STORAGE])
def test_detach_shares_storage(conform):
    """x.detach() shares x's storage: no copy is made."""

    def program(ag, x):
        t = ag.tensor(x, requires_grad=True)
        return {"shares storage": ag.shares_storage(t, ag.detach(t))}

    conform.observe(program, X, expect={"shares storage": True})


@spec(BEYOND_TUTORIAL, needs=[Capability.DETACH, Capability.INPLACE])
def test_detach_shares_writes(conform):
    """An in-place change of y = x.detach() shows in x, since the two share storage."""

    def program(ag, x):
        t = ag.tensor(x, requires_grad=True)
        ag.add_(ag.detach(t), 1.0)
        return {"x after y += 1": ag.numpy(t)}

    conform.observe(program, X, expect={"x after y += 1": X + 1})


@spec(BEYOND_TUTORIAL, needs=[Capability.DETACH, Capability.BACKWARD])
def test_detach_blocks_gradient(conform):
    """In sum(x.detach() * x) the detached factor is a constant: x.grad equals x, not 2x."""

    def program(ag, x):
        t = ag.tensor(x, requires_grad=True)
        ag.backward(ag.sum(ag.detach(t) * t))
        return {"x.grad": ag.grad(t)}

    conform.observe(program, X, expect={"x.grad": X.astype(np.float64)})


def change_through_detached(ag, x):
    t = ag.tensor(x, requires_grad=True)
    y = t * t  # the product saves t
    ag.add_(ag.detach(t), 1.0)  # the detached tensor shares t's storage and its version
    return {"error": ag.raises(lambda: ag.backward(ag.sum(y)))}


@spec(BEYOND_TUTORIAL, needs=[Capability.DETACH, Capability.INPLACE, Capability.BACKWARD])
def test_inplace_change_through_detached_refused(conform):
    """Changing x.detach() in place after y = x*x saved x makes y's backward refuse, not go wrong."""
    conform.refusal(change_through_detached, X)


@spec(BEYOND_TUTORIAL, needs=[Capability.DETACH, Capability.INPLACE, Capability.BACKWARD])
def test_inplace_change_through_detached_error_class(conform):
    """The refusal of backward after a change through a detached tensor raises RuntimeError."""
    conform.observe(change_through_detached, X)
