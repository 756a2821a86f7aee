"""The plugin's options, header, summary and errors, run through pytester as a user would."""

import subprocess
import sys

import pytest

from tests.engines import REPO_ROOT

ADAPTERS = """
from conformance.adapter import Capability
from targets.pytorch import TorchAdapter


class NoNoGrad(TorchAdapter):
    name = "no-no-grad"
    deviations = None
    capabilities = TorchAdapter.capabilities - {Capability.NO_GRAD}


class LowercaseNames(TorchAdapter):
    name = "lowercase-names"
    deviations = None

    def node_name(self, tensor):
        name = super().node_name(tensor)
        return None if name is None else name.lower()


class CrashingNames(TorchAdapter):
    name = "crashing-names"
    deviations = None

    def node_name(self, tensor):
        raise AttributeError("grad_fn")


class NoNumpy:
    name = "no-numpy"
    capabilities = frozenset()
    dtypes = ("float32",)

    def version(self): return "0"
    def devices(self): return {"cpu": None}
    def tensor(self, data, *, device, requires_grad=False): return data
    def sum(self, t): return t.sum()
    def mean(self, t): return t.mean()
    def vjp(self, function, primals, cotangent, *, device): raise NotImplementedError


class Exploding(TorchAdapter):
    def __init__(self):
        raise OSError("no device found")
"""


@pytest.fixture
def adapters(pytester):
    pytester.makepyfile(myadapters=ADAPTERS)
    pytester.syspathinsert()
    return pytester


TUTORIAL_NAMES = "tutorial_node_names or power_and_sum_node_names"
"""The node-name specs of the tutorial's own operations, without every catalogue operator's."""


def run(pytester, *args):
    return pytester.runpytest("-p", "no:cacheprovider", "--hypothesis-profile=ci", *args)


def test_help_shows_the_option_group(pytester):
    result = pytester.runpytest("--help")
    result.stdout.fnmatch_lines(
        ["*autograd conformance*", "*--target=NAME*", "*--deviations=PATH*", "*--list-specs*"]
    )


def test_plugin_imports_no_torch():
    code = "import sys, conformance.plugin; assert 'torch' not in sys.modules, 'torch imported'"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_list_specs_covers_every_tutorial_cell(pytester):
    result = pytester.runpytest("--list-specs")
    assert result.ret == 0
    result.stdout.fnmatch_lines(
        [
            "accumulation.repeated_backward_adds *tutorial In [[]17] *backward",
            "*tutorial cells covered: 19 of 19*",
        ]
    )


def test_list_targets_names_torch_and_other_ways(pytester):
    result = pytester.runpytest("--list-targets")
    assert result.ret == 0
    result.stdout.fnmatch_lines(["torch*yes*built-in*targets.pytorch:TorchAdapter", "*module:AdapterClass*"])


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("nosuch", "ERROR: unknown target 'nosuch': *Choose one of: torch*"),
        ("json", "ERROR: target 'json': module json has no torch-like API*"),
        (
            "myadapters:NoNumpy",
            "ERROR: target 'myadapters:NoNumpy': adapter * lacks the required method(s) numpy*",
        ),
        (
            "myadapters:Exploding",
            "ERROR: target 'myadapters:Exploding': creating * raised OSError: no device found",
        ),
        (
            "myadapters:Missing",
            "ERROR: target 'myadapters:Missing': module myadapters has no attribute 'Missing'",
        ),
        (
            "nosuchmodule:Adapter",
            "ERROR: target 'nosuchmodule:Adapter' could not be loaded: *pip install nosuchmodule*",
        ),
    ],
)
def test_bad_target_is_a_usage_error_without_traceback(adapters, target, message):
    result = run(adapters, f"--target={target}")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([message])
    assert "Traceback" not in result.stderr.str() + result.stdout.str()


def test_header_says_what_is_tested(pytester):
    result = run(pytester, "--target=torch", "-k", "round_trip")
    result.stdout.fnmatch_lines(
        [
            "conformance target: torch 2.* (torch)",
            "reference: torch 2.*",
            "devices: cpu*; dtypes: float32, float64",
            "capabilities: vjp, requires_grad, *",
            "lacks: nothing",
        ]
    )


