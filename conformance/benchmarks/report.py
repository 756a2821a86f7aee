"""Turn ``--benchmark-json`` files into a benchmark report: Markdown tables, plots, the runs themselves.

::

    python -m conformance.benchmarks.report mine.json torch.json --out reports/benchmarks
    autograd-conformance-bench-report mine.json --out reports/benchmarks

``DIR/report.md`` holds, per target, the median time target / torch for each spec program and size,
both medians, the sizes left out (too slow, unsupported) with their reasons, the harness overhead
(the suite's path against the same program written directly in torch; above 1.05 at 1,000 elements or
more is flagged, here and on stdout), and the machine each run came from. ``time_vs_size`` and
``ratio_to_torch`` (PNG and SVG, made by :mod:`conformance.benchmarks.plots`; needs the ``bench`` extra:
``pip install autograd-conformance[bench]``) plot the same numbers; ``DIR/runs/`` keeps each run
without its raw timings, so the report can be made again from them alone. Runs that timed the catalogue
operators add a section with a table per target (operator x size: the ratio, both medians, or "not
offered") and ``operators_ratio`` (PNG and SVG): each operator's ratio on each target at the largest
size measured.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from conformance.benchmarks.results import (
    OperatorRow,
    ReportError,
    Run,
    format_seconds,
    load_run,
    operator_rows,
    ratios,
)

OVERHEAD_LIMIT = 1.05
OVERHEAD_FROM_SIZE = 1_000
"""Below this many elements a round is mostly fixed cost, so the overhead limit is not held there."""


@dataclass(frozen=True)
class Overhead:
    """One overhead group: both medians, and the ratio its verdict rests on."""

    size: int
    device: str
    suite: float  # median seconds, the suite's path
    direct: float  # median seconds, the program written directly in torch
    ratio: float  # the paired ratio where the run has one, else suite / direct
    spread: tuple[float, float] | None  # the paired ratio's quartiles
    pairs: int  # 0: no paired measurement, the ratio is of the two medians
    control: float | None  # direct torch against itself, measured as the paired ratio is
    verdict: str


def overhead_rows(run: Run) -> list[Overhead]:
    """Each overhead group of ``run``, held to the limit from OVERHEAD_FROM_SIZE elements on."""
    rows = []
    for (size, device), ways in sorted(run.overhead.items()):
        if "suite" not in ways or "direct" not in ways:
            continue
        paired = ways.get("paired")
        if paired is not None:
            ratio, spread, pairs = paired["ratio"], (paired["low"], paired["high"]), int(paired["pairs"])
        else:  # a run from before paired measurements
            ratio, spread, pairs = ways["suite"] / ways["direct"], None, 0
        if size < OVERHEAD_FROM_SIZE:
            verdict = f"not held to {OVERHEAD_LIMIT} below {OVERHEAD_FROM_SIZE:,} elements"
        elif ratio <= OVERHEAD_LIMIT:
            verdict = "ok"
        else:
            verdict = f"**over {OVERHEAD_LIMIT}**"
        control = ways["paired_control"]["ratio"] if "paired_control" in ways else None
        rows.append(
            Overhead(size, device, ways["suite"], ways["direct"], ratio, spread, pairs, control, verdict)
        )
    return rows


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return [*lines, ""]


def _target_section(run: Run) -> list[str]:
    sizes = sorted({t.size for t in run.timings})
    programs = list(dict.fromkeys((t.program, t.family) for t in run.timings))
    found = ratios(run)
    medians = {(t.role, t.program, t.size, t.device): t.median for t in run.timings}
    devices = sorted({t.device for t in run.timings if t.role == "target"})
    routes = sorted({t.route for t in run.timings if t.role == "target"})
    lines = [f"## {run.target}", ""]
    lines.append(
        f"Route: {', '.join(routes)}; from `{run.path.name}`. Cells: median time of one round on "
        f"{run.target} divided by torch's, measured side by side in one pytest-benchmark group; "
        "below 1 the target is faster. `—`: not measured (see below)."
    )
    lines.append("")
    for device in devices:
        header = ["program", "behaviour", *(f"{size:,}" for size in sizes)]
        rows = [
            [f"`{program}`", family]
            + [
                f"{found[(program, size, device)]:.2f}×" if (program, size, device) in found else "—"
                for size in sizes
            ]
            for program, family in programs
        ]
        lines += [f"### {run.target} / torch, {device}", "", *_table(header, rows)]
        rows = [
            [f"`{program}`"]
            + [
                " / ".join(
                    format_seconds(medians[key]) if key in medians else "—"
                    for key in (("target", program, size, device), ("reference", program, size, device))
                )
                for size in sizes
            ]
            for program, _ in programs
        ]
        lines += [
            f"### Median time per round, {device}: {run.target} / torch",
            "",
            *_table(["program", *(f"{size:,}" for size in sizes)], rows),
        ]
    if run.not_measured:
        lines += [f"### Not measured for {run.target}", ""]
        lines += [
            f"- `{item.get('program')}` at {int(item.get('size', 0)):,} elements on {item.get('engine')} "
            f"({item.get('role')}, {item.get('device')}): {item.get('reason')}"
            for item in run.not_measured
        ]
        lines.append("")
    return lines


def _escaped(text: str) -> str:
    return text.replace("|", "\\|")  # |x| would end the table's cell


def _operator_cell(row: OperatorRow, size: int) -> str:
    if not row.offered:
        return "not offered"
    ratio = row.ratio(size)
    if ratio is None:
        return "—"
    target, torch = row.medians[size]
    return f"{ratio:.2f}× ({format_seconds(target)} / {format_seconds(torch)})"


def _operator_section(runs: Sequence[Run], plots: Sequence[str]) -> list[str]:
    lines = [
        "## Operators",
        "",
        "One representative form of each catalogue operator (`conformance.benchmarks.operators`): its "
        "forward, backward (with a cotangent of the output's shape) and read-back to NumPy, on each target "
        "beside torch in one pytest-benchmark group per operator and size (`op[exp-10000]`). The size is "
        "the element count of each input: `n` for a vector, `r × c` for a matrix (r the largest divisor "
        "of n up to √n), `k × k` with k = round(√n) for matmul and mm. Cells: median time of one round on "
        "the target divided by torch's, then both medians (target / torch); below 1 the target is faster. "
        "`not offered`: the target has no such operator; `—`: not measured (see below).",
        "",
    ]
    lines += [f"![{Path(name).stem.replace('_', ' ')}]({name})" for name in plots]
    lines += [""] if plots else []
    for run in runs:
        rows = operator_rows(run)
        sizes = sorted({size for row in rows for size in [*row.medians, *row.left_out]})
        for device in dict.fromkeys(row.device for row in rows):
            table = [
                [f"`{row.operator}`", _escaped(row.form), *(_operator_cell(row, size) for size in sizes)]
                for row in rows
                if row.device == device
            ]
            header = ["operator", "form", *(f"{size:,}" for size in sizes)]
            lines += [f"### {run.target} / torch, operators, {device}", "", *_table(header, table)]
        missing = list(dict.fromkeys(row.operator for row in rows if not row.offered))
        left_out = [item for item in run.operators_not_measured if item.get("offered", True) is not False]
        if not missing and not left_out:
            continue
        lines += [f"### Operators not measured for {run.target}", ""]
        if missing:
            lines += [f"Not offered by {run.target}: " + ", ".join(f"`{name}`" for name in missing) + ".", ""]
        lines += [
            f"- `{item.get('operator')}` at {int(item.get('size', 0)):,} elements on {item.get('engine')} "
            f"({item.get('role')}, {item.get('device')}): {item.get('reason')}"
            for item in left_out
        ]
        lines += [""] if left_out else []
    return lines


def _overhead_section(runs: Sequence[Run]) -> list[str]:
    lines = [
        "## Harness overhead",
        "",
        "`tutorial_mean` on torch by the suite's path (adapter, `Engine`, the spec program, the read-back "
        "the specs do) against the same program written directly in torch (`torch.tensor(x, "
        "requires_grad=True)`, `z.backward()`, `z.item()`, `x.grad.numpy()`), in the same run. "
        "The two medians are pytest-benchmark's, timed one after the other; the verdict rests on the "
        "paired ratio: rounds of the two timed back to back, the order swapped each pair, so that other "
        "work on the machine and the heap's state weigh on both alike (the quartiles and the number of "
        f"pairs beside it). From {OVERHEAD_FROM_SIZE:,} elements on, it should be at most {OVERHEAD_LIMIT}. "
        "The control times direct torch against itself in the same way: the method's own bias, which "
        "should be 1.00.",
        "",
    ]
    rows = [
        [
            run.target,
            f"{row.size:,}",
            row.device,
            format_seconds(row.suite),
            format_seconds(row.direct),
            f"{row.suite / row.direct:.3f}",
            "not measured (the verdict uses the medians)"
            if row.spread is None
            else f"{row.ratio:.3f} ({row.spread[0]:.3f}-{row.spread[1]:.3f}, {row.pairs} pairs)",
            "—" if row.control is None else f"{row.control:.3f}",
            row.verdict,
        ]
        for run in runs
        for row in overhead_rows(run)
    ]
    header = [
        "run",
        "size",
        "device",
        "suite path",
        "direct torch",
        "ratio of medians",
        "paired ratio",
        "control",
        "verdict",
    ]
    return lines + (_table(header, rows) if rows else ["No overhead groups in these runs.", ""])


def _short(commit: Any) -> str:
    text = str(commit or "?")
    return text[:10] if len(text) == 40 else text


def _machine_section(runs: Sequence[Run]) -> list[str]:
    rows = []
    for run in runs:
        machine, commit = run.raw.get("machine_info", {}), run.raw.get("commit_info", {})
        cpu = machine.get("cpu", {})
        extra = run.raw.get("autograd_conformance", {})
        load = extra.get("load_average")
        rows.append(
            [
                run.target,
                str(run.raw.get("datetime", "?"))[:19].replace("T", " ") + " UTC",
                str(cpu.get("brand_raw", machine.get("processor", "?"))),
                str(cpu.get("count", "?")),
                f"{machine.get('python_implementation', '')} {machine.get('python_version', '?')}".strip(),
                ", ".join(f"{name} {version}" for name, version in sorted(run.versions.items())),
                "?" if load is None else " / ".join(str(value) for value in load),
                str(extra.get("omp_num_threads") or "unset"),
                str(extra.get("allocator", "?")).split(" (")[0],
                f"{_short(commit.get('id'))}{' (dirty)' if commit.get('dirty') else ''}",
            ]
        )
    header = [
        "run",
        "date",
        "CPU",
        "cores",
        "python",
        "engines",
        "load 1/5/15 min",
        "OMP_NUM_THREADS",
        "malloc",
        "commit",
    ]
    return ["## Machine", "", *_table(header, rows)]


def markdown(runs: Sequence[Run], plots: Sequence[str] = (), operator_plots: Sequence[str] = ()) -> str:
    """The whole report as Markdown; ``plots`` are image file names to show under the title,
    ``operator_plots`` those to show in the operators' section (there only when a run timed operators)."""
    lines = [
        "# Benchmarks: spec programs on each engine beside torch",
        "",
        "Each round is one spec program's forward, backward and read-back to NumPy, by the same path "
        "the specs take (`conformance.benchmarks.cases`). Regenerate with `scripts/bench-report.sh`.",
        "",
    ]
    lines += [f"![{Path(name).stem.replace('_', ' ')}]({name})" for name in plots]
    lines += [""] if plots else []
    for run in runs:
        if run.timings or run.not_measured:  # a run of the operators alone has no programs to show
            lines += _target_section(run)
    if any(run.operators or run.operators_not_measured for run in runs):
        lines += _operator_section(runs, operator_plots)
    lines += _overhead_section(runs)
    lines += _machine_section(runs)
    return "\n".join(lines).rstrip() + "\n"


