"""Specs made from the operator catalogue: one spec per case, its forms, dtypes and routes as parameters.

A family module installs its cases with one line, ``install(globals(), "reductions")``; each becomes
``test_<name>``, a spec whose id is ``family.name`` and whose operator is the case's. Each check draws
half the profile's examples (10 in ci, 250 in thorough): an operator is checked over forms x dtypes x
routes, so every form still sees four times that, and the whole catalogue stays within the ci budget. A check draws one
call of the form in the operator's smooth domain and a random cotangent of the result's shape, runs it on
torch and on the target on the chosen route, and compares the value and every input's gradient (and
checks the target's gradients against a float64 finite difference).
"""

from __future__ import annotations

from collections.abc import Callable, MutableMapping
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conformance.calls import Call
from conformance.catalogue import OPERATORS, Case, cases_of
from conformance.spec import BEYOND_TUTORIAL, over_dtypes, over_routes, spec
from conformance.strategies import arrays
from reference.oracles import forward_shape


def parameter_id(form: str) -> str:
    """A form's id as a pytest id a deviations entry can name: ``negative dim`` -> ``negative_dim``."""
    return form.replace(" ", "_").replace("·", "@")


def operator_spec(case: Case, module: str) -> Callable[..., Any]:
    """The spec function for ``case``, registered as if written in ``module``."""

    def check(conform: Any, dtype: str, via: str, form: str, data: st.DataObject) -> None:
        call = data.draw(case.forms[form](dtype), label="call")
        program = call.program()
        shape = forward_shape(program, call.inputs)
        cotangent = data.draw(arrays(dtype=dtype, shape=shape, min_value=-2, max_value=2), label="v")
        conform.gradients(program, via=via, cotangent=cotangent, scalarize=True, **call.inputs)

    check.__name__ = check.__qualname__ = f"test_{case.name}"
    check.__module__ = module
    check.__doc__ = f"{OPERATORS[case.operator].signature.split('  #')[0]}: {case.doc}"
    forms = [pytest.param(form, id=parameter_id(form)) for form in case.forms]
    decorated = settings(max_examples=max(1, settings().max_examples // 2))(given(data=st.data())(check))
    decorated = pytest.mark.parametrize("form", forms)(decorated)
    decorated = over_routes()(decorated)
    decorated = over_dtypes()(decorated)
    return spec(BEYOND_TUTORIAL, operator=case.operator)(decorated)


def install(namespace: MutableMapping[str, Any], family: str) -> None:
    """Define ``test_<name>`` in a family module for each of the family's catalogue cases."""
    for case in cases_of(family):
        namespace[f"test_{case.name}"] = operator_spec(case, namespace["__name__"])


def check_call(conform: Any, call: Call, *, via: str, oracle: bool) -> None:
    """Differentiate one fixed call on both engines, with a fixed cotangent of the result's shape."""
    __tracebackhide__ = True
    program = call.program()
    shape = forward_shape(program, call.inputs)
    dtype = next(iter(call.inputs.values())).dtype
    cotangent = np.linspace(-1.5, 2.0, int(np.prod(shape, dtype=int)) or 1)[: int(np.prod(shape, dtype=int))]
    cotangent = (cotangent.reshape(shape) if shape else np.asarray(1.5)).astype(dtype)
    conform.gradients(program, via=via, cotangent=cotangent, oracle=oracle, scalarize=True, **call.inputs)
