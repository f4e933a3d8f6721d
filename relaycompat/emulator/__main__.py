"""Run emulated sites for exploring with curl or a browser, or for the pytest plugin.

    python -m relaycompat.emulator [--sites sites/demo.yaml] [--latency-ms N]

prints one line per site, ``<name> <url>``, then serves until interrupted.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import sys
from pathlib import Path

from .._errors import ConfigError
from ._fleet import Fleet, SiteSpec
from ._profiles import describe_profiles, profile_names


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m relaycompat.emulator",
        description="Serve the emulated relay sites of site files on loopback until interrupted.",
    )
    parser.add_argument("--sites", action="append", type=Path, metavar="PATH",
                        help="Site file or folder whose `emulate:` sites to serve (repeatable; default: sites/demo.yaml)")
    parser.add_argument("--latency-ms", type=float, default=None, metavar="N",
                        help="Delay every response by N milliseconds (overrides the sites' latency_ms)")
    parser.add_argument("--list", action="store_true", help="List the emulator profiles and exit")
    parser.add_argument("--json", action="store_true", help="Print one JSON object per site instead of '<name> <url>'")
    parser.add_argument("--stats-file", type=Path, metavar="PATH",
                        help="On exit, write per-site request counts and peak requests in flight to PATH (JSON)")
    parser.add_argument("--spec-stdin", action="store_true", help=argparse.SUPPRESS)
    return parser


def _specs(args: argparse.Namespace) -> list[SiteSpec]:
    if args.spec_stdin:  # from the pytest plugin: credentials through a pipe, never argv; the
        from .._children import read_job  # pipe is the lifeline too (we exit when the run does)

        return [SiteSpec(**item) for item in read_job()]
    from .._sites import load_sites, site_files  # only for site files: the plugin's pipe needs none

    sites = load_sites(site_files(args.sites or [Path("sites/demo.yaml")]), profiles=profile_names())
    return [SiteSpec.from_site(site) for site in sites if site.emulate]


async def _serve(specs: list[SiteSpec], args: argparse.Namespace) -> None:
    fleet = Fleet(specs, latency_ms=args.latency_ms)
    await fleet.start()
    for spec in specs:
        url = fleet.urls[spec.slug]
        line = json.dumps({"slug": spec.slug, "name": spec.name, "url": url}, ensure_ascii=False) if args.json else f"{spec.name} {url}"
        print(line, flush=True)
    if args.json:
        print(json.dumps({"ready": True, "elsewhere": fleet.elsewhere_url}), flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    if args.stats_file:
        args.stats_file.write_text(json.dumps(fleet.stats(), indent=1), encoding="utf-8")
    await fleet.stop()


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.list:
        for name, description in describe_profiles():
            print(f"{name:28} {description}")
        return 0
    try:
        specs = _specs(args)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if not specs:
        print("error: no `emulate:` sites in the given site files", file=sys.stderr)
        return 2
    asyncio.run(_serve(specs, args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
