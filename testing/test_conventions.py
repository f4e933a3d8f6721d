"""House rules that keep the code base readable, checked so they stay true."""

from __future__ import annotations

import ast
import re
import shutil
import subprocess

import pytest

import relaycompat
from relaycompat.emulator import describe_profiles

from .conftest import REPO_ROOT

PACKAGE = REPO_ROOT / "relaycompat"
MODULES = sorted(PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(REPO_ROOT)))
def test_every_module_says_what_it_is_for(path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    if path.name == "__init__.py" and not tree.body:
        return
    docstring = ast.get_docstring(tree)
    assert docstring and len(docstring.split()) >= 5, f"{path}: give the module a short docstring saying what it holds"


def test_the_public_surface_is_declared_once_and_sorted() -> None:
    names = relaycompat.__all__
    assert names == sorted(names)
    assert all(getattr(relaycompat, name) is not None for name in names)


def test_every_emulator_profile_loads_and_describes_itself() -> None:
    profiles = describe_profiles()
    assert len(profiles) >= 30 and all(description.strip() for _, description in profiles)


def test_ruff_finds_nothing() -> None:
    ruff = shutil.which("ruff")
    if ruff is None:
        pytest.skip("ruff (the dev extra) is not installed")
    completed = subprocess.run([ruff, "check", "relaycompat", "benchmarks", "tests", "testing", "conftest.py"], cwd=REPO_ROOT,
                               capture_output=True, text=True)
    assert completed.returncode == 0, completed.stdout + completed.stderr


def test_ci_runs_exactly_the_readme_test_command() -> None:
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    command = "pip install -e '.[dev]' && python -m pytest testing -n auto"
    assert command in readme
    assert (REPO_ROOT / ".ci" / "run").read_text(encoding="utf-8").strip().splitlines()[-1] == command


def test_the_backend_families_agree_everywhere() -> None:
    import json

    from relaycompat._config import BACKENDS

    schema = json.loads((PACKAGE / "data" / "sites.schema.json").read_text(encoding="utf-8"))
    assert tuple(schema["$defs"]["site"]["properties"]["backend"]["enum"]) == BACKENDS
    assert sorted(p.stem for p in (REPO_ROOT / "manifests").glob("*.yaml")) == sorted(BACKENDS)
    assert sorted(p.name for p in (REPO_ROOT / "schemas").iterdir() if p.is_dir() and p.name != "common") == sorted(BACKENDS)


def test_recorded_access_tokens_are_marked_fake(recordings) -> None:
    """Tokens the recorded sites handed out stay visibly fake (testing/data/README.md): a real one
    must never be committed, and a value that looks real reads as a leaked credential."""
    handed_out = []
    for site in recordings["sites"]:
        for probe in site["probes"]:
            body = probe.get("body") or ""
            handed_out += re.findall(r'"access_token": "([^"]+)"', body)
            if probe["endpoint"] == "/api/user/token":
                handed_out += re.findall(r'"data": "([^"]+)"', body)
    assert len(handed_out) == 23
    assert [t for t in handed_out if not t.startswith("FAKEaccessToken")] == []
    sample = (REPO_ROOT / "testing" / "data" / "sample-report.md").read_text(encoding="utf-8")
    assert sorted(re.findall(r"FAKEaccessToken\d\d0*", sample)) == sorted(handed_out)
