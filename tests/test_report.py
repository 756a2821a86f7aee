"""The JSON report: written by --conformance-report, valid against docs/report.schema.json, and true."""

import json
import os
import re
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest
import torch

SCHEMA_PATH = Path(__file__).parent.parent / "docs" / "report.schema.json"

ADAPTERS = (Path(__file__).parent / "engines" / "scaled.py").read_text()  # written as myadapters.py
DEVIATIONS = (
    'vector_backward.random_v  "* on target \'scaled\'*"  # gradients are scaled\nnosuch.spec  "*"  # stale\n'
)
SUBSET = "repeated_backward_adds or node_names or random_v or ones_equals_sum"


def schema_errors(value, schema, root, where="report"):
    """The places where ``value`` breaks ``schema``: the subset of JSON Schema the report's schema uses."""
    if "$ref" in schema:
        schema = root["$defs"][schema["$ref"].rsplit("/", 1)[-1]]
    errors = []
    kinds = {
        "object": dict,
        "array": list,
        "string": str,
        "boolean": bool,
        "null": type(None),
        "integer": int,
        "number": (int, float),
    }
    if "type" in schema:
        allowed = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        fits = any(
            isinstance(value, kinds[kind]) and not (kind in ("integer", "number") and isinstance(value, bool))
            for kind in allowed
        )
        if not fits:
            return [f"{where}: {value!r} is not of type {allowed}"]
    if "const" in schema and value != schema["const"]:
        errors.append(f"{where}: {value!r} is not {schema['const']!r}")
    if "enum" in schema and value not in schema["enum"]:
        errors.append(f"{where}: {value!r} is not one of {schema['enum']}")
    if isinstance(value, int | float) and not isinstance(value, bool):
        if "minimum" in schema and value < schema["minimum"]:
            errors.append(f"{where}: {value} < {schema['minimum']}")
        if "maximum" in schema and value > schema["maximum"]:
            errors.append(f"{where}: {value} > {schema['maximum']}")
    if isinstance(value, dict):
        errors += [f"{where}: no {key!r}" for key in schema.get("required", []) if key not in value]
        properties = schema.get("properties", {})
        extra = schema.get("additionalProperties", True)
        for key, item in value.items():
            if key in properties:
                errors += schema_errors(item, properties[key], root, f"{where}.{key}")
            elif extra is False:
                errors.append(f"{where}: unexpected {key!r}")
            elif isinstance(extra, dict):
                errors += schema_errors(item, extra, root, f"{where}.{key}")
    if isinstance(value, list) and "items" in schema:
        for number, item in enumerate(value):
            errors += schema_errors(item, schema["items"], root, f"{where}[{number}]")
    return errors


@pytest.fixture(scope="module")
def schema():
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def scaled_run(tmp_path_factory):
    """One run of a target that scales gradients by 1.5, shared by the tests that read its report."""
    where = tmp_path_factory.mktemp("scaled")
    where.joinpath("myadapters.py").write_text(ADAPTERS)
    where.joinpath("scaled.deviations").write_text(DEVIATIONS)
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "--hypothesis-profile=ci",
            "--hypothesis-seed=7",
            "--target=myadapters:Scaled",
            "--deviations=scaled.deviations",
            "-k",
            SUBSET,
            "--conformance-report=out/nested/report.json",
        ],
        cwd=where,
        env={**os.environ, "PYTHONPATH": str(where)},
        capture_output=True,
        text=True,
        check=False,
    )
    path = where / "out" / "nested" / "report.json"
    return run, json.loads(path.read_text(encoding="utf-8")), path


def test_schema_checker_rejects_what_breaks_the_schema(schema):
    broken = {"schema": "autograd-conformance-report", "schema_version": 2, "specs": [{"outcome": "great"}]}
    errors = schema_errors(broken, schema, schema)
    assert "report.schema_version: 2 is not 1" in errors
    assert "report: no 'target'" in errors
    assert any("'great' is not one of" in error for error in errors)
    assert schema_errors(True, {"type": "integer"}, schema) == ["report: True is not of type ['integer']"]


def test_report_is_valid_and_says_where_and_with_what(scaled_run, schema):
    run, report, path = scaled_run
    assert run.returncode == pytest.ExitCode.TESTS_FAILED
    assert f"conformance report: {path}" in run.stdout.splitlines()
    assert schema_errors(report, schema, schema) == []
    assert report["suite"] == {"name": "autograd-conformance", "version": version("autograd-conformance")}
    assert report["target"]["name"] == "scaled"
    assert report["target"]["spelling"] == "myadapters:Scaled"
    assert report["target"]["version"] == torch.__version__
    assert report["target"]["lacks"] == ["torch node names"]
    assert report["target"]["stale_deviations"][0]["spec_id"] == "nosuch.spec"
    assert report["reference"] == {"name": "torch", "version": torch.__version__}
    assert report["hypothesis"]["profile"] == "ci"
    assert report["hypothesis"]["seed"] == "7"
    assert report["exit_status"] == 1
    environment = report["environment"]
    assert environment["python"] == ".".join(map(str, sys.version_info[:3]))
    assert {"name": "cpu", "usable": True, "reason": None} in environment["devices"]
    if not torch.cuda.is_available():
        assert environment["cuda_device"] is None
    assert report["started"] <= report["finished"]


