"""Backend fingerprinting: which family (and version) a site runs, from the probes already made.

Signals and their weights are data (``data/fingerprints.yaml``, after backends.md §9): keys of
``/api/status`` and ``/api/user/self``, the relay error ``type``, the key order of the 404 body,
the user-id header an auth error names, family-only response headers, which routes exist.
Each distinct signal counts once; the family with most points wins, a parent over its fork on
a tie. A fork with its own error type (Privnode's ``privnode_error``) counts as its parent
family with the fork named. Nothing reached, nothing detected: ``unknown`` with the reason.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

import yaml

from . import _verdicts as v
from . import _versions
from ._classify import Classification
from ._expectations import UNKNOWN
from ._http import Exchange

_FORK_ERROR = re.compile(r"[a-z0-9]+(_[a-z0-9]+)*_(error|panic)")

Observed = dict[str, tuple[Exchange | None, Classification]]


@dataclass
class Detection:
    """The detected family (``None`` when unknown), version, fork, and why."""

    family: str | None
    version: str | None = None
    fork: str | None = None
    reason: str = ""
    signals: list[str] = field(default_factory=list)
    version_hint: str | None = None
    #: The least version the probes prove, whatever /api/status says (``version_floors``).
    at_least: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "detected": self.family or UNKNOWN,
            "version": self.version,
            "version_hint": self.version_hint,
            "at_least": self.at_least,
            "fork": self.fork,
            "reason": self.reason,
            "signals": self.signals,
        }


@cache
def rules() -> dict[str, Any]:
    text = resources.files("relaycompat").joinpath("data/fingerprints.yaml").read_text("utf-8")
    rules: dict[str, Any] = yaml.safe_load(text)
    return rules


def ancestors(family: str) -> list[str]:
    """The families ``family`` descends from, nearest first (veloera → [new-api])."""
    parents = rules()["parents"]
    chain: list[str] = []
    while family in parents and parents[family] not in chain:
        family = parents[family]
        chain.append(family)
    return chain


def backend_record(declared: str | None, detection: Detection) -> dict[str, Any]:
    """The ``backend`` object of a site's record: declared, detected, version, fork, why, mismatch."""
    return {"declared": declared, **detection.to_dict(), "mismatch": mismatch(declared, detection)}


def mismatch(declared: str | None, detection: Detection) -> str | None:
    """A note when the site file declares one family and the probes show another, else ``None``.

    Nothing detected is no disagreement; nor is a declared fork whose probes show only its
    parent (a fork is named only on its own evidence).
    """
    found = detection.family
    if not declared or not found or declared == found or found in ancestors(declared):
        return None
    fork = f" (fork {detection.fork})" if detection.fork else ""
    return f"declared {declared}, but the probes look like {found}{fork}: {detection.reason}"


class _Score:
    """Points per family, and each distinct signal once."""

    def __init__(self) -> None:
        self.points: Counter[str] = Counter()
        self.signals: dict[str, dict[str, int]] = {}

    def add(self, why: str, families: dict[str, int]) -> None:
        if why in self.signals or not families:
            return
        self.signals[why] = families
        self.points.update(families)

    def evidence(self, family: str, limit: int = 3) -> str:
        best = sorted(((pts[family], why) for why, pts in self.signals.items() if family in pts), reverse=True)
        return ", ".join(why for _, why in best[:limit])


def _data(observed: Observed, endpoint_id: str) -> dict[str, Any] | None:
    entry = observed.get(endpoint_id)
    body = entry[1].data if entry and entry[1].verdict in (v.OK, v.SCHEMA_MISMATCH) else None
    data = body.get("data") if isinstance(body, dict) else None
    return data if isinstance(data, dict) else None


def _version(observed: Observed) -> str | None:
    status = _data(observed, "api_status")
    version = status.get("version") if status else None
    if isinstance(version, str) and version.strip():
        return version.strip()
    for exchange, cls in observed.values():
        for header in rules()["version_headers"]:
            if exchange is not None and cls.verdict in v.REACHED_BACKEND and exchange.headers.get(header):
                return exchange.headers[header]
    return None


def _not_reached(observed: Observed) -> Detection:
    verdicts = Counter(cls.verdict for _, cls in observed.values())
    if not verdicts:
        return Detection(None, reason="nothing was probed")
    common = next((verdict for verdict, _ in verdicts.most_common() if verdict != v.SKIPPED), v.SKIPPED)
    example = next(cls.reason for _, cls in observed.values() if cls.verdict == common)
    counts = ", ".join(f"{n}× {verdict}" for verdict, n in verdicts.most_common())
    lead = "every answer was a challenge page; the backend is hidden behind it" if set(verdicts) <= {v.BLOCKED, v.SKIPPED} \
        else "no probe reached the backend"
    return Detection(None, reason=f"{lead} ({counts}; e.g. {example})")


