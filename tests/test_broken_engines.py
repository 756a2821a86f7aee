"""The suite catches every broken engine in tests/engines/broken.py, broken_operators.py and broken_api.py,
with the specs each one names.

Each engine runs in process against the families of the specs that must catch it, and exactly those
specs must fail there: a bug that slips through shows a hole in the suite, and a spec that fails
though the bug should not touch it measures the wrong thing (or the bug's @caught_by is out of date).

A known gap (``gap=`` in broken.py) runs against the whole suite: no spec may catch it, and the test
then ends as an expected failure naming the proposed spec. When a spec starts catching it, the test
fails and says to move that spec into @caught_by.
"""

import pytest

# pytester's in-process runs drop the modules a run imported first. torch's optimizer step imports
# torch._dynamo (some 800 modules, C++ operator registrations among them, which cannot be made twice),
# so it is imported here, at collection, before any run: the runs keep it and stay fast.
import torch._dynamo  # noqa: F401

from conformance.spec import all_specs
from tests.engines import broken, broken_api, broken_operators, run_specs
from tests.engines.broken import ENGINES, BrokenEngine

SPEC_IDS = {spec.id for spec in all_specs()}


@pytest.mark.parametrize("engine", ENGINES.values(), ids=ENGINES.keys())
def test_suite_catches_the_bug(pytester: pytest.Pytester, engine: BrokenEngine) -> None:
    module = next(m for m in (broken, broken_operators, broken_api) if hasattr(m, engine.name))
    target = f"{module.__name__}:{engine.name}"
    if engine.gap:
        outcome = run_specs(pytester, target)  # a gap is a claim about every spec
        assert outcome.passed, f"no spec ran against {engine.name!r}"
        assert not outcome.failed, (
            f"{engine.name!r} is listed as a gap ({engine.gap}), but these specs catch it now; "
            f"list them in its @caught_by and drop gap=:\n{outcome.explain(outcome.failed)}"
        )
        pytest.xfail(f"gap: {engine.gap}; proposed spec: {', '.join(sorted(engine.caught_by))}")

    families = {spec_id.partition(".")[0] for spec_id in engine.caught_by}
    outcome = run_specs(pytester, target, families=families)
    assert outcome.exit_code in (0, 1), (
        f"the run against {engine.name!r} ended with exit code {outcome.exit_code}"
    )
    missed = engine.caught_by - outcome.failed
    assert not missed, (
        f"broken engine {engine.name!r} was not caught by {', '.join(sorted(missed))}, which pass on it.\n"
        f"  the bug: {engine.bug}"
    )
    unexpected = outcome.failed - engine.caught_by
    assert not unexpected, (
        f"broken engine {engine.name!r} also fails specs in {', '.join(sorted(families))} that its bug "
        f"should not touch; narrow the bug or add them to its @caught_by:\n{outcome.explain(unexpected)}"
    )
    assert not outcome.skipped, f"specs skipped on {engine.name!r}:\n{outcome.explain(outcome.skipped)}"


def test_every_bug_names_real_specs_and_a_factory() -> None:
    assert len(ENGINES) - sum(bool(engine.gap) for engine in ENGINES.values()) >= 22
    for name, engine in ENGINES.items():
        factory = next(
            (getattr(m, name) for m in (broken, broken_operators, broken_api) if hasattr(m, name)), None
        )
        assert callable(factory), f"no module of tests.engines.broken* has a factory {name!r}"
        assert engine.caught_by, f"{name}: @caught_by names no spec"
        unknown = engine.caught_by - SPEC_IDS
        if engine.gap:
            assert unknown, (
                f"{name} is listed as a gap, but its proposed specs exist now: {sorted(engine.caught_by)}"
            )
        else:
            assert not unknown, f"{name}: @caught_by names specs that do not exist: {sorted(unknown)}"


def test_each_factory_builds_a_fresh_engine_named_after_its_bug() -> None:
    first, second = broken.zero_does_nothing(), broken.zero_does_nothing()
    assert first.name == "minigrad[zero_does_nothing]"
    assert first.module is not second.module
