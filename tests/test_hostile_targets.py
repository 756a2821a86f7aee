"""A verdict survives a hostile target: each misbehaviour of tests/engines/hostile.py fails its own check
with its own verdict, the other checks still run and are reported, the JSON report is complete and the
run ends non-zero; serially and under ``-n 2``. Each run is a separate pytest process, as a CI runs it.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.engines import REPO_ROOT
from tests.engines.hostile import CONTROL, HOSTILE

TIMEOUT = 5  # --check-timeout of the hostile runs: the two hangs cost it (and the native one twice)


def _run(
    tmp_path: Path, target: str, checks: list[str], *options: str
) -> tuple[subprocess.CompletedProcess[str], dict]:
    report = tmp_path / "report.json"
    command = [
        sys.executable, "-m", "pytest", f"--target={target}", f"--check-timeout={TIMEOUT}",
        "--hypothesis-profile=ci", "-p", "no:cacheprovider", f"--conformance-report={report}", *options, *checks,
    ]  # fmt: skip
    done = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True, timeout=600)
    return done, json.loads(report.read_text(encoding="utf-8"))


def _checks(report: dict) -> dict[str, dict]:
    return {check["id"]: check for spec in report["specs"] for check in spec["checks"]}


@pytest.mark.parametrize("workers", [[], ["-n", "2"]], ids=["serial", "xdist"])
def test_each_misbehaviour_gets_its_own_verdict(tmp_path: Path, workers: list[str]) -> None:
    checks = [hostile.check for hostile in HOSTILE.values()] + [CONTROL]
    done, report = _run(tmp_path, "tests.engines.hostile:everything", checks, *workers)
    assert done.returncode == 1, f"exit {done.returncode}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    assert report["complete"] and not report["missing"], report["missing"]
    found = _checks(report)
    assert set(found) == set(checks), "every check is reported, the crashed ones too"
    assert found[CONTROL]["outcome"] == "passed", found[CONTROL]["message"]
    for name, hostile in HOSTILE.items():
        check = found[hostile.check]
        if not hostile.verdict:  # the heavy printer computes right: its output is bounded, not wrong
            assert check["outcome"] == "passed", f"{name}: {check['message']}"
            continue
        assert check["outcome"] == "failed", f"{name}: {check['outcome']}"
        assert hostile.verdict in check["message"], f"{name}: {check['message']!r}"
    printed = len(done.stdout) + len(done.stderr)
    assert printed < 2_000_000, f"the heavy printer's output reached the terminal unbounded ({printed} chars)"


def test_nothing_listed_as_a_deviation_hides_another_failure(tmp_path: Path) -> None:
    """A deviations entry pins how its spec fails: the same spec failing otherwise is a failure."""
    deviations = tmp_path / "hostile.deviations"
    hostile = HOSTILE["returns_nan"]
    spec_id = "reductions.var"
    deviations.write_text(
        f'{spec_id}  "forward value = nan on target*"  # var is NaN: listed, so a deviation\n'
        f'elementwise_unary.exp  "grad of x*"  # listed as a wrong gradient, but the engine crashes instead\n',
        encoding="utf-8",
    )
    checks = [hostile.check, HOSTILE["segfault"].check]
    done, report = _run(tmp_path, "tests.engines.hostile:everything", checks, f"--deviations={deviations}")
    found = _checks(report)
    assert found[hostile.check]["outcome"] == "deviation", found[hostile.check]["message"]
    crashed = found[HOSTILE["segfault"].check]
    assert crashed["outcome"] == "failed"
    assert "fails otherwise than its known deviation says" in crashed["message"]
    assert "SIGSEGV" in crashed["message"]
    assert done.returncode == 1


def test_an_interrupted_run_says_it_is_incomplete(tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    command = [
        sys.executable, "-m", "pytest", "--target=tests.engines.hostile:hang", "--check-timeout=30",
        "-p", "no:cacheprovider", f"--conformance-report={report}", "--hypothesis-profile=ci",
        CONTROL, HOSTILE["hang"].check, HOSTILE["segfault"].check,
    ]  # fmt: skip
    process = subprocess.Popen(
        command, cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not report.is_file():  # written once collection is done
        time.sleep(0.2)
    time.sleep(6)  # the control check has run; the hang is under way
    os.kill(process.pid, signal.SIGINT)
    output, _ = process.communicate(timeout=120)
    assert process.returncode != 0, output[-2000:]
    written = json.loads(report.read_text(encoding="utf-8"))
    assert not written["complete"]
    assert HOSTILE["segfault"].check in {missing["nodeid"] for missing in written["missing"]}
    assert "INCOMPLETE" in output
