"""``python -m relaycompat history``: ask the history file questions, as a table or as JSON.

    history runs PATH                                  the recorded runs
    history status PATH [--site S]                     per site: failing / ok since when, down, flapping
    history uptime PATH [--site S] [--endpoint E] [--by-endpoint] [--window 7d]
    history transitions PATH [--site S] [--endpoint E] [--by-endpoint] [--window 30d]
    history prune PATH --keep-days N [--vacuum]

Windows end at the newest recorded run (not at the clock), so a history whose runs stopped a
week ago still answers "the last 7 days" of its runs.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from ._labels import HistoryLabels, when
from ._schema import SITE_OK
from ._store import DAY, HistoryError, HistoryStore, Run
from ._timeline import Thresholds, assess, transitions, uptime
from ._view import SITE_STATUS, _probe_view

_WINDOW = re.compile(r"^(\d+(?:\.\d+)?)([dh])$")
#: The thresholds' defaults (Gatus's, docs/history.md).
GATUS = Thresholds()


def add_threshold_options(parser: argparse.ArgumentParser, prefix: str = "") -> None:
    """``--{prefix}down-after``, ``--{prefix}up-after`` and ``--{prefix}flapping``: the thresholds."""
    parser.add_argument(f"--{prefix}down-after", type=int, default=GATUS.down_after, metavar="N",
                        help=f"Failing runs in a row before a site or endpoint is called down (default {GATUS.down_after})")
    parser.add_argument(f"--{prefix}up-after", type=int, default=GATUS.up_after, metavar="N",
                        help=f"Ok runs in a row before it is called back up (default {GATUS.up_after})")
    parser.add_argument(f"--{prefix}flapping", type=int, default=GATUS.flap_changes, metavar="N",
                        help=f"Changes within the last {GATUS.window} runs that mark it flapping (default {GATUS.flap_changes})")


def thresholds_of(args: argparse.Namespace, prefix: str = "") -> Thresholds:
    """The thresholds the options of :func:`add_threshold_options` give."""
    dest = prefix.replace("-", "_")
    return Thresholds(getattr(args, f"{dest}down_after"), getattr(args, f"{dest}up_after"), getattr(args, f"{dest}flapping"))


def window(text: str) -> float | None:
    """``7d``, ``12h`` or ``all`` → seconds (None: everything)."""
    if text == "all":
        return None
    match = _WINDOW.match(text)
    if not match:
        raise argparse.ArgumentTypeError(f"expected a window like 7d, 30d, 12h or all, got {text!r}")
    return float(match.group(1)) * (DAY if match.group(2) == "d" else 3600)


def add_parser(commands: Any) -> None:
    history = commands.add_parser("history", help="Query a --history file: runs, status, uptime, transitions; prune it",
                                  description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = history.add_subparsers(dest="history_command", required=True, metavar="QUERY")

    def common(parser: argparse.ArgumentParser, *, filters: bool = True, span: str | None = None) -> None:
        parser.add_argument("path", metavar="PATH", help="The history file (pytest --history PATH)")
        parser.add_argument("--format", choices=("table", "json"), default="table", help="Output format (default: table)")
        if filters:
            parser.add_argument("--site", action="append", metavar="SLUG", help="Only this site (its id; repeatable)")
        if span:
            parser.add_argument("--window", type=window, default=window(span), metavar="SPAN",
                                help=f"How far back from the newest run: 7d, 30d, 12h or all (default: {span})")

    runs = sub.add_parser("runs", help="The recorded runs, newest last")
    common(runs, filters=False)
    runs.add_argument("--last", type=int, default=20, metavar="N", help="Show the last N runs (default 20; 0: all)")
    status = sub.add_parser("status", help="Per site: failing or ok since when, called down, flapping, the last runs")
    common(status)
    add_threshold_options(status)
    for name, span, text in (("uptime", "7d", "Share of ok runs per site (or per endpoint) over a window"),
                             ("transitions", "30d", "Changes of status, backend or version per site (or of state per endpoint)")):
        parser = sub.add_parser(name, help=text)
        common(parser, span=span)
        parser.add_argument("--endpoint", action="append", metavar="ID",
                            help="Only this endpoint (catalogue id, e.g. api_user_self; repeatable; implies --by-endpoint)")
        parser.add_argument("--by-endpoint", action="store_true", help="One row per site and endpoint")
    prune = sub.add_parser("prune", help="Delete old runs")
    common(prune, filters=False)
    prune.add_argument("--keep-days", type=float, required=True, metavar="DAYS",
                       help="Keep the runs that started at most DAYS days before the newest one")
    prune.add_argument("--vacuum", action="store_true", help="Then give the freed space back to the file system (rewrites the file)")


def _runs_in(store: HistoryStore, span: float | None) -> list[Run]:
    runs = store.runs()
    if span is None or not runs:
        return runs
    return [run for run in runs if run.started_at >= runs[-1].started_at - span]


def _sites(store: HistoryStore, wanted: Sequence[str] | None) -> dict[int, tuple[str, str]]:
    names = store.site_names()
    if not wanted:
        return names
    unknown = sorted(set(wanted) - {slug for slug, _ in names.values()})
    if unknown:
        raise HistoryError(f"no site {', '.join(unknown)} in {store.path}; `history status {store.path}` lists the sites")
    return {i: v for i, v in names.items() if v[0] in wanted}


def _site_series(store: HistoryStore, runs: list[Run], sites: dict[int, Any]) -> dict[int, list[tuple[Run, int, str | None]]]:
    words = store.words()
    series: dict[int, list[tuple[Run, int, str | None]]] = defaultdict(list)
    by_id = {run.id: run for run in runs}
    for run_id, site, status, backend, version, _p, _f in store.site_runs(runs):
        if site in sites:
            backend_text = " ".join(words[w] for w in (backend, version) if w is not None) or None
            series[site].append((by_id[run_id], status, backend_text))
    return series


def _endpoint_filter(args: argparse.Namespace, store: HistoryStore) -> set[int] | None:
    endpoints = store.endpoints()
    if not args.endpoint:
        return None
    known = {key: i for i, (key, _) in endpoints.items()}
    unknown = sorted(set(args.endpoint) - known.keys())
    if unknown:
        raise HistoryError(f"no endpoint {', '.join(unknown)} in {store.path} (known: {', '.join(sorted(known))})")
    return {known[key] for key in args.endpoint}


def _probe_series(store: HistoryStore, runs: list[Run], sites: dict[int, Any], only: set[int] | None):  # type: ignore[no-untyped-def]
    words = store.words()
    by_id = {run.id: run for run in runs}
    series: dict[tuple[int, int], list[tuple[Run, str, bool | None, str, int | None]]] = defaultdict(list)
    for run_id, site, endpoint, verdict, outcome, _status, latency in store.probes(runs, sites):
        if only is None or endpoint in only:
            state, good = _probe_view(words[verdict], words.get(outcome) if outcome else None)
            series[(site, endpoint)].append((by_id[run_id], state, good, words[verdict], latency))
    return series


def query(args: argparse.Namespace, store: HistoryStore) -> tuple[list[str], list[list[Any]]]:
    """``(columns, rows)`` of one query (rows of plain values, for both outputs)."""
    command = args.history_command
    if command == "runs":
        runs = store.runs(last=args.last or None)
        counts = dict(store.db.execute("SELECT run, count(*) FROM site_runs GROUP BY run").fetchall())
        return ["run", "started", "sites"], [[r.key, when(r.started_at), counts.get(r.id, 0)] for r in runs]
    if command == "prune":
        runs = store.runs(last=1)
        removed = store.prune(runs[0].started_at - args.keep_days * DAY) if runs else 0
        if args.vacuum:
            store.vacuum()
        return ["pruned runs", "runs left"], [[removed, store.counts()["runs"]]]
    sites = _sites(store, args.site)
    if command == "status":
        thresholds = thresholds_of(args)
        words = HistoryLabels("en")  # the strip's symbols, as the reports draw them
        runs = store.runs()
        rows = []
        for site, series in sorted(_site_series(store, runs, sites).items(), key=lambda item: sites[item[0]][0]):
            a = assess([(run.started_at, status == SITE_OK) for run, status, _ in series], thresholds)
            strip = "".join(words.site_symbol(SITE_STATUS[status]) for _, status, _ in series[-thresholds.window:])
            now = "—" if a.good is None else "ok" if a.good else "down" if a.down else "failing"
            rows.append([sites[site][0], now, when(a.since), a.streak, a.flapping, a.changes, series[-1][2], strip])
        return ["site", "now", "since", "runs", "flapping", "changes", "backend", "last runs"], rows
    runs = _runs_in(store, args.window)
    only = _endpoint_filter(args, store)
    if command == "uptime" and not (args.by_endpoint or only):
        rows = []
        for site, series in sorted(_site_series(store, runs, sites).items(), key=lambda item: sites[item[0]][0]):
            good, judged = uptime([(run.started_at, status == SITE_OK) for run, status, _ in series])
            rows.append([sites[site][0], good, judged, round(100 * good / judged, 1) if judged else None])
        return ["site", "ok runs", "runs", "uptime %"], rows
    if command == "transitions" and not (args.by_endpoint or only):
        rows = []
        for site, series in sorted(_site_series(store, runs, sites).items(), key=lambda item: sites[item[0]][0]):
            for kind, labels in (("status", [(run.started_at, SITE_STATUS[s]) for run, s, _ in series]),
                                 ("backend", [(run.started_at, b) for run, _, b in series])):
                rows += [[when(t.at), sites[site][0], kind, t.before, t.after] for t in transitions(labels)]
        return ["at", "site", "what", "before", "after"], sorted(rows)
    endpoints = store.endpoints()
    probe_series = _probe_series(store, runs, sites, only)
    rows = []
    for (site, endpoint), series in sorted(probe_series.items(), key=lambda item: (sites[item[0][0]][0], endpoints[item[0][1]][0])):
        slug, key = sites[site][0], endpoints[endpoint][0]
        if command == "uptime":
            good, judged = uptime([(run.started_at, ok) for run, _, ok, _, _ in series])
            latencies = [latency for *_, latency in series if latency is not None]
            rows.append([slug, key, good, judged, round(100 * good / judged, 1) if judged else None,
                         statistics.median(latencies) if latencies else None])
        else:
            labels = [(run.started_at, f"{state}:{verdict}") for run, state, _, verdict, _ in series]
            rows += [[when(t.at), slug, key, t.before, t.after] for t in transitions(labels)]
    if command == "uptime":
        return ["site", "endpoint", "ok runs", "judged runs", "uptime %", "median ms"], rows
    return ["at", "site", "endpoint", "before", "after"], sorted(rows)


def render(columns: list[str], rows: list[list[Any]], fmt: str) -> str:
    if fmt == "json":
        return json.dumps([dict(zip(columns, row, strict=True)) for row in rows], ensure_ascii=False, indent=1)
    shown = [[("—" if v is None else "yes" if v is True else "no" if v is False else str(v)) for v in row] for row in rows]
    widths = [max([len(c)] + [len(r[i]) for r in shown]) for i, c in enumerate(columns)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)).rstrip() for r in shown]
    return "\n".join(lines) if rows else lines[0] + "\n(nothing recorded in this window)"


def main(args: argparse.Namespace) -> int:
    try:
        with HistoryStore(args.path, create=False) as store:
            columns, rows = query(args, store)
    except HistoryError as exc:
        raise SystemExit(f"relaycompat: {exc}") from None
    sys.stdout.write(render(columns, rows, args.format) + "\n")
    return 0
