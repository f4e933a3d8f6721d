"""Masking of secrets and personal data before anything is stored, printed or reported.

A :class:`Redactor` knows the configured credentials of a run, every secret a site hands out
during it (:meth:`Redactor.learn`: ``Set-Cookie`` values, secret headers, secret fields of a
body, the token ``/api/user/token`` generates) and the field, header and pattern rules of
``data/redaction.yaml``. Every record the prober stores has been through it, after it learned
from every response of the site, so a secret is masked wherever it appears afterwards: in
another field, header, message or body of the site. Every output writer passes its final text
through :meth:`Redactor.text` once more before writing.
"""

from __future__ import annotations

import copy
import html
import json
import os
import re
import threading
from collections.abc import Iterable
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import quote

import yaml

#: Credentials shorter than this are not searched for in text (too many false hits).
MIN_SECRET_LENGTH = 6
#: A value a site hands out is searched for only when it looks like a secret: at least this
#: long and without spaces ("default" in a ``token`` field must not mask a group name everywhere).
MIN_LEARNED_LENGTH = 12
_SET_COOKIE_VALUE = re.compile(r"(?:^|,)\s*[!#$%&'*+\-.^_`|~0-9A-Za-z]+=\"?([^;,\"\s]*)")


@cache
def _rules() -> dict[str, Any]:
    text = resources.files("relaycompat").joinpath("data/redaction.yaml").read_text("utf-8")
    return yaml.safe_load(text)


def trie_pattern(strings: Iterable[str]) -> str:
    """One regex matching any of ``strings``, with shared prefixes factored out.

    A plain alternation of a thousand tokens tries each one at every position of the text; the
    factored form costs one branch per character, so masking stays linear in the text.
    """
    trie: dict[str, Any] = {}
    for string in strings:
        node = trie
        for char in string:
            node = node.setdefault(char, {})
        node[""] = {}

    def build(node: dict[str, Any]) -> str:
        ends = "" in node
        branches = [re.escape(char) + build(child) for char, child in sorted(node.items()) if char]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 and not ends else "(?:" + "|".join(branches) + ")"
        return body + ("?" if ends else "")

    return build(trie)


def _variants(secret: str) -> set[str]:
    """The forms a secret takes in JSON, URLs, headers and HTML."""
    forms = {secret, json.dumps(secret)[1:-1], quote(secret, safe=""), quote(secret, safe="/")}
    return forms | {html.escape(form) for form in forms}


