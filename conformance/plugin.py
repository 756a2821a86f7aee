"""The pytest plugin: ``pytest --target=NAME`` runs every spec on PyTorch and on NAME, and compares.

Options live in one group; the session's state is read once into :class:`ConformanceSession`, kept
in ``config.stash``; the hooks that act on specs live in :class:`ConformancePlugin`, registered only
when a target is named. Torch and the engines are imported only then, so ``pytest --help`` and
``--list-specs`` work without them.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

from conformance.adapter import Capability
from conformance.compare import Disagreement
from conformance.deviations import Deviation
from conformance.outcomes import UNSUPPORTED_PREFIX, CheckResult, Outcome
from conformance.resolve import target_choices
from conformance.session import SESSION, ConformanceSession
from conformance.spec import TUTORIAL_CELLS, Spec, all_specs, spec_id_of_nodeid, spec_of, specs_directory

settings.register_profile("dev", max_examples=10, deadline=None)
settings.register_profile(
    "ci",
    max_examples=20,
    derandomize=True,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
    report_multiple_bugs=False,  # shrink the first failure only: a broken engine's run stays short
)
settings.register_profile("thorough", max_examples=500, deadline=None)

pytest_plugins = ("conformance.benchmarks.plugin",)  # the benchmarks' options, off unless asked for

RESULT = pytest.StashKey[CheckResult]()
LISTED = pytest.StashKey[Deviation]()  # the known-deviations entry an item matched


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("autograd-conformance", "autograd conformance (specs against PyTorch)")
    group.addoption(
        "--target",
        metavar="NAME",
        default=None,
        help="engine to test: a built-in or installed target (see --list-targets), module:AdapterClass, "
        "or a module with a torch-like API. Default: none; the specs run only when a target is named.",
    )
    group.addoption(
        "--deviations",
        metavar="PATH",
        default=None,
        help="known-deviations file (one spec id a line, '# reason'). Default: the target's own file.",
    )
    group.addoption(
        "--strict-unsupported",
        action="store_true",
        default=False,
        help="count unsupported specs as failures; pytest's --strict does too. Default: off.",
    )
    group.addoption(
        "--device",
        metavar="NAME",
        action="append",
        default=None,
        help="run the specs on this device only; repeat for several. Default: every device the target offers.",
    )
    group.addoption("--list-targets", action="store_true", default=False, help="list the targets and exit.")
    group.addoption(
        "--list-specs",
        action="store_true",
        default=False,
        help="list every spec (id, family, tutorial cell, needs) and exit.",
    )
    group.addoption(
        "--isolation",
        choices=("fork", "none"),
        default=None,
        help="fork: run each check in a forked process of its own, so that a target that crashes or exits "
        "the process fails that check and the run goes on; none: in the pytest process. Default: fork "
        "where the platform can fork, none under --pdb or --trace.",
    )
    group.addoption(
        "--check-timeout",
        metavar="SECONDS",
        type=float,
        default=None,
        help="fail a check that runs longer than this ('timed out after N s') and go on; 0 turns the limit "
        "off. Default: 15 s per example of the hypothesis profile, at least 60 (300 in ci).",
    )
    group.addoption(
        "--conformance-report",
        metavar="PATH",
        default=None,
        help="write a JSON report of the run to PATH (schema: docs/report-schema.md); render it with "
        "python -m conformance.reports.render. Default: none.",
    )


def pytest_cmdline_main(config: pytest.Config) -> int | None:
    if config.getoption("list_targets"):
        _print_targets()
        return 0
    if config.getoption("list_specs"):
        _print_specs()
        return 0
    return None


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "conformance_needs(*capabilities): capabilities a spec needs from the target"
    )
    name = config.getoption("target")
    if name is None:
        return
    session = ConformanceSession.start(config, name)
    config.stash[SESSION] = session
    if config.args_source != pytest.Config.ArgsSource.ARGS:
        from conformance.benchmarks.plugin import collection_args

        config.args = collection_args(config, specs_directory())
    if not config.getoption("hypothesis_profile", None):
        settings.load_profile("dev")
    from conformance.guard import Interrupt

    Interrupt.install()  # a KeyboardInterrupt without Ctrl-C comes from the target: it fails one check
    config.pluginmanager.register(ConformancePlugin(session), "autograd-conformance-session")
    from conformance.reports.json_report import ReportPlugin
    from conformance.reports.junit import JunitSpecNames

    config.pluginmanager.register(JunitSpecNames(config), "autograd-conformance-junit")
    report_path = config.getoption("conformance_report")
    if report_path and not hasattr(config, "workerinput"):  # a pytest-xdist worker: its controller writes
        config.pluginmanager.register(ReportPlugin(session, report_path), "autograd-conformance-report")


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    # `pytest --benchmark-only` or a bare `pytest` where nothing else is collected: say what was missing
    if config.getoption("target") is None and exitstatus == pytest.ExitCode.NO_TESTS_COLLECTED:
        terminalreporter.write_line(
            "autograd-conformance: no --target given, so no spec or benchmark was collected; run "
            "pytest --target=NAME (pytest --list-targets shows the choices)"
        )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "conform" in metafunc.fixturenames and SESSION not in metafunc.config.stash:
        skip = pytest.mark.skip(reason="no target: run the specs with --target=NAME")
        metafunc.parametrize("conform", [pytest.param(None, id="no-target", marks=skip)])


class ConformancePlugin:
    def __init__(self, session: ConformanceSession) -> None:
        self.session = session
        self._results: dict[str, CheckResult] = {}  # checks under way, by node id
        self._spec_index: dict[str, Spec] = {}
        self._worker: Any = None  # the forked child running checks, with --isolation=fork

    def pytest_report_header(self, config: pytest.Config) -> list[str]:
        target, reference = self.session.target, self.session.reference
        devices = ", ".join(
            device if reason is None else f"{device} (skipped: {reason})"
            for device, reason in self.session.devices.items()
        )
        has = [c.value for c in Capability if c in target.capabilities]
        lacks = [c.value for c in Capability if c not in target.capabilities]
        lines = [
            f"conformance target: {target.name} {target.version()} ({self.session.target_spelling})",
            f"reference: torch {reference.version()}",
            f"devices: {devices}; dtypes: {', '.join(target.dtypes)}",
            f"capabilities: {', '.join(has) or 'none'}",
            f"lacks: {', '.join(lacks) or 'nothing'}",
        ]
        limit = self.session.time_limit()
        lines.append(
            f"isolation: {self.session.isolation}"
            + (" (each check in a forked worker process)" if self.session.isolation == "fork" else "")
            + f"; time limit: {'none' if limit is None else f'{limit:g} s a check'}"
        )
        if self.session.deviations_path is not None:
            lines.append(
                f"known deviations: {self.session.deviations_path} ({len(self.session.deviations)} entries)"
            )
        return lines

    def pytest_collect_file(self, file_path: Path, parent: pytest.Collector) -> pytest.Module | None:
        if (
            file_path.suffix == ".py"
            and file_path.name != "__init__.py"
            and file_path.parent == Path(specs_directory())
        ):
            if parent.session.isinitpath(file_path):
                return None  # named on the command line: pytest's python plugin collects it already
            return pytest.Module.from_parent(parent, path=file_path)  # type: ignore[no-any-return]
        return None

    def pytest_generate_tests(self, metafunc: pytest.Metafunc) -> None:
        if "conform" not in metafunc.fixturenames:
            return
        from conformance.runner import Conformance
        from reference.pytorch import reference_device

        session, found = self.session, spec_of(metafunc.function)
        params = []
        for device, reason in session.devices.items():
            conform = Conformance(
                session.target,
                session.reference,
                device=device,
                reference_device=reference_device(device),
                spec=found,
                target_spelling=session.target_spelling,
                deviating=session.deviations,
            )
            marks = [] if reason is None else [pytest.mark.skip(reason=f"{device}: {reason}")]
            params.append(pytest.param(conform, id=device, marks=marks))
        metafunc.parametrize("conform", params)

    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        for item in items:
            found = spec_of(getattr(item, "function", None))
            if found is None:
                continue
            parameters = item.callspec.id if hasattr(item, "callspec") else ""
            item.stash[RESULT] = CheckResult(item.nodeid, found, parameters, Outcome.PASSED)
            item.user_properties.append(("spec_id", found.id))
            for deviation in self.session.deviations:
                if deviation.matches(found.id, parameters):
                    item.stash[LISTED] = deviation  # judged in pytest_runtest_makereport
                    break

    def _unsupported(self, item: pytest.Item) -> str | None:
        target = self.session.target
        needs = {c for mark in item.iter_markers("conformance_needs") for c in mark.args}
        missing = sorted(c.value for c in needs if c not in target.capabilities)
        if missing:
            return f"target {target.name!r} has no {', '.join(missing)}"
        dtype = getattr(item, "callspec", None) and item.callspec.params.get("dtype")  # type: ignore[attr-defined]
        if dtype and dtype not in target.dtypes:
            return f"target {target.name!r} does not compute in {dtype}"
        return None

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_protocol(self, item: pytest.Item, nextitem: pytest.Item | None) -> bool | None:
        """With --isolation=fork, a spec check runs in a forked child (conformance.isolation); one that
        is skipped or unsupported before it starts runs here, since it runs nothing of the target."""
        if self.session.isolation != "fork" or not self._isolated(item):
            return None
        from conformance.isolation import ForkedWorker

        if self._worker is None:
            self._worker = ForkedWorker(item.session.items, self._isolated)
        item.ihook.pytest_runtest_logstart(nodeid=item.nodeid, location=item.location)
        for report in self._worker.run(item, self.session.time_limit()):
            item.ihook.pytest_runtest_logreport(report=report)
        item.session._setupstate.teardown_exact(nextitem)
        item.ihook.pytest_runtest_logfinish(nodeid=item.nodeid, location=item.location)
        return True

    @pytest.hookimpl(trylast=True)
    def pytest_collection_finish(self, session: pytest.Session) -> None:
        if session.config.option.collectonly:
            return  # nothing is meant to run: no check is missing
        for item in session.items:
            if RESULT in item.stash:
                self.session.expected[item.nodeid] = item.stash[RESULT].spec.id

    @pytest.hookimpl(optionalhook=True)
    def pytest_xdist_node_collection_finished(self, node: Any, ids: list[str]) -> None:
        """Under pytest-xdist the controller collects nothing itself: each worker says what it did."""
        for nodeid in ids:
            found = self._spec_of_nodeid(nodeid)
            if found is not None:
                self.session.expected.setdefault(nodeid, found.id)

    def _spec_of_nodeid(self, nodeid: str) -> Spec | None:
        """``.../specs/accumulation.py::test_zero_resets[cpu]`` -> the spec ``accumulation.zero_resets``."""
        return self._specs().get(spec_id_of_nodeid(nodeid))

    def _isolated(self, item: pytest.Item) -> bool:
        """A spec check that runs target code: not one skipped or unsupported before it starts."""
        return (
            RESULT in item.stash
            and self._unsupported(item) is None
            and item.get_closest_marker("skip") is None
        )

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        if self._worker is not None:
            self._worker.stop()
        if self.session.missing() and session.exitstatus == pytest.ExitCode.OK:
            session.exitstatus = pytest.ExitCode.INTERRUPTED  # checks that never reported: not a pass

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_call(self, item: pytest.Item) -> Any:
        if RESULT not in item.stash:
            return (yield)
        from conformance.isolation import time_limit

        with time_limit(self.session.time_limit()):
            return (yield)

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_setup(self, item: pytest.Item) -> None:
        if RESULT not in item.stash:
            return
        from conformance.guard import OutputBudget

        OutputBudget.reset()
        reason = self._unsupported(item)
        if reason is None:
            return
        if self.session.strict_unsupported:
            pytest.fail(
                f"{UNSUPPORTED_PREFIX}{reason} (strict: unsupported counts as failure)", pytrace=False
            )
        pytest.skip(f"{UNSUPPORTED_PREFIX}{reason}")

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
        from conformance.adapter import Unsupported

        report = yield
        if RESULT not in item.stash:
            return report
        result = item.stash[RESULT]
        error = call.excinfo.value if call.excinfo is not None else None
        if isinstance(error, Unsupported):
            reason = f"{UNSUPPORTED_PREFIX}target {self.session.target.name!r} has no {error.feature}"
            if self.session.strict_unsupported:
                report.outcome = "failed"
                report.longrepr = f"{reason} (strict: unsupported counts as failure)"
            else:
                report.outcome = "skipped"
                report.longrepr = (str(item.path), 0, reason)
        from conformance.guard import OUTPUT_LIMIT, OutputBudget
        from conformance.isolation import CheckTimedOut, ProcessEnded

        if call.when == "call" and OutputBudget.dropped:
            report.sections.append(
                (
                    "target output",
                    f"the target printed {OutputBudget.kept + OutputBudget.dropped} characters; the first "
                    f"{OUTPUT_LIMIT} are kept above, {OutputBudget.dropped} were dropped",
                )
            )
        error = _flaky_cause(error, result)
        if isinstance(error, CheckTimedOut | ProcessEnded):
            result.message = _ended_message(error, call)
            report.longrepr = result.message
        elif isinstance(error, Disagreement):
            result.message, result.details = error.headline, error.details
            _, _, result.repro = error.details.partition("  reproduce:\n")
        elif error is not None and not result.message and report.failed:
            result.message = f"{type(error).__name__}: {error}".splitlines()[0]
        listed = item.stash.get(LISTED, None)
        if listed is not None and call.when == "call":
            _judge_listed(report, result, listed)
        report.conformance = {  # type: ignore[attr-defined]  # read back in pytest_runtest_logreport
            "spec": result.spec.id,
            "parameters": result.parameters,
            "message": result.message,
            "details": result.details,
            "repro": result.repro,
        }
        return report

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        # Built from what the report carries, not from the item, so that it works where the items
        # live in other processes (pytest-xdist sends reports, with their attributes, to this one).
        data = getattr(report, "conformance", None)
        orphan = data is None
        if data is None:
            data = self._orphan(report)
            if data is None:
                return
        result = self._results.get(report.nodeid)
        if result is None:
            spec = self._specs()[data["spec"]]
            result = self._results[report.nodeid] = CheckResult(
                report.nodeid, spec, data["parameters"], Outcome.PASSED
            )
        result.duration += report.duration
        result.message = data["message"] or result.message
        result.details, result.repro = data["details"] or result.details, data["repro"] or result.repro
        outcome = Outcome.FAILED if orphan else _outcome_of(report)
        if outcome is not None and (report.when == "call" or report.outcome != "passed"):
            result.outcome = outcome
            if outcome in (Outcome.UNSUPPORTED, Outcome.SKIPPED) and isinstance(report.longrepr, tuple):
                result.message = report.longrepr[2].removeprefix("Skipped: ")
            elif outcome is Outcome.DEVIATION:
                result.message = result.message or getattr(report, "wasxfail", "")
        if report.when == "teardown" or orphan:
            self.session.results.append(self._results.pop(report.nodeid))

    def _orphan(self, report: pytest.TestReport) -> dict[str, str] | None:
        """A check's report made outside the hooks (pytest-xdist's for a worker that died running it):
        a failed check, with what the report says, and a teardown so that it is counted."""
        found = self._spec_of_nodeid(report.nodeid)
        if found is None or not report.failed:
            return None
        text = [line for line in report.longreprtext.strip().splitlines() if line.strip()]
        message = f"the process running this check died: {text[-1].strip() if text else 'no report'}"
        parameters = report.nodeid.partition("[")[2].removesuffix("]")
        return {"spec": found.id, "parameters": parameters, "message": message, "details": "", "repro": ""}

    def _specs(self) -> dict[str, Spec]:
        if not self._spec_index:
            self._spec_index = {found.id: found for found in all_specs()}
        return self._spec_index

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        from conformance.reports.summary import write_summary

        write_summary(terminalreporter, self.session)


def _judge_listed(report: pytest.TestReport, result: CheckResult, listed: Deviation) -> None:
    """A check the deviations file lists: failing as the entry says is the known deviation; failing
    otherwise is a failure; passing fails too (the entry is out of date) unless it is input-dependent."""
    if report.failed and listed.explains(result.message):
        report.outcome = "skipped"
        report.wasxfail = f"known deviation ({listed.where}): {listed.reason}"  # type: ignore[attr-defined]
    elif report.failed:
        result.message = (
            f'fails otherwise than its known deviation says ({listed.where} expects "{listed.pattern}"): '
            f"{result.message}"
        )
        report.longrepr = f"{result.message}\n\n{report.longreprtext}"
    elif report.passed and listed.strict:
        report.outcome = "failed"
        result.message = f"{result.spec.id} now passes, but {listed.where} lists it as a known deviation: remove that entry"
        report.longrepr = result.message


def _flaky_cause(error: BaseException | None, result: CheckResult) -> BaseException | None:
    """A nondeterministic target: hypothesis saw an example fail, then pass when run again. The
    verdict is the failure it saw, said to be nondeterministic. Several distinct failures: the first
    one's verdict, with how many more there were."""
    from hypothesis.errors import FlakyFailure

    grouped = isinstance(getattr(error, "exceptions", None), tuple) and error.exceptions  # type: ignore[union-attr]
    if grouped and not isinstance(error, FlakyFailure):
        first = error.exceptions[0]  # type: ignore[union-attr]
        more = len(error.exceptions) - 1  # type: ignore[union-attr]
        if isinstance(first, Disagreement):
            suffix = f" (and {more} more distinct failure{'s' if more > 1 else ''}: see the details)"
            result.message, result.details = first.headline + suffix, first.details
            _, _, result.repro = first.details.partition("  reproduce:\n")
        return first
    if not isinstance(error, FlakyFailure):
        return error
    inner = next((e for e in error.exceptions if isinstance(e, Disagreement)), None)
    seen = (
        inner.headline
        if inner is not None
        else f"{type(error.exceptions[0]).__name__}: {error.exceptions[0]}"
    )
    result.message = (
        f"nondeterministic target: the same example failed, then passed when run again. "
        f"The first run: {seen.splitlines()[0]}; the second run: it conformed"
    )
    if inner is not None:
        result.details = inner.details
        _, _, result.repro = inner.details.partition("  reproduce:\n")
    return None


