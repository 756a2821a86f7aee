"""Each entry of targets/mlx.deviations, shown by a minimal snippet in mlx's own API.

There are no entries: on the functional specs (tensors, scalar and vector gradients through vjp,
graph structure, gradient dtypes) mlx conforms, and the stateful specs are unsupported rather
than deviations. A deviation added to the file needs a test here named after its spec id
(``test_<family>__<name>``) that imports mlx with ``pytest.importorskip`` and asserts what it
does instead. The last test checks, in any environment, that every entry has its snippet here
and every snippet its entry.
"""

from __future__ import annotations

from tests.deviations import assert_snippets_match

# -- the file and this module agree ---------------------------------------------------------------------


def test_every_entry_has_its_snippet():
    assert_snippets_match("mlx", globals())
