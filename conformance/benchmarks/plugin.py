"""Benchmarks as a view over the spec programs: their options, when they run, what the JSON keeps.

``pytest --target=NAME --benchmark-only`` times forward plus backward of the numeric spec programs
(:mod:`conformance.programs`) on the target and on torch, side by side in one pytest-benchmark group
per program and size; ``--benchmark-enable`` runs them after the specs instead of in place of them.
Beside them, each catalogue operator (:mod:`conformance.catalogue`) is timed in one representative form,
in one group per operator and size, ``op[exp-10000]`` (:mod:`conformance.benchmarks.operators`):
``--benchmark-operators`` chooses which, ``--benchmark-operator-sizes`` at which sizes.
Without one of those two flags the benchmark module is not even collected, so a plain spec run costs
nothing more. The benchmarks themselves are in :mod:`conformance.benchmarks.timed_programs`, the workloads in
:mod:`conformance.benchmarks.cases`; ``python -m conformance.benchmarks.report BENCH.json --out DIR`` turns the
``--benchmark-json`` files into tables and plots.

A size whose first round takes longer than the budget ends the sweep for that engine and program:
it and every larger size are skipped with a reason naming the size and the time, and the JSON lists
them under ``autograd_conformance.not_measured`` so the report shows what was left out. An operator
the target does not offer is skipped, and listed there, the same way.

``--benchmark-allocator=steady`` (the default) tells glibc's malloc to keep the memory a round frees
instead of handing it back to the system: otherwise a round at 1,000,000 elements sometimes page-faults
its megabytes in again and sometimes not, and the same program swings 0.9x-1.4x between runs.
"""

from __future__ import annotations

import argparse
import ctypes
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

import pytest

DEFAULT_SIZES = (3, 100, 1_000, 10_000, 100_000, 1_000_000)
"""From the tutorial's three elements up in steps of ten, so a size over budget costs at most ~10x it."""
DEFAULT_OPERATOR_SIZES = (100, 10_000, 1_000_000)
"""Three decades: where fixed cost rules, where it meets the work, and where the work does."""
DEFAULT_BUDGET = 2.0
ALLOCATORS = ("steady", "system")
BENCHMARKS_MODULE = Path(__file__).with_name("timed_programs.py")
STATE = pytest.StashKey["BenchmarkState"]()


def parse_sizes(text: str) -> tuple[int, ...]:
    """``"3,100,10_000"`` -> ``(3, 100, 10000)``: positive element counts, any order, no repeats."""
    try:
        sizes = tuple(sorted({int(part) for part in text.split(",") if part.strip()}))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a comma-separated list of element counts, such as 3,100,10000"
        ) from None
    if not sizes or sizes[0] < 1:
        raise argparse.ArgumentTypeError(f"{text!r} must name at least one size, each 1 or more")
    return sizes


def parse_operators(text: str) -> tuple[str, ...] | None:
    """``"exp,sum"`` -> ``("exp", "sum")``; ``"all"`` -> None (every catalogue operator); ``"none"`` -> ``()``."""
    if text.strip() == "all":
        return None
    if text.strip() == "none":
        return ()
    names = tuple(dict.fromkeys(part.strip() for part in text.split(",") if part.strip()))
    if not names:
        raise argparse.ArgumentTypeError(
            f"{text!r} names no operator; give all, none, or catalogue names such as exp,sum,matmul"
        )
    from conformance.catalogue import OPERATORS  # here, not above: the catalogue imports hypothesis

    unknown = [name for name in names if name not in OPERATORS]
    if unknown:
        which = "is not a catalogue operator" if len(unknown) == 1 else "are not catalogue operators"
        raise argparse.ArgumentTypeError(
            f"{', '.join(map(repr, unknown))} {which}; give all, none, or names from: {', '.join(OPERATORS)}"
        )
    return names


def parse_budget(text: str) -> float:
    """``"2"`` -> ``2.0``: seconds one round may take before larger sizes are skipped."""
    try:
        seconds = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds, such as 2 or 0.5") from None
    if not seconds > 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be more than 0 seconds")
    return seconds


