"""``results.json``: the machine-readable account of a run that reports and other tools build on.

Built on the controller at the end of a run from the run store (what the prober found) and the
test outcomes (what pytest concluded), in site-file order and catalogue order. Everything in it
was redacted before it was stored. Format: docs/results.md.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from . import __version__
from ._advice import SiteContext, advise, site_state
from ._catalogue import Catalogue, Endpoint
from ._config import DEFAULT_LANGUAGE
from ._errors import ConfigError
from ._expectations import Manifests
from ._fingerprint import Detection, backend_record
from ._outputs import write_json as write_atomically

FORMAT_VERSION = 1


def outcome_of(report: Any) -> str | None:
    """The outcome results.json records for a pytest report (xfail-aware), ``None`` for a phase
    that says nothing (a passed setup or teardown)."""
    if hasattr(report, "wasxfail"):
        return "xfailed" if report.skipped else "xpassed"
    if report.when == "call":
        return str(report.outcome)
    if report.when == "setup" and not report.passed:
        return "skipped" if report.skipped else "error"
    if report.when == "teardown" and report.failed:
        return "error"
    if report.when not in ("setup", "call", "teardown") and report.failed:  # xdist's report of a test
        return "failed"                                                     # its worker died under ("???")
    return None


def now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def catalogue_entries(catalogue: Iterable[Endpoint]) -> list[dict[str, Any]]:
    return [
        {"id": e.id, "path": e.path, "desc": e.desc, "desc_en": e.desc_en, "documented": e.documented,
         "in_code": e.in_code, "auth": e.auth, "mutating": e.mutating, "method": e.method, "side_effect": e.side_effect}
        for e in catalogue
    ]


def site_result(record: dict[str, Any], outcomes: Mapping[tuple[str, str], dict[str, Any]],
                context: SiteContext | None = None) -> dict[str, Any]:
    """One site of results.json from its stored record and the outcomes of its tests; with a
    ``context``, its ``state`` and ``advice`` too (relaycompat/_advice.py)."""
    site = record["site"]
    probes = []
    for probe in record.get("probes", []):
        outcome = outcomes.get((site["slug"], probe["id"]), {})
        probes.append({
            "endpoint": probe["endpoint"],
            "id": probe["id"],
            "verdict": probe["verdict"],
            "http_status": probe["http_status"],
            "elapsed_ms": probe["elapsed_ms"],
            "outcome": outcome.get("outcome"),
            "reason": probe["reason"],
            "test_message": outcome.get("message"),
            "retries": probe.get("retries", 0),
            "message": probe.get("message"),
            "code": probe.get("code"),
            "schema": probe.get("schema"),
            "request": probe.get("request"),
            "response": probe.get("response"),
        })
    result = {
        "name": site["name"],
        "slug": site["slug"],
        "url": site["url"],
        "emulate": site.get("emulate"),
        "source": site.get("source"),
        "credentials": {
            "access_token": site.get("has_access_token", False),
            "access_token_kind": site.get("access_token_kind"),
            "api_key": site.get("has_api_key", False),
            "user_id": site.get("user_id") is not None,
        },
        "backend": record.get("backend") or backend_record(site.get("backend"), Detection(None, reason="the site has no probe record")),
        "error": record.get("error"),
        "emulator": record.get("emulator"),
        "state": None,
        "advice": [],
        "probes": probes,
    }
    if context is not None:
        result["state"] = site_state(result)
        result["advice"] = advise(result, context)
    return result


def build_results(
    records: Sequence[dict[str, Any]],
    outcomes: Mapping[tuple[str, str], dict[str, Any]],
    catalogue: Catalogue,
    *,
    run: dict[str, Any],
    manifests: Manifests,
) -> dict[str, Any]:
    rotated = set(run.get("rotated_tokens") or ())
    lang = str(run.get("report_lang") or DEFAULT_LANGUAGE)
    return {
        "format": FORMAT_VERSION,
        "generated_at": now_iso(),
        "tool": {"name": "relaycompat", "version": __version__},
        "run": run,
        "catalogue": catalogue_entries(catalogue),
        "sites": [site_result(record, outcomes, SiteContext(catalogue, manifests, record["site"]["slug"] in rotated, lang))
                  for record in records],
    }


def write_json(path: Path, document: dict[str, Any], scrub: Any = None) -> None:
    """results.json (or any results document) written atomically into ``path``'s folder, made if
    missing; ``scrub`` (a Redactor) gets the final text once more before it lands."""
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(path, document, scrub)


@cache
def _validator() -> Any:
    from jsonschema import Draft202012Validator

    schema = json.loads(resources.files("relaycompat").joinpath("data/results.schema.json").read_text("utf-8"))
    return Draft202012Validator(schema)


def _where(path: Iterable[Any]) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else f".{part}"
    return text.lstrip(".") or "the top level"


def results_problem(document: Any) -> str | None:
    """What keeps ``document`` from being a results.json the suite can read (one line), or None."""
    error = next(iter(sorted(_validator().iter_errors(document), key=lambda e: list(e.absolute_path))), None)
    if error is None:
        return None
    message = error.message if len(error.message) < 200 else error.message[:197] + "..."
    return f"{_where(error.absolute_path)}: {message}"


def load_results(path: Path) -> dict[str, Any]:
    """An earlier results.json; :class:`ConfigError` saying, in one line, what is wrong with it."""
    path = Path(path)
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except ValueError as exc:
        raise ConfigError(f"{path}: not JSON: {exc}") from None
    problem = results_problem(document)
    if problem:
        raise ConfigError(f"{path}: not a relaycompat results.json: {problem}")
    return document
