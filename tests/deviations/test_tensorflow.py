"""Each entry of targets/tensorflow.deviations, shown by a minimal snippet in TensorFlow's own API.

The file lists no deviation today: TensorFlow is tested on the functional core only (vjp through
``tf.GradientTape``), where it conforms. A snippet test named after the spec id (``test_<family>__<name>``,
using ``pytest.importorskip("tensorflow", reason=...)``) goes here with each entry added; the test
below, which runs in any environment, keeps the two in step.
"""

from __future__ import annotations

from tests.deviations import assert_snippets_match


def test_every_entry_has_its_snippet():
    assert_snippets_match("tensorflow", globals())
