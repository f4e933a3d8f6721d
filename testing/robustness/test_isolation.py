"""Each probe's handling is isolated: an exception at any stage becomes that probe's verdict.

Issue #13: one bad body used to stop the prober (every test of every site failed), or cost
its site every result. Faults are injected here at each stage the suite handles a response
in: classify, learn its secrets, mask, validate, record; and in the backend detection and
the storing of a site's record. The probe (or site) it hits says why; its neighbours do not
notice.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from relaycompat import _prober, _responses, _schemas
from relaycompat._redact import Redactor
from relaycompat._schemas import SchemaSet, ValidationTooSlow
from relaycompat._sites import Site

from ..conftest import REPO_ROOT
from ..core.conftest import make_settings

TOKEN = "isolation-access-token-01"
ENDPOINTS = ["api_status", "api_pricing", "api_user_self", "api_user_groups"]
HIT = "api_pricing"


class Injected(RuntimeError):
    pass


def _raise_for(endpoint_id: str | None) -> None:
    if endpoint_id == HIT:
        raise Injected("injected fault")


def _inject(monkeypatch: pytest.MonkeyPatch, stage: str) -> None:
    if stage == "classify":
        real = _prober.classify
        monkeypatch.setattr(_prober, "classify", lambda exchange, endpoint: (_raise_for(endpoint.id), real(exchange, endpoint))[1])
    elif stage == "read the secrets of":
        real_learn = Redactor.learn
        monkeypatch.setattr(Redactor, "learn", lambda self, headers, data=None, *, endpoint_id=None: (
            _raise_for(endpoint_id), real_learn(self, headers, data, endpoint_id=endpoint_id))[1])
    elif stage == "mask":
        real_data = Redactor.data
        monkeypatch.setattr(Redactor, "data", lambda self, value, *, endpoint_id=None: (
            _raise_for(endpoint_id), real_data(self, value, endpoint_id=endpoint_id))[1])
    elif stage == "validate":
        real_validate = SchemaSet.validate
        monkeypatch.setattr(SchemaSet, "validate", lambda self, family, endpoint_id, body, **kw: (
            _raise_for(endpoint_id), real_validate(self, family, endpoint_id, body, **kw))[1])
    elif stage == "record":
        real_body = _responses._pretty_body
        monkeypatch.setattr(_responses, "_pretty_body", lambda probe, redactor, cap: (
            _raise_for(probe.endpoint.id), real_body(probe, redactor, cap))[1])


@pytest.fixture
def healthy_url(emulate) -> str:
    return emulate("new-api-legacy", user_id=7, access_token=TOKEN)


def _verdicts(record: dict[str, Any]) -> dict[str, tuple[str, str]]:
    return {p["id"]: (p["verdict"], p["reason"]) for p in record["probes"]}


@pytest.mark.parametrize("stage", ["classify", "read the secrets of", "mask", "validate", "record"])
def test_a_fault_while_handling_one_probe_is_that_probes_verdict(probe, healthy_url: str, monkeypatch: pytest.MonkeyPatch,
                                                                  stage: str) -> None:
    clean = _verdicts(probe(healthy_url, ENDPOINTS, access_token=TOKEN, user_id=7))
    assert clean[HIT][0] == "ok"
    _inject(monkeypatch, stage)
    hit = _verdicts(probe(healthy_url, ENDPOINTS, access_token=TOKEN, user_id=7))
    verdict, reason = hit.pop(HIT)
    assert verdict == "invalid_response"
    assert f"the suite could not {stage} this response: Injected: injected fault" in reason
    assert hit == {k: v for k, v in clean.items() if k != HIT}  # the neighbours did not notice


def test_a_failed_detection_leaves_the_backend_unknown_and_the_verdicts_alone(probe, healthy_url: str,
                                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    clean = probe(healthy_url, ENDPOINTS, access_token=TOKEN, user_id=7)

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise Injected("injected fault")

    monkeypatch.setattr(_responses, "detect", broken)
    hit = probe(healthy_url, ENDPOINTS, access_token=TOKEN, user_id=7)
    assert hit["backend"]["detected"] in (None, "unknown")
    assert "backend detection failed: Injected: injected fault" in hit["backend"]["reason"]
    assert [p["verdict"] for p in hit["probes"]] == [p["verdict"] for p in clean["probes"]]


def test_a_site_whose_record_cannot_be_stored_gets_one_saying_why(catalogue, status_schema, emulate) -> None:
    """The lone-surrogate crash (issue #13, 1) failed in the store; any such failure now costs only its site."""
    urls = {slug: emulate("new-api-legacy", name=slug, user_id=7, access_token=TOKEN) for slug in ("a", "b")}
    plans = [_prober.SitePlan(Site(slug, slug, "test", url=url, access_token=TOKEN, user_id=7),
                              tuple(catalogue.by_id(i) for i in ENDPOINTS)) for slug, url in urls.items()]
    stored: dict[str, dict[str, Any]] = {}

    def on_site(slug: str, record: dict[str, Any]) -> None:
        if slug == "a" and "error" not in record:
            raise UnicodeEncodeError("utf-8", "\ud800", 0, 1, "surrogates not allowed")
        stored[slug] = record

    asyncio.run(_prober.probe_sites(plans, make_settings(), catalogue, status_schema, Redactor([TOKEN]), on_site))
    assert "UnicodeEncodeError" in stored["a"]["error"] and stored["a"]["probes"] == []
    assert [p["verdict"] for p in stored["b"]["probes"]].count("ok") >= 2


def test_schema_validation_stops_at_its_deadline() -> None:
    schemas = SchemaSet.load(REPO_ROOT / "schemas")
    model = {"quota_type": 0, "model_ratio": 1.5, "model_price": 0, "owner_by": "x", "completion_ratio": 1,
             "enable_groups": ["default"]}
    body = {"success": True, "data": [{"model_name": f"m{i}", **model} for i in range(20_000)],
            "group_ratio": {"default": 1}, "usable_group": {"default": "default"}}
    assert not schemas.validate("new-api", "api_pricing", {**body, "data": body["data"][:10]}).errors  # a valid shape
    started = time.thread_time()
    with pytest.raises(ValidationTooSlow, match="validation took more than 0.05 s"):
        schemas.validate("new-api", "api_pricing", body, seconds=0.05)
    assert time.thread_time() - started < 2
    assert schemas.validate("new-api", "api_status", {"success": True}, seconds=5).errors  # and is reset after


class _BusyMachine:
    """The clocks of a machine so busy that every wall-clock reading is 1 000 s later than the
    last; this thread's CPU time runs as it does."""

    def __init__(self) -> None:
        self.wall = 0.0

    def _later(self) -> float:
        self.wall += 1000.0
        return self.wall

    time = monotonic = perf_counter = _later

    @staticmethod
    def thread_time() -> float:
        return time.thread_time()


def test_the_time_budget_is_cpu_time_of_the_validating_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    """A busy machine must not change a verdict: the deadline counts this thread's CPU, not the clock."""
    schemas = SchemaSet.load(REPO_ROOT / "schemas")
    monkeypatch.setattr(_schemas, "time", _BusyMachine())  # wall time passes during validation, CPU time hardly
    assert schemas.validate("new-api", "api_status", {"success": True, "message": "", "data": {}}, seconds=0.15) is not None


def test_headers_kept_as_evidence_are_cut(probe, emulate) -> None:
    url = emulate("hostile-huge-header")
    record = probe(url, ["api_status"])
    (entry,) = record["probes"]
    assert len(entry["response"]["headers"]["x-padding"]) < 2100
    assert entry["response"]["headers"]["x-padding"].endswith("… (100000 characters)")