class Redactor:
    """Masks known secrets (in every encoding) and secret-looking fields, headers and patterns."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        rules = _rules()
        self.mask: str = rules["mask"]
        self._fields = {f.lower() for f in rules["secret_fields"] + rules["personal_fields"]}
        self._headers = {h.lower() for h in rules["secret_headers"]}
        self._secret_fields = {f.lower() for f in rules["secret_fields"]}
        self._data_endpoints = set(rules["secret_data_endpoints"])
        self._patterns = [re.compile(p) for p in rules["secret_patterns"]]
        self._secrets: set[str] = set()
        self._matcher: re.Pattern[str] | None = None
        self._lock = threading.Lock()
        self._parent: Redactor | None = None
        for secret in secrets:
            self.add(secret)

    def for_site(self) -> Redactor:
        """A redactor that masks all this one does, plus the secrets it learns itself.

        One per probed site: what a site hands out (cookies, keys in its token list) can only
        appear in that site's record, so it is compiled into that site's matcher alone. One
        matcher of every site's secrets would be rebuilt, bigger each time, as each site's
        secrets arrive: quadratic, 40 s of CPU at 500 sites (docs/performance.md).
        """
        child = copy.copy(self)  # the rules and the compiled patterns are shared, read-only
        child._secrets, child._matcher, child._lock, child._parent = set(), None, threading.Lock(), self
        return child

    def add(self, secret: str | None) -> None:
        """Mask ``secret`` from now on (e.g. a token the site generated during the run)."""
        if secret and len(secret) >= MIN_SECRET_LENGTH:
            forms = _variants(secret)
            with self._lock:
                if not forms <= self._secrets:  # a secret seen before keeps the built matcher
                    self._secrets |= forms
                    self._matcher = None  # rebuilt once, on the next use

    def learn(self, headers: dict[str, str], data: Any = None, *, endpoint_id: str | None = None) -> None:
        """Mask from now on every secret one response hands out: the values of its ``Set-Cookie``
        and other secret headers, and of the secret fields of its parsed body (see
        :data:`MIN_LEARNED_LENGTH`); for a ``secret_data_endpoints`` endpoint, its whole ``data``."""
        found: list[str] = []
        for name, value in headers.items():
            name = name.lower()
            if name == "set-cookie":
                found += _SET_COOKIE_VALUE.findall(value)
            elif name in self._headers:
                found.append(value.split(" ", 1)[-1] if value.lower().startswith("bearer ") else value)
        if endpoint_id in self._data_endpoints and isinstance(data, dict) and isinstance(data.get("data"), str):
            self.add(data["data"])
        found += self._secret_values(data)
        for value in found:
            value = value.strip()
            if len(value) >= MIN_LEARNED_LENGTH and not any(c.isspace() for c in value):
                self.add(value)

    def _secret_values(self, value: Any) -> list[str]:
        """Strings held by a secret field (at any depth below it) of a parsed body."""
        stack: list[tuple[Any, bool]] = [(value, False)]
        found: list[str] = []
        while stack:
            item, secret = stack.pop()
            if isinstance(item, dict):
                stack.extend((v, secret or str(k).lower() in self._secret_fields) for k, v in item.items())
            elif isinstance(item, list):
                stack.extend((v, secret) for v in item)
            elif secret and isinstance(item, str):
                found.append(item)
        return found

    def _secret_matcher(self) -> re.Pattern[str] | None:
        matcher = self._matcher  # read without the lock: it is only ever replaced whole
        if matcher is not None or not self._secrets:
            return matcher
        with self._lock:
            if self._matcher is None and self._secrets:
                self._matcher = re.compile(trie_pattern(self._secrets))
            return self._matcher

    def text(self, text: str) -> str:
        if self._parent is not None:
            parent = self._parent._secret_matcher()
            if parent is not None:
                text = parent.sub(self.mask, text)
        matcher = self._secret_matcher()
        if matcher is not None:
            text = matcher.sub(self.mask, text)
        for pattern in self._patterns:
            text = pattern.sub(self._mask_unless_inside_a_word, text)
        return text

    def _mask_unless_inside_a_word(self, match: re.Match[str]) -> str:
        start = match.start()
        if start and match.string[start - 1].isalnum():
            return match.group(0)
        return self.mask

    def scrub_file(self, path: Path, *, chunk: int = 4 << 20) -> None:
        """Mask secrets in a written file without holding it whole: blocks cut where no secret
        can continue (a newline or ``<``), rewritten in place only if anything was masked."""
        changed = False
        partial = path.with_name(path.name + ".part")
        with path.open(encoding="utf-8") as source, partial.open("w", encoding="utf-8") as target:
            pending = ""
            while True:
                block = source.read(chunk)
                text = pending + block
                cut = len(text) if not block else max(text.rfind("\n"), text.rfind("<")) + 1
                if cut <= 0 and block:
                    pending = text
                    continue
                clean = self.text(text[:cut])
                changed |= clean != text[:cut]
                target.write(clean)
                pending = text[cut:]
                if not block:
                    break
        if changed:
            os.replace(partial, path)
        else:
            partial.unlink()

    def headers(self, headers: dict[str, str]) -> dict[str, str]:
        return {
            name: self.mask if name.lower() in self._headers and value else self.text(value)
            for name, value in headers.items()
        }

    def data(self, value: Any, *, endpoint_id: str | None = None) -> Any:
        """A copy of a parsed JSON body with secret fields and known secrets masked."""
        if endpoint_id in self._data_endpoints and isinstance(value, dict) and value.get("data"):
            value = {**value, "data": self.mask}
        return self._walk(value, False, {})

    def _walk(self, value: Any, masked: bool, seen: dict[str, str]) -> Any:
        """``masked``: inside a secret or personal field, where every string is masked (a token
        handed out as ``{"session": {"id": "…"}}`` is as secret as one given as a string).
        ``seen`` remembers the masked form of each string: keys and values repeat in a body."""
        if isinstance(value, dict):
            return {self._text_seen(str(k), seen): self._walk(v, masked or str(k).lower() in self._fields, seen)
                    for k, v in value.items()}
        if isinstance(value, list):
            return [self._walk(item, masked, seen) for item in value]
        if isinstance(value, str):
            return self.mask if masked and value else self._text_seen(value, seen)
        return value

    def _text_seen(self, text: str, seen: dict[str, str]) -> str:
        clean = seen.get(text)
        if clean is None:
            clean = seen[text] = self.text(text)
        return clean

    def is_secret_field(self, name: str) -> bool:
        return name.lower() in self._fields
