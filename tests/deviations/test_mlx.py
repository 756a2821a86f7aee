"""Each entry of targets/mlx.deviations, shown by a minimal snippet in mlx's own API.

There are no entries: on the functional specs (tensors, scalar and vector gradients through vjp,
graph structure, gradient dtypes) mlx conforms, and the stateful specs are unsupported rather
than deviations. A deviation added to the file needs a test here named after its spec id
(``test_<family>_<name>``) that imports mlx with ``pytest.importorskip`` and asserts what it
does instead. The last test checks, in any environment, that every entry has its snippet here
and every snippet its entry.
"""

from __future__ import annotations

import sys
from pathlib import Path

import targets
from conformance.deviations import parse_deviations

DEVIATIONS = Path(targets.__file__).with_name("mlx.deviations")


# -- the file and this module agree ---------------------------------------------------------------------


def test_every_deviation_has_its_snippet():
    """Each entry of mlx.deviations has a test here named after its spec id, and vice versa."""
    entries = {"test_" + deviation.spec_id.replace(".", "_") for deviation in parse_deviations(DEVIATIONS)}
    module = sys.modules[__name__]
    snippets = {
        name
        for name in dir(module)
        if name.startswith("test_") and name != "test_every_deviation_has_its_snippet"
    }
    assert sorted(entries - snippets) == [], "deviations without a snippet test"
    assert sorted(snippets - entries) == [], "snippet tests without a deviation"
