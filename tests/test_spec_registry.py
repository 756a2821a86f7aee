"""Every spec is traceable: a unique id, a family, a tutorial cell or 'beyond', a docstring."""

import pytest

from conformance.adapter import Capability
from conformance.spec import BEYOND_TUTORIAL, TUTORIAL_CELLS, all_specs, spec

SPECS = all_specs()


def test_every_tutorial_cell_is_covered():
    covered = {cell for found in SPECS for cell in found.cells}
    assert [cell for cell in TUTORIAL_CELLS if cell not in covered] == []


def test_ids_are_family_dot_name_and_unique():
    ids = [found.id for found in SPECS]
    assert len(ids) == len(set(ids))
    for found in SPECS:
        family, _, name = found.id.partition(".")
        assert family == found.family and name and not name.startswith("test_")


@pytest.mark.parametrize("found", SPECS, ids=[found.id for found in SPECS])
def test_spec_states_its_behaviour_and_origin(found):
    assert len(found.doc.split()) >= 5
    assert found.cell == BEYOND_TUTORIAL or found.cells


def test_issue_behaviours_each_have_a_family():
    families = {found.family for found in SPECS}
    assert {
        "tracking",
        "graph_nodes",
        "node_names",
        "scalar_backward",
        "backward_errors",
        "vector_backward",
        "detach",
        "no_grad",
        "accumulation",
        "optimizer",
        "leaf_grad",
        "retain_graph",
        "graph_structure",
        "inplace",
        "dtypes",
    } <= families


def test_error_behaviours_are_scored_in_two_layers():
    ids = {found.id for found in SPECS}
    refusals = {
        i
        for i in ids
        if i.endswith("_refused") or i.endswith("_rejected") or i.endswith("cannot_require_grad")
    }
    for refusal in refusals:
        family = refusal.partition(".")[0]
        assert any(i.startswith(family) and i.endswith("_error_class") for i in ids), refusal


@pytest.mark.parametrize(
    ("cell", "message"),
    [("In [20]", "names no tutorial cell"), ("cell 3", "names no tutorial cell")],
)
def test_spec_rejects_a_cell_that_is_not_in_the_tutorial(cell, message):
    with pytest.raises(ValueError, match=message):
        spec(cell)


def test_spec_rejects_a_need_that_is_no_capability():
    with pytest.raises(TypeError, match="not a Capability"):
        spec(BEYOND_TUTORIAL, needs=["backward"])


def test_spec_requires_a_docstring():
    def test_undocumented(conform):
        pass

    with pytest.raises(ValueError, match="has no docstring"):
        spec(BEYOND_TUTORIAL, needs=[Capability.BACKWARD])(test_undocumented)
