"""The JSON report a person and a CI can act on.

``pytest --target=NAME --conformance-report=report.json`` writes one JSON document whose schema is
``docs/report-schema.md`` (and ``docs/report.schema.json``): where the run happened, with what, and per
spec and per check (one pytest item) the outcome, the verdict, the values side by side and the repro
snippet. ``python -m conformance.reports.render report.json --html report.html`` turns reports into
pages.
"""

from __future__ import annotations

import json
import os
import platform
import time
import sys
from collections import Counter
from datetime import datetime, timezone
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from conformance.adapter import Capability
from conformance.outcomes import CheckResult, Outcome, SpecResult, by_spec, counts, score
from conformance.spec import all_specs

if TYPE_CHECKING:
    from conformance.session import ConformanceSession

SCHEMA = "autograd-conformance-report"
SCHEMA_VERSION = 1
"""Bumped when a field changes meaning or goes away; adding a field keeps the version."""

SUITE_DISTRIBUTION = "autograd-conformance"
OUTCOMES = tuple(outcome.value for outcome in Outcome)
_REPRODUCE = "  reproduce:\n"
_LONGREPR_LIMIT = 4000
_PROGRESS_EVERY = 10.0  # seconds between the reports written while the run goes on


class ReportError(Exception):
    """A file that is not a conformance report this suite can read, with the reason."""


def suite_version() -> str:
    try:
        return version(SUITE_DISTRIBUTION)
    except PackageNotFoundError:
        return "unknown"


def build_report(
    session: ConformanceSession,
    *,
    started: datetime,
    finished: datetime,
    exit_status: int,
    parameters: dict[str, dict[str, Any]] | None = None,
    tracebacks: dict[str, str] | None = None,
    hypothesis_seed: str | None = None,
    running: bool = False,
) -> dict[str, Any]:
    """The report of a finished run as plain JSON data (schema: ``docs/report-schema.md``).

    ``parameters`` maps a check's node id to its named parameters; ``tracebacks`` maps the node id of
    a check that failed without a disagreement (an exception in the spec, a listed deviation that now
    passes) to pytest's text for it. ``hypothesis_seed`` is ``--hypothesis-seed``, when given.
    ``running``: written while the run goes on, so that a run killed before its end leaves a report that
    says it is incomplete, with what it had measured.
    """
    target, reference = session.target, session.reference
    missing = session.missing()
    specs = by_spec(session.results)
    tally = counts(specs)
    rate = score(tally)
    families: dict[str, Counter[Outcome]] = {}
    for result in specs:
        families.setdefault(result.spec.family, Counter())[result.outcome] += 1
    devices = dict(session.offered) or _devices(target)
    return {
        "schema": SCHEMA,
        "schema_version": SCHEMA_VERSION,
        "suite": {"name": SUITE_DISTRIBUTION, "version": suite_version()},
        "target": {
            "name": target.name,
            "spelling": session.target_spelling,
            "version": target.version(),
            "capabilities": [c.value for c in Capability if c in target.capabilities],
            "lacks": [c.value for c in Capability if c not in target.capabilities],
            "dtypes": list(target.dtypes),
            "deviations_file": None if session.deviations_path is None else _shown(session.deviations_path),
            "known_deviations": len(session.deviations),
            "stale_deviations": [
                {"spec_id": stale.spec_id, "where": stale.where} for stale in session.stale_deviations()
            ],
        },
        "reference": {"name": "torch", "version": reference.version()},
        "environment": _environment(devices),
        "hypothesis": _hypothesis(hypothesis_seed),
        "started": started.isoformat(timespec="seconds"),
        "finished": finished.isoformat(timespec="seconds"),
        "duration": round((finished - started).total_seconds(), 3),
        "exit_status": exit_status,
        "complete": not missing and not running,
        "running": running,
        "missing": [{"nodeid": nodeid, "spec_id": session.expected[nodeid]} for nodeid in missing],
        "summary": {
            "specs": {outcome: tally[Outcome(outcome)] for outcome in OUTCOMES},
            "checks": {
                outcome: sum(1 for check in session.results if check.outcome.value == outcome)
                for outcome in OUTCOMES
            },
            "supported": tally[Outcome.PASSED] + tally[Outcome.FAILED] + tally[Outcome.DEVIATION],
            "score": None if rate is None else round(rate, 6),
            "total": len(all_specs()),  # every spec of the suite: what the score's share is of
            "families": [
                {"family": family, "specs": sum(tally_.values()), **{o: tally_[Outcome(o)] for o in OUTCOMES}}
                for family, tally_ in families.items()
            ],
        },
        "specs": [_spec_entry(result, parameters or {}, tracebacks or {}) for result in specs],
    }


def _spec_entry(
    result: SpecResult, parameters: dict[str, dict[str, Any]], tracebacks: dict[str, str]
) -> dict[str, Any]:
    spec, outcome = result.spec, result.outcome
    verdict = next((check.message for check in result.checks if check.outcome is outcome), "")
    return {
        "id": spec.id,
        "family": spec.family,
        "cell": spec.cell,
        "origin": spec.origin,
        "doc": spec.doc,
        "needs": sorted(c.value for c in spec.needs),
        "operator": spec.operator,
        "outcome": outcome.value,
        "duration": round(sum(check.duration for check in result.checks), 6),
        "message": verdict,
        "checks": [_check_entry(check, parameters, tracebacks) for check in result.checks],
    }


