"""The history file: open (checked, migrated), append a run once, prune, and the reads.

One :class:`HistoryStore` is one connection. Every write is one ``BEGIN IMMEDIATE`` transaction
under a busy timeout, so two writers at once (two shards on one machine, a run and a prune)
take turns instead of failing or corrupting the file. The rollback journal (not WAL) keeps the
file one file at rest, which is what CI caches and artifacts carry.

A run is keyed by its run id (``run.run_id`` of results.json; see :func:`run_key`). A probe is
keyed by ``(run, site, endpoint)`` and inserted with ``OR IGNORE``: appending the same results
twice, or a merge after its shards, adds nothing; the first recording of a probe stays.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..reports._facts import detected_backend, is_failing, is_passing
from ._schema import APPLICATION_ID, MIGRATIONS, SCHEMA_VERSION, SITE_DOWN, SITE_OK, SITE_PARTIAL

#: How long a writer waits for another one before giving up (seconds).
BUSY_TIMEOUT = 120.0
_HEADER = b"SQLite format 3\x00"
DAY = 86400


class HistoryError(Exception):
    """The history file cannot be used; the message is one line saying why and what to do."""


def run_key(results: Mapping[str, Any]) -> str:
    """The run id a results document is recorded under.

    ``run.run_id`` when the run had one (every run since the history exists: ``--run-id``,
    else ``$GITHUB_RUN_ID``, else a generated id); for older results, one derived from their
    generation time, so that recording them twice is still a no-op.
    """
    run = results.get("run") or {}
    if run.get("run_id"):
        return str(run["run_id"])
    return f"generated-{results.get('generated_at') or run.get('started_at') or 'unknown'}"


def parse_time(text: str | None) -> int | None:
    """Unix seconds of an ISO time as results.json writes it (``2026-11-24T10:00:00Z``)."""
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp())


def site_summary(site: Mapping[str, Any]) -> tuple[int, int, int]:
    """``(status, passed, failed)`` of one site of results.json (the rules of schema 2)."""
    probes = site.get("probes") or []
    passed = sum(1 for p in probes if is_passing(p))
    failed = sum(1 for p in probes if is_failing(p))
    if not probes:
        return SITE_DOWN, passed, failed
    if failed == 0:
        return SITE_OK, passed, failed
    return (SITE_DOWN if passed == 0 else SITE_PARTIAL), passed, failed


@dataclass(frozen=True)
class Appended:
    """What :meth:`HistoryStore.append` did: the run's id and key, and how many rows were new."""

    run: int
    key: str
    started_at: int
    new_probes: int
    new_sites: int
    pruned_runs: int = 0

    @property
    def already_recorded(self) -> bool:
        return self.new_probes == 0 and self.new_sites == 0


@dataclass(frozen=True)
class Run:
    id: int
    key: str
    started_at: int


