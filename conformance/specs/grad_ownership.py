"""Who owns a gradient: a leaf's ``.grad`` is its own tensor.

Beyond the tutorial. A leaf's .grad never aliases the gradient passed to backward(v), nor another
leaf's .grad, nor what an earlier backward left elsewhere: changing one of them in place afterwards
leaves every other unchanged. Engines that hand the incoming gradient through (the gradient of x + w
is v itself for both) and store it without a copy get this wrong, and a later optimizer step or
grad.zero_() then corrupts another tensor. Does not cover gradients of non-leaves (retain_grad).
"""

import numpy as np

from conformance.adapter import Capability
from conformance.spec import BEYOND_TUTORIAL, spec

OWNERSHIP = [Capability.BACKWARD_GRADIENT, Capability.INPLACE]
X = np.array([0.2254, 0.4946, 0.0936], dtype=np.float32)
V = np.array([1.0, -2.0, 0.5], dtype=np.float32)


@spec(BEYOND_TUTORIAL, needs=OWNERSHIP)
def test_leaf_grad_does_not_alias_v(conform):
    """x.backward(v) on a leaf x, then v.add_(1): x.grad stays v as it was."""

    def program(ag, x, v):
        t, gradient = ag.tensor(x, requires_grad=True), ag.tensor(v)
        ag.backward(t, gradient)
        ag.add_(gradient, 1.0)
        return {"x.grad": ag.grad(t)}

    conform.observe(program, X, V, expect={"x.grad": V})


@spec(BEYOND_TUTORIAL, needs=OWNERSHIP)
def test_passed_through_gradient_not_aliased(conform):
    """z = x + w; z.backward(v) hands v through unchanged: changing v afterwards changes neither x.grad
    nor w.grad."""

    def program(ag, x, v):
        a, b, gradient = ag.tensor(x, requires_grad=True), ag.tensor(x, requires_grad=True), ag.tensor(v)
        ag.backward(a + b, gradient)
        ag.add_(gradient, 1.0)
        return {"x.grad": ag.grad(a), "w.grad": ag.grad(b)}

    conform.observe(program, X, V, expect={"x.grad": V, "w.grad": V})


@spec(BEYOND_TUTORIAL, needs=OWNERSHIP)
def test_leaves_do_not_share_grad(conform):
    """z = x + w; z.backward(v); x.grad.add_(1) leaves w.grad and v unchanged."""

    def program(ag, x, v):
        a, b, gradient = ag.tensor(x, requires_grad=True), ag.tensor(x, requires_grad=True), ag.tensor(v)
        ag.backward(a + b, gradient)
        ag.add_(ag.grad(a), 1.0)
        return {"x.grad": ag.grad(a), "w.grad": ag.grad(b), "v": ag.numpy(gradient)}

    conform.observe(program, X, V, expect={"x.grad": V + 1, "w.grad": V, "v": V})


@spec(BEYOND_TUTORIAL, needs=[*OWNERSHIP, Capability.ZERO_GRAD])
def test_zeroing_one_grad_keeps_the_other(conform):
    """z = x * 1 + w; after backward(v), zeroing x.grad in place leaves w.grad as v."""

    def program(ag, x, v):
        a, b, gradient = ag.tensor(x, requires_grad=True), ag.tensor(x, requires_grad=True), ag.tensor(v)
        ag.backward(a * 1 + b, gradient)
        ag.zero_grad_of(a)
        return {"x.grad": ag.grad(a), "w.grad": ag.grad(b)}

    conform.observe(program, X, V, expect={"x.grad": np.zeros(3), "w.grad": V})
