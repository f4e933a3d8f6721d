"""Benchmark: the whole `pytest -n auto` run on a fleet of N emulated sites with L ms latency.

    python benchmarks/bench_fleet.py --sites 31 --latency-ms 200
    python benchmarks/bench_fleet.py --sites 500 --latency-ms 200 --sequential sample

Prints the wall time of the run (reports included), the theoretical limit for that fleet (the
slowest site's chain of responses under the per-site in-flight limit, plus the start-up of a
`pytest -n auto` run that collects nothing), their ratio, the peak memory of the run's whole
process tree, and the wall time of a plain sequential baseline (one request after another, as
the sample report's script did) measured in the same invocation. See docs/performance.md.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from relaycompat._catalogue import load_catalogue  # noqa: E402
from relaycompat.emulator import backend_profile_names  # noqa: E402
from relaycompat.emulator._fleet import SiteSpec  # noqa: E402
from relaycompat.emulator._process import FleetProcess  # noqa: E402
from relaycompat.emulator._profiles import load_profile  # noqa: E402


def backend_profiles() -> list[str]:
    """Backend profiles only: failure modes belong to the robustness work, not to this benchmark."""
    return backend_profile_names()


def fleet_sites(count: int) -> list[dict[str, object]]:
    profiles = backend_profiles()
    sites = []
    for index in range(count):
        profile = profiles[index % len(profiles)]
        sites.append({
            "name": f"bench {index:04d} {profile}",
            "id": f"bench-{index:04d}",
            "emulate": profile,
            "backend": load_profile(profile)["family"],
            "user_id": 1000 + index,
            "access_token": f"bench-access-token-{index:04d}",
            "api_key": f"sk-bench{index:04d}" + "0" * 40,
        })
    return sites


def _tree_rss_kib(root: int) -> int:
    """Resident memory of ``root`` and all its descendants (Linux /proc)."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
            with open(f"/proc/{entry}/statm") as handle:
                pages = int(handle.read().split()[1])
        except OSError:
            continue
        pid = int(entry)
        children.setdefault(int(fields[1]), []).append(pid)
        rss[pid] = pages * os.sysconf("SC_PAGE_SIZE") // 1024
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        total += rss.get(pid, 0)
        stack.extend(children.get(pid, []))
    return total