class HistoryStore:
    """An open history file (created when missing, migrated forward when older)."""

    def __init__(self, path: str | Path, *, create: bool = True) -> None:
        self.path = Path(path)
        _check_header(self.path, create)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(str(self.path), timeout=BUSY_TIMEOUT, isolation_level=None)
        except (OSError, sqlite3.Error) as exc:
            raise HistoryError(f"{self.path}: cannot open: {exc}; check the path and its permissions") from None
        self._words: dict[str, int] = {}
        try:
            self.db.execute("PRAGMA foreign_keys = OFF")
            self._migrate()
        except sqlite3.DatabaseError as exc:
            self.db.close()
            raise HistoryError(f"{self.path}: not a usable relaycompat history ({exc}); "
                               "move it away (a new one is started) or give another --history path") from None
        except HistoryError:
            self.db.close()
            raise

    # ---- opening --------------------------------------------------------------------------
    def _migrate(self) -> None:
        version = self._version()
        if version == SCHEMA_VERSION:
            return
        with self.transaction():
            version = self._version()  # another process may have migrated it while we waited
            for number in range(version, SCHEMA_VERSION):
                for statement in _statements(MIGRATIONS[number]):
                    self.db.execute(statement)
                self.db.execute(f"PRAGMA user_version = {number + 1}")

    def _version(self) -> int:
        application = self.db.execute("PRAGMA application_id").fetchone()[0]
        version = int(self.db.execute("PRAGMA user_version").fetchone()[0])
        if application == 0 and version == 0:
            tables = [row[0] for row in self.db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
            if tables:
                shown = ", ".join(tables[:5]) + (", …" if len(tables) > 5 else "")
                raise HistoryError(f"{self.path}: an SQLite database of another program (tables: {shown}), "
                                   "not a relaycompat history; give another --history path")
            return 0
        if application != APPLICATION_ID:
            raise HistoryError(f"{self.path}: an SQLite database of another program (application id {application:#x}), "
                               "not a relaycompat history; give another --history path")
        if version > SCHEMA_VERSION:
            raise HistoryError(f"{self.path}: written by a newer relaycompat (history schema {version}; this one reads "
                               f"up to {SCHEMA_VERSION}); upgrade relaycompat or give another --history path")
        return version

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, taken at once (``BEGIN IMMEDIATE``): writers queue here."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            self._words.clear()  # ids numbered in this transaction are gone
            raise
        self.db.execute("COMMIT")

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> HistoryStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def schema_version(self) -> int:
        return int(self.db.execute("PRAGMA user_version").fetchone()[0])

    # ---- writing --------------------------------------------------------------------------
    def _number(self, table: str, keys: Mapping[str, str] | Iterable[str], label: str | None = None) -> dict[str, int]:
        """Ids of ``keys`` in a numbering table, numbering the new ones (inside a transaction);
        with ``label``, ``keys`` maps each key to that column's newest value (a site's name)."""
        wanted = sorted(set(keys))
        if label is not None and isinstance(keys, Mapping):
            self.db.executemany(f"INSERT INTO {table} (key, {label}) VALUES (?, ?) "
                                f"ON CONFLICT (key) DO UPDATE SET {label} = excluded.{label}",
                                [(k, keys[k]) for k in wanted])
        else:
            self.db.executemany(f"INSERT OR IGNORE INTO {table} (key) VALUES (?)", [(k,) for k in wanted])
        ids: dict[str, int] = {}
        for start in range(0, len(wanted), 500):
            chunk = wanted[start:start + 500]
            ids.update(self.db.execute(f"SELECT key, id FROM {table} WHERE key IN ({','.join('?' * len(chunk))})", chunk))
        return ids

    def append(self, results: Mapping[str, Any], *, keep_days: float | None = None) -> Appended:
        """Record one results document (a run, a shard or a merge); a no-op for what is recorded.

        ``keep_days``: afterwards delete the runs that started that many days before this one.
        """
        run = results.get("run") or {}
        key = run_key(results)
        started = parse_time(run.get("started_at")) or parse_time(results.get("generated_at")) or int(time.time())
        sites = list(results.get("sites") or [])
        catalogue = {e["id"]: e["path"] for e in results.get("catalogue") or [] if "id" in e}
        for site in sites:
            for probe in site.get("probes") or []:
                catalogue.setdefault(probe["id"], probe.get("endpoint") or probe["id"])
        with self.transaction():
            run_id = self.db.execute(
                "INSERT INTO runs (key, started_at, recorded_at, tool_version) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (key) DO UPDATE SET started_at = min(started_at, excluded.started_at) RETURNING id",
                (key, started, int(time.time()), (results.get("tool") or {}).get("version"))).fetchone()[0]
            site_ids = self._number("sites", {s["slug"]: str(s.get("name") or s["slug"]) for s in sites}, "name")
            endpoint_ids = self._number("endpoints", catalogue, "path")
            words = self._word_ids(sites)
            before = self.db.total_changes
            site_rows = []
            probe_rows = []
            for site in sites:
                sid = site_ids[site["slug"]]
                backend = site.get("backend") or {}
                detected = detected_backend(site)
                version = backend.get("version") if detected else None
                status, passed, failed = site_summary(site)
                site_rows.append((run_id, sid, words.get(detected) if detected else None,
                                  words.get(str(version)) if version else None, passed, failed, status))
                for probe in site.get("probes") or []:
                    elapsed = probe.get("elapsed_ms")
                    probe_rows.append((run_id, sid, endpoint_ids[probe["id"]], words[str(probe.get("verdict"))],
                                       words[probe["outcome"]] if probe.get("outcome") else None, probe.get("http_status"),
                                       None if elapsed is None else round(float(elapsed))))
            self.db.executemany("INSERT OR IGNORE INTO site_runs (run, site, backend, version, passed, failed, status) "
                                "VALUES (?, ?, ?, ?, ?, ?, ?)", site_rows)
            new_sites = self.db.total_changes - before
            self.db.executemany("INSERT OR IGNORE INTO probes (run, site, endpoint, verdict, outcome, http_status, latency_ms) "
                                "VALUES (?, ?, ?, ?, ?, ?, ?)", probe_rows)
            new_probes = self.db.total_changes - before - new_sites
        pruned = self.prune(started - keep_days * DAY) if keep_days else 0
        return Appended(run_id, key, started, new_probes, new_sites, pruned)

    def _word_ids(self, sites: Sequence[Mapping[str, Any]]) -> dict[str, int]:
        words: set[str] = set()
        for site in sites:
            if detected_backend(site):
                words.add(str(detected_backend(site)))
                version = (site.get("backend") or {}).get("version")
                if version:
                    words.add(str(version))
            for probe in site.get("probes") or []:
                words.add(str(probe.get("verdict")))
                if probe.get("outcome"):
                    words.add(str(probe["outcome"]))
        missing = words - self._words.keys()
        if missing:
            self._words.update(self._number("words", missing))
        return self._words

    def prune(self, before: float) -> int:
        """Delete the runs that started before ``before`` (unix seconds); return how many.

        The freed pages are reused by the next runs, so a pruned file stops growing; ``vacuum``
        gives them back to the file system.
        """
        with self.transaction():
            old = [row[0] for row in self.db.execute("SELECT id FROM runs WHERE started_at < ?", (before,))]
            for start in range(0, len(old), 500):
                chunk = old[start:start + 500]
                marks = ",".join("?" * len(chunk))
                for table in ("probes", "site_runs", "runs"):
                    column = "id" if table == "runs" else "run"
                    self.db.execute(f"DELETE FROM {table} WHERE {column} IN ({marks})", chunk)
        return len(old)

    def vacuum(self) -> None:
        self.db.execute("VACUUM")

    # ---- reading --------------------------------------------------------------------------
    def words(self) -> dict[int, str]:
        return {i: w for i, w in self.db.execute("SELECT id, key FROM words")}

    def run_by_key(self, key: str) -> Run | None:
        row = self.db.execute("SELECT id, key, started_at FROM runs WHERE key = ?", (key,)).fetchone()
        return Run(*row) if row else None

    def runs(self, *, until: int | None = None, since: int | None = None, last: int | None = None) -> list[Run]:
        """Runs in time order (oldest first): those started in ``[since, until]``, the last ``last`` of them."""
        clauses, params = [], []
        if until is not None:
            clauses.append("started_at <= ?")
            params.append(until)
        if since is not None:
            clauses.append("started_at >= ?")
            params.append(since)
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        limit = f"LIMIT {int(last)}" if last else ""
        rows = self.db.execute(f"SELECT id, key, started_at FROM runs {where} ORDER BY started_at DESC, id DESC {limit}",
                               params).fetchall()
        return [Run(*row) for row in reversed(rows)]

    def site_ids(self, slugs: Iterable[str] | None = None) -> dict[str, int]:
        if slugs is None:
            return {slug: i for slug, i in self.db.execute("SELECT key, id FROM sites")}
        wanted = list(dict.fromkeys(slugs))
        found: dict[str, int] = {}
        for start in range(0, len(wanted), 500):
            chunk = wanted[start:start + 500]
            found.update(self.db.execute(f"SELECT key, id FROM sites WHERE key IN ({','.join('?' * len(chunk))})", chunk))
        return found

    def site_names(self) -> dict[int, tuple[str, str]]:
        return {i: (slug, name) for i, slug, name in self.db.execute("SELECT id, key, name FROM sites")}

    def endpoints(self) -> dict[int, tuple[str, str]]:
        return {i: (key, path) for i, key, path in self.db.execute("SELECT id, key, path FROM endpoints")}

    def site_runs(self, runs: Sequence[Run]) -> Iterator[tuple[int, int, int, int | None, int | None, int, int]]:
        """``(run, site, status, backend word, version word, passed, failed)`` of the given runs."""
        for run in runs:
            yield from self.db.execute(
                "SELECT run, site, status, backend, version, passed, failed FROM site_runs WHERE run = ?", (run.id,))

    def probes(self, runs: Sequence[Run], sites: Iterable[int] | None = None
               ) -> Iterator[tuple[int, int, int, int, int | None, int | None, int | None]]:
        """``(run, site, endpoint, verdict word, outcome word, http_status, latency_ms)`` of the given runs
        (of the given sites only, when named: one seek per run and site)."""
        site_list = None if sites is None else sorted(set(sites))
        columns = "run, site, endpoint, verdict, outcome, http_status, latency_ms"
        for run in runs:
            if site_list is None:
                yield from self.db.execute(f"SELECT {columns} FROM probes WHERE run = ?", (run.id,))
            else:
                for site in site_list:
                    yield from self.db.execute(f"SELECT {columns} FROM probes WHERE run = ? AND site = ?", (run.id, site))

    def counts(self) -> dict[str, int]:
        return {table: int(self.db.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
                for table in ("runs", "sites", "endpoints", "site_runs", "probes")}


def _statements(script: str) -> list[str]:
    """The statements of a migration script, to run one by one inside our own transaction
    (``executescript`` would commit first)."""
    statements, current = [], ""
    for line in script.splitlines(keepends=True):
        current += line
        if sqlite3.complete_statement(current):
            if current.strip():
                statements.append(current.strip())
            current = ""
    return statements


def _check_header(path: Path, create: bool) -> None:
    try:
        with path.open("rb") as handle:
            head = handle.read(len(_HEADER))
    except FileNotFoundError:
        if not create:
            raise HistoryError(f"{path}: no such history file; record runs with pytest --history {path} first") from None
        return
    except OSError as exc:
        raise HistoryError(f"{path}: cannot read: {exc.strerror or exc}; check the path and its permissions") from None
    if head and head != _HEADER:
        raise HistoryError(f"{path}: not a relaycompat history (not an SQLite database); move it away "
                           "(a new one is started) or give another --history path")
