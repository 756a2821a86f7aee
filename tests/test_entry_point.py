"""The suite used from another repository: an engine package registers its adapter by entry point.

A throwaway package outside this repository declares
``[project.entry-points."autograd_conformance.targets"] toyengine = "toyengine_adapter:ToyAdapter"``,
is pip-installed (editable, no build isolation) into this environment for the module, and
``pytest --target=toyengine`` then runs the specs from a directory that knows nothing of this repo.
"""

import subprocess
import sys

import pytest

PYPROJECT = """
[build-system]
requires = ["setuptools>=61"]
build-backend = "setuptools.build_meta"

[project]
name = "toyengine-conformance-test"
version = "0.0.1"

[tool.setuptools]
py-modules = ["toyengine_adapter"]

[project.entry-points."autograd_conformance.targets"]
toyengine = "toyengine_adapter:ToyAdapter"
"""
ADAPTER = '''
"""A toy engine: torch under another name, without graph node names."""

import torch

from conformance.adapter import Capability
from targets.torchlike import TorchLikeAdapter


class ToyAdapter(TorchLikeAdapter):
    name = "toyengine"
    capabilities = TorchLikeAdapter.capabilities - {Capability.NODE_NAMES}

    def __init__(self):
        super().__init__(torch)

    def version(self):
        return "0.0.1"
'''
DISTRIBUTION = "toyengine-conformance-test"


def _pip(*arguments):
    return subprocess.run(
        [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q", *arguments],
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    package = tmp_path_factory.mktemp("toyengine")
    package.joinpath("pyproject.toml").write_text(PYPROJECT)
    package.joinpath("toyengine_adapter.py").write_text(ADAPTER)
    install = _pip("install", "--no-deps", "--no-build-isolation", "-e", str(package))
    assert install.returncode == 0, install.stderr
    elsewhere = tmp_path_factory.mktemp("engine-repo")
    yield elsewhere
    uninstall = _pip("uninstall", "-y", DISTRIBUTION)
    assert uninstall.returncode == 0, uninstall.stderr


def _pytest(cwd, *arguments):
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *arguments],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )


def test_installed_adapter_is_listed(installed):
    run = _pytest(installed, "--list-targets")
    assert run.returncode == 0, run.stderr
    line = next(line for line in run.stdout.splitlines() if line.startswith("toyengine "))
    assert f"entry point ({DISTRIBUTION})" in line
    assert "toyengine_adapter:ToyAdapter" in line


def test_specs_run_on_the_installed_target_from_another_directory(installed):
    run = _pytest(
        installed, "--target=toyengine", "-k", "accumulation or tutorial_node_names or power_and_sum", "-rs"
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert "conformance target: toyengine 0.0.1 (toyengine)" in run.stdout
    assert (
        "autograd conformance of 'toyengine': 4 specs passed, 0 failed, 0 known deviations, 2 unsupported"
        in (run.stdout)
    )
    assert "unsupported: target 'toyengine' has no torch node names" in run.stdout
