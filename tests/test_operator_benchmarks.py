"""The operator benchmarks: one group per catalogue operator and size, target beside torch; an operator
the target does not offer is left out with the reason; the option is checked; the report's operator
table and plot. Speed itself is measured by the benchmarks, never asserted here."""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

import pytest

from conformance.benchmarks.operators import OPERATOR_WORKLOADS
from conformance.benchmarks.plugin import parse_operators
from conformance.benchmarks.report import main as report_main
from conformance.catalogue import CASES, OPERATORS
from tests.test_benchmarks import QUICK, _bench, _groups

ENGINES = """
from pathlib import Path

from conformance.adapter import Capability, Unsupported
from targets.pytorch import TorchAdapter


class NoExpAdapter(TorchAdapter):
    name = "noexp"

    def devices(self):
        return {"cpu": None}

    def operator(self, name):
        return None if name == "exp" else super().operator(name)


class ScalarOnlyAdapter(NoExpAdapter):
    name = "scalar_only"  # as micrograd: backward() of a scalar, no cotangent on any route
    capabilities = TorchAdapter.capabilities - {Capability.BACKWARD_GRADIENT}

    def vjp(self, function, primals, cotangent, *, device):
        with Path("vjp_calls.txt").open("a") as calls:
            calls.write(f"{primals[0].size}\\n")
        if cotangent is not None:
            raise Unsupported("backward(gradient)")
        return super().vjp(function, primals, cotangent, device=device)
"""


@pytest.fixture(autouse=True)
def _benchmarks_stay_on_in_an_xdist_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PYTEST_XDIST_WORKER", raising=False)  # as in test_benchmarks.py


def test_every_catalogue_operator_has_one_workload() -> None:
    assert [workload.operator for workload in OPERATOR_WORKLOADS] == list(OPERATORS)
    families = {case.operator: case.family for case in reversed(CASES)}  # an operator's first case
    assert {w.operator: w.family for w in OPERATOR_WORKLOADS} == families


def test_each_operator_group_holds_the_target_beside_the_reference(
    pytester: pytest.Pytester, tmp_path: Path
) -> None:
    path = pytester.path / "bench.json"
    result = pytester.runpytest(
        "--target=torch",
        "--benchmark-only",
        f"--benchmark-json={path}",
        "--benchmark-operator-sizes=3",
        "-k",
        "test_operator",
        *QUICK,
    )
    assert result.ret == 0, result.stdout.str()
    groups = _groups(path)
    assert sorted(groups) == sorted(f"op[{name}-3]" for name in OPERATORS)
    for workload in OPERATOR_WORKLOADS:
        entries = groups[f"op[{workload.operator}-3]"]
        assert sorted(info["role"] for info in entries) == ["reference", "target"]
        assert {
            (info["operator"], info["form"], info["family"], info["size"], info["engine"], info["device"])
            for info in entries
        } == {(workload.operator, workload.form, workload.family, 3, "torch", "cpu")}
        assert {(info["route"], info["dtype"]) for info in entries} == {("backward", "float32")}
    recorded = json.loads(path.read_text())["autograd_conformance"]
    assert (recorded["operators"], recorded["operator_sizes"], recorded["not_measured"]) == ("all", [3], [])

    out = tmp_path / "report"
    assert report_main([str(path), "--out", str(out)]) == 0
    text = (out / "report.md").read_text()
    assert "### torch / torch, operators, cpu" in text and "![operators ratio](operators_ratio.png)" in text
    assert all(f"| `{name}` |" in text for name in OPERATORS)
    cell = r"\d+\.\d\d× \([\d.]+ [nµm]?s / [\d.]+ [nµm]?s\)"  # the ratio, then both medians
    assert re.search(rf"\| `exp` \| exp\(x\); x: n \| {cell} \|\n", text), text
    assert "## torch\n" not in text  # the operators alone: no spec programs' section, and no empty one
    assert not (out / "time_vs_size.png").exists()
    assert (out / "operators_ratio.png").read_bytes().startswith(b"\x89PNG")


