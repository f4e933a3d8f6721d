"""The state behind one emulated account: credentials, tokens, logs, groups and priced models.

Everything is generated deterministically from the site's name, so two runs of the same fleet
answer the same bodies (apart from timestamps and request ids). ``rotate_access_token`` is the
side effect of ``GET /api/user/token``: the old token stops working at once, as upstream
(backends.md §2.6). Scoped access tokens (new-api rc.41) are granted with their scopes and expiry
(:meth:`Account.grant`). :meth:`Account.rows` gives the collections body templates iterate over
(``$each``, docs/emulator.md).
"""

from __future__ import annotations

import base64
import hashlib
import random
import string
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

#: (model, owner, channel type, model ratio, completion ratio)
MODELS = [
    ("gpt-4o-mini", "OpenAI", 1, 0.075, 4.0),
    ("gpt-4.1", "OpenAI", 1, 1.0, 4.0),
    ("claude-sonnet-4-5-20250929", "Anthropic", 14, 1.5, 5.0),
    ("claude-opus-4-5-20251101", "Anthropic", 14, 2.5, 5.0),
    ("gemini-2.5-flash", "Google", 24, 0.15, 8.333333333333334),
    ("deepseek-chat", "DeepSeek", 43, 0.135, 4.0),
]
#: group → (ratio, description)
GROUPS = {"default": (1, "默认分组"), "vip": (0.8, "VIP 分组"), "svip": (0.5, "SVIP 分组")}
ICONS = "https://registry.npmmirror.com/@lobehub/icons-static-svg/latest/files/icons/{}.svg"


def _key(rng: random.Random, length: int = 48) -> str:
    return "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(length))


@dataclass(frozen=True)
class ScopedToken:
    """A scoped access token (model/user_access_token.go @ caca52f8): scopes, ``expires_at`` (0: never)."""

    scopes: tuple[str, ...]
    expires_at: int = 0

    def expired(self, now: int) -> bool:
        return 0 < self.expires_at <= now


def mask_key(key: str) -> str:
    """A token key as new-api >= v0.11.4 lists it: 4 chars, 10 stars, 4 chars (backends.md §3.6)."""
    return key[:4] + "*" * 10 + key[-4:] if len(key) > 8 else "*" * len(key)


