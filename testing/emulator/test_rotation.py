"""GET /api/user/token really rotates the access token (backends.md §2.6): the new one works at
once, the old one is refused as any unknown token is, and /api/user/self shows it where the
version shows the stored PAT (§3.4, §4–§7). new-api rc.41 has no such route (facts `user_token`;
testing/emulator/test_scoped_tokens.py)."""

from __future__ import annotations

import re

import pytest

from .conftest import ACCOUNT, FACTS, PROFILES

FORMATS = {  # §2.6
    "base64": re.compile(r"[A-Za-z0-9+/]{28}|[A-Za-z0-9+/]{30}[A-Za-z0-9+/=]{2}"),  # of 21 to 24 bytes
    "uuid": re.compile(r"[0-9a-f]{32}"),  # a UUIDv4 without dashes
}


ROTATING = [p for p in PROFILES if FACTS["profiles"][p].get("user_token", "rotates") == "rotates"]


@pytest.mark.parametrize("profile", ROTATING)
def test_the_token_rotates_and_the_old_one_stops_working(fresh_site, profile: str) -> None:
    facts = FACTS["profiles"][profile]
    site = fresh_site(profile)
    before = site.get("/api/user/self")
    assert before.status_code == 200 and before.json()["success"] is True

    rotated = site.get("/api/user/token")
    body = rotated.json()
    assert rotated.status_code == 200 and body["success"] is True and body["message"] == ""
    new = body["data"]
    assert isinstance(new, str) and new != ACCOUNT["access_token"]
    if "token_style" in facts:
        assert FORMATS[facts["token_style"]].fullmatch(new), new

    old = site.get("/api/user/self")
    refusal = facts["refusals"]["bad_credential"]
    assert old.status_code == refusal["status"] and old.json()["message"] == refusal["message"]

    after = site.get("/api/user/self", token=new)
    assert after.status_code == 200
    data = after.json()["data"]
    shown = facts["self_access_token"]
    if shown == "absent":
        assert "access_token" not in data
    elif shown == "empty":
        assert data["access_token"] == ""
    else:
        assert data["access_token"] == new


@pytest.mark.parametrize("profile", ROTATING)
def test_every_rotation_gives_a_new_token(fresh_site, profile: str) -> None:
    site = fresh_site(profile)
    first = site.get("/api/user/token").json()["data"]
    second = site.get("/api/user/token", token=first).json()["data"]
    assert first != second
    assert site.get("/api/user/token", token=first).json()["success"] is False
    assert site.account.rotations == 2
