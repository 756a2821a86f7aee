"""Backward that must be refused, scored in two layers.

The behaviour spec asks only whether the engine refuses; the ``_error_class`` spec asks, more
strictly, whether it raises torch's exception class (RuntimeError; a subclass counts). Covers the text
around tutorial In [6]: backward needs a single value or an explicit gradient, and needs something
that requires grad; the first also on the functional route (a vjp with no cotangent), which is how
functional engines (jax, autograd, mlx, tensorflow) meet it; and, beyond the tutorial, backward(v) with
a v whose shape is not the output's (also when it has as many elements, or would broadcast), which
torch refuses rather than reshaping or broadcasting. Second backward through a freed graph is in
``retain_graph``.
"""

import numpy as np
import pytest

from conformance.adapter import Capability
from conformance.spec import BEYOND_TUTORIAL, spec

BACKWARD = [Capability.BACKWARD]
X = np.array([0.2254, 0.4946, 0.0936], dtype=np.float32)


def non_scalar(ag, x):
    z = 2 * (2 * ag.tensor(x, requires_grad=True) + 2) ** 2
    return {"error": ag.raises(lambda: ag.backward(z))}


def non_scalar_vjp(ag, x):
    def program(t):
        return 2 * (2 * t + 2) ** 2

    return {"error": ag.raises(lambda: ag.vjp(program, [x], None, device=ag.device))}


def untracked(ag, x):
    z1 = ag.mean(2 * (2 * ag.tensor(x) + 2) ** 2)
    return {"error": ag.raises(lambda: ag.backward(z1))}


@spec("In [6]", needs=BACKWARD)
def test_non_scalar_refused(conform):
    """backward() on a 3-element result with no gradient argument is refused, not silently summed."""
    conform.refusal(non_scalar, X)


@spec("In [6]", needs=BACKWARD)
def test_non_scalar_error_class(conform):
    """The refusal of backward() on a non-scalar result raises RuntimeError, as torch does."""
    conform.observe(non_scalar, X)


@spec("In [6]", needs=[Capability.VJP])
def test_non_scalar_vjp_refused(conform):
    """A vjp of a 3-element result with no cotangent is refused, as backward() is, not silently summed."""
    conform.refusal(non_scalar_vjp, X)


@spec("In [6]", needs=BACKWARD)
def test_untracked_refused(conform):
    """backward() on a result that depends on nothing requiring grad is refused."""
    conform.refusal(untracked, X)


@spec("In [6]", needs=BACKWARD)
def test_untracked_error_class(conform):
    """The refusal of backward() on an untracked result raises RuntimeError, as torch does."""
    conform.observe(untracked, X)


WRONG_SHAPES = {  # the output is 2 x 3; each v has another shape
    "transposed": (3, 2),  # as many elements
    "flat": (6,),  # as many elements
    "broadcastable": (3,),  # would broadcast to the output
    "extra dim": (1, 2, 3),  # would reduce to it
}


def wrong_shape_gradient(ag, x, v):
    z = 2 * (2 * ag.tensor(x, requires_grad=True) + 2) ** 2
    return {"error": ag.raises(lambda: ag.backward(z, ag.tensor(v)))}


OUTPUT = np.linspace(-1, 1, 6, dtype=np.float32).reshape(2, 3)
over_wrong_shapes = pytest.mark.parametrize("shape", list(WRONG_SHAPES.values()), ids=list(WRONG_SHAPES))


@spec(BEYOND_TUTORIAL, needs=[Capability.BACKWARD_GRADIENT])
@over_wrong_shapes
def test_wrong_shape_gradient_refused(conform, shape):
    """backward(v) on a 2x3 output is refused for v of shape (3, 2), (6,), (3,) and (1, 2, 3): a v with
    as many elements is not reshaped, one that broadcasts is not broadcast."""
    conform.refusal(wrong_shape_gradient, OUTPUT, np.ones(shape, dtype=np.float32))


@spec(BEYOND_TUTORIAL, needs=[Capability.BACKWARD_GRADIENT])
@over_wrong_shapes
def test_wrong_shape_gradient_error_class(conform, shape):
    """The refusal of backward(v) with a v of another shape raises RuntimeError, as torch does."""
    conform.observe(wrong_shape_gradient, OUTPUT, np.ones(shape, dtype=np.float32))
