"""The outcome model: what happened to each check, and what that means for each spec.

A *check* is one pytest item: a spec on one device (and dtype, and route). A *spec* aggregates its
checks: failed if any failed, else a known deviation if any deviated, else passed if any passed, else
unsupported if any was unsupported, else skipped (only device skips, e.g. no CUDA).
"""

from __future__ import annotations

import enum
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from conformance.spec import Spec


class Outcome(enum.Enum):
    PASSED = "passed"
    FAILED = "failed"
    DEVIATION = "deviation"  # failed, and listed in the target's known deviations
    UNSUPPORTED = "unsupported"  # the target lacks a capability the check needs
    SKIPPED = "skipped"  # not run here for another reason, e.g. no CUDA device


_PRECEDENCE = (Outcome.FAILED, Outcome.DEVIATION, Outcome.PASSED, Outcome.UNSUPPORTED, Outcome.SKIPPED)
UNSUPPORTED_PREFIX = "unsupported: "


@dataclass
class CheckResult:
    nodeid: str
    spec: Spec
    parameters: str  # the item's parameter id, e.g. "cpu-float32-backward"
    outcome: Outcome
    duration: float = 0.0
    message: str = ""  # the one-line verdict
    details: str = ""  # the rest: values side by side, the repro snippet
    repro: str = ""


@dataclass
class SpecResult:
    spec: Spec
    checks: list[CheckResult] = field(default_factory=list)

    @property
    def outcome(self) -> Outcome:
        seen = {check.outcome for check in self.checks}
        return next(outcome for outcome in _PRECEDENCE if outcome in seen)


def by_spec(checks: Iterable[CheckResult]) -> list[SpecResult]:
    results: dict[str, SpecResult] = {}
    for check in checks:
        results.setdefault(check.spec.id, SpecResult(check.spec)).checks.append(check)
    return sorted(results.values(), key=lambda r: (r.spec.family, r.spec.id))


def counts(results: Iterable[SpecResult]) -> Counter[Outcome]:
    return Counter(result.outcome for result in results)


def score(tally: Counter[Outcome]) -> float | None:
    """The share of supported specs that conform; None when no spec was supported."""
    supported = tally[Outcome.PASSED] + tally[Outcome.FAILED] + tally[Outcome.DEVIATION]
    return None if supported == 0 else tally[Outcome.PASSED] / supported