def test_torch_passes_and_summary_counts_specs(pytester):
    result = run(pytester, "--target=torch", "-k", "accumulation")
    assert result.ret == 0
    result.stdout.fnmatch_lines(
        [
            "*autograd conformance: torch*vs torch*",
            "accumulation*4*4*0*0*0*0",
            "score: 100.0% of the 4 supported specs conform; the target supports 4 of the suite's * specs (*%)",
            "autograd conformance of 'torch': 4 specs passed, 0 failed, 0 known deviations, 0 unsupported",
        ]
    )


def test_missing_capability_is_unsupported_not_failed(adapters):
    result = run(
        adapters, "--target=myadapters:NoNoGrad", "-k", "(no_grad or tracking) and not grad_modes", "-rs"
    )
    assert result.ret == 0
    result.stdout.fnmatch_lines(
        ["no_grad*6*0*0*0*6*0", "*6 specs passed, 0 failed, 0 known deviations, 6 unsupported"]
    )
    assert (
        "unsupported: target 'no-no-grad' has no no_grad" in result.stdout.str()
        or result.parseoutcomes()["skipped"]
    )


def test_verbose_run_reports_unsupported_checks_from_forked_workers(pytester, monkeypatch):
    # a form found unsupported while the check runs is a skip made in the worker: its (path, line,
    # reason) crossed the pipe as a JSON list, and pytest -v asserted on it. In a subprocess: the
    # forked workers are what is tested, and the target is imported from the repository.
    monkeypatch.setenv("PYTHONPATH", str(REPO_ROOT))
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "--hypothesis-profile=ci", "--target=tests.engines.partial:no_keepdim_sum",
        "-v", "--isolation=fork", "-k", "test_sum and cpu",
        str(REPO_ROOT / "conformance" / "specs" / "reductions.py"),
    )  # fmt: skip
    assert result.ret == 0, result.stdout.str()[-2000:] + result.stderr.str()[-2000:]
    assert "INTERNALERROR" not in result.stdout.str()
    result.stdout.fnmatch_lines(["*test_sum*SKIPPED*"])


def test_strict_unsupported_counts_as_failure(adapters):
    result = run(adapters, "--target=myadapters:NoNoGrad", "-k", "no_grad", "--strict-unsupported")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(
        ["*unsupported: target 'no-no-grad' has no no_grad* (strict: unsupported counts as failure)*"]
    )


def test_engine_difference_fails_with_both_values(adapters):
    result = run(adapters, "--target=myadapters:LowercaseNames", "-k", "node_names")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(
        [
            "FAILED node_names.tutorial_node_names (tutorial In [3], In [4], In [5], In [7]) [cpu]: "
            "y = 2*x + 2 is 'addbackward0' on target 'lowercase-names', but torch gives 'AddBackward0'",
        ]
    )


def test_adapter_crash_fails_its_specs_and_the_rest_still_run(adapters):
    result = run(adapters, "--target=myadapters:CrashingNames", "-k", f"{TUTORIAL_NAMES} or accumulation")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(
        [
            "*the program raised AttributeError('grad_fn') on target 'crashing-names'*",
            "*4 specs passed, 2 failed, 0 known deviations, 0 unsupported",
        ]
    )


def test_listed_deviation_is_reported_as_deviation(adapters):
    adapters.path.joinpath("lower.deviations").write_text(
        'node_names.tutorial_node_names  "* is * on target*, but torch gives *"  # names are lower case\n'
        'node_names.power_and_sum_node_names[cpu]  "* on target*"  # names are lower case\n'
    )
    result = run(
        adapters, "--target=myadapters:LowercaseNames", "-k", TUTORIAL_NAMES, "--deviations=lower.deviations"
    )
    assert result.ret == 0
    result.stdout.fnmatch_lines(["*0 specs passed, 0 failed, 2 known deviations, 0 unsupported"])


