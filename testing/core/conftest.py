"""Fixtures for the core tests: hand-written loopback servers and a one-call prober."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from relaycompat._catalogue import Catalogue
from relaycompat._config import Settings
from relaycompat._prober import SitePlan, probe_site
from relaycompat._redact import Redactor
from relaycompat._schemas import BASE_URI, SchemaSet
from relaycompat._sites import Site
from relaycompat.emulator._fleet import background_loop
from relaycompat.emulator._server import Request, Response, SiteServer

from ..conftest import REPO_ROOT

Handler = Callable[[Request], Awaitable[Response]]


@contextmanager
def serve_handlers(handlers: dict[str, Handler], *, tls_alert: frozenset[str] = frozenset()) -> Iterator[dict[str, SiteServer]]:
    """Serve each handler on its own loopback port from a background event loop."""
    servers = {name: SiteServer(handler, tls_alert=name in tls_alert) for name, handler in handlers.items()}
    with background_loop() as loop:
        for server in servers.values():
            asyncio.run_coroutine_threadsafe(server.start(), loop).result(10)
        try:
            yield servers
        finally:
            for server in servers.values():
                asyncio.run_coroutine_threadsafe(server.stop(), loop).result(10)


def json_response(status: int, payload: Any, headers: list[tuple[str, str]] | None = None) -> Response:
    body = json.dumps(payload, ensure_ascii=False).encode()
    return Response(status, [("Content-Type", "application/json; charset=utf-8"), *(headers or [])], body)


def free_port() -> int:
    """A loopback port nobody listens on (for connection-refused cases)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def status_schema(tmp_path_factory: pytest.TempPathFactory) -> SchemaSet:
    """A one-schema set: /api/status must carry a string data.version (independent of schemas/)."""
    folder = tmp_path_factory.mktemp("schemas") / "common"
    folder.mkdir()
    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": BASE_URI + "common/api_status.json",
        "type": "object",
        "required": ["success", "data"],
        "properties": {"data": {"type": "object", "required": ["version"], "properties": {"version": {"type": "string"}}}},
    }
    (folder / "api_status.json").write_text(json.dumps(schema))
    return SchemaSet.load(folder.parent)


def make_settings(**overrides: Any) -> Settings:
    base = dict(catalogue=str(REPO_ROOT / "tests/endpoints.yaml"), schemas_dir="",
                manifests_dir=str(REPO_ROOT / "manifests"), report_dir="/nonexistent", retries=0)
    return Settings(**{**base, **overrides})


@pytest.fixture
def probe(catalogue: Catalogue, status_schema: SchemaSet):
    """``probe(url, endpoint_ids, **site_fields)`` → the stored record of one prober run."""

    def run(url: str, endpoint_ids: list[str], *, settings: Settings | None = None, schemas: SchemaSet | None = None,
            **site_fields: Any) -> dict[str, Any]:
        site = Site(name=site_fields.pop("name", "test site"), slug="test", source="test", url=url, **site_fields)
        plan = SitePlan(site, tuple(catalogue.by_id(i) for i in endpoint_ids))
        redactor = Redactor(site.secrets)
        return asyncio.run(probe_site(plan, settings or make_settings(), catalogue, schemas or status_schema, redactor))

    return run


@pytest.fixture
def tmp_yaml(tmp_path: Path) -> Callable[[str], Path]:
    def write(text: str) -> Path:
        path = tmp_path / "sites.yaml"
        path.write_text(text, encoding="utf-8")
        return path

    return write