def _score(observed: Observed, score: _Score) -> str | None:
    """Score every signal of ``observed``; return the fork an unknown error type names."""
    r = rules()
    fork: str | None = None
    status = _data(observed, "api_status")
    for key in status or ():
        score.add(f"/api/status has {key}", r["status_keys"].get(key, {}))
    user = _data(observed, "api_user_self")
    for key in user or ():
        score.add(f"/api/user/self has {key}", r["user_self_keys"].get(key, {}))
    for endpoint_id, (exchange, cls) in sorted(observed.items()):
        if cls.verdict not in v.REACHED_BACKEND:
            continue
        body = cls.data if isinstance(cls.data, dict) else {}
        error = body.get("error")
        if isinstance(error, dict) and isinstance(error.get("type"), str):
            error_type = error["type"]
            known = r["error_types"].get(error_type)
            if known:
                score.add(f"error type {error_type}", {f: r["error_type_points"] for f in known})
            elif _FORK_ERROR.fullmatch(error_type) and error_type not in r["not_fork_error_types"]:
                fork = error_type.rsplit("_", 1)[0].replace("_", "-")
            if cls.verdict == v.NOT_FOUND and exchange is not None and exchange.status == 404:
                order = ",".join(error)
                score.add(f"404 body keys {order}", {f: r["not_found_points"] for f in r["not_found_key_order"].get(order, [])})
        for header, family in r["auth_headers"].items():
            if cls.message and header.lower() in cls.message.lower():
                score.add(f"auth error names {header}", {family: r["auth_header_points"]})
        code, coded = body.get("code"), r["auth_codes"]
        if isinstance(code, str) and code.startswith(tuple(coded["prefixes"])):
            score.add(coded["why"], {coded["family"]: coded["points"]})
        for header, family in r["response_headers"].items():
            if exchange is not None and header in exchange.headers:
                score.add(f"response header {header}", {family: r["response_header_points"]})
        if cls.verdict != v.NOT_FOUND:
            score.add(f"{endpoint_id} exists", r["routes_present"].get(endpoint_id, {}))
        if cls.verdict == v.OK:
            score.add(f"{endpoint_id} answers", r["routes_ok"].get(endpoint_id, {}))
    return fork


def _version_hint(family: str | None, version: str | None, observed: Observed) -> str | None:
    if family is None or _versions.parse(version) is not None:
        return None
    status = _data(observed, "api_status")
    if status is None:
        return None
    for hint in rules()["version_hints"]:
        if hint["family"] != family:
            continue
        has, lacks = hint.get("status_has"), hint.get("status_lacks")
        if (has and has in status) or (lacks and lacks not in status):
            return str(hint["says"])
    return None


def _floor_shown(floor: dict[str, Any], observed: Observed) -> bool:
    """Whether a ``version_floors`` entry's signal is in the probes (a code, or a header)."""
    header = floor.get("header")
    if header:
        exchange, cls = observed.get(header["endpoint"], (None, None))
        return (exchange is not None and cls is not None and cls.verdict in v.REACHED_BACKEND
                and exchange.headers.get(header["name"]) == header["value"])
    for _, cls in observed.values():
        code = cls.data.get("code") if cls.verdict in v.REACHED_BACKEND and isinstance(cls.data, dict) else None
        prefix = floor.get("code_prefix")
        if isinstance(code, str) and (code in floor.get("codes", ()) or (prefix and code.startswith(prefix))):
            return True
    return False


def _version_floor(family: str | None, observed: Observed) -> tuple[str, str] | None:
    """``(version, why)`` of the highest floor the probes prove for ``family``, if any."""
    best: tuple[_versions.Version, dict[str, Any]] | None = None
    for floor in rules()["version_floors"]:
        if floor["family"] != family or not _floor_shown(floor, observed):
            continue
        version = _versions.parse(floor["at_least"])
        if version is not None and (best is None or version > best[0]):
            best = (version, floor)
    return (str(best[1]["at_least"]), str(best[1]["why"])) if best else None


def _winner(points: Counter[str]) -> tuple[str | None, str]:
    """The best family, or ``None`` and why not."""
    ranked = points.most_common()
    best_points = ranked[0][1]
    tied = sorted(f for f, p in ranked if p == best_points)
    if len(tied) == 1:
        return tied[0], ""
    roots = [f for f in tied if all(f == other or f in ancestors(other) for other in tied)]
    if roots:
        return roots[0], f"tied with {', '.join(t for t in tied if t != roots[0])}, a fork of it without its own evidence"
    return None, f"signals tie between {', '.join(tied)}"


def detect(observed: Observed) -> Detection:
    """Detect the backend of one site from its probes (endpoint id → exchange, classification)."""
    reached = {eid: cls for eid, (_, cls) in observed.items() if cls.verdict in v.REACHED_BACKEND}
    if not reached:
        return _not_reached(observed)
    score = _Score()
    fork = _score(observed, score)
    version = _version(observed)
    if version:
        for hint in rules()["version_patterns"]:
            if re.search(hint["pattern"], version):
                score.add(f"version {version}", {hint["family"]: rules()["version_points"]})
    signals = list(score.signals)
    family, why_not = _winner(score.points) if score.points else (None, "the backend answered, but with no family signal")
    reason = _explain(family, why_not, score, fork) + _behind_challenge(observed, reached, family)
    if family is None:
        return Detection(None, version, fork, reason, signals)
    floor = _version_floor(family, observed)
    if floor:
        reason += f"; at least {floor[0]}: {floor[1]}"
    return Detection(family, version, fork, reason, signals, _version_hint(family, version, observed),
                     floor[0] if floor else None)


def _explain(family: str | None, why_not: str, score: _Score, fork: str | None) -> str:
    if family is None:
        return why_not
    runner = next(((f, p) for f, p in score.points.most_common() if f != family), None)
    versus = f" vs {runner[0]} {runner[1]}" if runner else ""
    tie = f"; {why_not}" if why_not else ""
    fork_note = f"; its own error type names the fork {fork}" if fork else ""
    return f"{family} ({score.points[family]} points{versus}: {score.evidence(family)}){tie}{fork_note}"


def _behind_challenge(observed: Observed, reached: dict[str, Classification], family: str | None) -> str:
    """A note when challenge pages hid part of the site (the sample's Cone)."""
    blocked = sum(1 for _, cls in observed.values() if cls.verdict == v.BLOCKED)
    if not blocked:
        return ""
    note = f"; {blocked} of {len(observed)} probes were behind a challenge page"
    if len(reached) <= 3:
        through = ", ".join(sorted(reached))
        note += f", the family shows through {through}" if family else f", only {through} reached the origin"
    return note
