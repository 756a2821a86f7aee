"""Lock-step sessions (conformance/lockstep.py): steps run on torch and the target, one-sided refusals and
value differences are caught at the step that causes them, the printed program runs as printed, and the
grad mode is as the session found it at the end, also with torch on both sides.
"""

from __future__ import annotations

import contextlib
import io
import re
import textwrap

import numpy as np
import pytest
import torch

from conformance.compare import Disagreement, assert_same
from conformance.lockstep import Lockstep
from conformance.runner import Conformance
from targets.pytorch import TorchAdapter


class RetainsAlways(TorchAdapter):
    """Never frees the graph: a second backward through it is not refused."""

    name = "retains-always"

    def backward(self, tensor, gradient=None, retain_graph=False):
        tensor.backward(gradient, retain_graph=True)


class ZeroDoesNothing(TorchAdapter):
    name = "zero-does-nothing"

    def zero_grad_of(self, tensor):
        pass


class NoGradLeavesGradOn(TorchAdapter):
    """Leaving no_grad turns grad mode on, rather than back to what it was."""

    name = "no-grad-leaves-grad-on"

    def no_grad(self):
        class Off:
            def __enter__(self):
                torch.set_grad_enabled(False)

            def __exit__(self, *exc):
                torch.set_grad_enabled(True)

        return Off()


class GlueError(TorchAdapter):
    name = "glue-error"

    def zero_grad_of(self, tensor):
        return tensor.grad.zero_everything()  # an adapter bug, not the engine refusing


def session(target=None, dtype="float32"):
    conform = Conformance(target or TorchAdapter(), TorchAdapter(), device="cpu", reference_device="cpu")
    return Lockstep(conform, dtype=dtype)


def leaf_and_square(s):
    x = s.input(np.array([0.5, -1.0, 2.0]))
    s.step(f"ag.tensor({x}, requires_grad=True)", assign="t0")
    s.step("t0 * t0", assign="t1")


OBSERVED = {"t0": "ag.numpy(t0)", "t0.grad": "ag.grad(t0)"}


def test_a_step_both_refuse_is_kept_and_the_session_goes_on():
    s = session()
    leaf_and_square(s)
    assert not s.step("ag.backward(ag.sum(t1))")
    assert s.step("ag.backward(ag.sum(t1))")  # the graph was freed: both refuse
    s.check(OBSERVED)
    assert s.lines[-1] == "ag.raises(lambda: ag.backward(ag.sum(t1)))  # refused by both"
    s.close()


def test_a_one_sided_refusal_names_the_step_and_prints_a_program_that_shows_it():
    s = session(RetainsAlways())
    leaf_and_square(s)
    s.step("ag.backward(ag.sum(t1))")
    with pytest.raises(Disagreement) as caught:
        s.step("ag.backward(ag.sum(t1))")
    error = caught.value
    assert error.headline.startswith(
        "step 4, `ag.backward(ag.sum(t1))`: returned None on target 'retains-always'"
    )
    assert "raised RuntimeError" in error.headline
    shown = run_snippet(error.details, RetainsAlways)
    assert shown.startswith("DIFFERS: step 4, `ag.backward(ag.sum(t1))`: returned None"), shown


def test_a_value_difference_is_caught_after_the_step_that_made_it():
    s = session(ZeroDoesNothing())
    leaf_and_square(s)
    s.step("ag.backward(ag.sum(t1))")
    s.check(OBSERVED)
    s.step("ag.zero_grad_of(t0)")
    with pytest.raises(Disagreement) as caught:
        s.check(OBSERVED)
    headline = caught.value.headline
    assert headline.startswith("t0.grad")
    assert headline.endswith("(after step 4, `ag.zero_grad_of(t0)`)")
    assert "a session of 4 steps" in caught.value.details
    shown = run_snippet(caught.value.details, ZeroDoesNothing)
    assert shown.startswith("DIFFERS: t0.grad"), shown


def test_contexts_are_left_in_reverse_order_with_torch_on_both_sides():
    s = session()
    leaf_and_square(s)
    s.step("ag.no_grad()", assign="c0")
    s.step("c0.__enter__()")
    s.open.append("c0")
    s.step("t0 * 2", assign="t2")
    s.check({"t2.requires_grad": "ag.requires_grad(t2)"})
    s.close()
    assert torch.is_grad_enabled()


def test_a_target_step_that_changes_grad_mode_fails_and_the_mode_is_restored():
    s = session(NoGradLeavesGradOn())
    leaf_and_square(s)
    s.step("ag.no_grad()", assign="c0")
    s.step("c0.__enter__()")
    s.open.append("c0")
    with pytest.raises(
        Disagreement, match=r"step 5, `c0.__exit__\(None, None, None\)`, changed the process's"
    ):
        s.step("c0.__exit__(None, None, None)", leaving=True)
    assert not torch.is_grad_enabled()  # put back as the step found it: inside torch's own no_grad
    torch.set_grad_enabled(True)


def test_a_session_that_ends_with_grad_mode_changed_fails():
    s = session()
    leaf_and_square(s)
    s.step("ag.set_grad_enabled(False)")
    with pytest.raises(
        Disagreement, match=r"left the process.s global state changed: torch.is_grad_enabled\(\) was True"
    ):
        s.close()
    assert torch.is_grad_enabled()


def test_an_adapter_error_is_not_a_refusal():
    s = session(GlueError())
    leaf_and_square(s)
    s.step("ag.backward(ag.sum(t1))")
    with pytest.raises(Disagreement, match=r"raised AttributeError.*not by the engine"):
        s.step("ag.zero_grad_of(t0)")


class Float64Sum(TorchAdapter):
    """sum accumulated in float64 and rounded once: closer to the truth than torch's float32 sum, which
    loses the small element of [1e4, x, -1e4] to cancellation. ``off`` makes it wrong as well."""

    name = "float64-sum"
    off = 1.0

    def sum(self, tensor):
        return (tensor.double().sum() * self.off).float()


CANCELLING = np.array([1e4, 0.123456, -1e4])


def cancelling_session(target):
    s = session(target)
    x = s.input(CANCELLING)
    s.step(f"ag.tensor({x}, requires_grad=True)", assign="t0")
    s.step("ag.sum(t0)", assign="t1")
    return s


def test_float32_is_judged_against_a_float64_replay():
    s = cancelling_session(Float64Sum())
    observed = {"t1": "ag.numpy(t1)"}
    # the plain comparison fails: torch's float32 sum is 4e-4 off, the target's exact
    target, torch_float32 = s._observe("target", observed)["t1"], s._observe("torch", observed)["t1"]
    with pytest.raises(Disagreement):
        assert_same(target, torch_float32, what="t1", target="float64-sum")
    s.check(observed)  # and the float64 replay clears the target: it is no further from it than torch


def test_float64_replay_still_fails_a_target_further_off_than_torch():
    wrong = Float64Sum()
    wrong.off = 1.01
    s = cancelling_session(wrong)
    with pytest.raises(Disagreement, match=r"t1 = .* in float64"):
        s.check({"t1": "ag.numpy(t1)"})


def run_snippet(details: str, adapter: type) -> str:
    """Run the snippet a failure printed, with the target resolved to ``adapter``; its first line."""
    text = textwrap.dedent(details.split("reproduce:\n", 1)[1])
    text = re.sub(r"compare_program\('[^']*'", f"compare_program('{__name__}:{adapter.__name__}'", text)
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(text, "<snippet>", "exec"), {})  # the suite's own printed snippet
    return printed.getvalue().splitlines()[0]
