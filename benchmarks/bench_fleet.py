"""Benchmark: whole `pytest -n auto` runs on healthy and failing fleets, before and after a change.

    python benchmarks/bench_fleet.py                      # 31 and 500 sites, both fleets, before and after
    python benchmarks/bench_fleet.py --sizes 31 --before none      # quick: this tree only

For every fleet (``healthy``: the backend profiles in turn, with working credentials;
``failure-mix``: the demo fleet's failing profiles and stale credentials, so that about two tests
in three fail, as in the sample report) and every size, it runs the suite as users do
(``pytest -n auto``, default output, reports included) on the code of this tree ("after") and,
unless ``--before none``, on the code of an earlier commit ("before", extracted with
``git archive``), and prints one table:

- the wall time, and the limit: the slowest site's chain of responses (this tree's prober alone
  on one site of each kind, measured in this invocation) plus the start-up of an empty
  ``pytest -n auto``; their ratio;
- a plain sequential baseline (one request after another, as the sample report's script did),
  over every site up to 50 sites, else over one rotation of the fleet's kinds, scaled;
- the peak memory of the whole process tree and of its largest process;
- what a reader gets: the lines the terminal printed, and the sizes of the reports.

The load of the machine (`uptime`) is printed beside each run: timings on a shared machine vary.
Timings are printed, never asserted. See docs/performance.md.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from relaycompat._access_tokens import scoped_tokens  # noqa: E402
from relaycompat._catalogue import load_catalogue  # noqa: E402
from relaycompat.emulator import backend_profile_names  # noqa: E402
from relaycompat.emulator._fleet import SiteSpec  # noqa: E402
from relaycompat.emulator._process import FleetProcess  # noqa: E402
from relaycompat.emulator._profiles import load_profile  # noqa: E402

#: The code before the work on hundreds of sites (issue #14): the default "before".
BEFORE = "821f057"
#: One rotation of the failure-mix fleet: (profile, site timeout in seconds or None, stale
#: credentials). One healthy site in ten (a backend profile, in turn); the others fail the way
#: the sample's sites did: a challenge, an origin down, a front end answering /api, a redirect,
#: 429s, two stale access tokens, and one transport failure (TLS, no answer, refused, in turn)
#: or a drifted fork. About two tests in three fail (the benchmark prints the share).
FAILURE_MIX: tuple[tuple[str, float | None], ...] = (
    ("<backend>", None),
    ("cloudflare-challenge", None),
    ("origin-down", None),
    ("spa-fallback", None),
    ("redirect-elsewhere", None),
    ("rate-limited", None),
    ("stale-token", None),
    ("stale-token", None),
    ("<transport>", 2.0),
    ("cloudflare-challenge", None),
)
TRANSPORT = ("tls-handshake-failure", "no-answer", "hostile-refused", "drifted-fork")
FLEETS = ("healthy", "failure-mix")
DECLARED = {*backend_profile_names(), "stale-token", "drifted-fork"}
#: Sites the sequential baseline measures in a large fleet (one rotation of the failure mix), scaled up.
SEQUENTIAL_SAMPLE = len(FAILURE_MIX)


# ---- fleets -----------------------------------------------------------------------------------
def _access_token(profile: dict[str, Any], index: int) -> str:
    """The token the backend issues today: a scoped one (its prefix, data/access_tokens.yaml)
    where the profile's auth has scoped tokens, else a system access token."""
    scoped = (profile.get("auth") or {}).get("scoped_tokens")
    issued = scoped_tokens(scoped["table"]) if scoped else None
    return f"{issued.prefix if issued else ''}bench-access-token-{index:04d}"


def _site(index: int, profile: str, timeout: float | None) -> dict[str, Any]:
    family = load_profile(profile).get("family")
    site: dict[str, Any] = {
        "name": f"bench {index:04d} {profile}",
        "id": f"bench-{index:04d}",
        "emulate": profile,
        "user_id": 1000 + index,
        "access_token": _access_token(load_profile(profile), index),
        "api_key": f"sk-bench{index:04d}" + "0" * 40,
    }
    if profile in DECLARED:  # as in the demo fleet: the failing fronts leave the backend undeclared
        site["backend"] = family
    if timeout is not None:
        site["timeout"] = timeout
    return site


