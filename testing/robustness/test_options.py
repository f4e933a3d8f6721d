"""Every malformed option stops the run at start-up with one clear error line, before any request."""

from __future__ import annotations

import pytest

SITES = "sites:\n  - {name: A, id: a, emulate: new-api-legacy}\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--shard", "0/3"], "--shard '0/3': K must be between 1 and N"),
        (["--shard", "two"], "--shard 'two': expected K/N"),
        (["--max-in-flight", "0"], "expected a whole number >= 1, got '0'"),
        (["--retries", "-1"], "expected a whole number >= 0, got '-1'"),
        (["--report-lang", "fr"], "invalid choice: 'fr'"),
        (["--baseline", "/nonexistent/results.json"], "--baseline /nonexistent/results.json: no such file"),
        (["--sites", "/nonexistent/sites.yaml"], "/nonexistent/sites.yaml: no such site file or folder"),
        (["--allow-side-effect", "rotate-tokens"],
         "--allow-side-effect rotate-tokens: no such side effect (known: rotate-token, reveal-key, checkin, create-token, or all)"),
    ],
    ids=["shard-range", "shard-syntax", "in-flight", "retries", "lang", "baseline", "sites", "side-effect"],
)
def test_bad_options_are_one_line(run_suite, args: list[str], message: str) -> None:
    run = run_suite(SITES, *args)
    assert run.returncode == 4, run.stdout + run.stderr
    lines = [line for line in run.stderr.splitlines() if message in line]
    assert len(lines) == 1, run.stderr
    assert "Traceback" not in run.stderr
    assert not (run.report_dir / "results.json").exists()


def test_a_path_option_value_that_pytest_took_for_a_test_path_is_explained(tmp_path) -> None:
    import subprocess
    import sys

    from ..conftest import REPO_ROOT

    existing = tmp_path / "reports"
    existing.mkdir()
    completed = subprocess.run([sys.executable, "-m", "pytest", "--report-dir", str(existing), "-p", "no:cacheprovider"],
                               cwd=REPO_ROOT, capture_output=True, text=True, timeout=60)
    assert completed.returncode == 4
    assert f"write --report-dir={existing} (with '=')" in completed.stderr


def test_the_help_names_every_side_effect_of_the_catalogue(pytester) -> None:  # type: ignore[no-untyped-def]
    """--help lists what --allow-side-effect takes; the names come from tests/endpoints.yaml."""
    from ..conftest import CATALOGUE

    result = pytester.runpytest_subprocess("--help")
    text = " ".join(result.stdout.str().split())
    assert "--allow-side-effect=NAME" in text or "--allow-side-effect NAME" in text
    for name in CATALOGUE.side_effects:
        assert name in text, name
