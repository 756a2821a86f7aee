"""One run's state, read once from the command line: the target, the reference, the devices, the known
deviations, and the results as they come in. The plugin makes it; the reports and benchmarks read it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest

from conformance.adapter import Adapter
from conformance.deviations import Deviation, DeviationsError, parse_deviations
from conformance.outcomes import CheckResult
from conformance.resolve import TargetError, resolve_target
from conformance.spec import all_specs

SESSION = pytest.StashKey["ConformanceSession"]()
"""Where the plugin keeps the session: ``config.stash[SESSION]``, present only with ``--target``."""


@dataclass
class ConformanceSession:
    """Everything the plugin read from the options, once."""

    target_spelling: str
    target: Adapter
    reference: Adapter
    deviations: list[Deviation]
    deviations_path: Path | None
    strict_unsupported: bool
    devices: dict[str, str | None]  # the devices the specs run on, with why one cannot be used
    isolation: str = "none"  # "fork": each check in a process of its own (conformance.isolation)
    timeout: float | None = None  # --check-timeout; None: the default for the hypothesis profile
    offered: dict[str, str | None] = field(default_factory=dict)  # every device the target offers
    results: list[CheckResult] = field(default_factory=list)
    expected: dict[str, str] = field(default_factory=dict)  # node id -> spec id of every check to run

    @classmethod
    def start(cls, config: pytest.Config, name: str) -> ConformanceSession:
        try:
            target = resolve_target(name)
        except TargetError as error:
            raise pytest.UsageError(str(error)) from None
        from reference.pytorch import reference_adapter

        option = config.getoption("deviations")
        path = Path(option) if option else getattr(target, "deviations", None)
        if option and not path.is_file():  # type: ignore[union-attr]
            raise pytest.UsageError(
                f"--deviations={option}: no such file; give the path of a deviations file"
            )
        try:
            deviations = parse_deviations(path) if path is not None and path.is_file() else []
        except DeviationsError as error:
            raise pytest.UsageError(str(error)) from None
        strict = bool(config.getoption("strict_unsupported") or config.getoption("strict", False))
        from conformance.isolation import FORK, NONE, ProcessEnded, can_fork, probe

        debugging = config.getoption("usepdb", False) or config.getoption("trace", False)
        isolation = config.getoption("isolation") or (FORK if can_fork() and not debugging else NONE)
        if isolation == FORK and not can_fork():
            raise pytest.UsageError("--isolation=fork: this platform cannot fork; use --isolation=none")
        try:  # with fork isolation, asked in a child: this process must not start the engine
            offered = probe(target.devices) if isolation == FORK else target.devices()
        except ProcessEnded as error:
            raise pytest.UsageError(
                f"target {target.name!r}: asking which devices it offers, {error}"
            ) from None
        chosen = config.getoption("device") or list(offered)
        unknown = [device for device in chosen if device not in offered]
        if unknown:
            raise pytest.UsageError(
                f"--device={unknown[0]}: target {target.name!r} offers no such device; "
                f"choose from {', '.join(offered)}"
            )
        devices = {device: offered[device] for device in chosen}
        if all(reason is not None for reason in devices.values()):
            why = "; ".join(f"{device}: {reason}" for device, reason in devices.items())
            raise pytest.UsageError(
                f"no device the run asked for can be used ({why}); nothing would be measured, so the run "
                f"stops here. Run where {'that device is' if len(devices) == 1 else 'one is'} present, "
                f"or choose from {', '.join(d for d, r in offered.items() if r is None) or 'no usable device'}"
            )
        timeout = config.getoption("check_timeout")
        if timeout is not None and timeout < 0:
            raise pytest.UsageError(
                f"--check-timeout={timeout:g}: give a number of seconds, or 0 for no limit"
            )
        return cls(
            name, target, reference_adapter(), deviations, path, strict, devices, isolation, timeout, offered
        )

    def missing(self) -> list[str]:
        """Node ids of the checks collected for the run that never reported: it ended early."""
        done = {result.nodeid for result in self.results}
        return [nodeid for nodeid in self.expected if nodeid not in done]

    def time_limit(self) -> float | None:
        """Seconds a check may run: --check-timeout, else the default for the hypothesis profile."""
        if self.timeout is not None:
            return self.timeout or None
        from hypothesis import settings

        from conformance.isolation import default_timeout

        return default_timeout(settings().max_examples)

    def stale_deviations(self) -> list[Deviation]:
        known = {spec.id for spec in all_specs()}
        return [deviation for deviation in self.deviations if deviation.spec_id not in known]
