"""The optimizer: SGD's step and zero_grad, as tutorial In [19] sketches them.

Covers: step does w -= lr * grad; zero_grad follows torch's current default (grad set to None); the
tutorial's commented-out SGD(weights, lr) with a bare tensor instead of a list is rejected. Beyond the
tutorial, SGD's options (declared as ``SGD_OPTIONS``; an option the engine lacks is unsupported on its
own): momentum (the first step's buffer is the gradient itself), dampening, weight_decay, nesterov and
maximize over several steps against the algorithm torch documents, parameter groups with their own
options, zero_grad(set_to_none=False), and the refusal of nesterov without momentum. Does not cover
any other optimizer, nor learning-rate schedules.
"""

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from conformance.adapter import Capability
from conformance.runner import discarding_unsupported_forms
from conformance.spec import BEYOND_TUTORIAL, over_dtypes, spec
from conformance.strategies import arrays
from reference.oracles import sgd_steps, tutorial_mean_gradient

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


OPTIONS = [*SGD, Capability.SGD_OPTIONS]


def train(ag, w, lr, options, steps):
    weights = ag.tensor(w, requires_grad=True)
    optimizer = ag.sgd([weights], lr, **options)
    for _ in range(steps):
        ag.zero_grad(optimizer)
        ag.backward(ag.mean(2 * (2 * weights + 2) ** 2))
        ag.step(optimizer)
    return {"weights after the steps": ag.numpy(weights)}


@spec(BEYOND_TUTORIAL, needs=OPTIONS)
def test_momentum_first_step_is_the_gradient(conform):
    """With momentum=0.9 and dampening=0.5, the first step's buffer is the gradient itself (not
    dampened, not started from zero): one step moves w by lr * grad, as plain SGD does."""
    options = {"momentum": 0.9, "dampening": 0.5}
    expect = sgd_steps(WEIGHTS, tutorial_mean_gradient, lr=0.01, steps=1, **options)
    conform.observe(train, WEIGHTS, 0.01, options, 1, expect={"weights after the steps": expect})


@spec(BEYOND_TUTORIAL, needs=OPTIONS)
@over_dtypes()
@given(data=st.data())
def test_options_over_generated_steps(conform, dtype, data):
    """One to three SGD steps on mean(2*(2w+2)**2) with drawn momentum, dampening, weight_decay,
    nesterov and maximize land where torch's documented algorithm puts w (a draw with an option the
    engine's SGD lacks is discarded, so an engine with some of them is measured on those)."""
    w = data.draw(arrays(dtype=dtype, min_value=-4, max_value=4), label="w")
    lr = data.draw(st.sampled_from([0.001, 0.01, 0.05]), label="lr")
    momentum = data.draw(st.sampled_from([0.0, 0.5, 0.9]), label="momentum")
    nesterov = momentum > 0 and data.draw(st.booleans(), label="nesterov")
    options = {
        "momentum": momentum,
        "dampening": 0.0 if nesterov else data.draw(st.sampled_from([0.0, 0.3]), label="dampening"),
        "weight_decay": data.draw(st.sampled_from([0.0, 0.1]), label="weight_decay"),
        "nesterov": nesterov,
        "maximize": data.draw(st.booleans(), label="maximize"),
    }
    steps = data.draw(st.integers(1, 3), label="steps")
    expect = sgd_steps(w, tutorial_mean_gradient, lr=lr, steps=steps, **options)
    with discarding_unsupported_forms():  # an option the engine's SGD lacks: the other draws measure the rest
        conform.observe(train, w, lr, options, steps, expect={"weights after the steps": expect})


@spec(BEYOND_TUTORIAL, needs=OPTIONS)
def test_parameter_groups(conform):
    """SGD([{"params": [a]}, {"params": [b], "lr": 0.1, "momentum": 0.9}], lr=0.01): two steps move a
    with the defaults and b with its group's own options."""

    def program(ag, w):
        a, b = ag.tensor(w, requires_grad=True), ag.tensor(w, requires_grad=True)
        optimizer = ag.sgd([{"params": [a]}, {"params": [b], "lr": 0.1, "momentum": 0.9}], 0.01)
        for _ in range(2):
            ag.zero_grad(optimizer)
            ag.backward(ag.mean(2 * (2 * a + 2) ** 2) + ag.mean(2 * (2 * b + 2) ** 2))
            ag.step(optimizer)
        return {"a": ag.numpy(a), "b": ag.numpy(b)}

    expect = {
        "a": sgd_steps(WEIGHTS, tutorial_mean_gradient, lr=0.01, steps=2),
        "b": sgd_steps(WEIGHTS, tutorial_mean_gradient, lr=0.1, steps=2, momentum=0.9),
    }
    conform.observe(program, WEIGHTS, expect=expect)


@spec(BEYOND_TUTORIAL, needs=OPTIONS)
def test_zero_grad_keeps_zeros(conform):
    """optimizer.zero_grad(set_to_none=False) leaves weights.grad a tensor of zeros, not None, and the
    next backward adds into it: 3 again."""

    def program(ag, w):
        weights = ag.tensor(w, requires_grad=True)
        optimizer = ag.sgd([weights], 0.01)
        ag.backward(ag.sum(weights * 3))
        ag.zero_grad(optimizer, set_to_none=False)
        zeroed = ag.numpy(ag.grad(weights))
        ag.backward(ag.sum(weights * 3))
        return {"after zero_grad": zeroed, "after the next backward": ag.grad(weights)}

    conform.observe(
        program, WEIGHTS, expect={"after zero_grad": np.zeros(3), "after the next backward": np.full(3, 3.0)}
    )


def nesterov_without_momentum(ag, w):
    weights = ag.tensor(w, requires_grad=True)
    return {"error": ag.raises(lambda: ag.sgd([weights], 0.01, nesterov=True))}


@spec(BEYOND_TUTORIAL, needs=[Capability.SGD, Capability.SGD_OPTIONS])
def test_nesterov_without_momentum_refused(conform):
    """SGD(params, lr, nesterov=True) with no momentum is refused: Nesterov needs a momentum."""
    conform.refusal(nesterov_without_momentum, WEIGHTS)


@spec(BEYOND_TUTORIAL, needs=[Capability.SGD, Capability.SGD_OPTIONS])
def test_nesterov_without_momentum_error_class(conform):
    """The refusal of nesterov without momentum raises ValueError, as torch does."""
    conform.observe(nesterov_without_momentum, WEIGHTS)
