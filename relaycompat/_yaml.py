"""YAML data files loaded with libyaml's C parser when PyYAML has it (ten times faster on the
emulator's profiles and route lists), else with the pure-Python one; both are the safe loader."""

from __future__ import annotations

from typing import Any

import yaml

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(text: str) -> Any:
    """``yaml.safe_load(text)``, faster where it can be."""
    return yaml.load(text, Loader=_LOADER)  # noqa: S506 - a safe loader, C or Python
