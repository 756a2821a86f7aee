"""The benchmarks: off unless asked for, target beside torch in every group, the too-slow cut-off, and
the report command. Speed itself is measured by the benchmarks, never asserted here."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from conformance.benchmarks.cases import WORKLOADS, paired_ratio
from conformance.benchmarks.report import main as report_main

QUICK = (
    "--benchmark-min-rounds=1",
    "--benchmark-max-time=0.000001",
    "--benchmark-warmup=off",
    "-p",
    "no:cacheprovider",
)

SLOW_ENGINE = """
import time

from targets.pytorch import TorchAdapter


class SlowAdapter(TorchAdapter):
    name = "slow"

    def devices(self):
        return {"cpu": None}

    def tensor(self, data, *, device, requires_grad=False):
        if data.size >= 100:
            time.sleep(0.6)
        return super().tensor(data, device=device, requires_grad=requires_grad)


class BreakingAdapter(SlowAdapter):
    name = "breaking"

    def tensor(self, data, *, device, requires_grad=False):
        if data.size >= 100:
            raise RecursionError("maximum recursion depth exceeded")  # as micrograd at 1,000
        return TorchAdapter.tensor(self, data, device=device, requires_grad=requires_grad)
"""


@pytest.fixture(autouse=True)
def _benchmarks_stay_on_in_an_xdist_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    # pytest-benchmark turns itself off when this variable says it runs in an xdist worker; the runs
    # these tests start are in-process and not distributed, so under `pytest -n 2` they would fail
    monkeypatch.delenv("PYTEST_XDIST_WORKER", raising=False)


def _groups(path: Path) -> dict[str, list[dict]]:
    groups: dict[str, list[dict]] = {}
    for bench in json.loads(path.read_text())["benchmarks"]:
        groups.setdefault(bench["group"], []).append(bench["extra_info"])
    return groups


def test_a_plain_target_run_collects_no_benchmark(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--target=torch", "--collect-only", "-q", "-p", "no:cacheprovider")
    assert result.ret == 0
    assert "scalar_backward.py::test_tutorial_example[cpu]" in result.stdout.lines
    assert not [line for line in result.stdout.lines if "test_program" in line or "test_overhead" in line]


def test_named_benchmark_module_without_the_flag_is_skipped(pytester: pytest.Pytester) -> None:
    from conformance.benchmarks.plugin import BENCHMARKS_MODULE

    ini = pytester.makeini("[pytest]")  # else the module's path would make the repo's own ini the run's
    result = pytester.runpytest("-c", str(ini), "--target=torch", str(BENCHMARKS_MODULE), "-rs", *QUICK)
    result.stdout.fnmatch_lines(["*benchmarks are off: run pytest --target=NAME --benchmark-only*"])
    result.assert_outcomes(skipped=3)  # test_program, test_operator, test_overhead


def test_each_group_holds_the_target_beside_the_reference(pytester: pytest.Pytester) -> None:
    path = pytester.path / "bench.json"
    result = pytester.runpytest(
        "--target=torch",
        "--benchmark-only",
        f"--benchmark-json={path}",
        "--benchmark-sizes=100,3",
        "--benchmark-operators=none",
        *QUICK,
    )
    assert result.ret == 0, result.stdout.str()
    groups = _groups(path)
    assert not [group for group in groups if group.startswith("op[")]  # none: no operator is timed
    for workload in WORKLOADS:
        for size in (3, 100):
            entries = groups[f"{workload.name}[{size}]"]
            assert sorted(info["role"] for info in entries) == ["reference", "target"]
            assert {(info["size"], info["dtype"], info["route"], info["device"]) for info in entries} == {
                (size, "float32", "backward", "cpu")
            }
            assert {info["engine"] for info in entries} == {"torch"}
        overhead = {info["overhead"]: info for info in groups[f"overhead[tutorial_mean-{size}]"]}
        assert sorted(overhead) == ["direct", "suite"]
        paired = overhead["suite"]["paired"]  # the verdict's measurement rides on the suite's entry
        assert paired["pairs"] >= 21 and paired["low"] <= paired["ratio"] <= paired["high"]
        control = overhead["direct"]["paired_control"]  # direct torch against itself, the same way
        assert control["pairs"] >= 21 and control["low"] <= control["ratio"] <= control["high"]
        assert "paired" not in overhead["direct"] and "paired_control" not in overhead["suite"]
    allocator = json.loads(path.read_text())["autograd_conformance"]["allocator"]
    assert allocator.startswith("steady (glibc: no heap trimming")
    assert "no spec ran" in result.stdout.str()  # --benchmark-only runs the benchmarks alone


def test_a_size_over_budget_ends_the_sweep_with_a_reason(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(slow_engine=SLOW_ENGINE)
    pytester.syspathinsert()
    path = pytester.path / "bench.json"
    result = pytester.runpytest(
        "--target=slow_engine:SlowAdapter",
        "--benchmark-only",
        f"--benchmark-json={path}",
        "--benchmark-sizes=3,100,1000",
        "--benchmark-budget=0.5",
        "-k",
        "test_program and tutorial_mean",
        "-rs",
        *QUICK,
    )
    result.assert_outcomes(passed=4, skipped=2)  # the target at 3; torch at every size
    result.stdout.fnmatch_lines(
        [
            "*too slow: one round of tutorial_mean at 100 elements took 0.6* s on target 'slow' "
            "(budget 0.5 s); this size and larger ones are skipped*",
            "*too slow: not run at 1,000 elements because one round of tutorial_mean on target 'slow' "
            "took 0.6* s at 100 elements (budget 0.5 s)*",
        ]
    )
    not_measured = json.loads(path.read_text())["autograd_conformance"]["not_measured"]
    assert [(item["engine"], item["size"]) for item in not_measured] == [("slow", 100), ("slow", 1000)]
    assert {info["role"] for info in _groups(path)["tutorial_mean[1000]"]} == {"reference"}


def test_saved_runs_compare(pytester: pytest.Pytester) -> None:
    options = ("--target=torch", "--benchmark-only", "--benchmark-sizes=3", "-k", "tutorial_sum", *QUICK)
    assert pytester.runpytest(*options, "--benchmark-autosave").ret == 0
    result = pytester.runpytest(*options, "--benchmark-compare", "--benchmark-compare-fail=median:1000%")
    assert result.ret == 0
    result.stderr.fnmatch_lines(["*Comparing against benchmarks from:*0001_*"])
    result.stdout.fnmatch_lines(["*tutorial_sum-3-cpu-target*(0001*"])  # the saved run, in the table


@pytest.mark.parametrize("value", ["0", "3,x", ""])
def test_bad_sizes_are_refused_with_a_sentence(pytester: pytest.Pytester, value: str) -> None:
    result = pytester.runpytest("--target=torch", "--benchmark-only", f"--benchmark-sizes={value}")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["*--benchmark-sizes*3,100,10000*" if value == "3,x" else "*at least one size*"]
    )


def test_a_system_allocator_is_left_alone_and_said_so(pytester: pytest.Pytester) -> None:
    path = pytester.path / "bench.json"
    result = pytester.runpytest(
        "--target=torch",
        "--benchmark-only",
        f"--benchmark-json={path}",
        "--benchmark-sizes=3",
        "--benchmark-allocator=system",
        "-k",
        "tutorial_sum",
        *QUICK,
    )
    assert result.ret == 0, result.stdout.str()
    assert json.loads(path.read_text())["autograd_conformance"]["allocator"] == "system"


def test_a_bad_allocator_is_refused_with_the_choices(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--target=torch", "--benchmark-only", "--benchmark-allocator=jemalloc")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--benchmark-allocator*invalid choice*'jemalloc'*steady*system*"])


def test_steady_allocator_says_why_it_was_not_applied(monkeypatch: pytest.MonkeyPatch) -> None:
    import ctypes
    import sys

    from conformance.benchmarks import plugin as bench_plugin

    monkeypatch.setattr(sys, "platform", "darwin")
    assert bench_plugin.keep_allocator_steady() == "system (steady needs glibc; this is darwin)"
    monkeypatch.setattr(sys, "platform", "linux")

    class _Musl:  # a C library without mallopt
        pass

    monkeypatch.setattr(ctypes, "CDLL", lambda name: _Musl())
    assert bench_plugin.keep_allocator_steady() == (
        "system (steady needs glibc's mallopt; this C library has none)"
    )

    class _Refusing:
        def mallopt(self, parameter: int, value: int) -> int:
            return 0  # glibc's answer to a value out of range

    monkeypatch.setattr(ctypes, "CDLL", lambda name: _Refusing())
    assert bench_plugin.keep_allocator_steady() == "system (glibc refused the steady settings)"


class _FakeClock:
    """A clock that only the timed functions move: each advances it by its own cost."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def costing(self, seconds: float) -> Callable[[], None]:
        def run() -> None:
            self.now += seconds

        return run


