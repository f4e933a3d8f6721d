"""The embedded fleet: local emulated relay sites of every backend and every failure mode.

See docs/emulator.md. ``python -m relaycompat.emulator --list`` shows the profiles.
"""

from ._fleet import Fleet, SiteSpec
from ._profiles import backend_profile_names, describe_profiles, load_profile, profile_names

__all__ = ["Fleet", "SiteSpec", "backend_profile_names", "describe_profiles", "load_profile", "profile_names"]
