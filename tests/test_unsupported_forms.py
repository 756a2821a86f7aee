"""An operator form the target declares unsupported while a generated program runs discards that program,
not the spec: the family is measured on everything else (tests/engines/partial.py)."""

import pytest

from tests.engines import run_specs


def test_generated_programs_measure_around_an_unsupported_form(pytester: pytest.Pytester) -> None:
    outcome = run_specs(pytester, "tests.engines.partial:no_keepdim_sum", families=["generated_programs"])
    assert not outcome.failed, outcome.explain(outcome.failed)
    unsupported = {spec for spec, why in outcome.messages.items() if "keepdim" in why}
    assert not unsupported, outcome.explain(unsupported)


def test_the_operator_spec_reports_the_form_unsupported(pytester: pytest.Pytester) -> None:
    outcome = run_specs(pytester, "tests.engines.partial:no_keepdim_sum", families=["reductions"])
    assert "reductions.sum" in outcome.skipped
    assert "sum with keepdim=True" in outcome.messages["reductions.sum"]