def _ended_message(error: BaseException, call: pytest.CallInfo[None]) -> str:
    """A timeout or a dead process, with where the check was when it happened (the innermost frame)."""
    from conformance.isolation import CheckTimedOut

    if not isinstance(error, CheckTimedOut):
        return str(error)
    where = ""
    if call.excinfo is not None and call.excinfo.traceback:
        frame = call.excinfo.traceback[-2] if len(call.excinfo.traceback) > 1 else call.excinfo.traceback[-1]
        where = f", in {frame.name} ({Path(str(frame.path)).name}:{frame.lineno + 1})"
    return (
        f"timed out after {error.seconds:g} s{where}: the check did not finish (--check-timeout; 0: no limit)"
    )


def _outcome_of(report: pytest.TestReport) -> Outcome | None:
    if hasattr(report, "wasxfail"):  # skipped: it deviated; passed: an input-dependent entry held
        if report.skipped:
            return Outcome.DEVIATION
        return Outcome.PASSED if report.passed else Outcome.FAILED
    if report.failed:
        return Outcome.FAILED
    if report.skipped:
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        return Outcome.UNSUPPORTED if UNSUPPORTED_PREFIX in reason else Outcome.SKIPPED
    return Outcome.PASSED if report.when == "call" else None


def _print_targets() -> None:
    from targets import ENGINES

    print(f"{'target':<14} {'engine installed':<17} {'from':<28} adapter")
    for choice in target_choices():
        engine = ENGINES.get(choice.name)
        installed = "?" if engine is None else ("yes" if importlib.util.find_spec(engine) else "no")
        print(f"{choice.name:<14} {installed:<17} {choice.origin:<28} {choice.source}")
    print("\nAlso: --target=module:AdapterClass, or --target=MODULE for a module with a torch-like API.")


def _print_specs() -> None:
    specs = all_specs()
    id_width = max(len(found.id) for found in specs)
    origin_width = max(len(found.origin) for found in specs)
    operator_width = max(len("operator"), *(len(found.operator or "-") for found in specs))
    print(f"{'spec id':<{id_width}}  {'origin':<{origin_width}}  {'operator':<{operator_width}}  needs")
    for found in specs:
        needs = ", ".join(sorted(c.value for c in found.needs)) or "-"
        operator = found.operator or "-"
        print(
            f"{found.id:<{id_width}}  {found.origin:<{origin_width}}  {operator:<{operator_width}}  {needs}"
        )
    covered = {cell for found in specs for cell in found.cells}
    missing = [f"In [{cell}]" for cell in TUTORIAL_CELLS if cell not in covered]
    families = len({found.family for found in specs})
    operators = len({found.operator for found in specs if found.operator})
    print(
        f"\n{len(specs)} specs in {families} families, {operators} catalogue operators; tutorial cells covered: "
        f"{len(covered & set(TUTORIAL_CELLS))} of {len(TUTORIAL_CELLS)}"
        + (f" (missing: {', '.join(missing)})" if missing else " (In [1] .. In [19], all)")
    )
