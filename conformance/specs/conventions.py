"""Torch's conventions at kinks and ties, each checked at exactly the point where torch fixes it.

Beyond the tutorial. At a kink the derivative is not defined, so torch picks a value and engines pick
others: relu'(0) = 0, abs'(0) = 0, clamp passes the gradient at its bounds, max() and amax split it
evenly between tied elements while max(x, dim) gives it all to the index it returns, maximum(x, x)
gives each side half, sqrt'(0) = inf, prod with one zero gives the product of the others there and
with two zeros nothing, where's gradient is zero in the branch not taken (but log's nan at 0 still
flows through a where that discards it), and std of equal values has gradient 0. Every expected value
comes from torch itself; no finite difference is checked here, since none is the derivative at a kink.
"""

import numpy as np
import pytest

from conformance.calls import Call, Index, compile_program
from conformance.operator_specs import check_call
from conformance.spec import BEYOND_TUTORIAL, over_dtypes, over_routes, spec


def _call(operator, *args, x, y=None, before=(), **kwargs):
    def make(dtype):
        inputs = {"x": np.array(x, dtype=dtype)}
        if y is not None:
            inputs["y"] = np.array(y, dtype=dtype)
        return Call(operator, inputs, args, before=before, kwargs=kwargs)

    return make


def _check(conform, make, dtype, via):
    check_call(conform, make(dtype), via=via, oracle=False)


def _spec(*cases, operator):
    """A convention spec over its fixed cases, both dtypes and both routes."""

    def decorate(function):
        params = [pytest.param(make, id=case_id) for case_id, make in cases]
        function = pytest.mark.parametrize("make", params)(function)
        return spec(BEYOND_TUTORIAL, operator=operator)(over_dtypes()(over_routes()(function)))

    return decorate


@_spec(("relu", _call("relu", x=[-1.0, 0.0, 0.0, 2.0])), operator="relu")
def test_relu_at_zero(conform, dtype, via, make):
    """relu's gradient at exactly 0 is 0, as torch defines it."""
    _check(conform, make, dtype, via)


@_spec(("abs", _call("abs", x=[-1.5, 0.0, 2.0])), operator="abs")
def test_abs_at_zero(conform, dtype, via, make):
    """abs's gradient at exactly 0 is 0 (torch's sign(0))."""
    _check(conform, make, dtype, via)


@_spec(
    ("min_and_max", _call("clamp", x=[-1.0, -0.5, 0.0, 0.5, 1.0], min=-0.5, max=0.5)),
    ("min", _call("clamp", x=[-1.0, -0.5, 0.0], min=-0.5)),
    ("max", _call("clamp", x=[0.0, 0.5, 1.0], max=0.5)),
    operator="clamp",
)
def test_clamp_at_bounds(conform, dtype, via, make):
    """clamp passes the gradient (1) at x equal to a bound, and 0 beyond it."""
    _check(conform, make, dtype, via)


@_spec(
    ("max", _call("max", x=[1.0, 3.0, 3.0, 2.0])),
    ("min", _call("min", x=[[1.0, 3.0], [1.0, 2.0]])),
    operator="max",
)
def test_max_ties(conform, dtype, via, make):
    """max() and min() over every element split the gradient evenly between tied elements."""
    _check(conform, make, dtype, via)


@_spec(
    ("amax_dim", _call("amax", x=[[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]], dim=1)),
    ("amax_all", _call("amax", x=[[1.0, 3.0, 3.0], [3.0, 2.0, 0.0]])),
    ("amin_dim", _call("amin", x=[[1.0, 1.0, 3.0], [2.0, 0.0, 0.0]], dim=-1)),
    operator="amax",
)
def test_amax_ties(conform, dtype, via, make):
    """amax and amin split the gradient evenly between the tied elements of each reduced slice."""
    _check(conform, make, dtype, via)


@_spec(
    ("max_dim", _call("max", x=[[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]], dim=1)),
    ("min_dim_keepdim", _call("min", x=[[1.0, 1.0, 3.0], [0.0, 2.0, 0.0]], dim=1, keepdim=True)),
    operator="max",
)
def test_max_dim_ties(conform, dtype, via, make):
    """max(x, dim) and min(x, dim) give the whole gradient to the one index they return, not to every tie."""
    _check(conform, make, dtype, via)


@_spec(
    ("maximum", _call("maximum", x=[1.0, 2.0, 3.0], y=[1.0, 0.0, 3.0])),
    ("minimum", _call("minimum", x=[1.0, 2.0, 3.0], y=[1.0, 0.0, 3.0])),
    operator="maximum",
)
def test_maximum_ties(conform, dtype, via, make):
    """maximum(x, y) and minimum(x, y) where x == y give each side half the gradient."""
    _check(conform, make, dtype, via)


@_spec(("sqrt", _call("sqrt", x=[0.0, 1.0, 4.0])), operator="sqrt")
def test_sqrt_at_zero(conform, dtype, via, make):
    """sqrt's gradient at 0 is inf, not nan or a large finite number."""
    _check(conform, make, dtype, via)


@_spec(
    ("all", _call("prod", x=[2.0, 0.0, 3.0])),
    ("dim", _call("prod", x=[[2.0, 0.0, 3.0], [1.0, 2.0, 4.0]], dim=1)),
    operator="prod",
)
def test_prod_one_zero(conform, dtype, via, make):
    """prod with one zero: the gradient at the zero is the product of the others, elsewhere 0."""
    _check(conform, make, dtype, via)


@_spec(
    ("all", _call("prod", x=[0.0, 2.0, 0.0])),
    ("dim", _call("prod", x=[[0.0, 2.0, 0.0], [1.0, 2.0, 4.0]], dim=-1)),
    operator="prod",
)
def test_prod_two_zeros(conform, dtype, via, make):
    """prod with two zeros: every gradient is 0, not nan (a prod/x formula gives nan)."""
    _check(conform, make, dtype, via)


@_spec(
    (
        "inf_and_nan_not_taken",
        _call(
            "where",
            x=[1.0, 2.0, 3.0],
            y=[np.inf, 1.0, np.nan],
            before=(Index(np.array([True, False, True])),),
        ),
    ),
    operator="where",
)
def test_where_nonfinite_branch(conform, dtype, via, make):
    """where(c, x, y) with inf and nan in y where c holds: the value is x's, y's gradient there is 0."""
    _check(conform, make, dtype, via)


LOG_BEHIND_WHERE = compile_program(
    "def program(ag, x):\n"
    '    return ag.op("where", ag.tensor(np.array([False, True, True])), ag.op("log", x), x)'
)


@spec(BEYOND_TUTORIAL, operator="where")
@over_dtypes()
@over_routes()
def test_where_discarded_nan_flows(conform, dtype, via):
    """where(c, log(x), x) with x = 0 where c is False: log's inf times where's 0 is nan, and torch
    lets that nan reach x.grad; an engine that masks it out differs."""
    x = np.array([0.0, 1.0, 2.0], dtype=dtype)
    v = np.array([1.0, -1.0, 0.5], dtype=dtype)
    conform.gradients(LOG_BEHIND_WHERE, via=via, cotangent=v, oracle=False, scalarize=True, x=x)


@_spec(
    ("all", _call("std", x=[2.0, 2.0, 2.0])),
    ("dim", _call("std", x=[[2.0, 2.0], [1.0, 3.0]], dim=1)),
    operator="std",
)
def test_std_equal_values(conform, dtype, via, make):
    """std of equal values is 0 and its gradient is 0 (torch's choice), not nan from 0/0."""
    _check(conform, make, dtype, via)
