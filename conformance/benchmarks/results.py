"""What a benchmark run measured, read back from a ``--benchmark-json`` file: the model that the report
and the plots are both drawn from.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any


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


@dataclass
class Run:
    """One ``--benchmark-json`` file."""

    path: Path
    target: str
    timings: list[Timing]
    # (size, device) -> {"suite": median, "direct": median, "paired": {...}, "paired_control": {...}}
    overhead: dict[tuple[int, str], dict[str, Any]]
    not_measured: list[dict[str, Any]]
    raw: dict[str, Any]

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
    overhead: dict[tuple[int, str], dict[str, Any]] = defaultdict(dict)
    for bench in benchmarks:
        info, median = bench.get("extra_info", {}), float(bench["stats"]["median"])
        if "role" in info:
            fields = ("target", "role", "engine", "program", "family", "size", "device", "route")
            values = {name: info.get(name, "") for name in fields}
            timings.append(
                Timing(**{**values, "size": int(info["size"]), "route": str(values["route"])}, median=median)
            )
        elif "overhead" in info:
            ways = overhead[(int(info["size"]), info["device"])]
            ways[info["overhead"]] = median
            for key in ("paired", "paired_control"):
                if key in info:
                    ways[key] = info[key]
    target = extra.get("target") or next((t.target for t in timings), None)
    if target is None:
        raise ReportError(f"{path}: holds no autograd-conformance benchmarks (run pytest --benchmark-only)")
    return Run(path, target, timings, dict(overhead), list(extra.get("not_measured", [])), raw)


def ratios(run: Run) -> dict[tuple[str, int, str], float]:
    """(program, size, device) -> median target time / median torch time, measured side by side."""
    medians = {(t.role, t.program, t.size, t.device): t.median for t in run.timings}
    return {
        (program, size, device): seconds / medians[("reference", program, size, device)]
        for (role, program, size, device), seconds in medians.items()
        if role == "target" and ("reference", program, size, device) in medians
    }


def format_seconds(seconds: float) -> str:
    """``0.000152`` -> ``"152 µs"``: three significant figures in the unit that suits."""
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds / 1e-9:.3g} ns"
