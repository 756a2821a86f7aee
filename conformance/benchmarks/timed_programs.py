"""Benchmarks: forward plus backward of each numeric spec program, on the target beside torch.

Collected only with ``--benchmark-only`` or ``--benchmark-enable`` (see :mod:`conformance.benchmarks.plugin`)::

    pytest --target=mine --benchmark-only --benchmark-json=mine.json

Each program and size is one pytest-benchmark group holding two entries, ``...-target`` and
``...-reference``, with the same inputs, dtype and route (backward where the target has it, else vjp).
``op[NAME-N]`` groups do the same for one form of each catalogue operator
(:mod:`conformance.benchmarks.operators`); an operator the target does not offer is skipped with the
reason. ``overhead[tutorial_mean-N]`` groups time the suite's own path against the same program written
directly in torch, so the harness can be shown not to distort what it measures. Not covered: the
behaviour specs (they observe, they do not compute at scale) and float64 (one dtype keeps runs short).
"""

from __future__ import annotations

import time
from typing import Any

import pytest

from conformance.adapter import Unsupported
from conformance.benchmarks.cases import (
    DIRECT,
    SUITE,
    WORKLOADS,
    Case,
    OverheadCase,
    cases,
    other_way,
    overhead_call,
    paired_ratio,
    timed_call,
)
from conformance.benchmarks.operators import offers, operator_workloads
from conformance.benchmarks.plugin import STATE, BenchmarkState


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    from conformance.session import SESSION

    config = metafunc.config
    if STATE not in config.stash or SESSION not in config.stash:
        off = pytest.mark.skip(reason="benchmarks are off: run pytest --target=NAME --benchmark-only")
        metafunc.parametrize("case", [pytest.param(None, id="off", marks=off)])
        return
    from reference.pytorch import reference_device

    session, state = config.stash[SESSION], config.stash[STATE]
    params = []
    if metafunc.function in (test_program, test_operator):
        devices = session.devices  # those --device chose (default: all), each None or why it is unusable
        paired = {device: reference_device(device) for device in devices}
        sizes, workloads = state.sizes, list(WORKLOADS)
        if metafunc.function is test_operator:
            sizes, workloads = state.operator_sizes, operator_workloads(state.operators)
        target, reference, spelling = session.target, session.reference, session.target_spelling
        for case in cases(target, reference, sizes, paired, spelling, workloads):
            reason = devices[case.target_device]
            marks = [] if reason is None else [pytest.mark.skip(reason=f"{case.target_device}: {reason}")]
            params.append(pytest.param(case, id=case.id, marks=marks))
    else:
        for device, reason in session.reference.devices().items():
            marks = [] if reason is None else [pytest.mark.skip(reason=f"{device}: {reason}")]
            for size in state.sizes:
                for way in (SUITE, DIRECT):
                    overhead = OverheadCase(way, size, device, session.reference)
                    params.append(pytest.param(overhead, id=overhead.id, marks=marks))
    metafunc.parametrize("case", params)


def test_program(benchmark: Any, case: Case, request: pytest.FixtureRequest) -> None:
    """One round: the program's forward, backward and read-back on one engine, by the specs' path."""
    state: BenchmarkState = request.config.stash[STATE]
    record = {key: case.extra_info[key] for key in ("role", "engine", "program", "size", "device")}
    if case.route is None:
        state.skip(record, f"target {case.target!r} has no backward, which {case.workload.family} needs")
    _measure(benchmark, case, state, record)


def test_operator(benchmark: Any, case: Case, request: pytest.FixtureRequest) -> None:
    """One round of one catalogue operator: forward, backward and read-back on one engine."""
    from conformance.session import SESSION

    state: BenchmarkState = request.config.stash[STATE]
    keys = ("role", "engine", "operator", "form", "size", "device")
    record = {key: case.extra_info[key] for key in keys}
    name = case.workload.operator
    if not offers(request.config.stash[SESSION].target, str(name)):
        state.skip({**record, "offered": False}, f"target {case.target!r} does not offer the operator {name}")
    if case.route is None:
        state.skip(
            record, f"target {case.target!r} has neither backward(gradient) nor vjp, which {name} needs"
        )
    _measure(benchmark, case, state, record)


