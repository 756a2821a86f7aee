"""Dtypes of gradients: the gradient has its input's dtype; integer tensors cannot require grad.

Beyond the tutorial, which uses float32 only. Covers float32 and float64 through the tutorial's
mean, over both routes; integer tensors asking for grad, as behaviour and as error class, and an
integer input differentiated on the functional route (the only route of jax, autograd, mlx and
tensorflow), where torch refuses as well.
"""

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from conformance.adapter import Capability
from conformance.spec import BEYOND_TUTORIAL, over_dtypes, spec
from conformance.strategies import arrays

X_INT = np.array([1, 2, 3], dtype=np.int64)


@spec(BEYOND_TUTORIAL, needs=[Capability.BACKWARD])
@over_dtypes()
@given(data=st.data())
def test_gradient_dtype_matches_input(conform, dtype, data):
    """x.grad of mean(2*(2x+2)**2) has x's dtype: float32 stays float32, float64 stays float64."""
    x = data.draw(arrays(dtype=dtype), label="x")

    def program(ag, x):
        t = ag.tensor(x, requires_grad=True)
        z1 = ag.mean(2 * (2 * t + 2) ** 2)
        ag.backward(z1)
        return {"z1 dtype": ag.numpy(z1).dtype.name, "x.grad dtype": ag.numpy(ag.grad(t)).dtype.name}

    conform.observe(program, x, expect={"z1 dtype": dtype, "x.grad dtype": dtype})


@spec(BEYOND_TUTORIAL, needs=[Capability.VJP])
@over_dtypes()
@given(data=st.data())
def test_vjp_dtype_matches_input(conform, dtype, data):
    """The vector-Jacobian product of mean(2*(2x+2)**2) has x's dtype."""
    x = data.draw(arrays(dtype=dtype), label="x")

    def program(ag, x):
        out, grads = ag.vjp(lambda t: ag.mean(2 * (2 * t + 2) ** 2), [x], None, device=ag.device)
        return {"value dtype": ag.numpy(out).dtype.name, "grad dtype": ag.numpy(grads[0]).dtype.name}

    conform.observe(program, x, expect={"value dtype": dtype, "grad dtype": dtype})


def integer_requires_grad(ag, x):
    return {"error": ag.raises(lambda: ag.tensor(x, requires_grad=True))}


@spec(BEYOND_TUTORIAL, needs=[Capability.TRACKING, Capability.INTEGER_TENSORS])
def test_integer_tensor_cannot_require_grad(conform):
    """Creating an int64 tensor with requires_grad=True is refused."""
    conform.refusal(integer_requires_grad, X_INT)


@spec(BEYOND_TUTORIAL, needs=[Capability.TRACKING, Capability.INTEGER_TENSORS])
def test_integer_requires_grad_error_class(conform):
    """The refusal of requires_grad on an int64 tensor raises RuntimeError, as torch does."""
    conform.observe(integer_requires_grad, X_INT)


def integer_vjp(ag, x):
    return {"error": ag.raises(lambda: ag.vjp(lambda t: ag.sum(t * t), [x], None, device=ag.device))}


@spec(BEYOND_TUTORIAL, needs=[Capability.VJP, Capability.INTEGER_TENSORS])
def test_integer_vjp_refused(conform):
    """A vjp of sum(x * x) over an int64 input x is refused, not answered with a truncated, zero or
    missing gradient."""
    conform.refusal(integer_vjp, X_INT)
