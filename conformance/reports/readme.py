"""Regenerate the README's generated blocks: ``python -m conformance.reports.readme [--check]``.

The spec table (between the ``specs:`` markers) comes from the spec registry; the per-engine summary
(between the ``engines:`` markers) from the committed reports in ``reports/conformance/``, which
``scripts/conformance-matrix.sh`` writes. Neither is edited by hand; ``--check`` exits 1 when either
is stale, which the suite's own tests use.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from conformance.spec import TUTORIAL_CELLS, all_specs

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
REPORTS = ROOT / "reports" / "conformance"


def spec_table() -> str:
    specs = all_specs()
    lines = ["| family | spec | origin | behaviour |", "|---|---|---|---|"]
    for found in specs:
        name = found.id.partition(".")[2]
        lines.append(f"| {found.family} | `{name}` | {found.origin} | {found.doc} |")
    covered = sorted({cell for found in specs for cell in found.cells} & set(TUTORIAL_CELLS))
    lines.append("")
    lines.append(
        f"{len(specs)} specs in {len({found.family for found in specs})} families; tutorial cells covered: "
        f"{len(covered)} of {len(TUTORIAL_CELLS)}."
    )
    return "\n".join(lines)


def engine_summary(reports: Path = REPORTS) -> str:
    """Per family and engine: specs passed of those run, known deviations, unsupported."""
    runs = [json.loads(path.read_text(encoding="utf-8")) for path in sorted(reports.glob("*.json"))]
    if not runs:
        return "No committed reports yet: run scripts/conformance-matrix.sh."
    runs.sort(key=lambda run: (run["target"]["name"] != "torch", run["target"]["name"]))
    names = [f"{run['target']['name']} {run['target']['version']}" for run in runs]
    families = sorted({row["family"] for run in runs for row in run["summary"]["families"]})
    lines = ["| family | " + " | ".join(names) + " |", "|---|" + "---|" * len(runs)]
    for family in families:
        cells = []
        for run in runs:
            row = next((r for r in run["summary"]["families"] if r["family"] == family), None)
            cells.append("–" if row is None else _cell(row))
        lines.append(f"| {family} | " + " | ".join(cells) + " |")
    scores = [run["summary"]["score"] for run in runs]
    lines.append("| **score** | " + " | ".join("n/a" if s is None else f"**{s:.0%}**" for s in scores) + " |")
    lines.append("| of specs | " + " | ".join(_coverage(run["summary"]) for run in runs) + " |")
    lines.append("")
    lines.append(
        "Each cell: specs passed / specs supported, then known deviations (dev) and unsupported (unsup). "
        "The score is the share of supported specs that conform; *of specs* says how many of the suite's "
        "specs that is. "
        "Full matrix: [reports/conformance/matrix.md](reports/conformance/matrix.md) "
        "([HTML](reports/conformance/matrix.html))."
    )
    return "\n".join(lines)


_MARKS = {"passed": "✓", "failed": "**✗**", "deviation": "dev", "unsupported": "–", "skipped": "skip"}


def operator_table(reports: Path = REPORTS) -> str:
    """The catalogue: each operator spec with its signature and forms, and per engine whether it offers
    the operator (– where it does not) and conforms (✓), deviates (dev) or fails (✗)."""
    from conformance.catalogue import CASES, OPERATORS

    runs = [json.loads(path.read_text(encoding="utf-8")) for path in sorted(reports.glob("*.json"))]
    runs.sort(key=lambda run: (run["target"]["name"] != "torch", run["target"]["name"]))
    outcomes = [{spec["id"]: spec["outcome"] for spec in run["specs"]} for run in runs]
    names = [run["target"]["name"] for run in runs]
    lines = [
        "| spec | torch signature | forms | " + " | ".join(names) + " |",
        "|---|---|---|" + "---|" * len(runs),
    ]
    for case in CASES:
        signature = OPERATORS[case.operator].signature.split("  #")[0]
        forms = ", ".join(case.forms)
        marks = [_MARKS.get(found.get(case.id, ""), "·") for found in outcomes]
        lines.append(f"| `{case.id}` | `{signature}` | {forms} | " + " | ".join(marks) + " |")
    lines.append("")
    lines.append(
        f"{len(OPERATORS)} operators, {len(CASES)} operator specs. ✓ conforms, dev known deviation, "
        "**✗** fails, – not offered by the engine (unsupported), · not run (report predates the spec)."
    )
    return "\n".join(lines)


def _coverage(summary: dict[str, Any]) -> str:
    total = summary.get("total")
    return "?" if total is None else f"{summary['supported']}/{total}"


def _cell(row: dict[str, int]) -> str:
    supported = row["passed"] + row["failed"] + row["deviation"]
    text = f"{row['passed']}/{supported}"
    if row["failed"]:
        text += f" **{row['failed']} failed**"
    if row["deviation"]:
        text += f" {row['deviation']} dev"
    if row["unsupported"]:
        text += f" {row['unsupported']} unsup"
    return text


BLOCKS = {"specs": spec_table, "engines": engine_summary, "operators": operator_table}


def updated(text: str) -> str:
    for name, render in BLOCKS.items():
        start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
        head, found_start, rest = text.partition(start)
        _, found_end, tail = rest.partition(end)
        if not found_start or not found_end:
            raise SystemExit(f"README.md has no {start} ... {end} block")
        text = f"{head}{start}\n{render()}\n{end}{tail}"
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the table is stale; change nothing")
    parser.add_argument(
        "--readme", type=Path, default=README, help="the README to update (default: the repo's)"
    )
    options = parser.parse_args(argv)
    text = options.readme.read_text(encoding="utf-8")
    fresh = updated(text)
    if options.check:
        if fresh != text:
            print(
                f"{options.readme}: the spec table is stale; run python -m conformance.reports.readme",
                file=sys.stderr,
            )
            return 1
        return 0
    options.readme.write_text(fresh, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
