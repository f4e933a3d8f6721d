"""The scheduled workflow: valid for GitHub, and doing what docs/ci.md promises."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest
import yaml

from ..conftest import REPO_ROOT

WORKFLOW = REPO_ROOT / ".github" / "workflows" / "compat.yml"


def test_the_workflow_passes_githubs_published_schema() -> None:
    command = [shutil.which("check-jsonschema") or "", "--builtin-schema", "vendor.github-workflows", str(WORKFLOW)]
    if not command[0]:
        command = [sys.executable, "-m", "check_jsonschema", *command[1:]]
    completed = subprocess.run(command, capture_output=True, text=True)
    assert completed.returncode == 0, completed.stdout + completed.stderr


@pytest.fixture(scope="module")
def workflow() -> dict:
    document = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    document["on"] = document.pop(True)  # YAML 1.1 reads the key `on` as true
    return document


def test_schedule_off_the_hour_manual_dispatch_one_concurrency_group(workflow: dict) -> None:
    (schedule,) = workflow["on"]["schedule"]
    minute = schedule["cron"].split()[0]
    assert minute.isdigit() and minute != "0"
    assert "workflow_dispatch" in workflow["on"]
    assert workflow["concurrency"]["cancel-in-progress"] is False and workflow["concurrency"]["group"]


def _step(job: dict, name: str) -> dict:
    return next(step for step in job["steps"] if step.get("name", "").startswith(name))


def test_secrets_reach_only_the_probing_step_and_reports_are_always_kept(workflow: dict) -> None:
    for job_name in ("probe", "shard"):
        job = workflow["jobs"][job_name]
        assert "env" not in job
        for step in job["steps"]:
            secret_env = [v for v in (step.get("env") or {}).values() if "secrets." in str(v)]
            assert not secret_env or step["name"].startswith("Probe"), step
        uploads = [s for s in job["steps"] if str(s.get("uses", "")).startswith("actions/upload-artifact")]
        assert uploads and all(s.get("if") == "always()" for s in uploads)
    assert "secrets." not in str(workflow.get("env"))


def test_install_and_run_use_the_readme_commands(workflow: dict) -> None:
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    assert "pip install -e . && pytest -n auto" in readme
    probe = workflow["jobs"]["probe"]
    assert _step(probe, "Install")["run"] == "pip install -e ."
    assert "pytest -n auto" in _step(probe, "Probe")["run"]
    assert "--baseline" in _step(probe, "Probe")["run"]


def test_the_sharded_variant_covers_every_shard_and_merges(workflow: dict) -> None:
    shards = workflow["jobs"]["shard"]["strategy"]["matrix"]["shard"]
    run = _step(workflow["jobs"]["shard"], "Probe")["run"]
    assert f"/{len(shards)}" in run and shards == list(range(1, len(shards) + 1))
    merge = workflow["jobs"]["merge"]
    assert merge["needs"] == "shard" and "always()" in merge["if"]
    assert "python -m relaycompat merge" in _step(merge, "Merge")["run"]
