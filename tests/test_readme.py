"""The README's spec table is generated from the registry and kept fresh."""

from conformance.reports.readme import README, main, spec_table, updated


def test_readme_spec_table_is_fresh():
    assert main(["--check"]) == 0, "run: python -m conformance.reports.readme"


def test_table_has_a_row_per_spec_and_the_coverage_line():
    table = spec_table()
    assert "| accumulation | `repeated_backward_adds` | tutorial In [17] |" in table
    assert "tutorial cells covered: 19 of 19." in table


def test_stale_table_is_detected(tmp_path):
    stale = tmp_path / "README.md"
    stale.write_text(updated(README.read_text()).replace("repeated_backward_adds", "renamed"))
    assert main(["--check", "--readme", str(stale)]) == 1
    assert main(["--readme", str(stale)]) == 0
    assert main(["--check", "--readme", str(stale)]) == 0