def test_listed_deviation_that_passes_fails_the_run(adapters):
    adapters.path.joinpath("stale.deviations").write_text(
        'accumulation.repeated_backward_adds  "*"  # was broken once\nnot_a_family.nothing  "*"  # gone\n'
    )
    result = run(adapters, "--target=torch", "-k", "repeated_backward_adds", "--deviations=stale.deviations")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(
        [
            "*accumulation.repeated_backward_adds now passes, but *stale.deviations:1 lists it as a known deviation: remove that entry*",
            "stale deviation *stale.deviations:2: 'not_a_family.nothing' matches no spec; remove or fix it",
        ]
    )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            "accumulation.repeated_backward_adds\n",
            "*:1: entry 'accumulation.repeated_backward_adds' has no reason*",
        ),
        ("a.b c.d  # two\n", "*:1: 'a.b c.d  # two' is not an entry*"),
        ("a.b  # no pattern\n", "*:1: entry 'a.b' does not say how the spec fails*"),
    ],
)
def test_malformed_deviations_file_is_a_usage_error(pytester, content, message):
    pytester.path.joinpath("bad.deviations").write_text(content)
    result = run(pytester, "--target=torch", "--deviations=bad.deviations")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"ERROR: {message}"])


def test_missing_deviations_file_is_a_usage_error(pytester):
    result = run(pytester, "--target=torch", "--deviations=nowhere.txt")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["ERROR: --deviations=nowhere.txt: no such file*"])


def test_torch_like_module_needs_no_adapter(pytester):
    pytester.makepyfile(torchalias="from torch import *\nimport torch.optim as optim\n")
    pytester.syspathinsert()
    result = run(pytester, "--target=torchalias", "-k", "accumulation or detach")
    assert result.ret == 0
    result.stdout.fnmatch_lines(["conformance target: torchalias *", "*11 specs passed, 0 failed*"])


def test_without_cuda_the_cuda_checks_are_skipped_with_the_reason(pytester):
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA: the CUDA checks run instead")
    result = run(pytester, "--target=torch", "-k", "repeated_backward_adds", "-rs")
    result.stdout.fnmatch_lines(["*cuda: CUDA is not available (torch.cuda.is_available() is False)*"])
    assert result.parseoutcomes()["skipped"] == 1


def test_without_target_no_spec_runs(pytester):
    pytester.makepyfile(test_other="def test_plain():\n    assert True\n")
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
    assert "autograd conformance" not in result.stdout.str()


def test_nothing_collected_without_target_says_what_was_missing(pytester):
    result = pytester.runpytest("-p", "no:cacheprovider")  # an empty folder: nothing else to collect
    assert result.ret == pytest.ExitCode.NO_TESTS_COLLECTED
    result.stdout.fnmatch_lines(
        ["autograd-conformance: no --target given, so no spec or benchmark was collected; *"]
    )


def test_summary_and_failures_survive_xdist(adapters):
    result = adapters.runpytest_subprocess(
        "-p",
        "no:cacheprovider",
        "-n",
        "2",
        "--target=myadapters:LowercaseNames",
        "-k",
        f"{TUTORIAL_NAMES} or repeated_backward",
    )
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(
        [
            "FAILED node_names.tutorial_node_names * is 'addbackward0' on target 'lowercase-names'*",
            "*1 specs passed, 2 failed, 0 known deviations, 0 unsupported",
        ]
    )


def test_device_option_limits_the_devices(pytester):
    result = run(pytester, "--target=torch", "--device=cpu", "-k", "repeated_backward_adds")
    assert result.ret == 0
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["devices: cpu; dtypes: *"])


def test_unknown_device_is_a_usage_error(pytester):
    result = run(pytester, "--target=torch", "--device=tpu")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["ERROR: --device=tpu: target 'torch' offers no such device; choose from cpu, cuda"]
    )


def test_a_run_whose_devices_are_all_unavailable_fails(pytester, monkeypatch):
    import torch

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    result = run(pytester, "--target=torch", "--device=cuda")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        [
            "ERROR: no device the run asked for can be used (cuda: CUDA is not available*); nothing would be "
            "measured, so the run stops here. Run where that device is present, or choose from cpu"
        ]
    )


def test_input_dependent_deviation_may_pass(adapters):
    adapters.path.joinpath("maybe.deviations").write_text(
        'accumulation.repeated_backward_adds?  "* on target*"  # deviates only on some inputs\n'
    )
    result = run(adapters, "--target=torch", "-k", "repeated_backward_adds", "--deviations=maybe.deviations")
    assert result.ret == 0
    result.stdout.fnmatch_lines(["*1 specs passed, 0 failed, 0 known deviations*"])