def test_paired_ratio_divides_each_pair_the_right_way_round_whatever_ran_first() -> None:
    clock = _FakeClock()
    # first costs 3, second 2: the ratio is 1.5 in every pair, though half the pairs run second first
    paired = paired_ratio(clock.costing(3.0), clock.costing(2.0), seconds=100.0, clock=clock)
    assert paired == {"ratio": 1.5, "low": 1.5, "high": 1.5, "pairs": 21}  # 100 s buy 20 pairs; 21 at least


def test_paired_ratio_runs_pairs_for_the_time_it_is_given() -> None:
    clock = _FakeClock()
    paired = paired_ratio(clock.costing(0.01), clock.costing(0.01), seconds=1.0, clock=clock)
    assert paired["pairs"] == 50 and paired["ratio"] == 1.0


def _bench(group: str, median: float, **info: object) -> dict:
    return {"group": group, "name": group, "extra_info": info, "stats": {"median": median, "data": [median]}}


def _hand_made_run(
    path: Path, paired: dict[str, float] | None = None, control: dict[str, float] | None = None
) -> None:
    benchmarks = []
    for program, family in (("tutorial_mean", "scalar backward"), ("tutorial_z", "vector backward")):
        for size in (3, 1000):
            for role, engine, median in (("target", "mine", 2e-4), ("reference", "torch", 1e-4)):
                benchmarks.append(
                    _bench(
                        f"{program}[{size}]",
                        median * size,
                        role=role,
                        target="mine",
                        engine=engine,
                        engine_version="1.0",
                        program=program,
                        family=family,
                        size=size,
                        dtype="float32",
                        device="cpu",
                        route="vjp",
                    )
                )
    for way, median in (("suite", 1.2e-4), ("direct", 1e-4)):
        info: dict[str, object] = {}
        if paired is not None and way == "suite":
            info["paired"] = paired
        if control is not None and way == "direct":
            info["paired_control"] = control
        benchmarks.append(
            _bench("overhead[tutorial_mean-1000]", median, overhead=way, size=1000, device="cpu", **info)
        )
    not_measured = [{"role": "target", "engine": "mine", "program": "tutorial_z", "size": 10_000,
                     "device": "cpu", "reason": "too slow: one round took 3.00 s"}]  # fmt: skip
    machine = {"cpu": {"brand_raw": "Test CPU", "count": 2}, "python_version": "3.11.7"}
    path.write_text(
        json.dumps(
            {
                "machine_info": machine,
                "commit_info": {"id": "0" * 40, "dirty": False},
                "datetime": "2025-01-02T03:04:05+00:00",
                "benchmarks": benchmarks,
                "autograd_conformance": {"target": "mine", "not_measured": not_measured},
            }
        )
    )