def fleet_sites(kind: str, count: int, backends: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """``count`` sites of the fleet ``kind``; ``backends``: the backend profiles in the rotation
    (default every one of this tree; a comparison passes those every measured tree has)."""
    backends = list(backends or backend_profile_names())
    sites = []
    for index in range(count):
        if kind == "healthy":
            profile, timeout = backends[index % len(backends)], None
        else:
            profile, timeout = FAILURE_MIX[index % len(FAILURE_MIX)]
            turn = index // len(FAILURE_MIX)
            if profile == "<backend>":
                profile = backends[turn % len(backends)]
            elif profile == "<transport>":
                profile = TRANSPORT[turn % len(TRANSPORT)]
        sites.append(_site(index, profile, timeout))
    return sites


def one_of_each(kind: str, backends: Sequence[str]) -> list[dict[str, Any]]:
    """One site of every kind the fleet holds: what the slowest site's chain is measured on."""
    rotation = len(backends) if kind == "healthy" else len(FAILURE_MIX) * len(TRANSPORT) * len(backends)
    seen: dict[tuple[str, Any], dict[str, Any]] = {}
    for site in fleet_sites(kind, rotation, backends):
        seen.setdefault((site["emulate"], site.get("timeout")), site)
    return list(seen.values())


def write_sites(path: Path, sites: list[dict[str, Any]], latency_ms: float) -> Path:
    path.write_text(yaml.safe_dump({"sites": [{**s, "latency_ms": latency_ms} for s in sites]}, allow_unicode=True),
                    encoding="utf-8")
    return path


# ---- measuring a process tree -----------------------------------------------------------------
def _tree_rss_kib(root: int) -> tuple[int, int]:
    """Resident memory (KiB) of ``root`` with all its descendants, and of the largest one (Linux /proc)."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    page = os.sysconf("SC_PAGE_SIZE") // 1024
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
        rss[pid] = pages * page
    total, largest, stack = 0, 0, [root]
    while stack:
        pid = stack.pop()
        total += rss.get(pid, 0)
        largest = max(largest, rss.get(pid, 0))
        stack.extend(children.get(pid, []))
    return total, largest


@dataclass
class Measured:
    wall: float
    peak_kib: int
    largest_kib: int
    returncode: int
    stdout: str
    stderr: str


def run_measured(command: list[str], *, cwd: Path, env: dict[str, str] | None = None) -> Measured:
    """Run ``command``; its wall time and the peak memory of its process tree (sampled every 50 ms)."""
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env={**os.environ, **(env or {})})
    peak = largest = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak, largest
        while not done.is_set():
            if sys.platform.startswith("linux"):
                total, one = _tree_rss_kib(process.pid)
                peak, largest = max(peak, total), max(largest, one)
            time.sleep(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    stdout, stderr = process.communicate()
    wall = time.perf_counter() - started
    done.set()
    sampler.join()
    return Measured(wall, peak, largest, process.returncode, stdout, stderr)


def load() -> str:
    """The 1-minute load average, as `uptime` prints it."""
    return f"{os.getloadavg()[0]:.2f}"


# ---- the code under test ----------------------------------------------------------------------
@dataclass
class Code:
    """A tree of the project to run the suite from (this one, or an earlier commit's)."""

    label: str
    root: Path
    env: dict[str, str] = field(default_factory=dict)
    startup: float = 0.0

    def backend_profiles(self) -> set[str]:
        """The backend profiles this tree's emulator plays (an earlier tree may lack newer ones)."""
        return {p.stem for p in (self.root / "relaycompat" / "emulator" / "profiles").glob("*.yaml")}

    @classmethod
    def extracted(cls, ref: str, into: Path) -> Code:
        """The tree of ``ref``, extracted with git archive; its package shadows the installed one."""
        into.mkdir(parents=True)
        archive = subprocess.run(["git", "-C", str(REPO), "archive", ref], capture_output=True, check=True)
        subprocess.run(["tar", "-x", "-C", str(into)], input=archive.stdout, check=True)
        return cls(f"before ({ref})", into, {"PYTHONPATH": str(into)})

    def pytest(self, work: Path, sites: Path, workers: str, max_in_flight: int) -> list[str]:
        return [sys.executable, "-m", "pytest", "tests", "-n", workers, "-p", "no:cacheprovider",
                f"--sites={sites}", f"--report-dir={work / 'reports'}", f"--max-in-flight={max_in_flight}"]

    def measure_startup(self, workers: str) -> None:
        """The start-up of a `pytest -n <workers>` run that collects nothing."""
        with tempfile.TemporaryDirectory() as empty:
            self.startup = run_measured([sys.executable, "-m", "pytest", "-n", workers, "-q", "-p", "no:cacheprovider", empty],
                                        cwd=self.root, env=self.env).wall


# ---- one run ----------------------------------------------------------------------------------
@dataclass
class Row:
    fleet: str
    sites: int
    code: str
    tests: int = 0
    failed_share: float = 0.0
    wall: float = 0.0
    limit: float = 0.0
    sequential: float | None = None
    sequential_how: str = ""
    peak_mib: float = 0.0
    largest_mib: float = 0.0
    terminal_lines: int = 0
    sizes: dict[str, float] = field(default_factory=dict)
    max_in_flight_seen: int = 0
    exit_code: int = 0
    load: str = ""
    problem: str | None = None


def chain_seconds(kind: str, backends: Sequence[str], latency_ms: float, max_in_flight: int) -> float:
    """How long the network makes a run wait: this tree's prober alone (no pytest, no start-up) on one
    site of each kind of the fleet, all at once, under the suite's rules (politeness, retries,
    Retry-After, the breaker). The slowest site's chain of responses sets it."""
    import asyncio

    from relaycompat._config import Settings
    from relaycompat._prober import SitePlan, probe_sites
    from relaycompat._redact import Redactor
    from relaycompat._schemas import SchemaSet
    from relaycompat._sites import load_sites

    catalogue = load_catalogue(REPO / "tests" / "endpoints.yaml")
    with tempfile.TemporaryDirectory(prefix="relaycompat-bench-chain-") as folder:
        sites = load_sites([write_sites(Path(folder) / "fleet.yaml", one_of_each(kind, backends), latency_ms)])
        fleet = FleetProcess([SiteSpec.from_site(site) for site in sites])
        urls = fleet.urls()
        settings = Settings(catalogue=str(REPO / "tests" / "endpoints.yaml"), schemas_dir=str(REPO / "schemas"),
                            manifests_dir=str(REPO / "manifests"), report_dir=folder, max_in_flight=max_in_flight)
        plans = [SitePlan(site.with_url(urls[site.slug]), tuple(catalogue)) for site in sites]
        schemas = SchemaSet.load(REPO / "schemas")
        started = time.perf_counter()
        asyncio.run(probe_sites(plans, settings, catalogue, schemas, Redactor(), lambda slug, record: None))
        seconds = time.perf_counter() - started
        fleet.stop()
    return seconds


def run_fleet(code: Code, sites_of: list[dict[str, Any]], kind: str, latency_ms: float, workers: str,
              max_in_flight: int) -> Row:
    count = len(sites_of)
    row = Row(kind, count, code.label, load=load())
    with tempfile.TemporaryDirectory(prefix="relaycompat-bench-") as folder:
        work = Path(folder)
        sites = write_sites(work / "fleet.yaml", sites_of, latency_ms)
        measured = run_measured(code.pytest(work, sites, workers, max_in_flight), cwd=code.root,
                                env={**code.env, "COLUMNS": "120"})
        row.load += f" → {load()}"
        reports = work / "reports"
        if not (reports / "results.json").exists():
            row.problem = (measured.stdout[-1500:] + measured.stderr[-1500:]).strip()
            return row
        results = json.loads((reports / "results.json").read_text(encoding="utf-8"))
        outcomes = [p.get("outcome") for s in results["sites"] for p in s["probes"]]
        row.tests = len(outcomes)
        row.failed_share = sum(1 for o in outcomes if o in ("failed", "error")) / max(len(outcomes), 1)
        row.wall, row.exit_code = measured.wall, measured.returncode
        row.peak_mib, row.largest_mib = measured.peak_kib / 1024, measured.largest_kib / 1024
        row.terminal_lines = measured.stdout.count("\n")
        row.sizes = {p.name: p.stat().st_size / 1e6 for p in reports.iterdir() if p.is_file()}
        row.sizes["details/"] = sum(p.stat().st_size for p in reports.rglob("*") if p.is_file() and p.parent != reports) / 1e6
        row.max_in_flight_seen = max((s.get("emulator") or {}).get("max_in_flight", 0) for s in results["sites"])
    return row


def sequential_baseline(sites: list[dict[str, Any]], latency_ms: float, sample: int | None) -> tuple[float, str]:
    """One request after another over a fresh fleet: seconds for all the sites, and how measured."""
    count = len(sites)
    chosen = sites if sample is None or sample >= count else sites[:sample]
    specs = [SiteSpec(s["name"], s["id"], s["emulate"], s["user_id"], s["access_token"], s["api_key"]) for s in chosen]
    fleet = FleetProcess(specs, latency_ms=latency_ms)
    urls = fleet.urls()
    endpoints = [e for e in load_catalogue(REPO / "tests" / "endpoints.yaml") if not e.mutating]
    started = time.perf_counter()
    with httpx.Client() as client:
        for site in chosen:
            for endpoint in endpoints:
                headers = {}
                if endpoint.auth == "user":
                    headers = {"Authorization": f"Bearer {site['access_token']}", "New-Api-User": str(site["user_id"])}
                elif endpoint.auth == "relay":
                    headers = {"Authorization": f"Bearer {site['api_key']}"}
                try:
                    client.get(urls[site["id"]] + endpoint.path, headers=headers, timeout=site.get("timeout", 15.0))
                except httpx.HTTPError:
                    pass
    seconds = time.perf_counter() - started
    fleet.stop()
    how = "measured" if len(chosen) == count else f"{len(chosen)} sites measured, scaled"
    return seconds * count / len(chosen), how


# ---- the table --------------------------------------------------------------------------------
def _mb(row: Row, name: str) -> str:
    return f"{row.sizes[name]:.1f}" if name in row.sizes else "—"


def print_table(rows: Sequence[Row], latency_ms: float, max_in_flight: int, workers: str, endpoints: int) -> None:
    print()
    print(f"{latency_ms:g} ms per response, ≤{max_in_flight} in flight per site, pytest -n {workers}, "
          f"{endpoints} endpoints in this tree's catalogue; {os.cpu_count()} cores; load = 1-min average before → after")
    print()
    head = ("fleet", "sites", "code", "tests", "failed", "wall s", "limit s", "ratio", "sequential s", "speed-up",
            "tree MiB", "largest MiB", "terminal lines", "report.html MB", "report.md MB", "details MB", "results.json MB",
            "load")
    print("| " + " | ".join(head) + " |")
    print("|" + "|".join("---" if i < 3 else "--:" for i in range(len(head))) + "|")
    for r in rows:
        if r.problem:
            print(f"| {r.fleet} | {r.sites} | {r.code} | run failed: {r.problem.splitlines()[-1] if r.problem else ''} |")
            continue
        sequential = f"{r.sequential:,.0f} ({r.sequential_how})" if r.sequential else "—"
        speedup = f"{r.sequential / r.wall:.0f}×" if r.sequential else "—"
        print("| " + " | ".join([
            r.fleet, str(r.sites), r.code, f"{r.tests:,}", f"{r.failed_share:.0%}", f"{r.wall:.1f}", f"{r.limit:.2f}",
            f"{r.wall / r.limit:.1f}×", sequential, speedup, f"{r.peak_mib:,.0f}", f"{r.largest_mib:,.0f}",
            f"{r.terminal_lines:,}", _mb(r, "report.html"), _mb(r, "report.md"), f"{r.sizes.get('details/', 0):.1f}",
            _mb(r, "results.json"), r.load,
        ]) + " |")
    print()
    # Counted by each tree's own emulator: before 2026-11-29 it also counted the requests a client
    # had given up on at a site that never answers, so an earlier tree may show more than the limit.
    for code in dict.fromkeys(r.code for r in rows if not r.problem):
        worst = max(r.max_in_flight_seen for r in rows if r.code == code and not r.problem)
        print(f"politeness, {code}: at most {worst} requests in flight on any site (limit {max_in_flight})")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="31,500", help="Comma-separated fleet sizes (default 31,500)")
    parser.add_argument("--fleets", default=",".join(FLEETS), help=f"Comma-separated fleets among {', '.join(FLEETS)} (default both)")
    parser.add_argument("--before", default=BEFORE, metavar="REF",
                        help=f"Git commit whose code is measured as 'before' (default {BEFORE}, the code before issue #14); 'none' to skip")
    parser.add_argument("--latency-ms", type=float, default=200, help="Latency of every response, ms (default 200)")
    parser.add_argument("--max-in-flight", type=int, default=4, help="Per-site politeness limit (default 4)")
    parser.add_argument("--workers", default="auto", help="pytest-xdist -n value (default auto)")
    parser.add_argument("--sequential", choices=("auto", "full", "sample", "none"), default="auto",
                        help="Sequential baseline: over every site, over one rotation of the fleet scaled up, or not at all "
                             "(default auto: every site up to 50 sites, else a rotation)")
    parser.add_argument("--json", type=Path, metavar="PATH", help="Also write the rows as JSON to PATH")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    fleets = [f for f in args.fleets.split(",") if f]
    unknown = set(fleets) - set(FLEETS)
    if unknown:
        parser.error(f"unknown fleet(s) {', '.join(sorted(unknown))}; choose among {', '.join(FLEETS)}")

    endpoints = len(load_catalogue(REPO / "tests" / "endpoints.yaml"))
    with tempfile.TemporaryDirectory(prefix="relaycompat-bench-code-") as trees:
        codes = [Code("after (this tree)", REPO)]
        if args.before != "none":
            codes.insert(0, Code.extracted(args.before, Path(trees) / "before"))
        for code in codes:
            code.measure_startup(args.workers)
            print(f"start-up of an empty pytest -n {args.workers}, {code.label}: {code.startup:.2f} s", flush=True)
        # The same fleet for every tree: the backend profiles all of them play.
        backends = [name for name in backend_profile_names() if all(name in c.backend_profiles() for c in codes)]
        left_out = sorted(set(backend_profile_names()) - set(backends))
        if left_out:
            print(f"backend profiles left out of the fleets (not in every measured tree): {', '.join(left_out)}", flush=True)
        chains = {kind: chain_seconds(kind, backends, args.latency_ms, args.max_in_flight) for kind in fleets}
        for kind, chain in chains.items():
            print(f"chain of the slowest site, {kind}: {chain:.2f} s (this tree's prober alone on one site of each kind)",
                  flush=True)
        rows = []
        for kind in fleets:
            for count in sizes:
                mode = args.sequential if args.sequential != "auto" else ("full" if count <= 50 else "sample")
                sites = fleet_sites(kind, count, backends)
                baseline = None
                if mode != "none":
                    baseline = sequential_baseline(sites, args.latency_ms, None if mode == "full" else SEQUENTIAL_SAMPLE)
                for code in codes:
                    print(f"running {kind} × {count} sites, {code.label} (load {load()}) …", flush=True)
                    row = run_fleet(code, sites, kind, args.latency_ms, args.workers, args.max_in_flight)
                    row.limit = chains[kind] + code.startup
                    if baseline:
                        row.sequential, row.sequential_how = baseline
                    rows.append(row)
                    if row.problem:
                        print(f"  the run wrote no results.json; its last output:\n{row.problem}", flush=True)
                        continue
                    print(f"  {row.wall:.1f} s, {row.tests} tests, {row.failed_share:.0%} failed, "
                          f"peak {row.peak_mib:.0f} MiB (largest process {row.largest_mib:.0f}), "
                          f"{row.terminal_lines} terminal lines", flush=True)
    print_table(rows, args.latency_ms, args.max_in_flight, args.workers, endpoints)
    if args.json:
        args.json.write_text(json.dumps([r.__dict__ for r in rows], indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
