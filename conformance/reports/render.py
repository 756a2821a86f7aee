"""Render conformance reports as Markdown and as one self-contained HTML page.

Run it on the JSON files ``pytest --conformance-report=PATH`` wrote; several targets' reports merge
into one specs-by-targets matrix::

    python -m conformance.reports.render mine.json torch.json --markdown report.md --html report.html
    autograd-conformance-report mine.json --html report.html --images speed.svg memory.png

With neither ``--markdown`` nor ``--html`` the Markdown goes to standard output (a CI step summary:
``... >> "$GITHUB_STEP_SUMMARY"``). Images (PNG, SVG, JPEG) are embedded in the page's Benchmarks
section. Exit status: 0 rendered, 2 a file that is not a report or an image that cannot be used.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from conformance.reports.json_report import OUTCOMES, ReportError, load_report
from conformance.reports.model import (
    NOT_RUN,
    OUTCOME_MEANINGS,
    Column,
    columns_of,
    coverage_text,
    deviations_of,
    failures_of,
    rows_by_family,
    score_text,
    sides,
)

IMAGE_TYPES = {".png": "image/png", ".svg": "image/svg+xml", ".jpg": "image/jpeg", ".jpeg": "image/jpeg"}
MARKDOWN_SYMBOLS = {
    "passed": "✅ pass",
    "failed": "❌ fail",
    "deviation": "🟨 deviation",
    "unsupported": "➖ unsupported",
    "skipped": "⏭️ skipped",
}


class RenderError(Exception):
    """An input the renderer cannot use, with the reason."""


def render_markdown(reports: list[dict[str, Any]]) -> str:
    """The reports as GitHub-flavoured Markdown: summary, matrix, deviations, one section a failure."""
    columns = columns_of(reports)
    lines = ["# Autograd conformance", "", "## Summary", ""]
    lines += _markdown_summary(columns)
    lines += ["", "## Specs by target", ""]
    lines += _markdown_matrix(columns)
    lines += [
        "",
        "Legend: " + "; ".join(f"{MARKDOWN_SYMBOLS[o]}: {OUTCOME_MEANINGS[o]}" for o in OUTCOMES),
    ]
    deviations = deviations_of(columns)
    if deviations:
        lines += ["", "## Known deviations", ""]
        lines += [
            f"- **{column.label}**: `{spec['id']}` ({spec['origin']}): {_one_line(spec['message'])}"
            for column, spec in deviations
        ]
    failures = failures_of(columns)
    lines += ["", f"## Failures ({len(failures)})", ""]
    if not failures:
        lines.append("No spec failed.")
    for failure in failures:
        lines += _markdown_failure(failure.column, failure.spec, failure.checks)
    return "\n".join(lines).rstrip() + "\n"


def _markdown_summary(columns: list[Column]) -> list[str]:
    header = ["target", "version", "torch", *OUTCOMES, "score", "of", "exit status", "platform", "finished"]
    lines = [_markdown_row(header), _markdown_row(["---"] * len(header))]
    for column in columns:
        report, specs = column.report, column.report["summary"]["specs"]
        lines.append(
            _markdown_row(
                [
                    f"**{column.label}**",
                    column.target["version"],
                    report["reference"]["version"],
                    *(str(specs[o]) for o in OUTCOMES),
                    f"**{score_text(report)}**",
                    coverage_text(report),
                    str(report["exit_status"]),
                    _machine(report),
                    report["finished"],
                ]
            )
        )
    for column in columns:
        stale = column.target["stale_deviations"]
        if stale:
            lines.append("")
            lines += [
                f"- {column.label}: stale deviation {entry['where']}: `{entry['spec_id']}` matches no spec"
                for entry in stale
            ]
    return lines


def _machine(report: dict[str, Any]) -> str:
    environment = report["environment"]
    devices = ", ".join(device["name"] for device in environment["devices"] if device["usable"])
    gpu = f", {environment['cuda_device']}" if environment.get("cuda_device") else ""
    return f"{environment['cpu']}{gpu}; python {environment['python']}; devices: {devices}"


def _markdown_matrix(columns: list[Column]) -> list[str]:
    header = ["spec", "tutorial cell", *(column.label for column in columns)]
    lines = [_markdown_row(header), _markdown_row(["---"] * len(header))]
    for family, rows in rows_by_family(columns).items():
        lines.append(_markdown_row([f"**{family}**", "", *("" for _ in columns)]))
        for row in rows:
            cells = []
            for column in columns:
                outcome = column.outcome(row.id)
                cells.append(NOT_RUN if outcome is None else MARKDOWN_SYMBOLS[outcome])
            lines.append(_markdown_row([f"`{row.id}`", row.cell, *cells]))
    return lines


def _markdown_failure(column: Column, spec: dict[str, Any], checks: list[dict[str, Any]]) -> list[str]:
    first = (
        checks[0] if checks else {"message": spec["message"], "details": "", "repro": "", "parameters": ""}
    )
    lines = [f"### {column.label}: `{spec['id']}` ({spec['origin']})", "", f"> {_one_line(spec['doc'])}", ""]
    split = sides(first["message"])
    if split is None:
        lines.append(f"**{_one_line(first['message'])}**")
    else:
        lines += [
            _markdown_row(["what", f"target {column.label!r}", split.reference_name]),
            _markdown_row(["---"] * 3),
            _markdown_row([split.subject, f"`{split.target}`", f"`{split.reference}`"]),
        ]
        if split.note:
            lines += ["", f"tolerance: {split.note}"]
    lines += ["", f"failed checks ({len(checks)}):", ""]
    lines += [f"- `[{check['parameters']}]` {_one_line(check['message'])}" for check in checks]
    if first["details"]:
        lines += ["", "```text", first["details"], "```"]
    if first["repro"]:
        lines += ["", f"reproduce `[{first['parameters']}]`:", "", "```python", first["repro"], "```"]
    return [*lines, ""]


def _markdown_row(cells: Sequence[str]) -> str:
    return "| " + " | ".join(cell.replace("|", "\\|").replace("\n", " ") for cell in cells) + " |"


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def read_image(path: str | Path) -> tuple[str, str, bytes]:
    """``(name, media type, bytes)`` of a benchmark plot to embed; RenderError if it cannot be used."""
    image = Path(path)
    media = IMAGE_TYPES.get(image.suffix.lower())
    if media is None:
        raise RenderError(f"--images {path}: not a PNG, SVG or JPEG file (by its suffix)")
    try:
        return image.name, media, image.read_bytes()
    except OSError as error:
        raise RenderError(f"--images {path}: cannot read it: {error.strerror}") from None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="autograd-conformance-report",
        description="Render autograd conformance reports (pytest --conformance-report=PATH) as "
        "Markdown and one self-contained HTML page; several reports merge into one matrix.",
    )
    parser.add_argument("reports", nargs="+", metavar="JSON", help="report files, one a target")
    parser.add_argument("--markdown", metavar="PATH", help="write Markdown to PATH ('-' for stdout)")
    parser.add_argument("--html", metavar="PATH", help="write the HTML page to PATH")
    parser.add_argument(
        "--images",
        nargs="+",
        metavar="IMAGE",
        default=[],
        help="benchmark plots (PNG, SVG, JPEG) embedded in the page's Benchmarks section. Default: none.",
    )
    parser.add_argument(
        "--title", default="Autograd conformance", help="the page title. Default: %(default)s"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """The command line: ``main(["a.json", "--html", "a.html"])`` returns the exit status."""
    options = _parser().parse_args(argv)
    try:
        reports = [load_report(path) for path in options.reports]
        images = [read_image(path) for path in options.images]
    except (ReportError, RenderError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    markdown = render_markdown(reports)
    if options.markdown == "-" or (options.markdown is None and options.html is None):
        sys.stdout.write(markdown)
    elif options.markdown:
        _write(options.markdown, markdown)
    if options.html:
        from conformance.reports.html import render_html

        _write(options.html, render_html(reports, images=images, title=options.title))
    return 0


def _write(path: str, text: str) -> None:
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    print(f"wrote {target}", file=sys.stderr)


if __name__ == "__main__":
    raise SystemExit(main())