def _measure(benchmark: Any, case: Case, state: BenchmarkState, record: dict[str, Any]) -> None:
    """Time ``case`` unless its sweep has ended, a first round shows it too slow, or the engine breaks."""
    __tracebackhide__ = True
    engine = f"{case.role} {case.adapter.name!r}"
    if case.sweep in state.lacking:
        state.skip(record, state.lacking[case.sweep])
    earlier = state.earlier_cutoff(case.sweep, case.size)
    if earlier is not None:
        size, seconds = earlier
        state.skip(
            record,
            f"too slow: not run at {case.size:,} elements because one round of {case.workload.name} on "
            f"{engine} "
            + ("failed" if seconds == float("inf") else f"took {seconds:.2f} s")
            + f" at {size:,} elements (budget {state.budget:g} s)",
        )
    predicted = state.predicted_cutoff(case.sweep, case.size)
    if predicted is not None:
        size, seconds = predicted
        state.skip(
            record,
            f"too slow: not run at {case.size:,} elements because one round of {case.workload.name} on "
            f"{engine} took {seconds:.2f} s at {size:,} elements, so about "
            f"{seconds * case.size / size:.0f} s here (budget {state.budget:g} s)",
        )
    run = timed_call(case)
    try:
        seconds = _round_after_warm_up(run, state.budget)
    except Unsupported as missing:
        state.lacking[case.sweep] = f"target {case.target!r} has no {missing.feature}"
        state.skip(record, state.lacking[case.sweep])
    except Exception as error:  # the engine breaks at this size (micrograd: RecursionError at 1,000)
        state.cut(case.sweep, case.size, float("inf"))
        state.skip(
            record,
            f"failed: one round of {case.workload.name} at {case.size:,} elements raised "
            f"{type(error).__name__} on {engine}; this size and larger ones are skipped",
        )
    if seconds > state.budget:
        state.cut(case.sweep, case.size, seconds)
        state.skip(
            record,
            f"too slow: one round of {case.workload.name} at {case.size:,} elements took {seconds:.2f} s "
            f"on {engine} (budget {state.budget:g} s); this size and larger ones are skipped",
        )
    state.measured(case.sweep, case.size, seconds)
    benchmark.group = case.group
    benchmark.extra_info.update(case.extra_info)
    benchmark(run)


def test_overhead(benchmark: Any, case: OverheadCase, request: pytest.FixtureRequest) -> None:
    """tutorial_mean on torch by the suite's path, and written directly in torch, side by side.

    The suite's entry also keeps the ratio of the two from rounds timed in pairs (``paired``): the
    overhead's verdict, since two benchmarks timed one after the other differ by more than the
    harness costs (see :func:`conformance.benchmarks.cases.paired_ratio`). The direct entry keeps the
    same measurement of direct torch against itself (``paired_control``): the method's own bias,
    which should be 1.00.
    """
    run = overhead_call(case)
    run()  # the first round allocates and warms caches; pytest-benchmark does not time it
    benchmark.group = case.group
    benchmark.extra_info.update(case.extra_info)
    benchmark(run)
    seconds = float(request.config.getoption("benchmark_max_time", 1.0))  # its default is a string
    if case.way == SUITE:
        benchmark.extra_info["paired"] = paired_ratio(run, overhead_call(other_way(case)), seconds=seconds)
    else:
        benchmark.extra_info["paired_control"] = paired_ratio(run, overhead_call(case), seconds=seconds)


def _round_after_warm_up(run: Any, budget: float) -> float:
    """Seconds one round takes: the faster of two, since the first may hold one-time costs (lazy
    imports, jax's compilation per shape) that pytest-benchmark's own rounds would not see."""
    timings = []
    for _ in range(2):
        start = time.perf_counter()
        run()
        timings.append(time.perf_counter() - start)
        if timings[-1] > 10 * budget:
            break  # far over: a second round would only cost more
    return min(timings)
