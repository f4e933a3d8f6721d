"""The history demo: three runs of the demo fleet; one site breaks in the second and recovers in the third.

    python scripts/history_demo.py [OUT_DIR] [--site ID] [--lang zh|en]

Each run is the README's command with a history file (``pytest -n auto --history=OUT/history.db``),
the previous run's results as the baseline, and its own run id. For the second run the site
(default ``veloera``) is served by the ``origin-down`` profile (Cloudflare's 521 on every route)
instead of its own, as if its origin had gone away; the third run serves it normally again.
The third run's reports (OUT/run-3/report.md, summary.html, report.html) show the break in the
site's strip and the endpoints' strips, and the site "ok since" the third run. Re-running starts
a new history in OUT. docs/history.md shows what to look at; testing/history/test_demo.py
runs it and checks those reports.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
BROKEN_PROFILE = "origin-down"


def site_files(out: Path, site_id: str) -> tuple[Path, Path]:
    """The demo fleet as it is, and with ``site_id`` served by the broken profile."""
    document = yaml.safe_load((ROOT / "sites" / "demo.yaml").read_text(encoding="utf-8"))
    if not any(site.get("id") == site_id for site in document["sites"]):
        raise SystemExit(f"history demo: no site with id {site_id!r} in sites/demo.yaml")
    healthy, broken = out / "sites-healthy.yaml", out / "sites-broken.yaml"
    healthy.write_text(yaml.safe_dump(document, allow_unicode=True, sort_keys=False), encoding="utf-8")
    for site in document["sites"]:
        if site.get("id") == site_id:
            site["emulate"] = BROKEN_PROFILE
    broken.write_text(yaml.safe_dump(document, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return healthy, broken


def run(out: Path, *, site_id: str = "veloera", lang: str = "en", quiet: bool = False) -> list[Path]:
    """Make the three runs; return their report folders."""
    out.mkdir(parents=True, exist_ok=True)
    history = out / "history.db"
    history.unlink(missing_ok=True)
    healthy, broken = site_files(out, site_id)
    env = {k: v for k, v in os.environ.items() if k not in ("GITHUB_STEP_SUMMARY", "GITHUB_RUN_ID")}
    folders = []
    for number, sites in enumerate((healthy, broken, healthy), start=1):
        folder = out / f"run-{number}"
        command = [sys.executable, "-m", "pytest", "tests", "-n", "auto", "-q", "-p", "no:cacheprovider",
                   f"--sites={sites}", f"--report-dir={folder}", f"--history={history}", f"--report-lang={lang}",
                   f"--run-id=history-demo-{number}"]
        if folders:
            command.append(f"--baseline={folders[-1] / 'results.json'}")
        done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
        line = next((x for x in done.stdout.splitlines() if "relaycompat: history" in x), "(no history line)")
        if done.returncode not in (0, 1):  # 1: the demo fleet fails on purpose
            raise SystemExit(f"history demo: run {number} failed (exit {done.returncode}):\n{done.stdout[-3000:]}{done.stderr[-3000:]}")
        if not quiet:
            state = "broken" if sites == broken else "healthy"
            print(f"run {number} ({site_id} {state}): {line.strip()}")
        folders.append(folder)
    if not quiet:
        print(f"\nthe third run's reports: {folders[-1]}/report.md, summary.html, report.html")
        print(f"ask the history: python -m relaycompat history status {history} --site {site_id}")
    return folders


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", nargs="?", type=Path, default=Path("reports/history-demo"), metavar="OUT_DIR",
                        help="Where the runs, their reports and the history go (default: reports/history-demo)")
    parser.add_argument("--site", default="veloera", metavar="ID", help="The demo site that breaks in the second run")
    parser.add_argument("--lang", choices=("zh", "en"), default="en", help="Language of the reports (default: en)")
    args = parser.parse_args()
    run(args.out.resolve(), site_id=args.site, lang=args.lang)


if __name__ == "__main__":
    main()
