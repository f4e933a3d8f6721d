"""Errors the suite raises itself, each saying what to do next.

    ConfigError          a site file, catalogue, manifest or option is wrong; the run stops
                         at start-up with one line per problem, naming file, site and field
"""

from __future__ import annotations


class ConfigError(Exception):
    """A configuration file or option cannot be used; the message says where and how to fix it."""

    def __init__(self, problems: list[str] | str) -> None:
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("\n".join(self.problems))
