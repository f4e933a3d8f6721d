"""Run-wide settings, built once from the command line and ini file, shared by every part.

:class:`Settings` is a frozen value object; :meth:`Settings.to_dict` / :meth:`from_dict` carry
it to xdist workers through ``workerinput`` (plain JSON types only).
"""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from ._errors import ConfigError

#: The backend families a site file may declare (and manifests and schemas exist for).
BACKENDS = ("new-api", "veloera", "one-api", "one-hub", "done-hub", "rix-api", "voapi")
#: A site's total deadline per request (seconds) and requests in flight, unless its file says.
DEFAULT_TIMEOUT = 15.0
DEFAULT_MAX_IN_FLIGHT = 4
#: Bodies are read up to this many (decoded) bytes; the rest is not read at all.
DEFAULT_BODY_CAP = 2 * 1024 * 1024
#: Languages of the reports' labels; the first is the default.
LANGUAGES = ("zh", "en")
DEFAULT_LANGUAGE = LANGUAGES[0]
#: What the probes send as Accept-Language (it picks the language of new-api's messages).
DEFAULT_ACCEPT_LANGUAGE = "zh-CN,zh;q=0.9,en;q=0.8"


@dataclass(frozen=True)
class Settings:
    """Everything a run needs to know besides the sites and the catalogue."""

    catalogue: str
    schemas_dir: str
    manifests_dir: str
    report_dir: str
    #: Side effects (tests/endpoints.yaml ``side_effects``) the run may cause; none by default.
    side_effects: tuple[str, ...] = ()
    retries: int = 1
    retry_after_cap: float = 10.0
    breaker_threshold: int = 3
    max_in_flight: int | None = None
    body_cap: int = DEFAULT_BODY_CAP
    evidence_cap: int = 16 * 1024
    accept_language: str = DEFAULT_ACCEPT_LANGUAGE
    report_lang: str = DEFAULT_LANGUAGE
    baseline: str | None = None
    shard: tuple[int, int] | None = None
    run_id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Settings:
        data = dict(data)
        if data.get("shard") is not None:
            data["shard"] = tuple(data["shard"])
        data["side_effects"] = tuple(data.get("side_effects") or ())
        return cls(**data)

    def allows(self, side_effect: str | None) -> bool:
        """Whether an endpoint with ``side_effect`` may be called (``None``: nothing to allow)."""
        return side_effect is None or side_effect in self.side_effects

    @property
    def allow_mutating(self) -> bool:
        """Whether anything with a side effect may be called at all."""
        return bool(self.side_effects)

    @property
    def report_path(self) -> Path:
        return Path(self.report_dir)


def parse_shard(text: str) -> tuple[int, int]:
    """``K/N`` with 1 <= K <= N, e.g. ``2/3``."""
    try:
        k_text, n_text = text.split("/")
        k, n = int(k_text), int(n_text)
    except ValueError:
        raise ConfigError(f"--shard {text!r}: expected K/N, e.g. --shard 2/3") from None
    if not 1 <= k <= n:
        raise ConfigError(f"--shard {text!r}: K must be between 1 and N")
    return k, n


def run_id(given: str | None, environ: Mapping[str, str] = os.environ) -> str:
    """The id a run is recorded under (docs/history.md): ``--run-id``, else ``github-$GITHUB_RUN_ID``
    (every shard of a workflow run shares it), else a new one from the time and a random tail."""
    if given:
        return given
    if environ.get("GITHUB_RUN_ID"):
        return f"github-{environ['GITHUB_RUN_ID']}"
    return time.strftime("local-%Y%m%dT%H%M%SZ-", time.gmtime()) + secrets.token_hex(3)


def executes_tests(option: Any) -> bool:
    """False for --collect-only, --setup-only and --setup-plan: such a run requests nothing
    and leaves the last run's results and reports as they are."""
    return not (option.collectonly or getattr(option, "setuponly", False) or getattr(option, "setupplan", False))
