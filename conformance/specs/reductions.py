"""Reductions: sum, mean, amax, amin, max and min (values), prod, var, std and logsumexp over all
elements, one dim, a negative dim and a tuple of dims, with and without keepdim; softmax and log_softmax
along a dim.

Beyond the tutorial (which reduces only with sum() and mean()). Inputs avoid ties (distinct values) and
zeros for prod; ties, zeros and constant inputs are in ``conventions``, large magnitudes in ``numerics``."""

from conformance.operator_specs import install

install(globals(), "reductions")
