"""The scheduled workflow carries the history between runs and records every run once."""

from __future__ import annotations

from typing import Any

import yaml

from ..conftest import REPO_ROOT


def _steps(job: dict[str, Any]) -> list[dict[str, Any]]:
    return list(job["steps"])


def test_the_history_is_restored_before_it_is_used_and_saved_even_when_sites_fail() -> None:
    workflow = yaml.safe_load((REPO_ROOT / ".github" / "workflows" / "compat.yml").read_text(encoding="utf-8"))
    for job_name, step_name in (("probe", "Probe the sites"), ("merge", "Merge the shards")):
        steps = _steps(workflow["jobs"][job_name])
        names = [s.get("name", "") for s in steps]
        restore = next(i for i, s in enumerate(steps) if s.get("uses", "").startswith("actions/cache/restore@"))
        use = next(i for i, n in enumerate(names) if n.startswith(step_name))
        save = next(i for i, s in enumerate(steps) if s.get("uses", "").startswith("actions/cache/save@"))
        assert restore < use < save
        assert steps[restore]["with"]["restore-keys"] == "compat-history-"  # the newest entry of the chain
        assert steps[save]["if"] == "always()" and "github.run_attempt" in steps[save]["with"]["key"]  # keys are immutable
        assert "--history" in steps[use]["run"] and "HISTORY_KEEP_DAYS" in steps[use]["run"]
    shard_steps = _steps(workflow["jobs"]["shard"])
    assert not any("--history" in s.get("run", "") for s in shard_steps)  # the merge records the sharded run, once