def _check_entry(
    check: CheckResult, parameters: dict[str, dict[str, Any]], tracebacks: dict[str, str]
) -> dict[str, Any]:
    details, _, _ = check.details.partition(_REPRODUCE)
    if not details and check.outcome is Outcome.FAILED:
        details = tracebacks.get(check.nodeid, "")
    return {
        "id": check.nodeid,
        "spec": check.spec.id,
        "family": check.spec.family,
        "cell": check.spec.cell,
        "parameters": check.parameters,
        "params": parameters.get(check.nodeid, {}),
        "outcome": check.outcome.value,
        "duration": round(check.duration, 6),
        "message": check.message,
        "details": _dedent(details, "  "),
        "repro": _dedent(check.repro),
    }


def _dedent(text: str, indent: str = "    ") -> str:
    lines = text.rstrip().splitlines()
    return "\n".join(line.removeprefix(indent) for line in lines)


def _devices(target: Any) -> dict[str, str | None]:
    try:
        return dict(target.devices())
    except Exception as error:  # the run already reported it; the report still gets written
        return {"unknown": f"devices() raised {type(error).__name__}: {error}"}


def _environment(devices: dict[str, str | None]) -> dict[str, Any]:
    usable = [device for device, reason in devices.items() if reason is None]
    return {
        "platform": platform.platform(),
        "machine": platform.machine(),
        "cpu": _cpu_name(),
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "python_implementation": platform.python_implementation(),
        "devices": [
            {"name": device, "usable": reason is None, "reason": reason} for device, reason in devices.items()
        ],
        "cuda_device": _cuda_device_name() if any(d.startswith("cuda") for d in usable) else None,
    }


def _cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                return line.partition(":")[2].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown"


def _cuda_device_name() -> str | None:
    # The reference is torch and already loaded on a CUDA run; the name is the GPU both ran on.
    torch = sys.modules.get("torch")
    try:
        return None if torch is None else str(torch.cuda.get_device_name(0))
    except Exception:
        return None


def _hypothesis(seed: str | None) -> dict[str, Any]:
    from hypothesis import settings

    current = settings()
    name = getattr(settings, "get_current_profile_name", lambda: settings._current_profile)()
    return {
        "profile": name,
        "seed": seed,
        "max_examples": current.max_examples,
        "derandomize": current.derandomize,
    }


def load_report(path: str | Path) -> dict[str, Any]:
    """Read a report written by ``--conformance-report``; raise :class:`ReportError` if it is not one."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as error:
        raise ReportError(f"cannot read report {path}: {error.strerror}") from None
    except json.JSONDecodeError as error:
        raise ReportError(f"{path} is not JSON: {error}") from None
    if not isinstance(data, dict) or data.get("schema") != SCHEMA:
        raise ReportError(f'{path} is not an autograd conformance report (no "schema": {SCHEMA!r})')
    if data.get("schema_version") != SCHEMA_VERSION:
        raise ReportError(
            f"{path} has schema_version {data.get('schema_version')!r}; this suite reads version "
            f"{SCHEMA_VERSION}: render it with the suite version that wrote it ({data.get('suite')})"
        )
    return data


class ReportPlugin:
    """Writes the JSON report at the end of the session; registered only with ``--conformance-report``."""

    def __init__(self, session: ConformanceSession, path: str | Path) -> None:
        self.session = session
        self.path = Path(path)
        self.started = datetime.now(timezone.utc)
        self.written: Path | None = None
        self._parameters: dict[str, dict[str, Any]] = {}
        self._tracebacks: dict[str, str] = {}
        self._seed: str | None = None
        self._last_write = 0.0

    def pytest_sessionstart(self, session: pytest.Session) -> None:
        self.started = datetime.now(timezone.utc)
        self.path = session.config.invocation_params.dir / self.path
        seed = session.config.getoption("hypothesis_seed", None)
        self._seed = None if seed is None else str(seed)

    @pytest.hookimpl(trylast=True)
    def pytest_collection_finish(self, session: pytest.Session) -> None:
        for item in session.items:
            callspec = getattr(item, "callspec", None)
            if callspec is not None:
                self._parameters[item.nodeid] = _named_parameters(callspec.params)
        self._write(exit_status=int(pytest.ExitCode.INTERRUPTED), running=True)

    @pytest.hookimpl(trylast=True)
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.failed and report.nodeid not in self._tracebacks:
            self._tracebacks[report.nodeid] = report.longreprtext[-_LONGREPR_LIMIT:]
        if time.monotonic() - self._last_write > _PROGRESS_EVERY:
            self._write(exit_status=int(pytest.ExitCode.INTERRUPTED), running=True)

    @pytest.hookimpl(trylast=True)  # after the conformance plugin has judged the run (an incomplete one)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        self._write(exit_status=int(session.exitstatus), running=False)
        self.written = self.path

    def _write(self, *, exit_status: int, running: bool) -> None:
        """The report as it stands; replaced atomically, so a reader never sees half of one."""
        report = build_report(
            self.session,
            started=self.started,
            finished=datetime.now(timezone.utc),
            exit_status=exit_status,
            parameters=self._parameters,
            tracebacks=self._tracebacks,
            hypothesis_seed=self._seed,
            running=running,
        )
        self.path.parent.mkdir(parents=True, exist_ok=True)
        partial = self.path.with_name(self.path.name + ".partial")
        partial.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
        os.replace(partial, self.path)
        self._last_write = time.monotonic()

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if self.written is not None:
            terminalreporter.write_line(f"conformance report: {self.written}")


def _named_parameters(params: dict[str, Any]) -> dict[str, Any]:
    named: dict[str, Any] = {}
    for name, value in params.items():
        if name == "conform":  # the Conformance object: what it varies is the device
            named["device"] = getattr(value, "device", str(value))
        elif value is None or isinstance(value, bool | int | float | str):
            named[name] = value
        else:
            named[name] = str(value)
    return named


def _shown(path: Path) -> str:
    """``path`` relative to the working directory where it lies under it: reports get committed, and
    another machine's absolute paths say nothing to their readers."""
    try:
        return str(Path(path).resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)
