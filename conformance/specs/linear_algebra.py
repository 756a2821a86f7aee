"""Linear algebra: matmul in every form torch accepts (vector·vector, matrix·vector, vector·matrix,
matrix·matrix, batched, broadcast batch dimensions), mm, and the transposes t, transpose, permute, mT.

Beyond the tutorial. Each transpose's gradient must be transposed back (non-square shapes catch one
that is not); matmul's gradients must be reduced over broadcast batch dimensions."""

from conformance.operator_specs import install

install(globals(), "linear_algebra")
