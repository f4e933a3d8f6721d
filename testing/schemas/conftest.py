"""Fixtures for the schema tests: the project's schemas, loaded once, and the catalogue."""

from __future__ import annotations

import pytest

from relaycompat._catalogue import Catalogue
from relaycompat._schemas import SchemaSet
from testing.recorded import REPO, catalogue

SCHEMAS_DIR = REPO / "schemas"


@pytest.fixture(scope="session")
def schema_set() -> SchemaSet:
    return SchemaSet.load(SCHEMAS_DIR)


@pytest.fixture(scope="session")
def endpoint_catalogue() -> Catalogue:
    return catalogue()
