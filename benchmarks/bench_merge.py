"""Benchmark: `python -m relaycompat merge` of N shards × M sites (default 10 × 500 = 5 000 sites).

    python benchmarks/bench_merge.py
    python benchmarks/bench_merge.py --shards 10 --sites-per-shard 500 --seed-sites 50

Builds the shards from one real run: the suite probes ``--seed-sites`` sites of the failure-mix
fleet (benchmarks/bench_fleet.py: about two tests in three fail), and every site of that
results.json is copied under new names until each shard holds its share, as ``--shard K/N`` runs
would have written them. Then merges them as CI's merge job does and prints: the wall time, the
peak memory of the merge (whole process and largest process), the size of every output, and,
when Chromium and playwright are there, how long summary.html takes to open and to sort.
The load of the machine is printed beside the figures; timings are printed, never asserted.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_fleet import fleet_sites, load, run_measured, write_sites  # noqa: E402

MiB = 1024 * 1024


def seed_results(work: Path, count: int) -> dict:
    sites = write_sites(work / "seed.yaml", fleet_sites("failure-mix", count), 0)
    done = subprocess.run([sys.executable, "-m", "pytest", "tests", f"--sites={sites}", f"--report-dir={work / 'seed'}",
                           "-p", "no:cacheprovider", "-n", "auto", "-q"], cwd=REPO, capture_output=True, text=True,
                          env={k: v for k, v in os.environ.items() if k != "GITHUB_STEP_SUMMARY"})
    path = work / "seed" / "results.json"
    if not path.exists():
        raise SystemExit("the seed run wrote no results.json:\n" + done.stdout[-2000:] + done.stderr[-2000:])
    return json.loads(path.read_text(encoding="utf-8"))


def write_shards(seed: dict, work: Path, shards: int, per_shard: int) -> list[Path]:
    """Shard K holds sites K-1, K-1+N, …: site i is a copy of seed site i % len(seed)."""
    total = shards * per_shard
    paths = []
    for k in range(1, shards + 1):
        document = {key: value for key, value in seed.items() if key != "sites"}
        document["run"] = {**seed["run"], "shard": [k, shards], "rotated_tokens": []}
        document["sites"] = []
        for index in range(k - 1, total, shards):
            site = copy.deepcopy(seed["sites"][index % len(seed["sites"])])
            site.update(name=f"{site['name']} #{index:05d}", slug=f"m{index:05d}")
            document["sites"].append(site)
        path = work / f"shard{k}" / "results.json"
        path.parent.mkdir()
        path.write_text(json.dumps(document, ensure_ascii=False, indent=1), encoding="utf-8")
        paths.append(path)
    return paths


def browser_seconds(page_path: Path) -> tuple[float, float] | None:
    """(open, sort the sites table) of a page in headless Chromium, or None without one."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return None
    chromium = next((c for c in ("/usr/bin/chromium", "/usr/bin/chromium-browser") if Path(c).exists()), None)
    if chromium is None:
        return None
    import time

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=["--headless", "--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        started = time.perf_counter()
        page.goto(page_path.as_uri(), timeout=300_000)
        page.wait_for_selector(".rc-status tbody tr", timeout=300_000)
        page.evaluate("() => new Promise((done) => requestAnimationFrame(() => setTimeout(done, 0)))")
        opened = time.perf_counter() - started
        sort = page.evaluate("""() => { const t = performance.now(); document.querySelector('.rc-status thead th').click();
                                        void document.body.offsetHeight; return (performance.now() - t) / 1000; }""")
        browser.close()
    return opened, sort


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shards", type=int, default=10, help="Number of shards (default 10)")
    parser.add_argument("--sites-per-shard", type=int, default=500, help="Sites in each shard (default 500)")
    parser.add_argument("--seed-sites", type=int, default=50, help="Sites of the real run the shards are copied from (default 50)")
    args = parser.parse_args()
    total = args.shards * args.sites_per_shard
    with tempfile.TemporaryDirectory(prefix="relaycompat-bench-merge-") as folder:
        work = Path(folder)
        print(f"seed: the suite on {args.seed_sites} failure-mix sites …", flush=True)
        shards = write_shards(seed_results(work, args.seed_sites), work, args.shards, args.sites_per_shard)
        shard_mb = sum(p.stat().st_size for p in shards) / 1e6
        out = work / "merged"
        summary = work / "step-summary.md"
        before = load()
        print(f"merging {args.shards} shards × {args.sites_per_shard} sites ({shard_mb:.0f} MB of results.json) …", flush=True)
        measured = run_measured([sys.executable, "-m", "relaycompat", "merge", str(out), *map(str, shards)], cwd=REPO,
                                env={"GITHUB_STEP_SUMMARY": str(summary)})
        if measured.returncode != 0:
            print(measured.stdout[-2000:], measured.stderr[-2000:])
            return 1
        sizes = {name: (out / name).stat().st_size for name in ("results.json", "report.md", "summary.html") if (out / name).exists()}
        for name in ("matrix.md", "matrix.html"):
            if (out / name).exists():
                sizes[name] = (out / name).stat().st_size
        details = list((out / "details").iterdir())
        details_mb = sum(p.stat().st_size for p in details) / 1e6
        step_mib = summary.stat().st_size / MiB if summary.exists() else None
        timings = browser_seconds(out / "summary.html")
    print()
    print(f"| merge of {args.shards} × {args.sites_per_shard} = {total:,} sites | figure |")
    print("|---|--:|")
    print(f"| wall time | {measured.wall:.1f} s |")
    print(f"| peak memory, whole merge | {measured.peak_kib / 1024:,.0f} MiB |")
    print(f"| peak memory, largest process | {measured.largest_kib / 1024:,.0f} MiB |")
    for name, size in sizes.items():
        print(f"| {name} | {size / 1e6:.2f} MB |")
    print(f"| step summary | {step_mib:.2f} MiB |" if step_mib is not None else "| step summary | — |")
    print(f"| details/ | {len(details):,} files, {details_mb:.0f} MB |")
    if timings:
        print(f"| summary.html in headless Chromium | opened in {timings[0]:.2f} s, sorted in {timings[1]:.2f} s |")
    print(f"| load (1-min average) | {before} → {load()} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
