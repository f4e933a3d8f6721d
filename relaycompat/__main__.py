"""``python -m relaycompat``: render reports from results.json files, outside a pytest run.

    python -m relaycompat merge OUT_DIR SHARD_RESULTS.json... [--baseline PATH] [--lang zh|en]
        merge the results of `pytest --shard K/N` runs into OUT_DIR/results.json and write
        OUT_DIR/report.md, summary.html and details/ from it (as one run would have), one shard
        in memory at a time
    python -m relaycompat report RESULTS.json [--baseline PATH] [--lang zh|en] [--out DIR]
        re-render report.md and summary.html of a results.json (default: beside it)
    python -m relaycompat import RECORDINGS.json OUT_DIR [--catalogue PATH]
        turn the earlier probing script's recordings (the sample report's data) into
        results.json and reports, e.g. to use as the --baseline of a first run

Each appends the summary to $GITHUB_STEP_SUMMARY when it is set.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ._catalogue import load_catalogue
from ._config import LANGUAGES
from ._errors import ConfigError
from ._redact import Redactor
from ._results import load_results, write_json
from .reports import MergeError, merge_files, results_from_recordings, write_reports


def _load(path: Path) -> dict[str, Any]:
    try:
        return load_results(path)
    except ConfigError as exc:
        raise SystemExit(f"relaycompat: {exc}") from None


def _imported(recordings: Path, catalogue: Path) -> dict[str, Any]:
    try:
        document = json.loads(recordings.read_text(encoding="utf-8"))
        endpoints = load_catalogue(catalogue) if catalogue.is_file() else None
    except (OSError, ValueError, ConfigError) as exc:
        raise SystemExit(f"relaycompat: {recordings}: cannot import: {exc}") from None
    if not isinstance(document, dict) or not {"endpoints", "sites"} <= set(document):
        raise SystemExit(f"relaycompat: {recordings}: not the probing script's recordings (needs 'endpoints' and 'sites')")
    return results_from_recordings(document, catalogue=endpoints)


def _baseline(path: str | None) -> dict[str, Any] | None:
    return _load(Path(path)) if path else None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="relaycompat", description="Render relaycompat reports from results.json files")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def common(sub: argparse.ArgumentParser) -> None:
        sub.add_argument("--baseline", metavar="PATH", help="An earlier results.json: the reports open with what changed since")
        sub.add_argument("--lang", choices=LANGUAGES, default=None,
                         help="Language of the report's labels (default: the run's --report-lang, else zh)")

    merge = commands.add_parser("merge", help="Merge shards' results.json and render the reports of the whole run")
    merge.add_argument("out_dir", metavar="OUT_DIR", type=Path, help="Where results.json, report.md and summary.html go")
    merge.add_argument("shards", metavar="SHARD_RESULTS.json", nargs="+", type=Path, help="results.json of each shard")
    common(merge)
    report = commands.add_parser("report", help="Re-render report.md and summary.html of a results.json")
    report.add_argument("results", metavar="RESULTS.json", type=Path)
    report.add_argument("--out", metavar="DIR", type=Path, default=None, help="Output folder (default: beside RESULTS.json)")
    common(report)
    imported = commands.add_parser(
        "import", help="Turn the recordings of the earlier probing script into results.json and reports (usable as a --baseline)")
    imported.add_argument("recordings", metavar="RECORDINGS.json", type=Path, help="The script's recordings (endpoints + sites)")
    imported.add_argument("out_dir", metavar="OUT_DIR", type=Path, help="Where results.json, report.md and summary.html go")
    imported.add_argument("--catalogue", metavar="PATH", type=Path, default=Path("tests/endpoints.yaml"),
                          help="The endpoint catalogue that names the endpoints (default: tests/endpoints.yaml)")
    common(imported)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    redactor = Redactor()
    baseline = _baseline(args.baseline)
    if args.command == "merge":  # shard by shard: thousands of sites stay well under 1 GiB
        try:
            results, written = merge_files(args.shards, args.out_dir, lang=args.lang, baseline=baseline, redactor=redactor)
        except ConfigError as exc:
            raise SystemExit(f"relaycompat: {exc}") from None
        except MergeError as exc:
            raise SystemExit(f"relaycompat: cannot merge: {exc}") from None
    else:
        if args.command == "import":
            results = _imported(args.recordings, args.catalogue)
            out_dir: Path = args.out_dir
            write_json(out_dir / "results.json", results, scrub=redactor)
        else:
            results = _load(args.results)
            out_dir = args.out or args.results.parent
        written = write_reports(results, out_dir, lang=args.lang, baseline=baseline, redactor=redactor)
    print(f"relaycompat: wrote {written.markdown} and {written.summary_html} ({len(results['sites'])} sites)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
