"""``python -m relaycompat``: render reports from results.json files, outside a pytest run.

    python -m relaycompat merge OUT_DIR SHARD_RESULTS.json... [--baseline PATH] [--lang zh|en]
        merge the results of `pytest --shard K/N` runs into OUT_DIR/results.json and write
        OUT_DIR/report.md and OUT_DIR/summary.html from it (as one run would have)
    python -m relaycompat report RESULTS.json [--baseline PATH] [--lang zh|en] [--out DIR]
        re-render report.md and summary.html of a results.json (default: beside it)

Both append the summary to $GITHUB_STEP_SUMMARY when it is set.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ._redact import Redactor
from ._results import write_json
from .reports import MergeError, merge_results, write_reports


def _load(path: Path) -> dict[str, Any]:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SystemExit(f"relaycompat: {path}: cannot read: {exc.strerror or exc}") from None
    except ValueError as exc:
        raise SystemExit(f"relaycompat: {path}: not JSON: {exc}") from None
    if not isinstance(document, dict) or not isinstance(document.get("sites"), list):
        raise SystemExit(f"relaycompat: {path}: not a relaycompat results.json (no 'sites' list)")
    return document


def _baseline(path: str | None) -> dict[str, Any] | None:
    return _load(Path(path)) if path else None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="relaycompat", description="Render relaycompat reports from results.json files")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def common(sub: argparse.ArgumentParser) -> None:
        sub.add_argument("--baseline", metavar="PATH", help="An earlier results.json: the reports open with what changed since")
        sub.add_argument("--lang", choices=("zh", "en"), default=None,
                         help="Language of the report's labels (default: the run's --report-lang, else zh)")

    merge = commands.add_parser("merge", help="Merge shards' results.json and render the reports of the whole run")
    merge.add_argument("out_dir", metavar="OUT_DIR", type=Path, help="Where results.json, report.md and summary.html go")
    merge.add_argument("shards", metavar="SHARD_RESULTS.json", nargs="+", type=Path, help="results.json of each shard")
    common(merge)
    report = commands.add_parser("report", help="Re-render report.md and summary.html of a results.json")
    report.add_argument("results", metavar="RESULTS.json", type=Path)
    report.add_argument("--out", metavar="DIR", type=Path, default=None, help="Output folder (default: beside RESULTS.json)")
    common(report)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    redactor = Redactor()
    baseline = _baseline(args.baseline)
    if args.command == "merge":
        documents = [_load(path) for path in args.shards]
        try:
            results = merge_results(documents, [str(path) for path in args.shards])
        except MergeError as exc:
            raise SystemExit(f"relaycompat: cannot merge: {exc}") from None
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
