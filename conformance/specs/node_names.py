"""torch's names for graph nodes: AddBackward0, MulBackward0, PowBackward0, MeanBackward0, ...

A separate family on purpose: an engine without torch's names declares the capability missing and is
reported unsupported here, not failed. Covers tutorial In [3] .. In [9], and beyond it the node of every
catalogue operator in every form (SumBackward0 for sum(), SumBackward1 for sum(dim), SelectBackward0
for x[-1], ...), whose expected names come from torch itself.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conformance.adapter import Capability
from conformance.catalogue import CASES
from conformance.operator_specs import parameter_id
from conformance.spec import BEYOND_TUTORIAL, spec

NAMES = [Capability.NODE_NAMES]
X = np.array([0.2254, 0.4946, 0.0936], dtype=np.float32)


@spec("In [3], In [4], In [5], In [7]", needs=NAMES)
def test_tutorial_node_names(conform):
    """The tutorial's results are named AddBackward0, MulBackward0, MeanBackward0 and DivBackward0."""

    def program(ag, x):
        x = ag.tensor(x, requires_grad=True)
        y = 2 * x + 2
        z = 2 * y**2
        return {
            "y = 2*x + 2": ag.node_name(y),
            "z = 2*y**2": ag.node_name(z),
            "z1 = mean(z)": ag.node_name(ag.mean(z)),
            "16*(x+1)/3": ag.node_name(16 * (x + 1) / 3),
        }

    conform.observe(
        program,
        X,
        expect={
            "y = 2*x + 2": "AddBackward0",
            "z = 2*y**2": "MulBackward0",
            "z1 = mean(z)": "MeanBackward0",
            "16*(x+1)/3": "DivBackward0",
        },
    )


@spec("In [4], In [8]", needs=NAMES)
def test_power_and_sum_node_names(conform):
    """y**2 is named PowBackward0 and sum(z) SumBackward0; a leaf has no node name."""

    def program(ag, x):
        x = ag.tensor(x, requires_grad=True)
        return {"x": ag.node_name(x), "x**2": ag.node_name(x**2), "sum(x)": ag.node_name(ag.sum(x))}

    conform.observe(program, X, expect={"x": None, "x**2": "PowBackward0", "sum(x)": "SumBackward0"})


FORMS = [
    pytest.param(case, form, id=f"{case.id}-{parameter_id(form)}") for case in CASES for form in case.forms
]


@spec(BEYOND_TUTORIAL, needs=NAMES)
@pytest.mark.parametrize(("case", "form"), FORMS)
@settings(max_examples=1)
@given(data=st.data())
def test_operator_node_names(conform, case, form, data):
    """The result of every catalogue operator, in every form, carries the node torch names it with."""
    call = data.draw(case.forms[form]("float32"), label="call")
    conform.observe(call.node_program(), *call.inputs.values())
