"""Elementwise binary operators with broadcasting: add, sub, mul, div, pow with a tensor exponent,
maximum, minimum and where; each operand's gradient is reduced back to its own shape.

Beyond the tutorial. One spec per operator, each with a same-shape and a broadcast form. Ties of
maximum and minimum are in ``conventions``."""

from conformance.operator_specs import install

install(globals(), "elementwise_binary")
