"""``python -m relaycompat``: render reports from results.json files, outside a pytest run.

    python -m relaycompat merge OUT_DIR SHARD_RESULTS.json... [--allow-missing-shards] [--baseline PATH] [--lang zh|en]
        merge the results of `pytest --shard K/N` runs (one in memory at a time) into OUT_DIR/results.json and write
        OUT_DIR/report.md and OUT_DIR/summary.html from it (as one run would have); every shard
        of the run must be given, all of one N, unless --allow-missing-shards
    python -m relaycompat report RESULTS.json [--baseline PATH] [--lang zh|en] [--out DIR]
        re-render report.md and summary.html of a results.json (default: beside it)
    python -m relaycompat import RECORDINGS.json OUT_DIR [--catalogue PATH]
        turn the earlier probing script's recordings (the sample report's data) into
        results.json and reports, e.g. to use as the --baseline of a first run
    python -m relaycompat history {runs,status,uptime,transitions,prune} PATH ...
        query or prune a history file (docs/history.md)

Each of merge, report and import appends the summary to $GITHUB_STEP_SUMMARY when it is set;
with --history PATH it records the run in that history file (once: a run already there is not
added again) and the reports show its history. A wrong argument or input file is one line on
stderr and exit status 4 (as pytest's usage errors); the outputs in OUT_DIR are replaced as one
set, or not at all.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from ._catalogue import load_catalogue
from ._config import LANGUAGES
from ._errors import ConfigError
from ._outputs import OutputSet
from ._redact import Redactor
from ._results import load_results, write_json
from .history import record
from .history._cli import add_parser as add_history_parser
from .history._cli import add_threshold_options, thresholds_of
from .history._cli import main as history_main
from .reports import MergeError, ReportFolder, merge_shards, results_from_recordings, write_reports, write_step_summary
from .reports._text import report_language

#: Exit status of a wrong argument or input file (pytest's usage error).
USAGE_ERROR = 4


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(USAGE_ERROR, f"{self.prog}: error: {message}\n")


def _imported(recordings: Path, catalogue: Path) -> dict[str, Any]:
    try:
        document = json.loads(recordings.read_text(encoding="utf-8"))
        endpoints = load_catalogue(catalogue) if catalogue.is_file() else None
    except (OSError, ValueError, ConfigError) as exc:
        raise ConfigError(f"{recordings}: cannot import: {exc}") from None
    if not isinstance(document, dict) or not {"endpoints", "sites"} <= set(document):
        raise ConfigError(f"{recordings}: not the probing script's recordings (needs 'endpoints' and 'sites')")
    return results_from_recordings(document, catalogue=endpoints)


def _baseline(path: str | None) -> dict[str, Any] | None:
    return load_results(Path(path)) if path else None  # ConfigError: one line


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="relaycompat", description="Render relaycompat reports from results.json files")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def common(sub: argparse.ArgumentParser) -> None:
        sub.add_argument("--baseline", metavar="PATH", help="An earlier results.json: the reports open with what changed since")
        sub.add_argument("--lang", choices=LANGUAGES, default=None,
                         help="Language of the report's labels (default: the run's --report-lang, else zh)")
        sub.add_argument("--history", metavar="PATH",
                         help="SQLite history file: record the run in it (once) and show its history in the reports")
        sub.add_argument("--history-keep-days", type=float, default=None, metavar="DAYS",
                         help="After recording, delete the runs that started more than DAYS days before this one")
        add_threshold_options(sub, "history-")

    merge = commands.add_parser("merge", help="Merge shards' results.json and render the reports of the whole run")
    merge.add_argument("out_dir", metavar="OUT_DIR", type=Path, help="Where results.json, report.md and summary.html go")
    merge.add_argument("shards", metavar="SHARD_RESULTS.json", nargs="+", type=Path, help="results.json of each shard")
    merge.add_argument("--allow-missing-shards", action="store_true",
                       help="Merge even if some shards of the run are missing (the reports then say which)")
    merge.add_argument("--run-id", metavar="ID", default=None,
                       help="The run id of the merged run (default: the shards' own, which they must share)")
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
    add_history_parser(commands)
    return parser


def _history(args: argparse.Namespace, results: dict[str, Any]) -> Any:
    if not args.history:
        return None
    if not (results.get("run") or {}).get("run_id"):
        ids = sorted({str(m.get("run_id")) for m in (results.get("run") or {}).get("merged_from") or []})
        if len(ids) > 1:
            raise ConfigError(f"cannot record the merge in the history: the shards come from different runs "
                              f"(run ids {', '.join(ids)}); give every shard the same --run-id, or pass merge --run-id ID")
    try:
        thresholds = thresholds_of(args, "history-")
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    recorded = record(args.history, results, thresholds=thresholds, keep_days=args.history_keep_days)
    print(f"relaycompat: {recorded.line()}", file=sys.stderr if recorded.report.problem else sys.stdout)
    return recorded.report


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "history":
        return history_main(args)
    try:
        return _run(args)
    except (ConfigError, MergeError) as exc:
        print(f"relaycompat: {exc}", file=sys.stderr)
        return USAGE_ERROR


def _run(args: argparse.Namespace) -> int:
    redactor = Redactor()
    baseline = _baseline(args.baseline)
    if args.command == "merge":
        return _merge(args, baseline, redactor)
    if args.command == "import":
        results = _imported(args.recordings, args.catalogue)
        out_dir: Path = args.out_dir
    else:
        results = load_results(args.results)
        out_dir = args.out or args.results.parent
    history = _history(args, results)
    # One set: results.json (unless re-rendering beside it) and the reports land together, or none does.
    outputs = OutputSet.open(out_dir, flag=f"{args.command} output folder")
    try:
        if args.command != "report":
            write_json(outputs.path("results.json"), results, scrub=redactor)
        write_reports(results, outputs.staging, lang=args.lang, baseline=baseline, redactor=redactor, step_summary=None,
                      history=history)
        outputs.commit(replace_all=args.command != "report")
    finally:
        outputs.discard()
    return _done(args, results, outputs, baseline, redactor, history)


def _merge(args: argparse.Namespace, baseline: dict[str, Any] | None, redactor: Redactor) -> int:
    """Shard by shard, one in memory at a time: thousands of sites stay well under 1 GiB."""
    try:
        with merge_shards(args.shards, allow_missing=args.allow_missing_shards) as merged:
            results = merged.results
            missing = results["run"]["missing_shards"]
            if missing:
                print(f"relaycompat: WARNING: merged without shard {', '.join(f'{k}/{n}' for k, n in missing)}: "
                      "the reports cover part of the sites", file=sys.stderr)
            if args.run_id:
                results["run"]["run_id"] = args.run_id
            history = _history(args, results)
            outputs = OutputSet.open(args.out_dir, flag="merge output folder")
            try:
                merged.write_results(outputs.path("results.json"), redactor)
                folder = ReportFolder(outputs.staging, lang=report_language(results, args.lang),
                                      redactor=redactor, history=history)
                for site in merged.sites():
                    folder.add_site(site, results)
                folder.finish(results, baseline=baseline, step_summary=None)
                outputs.commit()
            finally:
                outputs.discard()
    except MergeError as exc:
        raise MergeError(f"cannot merge: {exc}") from None
    return _done(args, results, outputs, baseline, redactor, history)


def _done(args: argparse.Namespace, results: dict[str, Any], outputs: OutputSet, baseline: dict[str, Any] | None,
          redactor: Redactor, history: Any) -> int:
    write_step_summary(results, lang=args.lang, baseline=baseline, redactor=redactor, history=history)
    folder = outputs.report_dir
    print(f"relaycompat: wrote {folder / 'report.md'}, {folder / 'summary.html'} and details/ ({len(results['sites'])} sites)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
