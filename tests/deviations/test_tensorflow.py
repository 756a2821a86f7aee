"""Each entry of targets/tensorflow.deviations, shown by a minimal snippet in TensorFlow's own API.

The file lists no deviation today: TensorFlow is tested on the functional core only (vjp through
``tf.GradientTape``), where it conforms. A snippet test named after the spec id (``test_<family>_<name>``,
using ``pytest.importorskip("tensorflow", reason=...)``) goes here with each entry added; the test
below, which runs in any environment, keeps the two in step.
"""

from __future__ import annotations

import sys
from pathlib import Path

import targets
from conformance.deviations import parse_deviations

DEVIATIONS = Path(targets.__file__).with_name("tensorflow.deviations")


def test_every_deviation_has_its_snippet():
    """Each entry of tensorflow.deviations has a test here named after its spec id, and vice versa."""
    entries = {"test_" + deviation.spec_id.replace(".", "_") for deviation in parse_deviations(DEVIATIONS)}
    snippets = {name for name in dir(sys.modules[__name__]) if name.startswith("test_")}
    snippets.discard("test_every_deviation_has_its_snippet")
    assert sorted(entries - snippets) == [], "deviations without a snippet test"
    assert sorted(snippets - entries) == [], "snippet tests without a deviation"
