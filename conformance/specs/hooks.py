"""Tensor hooks: ``register_hook(fn)`` on a leaf and on an intermediate result.

Beyond the tutorial. Covers what the hook sees (the tensor's whole gradient, once), that a returned
tensor replaces the gradient (for the leaf's .grad, and for everything upstream of an intermediate),
that returning None changes nothing, that several hooks run in the order they were registered, that
the handle's remove() stops a hook, the interplay with retain_grad() (the retained .grad is the
gradient after the hooks), and that a hook on a tensor that requires no grad is refused. Does not
cover post-accumulate-grad hooks, module hooks or hooks on grad_fn nodes.
"""

import numpy as np

from conformance.adapter import Capability
from conformance.spec import BEYOND_TUTORIAL, spec

HOOKS = [Capability.HOOKS, Capability.BACKWARD]
X = np.array([0.2254, 0.4946, 0.0936], dtype=np.float32)


@spec(BEYOND_TUTORIAL, needs=HOOKS)
def test_leaf_hook_sees_gradient(conform):
    """A hook on the leaf x sees the gradient of sum(x*x), 2x, once; x.grad is 2x."""

    def program(ag, x):
        t = ag.tensor(x, requires_grad=True)
        seen = []
        ag.register_hook(t, lambda g: seen.append(ag.numpy(g)))
        ag.backward(ag.sum(t * t))
        return {"hook saw": seen, "x.grad": ag.grad(t)}

    conform.observe(program, X, expect={"hook saw": [2 * X], "x.grad": 2 * X})


@spec(BEYOND_TUTORIAL, needs=HOOKS)
def test_leaf_hook_result_replaces_gradient(conform):
    """A hook on the leaf x returning g * 2 makes x.grad twice the gradient: 4x for sum(x*x)."""

    def program(ag, x):
        t = ag.tensor(x, requires_grad=True)
        ag.register_hook(t, lambda g: g * 2)
        ag.backward(ag.sum(t * t))
        return {"x.grad": ag.grad(t)}

    conform.observe(program, X, expect={"x.grad": 4 * X})


@spec(BEYOND_TUTORIAL, needs=HOOKS)
def test_intermediate_hook_result_flows_upstream(conform):
    """A hook on y = 3x returning g * 10 changes what reaches x: x.grad of sum(y) is 30."""

    def program(ag, x):
        t = ag.tensor(x, requires_grad=True)
        y = t * 3
        ag.register_hook(y, lambda g: g * 10)
        ag.backward(ag.sum(y))
        return {"x.grad": ag.grad(t)}

    conform.observe(program, X, expect={"x.grad": np.full(3, 30.0)})


@spec(BEYOND_TUTORIAL, needs=HOOKS)
def test_intermediate_hook_sees_summed_gradient(conform):
    """A hook on y = 2x used twice (z = y*y + y) runs once, with the gradient of both uses summed:
    2y + 1."""

    def program(ag, x):
        t = ag.tensor(x, requires_grad=True)
        y = t * 2
        seen = []
        ag.register_hook(y, lambda g: seen.append(ag.numpy(g)))
        ag.backward(ag.sum(y * y + y))
        return {"hook saw": seen, "x.grad": ag.grad(t)}

    x = X.astype(np.float64)
    conform.observe(program, X, expect={"hook saw": [4 * x + 1], "x.grad": 2 * (4 * x + 1)})


@spec(BEYOND_TUTORIAL, needs=HOOKS)
def test_hooks_run_in_registration_order(conform):
    """Two hooks on x, g + 1 then g * 2, give x.grad = (g + 1) * 2, not g * 2 + 1."""

    def program(ag, x):
        t = ag.tensor(x, requires_grad=True)
        ag.register_hook(t, lambda g: g + 1)
        ag.register_hook(t, lambda g: g * 2)
        ag.backward(ag.sum(t * 3))
        return {"x.grad": ag.grad(t)}

    conform.observe(program, X, expect={"x.grad": np.full(3, 8.0)})


@spec(BEYOND_TUTORIAL, needs=HOOKS)
def test_removed_hook_does_not_run(conform):
    """After handle.remove() the hook neither runs nor changes the gradient: x.grad of sum(3x) is 3."""

    def program(ag, x):
        t = ag.tensor(x, requires_grad=True)
        seen = []
        handle = ag.register_hook(t, lambda g: seen.append(ag.numpy(g)) or g * 100)
        ag.remove_hook(handle)
        ag.backward(ag.sum(t * 3))
        return {"calls": len(seen), "x.grad": ag.grad(t)}

    conform.observe(program, X, expect={"calls": 0, "x.grad": np.full(3, 3.0)})


@spec(BEYOND_TUTORIAL, needs=HOOKS)
def test_removing_one_hook_keeps_the_other(conform):
    """Removing the first of two hooks leaves the second in force: x.grad = 3 * 2."""

    def program(ag, x):
        t = ag.tensor(x, requires_grad=True)
        first = ag.register_hook(t, lambda g: g + 1)
        ag.register_hook(t, lambda g: g * 2)
        ag.remove_hook(first)
        ag.backward(ag.sum(t * 3))
        return {"x.grad": ag.grad(t)}

    conform.observe(program, X, expect={"x.grad": np.full(3, 6.0)})


@spec(BEYOND_TUTORIAL, needs=[*HOOKS, Capability.RETAIN_GRAD])
def test_retained_grad_is_after_hooks(conform):
    """y = 3x with retain_grad() and a hook returning g * 10: y.grad is 10 and x.grad 30, whether the
    hook was registered before or after retain_grad()."""

    def program(ag, x):
        t = ag.tensor(x, requires_grad=True)
        before, after = t * 3, t * 3
        ag.register_hook(before, lambda g: g * 10)
        ag.retain_grad(before)
        ag.retain_grad(after)
        ag.register_hook(after, lambda g: g * 10)
        ag.backward(ag.sum(before + after))
        return {
            "y.grad, hook first": ag.grad(before),
            "y.grad, hook last": ag.grad(after),
            "x.grad": ag.grad(t),
        }

    conform.observe(
        program,
        X,
        expect={
            "y.grad, hook first": np.full(3, 10.0),
            "y.grad, hook last": np.full(3, 10.0),
            "x.grad": np.full(3, 60.0),
        },
    )


def untracked_hook(ag, x):
    t = ag.tensor(x)
    return {"error": ag.raises(lambda: ag.register_hook(t, lambda g: g))}


@spec(BEYOND_TUTORIAL, needs=[Capability.HOOKS])
def test_hook_on_untracked_refused(conform):
    """register_hook on a tensor that requires no grad is refused: the hook could never run."""
    conform.refusal(untracked_hook, X)


@spec(BEYOND_TUTORIAL, needs=[Capability.HOOKS])
def test_hook_on_untracked_error_class(conform):
    """The refusal of a hook on a tensor that requires no grad raises RuntimeError, as torch does."""
    conform.observe(untracked_hook, X)
