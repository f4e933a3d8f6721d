"""``--history`` in real runs of the suite: recorded once, shards and their merge once, a broken
file is one line and the reports are still written."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from relaycompat.history import HistoryStore

from ..conftest import REPO_ROOT

SITES = """
sites:
  - {name: Legacy, id: legacy, emulate: new-api-legacy, backend: new-api, user_id: 11, access_token: history-legacy-token-01}
  - {name: Hub, id: hub, emulate: one-hub, access_token: history-hub-token-000004}
  - {name: Down, id: down, emulate: origin-down}
"""
ENV = {k: v for k, v in os.environ.items() if k not in ("GITHUB_STEP_SUMMARY", "GITHUB_RUN_ID")}


def suite(tmp: Path, out: str, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    (tmp / "sites.yaml").write_text(SITES, encoding="utf-8")
    return subprocess.run([sys.executable, "-m", "pytest", "tests", f"--sites={tmp / 'sites.yaml'}", f"--report-dir={tmp / out}",
                           "-q", "-p", "no:cacheprovider", "-p", "no:xdist", *args],
                          cwd=REPO_ROOT, env={**ENV, **(env or {})}, capture_output=True, text=True, timeout=300)


def history_lines(done: subprocess.CompletedProcess[str]) -> list[str]:
    return [line for line in done.stdout.splitlines() if line.startswith("relaycompat: history")]


def test_a_run_records_itself_once_and_its_reports_show_it(tmp_path: Path) -> None:
    history = tmp_path / "h.db"
    first = suite(tmp_path, "r1", f"--history={history}", env={"GITHUB_RUN_ID": "777"})
    assert first.returncode == 1, first.stdout[-2000:]  # the down site fails
    assert history_lines(first) == [history_lines(first)[0]] and "recorded run github-777 (72 probes of 3 sites)" in history_lines(first)[0]
    again = suite(tmp_path, "r2", f"--history={history}", "--run-id=github-777")
    assert "run github-777 was already recorded" in history_lines(again)[0]
    report = (tmp_path / "r2" / "report.md").read_text(encoding="utf-8")
    assert "## 历史" in report and "github-777" in report
    assert 'class="rc-history"' in (tmp_path / "r2" / "report.html").read_text(encoding="utf-8")
    with HistoryStore(history) as store:
        assert store.counts()["runs"] == 1 and store.counts()["probes"] == 72


def test_without_history_nothing_is_recorded_and_the_reports_have_no_history(tmp_path: Path) -> None:
    done = suite(tmp_path, "r", "-k", "api_status")
    assert done.returncode == 1 and not history_lines(done)
    assert "历史" not in (tmp_path / "r" / "report.md").read_text(encoding="utf-8")
    assert "rc-history" not in (tmp_path / "r" / "report.html").read_text(encoding="utf-8")


def test_a_broken_history_file_is_one_line_and_the_run_still_writes_its_reports(tmp_path: Path) -> None:
    history = tmp_path / "h.db"
    history.write_bytes(b"\x00garbage" * 100)
    done = suite(tmp_path, "r", f"--history={history}", "-k", "api_status")
    assert done.returncode == 1  # as without history: the down site fails, nothing else
    lines = history_lines(done)
    assert len(lines) == 1 and lines[0].startswith("relaycompat: history not recorded: ") and "not an SQLite database" in lines[0]
    assert all((tmp_path / "r" / name).is_file() for name in ("results.json", "report.md", "report.html", "summary.html"))
    assert "历史不可用" in (tmp_path / "r" / "report.md").read_text(encoding="utf-8")
    assert history.read_bytes() == b"\x00garbage" * 100


def test_shards_with_one_run_id_and_their_merge_record_the_run_once(tmp_path: Path) -> None:
    history = tmp_path / "h.db"
    for k in (1, 2):
        done = suite(tmp_path, f"shard{k}", f"--shard={k}/2", f"--history={history}", "--run-id=nightly-1", "-k", "api_status or api_user_self")
        assert done.returncode in (0, 1) and "recorded run nightly-1" in history_lines(done)[0]
    merged = subprocess.run([sys.executable, "-m", "relaycompat", "merge", str(tmp_path / "merged"),
                             str(tmp_path / "shard1" / "results.json"), str(tmp_path / "shard2" / "results.json"),
                             "--history", str(history), "--lang", "en"],
                            cwd=REPO_ROOT, env=ENV, capture_output=True, text=True, timeout=120)
    assert merged.returncode == 0, merged.stderr
    assert "run nightly-1 was already recorded" in merged.stdout
    with HistoryStore(history) as store:
        assert [r.key for r in store.runs()] == ["nightly-1"]
        probes = sum(len(site["probes"]) for k in (1, 2)
                     for site in json.loads((tmp_path / f"shard{k}" / "results.json").read_text(encoding="utf-8"))["sites"])
        assert store.counts()["site_runs"] == 3 and store.counts()["probes"] == probes > 3
    assert "## History" in (tmp_path / "merged" / "report.md").read_text(encoding="utf-8")
    # shards of different runs cannot be recorded as one without saying which run they are
    other = suite(tmp_path, "shard3", "--shard=2/2", "--run-id=nightly-2", "-k", "api_status")
    assert other.returncode in (0, 1)
    refused = subprocess.run([sys.executable, "-m", "relaycompat", "merge", str(tmp_path / "m2"),
                              str(tmp_path / "shard1" / "results.json"), str(tmp_path / "shard3" / "results.json"),
                              "--history", str(history)], cwd=REPO_ROOT, env=ENV, capture_output=True, text=True, timeout=120)
    assert refused.returncode != 0 and "shards come from different runs (run ids nightly-1, nightly-2)" in refused.stderr
