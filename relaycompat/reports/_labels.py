"""The words and symbols of the reports, per language, from ``data/labels.yaml``."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Any

import yaml

from .._config import LANGUAGES

DEFAULT_LANGUAGE = "zh"


@cache
def labels_document(package: str = "relaycompat.reports") -> dict[str, Any]:
    """``data/labels.yaml`` of a package (the reports', the history's), parsed once."""
    text = resources.files(package).joinpath("data/labels.yaml").read_text("utf-8")
    document: dict[str, Any] = yaml.safe_load(text)
    return document


def _document() -> dict[str, Any]:
    return labels_document()


class Labels:
    """Labels of one language: ``labels("title")``, ``labels("retries", n=2)``, ``labels.verdict("ok")``."""

    def __init__(self, lang: str = DEFAULT_LANGUAGE) -> None:
        if lang not in LANGUAGES:
            raise ValueError(f"report language {lang!r}: expected one of {', '.join(LANGUAGES)}")
        self.lang = lang
        self._table: dict[str, Any] = _document()[lang]
        self.symbols: dict[str, str] = dict(_document()["symbols"])

    def __call__(self, key: str, **fields: Any) -> str:
        text = str(self._table[key])
        return text.format(**fields) if fields else text

    def side_effects(self, run: Mapping[str, Any]) -> str:
        """Which side effects the run allowed, for the reports' header line."""
        if not run.get("allow_mutating"):
            return self("mutating_off")
        return self("mutating_on", effects=", ".join(run.get("side_effects") or ["rotate-token"]))

    def verdict(self, verdict: str | None) -> str:
        return str(self._table["verdicts"].get(verdict, verdict or "—"))

    def outcome(self, outcome: str | None) -> str:
        return str(self._table["outcomes"].get(outcome, outcome or "—"))

    def state(self, state: str) -> str:
        return str(self._table["states"][state])

    def symbol(self, state: str) -> str:
        return self.symbols[state]

    def token_kind(self, kind: str) -> str:
        """The kind of a site file's access token (results.json ``credentials.access_token_kind``)."""
        return str(self._table["token_kinds"].get(kind, kind))

    def site_state(self, state: str) -> str:
        """A site's state (results.json ``sites[].state``: ok, credentials, broken, unreachable)."""
        return str(self._table["site_states"].get(state, state))


def labels_for(lang: str | None) -> Labels:
    return Labels(lang or DEFAULT_LANGUAGE)