@dataclass
class Account:
    """One user of an emulated site. ``role`` 1 is a common user (backends.md §3.4)."""

    user_id: int
    username: str
    access_token: str | None
    token_style: str = "base64"
    role: int = 1
    group: str = "default"
    quota: int = 500000 * 25
    used_quota: int = 500000 * 3
    request_count: int = 42
    aff_code: str = "dEmo"
    created_time: int = 1761633696
    last_check_in: datetime | None = None
    tokens: list[dict[str, Any]] = field(default_factory=list)
    logs: list[dict[str, Any]] = field(default_factory=list)
    models: list[tuple[str, str, int, float, float]] = field(default_factory=lambda: list(MODELS))
    groups: dict[str, tuple[float, str]] = field(default_factory=lambda: dict(GROUPS))
    rotations: int = 0
    #: Scoped access tokens (new-api rc.41) by their value.
    scoped_tokens: dict[str, ScopedToken] = field(default_factory=dict)

    @classmethod
    def create(cls, seed: str, *, user_id: int | None, access_token: str | None, api_key: str | None,
               token_style: str = "base64", n_tokens: int = 3, n_logs: int = 25) -> Account:
        rng = random.Random(hashlib.sha256(seed.encode()).digest())
        account = cls(
            user_id=user_id if user_id is not None else rng.randint(100, 9999),
            username="",
            access_token=access_token if access_token is not None else _key(rng, 32),
            token_style=token_style,
        )
        account.username = f"linuxdo_{account.user_id}"
        account.last_check_in = datetime.now(UTC).replace(microsecond=0) - timedelta(days=1)
        keys = [api_key.removeprefix("sk-")] if api_key else []
        keys += [_key(rng) for _ in range(n_tokens - len(keys))]
        now = int(time.time())
        account.tokens = [
            {
                "id": index + 1,
                "name": f"token-{index + 1}",
                "key": key,
                "masked_key": mask_key(key),
                "status": 1,
                "created_time": now - 86400 * (n_tokens - index),
                "accessed_time": now - 3600 * index,
                "expired_time": -1,
                "remain_quota": 500000 * (index + 1),
                "unlimited_quota": index == 0,
                "used_quota": 1000 * index,
            }
            for index, key in enumerate(keys)
        ]
        account.logs = [  # newest first, as the backends list them (ORDER BY id DESC)
            {
                "id": n_logs - index,
                "created_at": now - 600 * index,
                "type": 2,
                "content": f"模型倍率 {MODELS[index % len(MODELS)][3]}，分组倍率 1",
                "token_name": account.tokens[index % len(account.tokens)]["name"],
                "token_id": account.tokens[index % len(account.tokens)]["id"],
                "model_name": MODELS[index % len(MODELS)][0],
                "quota": 120 + index * 7,
                "prompt_tokens": 100 + index,
                "completion_tokens": 20 + index,
                "use_time": 1 + index % 5,
                "is_stream": index % 2 == 0,
                "channel": 1 + index % 3,
                "request_id": f"{now - 600 * index}{index:08d}",
            }
            for index in range(n_logs)
        ]
        return account

    # ---- credentials -----------------------------------------------------------------------
    def key_is_valid(self, key: str) -> bool:
        key = key.strip()
        if key[:7].lower() == "bearer ":
            key = key[7:].strip()
        key = key.removeprefix("sk-")
        return any(t["key"] == key and t["status"] == 1 for t in self.tokens)

    def grant(self, token: str, scopes: tuple[str, ...], expires_at: int = 0) -> None:
        """A scoped access token the user created (from a browser session, which is not emulated)."""
        self.scoped_tokens[token] = ScopedToken(tuple(scopes), expires_at)

    def rotate_access_token(self) -> str:
        """Generate a new access token; the previous one stops working immediately."""
        self.rotations += 1
        rng = random.Random(f"{self.user_id}-{self.rotations}-{time.time_ns()}")
        if self.token_style == "uuid":  # one-api / one-hub / done-hub: a UUIDv4 without dashes
            token = uuid.UUID(int=rng.getrandbits(128), version=4).hex
        else:  # new-api / Veloera GenerateRandomKey(29 + rand 0..3): base64 of length*3/4 bytes
            token = base64.b64encode(rng.randbytes((29 + rng.randint(0, 3)) * 3 // 4)).decode()
        self.access_token = token
        return token

    # ---- check-in (Veloera) ----------------------------------------------------------------
    @property
    def can_check_in(self) -> bool:
        """Veloera's rule: no check-in yet on the current UTC calendar day (backends.md §4)."""
        today = datetime.now(UTC).date()
        return self.last_check_in is None or self.last_check_in.astimezone(UTC).date() < today

    @property
    def last_check_in_time(self) -> str | None:
        return self.last_check_in.isoformat().replace("+00:00", "Z") if self.last_check_in else None

    # ---- collections -----------------------------------------------------------------------
    def rows(self, name: str) -> list[dict[str, Any]]:
        """The rows of collection ``name``, each a mapping ``{<row name>: {...}}``.

        Tokens and logs come newest first, as the backends list them (``ORDER BY id DESC``).
        """
        makers: dict[str, Callable[[], list[dict[str, Any]]]] = {
            "tokens": lambda: [{"token": t} for t in sorted(self.tokens, key=lambda t: -t["id"])],
            "logs": lambda: [{"log": log} for log in self.logs],
            "models": lambda: [{"model": m} for m in self._models()],
            "groups": lambda: [{"group": g} for g in self._groups()],
            "channels": lambda: [{"channel": c} for c in self._channels()],
            "vendors": lambda: [{"vendor": v} for v in self._vendors()],
            "usage": lambda: [{"usage": u} for u in self._usage()],
        }
        if name not in makers:
            raise KeyError(f"unknown collection {name!r} (known: {', '.join(sorted(makers))})")
        return makers[name]()

    def _vendor_ids(self) -> dict[str, int]:
        return {owner: index + 1 for index, owner in enumerate(dict.fromkeys(m[1] for m in self.models))}

    def _models(self) -> list[dict[str, Any]]:
        vendors = self._vendor_ids()
        return [
            {"name": n, "owner": o, "channel": c, "ratio": r, "completion_ratio": cr, "vendor_id": vendors[o],
             "input": round(r * 2, 6), "output": round(r * 2 * cr, 6), "groups": list(self.groups)}
            for n, o, c, r, cr in self.models
        ]

    def _groups(self) -> list[dict[str, Any]]:
        return [
            {"id": index + 1, "name": name, "ratio": ratio, "desc": desc, "api_rate": 600, "public": True}
            for index, (name, (ratio, desc)) in enumerate(self.groups.items())
        ]

    def _channels(self) -> list[dict[str, Any]]:
        seen: dict[int, dict[str, Any]] = {}
        for name, owner, channel, _, _ in self.models:
            entry = seen.setdefault(channel, {"id": channel, "owner": owner, "models": [],
                                              "icon": ICONS.format(owner.lower())})
            entry["models"].append(name)
        return list(seen.values())

    def _vendors(self) -> list[dict[str, Any]]:
        return [{"id": vid, "name": owner, "icon": f"{owner}.Color"} for owner, vid in self._vendor_ids().items()]

    def _usage(self) -> list[dict[str, Any]]:
        """Consume logs summed by UTC day and model (the dashboards' rows)."""
        rows: dict[tuple[str, str], dict[str, Any]] = {}
        for log in self.logs:
            day = datetime.fromtimestamp(log["created_at"], UTC).strftime("%Y-%m-%d")
            row = rows.setdefault((day, log["model_name"]), {
                "day": day, "model": log["model_name"], "requests": 0, "quota": 0,
                "prompt_tokens": 0, "completion_tokens": 0, "request_time": 0})
            row["requests"] += 1
            row["quota"] += log["quota"]
            row["prompt_tokens"] += log["prompt_tokens"]
            row["completion_tokens"] += log["completion_tokens"]
            row["request_time"] += log["use_time"] * 1000
        return list(rows.values())
