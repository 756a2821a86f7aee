"""Elementwise unary operators: neg, abs, exp, log, sqrt, sin, cos, tanh, sigmoid, relu, reciprocal,
pow with a scalar exponent (integer, negative, fractional) and clamp (min, max, both).

Beyond the tutorial. One spec per operator (``conformance/catalogue.py``): the forward value and the
gradient on both routes, float32 and float64, inside the operator's smooth domain. What happens at the
kinks (relu and abs at 0, clamp at its bounds, sqrt at 0) is in ``conventions``; extreme inputs in
``numerics``."""

from conformance.operator_specs import install

install(globals(), "elementwise_unary")
