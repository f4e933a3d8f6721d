"""`python -m relaycompat merge`: shards' results render exactly as the single run they split."""

from __future__ import annotations

import copy
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from relaycompat.__main__ import main
from relaycompat.reports import MergeError, merge_results

from ..conftest import REPO_ROOT
from ._inspect import markdown_shape, table_cells, tables_after


def _shards(results: dict[str, Any], n: int) -> list[dict[str, Any]]:
    """What `--shard K/N` runs would have written: site i goes to shard i % N + 1."""
    shards = []
    for k in range(1, n + 1):
        shard = copy.deepcopy(results)
        shard["sites"] = [site for index, site in enumerate(results["sites"]) if index % n == k - 1]
        shard["run"] = {**shard["run"], "shard": [k, n],
                        "rotated_tokens": [s["slug"] for s in shard["sites"] if s["slug"] in results["run"]["rotated_tokens"]]}
        shards.append(shard)
    return shards


def _write(folder: Path, name: str, document: dict[str, Any]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    return path


def test_merged_reports_equal_the_single_run(sample_results: dict[str, Any], tmp_path: Path, capsys) -> None:
    single = _write(tmp_path / "single", "results.json", sample_results)
    shards = [_write(tmp_path / f"shard{k}", "results.json", s) for k, s in enumerate(_shards(sample_results, 3), 1)]
    assert main(["report", str(single), "--out", str(tmp_path / "single-out")]) == 0
    assert main(["merge", str(tmp_path / "merged"), *map(str, reversed(shards))]) == 0   # any order
    assert "21 sites" in capsys.readouterr().out
    for name in ("report.md", "summary.html"):
        assert (tmp_path / "merged" / name).read_text(encoding="utf-8") == \
            (tmp_path / "single-out" / name).read_text(encoding="utf-8"), name
    merged = json.loads((tmp_path / "merged" / "results.json").read_text(encoding="utf-8"))
    assert merged["sites"] == sample_results["sites"]
    assert merged["run"]["shard"] is None and [m["shard"] for m in merged["run"]["merged_from"]] == [[3, 3], [2, 3], [1, 3]]


def test_only_the_generation_time_differs_when_shards_finish_at_different_times(sample_results: dict[str, Any]) -> None:
    from relaycompat.reports import render_report

    shards = _shards(sample_results, 2)
    shards[1]["generated_at"] = "2025-12-15T06:00:00Z"
    merged = merge_results(shards)
    assert merged["generated_at"] == "2025-12-15T06:00:00Z"
    single, combined = render_report(sample_results), render_report(merged)
    strip = re.compile(r"2025-12-15T0[56]:\d\d:\d\d(\.\d+)?Z")
    assert single != combined and strip.sub("T", single) == strip.sub("T", combined)


def test_merge_refuses_what_is_not_one_run(sample_results: dict[str, Any]) -> None:
    one, two = _shards(sample_results, 2)
    with pytest.raises(MergeError, match="both shard 1/2"):
        merge_results([one, copy.deepcopy(one)])
    other = copy.deepcopy(two)
    other["catalogue"] = other["catalogue"][:-1]
    with pytest.raises(MergeError, match="catalogue differs"):
        merge_results([one, other], ["a.json", "b.json"])
    twin = copy.deepcopy(one)
    twin["run"]["shard"] = None
    with pytest.raises(MergeError, match="is in both"):
        merge_results([twin, copy.deepcopy(twin)])
    with pytest.raises(MergeError, match="is a whole run .* but .* is shard 1/2"):
        merge_results([one, twin])


def test_a_missing_shard_is_an_error_unless_allowed(sample_results: dict[str, Any], tmp_path: Path, capsys) -> None:
    """Issue #13 (7): shards 1/3 and 3/3 merged without a word into 13 of 20 sites."""
    one, _, three = _shards(sample_results, 3)
    with pytest.raises(MergeError, match=r"shard 2/3 missing \(given: 1/3, 3/3\).*--allow-missing-shards"):
        merge_results([one, three])
    paths = [_write(tmp_path / f"s{k}", "results.json", d) for k, d in ((1, one), (3, three))]
    assert main(["merge", str(tmp_path / "refused"), *map(str, paths)]) == 4
    assert capsys.readouterr().err.startswith("relaycompat: cannot merge: shard 2/3 missing")
    assert not (tmp_path / "refused").exists()
    assert main(["merge", str(tmp_path / "partial"), *map(str, paths), "--allow-missing-shards"]) == 0
    assert "WARNING: merged without shard 2/3" in capsys.readouterr().err
    merged = json.loads((tmp_path / "partial" / "results.json").read_text(encoding="utf-8"))
    assert merged["run"]["missing_shards"] == [[2, 3]]
    assert len(merged["sites"]) == len(one["sites"]) + len(three["sites"])
    for name in ("report.md", "summary.html"):
        assert "Merged without shard 2/3" in (tmp_path / "partial" / name).read_text(encoding="utf-8") or \
            "缺少分片 2/3" in (tmp_path / "partial" / name).read_text(encoding="utf-8"), name


def test_shards_of_different_n_refuse_to_merge(sample_results: dict[str, Any]) -> None:
    one_of_two = _shards(sample_results, 2)[0]
    two_of_three = _shards(sample_results, 3)[1]
    with pytest.raises(MergeError, match="is shard 2/3 but .* is shard 1/2; shards of a different N"):
        merge_results([one_of_two, two_of_three])


def test_cli_reports_bad_input_clearly(tmp_path: Path, capsys) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("[]", encoding="utf-8")
    assert main(["merge", str(tmp_path / "out"), str(bad)]) == 4
    assert capsys.readouterr().err == f"relaycompat: {bad}: not a relaycompat results.json: the top level: [] is not of type 'object'\n"
    (tmp_path / "a-file").write_text("x", encoding="utf-8")
    good = tmp_path / "good.json"
    good.write_text('{"format": 1, "sites": []}', encoding="utf-8")
    assert main(["merge", str(tmp_path / "a-file"), str(good)]) == 4
    assert "merge output folder" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exited:
        main(["merge"])
    assert exited.value.code == 4


def test_real_shard_runs_merge_into_the_full_run(tmp_path: Path) -> None:
    """Three real runs (--shard 1/2, 2/2, and all): the merged matrix is the full run's matrix."""
    sites = tmp_path / "sites.yaml"
    sites.write_text(
        "sites:\n"
        "  - {name: A legacy, id: a, emulate: new-api-legacy, user_id: 11, access_token: shard-a-access-token-0}\n"
        "  - {name: B one-api, id: b, emulate: one-api, user_id: 12, access_token: shard-b-access-token-00}\n"
        "  - {name: C challenge, id: c, emulate: cloudflare-challenge}\n", encoding="utf-8")
    env = {key: value for key, value in os.environ.items() if key != "GITHUB_STEP_SUMMARY"}
    runs = {"full": [], "s1": ["--shard", "1/2"], "s2": ["--shard", "2/2"]}
    procs = {name: subprocess.Popen([sys.executable, "-m", "pytest", "tests", f"--sites={sites}", "-q", "-p", "no:xdist",
                                     "-p", "no:cacheprovider", f"--report-dir={tmp_path / name}", *args],
                                    cwd=REPO_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
             for name, args in runs.items()}
    assert all(proc.wait(timeout=300) in (0, 1) for proc in procs.values())
    done = subprocess.run([sys.executable, "-m", "relaycompat", "merge", str(tmp_path / "merged"),
                           str(tmp_path / "s2" / "results.json"), str(tmp_path / "s1" / "results.json")],
                          cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr

    def matrix(folder: str) -> list[list[str]]:
        outside = markdown_shape((tmp_path / folder / "report.md").read_text(encoding="utf-8")).outside
        return [table_cells(row) for row in tables_after(outside, "### 站点 × 端点矩阵")[0]]

    assert [row[0] for row in matrix("merged")[1:]] == ["[A legacy](details/a.md)", "[B one-api](details/b.md)", "[C challenge](details/c.md)"]
    assert matrix("merged") == matrix("full")
