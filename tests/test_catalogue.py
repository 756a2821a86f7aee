"""The operator catalogue, its forms, the generated programs and the float64 judgement measure what
they claim: every operator is spelled for torch and for the NumPy oracle, forms stay in their smooth
domain, programs are runnable text whose every leaf reaches the output, and the comparison that judges
float32 against float64 rejects what is wrong while accepting what merely rounds differently."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conformance.calls import Call, Index, compile_program
from conformance.catalogue import CASES, OPERATORS
from conformance.compare import Disagreement, assert_no_further
from conformance.generated import programs
from conformance.spec import all_specs
from reference.numpy_operators import OPERATORS as NUMPY
from reference.oracles import NumpyForward, directional_derivative
from targets.pytorch import TorchAdapter

FORMS = [pytest.param(case, form, id=f"{case.id}-{form}") for case in CASES for form in case.forms]
QUICK = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])


class TorchEngine:
    """torch as a program's ``ag``, with no adapter in between: what the catalogue spells."""

    adapter = TorchAdapter()

    def tensor(self, data, *, requires_grad=False):
        return torch.tensor(np.asarray(data), requires_grad=requires_grad)

    def op(self, name, *args, **kwargs):
        return self.adapter.operator(name)(*args, **kwargs)

    def sum(self, tensor):
        return tensor.sum()


def test_every_operator_has_a_numpy_oracle_and_a_case():
    assert set(NUMPY) == set(OPERATORS)
    assert {case.operator for case in CASES} == set(OPERATORS)
    assert len(OPERATORS) >= 45


def test_every_case_is_a_spec_with_its_operator():
    specs = {spec.id: spec for spec in all_specs()}
    for case in CASES:
        assert specs[case.id].operator == case.operator, case.id
        assert case.forms, f"{case.id} has no form"


@pytest.mark.parametrize(("case", "form"), FORMS)
@QUICK
@given(data=st.data())
def test_each_form_runs_alike_on_torch_and_the_numpy_oracle(case, form, data):
    """A drawn call is valid for torch, and the float64 NumPy oracle computes the same value."""
    call = data.draw(case.forms[form]("float64"))
    program = call.program()
    leaves = {name: torch.tensor(value) for name, value in call.inputs.items()}
    on_torch = program(TorchEngine(), **leaves).numpy()
    on_numpy = program(NumpyForward(), **call.inputs)
    np.testing.assert_allclose(on_torch, on_numpy, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize(
    ("operator", "domain"),
    [
        ("log", lambda x: np.all(x >= 0.125)),
        ("sqrt", lambda x: np.all(x >= 0.125)),
        ("relu", lambda x: np.all(np.abs(x) >= 1 / 16)),
        ("abs", lambda x: np.all(np.abs(x) >= 1 / 16)),
        ("amax", lambda x: len(np.unique(x)) == x.size),
        ("max", lambda x: len(np.unique(x)) == x.size),
        ("prod", lambda x: np.all(np.abs(x) >= 0.5)),
    ],
)
@QUICK
@given(data=st.data())
def test_forms_stay_in_the_smooth_domain(operator, domain, data):
    for case in CASES:
        if case.operator == operator and case.family != "conventions":
            for form in case.forms.values():
                call = data.draw(form("float32"))
                assert domain(call.inputs["x"]), (operator, call.inputs["x"])


def test_a_call_is_written_as_runnable_code():
    call = Call("where", {"x": np.ones(2), "y": np.zeros(2)}, before=(Index(np.array([True, False])),))
    assert call.source() == (
        "def program(ag, x, y):\n"
        '    return ag.op("where", ag.tensor(np.array([ True, False], dtype=bool)), x, y)'
    )
    pieces = Call("split", {"x": np.arange(5.0)}, (2,), kwargs={"dim": 0}, pieces=True)
    value = pieces.program()(NumpyForward(), x=np.arange(5.0))
    assert value == 1 * (0 + 1) + 2 * (2 + 3) + 3 * 4  # each piece weighted by its position
    assert compile_program(pieces.source()).__source__ == pieces.source()


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data(), scalar=st.booleans())
def test_generated_programs_are_text_whose_every_leaf_reaches_the_output(data, scalar):
    program = data.draw(programs(dtype="float64", offered=frozenset(OPERATORS), scalar=scalar))
    function = program.function()
    assert function.__source__ == program.source()
    leaves = {name: torch.tensor(value, requires_grad=True) for name, value in program.inputs.items()}
    out = function(TorchEngine(), **leaves)
    assert torch.isfinite(out).all()
    if scalar:
        assert out.ndim == 0
    out.backward(torch.ones_like(out))
    for name, leaf in leaves.items():
        assert leaf.grad is not None, f"{name} does not reach the output of\n{program.source()}"
    np.testing.assert_allclose(
        out.detach().numpy(), function(NumpyForward(), **program.inputs), rtol=1e-9, atol=1e-12
    )


def test_generated_programs_use_only_the_offered_operators():
    offered = frozenset({"exp", "mul"})

    @settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
    @given(programs(dtype="float32", offered=offered, scalar=True))
    def check(program):
        used = {step.call.operator for step in program.steps if step.call is not None}
        assert used <= offered

    check()


def test_float64_judgement_accepts_rounding_and_rejects_an_error():
    exact = np.array([1.0, 2.0], dtype=np.float64)
    torch32 = np.array([1.0001, 2.0], dtype=np.float32)  # torch's own float32 error at [0]
    assert_no_further(np.array([0.9999, 2.0], np.float32), torch32, exact, what="v", target="t")
    with pytest.raises(Disagreement, match=r"v \[0\] = 1.0003.* from it, torch's own result"):
        assert_no_further(np.array([1.0003, 2.0], np.float32), torch32, exact, what="v", target="t")
    with pytest.raises(Disagreement, match="dtype float64"):
        assert_no_further(exact, torch32, exact, what="v", target="t")


def test_the_finite_difference_oracle_is_exact_enough_for_curved_functions():
    x = np.array([1 / 16, 0.5, 3.0])
    direction = np.array([1.0, -2.0, 0.5])
    numeric = directional_derivative(lambda ag, x: ag.op("reciprocal", x), [x], None, [direction])
    assert numeric == pytest.approx(float(np.sum(-direction / x**2)), rel=1e-9)
