"""Pagination of /api/token/ and /api/log/self per profile: what `p`, `page`, `size` and
`page_size` select, what the page object says, and its shape (backends.md §3.6, §5, §6)."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import FACTS, PROFILES, ordered_keys

PATHS = {"tokens": "/api/token/", "logs": "/api/log/self"}
IDENTITY = {"tokens": "id", "logs": "created_at"}  # one-api and the hubs omit log ids (§5, §6)
SIZE_FIELD = {"page_info": "page_size", "v0_6": "page_size", "hub": "size"}


def cases() -> list[Any]:
    params = []
    for profile in PROFILES:
        family = FACTS["profiles"][profile]["paging"]
        for collection in ("tokens", "logs"):
            for query in FACTS["paging"][family][collection]:
                params.append(pytest.param(profile, collection, query, id=f"{profile}-{collection}-{query or 'none'}"))
    return params


def newest_first(site: Any, collection: str) -> list[Any]:
    """The account's rows in the order every backend lists them: ORDER BY id DESC."""
    rows = site.account.tokens if collection == "tokens" else site.account.logs
    key = IDENTITY[collection]
    return [row[key] for row in sorted(rows, key=lambda row: -row["id"])]


def items_of(data: Any, family: str, collection: str) -> list[dict[str, Any]]:
    shape = FACTS["paging"][family]["shape"][collection]
    if shape == "array":
        assert isinstance(data, list)
        return data
    assert isinstance(data, dict) and sorted(data) == sorted(shape), data
    return data["items"] if "items" in data else data["data"]


@pytest.mark.parametrize(("profile", "collection", "query"), cases())
def test_pages(site_of, profile: str, collection: str, query: str) -> None:
    family = FACTS["profiles"][profile]["paging"]
    expected = FACTS["paging"][family][collection][query]
    site = site_of(profile)
    response = site.get(PATHS[collection] + ("?" + query if query else ""))
    assert response.status_code == 200, response.text
    body = response.json()
    if "refused" in expected:
        assert body == {"success": False, "message": expected["refused"]}
        return
    assert body["success"] is True
    shown = [item[IDENTITY[collection]] for item in items_of(body["data"], family, collection)]
    start, stop = expected["rows"]
    assert shown == newest_first(site, collection)[start:stop]
    if "page" in expected:
        assert body["data"]["page"] == expected["page"]
        assert body["data"][SIZE_FIELD[family]] == expected["size"]
    total = body["data"].get("total", body["data"].get("total_count")) if isinstance(body["data"], dict) else None
    if total is not None:
        assert total == len(newest_first(site, collection)), "the total counts every row, whatever the page"


@pytest.mark.parametrize("profile", [p for p in PROFILES if FACTS["profiles"][p]["paging"] == "page_info"])
def test_page_info_keeps_go_struct_order(site_of, profile: str) -> None:
    """common/page_info.go PageInfo: page, page_size, total, items (a struct, not a map)."""
    text = site_of(profile).get("/api/token/").text
    assert ["page", "page_size", "total", "items"] in ordered_keys(text)


@pytest.mark.parametrize("profile", PROFILES)
def test_token_keys_are_masked_only_from_v0_11_4(site_of, profile: str) -> None:
    """§3.6: the raw 48-char key (no sk-) until v0.11.4; `abcd**********wxyz` after."""
    site = site_of(profile)
    body = site.get("/api/token/?p=0&page=1&size=100&page_size=100").json()["data"]
    items = body if isinstance(body, list) else body.get("items", body.get("data"))
    keys = {item["key"] for item in items}
    raw = {token["key"] for token in site.account.tokens}
    if FACTS["profiles"][profile].get("masked_token_keys"):
        assert keys == {k[:4] + "*" * 10 + k[-4:] for k in raw}
    else:
        assert keys == raw and not any(k.startswith("sk-") for k in keys)
