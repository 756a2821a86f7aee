"""Where .grad lives: on leaves, after backward; on a non-leaf only when asked with retain_grad(),
and reading a non-leaf's unpopulated .grad warns.

Beyond the tutorial, which reads x.grad only after backward (In [7]).
"""

import numpy as np

from conformance.adapter import Capability
from conformance.spec import BEYOND_TUTORIAL, spec

X = np.array([0.2254, 0.4946, 0.0936], dtype=np.float32)


@spec(BEYOND_TUTORIAL, needs=[Capability.BACKWARD])
def test_grad_none_before_backward(conform):
    """A leaf that requires grad has .grad None before any backward, not zeros."""
    conform.observe(
        lambda ag, x: {"x.grad": ag.grad(ag.tensor(x, requires_grad=True))}, X, expect={"x.grad": None}
    )


@spec(BEYOND_TUTORIAL, needs=[Capability.BACKWARD])
def test_non_leaf_grad_unpopulated(conform):
    """After backward, a non-leaf y = 2*x has .grad None, while the leaf x has its gradient."""

    def program(ag, x):
        import warnings

        t = ag.tensor(x, requires_grad=True)
        y = 2 * t
        ag.backward(ag.sum(y * y))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the warning is non_leaf_grad_read_warns's to measure
            y_grad = ag.grad(y)
        return {"y.grad": y_grad, "x.grad": ag.grad(t)}

    conform.observe(program, X, expect={"y.grad": None, "x.grad": 8 * X.astype(np.float64)})


@spec(BEYOND_TUTORIAL, needs=[Capability.BACKWARD, Capability.RETAIN_GRAD])
def test_retain_grad_populates_non_leaf(conform):
    """y.retain_grad() before backward keeps d out / dy = 2y in y.grad."""

    def program(ag, x):
        t = ag.tensor(x, requires_grad=True)
        y = 2 * t
        ag.retain_grad(y)
        ag.backward(ag.sum(y * y))
        return {"y.grad": ag.grad(y)}

    conform.observe(program, X, expect={"y.grad": 4 * X.astype(np.float64)})


def non_leaf_grad_read(ag, x):
    import warnings  # here, not at the top: the repro snippet carries the program's own source only

    y = 2 * ag.tensor(x, requires_grad=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        grad = ag.grad(y)
    return {"y.grad": grad, "warned": bool(caught)}


@spec(BEYOND_TUTORIAL, needs=[Capability.BACKWARD])
def test_non_leaf_grad_read_warns(conform):
    """Reading .grad of the non-leaf y = 2*x gives None and warns that a non-leaf's .grad is not
    populated, rather than returning None silently or a gradient."""
    conform.observe(non_leaf_grad_read, X, expect={"y.grad": None, "warned": True})
