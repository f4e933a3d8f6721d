"""The test functions of the suite: one per catalogue endpoint, parametrized over the sites.

``tests/test_endpoints.py`` calls :func:`endpoint_tests` to define them. A test never makes a
request itself: it reads its site's record from the run store (every endpoint is fetched once
per run, by the prober), applies the backend's expectations, and ends in exactly one outcome.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ._catalogue import Endpoint, load_catalogue
from ._expectations import FAIL, PASS, SKIP, UNKNOWN, XFAIL, decide, family_of, version_of
from ._state import suite_state
from ._store import ProberFailed

ENDPOINT_MARK = "relaycompat_endpoint"
#: The key of the suite's data in xdist's ``workerinput``.
PROPERTY = "relaycompat"
#: The user properties of an endpoint test, plain strings (``--junitxml`` writes them as they are,
#: so CI test-report tools show the verdict): the site's test id and the endpoint id from setup
#: on, then what the probe got (verdict, HTTP status, detected backend and version).
SITE, ENDPOINT, VERDICT, HTTP_STATUS, BACKEND, BACKEND_VERSION = (
    "site", "endpoint", "verdict", "http_status", "backend", "backend_version")


def item_key(item: pytest.Item) -> tuple[str, str] | None:
    """``(site slug, endpoint id)`` of an endpoint test item; ``None`` for any other item."""
    marker = item.get_closest_marker(ENDPOINT_MARK)
    callspec: Any = getattr(item, "callspec", None)
    if marker is None or callspec is None:
        return None
    return str(callspec.params["site"]["slug"]), str(marker.args[0])


def probe_key(report: Any) -> tuple[str, str] | None:
    """``(site slug, endpoint id)`` of an endpoint test's report; ``None`` for any other report."""
    if ENDPOINT_MARK not in getattr(report, "keywords", {}):
        return None
    properties = dict(report.user_properties)
    site, endpoint = properties.get(SITE), properties.get(ENDPOINT)
    return (str(site), str(endpoint)) if site is not None and endpoint is not None else None


def _find_probe(record: dict[str, Any], endpoint: Endpoint) -> dict[str, Any] | None:
    return next((p for p in record.get("probes", []) if p["id"] == endpoint.id), None)


def check_endpoint(request: pytest.FixtureRequest, site: dict[str, Any], endpoint: Endpoint) -> None:
    """The body of every endpoint test."""
    state = suite_state(request.config)
    try:
        record = state.read_site(site["slug"])
    except (ProberFailed, TimeoutError) as exc:
        pytest.fail(f"no result for this site: {exc} (the lines above the test summary say why)", pytrace=False)
    if record.get("error"):
        pytest.fail(record["error"], pytrace=False)
    probe = _find_probe(record, endpoint)
    if probe is None:
        pytest.fail(f"the prober has no result for {endpoint.path} on {site['name']}", pytrace=False)
    backend = record.get("backend") or {}
    status = probe.get("http_status")
    request.node.user_properties += [
        (VERDICT, str(probe["verdict"])), (HTTP_STATUS, "" if status is None else str(status)),
        (BACKEND, str(backend.get("detected") or UNKNOWN)), (BACKEND_VERSION, str(backend.get("version") or "")),
    ]
    family = family_of(record)
    declaration = state.manifests.declaration(family, endpoint.test_name, version_of(record))
    decision = decide(probe, endpoint, site, declaration, family)
    if decision.xfail_reason:
        # Declared absent: an ok answer must show as XPASS (an easy win). raises=() means no
        # exception counts as the expected failure, so a real failure below still fails; the
        # expected absence itself is the imperative xfail, raised without a traceback (pytrace=False:
        # pytest would otherwise parse this file's source for every xfail, ~1 ms each).
        request.applymarker(pytest.mark.xfail(reason=decision.xfail_reason, raises=(), strict=False))
    if decision.outcome == SKIP:
        pytest.skip(decision.message)
    if decision.outcome == XFAIL:
        raise pytest.xfail.Exception(decision.message, pytrace=False)
    if decision.outcome == FAIL:
        pytest.fail(decision.message, pytrace=False)
    assert decision.outcome == PASS


def one_line_report(item: pytest.Item, call: pytest.CallInfo[None]) -> pytest.TestReport | None:
    """The report of an endpoint test that failed (or was an expected absence) with its one-line
    verdict, built without filtering the call's traceback; ``None`` for any other report.

    pytest formats a failure by cutting its traceback at the test function, which stats the file
    of every frame between the runner and the test (~20 frames, ~0.5 ms a failure: 7 s of CPU
    for the 14 000 failures of a 500-site run, docs/performance.md). A one-line failure
    (``pytrace=False``) shows only its message, which ``getrepr(style="value")`` renders without
    that walk. The report is made as pytest's skipping plugin makes an xfail's: a report of the
    call, whose outcome and text are then set (public API only).
    """
    excinfo = call.excinfo
    if (call.when != "call" or excinfo is None or not isinstance(excinfo.value, pytest.fail.Exception)
            or excinfo.value.pytrace or item.get_closest_marker(ENDPOINT_MARK) is None):
        return None
    report = pytest.TestReport.from_item_and_call(item, pytest.CallInfo.from_call(lambda: None, "call"))
    report.outcome = "failed"
    report.longrepr = excinfo.getrepr(style="value", tbfilter=False)
    report.start, report.stop, report.duration = call.start, call.stop, call.duration
    return report


def _make_test(endpoint: Endpoint, catalogue_path: Path) -> Callable[..., None]:
    def test(site: dict[str, Any], request: pytest.FixtureRequest) -> None:
        check_endpoint(request, site, endpoint)

    test.__name__ = test.__qualname__ = endpoint.test_name
    test.__doc__ = f"GET {endpoint.path}: {endpoint.desc_en}"
    marks = [getattr(pytest.mark, ENDPOINT_MARK)(endpoint.id, catalogue=str(catalogue_path)),
             getattr(pytest.mark, f"auth_{endpoint.auth}")]
    if endpoint.mutating:
        marks.append(pytest.mark.mutating)
    for mark in marks:
        test = mark(test)
    return test


def endpoint_tests(catalogue_path: Path) -> dict[str, Callable[..., None]]:
    """``{test_<id>: function}`` for every endpoint of the catalogue at ``catalogue_path``."""
    catalogue = load_catalogue(catalogue_path)
    return {endpoint.test_name: _make_test(endpoint, catalogue_path) for endpoint in catalogue}
