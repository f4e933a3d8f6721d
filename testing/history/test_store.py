"""The history file: what a run appends, once; shards and merges; migrations; files it refuses;
two writers at once; pruning."""

from __future__ import annotations

import multiprocessing
import sqlite3
from pathlib import Path

import pytest

from relaycompat.history import HistoryError, HistoryStore, record
from relaycompat.history._schema import APPLICATION_ID, MIGRATIONS, SCHEMA_VERSION
from relaycompat.reports import merge_results

from .conftest import HOUR, T0, results, site


def rows(path: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(path) as db:
        return db.execute(sql).fetchall()


def test_a_run_records_every_probe_with_its_verdict_status_latency_and_backend(tmp_path: Path) -> None:
    path = tmp_path / "h.db"
    document = results("run-1", T0, site("a", {"api_status": "ok", "api_user_self": "auth_rejected", "api_token": "timeout"}),
                       site("b", "ok", backend="veloera", version="v0.5.12"))
    with HistoryStore(path) as store:
        appended = store.append(document)
    assert (appended.key, appended.new_probes, appended.new_sites) == ("run-1", 6, 2)
    recorded = rows(path, """
        SELECT r.key, r.started_at, s.key, e.key, v.key, o.key, p.http_status, p.latency_ms
        FROM probes p JOIN runs r ON r.id = p.run JOIN sites s ON s.id = p.site JOIN endpoints e ON e.id = p.endpoint
        JOIN words v ON v.id = p.verdict LEFT JOIN words o ON o.id = p.outcome ORDER BY s.key, e.key""")
    assert recorded[:3] == [("run-1", T0, "a", "api_status", "ok", "passed", 200, 42),
                            ("run-1", T0, "a", "api_token", "timeout", "failed", None, 42),
                            ("run-1", T0, "a", "api_user_self", "auth_rejected", "failed", 200, 42)]
    backends = rows(path, """SELECT s.key, b.key, v.key, sr.status, sr.passed, sr.failed FROM site_runs sr
        JOIN sites s ON s.id = sr.site LEFT JOIN words b ON b.id = sr.backend LEFT JOIN words v ON v.id = sr.version
        ORDER BY s.key""")
    assert backends == [("a", "new-api", "v1.0.0", 1, 1, 2), ("b", "veloera", "v0.5.12", 0, 3, 0)]


def test_appending_the_same_run_twice_is_a_no_op(tmp_path: Path) -> None:
    document = results("run-1", T0, site("a", "ok"), site("b", "not_found"))
    with HistoryStore(tmp_path / "h.db") as store:
        first = store.append(document)
        changed = results("run-1", T0 + 60, site("a", "server_error"), site("b", "not_found"))
        second = store.append(changed)  # the same run id again, even with other results
        assert store.counts() == {"runs": 1, "sites": 2, "endpoints": 3, "site_runs": 2, "probes": 6}
    assert not first.already_recorded and second.already_recorded and second.run == first.run
    assert rows(tmp_path / "h.db", "SELECT count(*) FROM probes p JOIN words v ON v.id = p.verdict WHERE v.key = 'ok'") == [(3,)]


def test_results_without_a_run_id_are_recorded_once_too(tmp_path: Path) -> None:
    document = results(None, T0, site("a", "ok"))
    with HistoryStore(tmp_path / "h.db") as store:
        assert not store.append(document).already_recorded
        assert store.append(document).already_recorded
        assert [run.key for run in store.runs()] == [f"generated-{document['generated_at']}"]


def test_shards_and_their_merge_record_the_run_once(tmp_path: Path) -> None:
    shards = [results("github-42", T0 + k, site(f"s{k}", "ok"), shard=[k, 2]) for k in (1, 2)]
    merged = merge_results(shards)
    assert merged["run"]["run_id"] == "github-42"
    path = tmp_path / "h.db"
    with HistoryStore(path) as store:
        assert [store.append(s).new_probes for s in shards] == [3, 3]
        assert store.append(merged).already_recorded
        assert [(r.key, r.started_at) for r in store.runs()] == [("github-42", T0 + 1)]
    # the other way round: the merge first, then a shard (a re-run of its job)
    with HistoryStore(tmp_path / "other.db") as store:
        assert store.append(merged).new_probes == 6
        assert store.append(shards[1]).already_recorded


def test_the_catalogue_may_grow_between_runs(tmp_path: Path) -> None:
    more = tuple(f"endpoint_{i:02d}" for i in range(38))
    with HistoryStore(tmp_path / "h.db") as store:
        store.append(results("r1", T0, site("a", "ok")))
        store.append(results("r2", T0 + HOUR, site("a", dict.fromkeys(more, "ok")), endpoints=more))
        assert store.counts()["endpoints"] == 3 + 38
        assert store.counts()["probes"] == 3 + 38


def _schema_1_file(path: Path) -> None:
    """A file as the first layout wrote it: no per-site summaries."""
    with sqlite3.connect(path, isolation_level=None) as db:
        db.executescript(MIGRATIONS[0] + "PRAGMA user_version = 1;")
        db.executescript("""
            INSERT INTO runs VALUES (1, 'old-1', 1790000000, 1790000100, '0.1.0'), (2, 'old-2', 1790021600, 1790021700, '0.1.0');
            INSERT INTO sites VALUES (1, 'a', 'A'), (2, 'b', 'B'), (3, 'c', 'C');
            INSERT INTO endpoints VALUES (1, 'api_status', '/api/status'), (2, 'api_user_self', '/api/user/self');
            INSERT INTO words VALUES (1, 'ok'), (2, 'passed'), (3, 'timeout'), (4, 'failed'), (5, 'skipped'), (6, 'new-api');
            INSERT INTO site_runs VALUES (1, 1, 6, NULL), (1, 2, NULL, NULL), (2, 1, 6, NULL), (2, 2, 6, NULL), (2, 3, NULL, NULL);
            -- run 1: a all ok, b all timeout; run 2: a ok + timeout, b ok + skipped (no outcome), c not probed at all
            INSERT INTO probes VALUES (1, 1, 1, 1, 2, 200, 40), (1, 1, 2, 1, 2, 200, 40),
                                      (1, 2, 1, 3, 4, NULL, 15000), (1, 2, 2, 3, 4, NULL, 15000),
                                      (2, 1, 1, 1, 2, 200, 40), (2, 1, 2, 3, 4, NULL, 15000),
                                      (2, 2, 1, 1, NULL, 200, 40), (2, 2, 2, 5, NULL, NULL, NULL);
        """)


def test_a_schema_1_file_is_migrated_forward_keeping_its_runs(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    _schema_1_file(path)
    with HistoryStore(path) as store:
        assert store.schema_version == SCHEMA_VERSION == 2
        assert [run.key for run in store.runs()] == ["old-1", "old-2"]
        summaries = {(run, site): (status, passed, failed)
                     for run, site, status, _b, _v, passed, failed in store.site_runs(store.runs())}
        # the summaries the new layout keeps, filled in from the old probes with the reports' rules
        assert summaries == {(1, 1): (0, 2, 0), (1, 2): (2, 0, 2), (2, 1): (1, 1, 1), (2, 2): (0, 1, 0), (2, 3): (2, 0, 0)}
        store.append(results("new-1", 1790043200, site("a", "ok")))  # and it takes new runs
    assert rows(path, "PRAGMA application_id") == [(APPLICATION_ID,)]


def test_the_migration_gives_the_summaries_a_new_file_computes(tmp_path: Path) -> None:
    document = results("r1", T0, site("a", {"api_status": "ok", "api_user_self": "timeout", "api_token": "skipped"}),
                       site("b", "connect_error"), site("c", "ok"), site("d", {"api_status": "not_found", "api_token": "ok"}))
    with HistoryStore(tmp_path / "new.db") as store:
        store.append(document)
        fresh = sorted(row[1:] for row in store.site_runs(store.runs()))
    with sqlite3.connect(tmp_path / "old.db", isolation_level=None) as db:  # the same data in the first layout
        db.executescript(MIGRATIONS[0] + "PRAGMA user_version = 1;")
        db.execute("ATTACH ? AS new", (str(tmp_path / "new.db"),))
        for table in ("runs", "sites", "endpoints", "words", "probes"):
            db.execute(f"INSERT INTO {table} SELECT * FROM new.{table}")
        db.execute("INSERT INTO site_runs SELECT run, site, backend, version FROM new.site_runs")
    with HistoryStore(tmp_path / "old.db") as store:
        assert sorted(row[1:] for row in store.site_runs(store.runs())) == fresh


@pytest.mark.parametrize("content, expected", [
    (b"this is not a database at all" * 10, "not an SQLite database"),
    (b"SQLite format 3\x00" + b"\xff" * 2000, "not a usable relaycompat history"),
])
def test_a_corrupt_file_is_one_line(tmp_path: Path, content: bytes, expected: str) -> None:
    path = tmp_path / "h.db"
    path.write_bytes(content)
    with pytest.raises(HistoryError, match=expected) as caught:
        HistoryStore(path)
    assert "\n" not in str(caught.value) and "give another --history path" in str(caught.value)
    recorded = record(path, results("r1", T0, site("a", "ok")))  # what the run gets: a line, no exception
    assert recorded.report.problem and "\n" not in recorded.line() and recorded.line().startswith("history not recorded")
    assert path.read_bytes() == content  # and the file is left as it was


def test_a_foreign_database_is_refused_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "app.db"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT)")
    with pytest.raises(HistoryError, match=r"another program \(tables: users\)"):
        HistoryStore(path)
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA application_id = 1234")
    with pytest.raises(HistoryError, match="application id 0x4d2"):
        HistoryStore(path)
    assert rows(path, "SELECT name FROM sqlite_master") == [("users",)]


def test_a_file_of_a_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "h.db"
    HistoryStore(path).close()
    with sqlite3.connect(path) as db:
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(HistoryError, match=f"newer relaycompat \\(history schema {SCHEMA_VERSION + 1}"):
        HistoryStore(path)


def _writer(path: str, name: str, count: int, barrier: multiprocessing.synchronize.Barrier) -> None:
    barrier.wait()
    for i in range(count):
        sites = [site(f"{name}-{k}", "ok" if (i + k) % 3 else "timeout") for k in range(40)]
        with HistoryStore(path) as store:
            store.append(results(f"{name}-{i}", T0 + i * HOUR, *sites))
            store.append(results("shared", T0, site(f"{name}-shared", "ok")))  # both add to one run


def test_two_writers_at_once_neither_fail_nor_corrupt_the_file(tmp_path: Path) -> None:
    path = str(tmp_path / "h.db")
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(2)
    writers = [context.Process(target=_writer, args=(path, name, 12, barrier)) for name in ("w1", "w2")]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join(timeout=180)
    assert [w.exitcode for w in writers] == [0, 0]
    assert rows(Path(path), "PRAGMA integrity_check") == [("ok",)]
    with HistoryStore(path) as store:
        assert store.counts()["runs"] == 2 * 12 + 1
        assert store.counts()["probes"] == 2 * 12 * 40 * 3 + 2 * 3
        assert store.counts()["site_runs"] == 2 * 12 * 40 + 2


def test_old_runs_are_pruned_on_append_and_on_demand(tmp_path: Path) -> None:
    with HistoryStore(tmp_path / "h.db") as store:
        for day in range(10):
            store.append(results(f"d{day}", T0 + day * 24 * HOUR, site("a", "ok")))
        appended = store.append(results("d10", T0 + 10 * 24 * HOUR, site("a", "ok")), keep_days=7)
        assert appended.pruned_runs == 3
        assert [r.key for r in store.runs()][:2] == ["d3", "d4"]
        assert store.prune(T0 + 9 * 24 * HOUR) == 6
        assert store.counts() == {"runs": 2, "sites": 1, "endpoints": 3, "site_runs": 2, "probes": 6}