def test_report_counts_and_outcomes_match_the_run(scaled_run):
    run, report, _ = scaled_run
    outcomes = {spec["id"]: spec["outcome"] for spec in report["specs"]}
    assert outcomes["accumulation.repeated_backward_adds"] == "failed"
    assert outcomes["node_names.tutorial_node_names"] == "unsupported"
    assert outcomes["vector_backward.random_v"] == "deviation"
    assert outcomes["vector_backward.ones_equals_sum"] == "failed"
    summary = report["summary"]
    assert summary["specs"] == {"passed": 0, "failed": 2, "deviation": 1, "unsupported": 3, "skipped": 0}
    assert summary["score"] == 0.0
    assert summary["supported"] == 3
    families = {family["family"]: family for family in summary["families"]}
    assert families["node_names"]["unsupported"] == 3
    checks = [check for spec in report["specs"] for check in spec["checks"]]
    last = run.stdout.strip().splitlines()[-1]  # "3 failed, 1 passed, 9 skipped, 2 xfailed in 2.1s"
    ran = {word: int(number) for number, word in re.findall(r"(\d+) (passed|failed|skipped|xfailed)", last)}
    assert len(checks) == sum(ran.get(key, 0) for key in ("passed", "failed", "skipped", "xfailed"))
    assert summary["checks"]["failed"] == ran["failed"]
    assert summary["checks"]["deviation"] == ran["xfailed"]
    assert len({check["id"] for check in checks}) == len(checks)


def test_failed_check_carries_verdict_details_and_a_repro_that_reproduces(scaled_run):
    _, report, path = scaled_run
    where = path.parent.parent.parent
    spec = next(spec for spec in report["specs"] if spec["id"] == "accumulation.repeated_backward_adds")
    assert (spec["family"], spec["cell"], spec["origin"]) == ("accumulation", "In [17]", "tutorial In [17]")
    check = next(check for check in spec["checks"] if check["outcome"] == "failed")
    assert check["params"] == {"device": "cpu"}
    assert check["parameters"] == "cpu"
    assert check["duration"] > 0
    assert "= 4.5 on target 'scaled', but torch gives 3" in check["message"]
    assert spec["message"] == check["message"]
    assert "elements differ; target [4.5, 4.5, 4.5] | torch [3., 3., 3.]" in check["details"]
    assert "reproduce" not in check["details"]
    assert check["repro"].startswith(
        "from __future__ import annotations\nimport numpy as np\nfrom conformance.repro import compare_program"
    )
    rerun = subprocess.run(
        [sys.executable, "-c", check["repro"]],
        capture_output=True,
        text=True,
        cwd=where,
        env={**os.environ, "PYTHONPATH": str(where)},
        check=False,
    )
    assert rerun.stdout.startswith("DIFFERS: weights.grad after each pass #1 [0] = 4.5 on target 'scaled'")


def test_skips_keep_their_reason(scaled_run):
    _, report, _ = scaled_run
    spec = next(spec for spec in report["specs"] if spec["id"] == "node_names.tutorial_node_names")
    unsupported = [check for check in spec["checks"] if check["outcome"] == "unsupported"]
    assert unsupported
    assert unsupported[0]["message"] == "unsupported: target 'scaled' has no torch node names"
    assert unsupported[0]["repro"] == ""


def test_failure_that_is_no_disagreement_keeps_pytests_text(pytester):
    pytester.makepyfile(
        myadapters="""
from targets.pytorch import TorchAdapter

class Crashing(TorchAdapter):
    name = "crashing"
    deviations = None
    def zero_grad_of(self, tensor):
        raise KeyboardInterrupt if False else ZeroDivisionError("no zeroing today")
"""
    )
    pytester.path.joinpath("passing.deviations").write_text(
        'accumulation.repeated_backward_adds  "*"  # listed\n'
    )
    pytester.syspathinsert()
    result = pytester.runpytest(
        "-p",
        "no:cacheprovider",
        "--target=myadapters:Crashing",
        "--deviations=passing.deviations",
        "-k",
        "accumulation",
        "--conformance-report=report.json",
    )
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    report = json.loads((pytester.path / "report.json").read_text(encoding="utf-8"))
    specs = {spec["id"]: spec for spec in report["specs"]}
    assert report["target"]["deviations_file"] == "passing.deviations"  # under the working directory
    listed = specs["accumulation.repeated_backward_adds"]
    assert listed["outcome"] == "failed"
    assert "now passes, but" in listed["message"]
    assert "remove that entry" in listed["checks"][0]["details"]
    crashed = specs["accumulation.zero_resets"]
    assert "ZeroDivisionError('no zeroing today')" in crashed["message"]


def test_torch_run_reports_full_score(pytester, schema):
    result = pytester.runpytest(
        "-p", "no:cacheprovider", "--target=torch", "-k", "accumulation", "--conformance-report=torch.json"
    )
    assert result.ret == pytest.ExitCode.OK
    report = json.loads((pytester.path / "torch.json").read_text(encoding="utf-8"))
    assert schema_errors(report, schema, schema) == []
    assert report["exit_status"] == 0
    assert report["summary"]["score"] == 1.0
    assert report["summary"]["specs"]["passed"] == 4
    assert report["hypothesis"]["seed"] is None
    assert report["target"]["deviations_file"].endswith("torch.deviations")


def test_no_report_without_the_option(pytester):
    result = pytester.runpytest("-p", "no:cacheprovider", "--target=torch", "-k", "zero_resets")
    assert result.ret == pytest.ExitCode.OK
    assert "conformance report:" not in result.stdout.str()
    assert not list(pytester.path.rglob("*.json"))