def overhead_warnings(runs: Sequence[Run]) -> list[str]:
    """One line for each overhead ratio over the limit at a size where the limit holds."""
    return [
        f"overhead: the suite's path takes {row.ratio:.3f}x direct torch for tutorial_mean at "
        f"{row.size:,} elements on {row.device} (run {run.target}), over the limit of {OVERHEAD_LIMIT}"
        for run in runs
        for row in overhead_rows(run)
        if row.size >= OVERHEAD_FROM_SIZE and row.ratio > OVERHEAD_LIMIT
    ]


def _keep_runs(runs: Sequence[Run], out: Path) -> None:
    folder = out / "runs"
    folder.mkdir(parents=True, exist_ok=True)
    for run in runs:
        compact = dict(run.raw)
        compact["benchmarks"] = [
            {**bench, "stats": {k: v for k, v in bench["stats"].items() if k != "data"}}
            for bench in run.raw["benchmarks"]
        ]
        (folder / f"{run.target}.json").write_text(json.dumps(compact, indent=1, sort_keys=True) + "\n")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="autograd-conformance-bench-report",
        description="Turn --benchmark-json files of the conformance benchmarks into Markdown and plots.",
    )
    parser.add_argument(
        "json", nargs="+", type=Path, metavar="BENCH.json", help="pytest --benchmark-json files"
    )
    parser.add_argument("--out", required=True, type=Path, metavar="DIR", help="folder for the report")
    parser.add_argument(
        "--no-plots", action="store_true", help="write the Markdown only. Default: plots too."
    )
    options = parser.parse_args(argv)
    try:
        runs = [load_run(path) for path in options.json]
    except ReportError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    runs.sort(key=lambda run: (run.target != "torch", run.target))
    options.out.mkdir(parents=True, exist_ok=True)
    plots: list[str] = []
    operator_plots: list[str] = []
    if not options.no_plots:
        try:
            from conformance.benchmarks.plots import write_plots
        except ImportError as error:
            print(
                f"error: plots need matplotlib ({error}); pip install 'autograd-conformance[bench]', "
                "or pass --no-plots",
                file=sys.stderr,
            )
            return 2
        if any(run.timings for run in runs):
            plots = write_plots(runs, options.out)
        if any(run.operators for run in runs):
            from conformance.benchmarks.plots import plot_operators

            operator_plots = [plot_operators(runs, options.out)]
    _keep_runs(runs, options.out)
    text = markdown(runs, plots, operator_plots)
    (options.out / "report.md").write_text(text)
    for row in (row for run in runs for row in overhead_rows(run)):
        ratio = f"{row.ratio:.3f} {'paired' if row.pairs else 'of medians'}"
        if row.control is not None:
            ratio += f", control {row.control:.3f}"
        print(
            f"overhead tutorial_mean {row.size:>9,} {row.device}: suite {format_seconds(row.suite)}, "
            f"direct {format_seconds(row.direct)}, ratio {ratio} ({row.verdict.strip('*')})"
        )
    for line in overhead_warnings(runs):
        print(f"WARNING: {line}")
    written = [*plots, *operator_plots]
    print(f"wrote {options.out / 'report.md'}" + "".join(f", {options.out / name}" for name in written))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
