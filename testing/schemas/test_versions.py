"""Version strings and ranges, and how a known version narrows a family's schemas."""

from __future__ import annotations

import pytest

from relaycompat import _versions
from relaycompat._schemas import SchemaSet


@pytest.mark.parametrize(("text", "release", "pre"), [
    ("v0.9.25", (0, 9, 25, 0), None),
    ("v0.9.22-patch.1", (0, 9, 22, 0), None),
    ("v0.8.8.0-alpha.5", (0, 8, 8, 0), (0, 5)),
    ("v1.0.0-rc.22", (1, 0, 0, 0), (2, 22)),
    ("v999.0.1-1-g70beb292", (999, 0, 1, 0), None),
    ("1.4.16", (1, 4, 16, 0), None),
])
def test_parse(text: str, release: tuple[int, ...], pre: tuple[int, int] | None) -> None:
    version = _versions.parse(text)
    assert version is not None and version.release == release and version.pre == pre


@pytest.mark.parametrize("text", ["b8b896b-b8b896b", "dev-1a2b3c4", "v0.0.0", "", None, "latest"])
def test_no_version(text: str | None) -> None:
    assert _versions.parse(text) is None


@pytest.mark.parametrize(("text", "spec", "inside"), [
    ("v0.8.7.1", "<0.8.8.0-alpha.1", True),
    ("v0.8.8.0-alpha.1", ">=0.8.8.0-alpha.1", True),
    ("v0.8.8.0-alpha.5", "<0.8.8", True),
    ("v0.8.8", ">=0.8.8.0-alpha.1", True),
    ("v1.0.0-rc.21", "<1.0.0-rc.22", True),
    ("v1.0.0-rc.22", ">=1.0.0-rc.22", True),
    ("v1.0.0", ">=1.0.0-rc.22", True),
    ("v0.9.25", ">=0.9.0-alpha.17 <1.0.0-rc.22", True),
    ("v0.9.0-alpha.16", ">=0.9.0-alpha.17", False),
])
def test_ranges(text: str, spec: str, inside: bool) -> None:
    version = _versions.parse(text)
    assert version is not None and _versions.satisfies(version, spec) is inside


def test_a_bad_range_is_refused() -> None:
    with pytest.raises(ValueError):
        _versions.check_range("about 0.9")


def test_an_unknown_version_leaves_every_shape_open(schema_set: SchemaSet) -> None:
    bare = {"success": True, "message": "", "data": []}
    for version in (None, "b8b896b-b8b896b", "v0.0.0"):
        result = schema_set.validate("new-api", "api_token", bare, version=version)
        assert result.errors == [] and result.version is None


def test_a_known_version_keeps_only_its_shape(schema_set: SchemaSet) -> None:
    bare = {"success": True, "message": "", "data": []}
    assert schema_set.validate("new-api", "api_token", bare, version="v0.8.7").shapes == ["bare array (new-api < v0.8.8)"]
    assert schema_set.validate("new-api", "api_token", bare, version="v0.8.8.0-alpha.1").errors


def test_another_familys_schemas_are_not_narrowed(schema_set: SchemaSet) -> None:
    # rix-api refers to new-api's token list; a rix version is not a new-api version
    page = {"success": True, "message": "", "data": {"items": [], "total": 0, "page": 1, "page_size": 10}}
    bare = {"success": True, "message": "", "data": []}
    for body in (page, bare):
        result = schema_set.validate("rix-api", "api_token", body, version="v0.6.0")
        assert result.errors == [] and result.version is None
