"""The state behind one emulated account: credentials, tokens, logs, groups and priced models.

Everything is generated deterministically from the site's name, so two runs of the same fleet
answer the same bodies (apart from timestamps and request ids). ``rotate_access_token`` is the
side effect of ``GET /api/user/token``: the old token stops working at once, as upstream
(backends.md §2.6).
"""

from __future__ import annotations

import base64
import hashlib
import random
import string
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

MODELS = [
    ("gpt-4o-mini", "OpenAI", 1, 0.075, 4.0),
    ("gpt-4.1", "OpenAI", 1, 1.0, 4.0),
    ("claude-sonnet-4-5-20250929", "Anthropic", 14, 1.5, 5.0),
    ("claude-opus-4-5-20251101", "Anthropic", 14, 2.5, 5.0),
    ("gemini-2.5-flash", "Google", 24, 0.15, 8.333333333333334),
    ("deepseek-chat", "DeepSeek", 43, 0.135, 4.0),
]
GROUPS = {"default": (1, "默认分组"), "vip": (0.8, "VIP 分组"), "svip": (0.5, "SVIP 分组")}


def _key(rng: random.Random, length: int = 48) -> str:
    return "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(length))


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
    tokens: list[dict[str, Any]] = field(default_factory=list)
    logs: list[dict[str, Any]] = field(default_factory=list)
    models: list[tuple[str, str, int, float, float]] = field(default_factory=lambda: list(MODELS))
    groups: dict[str, tuple[float, str]] = field(default_factory=lambda: dict(GROUPS))
    checked_in_today: bool = False
    rotations: int = 0

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
        keys = [api_key.removeprefix("sk-")] if api_key else []
        keys += [_key(rng) for _ in range(n_tokens - len(keys))]
        now = int(time.time())
        account.tokens = [
            {
                "id": index + 1,
                "name": f"token-{index + 1}",
                "key": key,
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
        account.logs = [
            {
                "id": index + 1,
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
            }
            for index in range(n_logs)
        ]
        return account

    def key_is_valid(self, key: str) -> bool:
        key = key.removeprefix("Bearer ").strip().removeprefix("sk-")
        return any(t["key"] == key and t["status"] == 1 for t in self.tokens)

    def rotate_access_token(self) -> str:
        """Generate a new access token; the previous one stops working immediately."""
        self.rotations += 1
        rng = random.Random(f"{self.user_id}-{self.rotations}-{time.time_ns()}")
        if self.token_style == "uuid":
            token = uuid.UUID(int=rng.getrandbits(128), version=4).hex
        else:  # new-api / Veloera: base64 of 21–24 random bytes (28 or 32 chars, may hold + / =)
            token = base64.b64encode(rng.randbytes(21 + 3 * rng.randint(0, 1))).decode()
        self.access_token = token
        return token