def test_an_operator_the_target_does_not_offer_is_not_measured_with_the_reason(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(engines=ENGINES)
    pytester.syspathinsert()
    path = pytester.path / "bench.json"
    result = pytester.runpytest(
        "--target=engines:NoExpAdapter",
        "--benchmark-only",
        f"--benchmark-json={path}",
        "--benchmark-operators=exp,neg",
        "--benchmark-operator-sizes=3,100",
        "-k",
        "test_operator",
        "-rs",
        *QUICK,
    )
    result.assert_outcomes(passed=4, skipped=4)  # neg on both engines at both sizes; exp on neither
    result.stdout.fnmatch_lines(
        ["*SKIPPED [[]4]*target 'engines:NoExpAdapter' does not offer the operator exp*"]
    )
    not_measured = json.loads(path.read_text())["autograd_conformance"]["not_measured"]
    assert sorted((item["operator"], item["role"], item["size"]) for item in not_measured) == [
        ("exp", "reference", 3),
        ("exp", "reference", 100),
        ("exp", "target", 3),
        ("exp", "target", 100),
    ]
    assert {item["offered"] for item in not_measured} == {False}
    assert sorted(_groups(path)) == ["op[neg-100]", "op[neg-3]"]

    assert report_main([str(path), "--out", str(pytester.path / "out"), "--no-plots"]) == 0
    text = (pytester.path / "out" / "report.md").read_text()
    assert "| `exp` | exp(x); x: n | not offered | not offered |" in text
    assert "Not offered by engines:NoExpAdapter: `exp`." in text


def test_an_engine_that_lacks_the_route_is_tried_at_its_first_size_only(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(engines=ENGINES)
    pytester.syspathinsert()
    result = pytester.runpytest(
        "--target=engines:ScalarOnlyAdapter",
        "--benchmark-only",
        "--benchmark-operators=neg,chunk",
        "--benchmark-operator-sizes=3,100,1000",
        "-k",
        "test_operator",
        "-rs",
        *QUICK,
    )
    # neg's output is a vector, which needs a cotangent: the target is skipped at every size, tried at
    # the first only; chunk's pieces are summed into a scalar, which backward() takes without one
    result.assert_outcomes(passed=9, skipped=3)
    result.stdout.fnmatch_lines(
        ["*SKIPPED [[]3]*target 'engines:ScalarOnlyAdapter' has no backward(gradient)*"]
    )
    assert (pytester.path / "vjp_calls.txt").read_text().split() == ["3"]


def test_operator_names_are_parsed() -> None:
    assert parse_operators("all") is None
    assert parse_operators("none") == ()
    assert parse_operators(" exp, sum,exp ,") == ("exp", "sum")


@pytest.mark.parametrize(
    ("value", "sentence"),
    [
        ("expo", "*'expo' is not a catalogue operator; give all, none, or names from: neg, abs, exp,*"),
        ("exp,foo,bar", "*'foo', 'bar' are not catalogue operators; give all, none, or names from*"),
        (",", "*',' names no operator; give all, none, or catalogue names such as exp,sum,matmul*"),
    ],
)
def test_bad_operator_names_are_refused_with_a_sentence(
    pytester: pytest.Pytester, value: str, sentence: str
) -> None:
    result = pytester.runpytest("--target=torch", "--benchmark-only", f"--benchmark-operators={value}")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"*--benchmark-operators*{sentence}"])
    with pytest.raises(argparse.ArgumentTypeError):
        parse_operators(value)


def test_bad_operator_sizes_are_refused_with_a_sentence(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--target=torch", "--benchmark-only", "--benchmark-operator-sizes=0")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--benchmark-operator-sizes*must name at least one size*"])


