"""Numerically extreme inputs where a naive formula breaks and torch's does not.

Beyond the tutorial. sigmoid of +-100 (exp overflows in a naive 1/(1+exp(-x)) backward), softmax and
logsumexp of magnitudes near 1000 (exp overflows without the max subtracted), log at 0 (-inf, gradient
inf), the variance of values with a large common offset (E[x^2] - E[x]^2 cancels catastrophically), and
the mean of values near float32's largest (a sum that overflows). Every expected value comes from torch;
a float32 result is also judged against torch in float64, so an engine more exact than torch passes.
"""

import numpy as np

from conformance.calls import Call
from conformance.operator_specs import check_call
from conformance.spec import BEYOND_TUTORIAL, over_dtypes, over_routes, spec


def _check(conform, dtype, via, operator, x, *, oracle=True, **kwargs):
    call = Call(operator, {"x": np.array(x, dtype=dtype)}, kwargs=kwargs)
    check_call(conform, call, via=via, oracle=oracle)


def _extreme(operator):
    def decorate(function):
        return spec(BEYOND_TUTORIAL, operator=operator)(over_dtypes()(over_routes()(function)))

    return decorate


@_extreme("sigmoid")
def test_sigmoid_large(conform, dtype, via):
    """sigmoid of -100, -30, 30 and 100: values 0 or 1 and gradients 0 or tiny, never nan."""
    _check(conform, dtype, via, "sigmoid", [-100.0, -30.0, 30.0, 100.0])


@_extreme("softmax")
def test_softmax_large(conform, dtype, via):
    """softmax of values near 1000 along a dim: finite, and its gradient finite."""
    _check(conform, dtype, via, "softmax", [[1000.0, 1001.0, 1002.0], [-1000.0, 0.0, 1000.0]], dim=1)


@_extreme("logsumexp")
def test_logsumexp_large(conform, dtype, via):
    """logsumexp of values near +-1000: about the largest value, gradient the softmax."""
    _check(conform, dtype, via, "logsumexp", [[1000.0, 1000.0, 990.0], [-1000.0, -1001.0, -1002.0]], dim=1)


@_extreme("log")
def test_log_at_zero(conform, dtype, via):
    """log(0) is -inf and its gradient inf, not nan."""
    _check(conform, dtype, via, "log", [0.0, 1.0, 2.0], oracle=False)


@_extreme("var")
def test_var_large_offset(conform, dtype, via):
    """var of 10000 + small values: about the small values' variance, not 0 or negative from cancellation."""
    x = 10000.0 + np.array([0.125, 0.5, -0.25, 0.375, 0.0, -0.5])
    _check(conform, dtype, via, "var", x)


@_extreme("mean")
def test_mean_large_values(conform, dtype, via):
    """mean of values near float32's largest: torch's value, or nearer the float64 mean than it."""
    # no finite difference: a step of 1e-4 is lost in 3e38, so the oracle would see a zero slope
    _check(conform, dtype, via, "mean", [3.0e38, 3.0e38, 2.0e38], oracle=False)
