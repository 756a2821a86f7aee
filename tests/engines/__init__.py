"""Engines the suite is tested against: minigrad, which conforms, and variants of it that each break one thing.

:func:`run_specs` runs spec families against one of them in a pytester, in process, and says which
spec ids passed, failed or were skipped::

    outcome = run_specs(pytester, "tests.engines.broken:zero_does_nothing", families=["accumulation"])
    assert outcome.failed == {"accumulation.zero_resets"}
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]


@dataclass
class SpecOutcomes:
    """Spec ids by outcome; a spec run with several parameters fails if any of them fails."""

    passed: set[str] = field(default_factory=set)
    failed: set[str] = field(default_factory=set)
    skipped: set[str] = field(default_factory=set)
    messages: dict[str, str] = field(default_factory=dict)  # spec id -> the first failure's headline
    exit_code: int = 0

    def explain(self, spec_ids: Iterable[str]) -> str:
        return "\n".join(f"  {spec_id}: {self.messages.get(spec_id, '?')}" for spec_id in sorted(spec_ids))


def spec_id_of(nodeid: str) -> str:
    """``.../specs/accumulation.py::test_zero_resets[cpu]`` -> ``accumulation.zero_resets``."""
    from conformance.spec import spec_id_of_nodeid  # the engines themselves never import the suite

    return spec_id_of_nodeid(nodeid)


def run_specs(pytester: pytest.Pytester, target: str, *, families: Iterable[str] = ()) -> SpecOutcomes:
    """Run the specs of ``families`` (every spec when none is named) against ``target``."""
    from conformance.spec import specs_directory  # the engines themselves never import the suite

    pytester.syspathinsert(REPO_ROOT)  # the target is named tests.engines...; pytester runs elsewhere
    ini = pytester.makeini("[pytest]\n")  # keep the repository's own ini (warnings as errors) out of it
    paths = [str(Path(specs_directory()) / f"{family}.py") for family in sorted(families)]
    recorder = pytester.inline_run(
        "-c",
        str(ini),
        f"--rootdir={REPO_ROOT}",  # without it, specs outside the run's directory get node ids with no path
        "-p",
        "no:cacheprovider",
        "--hypothesis-profile=ci",
        f"--target={target}",
        *paths,
    )
    outcomes = SpecOutcomes(exit_code=int(recorder.ret))
    for report in recorder.getreports("pytest_collectreport"):
        if report.failed:
            outcomes.failed.add(f"collecting {report.nodeid}")
            outcomes.messages[f"collecting {report.nodeid}"] = report.longreprtext.splitlines()[-1]
    for report in recorder.getreports("pytest_runtest_logreport"):
        spec_id = spec_id_of(report.nodeid)
        if report.failed:
            outcomes.failed.add(spec_id)
            lines = [line for line in report.longreprtext.splitlines() if line.startswith("E ")]
            outcomes.messages.setdefault(
                spec_id, (lines or [report.longreprtext])[0].removeprefix("E").strip()
            )
        elif report.skipped:
            outcomes.skipped.add(spec_id)
            outcomes.messages.setdefault(spec_id, str(report.longrepr))
        elif report.when == "call":
            outcomes.passed.add(spec_id)
    outcomes.passed -= outcomes.failed | outcomes.skipped
    return outcomes
