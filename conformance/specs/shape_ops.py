"""Shape and view operations: reshape, view, flatten, squeeze, unsqueeze, expand.

Beyond the tutorial. The gradient must come back in the input's shape; expand's is summed over the
expanded dims. Whether a view shares storage with its base is not measured here."""

from conformance.operator_specs import install

install(globals(), "shape_ops")
