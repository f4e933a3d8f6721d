"""What each backend is supposed to offer, as data, and the pytest outcome that follows.

``manifests/<backend>.yaml`` (DataDog system-tests style) lists, per test name, the endpoints a
backend family does not provide and how it answers them instead:

    tests:
      test_api_pricing:
        declaration: missing_feature          # or: irrelevant, bug
        expect: [not_found]                   # verdicts that confirm the absence
        reason: one-api has no /api/pricing route (backends.md §1 #3)
      test_api_user_token:                    # a list: versioned entries, first match wins
        - {declaration: missing_feature, versions: ">=1.0.0-rc.41", expect: [forbidden], reason: …}

An entry with ``versions`` (a range of :mod:`._versions`) applies only when the site's version
of that family is known and in range (docs/expectations.md). Unlisted tests are expected to be
``ok``. :func:`decide` turns (verdict, declaration, site) into one outcome: pass, fail, skip, or
an expected absence (xfail, so a site that gains the endpoint shows as XPASS, an "easy win").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from . import _verdicts as v
from . import _versions
from ._catalogue import Catalogue, Endpoint
from ._errors import ConfigError

DECLARATIONS = ("missing_feature", "bug", "irrelevant")
DEFAULT_FAMILY = "new-api"
#: What detection says when no family showed (relaycompat._fingerprint.UNKNOWN).
UNKNOWN = "unknown"

PASS, FAIL, SKIP, XFAIL = "pass", "fail", "skip", "xfail"


@dataclass(frozen=True)
class Declaration:
    """Why a backend is not expected to answer an endpoint with ``ok``.

    ``versions`` limits it to a range of ``origin``'s versions, the family whose manifest says it
    (a child family inherits the entry but not its numbering, so there it never applies).
    """

    kind: str
    expect: tuple[str, ...]
    reason: str
    versions: str | None = None
    origin: str = ""

    def applies(self, family: str, version: _versions.Version | None) -> bool:
        if self.versions is None:
            return True
        return version is not None and family == self.origin and _versions.satisfies(version, self.versions)

    @property
    def who(self) -> str:
        """The family, with the versions when the entry has some (``new-api >=1.0.0-rc.41``)."""
        return f"{self.origin} {self.versions}" if self.versions else self.origin


@dataclass(frozen=True)
class Decision:
    """The outcome of one test and its one-line message; ``xfail_reason`` when declared absent."""

    outcome: str
    message: str
    xfail_reason: str | None = None


Entries = tuple[Declaration, ...]


class Manifests:
    """Declarations of every backend family, keyed by family then test name (first match wins)."""

    def __init__(self, by_family: dict[str, dict[str, Entries]]) -> None:
        self._by_family = by_family

    @property
    def families(self) -> list[str]:
        return sorted(self._by_family)

    def declaration(self, family: str | None, test_name: str,
                    version: _versions.Version | None = None) -> Declaration | None:
        """What ``family`` at ``version`` (``None``: unknown) declares for ``test_name``, if anything.

        Without a version only the entries without ``versions`` apply.
        """
        family = family or DEFAULT_FAMILY
        entries = self._by_family.get(family, {}).get(test_name, ())
        return next((d for d in entries if d.applies(family, version)), None)

    @classmethod
    def load(cls, directory: Path, catalogue: Catalogue) -> Manifests:
        """Load ``<directory>/*.yaml``; raise :class:`ConfigError` listing every problem.

        A manifest may say ``extends: <backend>``: it then starts from that backend's
        declarations, and ``declaration: provided`` cancels an inherited one.
        """
        problems: list[str] = []
        documents: dict[str, tuple[Path, dict[str, Any]]] = {}
        for path in sorted(Path(directory).glob("*.yaml")):
            try:
                document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            except (OSError, yaml.YAMLError) as exc:
                problems.append(f"{path}: cannot read: {exc}")
                continue
            if document.get("backend") != path.stem:
                problems.append(f"{path}: 'backend' must be {path.stem!r}, the file's name")
                continue
            documents[path.stem] = (path, document)
        by_family: dict[str, dict[str, Entries]] = {}

        def resolve(family: str, chain: tuple[str, ...] = ()) -> dict[str, Entries]:
            if family in by_family:
                return by_family[family]
            path, document = documents[family]
            parent = document.get("extends")
            declarations: dict[str, Entries] = {}
            if parent:
                if parent not in documents or parent in chain:
                    problems.append(f"{path}: extends {parent!r}, which is not a manifest (or extends it back)")
                else:
                    declarations = dict(resolve(parent, chain + (family,)))
            for test_name, entry in (document.get("tests") or {}).items():
                parsed = _entries(path, family, test_name, entry, catalogue, problems)
                if parsed == "provided":
                    declarations.pop(test_name, None)
                elif parsed is not None:
                    declarations[test_name] = parsed
            _check_order(path, document.get("tests") or {}, catalogue, problems)
            by_family[family] = declarations
            return declarations

        for family in documents:
            resolve(family)
        if problems:
            raise ConfigError(problems)
        return cls(by_family)


def _check_order(path: Path, tests: dict[str, Any], catalogue: Catalogue, problems: list[str]) -> None:
    order = [e.test_name for e in catalogue]
    listed = [t for t in tests if t in order]
    if listed != sorted(listed, key=order.index):
        problems.append(f"{path}: list the tests in catalogue order (tests/endpoints.yaml)")


def _entries(path: Path, family: str, test_name: str, entry: Any, catalogue: Catalogue,
             problems: list[str]) -> Entries | str | None:
    """One test's entry: a declaration, or a list of them (versioned first, first match wins)."""
    where = f"{path}: {test_name}"
    if test_name not in {e.test_name for e in catalogue}:
        problems.append(f"{where}: no such test (the catalogue makes test_<id> for each endpoint)")
        return None
    if isinstance(entry, dict) and entry.get("declaration") == "provided":
        if set(entry) != {"declaration"}:
            problems.append(f"{where}: 'provided' stands alone (it cancels what the family inherits, for every version)")
            return None
        return "provided"
    listed = entry if isinstance(entry, list) else [entry]
    if not listed:
        problems.append(f"{where}: an empty list; give at least one declaration")
        return None
    parsed = [_declaration(f"{where}" + (f" #{n}" if isinstance(entry, list) else ""), family, item, problems)
              for n, item in enumerate(listed, 1)]
    if any(d is None for d in parsed):
        return None
    declarations = tuple(d for d in parsed if d is not None)
    if any(d.versions is None for d in declarations[:-1]):
        problems.append(f"{where}: only the last entry may omit 'versions' (one without matches every version, "
                        "so the entries after it could never apply)")
        return None
    return declarations


def _declaration(where: str, family: str, entry: Any, problems: list[str]) -> Declaration | None:
    kind = entry.get("declaration") if isinstance(entry, dict) else None
    if kind == "provided":
        problems.append(f"{where}: 'provided' stands alone, never in a list")
        return None
    if kind not in DECLARATIONS:
        problems.append(f"{where}: 'declaration' must be one of {', '.join(DECLARATIONS + ('provided',))}")
        return None
    expect = tuple(entry.get("expect") or ())
    unknown = [e for e in expect if e not in v.VERDICTS]
    if unknown:
        problems.append(f"{where}: unknown verdict(s) in expect: {', '.join(unknown)}")
        return None
    if kind == "missing_feature" and not expect:
        problems.append(f"{where}: a missing_feature needs 'expect', the verdicts that confirm it")
        return None
    if not entry.get("reason"):
        problems.append(f"{where}: give a 'reason' (with its source)")
        return None
    versions = entry.get("versions")
    if versions is not None:
        try:
            _versions.check_range(str(versions))
        except ValueError:
            problems.append(f"{where}: 'versions' is not a version range: {versions!r} "
                            "(write e.g. '>=1.0.0-rc.41', '<0.10.5' or '>=0.9 <0.10.5')")
            return None
    unknown_keys = sorted(set(entry) - {"declaration", "expect", "reason", "versions"})
    if unknown_keys:
        problems.append(f"{where}: unknown key(s) {', '.join(unknown_keys)} (allowed: declaration, expect, reason, versions)")
        return None
    return Declaration(kind, expect, str(entry["reason"]), str(versions) if versions is not None else None, family)


def effective_family(declared: str | None, detected: str | None) -> str:
    """The family whose schemas and expectations apply: declared, else detected, else new-api."""
    return declared or (detected if detected and detected != UNKNOWN else DEFAULT_FAMILY)


def family_of(record: Mapping[str, Any]) -> str:
    """:func:`effective_family` of a stored site record."""
    backend = record.get("backend") or {}
    return effective_family(backend.get("declared"), backend.get("detected"))


def version_of(record: Mapping[str, Any]) -> _versions.Version | None:
    """The site's version of :func:`family_of` its record, ``None`` when unknown: the version
    /api/status names, or the least version the probes prove (``at_least``) when that is higher.

    Only a detection of that same family says anything: another family's numbering is not this one's.
    """
    backend = record.get("backend") or {}
    if backend.get("detected") != family_of(record):
        return None
    known = [v for v in (_versions.parse(backend.get("version")), _versions.parse(backend.get("at_least"))) if v]
    return max(known) if known else None


#: pytest outcomes (results.json ``probes[].outcome``) that count as a failure.
FAILING_OUTCOMES = frozenset({"failed", "error"})


def probe_fails(probe: Mapping[str, Any]) -> bool:
    """Whether a probe of results.json failed: its test failed, or without an outcome (re-rendered
    recordings) its verdict is neither ok nor skipped."""
    outcome = probe.get("outcome")
    if outcome is not None:
        return outcome in FAILING_OUTCOMES
    return probe.get("verdict") not in (v.OK, v.SKIPPED)


def missing_credentials(endpoint: Endpoint, site: dict[str, Any]) -> str | None:
    if endpoint.auth == "user" and not site.get("has_access_token"):
        return "access_token"
    if endpoint.auth == "relay" and not site.get("has_api_key"):
        return "api_key"
    return None


def decide(probe: dict[str, Any], endpoint: Endpoint, site: dict[str, Any], declaration: Declaration | None, family: str) -> Decision:
    """The outcome of the test of ``endpoint`` on ``site`` given its probe record."""
    verdict, reason = probe["verdict"], probe["reason"]
    evidence = f"{verdict}: {reason}"
    if verdict == v.SKIPPED:
        return Decision(SKIP, reason)
    if declaration is not None and declaration.kind == "irrelevant":
        return Decision(SKIP, f"irrelevant on {family}: {declaration.reason}")
    missing = missing_credentials(endpoint, site)
    if declaration is not None:
        absent = f"{declaration.who or family} does not provide it: {declaration.reason}"
        if verdict in declaration.expect:
            return Decision(XFAIL, f"{evidence} (as expected: {absent})", xfail_reason=absent)
        if verdict == v.OK:
            return Decision(PASS, f"ok although {absent}", xfail_reason=absent)
        if missing and verdict == v.AUTH_MISSING:
            return Decision(SKIP, f"needs {missing}, which the site config does not give ({evidence})")
        return Decision(FAIL, f"{evidence} (expected {' or '.join(declaration.expect)}: {absent})", xfail_reason=absent)
    if verdict == v.OK:
        return Decision(PASS, reason)
    if missing and verdict in (v.AUTH_MISSING, v.AUTH_REJECTED):
        return Decision(SKIP, f"needs {missing}, which the site config does not give ({evidence})")
    return Decision(FAIL, evidence)