def _operator_run(path: Path, target: str, medians: dict[tuple[str, int], float | None]) -> None:
    """A run of ``target`` in which torch takes 100 µs a round; ``medians``: the target's, None where
    the target does not offer the operator; a pair left out is too slow."""
    forms = {"exp": "exp(x); x: n", "sigmoid": "sigmoid(x); x: n", "matmul": "matmul(a, b); a, b: k × k"}
    benchmarks, not_measured = [], []
    for operator, form in forms.items():
        for size in (100, 10_000):
            info = {"target": target, "operator": operator, "form": form, "family": "f", "size": size,
                    "dtype": "float32", "device": "cpu", "route": "vjp"}  # fmt: skip
            if (operator, size) not in medians:
                reason = f"too slow: one round of {operator} at {size:,} elements took 3.00 s"
                not_measured.append({"role": "target", "engine": target, **info, "reason": reason})
                continue
            median = medians[(operator, size)]
            if median is None:
                reason = f"target {target!r} does not offer the operator {operator}"
                for role in ("target", "reference"):
                    not_measured.append(
                        {"role": role, "engine": target, **info, "offered": False, "reason": reason}
                    )
                continue
            for role, engine, seconds in (("target", target, median), ("reference", "torch", 1e-4)):
                info = {**info, "role": role, "engine": engine, "engine_version": "1.0"}
                benchmarks.append(_bench(f"op[{operator}-{size}]", seconds, **info))
    extra = {"target": target, "not_measured": not_measured}
    path.write_text(json.dumps({"benchmarks": benchmarks, "autograd_conformance": extra}))


def test_the_report_has_a_table_per_engine_and_one_plot_of_the_operators(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("matplotlib")
    mine = {("exp", 100): 2e-4, ("exp", 10_000): 3e-4, ("sigmoid", 100): 5e-5}  # sigmoid: too slow at 10k
    mine.update({("matmul", 100): None, ("matmul", 10_000): None})
    _operator_run(tmp_path / "mine.json", "mine", mine)
    _operator_run(
        tmp_path / "torch.json",
        "torch",
        {(op, n): 1e-4 for op in ("exp", "sigmoid", "matmul") for n in (100, 10_000)},
    )
    out = tmp_path / "report"
    assert report_main([str(tmp_path / "mine.json"), str(tmp_path / "torch.json"), "--out", str(out)]) == 0
    text = (out / "report.md").read_text()
    assert text.index("### torch / torch, operators, cpu") < text.index("### mine / torch, operators, cpu")
    assert "| operator | form | 100 | 10,000 |" in text
    assert "| `exp` | exp(x); x: n | 2.00× (200 µs / 100 µs) | 3.00× (300 µs / 100 µs) |" in text
    assert "| `sigmoid` | sigmoid(x); x: n | 0.50× (50 µs / 100 µs) | — |" in text
    assert "| `matmul` | matmul(a, b); a, b: k × k | not offered | not offered |" in text
    assert (
        "| `matmul` | matmul(a, b); a, b: k × k | 1.00× (100 µs / 100 µs) | 1.00× (100 µs / 100 µs) |" in text
    )
    assert "Not offered by mine: `matmul`." in text
    assert "- `sigmoid` at 10,000 elements on mine (target, cpu): too slow: one round of sigmoid" in text
    assert "![operators ratio](operators_ratio.png)" in text.split("## Operators")[1]  # in its section
    assert "wrote" in capsys.readouterr().out
    assert (out / "operators_ratio.png").read_bytes().startswith(b"\x89PNG")
    svg = (out / "operators_ratio.svg").read_text()
    # each engine's ratio at the largest size measured: exp at 10,000, sigmoid at 100 (its sweep stopped)
    for cell in ("3.00×", "0.50× (n = 100)", "not offered", "mine", "(n = 10,000)"):
        assert cell in svg, cell
    assert "2.00×" not in svg  # exp at 100 is not the largest size
