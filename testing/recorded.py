"""The sample's recordings (tests/data/recordings.json) replayed through the real pipeline.

A recorded probe has a status (or ``EPROTO``/``ERROR``), a body (cut at 3000 characters, with
``truncated_from`` when the recorder noticed) and sometimes an ``error`` column; headers were not
recorded. :func:`exchange_of` rebuilds the :class:`~relaycompat._http.Exchange` the prober would
have had, adding only what the error column states (a Cloudflare HTML answer carries
Cloudflare's headers), and :func:`observed_of` classifies it with the real classifier, so
detection and validation see what they would have seen live.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from relaycompat._catalogue import Catalogue, Endpoint
from relaycompat._classify import Classification, classify
from relaycompat._fingerprint import Observed
from relaycompat._http import Exchange
from relaycompat._json import structure
from relaycompat.reports._recordings import recorded_exchange

from .conftest import CATALOGUE

REPO = Path(__file__).resolve().parents[1]
DATA = Path(__file__).with_name("data")
#: The recorder cut bodies at this many characters; four cut bodies lack ``truncated_from``.
CUT_AT = 3000


def catalogue() -> Catalogue:
    return CATALOGUE


def recordings() -> dict[str, Any]:
    return json.loads((DATA / "recordings.json").read_text(encoding="utf-8"))


def truth() -> dict[str, dict[str, Any]]:
    """What each recorded site really runs (data/recorded_backends.yaml, after backends.md §12)."""
    return yaml.safe_load((DATA / "recorded_backends.yaml").read_text(encoding="utf-8"))["sites"]


def is_cut(probe: dict[str, Any]) -> bool:
    """Whether the recorder cut this body (marked, or exactly at the cut and not JSON)."""
    if probe.get("truncated_from"):
        return True
    body = probe.get("body") or ""
    if len(body) < CUT_AT:
        return False
    try:
        json.loads(body)
    except ValueError:
        return True
    return False


def exchange_of(probe: dict[str, Any], endpoint: Endpoint) -> Exchange:
    """The exchange the prober would have had for one recorded probe (with credentials where due)."""
    return recorded_exchange(probe, endpoint, f"https://recorded.invalid{endpoint.path}", endpoint.auth != "public")


def observed_of(site: dict[str, Any], cat: Catalogue | None = None) -> Observed:
    """``{endpoint id: (exchange, classification)}`` of one recorded site, as detect() takes it."""
    cat = cat or catalogue()
    observed: Observed = {}
    for probe in site["probes"]:
        endpoint = cat.by_path(probe["endpoint"])
        exchange = exchange_of(probe, endpoint)
        observed[endpoint.id] = (exchange, classify(exchange, endpoint))
    return observed


def successful_bodies(cat: Catalogue | None = None) -> Iterator[tuple[str, str, Any, Classification]]:
    """(site name, endpoint id, parsed body, classification) of every uncut ``ok`` answer."""
    cat = cat or catalogue()
    for site in recordings()["sites"]:
        observed = observed_of(site, cat)
        for probe in site["probes"]:
            endpoint = cat.by_path(probe["endpoint"])
            cls = observed[endpoint.id][1]
            if cls.verdict == "ok" and not is_cut(probe):
                yield site["name"], endpoint.id, cls.data, cls


def salvage(text: str) -> Any:
    """Parse a body the recorder cut: drop the unfinished tail, close what is still open.

    Used only where a test needs the *shape* of a cut body (a cross-backend rejection); the
    last element before the cut may lack its later fields.
    """
    stack: list[str] = []
    cuts: list[tuple[int, str]] = []
    for index, char in structure(text):
        if char in "[{":
            stack.append(char)
        elif char in "]}" and stack:
            stack.pop()
        elif char == ",":
            cuts.append((index, "".join("]" if c == "[" else "}" for c in reversed(stack))))
    for index, closers in reversed(cuts):
        try:
            return json.loads(text[:index] + closers)
        except ValueError:
            continue
    raise ValueError("nothing in the text parses")


def recorded_body(site_name: str, endpoint_path: str) -> Any:
    """The parsed body one recorded site answered on one path (salvaged when it was cut)."""
    site = next(s for s in recordings()["sites"] if s["name"] == site_name)
    probe = next(p for p in site["probes"] if p["endpoint"] == endpoint_path)
    return salvage(probe["body"]) if is_cut(probe) else json.loads(probe["body"])
