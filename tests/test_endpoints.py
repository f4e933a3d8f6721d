"""One test per endpoint of the catalogue beside this file, each parametrized over every site.

The tests are generated from ``endpoints.yaml``: add an endpoint there (and its schemas and
expectations, docs/adding-an-endpoint.md) and it becomes ``test_<id>`` here.
"""

from pathlib import Path

from relaycompat import endpoint_tests

CATALOGUE = Path(__file__).with_name("endpoints.yaml")

globals().update(endpoint_tests(CATALOGUE))
