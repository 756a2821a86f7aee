"""The renderer: reports of real runs merge into one matrix, in Markdown and in one self-contained page."""

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conformance.compare import Disagreement, Raised, assert_close, assert_same
from conformance.reports.html import render_html
from conformance.reports.model import sides
from conformance.reports.render import main, render_markdown

ADAPTERS = (Path(__file__).parent / "engines" / "scaled.py").read_text()  # written as myadapters.py
SUBSET = "repeated_backward_adds or zero_resets or node_names or random_v or detach_returns_untracked"
RUNS = """
import sys, pytest
common = ["-q", "-p", "no:cacheprovider", "--hypothesis-profile=ci", "-k", sys.argv[1]]
pytest.main([*common, "--target=myadapters:Scaled", "--deviations=scaled.deviations",
             "--conformance-report=scaled.json"])
pytest.main([*common, "--target=torch", "--conformance-report=torch.json"])
"""
SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="120" height="40"><rect width="120" height="40" fill="#0969da"/></svg>'
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cfc0000003010100c9fe92ef0000000049454e44ae426082"
)


def shared_reports(tmp_path_factory):
    """Run a target that scales gradients, and torch itself, on a few specs, once a session; the
    two report paths. The renderer's and the browser's tests share them."""
    where = tmp_path_factory.getbasetemp() / "shared-reports"
    scaled, torch_report = where / "scaled.json", where / "torch.json"
    if scaled.exists() and torch_report.exists():
        return scaled, torch_report
    where.mkdir(exist_ok=True)
    where.joinpath("myadapters.py").write_text(ADAPTERS)
    where.joinpath("scaled.deviations").write_text(
        "vector_backward.random_v  \"* on target 'scaled'*\"  # gradients are scaled\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", RUNS, SUBSET],
        cwd=where,
        env={**os.environ, "PYTHONPATH": str(where)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert scaled.exists() and torch_report.exists(), run.stdout[-3000:] + run.stderr[-3000:]
    return scaled, torch_report


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    return shared_reports(tmp_path_factory)


def _headline(check):
    with pytest.raises(Disagreement) as raised:
        check()
    return raised.value.headline


@pytest.mark.parametrize(
    ("check", "expected"),
    [
        (
            lambda: assert_close(24.0, 16.0, what="x.grad", target="mine"),
            ("x.grad", "24", "torch", "16"),
        ),
        (
            lambda: assert_close([1.0, 2.0], [1.0, 2.0, 3.0], what="grad of x", target="mine"),
            ("grad of x shape", "(2,)", "torch", "(3,)"),
        ),
        (
            lambda: assert_same("addbackward0", "AddBackward0", what="y", target="mine"),
            ("y", "'addbackward0'", "torch", "'AddBackward0'"),
        ),
        (
            lambda: assert_same(None, Raised(RuntimeError("boom")), what="error", target="mine"),
            ("error", "returned None", "torch", "raised RuntimeError('boom')"),
        ),
        (
            lambda: assert_same(
                Raised(ValueError("v")), Raised(RuntimeError("r")), what="err", target="mine"
            ),
            ("err", "raised ValueError('v')", "torch", "raises RuntimeError (RuntimeError('r'))"),
        ),
    ],
)
def test_sides_cut_real_headlines(check, expected):
    split = sides(_headline(check))
    assert split is not None
    assert (split.subject, split.target, split.reference_name, split.reference) == expected


def test_sides_leave_other_headlines_whole():
    assert sides("the program raised RuntimeError('x') on target 'mine'") is None
    assert sides("gradients on target 'mine' fail the float64 finite-difference check: <grad, d> = 1") is None


def test_markdown_merges_targets_into_one_matrix(reports):
    scaled, torch_report = (json.loads(path.read_text(encoding="utf-8")) for path in reports)
    text = render_markdown([scaled, torch_report])
    assert "| spec | tutorial cell | scaled | torch |" in text
    assert "| `accumulation.repeated_backward_adds` | In [17] | ❌ fail | ✅ pass |" in text
    assert (
        "| `node_names.tutorial_node_names` | In [3], In [4], In [5], In [7] | ➖ unsupported | ✅ pass |"
        in text
    )
    assert "| `vector_backward.random_v` | In [11] | 🟨 deviation | ✅ pass |" in text
    assert "| `detach.detach_returns_untracked` | In [15] | ✅ pass | ✅ pass |" in text
    assert (
        text.index("| **accumulation** |") < text.index("| **detach** |") < text.index("| **node_names** |")
    )
    assert "## Failures (2)" in text
    assert "### scaled: `accumulation.repeated_backward_adds` (tutorial In [17])" in text
    assert "| weights.grad after each pass #1 [0] | `4.5` | `3` |" in text
    assert (
        "```python\nfrom __future__ import annotations\nimport numpy as np\nfrom conformance.repro import"
        in text
    )
    assert "\n- **scaled**: `vector_backward.random_v` (tutorial In [11]): " in text


def test_a_spec_one_report_lacks_shows_as_not_run(reports):
    scaled, torch_report = (json.loads(path.read_text(encoding="utf-8")) for path in reports)
    torch_report["specs"] = [spec for spec in torch_report["specs"] if spec["family"] != "detach"]
    text = render_markdown([scaled, torch_report])
    assert "| `detach.detach_returns_untracked` | In [15] | ✅ pass | not run |" in text


def test_html_is_one_self_contained_page(reports, tmp_path):
    svg, png = tmp_path / "speed.svg", tmp_path / "memory.png"
    svg.write_text(SVG)
    png.write_bytes(PNG)
    out = tmp_path / "site" / "report.html"
    status = main([*map(str, reports), "--html", str(out), "--images", str(svg), str(png)])
    assert status == 0
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert not re.search(r"<(script|link|iframe)\b", page)
    assert not re.search(r"""(src|href)=["'](?!#|data:)""", page), "a resource outside the page"
    assert "url(" not in page
    assert '<section id="benchmarks"><h2>Benchmarks</h2>' in page
    assert page.count('src="data:image/svg+xml;base64,') == 1
    assert page.count('src="data:image/png;base64,') == 1
    assert 'data-outcome="failed"' in page and 'data-outcome="deviation"' in page
    assert '<td class="target"><code>4.5</code></td><td class="reference"><code>3</code></td>' in page


def test_without_images_there_is_no_benchmarks_section(reports):
    scaled = json.loads(reports[0].read_text(encoding="utf-8"))
    assert 'id="benchmarks"' not in render_html([scaled])


def test_text_from_reports_is_escaped(reports):
    scaled = json.loads(reports[0].read_text(encoding="utf-8"))
    scaled["specs"][0]["doc"] = "<b>bold</b> & more"
    page = render_html([scaled])
    assert "<b>bold</b>" not in page
    assert "&lt;b&gt;bold&lt;/b&gt; &amp; more" in page


def test_markdown_goes_to_stdout_by_default(reports, capsys):
    assert main([str(reports[1])]) == 0
    out = capsys.readouterr().out
    assert out.startswith("# Autograd conformance")
    assert "No spec failed." in out


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "is not JSON"),
        ('{"a": 1}', "is not an autograd conformance report"),
        ('{"schema": "autograd-conformance-report", "schema_version": 99}', "has schema_version 99"),
    ],
)
def test_a_file_that_is_no_report_is_exit_status_2(tmp_path, capsys, content, message):
    path = tmp_path / "bad.json"
    path.write_text(content)
    assert main([str(path), "--html", str(tmp_path / "out.html")]) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "out.html").exists()


def test_missing_file_and_unusable_image_are_exit_status_2(reports, tmp_path, capsys):
    assert main([str(tmp_path / "nosuch.json")]) == 2
    assert "cannot read report" in capsys.readouterr().err
    gif = tmp_path / "plot.gif"
    gif.write_bytes(b"GIF89a")
    assert main([str(reports[0]), "--html", str(tmp_path / "o.html"), "--images", str(gif)]) == 2
    assert "not a PNG, SVG or JPEG file" in capsys.readouterr().err


def test_console_script_and_module_both_render(reports, tmp_path):
    script = shutil.which("autograd-conformance-report")
    assert script is not None, "pip install -e . installs the autograd-conformance-report script"
    for command in ([script], [sys.executable, "-m", "conformance.reports.render"]):
        out = tmp_path / f"{len(command)}.md"
        subprocess.run([*command, *map(str, reports), "--markdown", str(out)], check=True)
        assert "| spec | tutorial cell | scaled | torch |" in out.read_text(encoding="utf-8")
