"""What a benchmark run measured, read back from a ``--benchmark-json`` file: the model that the report
and the plots are both drawn from.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conformance.catalogue import OPERATORS


@dataclass(frozen=True)
class Timing:
    """One benchmark's median, with what it measured."""

    target: str  # the target the run was for
    role: str  # "target" or "reference"
    engine: str
    program: str
    family: str
    size: int
    device: str
    route: str
    median: float  # seconds
    form: str = ""  # an operator's form; empty for a spec program


@dataclass
class Run:
    """One ``--benchmark-json`` file."""

    path: Path
    target: str
    timings: list[Timing]  # the spec programs'
    # (size, device) -> {"suite": median, "direct": median, "paired": {...}, "paired_control": {...}}
    overhead: dict[tuple[int, str], dict[str, Any]]
    not_measured: list[dict[str, Any]]  # the spec programs'
    raw: dict[str, Any]
    operators: list[Timing] = field(default_factory=list)  # the catalogue operators', program = operator
    operators_not_measured: list[dict[str, Any]] = field(default_factory=list)

    @property
    def versions(self) -> dict[str, str]:
        found = {}
        for bench in self.raw["benchmarks"]:
            info = bench.get("extra_info", {})
            if "engine" in info:
                found[info["engine"]] = str(info.get("engine_version", "?"))
        return found


class ReportError(Exception):
    """A file that is not a benchmark JSON of this suite, said in one sentence."""


def load_run(path: Path) -> Run:
    """Read one ``--benchmark-json`` file written by ``pytest --target=NAME --benchmark-only``."""
    try:
        raw = json.loads(path.read_text())
        benchmarks = raw["benchmarks"]
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise ReportError(
            f"{path}: not a pytest-benchmark JSON file ({type(error).__name__}: {error})"
        ) from None
    extra = raw.get("autograd_conformance", {})
    timings: list[Timing] = []
    operators: list[Timing] = []
    overhead: dict[tuple[int, str], dict[str, Any]] = defaultdict(dict)
    for bench in benchmarks:
        info, median = bench.get("extra_info", {}), float(bench["stats"]["median"])
        if "role" in info:
            fields = ("target", "role", "engine", "program", "family", "size", "device", "route")
            values = {name: info.get(name, "") for name in fields}
            values.update(size=int(info["size"]), route=str(values["route"]))
            if "operator" in info:
                values.update(program=info["operator"], form=info.get("form", ""))
            (operators if "operator" in info else timings).append(Timing(**values, median=median))
        elif "overhead" in info:
            ways = overhead[(int(info["size"]), info["device"])]
            ways[info["overhead"]] = median
            for key in ("paired", "paired_control"):
                if key in info:
                    ways[key] = info[key]
    target = extra.get("target") or next((t.target for t in [*timings, *operators]), None)
    if target is None:
        raise ReportError(f"{path}: holds no autograd-conformance benchmarks (run pytest --benchmark-only)")
    left_out = list(extra.get("not_measured", []))
    programs_left_out = [item for item in left_out if "operator" not in item]
    operators_left_out = [item for item in left_out if "operator" in item]
    return Run(path, target, timings, dict(overhead), programs_left_out, raw, operators, operators_left_out)


def ratios(run: Run) -> dict[tuple[str, int, str], float]:
    """(program, size, device) -> median target time / median torch time, measured side by side."""
    return _ratios(run.timings)


def operator_ratios(run: Run) -> dict[tuple[str, int, str], float]:
    """(operator, size, device) -> median target time / median torch time, measured side by side."""
    return _ratios(run.operators)


def _ratios(timings: Iterable[Timing]) -> dict[tuple[str, int, str], float]:
    medians = {(t.role, t.program, t.size, t.device): t.median for t in timings}
    return {
        (program, size, device): seconds / medians[("reference", program, size, device)]
        for (role, program, size, device), seconds in medians.items()
        if role == "target" and ("reference", program, size, device) in medians
    }


@dataclass
class OperatorRow:
    """One catalogue operator on one run's target and device: its medians by size, or why there are none."""

    operator: str
    form: str
    device: str
    offered: bool = True
    medians: dict[int, tuple[float, float]] = field(default_factory=dict)  # size -> (target, torch)
    left_out: dict[int, str] = field(default_factory=dict)  # size -> why it was not measured

    def ratio(self, size: int) -> float | None:
        if size not in self.medians:
            return None
        target, torch = self.medians[size]
        return target / torch

    @property
    def largest(self) -> int | None:
        """The largest size at which both the target and torch were measured."""
        return max(self.medians, default=None)


def operator_rows(run: Run) -> list[OperatorRow]:
    """Each operator of ``run`` on each device of its target, in the catalogue's order."""
    rows: dict[tuple[str, str], OperatorRow] = {}

    def row(operator: str, form: str, device: str) -> OperatorRow:
        return rows.setdefault((operator, device), OperatorRow(operator, form, device))

    medians = {(t.role, t.program, t.size, t.device): t.median for t in run.operators}
    for t in run.operators:
        torch = medians.get(("reference", t.program, t.size, t.device))
        if t.role == "target" and torch is not None:
            row(t.program, t.form, t.device).medians[t.size] = (t.median, torch)
    for item in run.operators_not_measured:
        if item.get("role") != "target":  # a group's reference entry is left out with its target
            continue
        found = row(str(item["operator"]), str(item.get("form", "")), str(item.get("device", "cpu")))
        found.offered = found.offered and item.get("offered", True) is not False
        found.left_out[int(item.get("size", 0))] = str(item.get("reason", ""))
    order = {name: index for index, name in enumerate(OPERATORS)}
    return sorted(
        rows.values(), key=lambda row: (order.get(row.operator, len(order)), row.operator, row.device)
    )


def format_seconds(seconds: float) -> str:
    """``0.000152`` -> ``"152 µs"``: three significant figures in the unit that suits."""
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds / 1e-9:.3g} ns"
