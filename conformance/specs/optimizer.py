"""The optimizer: SGD's step and zero_grad, as tutorial In [19] sketches them.

Covers: step does w -= lr * grad; zero_grad follows torch's current default (grad set to None); the
tutorial's commented-out SGD(weights, lr) with a bare tensor instead of a list is rejected. Does not
cover momentum, weight decay or any other optimizer.
"""

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from conformance.adapter import Capability
from conformance.spec import over_dtypes, spec
from conformance.strategies import arrays
from reference.oracles import tutorial_mean_gradient

SGD = [Capability.SGD, Capability.BACKWARD]
WEIGHTS = np.ones(3, dtype=np.float32)  # In [19]: weights = torch.ones(3, requires_grad=True)


@spec("In [19]", needs=SGD)
def test_step_subtracts_learning_rate_times_grad(conform):
    """After backward of sum(weights*3), SGD([weights], lr=0.01).step() leaves weights at 0.97."""

    def program(ag, w):
        weights = ag.tensor(w, requires_grad=True)
        optimizer = ag.sgd([weights], 0.01)
        ag.backward(ag.sum(weights * 3))
        ag.step(optimizer)
        return {"weights after step": ag.numpy(weights)}

    conform.observe(program, WEIGHTS, expect={"weights after step": np.full(3, 0.97)})


@spec("In [19]", needs=[*SGD, Capability.DETACH])
def test_step_updates_in_place(conform):
    """step() changes the parameters in place: a view taken before the step sees 0.97 after it."""

    def program(ag, w):
        weights = ag.tensor(w, requires_grad=True)
        view = ag.detach(weights)  # shares the parameters' storage
        optimizer = ag.sgd([weights], 0.01)
        ag.backward(ag.sum(weights * 3))
        ag.step(optimizer)
        return {"view after step": ag.numpy(view)}

    conform.observe(program, WEIGHTS, expect={"view after step": np.full(3, 0.97)})


@spec("In [19]", needs=SGD)
def test_zero_grad_sets_none(conform):
    """optimizer.zero_grad() sets weights.grad to None, torch's default since 2.0 (set_to_none=True)."""

    def program(ag, w):
        weights = ag.tensor(w, requires_grad=True)
        optimizer = ag.sgd([weights], 0.01)
        ag.backward(ag.sum(weights * 3))
        ag.zero_grad(optimizer)
        return {"weights.grad after zero_grad": ag.grad(weights)}

    conform.observe(program, WEIGHTS, expect={"weights.grad after zero_grad": None})


def bare_tensor(ag, w):
    weights = ag.tensor(w, requires_grad=True)
    return {"error": ag.raises(lambda: ag.sgd(weights, 0.01))}


@spec("In [19]", needs=[Capability.SGD])
def test_bare_tensor_rejected(conform):
    """SGD(weights, lr) with a bare tensor instead of a list of parameters is refused."""
    conform.refusal(bare_tensor, WEIGHTS)


@spec("In [19]", needs=[Capability.SGD])
def test_bare_tensor_error_class(conform):
    """The refusal of SGD(weights, lr) with a bare tensor raises TypeError, as torch does."""
    conform.observe(bare_tensor, WEIGHTS)


@spec("In [19]", needs=SGD)
@over_dtypes()
@given(data=st.data())
def test_step_over_generated_inputs(conform, dtype, data):
    """One SGD step on mean(2*(2w+2)**2) moves w to w - lr * 16(w+1)/n, for any shape and lr."""
    w = data.draw(arrays(dtype=dtype), label="w")
    lr = data.draw(st.sampled_from([0.001, 0.01, 0.1]), label="lr")

    def program(ag, w, lr):
        weights = ag.tensor(w, requires_grad=True)
        optimizer = ag.sgd([weights], lr)
        ag.backward(ag.mean(2 * (2 * weights + 2) ** 2))
        ag.step(optimizer)
        return {"weights after step": ag.numpy(weights)}

    expect = w.astype(np.float64) - lr * tutorial_mean_gradient(w)
    conform.observe(program, w, lr, expect={"weights after step": expect})
