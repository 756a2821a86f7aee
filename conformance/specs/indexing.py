"""Indexing and joining: basic slices (steps, negative bounds, an integer), integer-array indexing with
repeated indices (their gradients add up), boolean masks, cat, stack, split and chunk.

Beyond the tutorial. split and chunk return tuples: the program sums the pieces with weights 1, 2, 3,
... so each element's gradient says which piece it went to."""

from conformance.operator_specs import install

install(globals(), "indexing")