def run_measured(command: list[str]) -> tuple[float, int, subprocess.CompletedProcess[str]]:
    """Wall seconds, peak RSS (KiB) of the process tree, and the completed process."""
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            if sys.platform.startswith("linux"):
                peak = max(peak, _tree_rss_kib(process.pid))
            time.sleep(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    stdout, stderr = process.communicate()
    wall = time.perf_counter() - started
    done.set()
    sampler.join()
    return wall, peak, subprocess.CompletedProcess(command, process.returncode, stdout, stderr)


def startup_seconds(workers: str) -> float:
    """The start-up of a `pytest -n <workers>` run that collects nothing."""
    with tempfile.TemporaryDirectory() as empty:
        wall, _, _ = run_measured([sys.executable, "-m", "pytest", "-n", workers, "-q", "-p", "no:cacheprovider", empty])
    return wall


def sequential_baseline(sites: list[dict[str, object]], latency_ms: float, sample: int | None) -> tuple[float, int]:
    """One request after another over a fresh fleet; returns (seconds for all sites, sites measured)."""
    chosen = sites if sample is None else sites[:sample]
    specs = [SiteSpec(str(s["name"]), str(s["id"]), str(s["emulate"]), int(s["user_id"]), str(s["access_token"]),  # type: ignore[arg-type]
                      str(s["api_key"])) for s in chosen]
    fleet = FleetProcess(specs, latency_ms=latency_ms)
    urls = fleet.urls()
    paths = [e.path for e in load_catalogue(REPO / "tests" / "endpoints.yaml") if not e.mutating]
    started = time.perf_counter()
    with httpx.Client(timeout=30) as client:
        for site in chosen:
            headers = {"Authorization": f"Bearer {site['access_token']}", "New-Api-User": str(site["user_id"])}
            for path in paths:
                client.get(urls[str(site["id"])] + path, headers=headers)
    seconds = time.perf_counter() - started
    fleet.stop()
    return seconds * (len(sites) / len(chosen)), len(chosen)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sites", type=int, default=31, help="Number of emulated sites (default 31)")
    parser.add_argument("--latency-ms", type=float, default=200, help="Latency of every response, ms (default 200)")
    parser.add_argument("--max-in-flight", type=int, default=4, help="Per-site politeness limit (default 4)")
    parser.add_argument("--workers", default="auto", help="pytest-xdist -n value (default auto)")
    parser.add_argument("--sequential", choices=("full", "sample", "none"), default=None,
                        help="Sequential baseline: over every site, over 10 sites scaled up, or not at all "
                             "(default: full up to 50 sites, else sample)")
    parser.add_argument("--json", type=Path, metavar="PATH", help="Also write the figures as JSON to PATH")
    args = parser.parse_args()

    sites = fleet_sites(args.sites)
    endpoints = [e for e in load_catalogue(REPO / "tests" / "endpoints.yaml") if not e.mutating]
    with tempfile.TemporaryDirectory(prefix="relaycompat-bench-") as work:
        site_file = Path(work) / "fleet.yaml"
        for site in sites:
            site["latency_ms"] = args.latency_ms
        site_file.write_text(yaml.safe_dump({"sites": sites}, allow_unicode=True), encoding="utf-8")
        command = [sys.executable, "-m", "pytest", "tests", "-n", args.workers, "-q", "-p", "no:cacheprovider",
                   f"--sites={site_file}", f"--report-dir={Path(work) / 'reports'}", f"--max-in-flight={args.max_in_flight}"]
        startup = startup_seconds(args.workers)
        wall, peak_kib, completed = run_measured(command)
        results_path = Path(work) / "reports" / "results.json"
        if not results_path.exists():
            print(completed.stdout[-3000:], completed.stderr[-3000:], sep="\n")
            return 1
        results = json.loads(results_path.read_text(encoding="utf-8"))
        reports = sorted(p.name for p in (Path(work) / "reports").iterdir())

    chain = math.ceil(len(endpoints) / args.max_in_flight) * args.latency_ms / 1000
    limit = chain + startup
    worst_in_flight = max((s.get("emulator") or {}).get("max_in_flight", 0) for s in results["sites"])
    mode = args.sequential or ("full" if args.sites <= 50 else "sample")
    baseline = sequential_baseline(sites, args.latency_ms, None if mode == "full" else 10) if mode != "none" else None
    figures = {
        "sites": args.sites, "endpoints_per_site": len(endpoints), "latency_ms": args.latency_ms,
        "max_in_flight": args.max_in_flight, "workers": args.workers,
        "wall_seconds": round(wall, 2), "startup_seconds": round(startup, 2), "chain_seconds": round(chain, 2),
        "limit_seconds": round(limit, 2), "ratio_to_limit": round(wall / limit, 2),
        "peak_rss_mib": round(peak_kib / 1024, 1), "max_in_flight_seen": worst_in_flight,
        "probe_seconds": results["run"].get("probe_seconds"), "exit_code": completed.returncode, "reports": reports,
        "sequential_seconds": round(baseline[0], 1) if baseline else None,
        "sequential_measured_sites": baseline[1] if baseline else 0,
        "speedup_vs_sequential": round(baseline[0] / wall, 1) if baseline else None,
    }
    print(f"fleet            {args.sites} sites × {len(endpoints)} endpoints, {args.latency_ms:g} ms latency, "
          f"≤{args.max_in_flight} in flight per site, pytest -n {args.workers}")
    print(f"wall time        {wall:.2f} s  (reports: {', '.join(reports)})")
    print(f"theoretical      {limit:.2f} s  = chain {chain:.2f} s + empty pytest -n {args.workers} start-up {startup:.2f} s")
    print(f"ratio            {wall / limit:.2f}× the limit")
    print(f"peak memory      {peak_kib / 1024:.0f} MiB (whole process tree)")
    print(f"politeness       max {worst_in_flight} requests in flight on any site (limit {args.max_in_flight})")
    if baseline:
        how = "measured" if baseline[1] == args.sites else f"measured on {baseline[1]} sites, scaled to {args.sites}"
        print(f"sequential       {baseline[0]:.1f} s ({how}); the suite is {baseline[0] / wall:.1f}× faster")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
