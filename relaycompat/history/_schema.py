"""The layout of a history file, and the migrations that bring an older file forward.

A history file is an SQLite database marked with :data:`APPLICATION_ID` (``PRAGMA
application_id``: how a foreign database is told apart) whose ``PRAGMA user_version`` is the
number of migrations applied. :data:`MIGRATIONS` only ever grows: migration *n* turns a file of
schema *n - 1* into schema *n*, in one transaction, so a file of any earlier schema is brought
forward on open and a newer one is refused (docs/history.md).

Everything repeated in millions of rows is an integer: sites, endpoints and words (verdicts,
outcomes, backends, versions) are numbered once in their own tables. ``probes`` is keyed by
``(run, site, endpoint)`` without rowid, so a run's rows land at the end of the tree (runs are
numbered in the order they are recorded) and "the same probe again" is the same key.
"""

from __future__ import annotations

#: "RCHS" (relaycompat history): stamped in the file header by the first migration.
APPLICATION_ID = 0x52434853

#: The site status a run records: every expected endpoint ok, some failing, none ok (or the
#: prober could not probe the site at all).
SITE_OK, SITE_PARTIAL, SITE_DOWN = 0, 1, 2

_PASSED = "CASE WHEN o.key IS NULL THEN v.key = 'ok' ELSE o.key = 'passed' END"
_FAILED = "CASE WHEN o.key IS NULL THEN v.key NOT IN ('ok', 'skipped') ELSE o.key IN ('failed', 'error') END"

#: Schema 1: runs, sites, endpoints, words; one row per site and run, one per probe.
SCHEMA_1 = f"""
PRAGMA application_id = {APPLICATION_ID};
CREATE TABLE runs (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL UNIQUE,          -- the run id: shards of one run share it
    started_at INTEGER NOT NULL,       -- unix seconds (UTC)
    recorded_at INTEGER NOT NULL,
    tool_version TEXT
);
CREATE INDEX runs_by_time ON runs (started_at, id);
CREATE TABLE sites (id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE, name TEXT NOT NULL);   -- key: the slug
CREATE TABLE endpoints (id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE, path TEXT NOT NULL);
CREATE TABLE words (id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE);
CREATE TABLE site_runs (
    run INTEGER NOT NULL,
    site INTEGER NOT NULL,
    backend INTEGER,                   -- words: the detected backend (NULL: not detected)
    version INTEGER,                   -- words: its version
    PRIMARY KEY (run, site)
) WITHOUT ROWID;
CREATE TABLE probes (
    run INTEGER NOT NULL,
    site INTEGER NOT NULL,
    endpoint INTEGER NOT NULL,
    verdict INTEGER NOT NULL,          -- words
    outcome INTEGER,                   -- words: pytest's outcome (NULL: none recorded)
    http_status INTEGER,
    latency_ms INTEGER,
    PRIMARY KEY (run, site, endpoint)
) WITHOUT ROWID;
"""

#: Schema 2: each site-run carries its status and counts, so the reports' site strips, streaks
#: and per-backend chart read thousands of rows instead of millions. Filled in for older runs
#: from their probes, with the rules of relaycompat.reports._facts (an outcome decides when
#: there is one, else the verdict).
SCHEMA_2 = f"""
ALTER TABLE site_runs ADD COLUMN passed INTEGER NOT NULL DEFAULT 0;
ALTER TABLE site_runs ADD COLUMN failed INTEGER NOT NULL DEFAULT 0;
ALTER TABLE site_runs ADD COLUMN status INTEGER NOT NULL DEFAULT {SITE_DOWN};
UPDATE site_runs SET
    passed = (SELECT count(*) FROM probes p JOIN words v ON v.id = p.verdict LEFT JOIN words o ON o.id = p.outcome
              WHERE p.run = site_runs.run AND p.site = site_runs.site AND {_PASSED}),
    failed = (SELECT count(*) FROM probes p JOIN words v ON v.id = p.verdict LEFT JOIN words o ON o.id = p.outcome
              WHERE p.run = site_runs.run AND p.site = site_runs.site AND {_FAILED});
UPDATE site_runs SET status = CASE
    WHEN NOT EXISTS (SELECT 1 FROM probes p WHERE p.run = site_runs.run AND p.site = site_runs.site) THEN {SITE_DOWN}
    WHEN failed = 0 THEN {SITE_OK}
    WHEN passed = 0 THEN {SITE_DOWN}
    ELSE {SITE_PARTIAL} END;
"""

MIGRATIONS: tuple[str, ...] = (SCHEMA_1, SCHEMA_2)
SCHEMA_VERSION = len(MIGRATIONS)