def test_the_report_turns_json_into_a_table_and_plots(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("matplotlib")
    _hand_made_run(tmp_path / "mine.json")
    out = tmp_path / "report"
    assert report_main([str(tmp_path / "mine.json"), "--out", str(out)]) == 0
    text = (out / "report.md").read_text()
    assert "| `tutorial_mean` | scalar backward | 2.00× | 2.00× |" in text
    assert "| `tutorial_z` | 600 µs / 300 µs | 200 ms / 100 ms |" in text
    assert "too slow: one round took 3.00 s" in text
    assert (
        "| mine | 1,000 | cpu | 120 µs | 100 µs | 1.200 | not measured (the verdict uses the medians) "
        "| — | **over 1.05** |"
    ) in text
    assert "Test CPU" in text and "mine 1.0" in text and "torch 1.0" in text
    for stem in ("time_vs_size", "ratio_to_torch"):
        assert (out / f"{stem}.png").read_bytes().startswith(b"\x89PNG")
        assert b"<svg" in (out / f"{stem}.svg").read_bytes()[:1000]
        assert f"({stem}.png)" in text
    assert "## Operators" not in text and not (out / "operators_ratio.png").exists()  # none were timed
    assert "data" not in json.loads((out / "runs" / "mine.json").read_text())["benchmarks"][0]["stats"]
    assert "WARNING: overhead: the suite's path takes 1.200x direct torch" in capsys.readouterr().out


def test_the_overhead_verdict_rests_on_the_paired_ratio(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for ratio, verdict in ((1.02, "ok"), (1.08, "**over 1.05**")):
        # the medians say 1.200 either way: timed one after the other, they drift apart
        paired = {"ratio": ratio, "low": 1.0, "high": 1.1, "pairs": 300}
        control = {"ratio": 0.998, "low": 0.99, "high": 1.01, "pairs": 310}
        _hand_made_run(tmp_path / "mine.json", paired=paired, control=control)
        assert report_main([str(tmp_path / "mine.json"), "--out", str(tmp_path / "out"), "--no-plots"]) == 0
        text = (tmp_path / "out" / "report.md").read_text()
        assert (
            f"| 120 µs | 100 µs | 1.200 | {ratio:.3f} (1.000-1.100, 300 pairs) | 0.998 | {verdict} |" in text
        )
        warned = "WARNING: overhead: the suite's path takes 1.080x direct torch" in capsys.readouterr().out
        assert warned == (ratio > 1.05)


def test_the_report_refuses_a_file_that_is_not_a_benchmark_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "other.json").write_text(json.dumps({"benchmarks": []}))
    assert report_main([str(tmp_path / "other.json"), "--out", str(tmp_path / "out")]) == 2
    assert "holds no autograd-conformance benchmarks" in capsys.readouterr().err


def test_an_engine_that_breaks_at_a_size_ends_the_sweep_with_a_reason(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(slow_engine=SLOW_ENGINE)
    pytester.syspathinsert()
    result = pytester.runpytest(
        "--target=slow_engine:BreakingAdapter",
        "--benchmark-only",
        "--benchmark-sizes=3,100,1000",
        "-k",
        "test_program and tutorial_mean",
        "-rs",
        *QUICK,
    )
    result.assert_outcomes(passed=4, skipped=2)
    result.stdout.fnmatch_lines(
        [
            "*failed: one round of tutorial_mean at 100 elements raised RecursionError on target 'breaking'; "
            "this size and larger ones are skipped*",
            "*not run at 1,000 elements because one round of tutorial_mean on target 'breaking' failed at 100*",
        ]
    )
