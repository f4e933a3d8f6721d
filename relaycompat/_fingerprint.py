"""Backend fingerprinting: which family (and version) a site runs, from the probes already made.

Signals and their weights are data (``data/fingerprints.yaml``, after backends.md §9): keys of
``/api/status``, the relay error ``type``, the key order of the 404 body, the user-id header an
auth error names, family-only response headers, which routes exist. Each family collects
points; the best one wins if it clearly leads. A fork with its own error type (Privnode's
``privnode_error``) counts as its parent family with the fork named.
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
from ._classify import Classification
from ._http import Exchange

UNKNOWN = "unknown"


@dataclass
class Detection:
    """The detected family (``None`` when unknown), version, fork, and why."""

    family: str | None
    version: str | None = None
    fork: str | None = None
    reason: str = ""
    signals: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "detected": self.family or UNKNOWN,
            "version": self.version,
            "fork": self.fork,
            "reason": self.reason,
            "signals": self.signals,
        }


@cache
def _rules() -> dict[str, Any]:
    text = resources.files("relaycompat").joinpath("data/fingerprints.yaml").read_text("utf-8")
    return yaml.safe_load(text)


Observed = dict[str, tuple[Exchange | None, Classification]]


def _data(observed: Observed, endpoint_id: str) -> Any:
    entry = observed.get(endpoint_id)
    return entry[1].data if entry else None


def _version(observed: Observed) -> str | None:
    status = _data(observed, "api_status")
    if isinstance(status, dict) and isinstance(status.get("data"), dict):
        version = status["data"].get("version")
        if isinstance(version, str) and version:
            return version
    for exchange, _ in observed.values():
        if exchange is not None and exchange.headers.get("x-new-api-version"):
            return exchange.headers["x-new-api-version"]
    return None


def detect(observed: Observed) -> Detection:
    """Detect the backend of one site from its probes (endpoint id → exchange, classification)."""
    rules = _rules()
    points: Counter[str] = Counter()
    signals: list[str] = []
    fork: str | None = None

    def score(families: dict[str, int] | list[str] | str, weight: int, why: str) -> None:
        if isinstance(families, str):
            families = [families]
        items = families.items() if isinstance(families, dict) else ((f, weight) for f in families)
        for family, pts in items:
            points[family] += pts
        signals.append(why)

    reached = [cls for _, cls in observed.values() if cls.verdict in v.REACHED_BACKEND]
    if not reached:
        verdicts = Counter(cls.verdict for _, cls in observed.values())
        common = ", ".join(f"{n}× {verdict}" for verdict, n in verdicts.most_common(3)) or "nothing probed"
        return Detection(None, reason=f"no probe reached the backend ({common})")

    status = _data(observed, "api_status")
    if isinstance(status, dict) and isinstance(status.get("data"), dict):
        for key in status["data"]:
            if key in rules["status_keys"]:
                score(rules["status_keys"][key], 0, f"/api/status has {key}")

    for endpoint_id, (exchange, cls) in observed.items():
        data = cls.data
        error = data.get("error") if isinstance(data, dict) else None
        if isinstance(error, dict):
            error_type = error.get("type")
            if isinstance(error_type, str) and error_type.endswith(("_error", "_panic")):
                known = rules["error_types"].get(error_type)
                if known:
                    score(known.get("families") or [known["family"]], rules["error_type_points"], f"error type {error_type}")
                elif error_type not in ("invalid_request_error",):
                    fork = error_type.rsplit("_", 1)[0]
                    signals.append(f"error type {error_type} (a fork)")
            if cls.verdict == v.NOT_FOUND and exchange is not None and exchange.status == 404:
                order = ",".join(error.keys())
                families = rules["not_found_key_order"].get(order)
                if families:
                    score(families, rules["not_found_points"], f"404 body keys {order}")
        if cls.message:
            for header, family in rules["auth_headers"].items():
                if header.lower() in cls.message.lower():
                    score(family, rules["auth_header_points"], f"auth error names {header}")
        if isinstance(data, dict) and isinstance(data.get("code"), str) and data["code"].startswith("AUTH_"):
            score("new-api", rules["rc22_auth_code_points"], f"auth error code {data['code']} (rc.22+)")
        if exchange is not None:
            for header, family in rules["response_headers"].items():
                if header in exchange.headers:
                    score(family, rules["response_header_points"], f"response header {header}")
        if cls.verdict in v.REACHED_BACKEND and cls.verdict != v.NOT_FOUND and endpoint_id in rules["routes_present"]:
            score(rules["routes_present"][endpoint_id], 0, f"{endpoint_id} exists")
        if cls.verdict == v.OK and endpoint_id in rules["routes_ok"]:
            score(rules["routes_ok"][endpoint_id], 0, f"{endpoint_id} answers")

    version = _version(observed)
    if version:
        for hint in rules["version_patterns"]:
            if re.search(hint["pattern"], version):
                score(hint["family"], rules["version_points"], f"version {version}")

    if not points:
        return Detection(None, version, fork, "the backend answered, but with no family signal", signals)
    ranked = points.most_common()
    best, best_points = ranked[0]
    runner_up = ranked[1][1] if len(ranked) > 1 else 0
    if best_points == runner_up:
        tied = sorted(f for f, p in ranked if p == best_points)
        return Detection(None, version, fork, f"signals tie between {', '.join(tied)}", signals)
    reason = f"{best} ({best_points} points" + (f" vs {ranked[1][0]} {runner_up}" if len(ranked) > 1 else "") + ")"
    return Detection(best, version, fork, reason, signals)
