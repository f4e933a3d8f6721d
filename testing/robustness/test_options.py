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
    ],
    ids=["shard-range", "shard-syntax", "in-flight", "retries", "lang", "baseline", "sites"],
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


# ---- issue #13: every configuration mistake is one line naming file, site and field, exit 4 ----------
SITE = "sites:\n  - {name: A, id: a, emulate: new-api-legacy}\n"
BOMB = "a: &a [x,x,x,x,x,x,x,x,x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [" + ",".join([f"*{chr(97 + i)}"] * 9) + "]\n" for i in range(8)) + \
    "sites:\n  - {name: A, emulate: new-api-legacy, note: *i}\n"
BASELINES = {
    "baseline-no-slug": ('{"format": 1, "sites": [{"name": "x", "probes": []}]}', "sites[0]: 'slug' is a required property"),
    "baseline-no-endpoint": ('{"format": 1, "sites": [{"name": "x", "slug": "x", "probes": [{"verdict": "ok"}]}]}',
                             "sites[0].probes[0]: 'endpoint' is a required property"),
    "baseline-not-json": ("{not json", "not JSON: Expecting property name"),
}


@pytest.mark.parametrize(
    ("sites", "args", "env", "message"),
    [
        ("sites:\n  - {name: A, emulate: new-api-legacy, access_token: '${RC_EMPTY}'}\n", [], {"RC_EMPTY": ""},
         "site 'A': access_token: environment variable RC_EMPTY is set but empty"),
        (SITE + "sites:\n  - {name: B, emulate: new-api-legacy}\n", [], {}, "line 3: duplicate key 'sites' (also on line 1)"),
        (BOMB, [], {}, "expands to more than 100000 values through its aliases"),
        ("sites:\n  - {name: A, url: 'http://[::1/'}\n", [], {}, "site 'A': url: 'http://[::1/' is not a valid URL"),
        ("sites:\n  - {name: A, emulate: new-api-legacy, timeout: .nan}\n", [], {}, "site 'A': timeout: nan is not a finite number"),
        ('sites:\n  - {name: "A\\e]0;pwned\\a", emulate: new-api-legacy}\n', [], {}, "name: holds a control or direction-changing"),
        (SITE, ["--report-dir={tmp}/a-file"], {}, "--report-dir {tmp}/a-file: is a file, not a folder"),
        (SITE, ["--report-dir={tmp}/a-file/reports"], {}, "--report-dir {tmp}/a-file/reports: cannot write the reports there"),
        *[(SITE, [f"--baseline={{tmp}}/{name}.json"], {}, f"--baseline {{tmp}}/{name}.json: not a relaycompat results.json: {text}"
           if "JSON" not in text else f"--baseline {{tmp}}/{name}.json: {text}") for name, (_, text) in BASELINES.items()],
    ],
    ids=["empty-env", "two-sites-keys", "alias-bomb", "bad-url", "nan-timeout", "escape-in-name", "report-dir-is-a-file",
         "report-dir-under-a-file", *BASELINES],
)
def test_configuration_mistakes_are_one_line_and_exit_4(tmp_path, run_suite, sites: str, args: list[str],
                                                        env: dict[str, str], message: str) -> None:
    (tmp_path / "a-file").write_text("x", encoding="utf-8")
    for name, (text, _) in BASELINES.items():
        (tmp_path / f"{name}.json").write_text(text, encoding="utf-8")
    run = run_suite(sites, *[a.format(tmp=tmp_path) for a in args], env=env, timeout=120)
    output = run.stdout + run.stderr
    assert run.returncode == 4, output[-3000:]
    lines = [line for line in run.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("ERROR: relaycompat: "), run.stderr
    assert message.format(tmp=tmp_path) in lines[0], lines[0]
    assert "Traceback" not in output and "INTERNALERROR" not in output
    assert not (run.report_dir / "results.json").exists()


def test_a_site_file_that_is_not_utf8_is_one_line(tmp_path) -> None:
    import subprocess
    import sys

    from ..conftest import REPO_ROOT

    sites = tmp_path / "sites.yaml"
    sites.write_bytes("sites:\n  - {name: 站点, emulate: new-api-legacy}\n".encode("gb18030"))
    completed = subprocess.run([sys.executable, "-m", "pytest", "tests", f"--sites={sites}", f"--report-dir={tmp_path / 'r'}",
                                "-p", "no:cacheprovider", "-q"], cwd=REPO_ROOT, capture_output=True, text=True, timeout=120)
    assert completed.returncode == 4
    assert completed.stderr.strip().splitlines() == [f"ERROR: relaycompat: {sites}: not UTF-8 text (byte 20); save the file as UTF-8"]
