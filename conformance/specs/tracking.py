"""The requires_grad flag: set at creation, read back, changed in place, inherited by results.

Covers tutorial In [2], In [3], In [12], In [13]. Does not cover: the flag under no_grad (see
``no_grad``), detach (see ``detach``), integer tensors (see ``dtypes``).
"""

import numpy as np

from conformance.adapter import Capability
from conformance.spec import BEYOND_TUTORIAL, spec

TRACKING = [Capability.TRACKING]
X = np.array([0.2254, 0.4946, 0.0936], dtype=np.float32)  # the tutorial's x, In [2]


@spec("In [2]", needs=TRACKING)
def test_created_with_requires_grad_is_tracked(conform):
    """A tensor created with requires_grad=True requires grad."""
    conform.observe(
        lambda ag, x: {"x.requires_grad": ag.requires_grad(ag.tensor(x, requires_grad=True))},
        X,
        expect={"x.requires_grad": True},
    )


@spec("In [2]", needs=TRACKING)
def test_created_without_requires_grad_is_untracked(conform):
    """A tensor created without requires_grad does not require grad: the default is False."""
    conform.observe(
        lambda ag, x: {"x.requires_grad": ag.requires_grad(ag.tensor(x))},
        X,
        expect={"x.requires_grad": False},
    )


@spec("In [3], In [4], In [5]", needs=TRACKING)
def test_results_of_tracked_tensors_are_tracked(conform):
    """y = 2*x + 2, z = 2*y**2 and mean(z) of a tracked x all require grad."""

    def program(ag, x):
        x = ag.tensor(x, requires_grad=True)
        y = 2 * x + 2
        z = 2 * y**2
        return {"y": ag.requires_grad(y), "z": ag.requires_grad(z), "z1": ag.requires_grad(ag.mean(z))}

    conform.observe(program, X, expect={"y": True, "z": True, "z1": True})


@spec(BEYOND_TUTORIAL, needs=TRACKING)
def test_results_of_untracked_tensors_are_untracked(conform):
    """Operations on tensors that do not require grad give results that do not either."""

    def program(ag, x):
        y = 2 * ag.tensor(x) + 2
        return {"y.requires_grad": ag.requires_grad(y)}

    conform.observe(program, X, expect={"y.requires_grad": False})


@spec("In [12], In [13]", needs=[Capability.TRACKING, Capability.SET_REQUIRES_GRAD])
def test_requires_grad_false_in_place(conform):
    """x.requires_grad_(False) turns tracking off on x itself and leaves its values alone."""

    def program(ag, x):
        t = ag.tensor(x, requires_grad=True)
        before = ag.requires_grad(t)
        ag.requires_grad_(t, False)
        return {"before": before, "after": ag.requires_grad(t), "values": ag.numpy(t)}

    conform.observe(program, X, expect={"before": True, "after": False, "values": X})


@spec(BEYOND_TUTORIAL, needs=[Capability.TRACKING, Capability.SET_REQUIRES_GRAD, Capability.BACKWARD])
def test_requires_grad_true_in_place_enables_backward(conform):
    """x.requires_grad_(True) on an untracked leaf makes backward fill x.grad."""

    def program(ag, x):
        t = ag.tensor(x)
        ag.requires_grad_(t, True)
        ag.backward(ag.sum(3 * t))
        return {"x.requires_grad": ag.requires_grad(t), "x.grad": ag.grad(t)}

    conform.observe(program, X, expect={"x.requires_grad": True, "x.grad": np.full(3, 3.0)})
