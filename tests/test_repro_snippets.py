"""Every repro snippet runs as printed: the snippets of a broken engine's failures (gradient programs,
observation programs, generated programs) and of a target that writes into its inputs each run on their
own, in a fresh interpreter, and show the failure they were printed for, with the inputs as they were
before the target saw them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.engines import REPO_ROOT
from tests.engines.hostile import HOSTILE

RUNS = {
    "pow_gradient_drops_exponent": (
        "tests.engines.broken:pow_gradient_drops_exponent",
        [
            "conformance/specs/scalar_backward.py",
            "conformance/specs/generated_programs.py",
            "conformance/specs/elementwise_unary.py::test_pow",
        ],
    ),
    "writes_into_inputs": ("tests.engines.hostile:writes_into_inputs", [HOSTILE["writes_into_inputs"].check]),
}
MOST = 6  # snippets run a target: each costs an interpreter importing torch


@pytest.mark.parametrize("run", RUNS.values(), ids=RUNS.keys())
def test_snippets_run_as_printed(tmp_path: Path, run: tuple[str, list[str]]) -> None:
    target, selection = run
    report = tmp_path / "report.json"
    command = [
        sys.executable, "-m", "pytest", f"--target={target}", "--hypothesis-profile=ci", "-p",
        "no:cacheprovider", "-q", f"--conformance-report={report}", *selection,
    ]  # fmt: skip
    subprocess.run(
        command,
        cwd=REPO_ROOT,
        capture_output=True,
        check=False,
        timeout=600,
    )
    failed = [
        check
        for spec in json.loads(report.read_text(encoding="utf-8"))["specs"]
        for check in spec["checks"]
        if check["outcome"] == "failed" and check["repro"]
    ]
    assert failed, "the broken engine failed no check with a snippet"
    for check in failed[:MOST]:
        snippet = tmp_path / "snippet.py"
        snippet.write_text(check["repro"], encoding="utf-8")
        rerun = subprocess.run(
            [sys.executable, str(snippet)],
            capture_output=True,
            text=True,
            cwd=tmp_path,
            env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
            check=False,
            timeout=300,
        )
        assert rerun.returncode == 0, f"{check['id']}: the snippet does not run:\n{rerun.stderr[-2000:]}"
        shown = rerun.stdout.splitlines()[0] if rerun.stdout else ""
        assert shown.startswith("DIFFERS: "), f"{check['id']}: {rerun.stdout[-1000:]}"
        assert shown.removeprefix("DIFFERS: ")[:40] == check["message"][:40], (check["message"], shown)