@pytest.hookimpl(trylast=True)  # after conformance.plugin has made the group, with its description
def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("autograd-conformance")
    group.addoption(
        "--benchmark-sizes",
        metavar="SIZES",
        type=parse_sizes,
        default=DEFAULT_SIZES,
        help="element counts the benchmarks sweep, comma-separated (with --benchmark-only). "
        f"Default: {','.join(map(str, DEFAULT_SIZES))}.",
    )
    group.addoption(
        "--benchmark-operators",
        metavar="NAMES",
        type=parse_operators,
        default="all",
        help="catalogue operators to time in one form each, beside torch: comma-separated torch names "
        "(exp,sum,matmul), all or none. Default: all.",
    )
    group.addoption(
        "--benchmark-operator-sizes",
        metavar="SIZES",
        type=parse_sizes,
        default=DEFAULT_OPERATOR_SIZES,
        help="element counts of each input of the operator benchmarks, comma-separated (matmul: k x k "
        f"with k*k about the count). Default: {','.join(map(str, DEFAULT_OPERATOR_SIZES))}.",
    )
    group.addoption(
        "--benchmark-budget",
        metavar="SECONDS",
        type=parse_budget,
        default=DEFAULT_BUDGET,
        help="a size whose first round takes longer ends that engine's sweep of that program; it and "
        f"the larger sizes are skipped with the time. Default: {DEFAULT_BUDGET:g}.",
    )
    group.addoption(
        "--benchmark-allocator",
        metavar="MODE",
        choices=ALLOCATORS,
        default="steady",
        help="steady: glibc's malloc keeps freed memory, so large sizes time the engine, not page "
        "faults; system: leave malloc as it is. Default: steady.",
    )


def keep_allocator_steady() -> str:
    """Make glibc's malloc keep what it frees; return what was done, as the report states it.

    Two settings: never trim the heap (freed memory stays mapped) and a fixed mmap threshold at its
    maximum, 32 MiB (glibc otherwise moves the threshold as blocks are freed). Rounds then reuse
    memory that is already mapped, as a training loop does in its steady state, and each timing is
    the engine's work rather than the kernel's page faults. A no-op, said so, where there is no glibc.
    """
    if not sys.platform.startswith("linux"):
        return f"system (steady needs glibc; this is {sys.platform})"
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return "system (steady needs glibc's mallopt; this C library has none)"
    trim_threshold, mmap_threshold = -1, -3  # M_TRIM_THRESHOLD, M_MMAP_THRESHOLD from <malloc.h>
    if not (mallopt(trim_threshold, 2**31 - 1) and mallopt(mmap_threshold, 32 * 2**20)):
        return "system (glibc refused the steady settings)"
    return "steady (glibc: no heap trimming, mmap threshold fixed at 32 MiB)"


def benchmarks_requested(config: pytest.Config) -> bool:
    """True when pytest-benchmark's own flags ask for benchmarks: --benchmark-only or --benchmark-enable."""
    return bool(config.getoption("benchmark_only", False) or config.getoption("benchmark_enable", False))


def collection_args(config: pytest.Config, specs: str) -> list[str]:
    """What a target run collects when no paths are named: the specs, the benchmarks, or both."""
    if config.getoption("benchmark_only", False):
        return [str(BENCHMARKS_MODULE)]
    if benchmarks_requested(config):
        return [specs, str(BENCHMARKS_MODULE)]
    return [specs]


