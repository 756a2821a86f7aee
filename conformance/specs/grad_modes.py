"""Grad modes: ``set_grad_enabled`` (a function and a context), ``enable_grad``, ``inference_mode``.

Beyond the tutorial (no_grad itself is in ``no_grad``). Covers set_grad_enabled(False) called as a
function (in force until switched back) and used as a context (restored on exit), enable_grad and
set_grad_enabled(True) inside no_grad (tracked again, and untracked again after), is_grad_enabled
readings, and inference_mode: its results are inference tensors that require no grad, an operation
that must save one for backward is refused, and so is an in-place change of one outside the mode.
Every program switches the mode back, so a target that leaks it fails the state guard.
"""

import numpy as np

from conformance.adapter import Capability
from conformance.spec import BEYOND_TUTORIAL, spec

MODES = [Capability.GRAD_MODES, Capability.TRACKING]
X = np.array([0.2254, 0.4946, 0.0936], dtype=np.float32)


@spec(BEYOND_TUTORIAL, needs=MODES)
def test_set_grad_enabled_as_function(conform):
    """set_grad_enabled(False) stops tracking until set_grad_enabled(True): 2x is untracked between
    them and tracked after."""

    def program(ag, x):
        t = ag.tensor(x, requires_grad=True)
        ag.set_grad_enabled(False)
        try:
            inside, enabled_inside = t * 2, ag.is_grad_enabled()
        finally:
            ag.set_grad_enabled(True)
        after = t * 2
        return {
            "grad enabled inside": enabled_inside,
            "requires grad inside": ag.requires_grad(inside),
            "requires grad after": ag.requires_grad(after),
            "grad enabled after": ag.is_grad_enabled(),
        }

    expect = {"grad enabled inside": False, "requires grad inside": False}
    conform.observe(program, X, expect=expect | {"requires grad after": True, "grad enabled after": True})


@spec(BEYOND_TUTORIAL, needs=MODES)
def test_set_grad_enabled_as_context(conform):
    """with set_grad_enabled(False): 2x is untracked inside, and the mode is restored on exit."""

    def program(ag, x):
        t = ag.tensor(x, requires_grad=True)
        with ag.grad_enabled(False):
            inside = t * 2
        return {"requires grad inside": ag.requires_grad(inside), "grad enabled after": ag.is_grad_enabled()}

    conform.observe(program, X, expect={"requires grad inside": False, "grad enabled after": True})


@spec(BEYOND_TUTORIAL, needs=[*MODES, Capability.NO_GRAD])
def test_set_grad_enabled_true_inside_no_grad(conform):
    """with set_grad_enabled(True) inside no_grad tracks again, and no_grad holds again after it."""

    def program(ag, x):
        t = ag.tensor(x, requires_grad=True)
        with ag.no_grad():
            with ag.grad_enabled(True):
                tracked = t * 2
            untracked = t * 2
        return {"tracked inside": ag.requires_grad(tracked), "untracked after": ag.requires_grad(untracked)}

    conform.observe(program, X, expect={"tracked inside": True, "untracked after": False})


@spec(BEYOND_TUTORIAL, needs=[*MODES, Capability.NO_GRAD, Capability.BACKWARD])
def test_enable_grad_inside_no_grad(conform):
    """with enable_grad() inside no_grad, y = 2x is tracked and backward through it gives x.grad 2;
    after enable_grad, no_grad holds again."""

    def program(ag, x):
        t = ag.tensor(x, requires_grad=True)
        with ag.no_grad():
            with ag.enable_grad():
                y = t * 2
                enabled = ag.is_grad_enabled()
            after = t * 2
            disabled = not ag.is_grad_enabled()
        ag.backward(ag.sum(y))
        return {
            "enabled inside": enabled,
            "disabled after": disabled,
            "after requires grad": ag.requires_grad(after),
            "x.grad": ag.grad(t),
        }

    expect = {"enabled inside": True, "disabled after": True, "after requires grad": False}
    conform.observe(program, X, expect=expect | {"x.grad": np.full(3, 2.0)})


@spec(BEYOND_TUTORIAL, needs=[*MODES, Capability.NO_GRAD])
def test_no_grad_reads_disabled(conform):
    """is_grad_enabled() is False inside no_grad and True after it."""

    def program(ag):
        with ag.no_grad():
            inside = ag.is_grad_enabled()
        return {"inside": inside, "after": ag.is_grad_enabled()}

    conform.observe(program, expect={"inside": False, "after": True})


INFERENCE = [Capability.INFERENCE_MODE, Capability.TRACKING]


@spec(BEYOND_TUTORIAL, needs=INFERENCE)
def test_inference_mode_results(conform):
    """Inside inference_mode, 2x of a tensor that requires grad is an inference tensor that requires no
    grad; x itself, made outside, is not an inference tensor."""

    def program(ag, x):
        t = ag.tensor(x, requires_grad=True)
        with ag.inference_mode():
            y = t * 2
        return {
            "y is inference": ag.is_inference(y),
            "y requires grad": ag.requires_grad(y),
            "x is inference": ag.is_inference(t),
            "y": ag.numpy(y),
        }

    expect = {"y is inference": True, "y requires grad": False, "x is inference": False, "y": 2 * X}
    conform.observe(program, X, expect=expect)


def inference_tensor_saved(ag, x):
    t = ag.tensor(x, requires_grad=True)
    with ag.inference_mode():
        i = ag.tensor(x) * 2
    return {"error": ag.raises(lambda: i * t)}  # mul saves i for x's gradient


@spec(BEYOND_TUTORIAL, needs=INFERENCE)
def test_inference_tensor_saved_refused(conform):
    """Outside inference_mode, i * x (x requires grad) must save the inference tensor i for backward:
    refused."""
    conform.refusal(inference_tensor_saved, X)


@spec(BEYOND_TUTORIAL, needs=INFERENCE)
def test_inference_tensor_saved_error_class(conform):
    """The refusal to save an inference tensor for backward raises RuntimeError, as torch does."""
    conform.observe(inference_tensor_saved, X)


def inference_tensor_changed(ag, x):
    with ag.inference_mode():
        i = ag.tensor(x) * 2
    return {"error": ag.raises(lambda: ag.add_(i, 1.0))}


@spec(BEYOND_TUTORIAL, needs=[*INFERENCE, Capability.INPLACE])
def test_inference_tensor_inplace_refused(conform):
    """An in-place change of an inference tensor outside inference_mode is refused."""
    conform.refusal(inference_tensor_changed, X)


@spec(BEYOND_TUTORIAL, needs=[*INFERENCE, Capability.INPLACE])
def test_inference_tensor_inplace_error_class(conform):
    """The refusal of an in-place change of an inference tensor raises RuntimeError, as torch does."""
    conform.observe(inference_tensor_changed, X)
