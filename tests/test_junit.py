"""pytest's --junitxml names each spec's test case by its spec id, with the family as the classname."""

import xml.etree.ElementTree as ET

import pytest

ADAPTERS = """
from targets.pytorch import TorchAdapter


class Scaled(TorchAdapter):
    name = "scaled"
    deviations = None

    def grad(self, tensor):
        grad = super().grad(tensor)
        return None if grad is None else grad * 1.5
"""


def _cases(path):
    return {case.get("name"): case for case in ET.parse(path).getroot().iter("testcase")}


@pytest.fixture
def adapters(pytester):
    pytester.makepyfile(myadapters=ADAPTERS)
    pytester.syspathinsert()
    return pytester


def test_junit_names_cases_by_spec_id(adapters):
    result = adapters.runpytest(
        "-p", "no:cacheprovider", "--target=myadapters:Scaled", "-k", "accumulation", "--junitxml=junit.xml"
    )
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    cases = _cases(adapters.path / "junit.xml")
    assert "accumulation.repeated_backward_adds[cpu]" in cases
    assert "accumulation.accumulates_over_generated_inputs[cpu-float64]" in cases
    assert all(name.startswith("accumulation.") for name in cases), sorted(cases)
    assert {case.get("classname") for case in cases.values()} == {"accumulation"}
    assert cases["accumulation.repeated_backward_adds[cpu]"].find("failure") is not None
    skipped = cases["accumulation.repeated_backward_adds[cuda]"].find("skipped")
    if skipped is not None:  # no CUDA here: the device skip keeps its reason
        assert "CUDA" in skipped.get("message")
    summary = result.parseoutcomes()
    assert len(cases) == summary["failed"] + summary.get("passed", 0) + summary.get("skipped", 0)


def test_junit_prefix_goes_before_the_family(pytester):
    result = pytester.runpytest(
        "-p",
        "no:cacheprovider",
        "--target=torch",
        "-k",
        "zero_resets",
        "--junitxml=junit.xml",
        "--junit-prefix=mine",
    )
    assert result.ret == pytest.ExitCode.OK
    cases = _cases(pytester.path / "junit.xml")
    assert cases["accumulation.zero_resets[cpu]"].get("classname") == "mine.accumulation"


def test_other_tests_keep_pytests_names(pytester):
    pytester.makepyfile(test_plain="def test_plain():\n    assert True\n")
    result = pytester.runpytest(
        "-p", "no:cacheprovider", "--target=torch", "test_plain.py", "--junitxml=j.xml"
    )
    assert result.ret == pytest.ExitCode.OK
    cases = _cases(pytester.path / "j.xml")
    assert cases["test_plain"].get("classname") == "test_plain"


def test_junit_names_survive_xdist(adapters):
    result = adapters.runpytest_subprocess(
        "-p",
        "no:cacheprovider",
        "-n",
        "1",
        "--target=torch",
        "-k",
        "repeated_backward_adds or zero_resets",
        "--junitxml=junit.xml",
    )
    assert result.ret == pytest.ExitCode.OK
    cases = _cases(adapters.path / "junit.xml")
    assert {"accumulation.repeated_backward_adds[cpu]", "accumulation.zero_resets[cpu]"} <= set(cases)
    assert {case.get("classname") for case in cases.values()} == {"accumulation"}
