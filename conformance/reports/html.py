"""The HTML page: one self-contained file, inline CSS, no scripts, no external resources.

Sections: a summary card per target, the specs-by-targets matrix in colour (each failing cell links
to its failure), known deviations, one section a failure (target and reference side by side, the
checks that failed, the details, the repro snippet), and benchmark plots when images are given.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from datetime import datetime, timezone
from html import escape
from typing import Any

from conformance.reports.json_report import OUTCOMES
from conformance.reports.model import (
    NOT_RUN,
    OUTCOME_LABELS,
    OUTCOME_MEANINGS,
    Column,
    Failure,
    anchor_for,
    columns_of,
    coverage_text,
    deviations_of,
    failures_of,
    rows_by_family,
    score_text,
    sides,
)

CSS = """
:root { --pass:#1a7f37; --pass-bg:#dafbe1; --fail:#cf222e; --fail-bg:#ffebe9; --dev:#7d4e00;
  --dev-bg:#fff1c2; --uns:#57606a; --uns-bg:#eaeef2; --skip:#8c959f; --skip-bg:#f6f8fa;
  --line:#d0d7de; --text:#1f2328; --muted:#59636e; }
* { box-sizing: border-box; }
body { margin: 0; padding: 24px 32px 48px; font: 14px/1.5 -apple-system, "Segoe UI", Helvetica, Arial,
  sans-serif; color: var(--text); background: #fff; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 19px; margin: 32px 0 12px; padding-bottom: 6px; border-bottom: 1px solid var(--line); }
h3 { font-size: 15px; margin: 0 0 8px; }
code, pre { font: 12.5px/1.45 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
pre { background: #f6f8fa; border: 1px solid var(--line); border-radius: 6px; padding: 10px 12px;
  overflow-x: auto; margin: 8px 0; white-space: pre; }
.muted { color: var(--muted); }
nav a { margin-right: 14px; }
a { color: #0969da; text-decoration: none; } a:hover { text-decoration: underline; }
.cards { display: flex; flex-wrap: wrap; gap: 16px; }
.card { border: 1px solid var(--line); border-radius: 8px; padding: 14px 16px; min-width: 300px;
  flex: 1 1 300px; max-width: 520px; }
.card .score { font-size: 30px; font-weight: 600; }
.card .score.good { color: var(--pass); } .card .score.bad { color: var(--fail); }
.card dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; margin: 10px 0 0;
  font-size: 12.5px; }
.card dt { color: var(--muted); } .card dd { margin: 0; overflow-wrap: anywhere; }
.counts { display: flex; flex-wrap: wrap; gap: 6px; margin-top: 6px; }
.badge { border-radius: 12px; padding: 1px 9px; font-size: 12.5px; font-weight: 600; white-space: nowrap; }
.o-passed { color: var(--pass); background: var(--pass-bg); }
.o-failed { color: var(--fail); background: var(--fail-bg); }
.o-deviation { color: var(--dev); background: var(--dev-bg); }
.o-unsupported { color: var(--uns); background: var(--uns-bg); }
.o-skipped { color: var(--skip); background: var(--skip-bg); }
.o-none { color: var(--skip); background: #fff; }
.o-zero { color: var(--skip); background: #fff; border: 1px solid var(--line); font-weight: 400; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; }
table.matrix th, table.matrix td { border: 1px solid var(--line); padding: 3px 10px; text-align: left;
  vertical-align: middle; }
table.matrix thead th { position: sticky; top: 0; background: #f6f8fa; z-index: 1; }
table.matrix thead th.target { text-align: center; min-width: 96px; }
table.matrix tr.family th { background: #eef1f4; font-size: 13px; letter-spacing: .02em; }
table.matrix td.spec code { font-size: 12.5px; }
table.matrix td.cell-name { color: var(--muted); font-size: 12.5px; white-space: nowrap; }
table.matrix td.outcome { text-align: center; font-weight: 600; font-size: 12.5px; white-space: nowrap; }
table.matrix td.outcome a { color: inherit; display: block; }
.legend { display: flex; flex-wrap: wrap; gap: 8px 18px; margin: 10px 0 0; font-size: 12.5px; }
.failure { border: 1px solid var(--line); border-left: 4px solid var(--fail); border-radius: 6px;
  padding: 12px 16px; margin: 0 0 16px; }
.failure .doc { color: var(--muted); margin: 0 0 10px; }
table.sides { margin: 6px 0 8px; }
table.sides th, table.sides td { border: 1px solid var(--line); padding: 4px 12px; text-align: left; }
table.sides th { background: #f6f8fa; font-weight: 600; }
table.sides td.target { background: var(--fail-bg); } table.sides td.reference { background: var(--pass-bg); }
ul.checks { margin: 4px 0 8px; padding-left: 20px; } ul.checks li { margin: 2px 0; }
.headline { font-weight: 600; }
figure { margin: 0 0 20px; } figure img { max-width: 100%; height: auto; border: 1px solid var(--line); }
figcaption { color: var(--muted); font-size: 12.5px; }
"""


def render_html(
    reports: list[dict[str, Any]],
    *,
    images: Sequence[tuple[str, str, bytes]] = (),
    title: str = "Autograd conformance",
) -> str:
    """The whole page; ``images`` are ``(name, media type, bytes)`` plots for the Benchmarks section."""
    columns = columns_of(reports)
    failures = failures_of(columns)
    deviations = deviations_of(columns)
    generated = datetime.now(timezone.utc).isoformat(timespec="seconds")
    suites = sorted({f"{r['suite']['name']} {r['suite']['version']}" for r in reports})
    nav = [("summary", "Summary"), ("matrix", "Specs by target")]
    if images:
        nav.append(("benchmarks", "Benchmarks"))
    if deviations:
        nav.append(("deviations", f"Known deviations ({len(deviations)})"))
    nav.append(("failures", f"Failures ({len(failures)})"))
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(title)}</title><style>{CSS}</style></head><body>",
        f"<header><h1>{escape(title)}</h1>",
        f'<p class="muted">{escape(", ".join(c.label for c in columns))} against PyTorch; '
        f"{escape(', '.join(suites))}; rendered {escape(generated)}</p>",
        "<nav>" + "".join(f'<a href="#{key}">{escape(text)}</a>' for key, text in nav) + "</nav></header>",
        '<main><section id="summary"><h2>Summary</h2><div class="cards">',
        *(_card(column) for column in columns),
        "</div></section>",
        _matrix(columns),
    ]
    if images:
        parts.append(_benchmarks(images))
    if deviations:
        parts.append(_deviations(deviations))
    parts.append(_failures(failures))
    parts.append("</main></body></html>")
    return "\n".join(parts) + "\n"


def _badge(outcome: str, text: str) -> str:
    return f'<span class="badge o-{outcome}">{escape(text)}</span>'


def _card(column: Column) -> str:
    report, target = column.report, column.target
    environment, hypothesis = report["environment"], report["hypothesis"]
    specs = report["summary"]["specs"]
    counts = "".join(_badge(o if specs[o] else "zero", f"{specs[o]} {o}") for o in OUTCOMES)
    devices = ", ".join(
        device["name"] if device["usable"] else f"{device['name']} (not usable: {device['reason']})"
        for device in environment["devices"]
    )
    facts = [
        ("target", f"{target['name']} {target['version']} (--target={target['spelling']})"),
        ("reference", f"torch {report['reference']['version']}"),
        ("score", f"{score_text(report)} of {report['summary']['supported']} supported specs conform"),
        ("coverage", f"the target supports {coverage_text(report)} of the suite"),
        ("exit status", str(report["exit_status"])),
        ("platform", environment["platform"]),
        ("CPU", f"{environment['cpu']} ({environment['cpu_count']} cores)"),
        ("python", f"{environment['python_implementation']} {environment['python']}"),
        ("devices", devices),
        (
            "hypothesis",
            f"profile {hypothesis['profile']}, seed {hypothesis['seed'] or 'random'}, "
            f"{hypothesis['max_examples']} examples",
        ),
        ("run", f"{report['started']}, {report['duration']:.1f} s"),
        ("suite", f"{report['suite']['name']} {report['suite']['version']}"),
    ]
    if environment.get("cuda_device"):
        facts.insert(8, ("GPU", environment["cuda_device"]))
    if target["deviations_file"]:
        facts.append(("deviations", f"{target['deviations_file']} ({target['known_deviations']} entries)"))
    if target["lacks"]:
        facts.append(("lacks", ", ".join(target["lacks"])))
    for entry in target["stale_deviations"]:
        facts.append(("stale", f"{entry['where']}: {entry['spec_id']} matches no spec"))
    rows = "".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in facts)
    return (
        f'<div class="card" data-target="{escape(column.label)}"><h3>{escape(column.label)}</h3>'
        f'<div class="score {_score_class(report)}">{escape(score_text(report))}</div><div class="counts">{counts}</div>'
        f"<dl>{rows}</dl></div>"
    )


def _score_class(report: dict[str, Any]) -> str:
    specs = report["summary"]["specs"]
    if specs["failed"]:
        return "bad"
    return "good" if report["summary"]["score"] is not None else ""


def _matrix(columns: list[Column]) -> str:
    head = "".join(f'<th class="target" scope="col">{escape(c.label)}</th>' for c in columns)
    body = []
    for family, rows in rows_by_family(columns).items():
        body.append(f'<tr class="family"><th colspan="{2 + len(columns)}">{escape(family)}</th></tr>')
        for row in rows:
            cells = "".join(_matrix_cell(column, row.id) for column in columns)
            body.append(
                f'<tr data-spec="{escape(row.id)}"><td class="spec" title="{escape(row.doc)}">'
                f'<code>{escape(row.id)}</code></td><td class="cell-name">{escape(row.cell)}</td>{cells}</tr>'
            )
    legend = "".join(
        f"<span>{_badge(o, OUTCOME_LABELS[o])} {escape(OUTCOME_MEANINGS[o])}</span>" for o in OUTCOMES
    )
    return (
        '<section id="matrix"><h2>Specs by target</h2><div class="scroll">'
        '<table class="matrix" id="conformance-matrix"><thead><tr><th scope="col">spec</th>'
        f'<th scope="col">tutorial cell</th>{head}</tr></thead><tbody>{"".join(body)}</tbody></table></div>'
        f'<div class="legend">{legend}</div></section>'
    )


def _matrix_cell(column: Column, spec_id: str) -> str:
    outcome = column.outcome(spec_id)
    if outcome is None:
        return f'<td class="outcome o-none" data-target="{escape(column.label)}">{NOT_RUN}</td>'
    message = column.specs[spec_id]["message"]
    text = escape(OUTCOME_LABELS[outcome])
    if outcome == "failed":
        text = f'<a href="#{anchor_for(column.label, spec_id)}">{text}</a>'
    return (
        f'<td class="outcome o-{outcome}" data-target="{escape(column.label)}" data-outcome="{outcome}"'
        f' title="{escape(message)}">{text}</td>'
    )


def _deviations(deviations: list[tuple[Column, dict[str, Any]]]) -> str:
    items = "".join(
        f"<li><strong>{escape(column.label)}</strong>: <code>{escape(spec['id'])}</code> "
        f'<span class="muted">({escape(spec["origin"])})</span>: {escape(spec["message"])}</li>'
        for column, spec in deviations
    )
    return f'<section id="deviations"><h2>Known deviations</h2><ul>{items}</ul></section>'


def _failures(failures: list[Failure]) -> str:
    if not failures:
        return '<section id="failures"><h2>Failures</h2><p>No spec failed.</p></section>'
    return (
        f'<section id="failures"><h2>Failures ({len(failures)})</h2>'
        + "".join(_failure(failure) for failure in failures)
        + "</section>"
    )


def _failure(failure: Failure) -> str:
    column, spec, checks = failure.column, failure.spec, failure.checks
    first = (
        checks[0] if checks else {"message": spec["message"], "details": "", "repro": "", "parameters": ""}
    )
    split = sides(first["message"])
    if split is None:
        verdict = f'<p class="headline">{escape(first["message"])}</p>'
    else:
        note = f'<p class="muted">tolerance: {escape(split.note)}</p>' if split.note else ""
        verdict = (
            '<table class="sides"><thead><tr><th>what</th>'
            f"<th>target: {escape(column.label)}</th><th>reference: {escape(split.reference_name)}</th>"
            "</tr></thead>"
            f"<tbody><tr><td>{escape(split.subject)}</td>"
            f'<td class="target"><code>{escape(split.target)}</code></td>'
            f'<td class="reference"><code>{escape(split.reference)}</code></td></tr></tbody></table>{note}'
        )
    items = "".join(
        f"<li><code>[{escape(check['parameters'])}]</code> {escape(check['message'])}</li>"
        for check in checks
    )
    details = f'<pre class="details">{escape(first["details"])}</pre>' if first["details"] else ""
    repro = (
        f"<p>reproduce <code>[{escape(first['parameters'])}]</code>:</p>"
        f'<pre class="repro">{escape(first["repro"])}</pre>'
        if first["repro"]
        else ""
    )
    return (
        f'<section class="failure" id="{failure.anchor}" data-target="{escape(column.label)}" '
        f'data-spec="{escape(spec["id"])}"><h3>{escape(column.label)}: <code>{escape(spec["id"])}</code> '
        f'<span class="muted">({escape(spec["origin"])})</span></h3><p class="doc">{escape(spec["doc"])}</p>'
        f'{verdict}<p>failed checks ({len(checks)}):</p><ul class="checks">{items}</ul>{details}{repro}'
        "</section>"
    )


def _benchmarks(images: Sequence[tuple[str, str, bytes]]) -> str:
    figures = "".join(
        f'<figure><img alt="{escape(name)}" src="data:{media};base64,{base64.b64encode(data).decode("ascii")}">'
        f"<figcaption>{escape(name)}</figcaption></figure>"
        for name, media, data in images
    )
    return f'<section id="benchmarks"><h2>Benchmarks</h2>{figures}</section>'