@dataclass
class BenchmarkState:
    """The sweep's options and what it left out, shared by every benchmark of the session."""

    sizes: tuple[int, ...]
    budget: float
    target: str
    allocator: str = "system"  # what was done to malloc, as keep_allocator_steady says it
    operators: tuple[str, ...] | None = None  # the catalogue operators to time; None: all of them
    operator_sizes: tuple[int, ...] = DEFAULT_OPERATOR_SIZES
    not_measured: list[dict[str, Any]] = field(default_factory=list)
    # sweep -> what its engine lacks, as found at the first size: the larger ones are skipped unrun
    lacking: dict[tuple[str, ...], str] = field(default_factory=dict)
    _cutoffs: dict[tuple[str, ...], tuple[int, float]] = field(default_factory=dict)
    _measured: dict[tuple[str, ...], tuple[int, float]] = field(default_factory=dict)

    def earlier_cutoff(self, sweep: tuple[str, ...], size: int) -> tuple[int, float] | None:
        """The smaller size, and its seconds, that ended this sweep before ``size``, if one did."""
        cutoff = self._cutoffs.get(sweep)
        return cutoff if cutoff is not None and cutoff[0] < size else None

    def predicted_cutoff(self, sweep: tuple[str, ...], size: int) -> tuple[int, float] | None:
        """The last size measured, and its seconds, when growing them linearly to ``size`` would go
        over the budget: a sweep stops before a size that would take minutes (and gigabytes)."""
        last = self._measured.get(sweep)
        if last is None or last[0] >= size or last[1] < self.budget / 10:
            return None  # below a tenth of the budget a round is mostly fixed cost: no prediction
        return last if last[1] * size / last[0] > self.budget else None

    def measured(self, sweep: tuple[str, ...], size: int, seconds: float) -> None:
        self._measured[sweep] = (size, seconds)

    def cut(self, sweep: tuple[str, ...], size: int, seconds: float) -> None:
        known = self._cutoffs.get(sweep)
        if known is None or size < known[0]:
            self._cutoffs[sweep] = (size, seconds)

    def skip(self, record: dict[str, Any], reason: str) -> NoReturn:
        """Skip the running benchmark with ``reason``, and keep both for the JSON and the report."""
        __tracebackhide__ = True
        self.not_measured.append({**record, "reason": reason})
        pytest.skip(reason)


@pytest.hookimpl(trylast=True)  # after conformance.plugin has read the target
def pytest_configure(config: pytest.Config) -> None:
    target = config.getoption("target", None)
    if target is None or not benchmarks_requested(config):
        return
    state = BenchmarkState(
        config.getoption("benchmark_sizes"),
        config.getoption("benchmark_budget"),
        target,
        operators=config.getoption("benchmark_operators"),
        operator_sizes=config.getoption("benchmark_operator_sizes"),
    )
    if config.getoption("benchmark_allocator") == "steady":
        state.allocator = keep_allocator_steady()
    config.stash[STATE] = state
    config.pluginmanager.register(_JsonRecorder(state), "autograd-conformance-benchmarks")


class _JsonRecorder:
    def __init__(self, state: BenchmarkState) -> None:
        self.state = state

    def pytest_benchmark_update_json(
        self, config: pytest.Config, benchmarks: Any, output_json: dict[str, Any]
    ) -> None:
        output_json["autograd_conformance"] = {
            "target": self.state.target,
            "sizes": list(self.state.sizes),
            "operators": "all" if self.state.operators is None else list(self.state.operators),
            "operator_sizes": list(self.state.operator_sizes),
            "budget_seconds": self.state.budget,
            "not_measured": self.state.not_measured,
            "omp_num_threads": os.environ.get("OMP_NUM_THREADS"),
            "allocator": self.state.allocator,
            # other work on the machine is the commonest source of noise; kept out of machine_info,
            # which --benchmark-compare requires to be equal between runs
            "load_average": [round(load, 2) for load in os.getloadavg()]
            if hasattr(os, "getloadavg")
            else None,
        }

    def pytest_unconfigure(self, config: pytest.Config) -> None:
        # up to pytest-benchmark 5.1, --benchmark-json is an argparse.FileType: each of pytest's parses
        # of the command line opens the file, pytest-benchmark writes and closes only the last one, and
        # the first one leaks (from 5.2 on it is a path, and there is nothing to close)
        early = getattr(config.known_args_namespace, "benchmark_json", None)
        if early is not None and not getattr(early, "closed", True):
            early.close()
