"""The schema files themselves: valid Draft 2020-12, the $id convention, one registry, inventory."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from relaycompat._config import BACKENDS
from relaycompat._errors import ConfigError
from relaycompat._expectations import Manifests
from relaycompat._schemas import BASE_URI, VERSIONS_KEY, SchemaSet
from testing.recorded import REPO

from .conftest import SCHEMAS_DIR

FILES = sorted(SCHEMAS_DIR.rglob("*.json"))
#: Schemas in a family folder that describe a part, not an endpoint.
COMPONENTS = {"new-api/auth_error"}


def _walk(node, visit):  # type: ignore[no-untyped-def]
    if isinstance(node, dict):
        visit(node)
        for value in node.values():
            _walk(value, visit)
    elif isinstance(node, list):
        for value in node:
            _walk(value, visit)


def test_there_are_schemas() -> None:
    assert len(FILES) > 50


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.relative_to(SCHEMAS_DIR).as_posix())
def test_schema_passes_the_metaschema(path: Path) -> None:
    schema = json.loads(path.read_text(encoding="utf-8"))
    assert schema.get("$schema") == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema)


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.relative_to(SCHEMAS_DIR).as_posix())
def test_schema_id_is_base_uri_plus_path(path: Path) -> None:
    schema = json.loads(path.read_text(encoding="utf-8"))
    assert schema["$id"] == BASE_URI + path.relative_to(SCHEMAS_DIR).as_posix()
    assert schema.get("title"), "every schema says what it is"


def test_one_registry_holds_every_schema(schema_set: SchemaSet) -> None:
    uris = sorted(schema_set.registry.keys())
    assert len(uris) == len(FILES) == len(schema_set)
    assert uris == sorted(BASE_URI + p.relative_to(SCHEMAS_DIR).as_posix() for p in FILES)


def test_every_ref_resolves_in_the_registry(schema_set: SchemaSet) -> None:
    for uri in schema_set.registry.keys():
        resolver = schema_set.registry.resolver(base_uri=uri)
        nodes: list[dict] = []
        _walk(schema_set.registry.contents(uri), nodes.append)
        for ref in (n["$ref"] for n in nodes if "$ref" in n):
            assert resolver.lookup(ref).contents is not None, (uri, ref)


def test_family_folders_hold_endpoint_schemas(schema_set: SchemaSet, endpoint_catalogue) -> None:  # type: ignore[no-untyped-def]
    ids = {e.id for e in endpoint_catalogue}
    for key in schema_set.keys:
        family, name = key.split("/", 1)
        if family == "common":
            continue
        assert family in BACKENDS, key
        assert name in ids or key in COMPONENTS, f"{key}: not an endpoint id of tests/endpoints.yaml"


@pytest.mark.parametrize("family", BACKENDS)
def test_a_family_has_a_schema_for_every_endpoint_it_provides(family: str, schema_set: SchemaSet, endpoint_catalogue) -> None:  # type: ignore[no-untyped-def]
    manifests = Manifests.load(REPO / "manifests", endpoint_catalogue)
    for endpoint in endpoint_catalogue:
        declaration = manifests.declaration(family, endpoint.test_name)
        has = f"{family}/{endpoint.id}" in schema_set.keys
        if declaration is None:
            assert has, f"{family} provides {endpoint.path} (manifests/{family}.yaml) but has no schema"
        elif declaration.kind == "missing_feature":
            assert not has, f"{family} lacks {endpoint.path} (manifests/{family}.yaml) but has a schema for it"


def test_common_holds_parts_not_endpoints(schema_set: SchemaSet, endpoint_catalogue) -> None:  # type: ignore[no-untyped-def]
    # a common/<endpoint id>.json would be every family's fallback and hide a missing schema
    ids = {e.id for e in endpoint_catalogue}
    assert not [k for k in schema_set.keys if k.startswith("common/") and k.split("/", 1)[1] in ids]


def test_voapi_is_pure_references_to_new_api(schema_set: SchemaSet) -> None:
    for key in schema_set.keys:
        if key.startswith("voapi/"):
            schema = schema_set.registry.contents(BASE_URI + key + ".json")
            assert set(schema) == {"$schema", "$id", "title", "$ref"}, key
            assert schema["$ref"] == f"../new-api/{key.split('/', 1)[1]}.json"


def test_versioned_branches_are_titled_with_their_versions(schema_set: SchemaSet) -> None:
    branches: list[dict] = []
    for uri in schema_set.registry.keys():
        _walk(schema_set.registry.contents(uri), lambda n: branches.append(n) if VERSIONS_KEY in n else None)
    assert len(branches) >= 6
    for branch in branches:
        assert "v" in branch.get("title", ""), f"{branch}: a versioned branch names its versions in its title"


def test_format_checks_have_what_they_need() -> None:
    checker = Draft202012Validator.FORMAT_CHECKER
    for fmt in ("uri", "date-time"):
        assert fmt in checker.checkers
    assert not checker.conforms("not a uri", "uri")
    assert not checker.conforms("yesterday", "date-time")
    assert checker.conforms("2025-12-15T03:38:26.871Z", "date-time")


def _write(folder: Path, relative: str, schema: dict) -> None:
    path = folder / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(schema), encoding="utf-8")


def test_a_broken_schema_folder_stops_the_run_naming_every_problem(tmp_path: Path) -> None:
    head = {"$schema": "https://json-schema.org/draft/2020-12/schema"}
    _write(tmp_path, "common/ok.json", {**head, "$id": BASE_URI + "common/ok.json"})
    _write(tmp_path, "new-api/wrong_id.json", {**head, "$id": BASE_URI + "new-api/other.json"})
    _write(tmp_path, "new-api/bad_ref.json", {**head, "$id": BASE_URI + "new-api/bad_ref.json", "$ref": "../common/missing.json"})
    _write(tmp_path, "new-api/bad_range.json", {**head, "$id": BASE_URI + "new-api/bad_range.json",
                                                "oneOf": [{"title": "v?", VERSIONS_KEY: "about 0.9"}]})
    _write(tmp_path, "new-api/not_a_schema.json", {**head, "$id": BASE_URI + "new-api/not_a_schema.json", "type": 12})
    (tmp_path / "new-api" / "not_json.json").write_text("{", encoding="utf-8")
    with pytest.raises(ConfigError) as raised:
        SchemaSet.load(tmp_path)
    text = str(raised.value)
    for needle in ("wrong_id.json: $id must be", "resolves to nothing", "not a version range clause",
                   "not a valid Draft 2020-12 schema", "not readable JSON"):
        assert needle in text
