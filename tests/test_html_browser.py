"""The HTML page in a real headless browser: it loads without errors and shows the matrix.

Needs Chromium (Debian: ``apt-get install -y chromium``); without it the tests skip and say so.
"""

import json
import re
import shutil
import subprocess
from html.parser import HTMLParser

import pytest

from conformance.reports.render import main
from tests.test_render import SVG, shared_reports

BROWSER = next(
    (shutil.which(name) for name in ("chromium", "chromium-browser", "google-chrome") if shutil.which(name)),
    None,
)
pytestmark = pytest.mark.skipif(
    BROWSER is None, reason="no chromium on PATH: apt-get install -y chromium (CI installs it)"
)
HEADLESS = ["--headless", "--disable-gpu", "--no-sandbox", "--no-first-run", "--hide-scrollbars"]


class Matrix(HTMLParser):
    """The matrix table as the browser's DOM has it: {(spec id, target): outcome}, and the headers."""

    def __init__(self):
        super().__init__()
        self.in_matrix = False
        self.spec = None
        self.headers = []
        self.cells = {}
        self._header = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "table" and attributes.get("id") == "conformance-matrix":
            self.in_matrix = True
        elif self.in_matrix and tag == "tr":
            self.spec = attributes.get("data-spec")
        elif self.in_matrix and tag == "th" and attributes.get("class") == "target":
            self._header = ""
        elif self.in_matrix and tag == "td" and "data-target" in attributes and self.spec:
            self.cells[self.spec, attributes["data-target"]] = attributes.get("data-outcome", "not run")

    def handle_data(self, data):
        if self._header is not None:
            self._header += data

    def handle_endtag(self, tag):
        if tag == "table":
            self.in_matrix = False
        if tag == "th" and self._header is not None:
            self.headers.append(self._header)
            self._header = None


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    where = tmp_path_factory.mktemp("browser")
    scaled, torch_report = shared_reports(tmp_path_factory)
    where.joinpath("plot.svg").write_text(SVG)
    out = where / "report.html"
    assert (
        main([str(scaled), str(torch_report), "--html", str(out), "--images", str(where / "plot.svg")]) == 0
    )
    reports = [json.loads(path.read_text(encoding="utf-8")) for path in (scaled, torch_report)]
    return out, reports


def _chromium(*arguments, cwd):
    return subprocess.run(
        [BROWSER, *HEADLESS, *arguments], capture_output=True, text=True, timeout=120, cwd=cwd, check=False
    )


def test_page_loads_without_errors_and_shows_the_matrix(page):
    out, reports = page
    run = _chromium("--enable-logging=stderr", "--v=0", "--dump-dom", out.as_uri(), cwd=out.parent)
    assert run.returncode == 0, run.stderr[-2000:]
    console = [line for line in run.stderr.splitlines() if "CONSOLE" in line or "Failed to load" in line]
    assert console == [], console
    matrix = Matrix()
    matrix.feed(run.stdout)
    assert matrix.headers == ["scaled", "torch"]
    expected = {
        (spec["id"], report["target"]["name"]): spec["outcome"]
        for report in reports
        for spec in report["specs"]
    }
    assert len(expected) >= 12
    assert matrix.cells == expected
    assert matrix.cells["accumulation.repeated_backward_adds", "scaled"] == "failed"
    assert matrix.cells["accumulation.repeated_backward_adds", "torch"] == "passed"
    assert matrix.cells["node_names.tutorial_node_names", "scaled"] == "unsupported"
    assert matrix.cells["vector_backward.random_v", "scaled"] == "deviation"
    assert re.search(
        r'<section class="failure" id="fail-scaled-accumulation\.repeated_backward_adds"', run.stdout
    )
    assert '<section id="benchmarks">' in run.stdout


def test_page_renders_to_a_screenshot(page):
    out, _ = page
    shot = out.with_suffix(".png")
    run = _chromium("--window-size=1280,2000", f"--screenshot={shot}", out.as_uri(), cwd=out.parent)
    assert run.returncode == 0, run.stderr[-2000:]
    data = shot.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert (width, height) == (1280, 2000)
    assert len(data) > 20_000, "a page with a coloured matrix is no blank screenshot"


def test_console_check_catches_a_page_error(tmp_path):
    bad = tmp_path / "bad.html"
    bad.write_text("<!DOCTYPE html><html><body><script>notDefined()</script></body></html>")
    run = _chromium("--enable-logging=stderr", "--v=0", "--dump-dom", bad.as_uri(), cwd=tmp_path)
    assert any("CONSOLE" in line and "notDefined" in line for line in run.stderr.splitlines())
