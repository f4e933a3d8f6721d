"""Benchmark: the history file at 500 sites × 24 endpoints × 4 runs a day × 90 days (~4.3 M probe rows).

    python benchmarks/bench_history.py                       # the issue's size (takes a few minutes)
    python benchmarks/bench_history.py --endpoints 42        # the grown catalogue
    python benchmarks/bench_history.py --sites 50 --runs 40  # a quick look

Fills a new history file with ``--runs`` runs six hours apart (each appended as a run appends
it), then measures, on the full file: appending one more run, the history parts of its reports
(the view read from the file, then report.md's and summary.html's history parts rendered), the
file size, pruning and vacuuming, and the CLI's queries. The fleet is what a scheduled run sees:
a third of the sites healthy, a third failing some endpoints (stale tokens, missing routes,
schema drift), a third down (timeouts, refused connections, 5xx, challenges), with sites moving
between these now and then. Prints one table; timings are printed, never asserted.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from relaycompat.__main__ import main as cli  # noqa: E402
from relaycompat.history import HistoryStore, Thresholds, record  # noqa: E402
from relaycompat.reports import write_reports  # noqa: E402

HOUR = 3600
HEALTHY = [("ok", "passed", 200)] * 8 + [("not_found", "xfailed", 404), ("skipped", "skipped", None)]
FAILING = [("ok", "passed", 200)] * 4 + [("auth_rejected", "failed", 200), ("not_found", "failed", 404),
                                          ("schema_mismatch", "failed", 200), ("api_error", "failed", 200)]
DOWN = [("timeout", "failed", None), ("connect_error", "failed", None), ("server_error", "failed", 521), ("blocked", "failed", 403)]
KINDS = (HEALTHY, FAILING, DOWN)
BACKENDS = ("new-api", "veloera", "one-api", "one-hub", "done-hub", "rix-api", "voapi")


def document(run: int, at: int, kinds: list[int], endpoints: list[str], rng: random.Random) -> dict[str, Any]:
    sites = []
    for index, kind in enumerate(kinds):
        choices = KINDS[kind]
        probes = []
        for position, endpoint in enumerate(endpoints):
            verdict, outcome, status = choices[(index + position) % len(choices)] if kind != 2 else rng.choice(choices)
            probes.append({"endpoint": "/" + endpoint, "id": endpoint, "verdict": verdict, "outcome": outcome,
                           "http_status": status, "elapsed_ms": rng.uniform(30, 900) if status else 15000.0})
        backend = BACKENDS[index % len(BACKENDS)]
        sites.append({"name": f"bench {index:04d}", "slug": f"site-{index:04d}", "url": f"https://site-{index:04d}.invalid",
                      "backend": {"declared": backend, "detected": backend if kind != 2 else "unknown",
                                  "version": f"v1.{index % 5}.{run // 120}" if kind != 2 else None},
                      "error": None, "probes": probes})
    return {"format": 1, "generated_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(at + 60)),
            "tool": {"name": "relaycompat", "version": "bench"},
            "run": {"run_id": f"bench-{run:05d}", "started_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(at)),
                    "report_lang": "en", "rotated_tokens": []},
            "catalogue": [{"id": e, "path": "/" + e, "desc": e, "desc_en": e} for e in endpoints], "sites": sites}


def timed(function: Any) -> tuple[Any, float]:
    started = time.perf_counter()
    value = function()
    return value, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sites", type=int, default=500)
    parser.add_argument("--endpoints", type=int, default=24)
    parser.add_argument("--runs", type=int, default=360, help="Runs in the file before the measured one (default 360: 90 days)")
    parser.add_argument("--dir", type=Path, default=None, help="Where the file goes (default: a temporary folder)")
    args = parser.parse_args()
    rng = random.Random(15)
    endpoints = [f"api_endpoint_{i:02d}" for i in range(args.endpoints)]
    kinds = [i % 3 for i in range(args.sites)]
    folder = args.dir or Path(tempfile.mkdtemp(prefix="bench-history-"))
    path = folder / "history.db"
    path.unlink(missing_ok=True)
    start = 1_790_000_000
    fill_started = time.perf_counter()
    with HistoryStore(path) as store:
        for run in range(args.runs):
            for i in rng.sample(range(args.sites), max(1, args.sites // 50)):  # 2 % of the sites change state per run
                kinds[i] = rng.randrange(3)
            store.append(document(run, start + run * 6 * HOUR, kinds, endpoints, rng))
            if run % 40 == 39:
                print(f"  filled {run + 1}/{args.runs} runs ({time.perf_counter() - fill_started:.0f} s)", file=sys.stderr)
    fill_seconds = time.perf_counter() - fill_started
    last = document(args.runs, start + args.runs * 6 * HOUR, kinds, endpoints, rng)
    recorded = record(path, last, thresholds=Thresholds())
    report = recorded.report
    assert report.problem is None, report.problem
    md_summary, md_summary_s = timed(lambda: report.markdown_summary("en"))
    md_sites, md_sites_s = timed(lambda: [report.markdown_site(s["slug"], "en") for s in last["sites"]])
    html, html_s = timed(lambda: report.html_summary("en"))
    _, whole_reports_s = timed(lambda: write_reports(last, folder / "reports", lang="en", history=report, step_summary=None))
    with HistoryStore(path) as store:
        counts = store.counts()
    size = path.stat().st_size
    again = record(path, last)
    devnull = open(os.devnull, "w")  # noqa: SIM115
    stdout, sys.stdout = sys.stdout, devnull
    try:
        _, status_s = timed(lambda: cli(["history", "status", str(path)]))
        _, uptime_s = timed(lambda: cli(["history", "uptime", str(path), "--site", "site-0001", "--by-endpoint", "--window", "30d"]))
        _, transitions_s = timed(lambda: cli(["history", "transitions", str(path), "--window", "30d"]))
        _, prune_s = timed(lambda: cli(["history", "prune", str(path), "--keep-days", "80"]))
        pruned_size = path.stat().st_size
        after_prune = record(path, document(args.runs + 1, start + (args.runs + 1) * 6 * HOUR, kinds, endpoints, rng))
        _, vacuum_s = timed(lambda: cli(["history", "prune", str(path), "--keep-days", "80", "--vacuum"]))
    finally:
        sys.stdout = stdout
    history_parts = recorded.view_seconds + md_summary_s + md_sites_s + html_s
    rows = [
        ("file", f"{args.runs + 1} runs × {args.sites} sites × {args.endpoints} endpoints = {counts['probes']:,} probe rows"),
        ("filling it (all runs, one append each)", f"{fill_seconds:.0f} s ({fill_seconds / args.runs * 1000:.0f} ms per run)"),
        ("append one run (budget 2 s)", f"{recorded.append_seconds:.2f} s"),
        ("append the same run again (no-op)", f"{again.append_seconds:.2f} s"),
        ("history parts of the reports (budget 2 s)", f"{history_parts:.2f} s"),
        ("  read the view from the file", f"{recorded.view_seconds:.2f} s"),
        ("  report.md: summary section + every site's block", f"{md_summary_s + md_sites_s:.2f} s ({len(md_summary) + sum(map(len, md_sites)):,} chars)"),
        ("  summary.html: history fragment", f"{html_s:.2f} s ({len(html.encode()):,} bytes)"),
        ("all reports written, history included", f"{whole_reports_s:.2f} s"),
        ("file size (budget 200 MB)", f"{size / 1e6:.1f} MB ({size / counts['probes']:.1f} bytes per probe row)"),
        ("CLI: status of every site", f"{status_s:.2f} s"),
        ("CLI: uptime of one site's endpoints, 30 days", f"{uptime_s:.2f} s"),
        ("CLI: transitions of every site, 30 days", f"{transitions_s:.2f} s"),
        ("prune to 80 days", f"{prune_s:.2f} s (file stays {pruned_size / 1e6:.1f} MB: freed pages are reused)"),
        ("append after the prune", f"{after_prune.append_seconds:.2f} s"),
        ("prune + vacuum", f"{vacuum_s:.2f} s (file {path.stat().st_size / 1e6:.1f} MB)"),
    ]
    width = max(len(name) for name, _ in rows)
    print(f"history benchmark — load average {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}, "
          f"{os.cpu_count()} cores, file {path}")
    for name, value in rows:
        print(f"{name.ljust(width)}  {value}")


if __name__ == "__main__":
    main()
