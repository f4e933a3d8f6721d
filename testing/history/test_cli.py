"""``python -m relaycompat history``: runs, status, uptime, transitions, prune; table and JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from relaycompat.__main__ import main
from relaycompat.history import HistoryStore

from .conftest import HOUR, T0, results, site

DAY = 24 * HOUR


@pytest.fixture
def history(tmp_path: Path) -> Path:
    """Ten days, two runs a day: ``a`` steady; ``b`` loses api_token on day 8 and changes version on day 9."""
    path = tmp_path / "h.db"
    with HistoryStore(path) as store:
        for day in range(10):
            for half in (0, 12):
                at = T0 + day * DAY + half * HOUR
                b = site("b", {"api_status": "ok", "api_user_self": "ok", "api_token": "not_found" if day >= 8 else "ok"},
                         version="v2" if day >= 9 else "v1")
                store.append(results(f"d{day}-{half}", at, site("a", "ok"), b))
    return path


def run(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    assert main(["history", *args]) == 0
    return capsys.readouterr().out


def test_runs(history: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = json.loads(run(capsys, "runs", str(history), "--last", "3", "--format", "json"))
    assert [r["run"] for r in out] == ["d8-12", "d9-0", "d9-12"] and out[0]["sites"] == 2


def test_status_says_since_when(history: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = json.loads(run(capsys, "status", str(history), "--format", "json"))
    b = next(row for row in out if row["site"] == "b")
    assert (b["now"], b["runs"], b["since"], b["backend"]) == ("down", 4, "2026-11-26 11:06 UTC", "new-api v2")
    table = run(capsys, "status", str(history), "--site", "a")
    assert table.splitlines()[0].split()[:4] == ["site", "now", "since", "runs"] and "ok" in table.splitlines()[2]


def test_uptime_per_site_and_per_endpoint_over_a_window(history: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sites = {r["site"]: r for r in json.loads(run(capsys, "uptime", str(history), "--window", "all", "--format", "json"))}
    assert sites["b"]["ok runs"] == 16 and sites["b"]["runs"] == 20 and sites["a"]["uptime %"] == 100.0
    week = json.loads(run(capsys, "uptime", str(history), "--site", "b", "--endpoint", "api_token", "--format", "json"))
    assert week == [{"site": "b", "endpoint": "api_token", "ok runs": 11, "judged runs": 15, "uptime %": 73.3, "median ms": 42}]


def test_transitions_of_status_version_and_endpoints(history: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sites = json.loads(run(capsys, "transitions", str(history), "--format", "json"))
    assert [(t["site"], t["what"], t["before"], t["after"]) for t in sites] == [
        ("b", "status", "ok", "partial"), ("b", "backend", "new-api v1", "new-api v2")]
    endpoints = json.loads(run(capsys, "transitions", str(history), "--by-endpoint", "--format", "json"))
    assert [(t["endpoint"], t["before"], t["after"]) for t in endpoints] == [("api_token", "ok:ok", "not_found:not_found")]


def test_prune(history: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = json.loads(run(capsys, "prune", str(history), "--keep-days", "2", "--vacuum", "--format", "json"))
    assert out == [{"pruned runs": 15, "runs left": 5}]


def test_errors_are_one_line_with_what_to_do(history: Path, tmp_path: Path) -> None:
    with pytest.raises(SystemExit, match="no site nope in .*history status"):
        main(["history", "status", str(history), "--site", "nope"])
    with pytest.raises(SystemExit, match="no such history file; record runs with pytest --history"):
        main(["history", "runs", str(tmp_path / "missing.db")])
    assert not (tmp_path / "missing.db").exists()


def test_help_names_every_query(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["history", "--help"])
    out = capsys.readouterr().out
    assert all(word in out for word in ("runs", "status", "uptime", "transitions", "prune"))
    with pytest.raises(SystemExit):
        main(["history", "uptime", "--help"])
    assert "--window" in capsys.readouterr().out
