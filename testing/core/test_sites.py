"""Site files: what loads, and the one clear line each kind of mistake produces."""

from __future__ import annotations

from pathlib import Path

import pytest

from relaycompat import ConfigError, load_sites
from relaycompat._sites import site_files

PROFILES = ["new-api-legacy"]


def write(tmp_path: Path, text: str, name: str = "sites.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def problems(tmp_path: Path, text: str, environ: dict[str, str] | None = None) -> list[str]:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_sites([path], profiles=PROFILES, environ=environ or {})
    return caught.value.problems


def test_a_full_entry_loads_with_env_secrets(tmp_path: Path) -> None:
    path = write(tmp_path, """
sites:
  - name: 随时跑路公益
    url: https://runanytime.hxi.me/
    backend: veloera
    user_id: 409
    access_token: ${RUNANYTIME_ACCESS_TOKEN}
    api_key: ${RUNANYTIME_API_KEY}
    timeout: 15
""")
    (site,) = load_sites([path], environ={"RUNANYTIME_ACCESS_TOKEN": "tok-123456", "RUNANYTIME_API_KEY": "sk-abc"})
    assert site.name == "随时跑路公益"
    assert site.url == "https://runanytime.hxi.me"
    assert site.slug == "runanytime.hxi.me"  # a Chinese name gives the host as test id
    assert (site.backend, site.user_id, site.timeout) == ("veloera", 409, 15.0)
    assert site.access_token == "tok-123456" and site.api_key == "sk-abc"
    assert "tok-123456" not in repr(site) and "sk-abc" not in repr(site)
    assert "tok-123456" not in str(site.public())


def test_ascii_names_give_readable_slugs_and_id_overrides(tmp_path: Path) -> None:
    path = write(tmp_path, """
sites:
  - {name: Huan API, url: https://ai.huan666.de/}
  - {name: 薄荷 API, url: https://x666.me}
  - {name: Mine, id: my-site, emulate: new-api-legacy}
""")
    assert [s.slug for s in load_sites([path], profiles=PROFILES, environ={})] == ["huan-api", "x666.me", "my-site"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("sites: [ {name: a, url: https://a.example/ ", "not valid YAML (line 1, column"),
        ("", "the file is empty"),
        ("- name: a\n  url: https://a.example/\n", "expected a mapping with a list under 'sites'"),
        ("sites:\n  - {name: A, url: https://a.example/, acess_token: x}\n", "site 'A': unknown key 'acess_token'"),
        ("sites:\n  - {name: A}\n", "site 'A': give exactly one of 'url' or 'emulate'"),
        ("sites:\n  - {name: A, url: https://a.example/, emulate: new-api-legacy}\n", "site 'A': give exactly one of 'url' or 'emulate' (found url and emulate)"),
        ("sites:\n  - {url: https://a.example/}\n", "site #1: 'name' is required"),
        ("sites:\n  - {name: A, url: https://a.example/, backend: newapi}\n", "site 'A': backend: 'newapi' is not one of new-api"),
        ("sites:\n  - {name: A, url: https://a.example/, timeout: -1}\n", "site 'A': timeout:"),
        ("sites:\n  - {name: A, url: https://a.example/, user_id: abc}\n", "site 'A': user_id:"),
        ("sites:\n  - {name: A, url: ftp://a.example/}\n", "site 'A': url: 'ftp://a.example/' is not an http(s) URL"),
        ("sites:\n  - {name: A, url: 'https://a.example/?x=1'}\n", "has a query or fragment"),
        ("sites:\n  - {name: A, emulate: nope}\n", "site 'A': emulate: unknown profile 'nope'"),
        ("sites:\n  - {name: A, url: https://a.example/, access_token: '${MISSING_TOKEN}'}\n",
         "site 'A': access_token: environment variable MISSING_TOKEN is not set"),
        ("sites:\n  - {name: A, url: https://a.example/}\n  - {name: A, url: https://b.example/}\n",
         "site 'A': name: duplicate of the site in"),
        ("sites:\n  - {name: A, id: same, url: https://a.example/}\n  - {name: B, id: same, url: https://b.example/}\n",
         "its test id 'same' is already used by 'A'"),
    ],
    ids=["yaml-syntax", "empty", "no-sites-key", "unknown-key", "no-url", "url-and-emulate", "no-name", "bad-backend",
         "bad-timeout", "bad-user-id", "bad-scheme", "query-in-url", "unknown-profile", "missing-env", "duplicate-name",
         "duplicate-id"],
)
def test_each_mistake_is_one_line_naming_file_site_and_field(tmp_path: Path, text: str, expected: str) -> None:
    found = problems(tmp_path, text)
    assert len(found) == 1, found
    assert found[0].startswith(str(tmp_path / "sites.yaml")), found[0]
    assert expected in found[0], found[0]
    assert "\n" not in found[0]


def test_every_problem_of_a_file_is_reported_at_once(tmp_path: Path) -> None:
    found = problems(tmp_path, """
sites:
  - {name: A, url: https://a.example/, colour: red}
  - {name: B, url: https://b.example/, access_token: '${NOPE}'}
""")
    assert len(found) == 2
    assert "unknown key 'colour'" in found[0] and "NOPE" in found[1]


def test_a_missing_variable_names_the_variable_never_a_value(tmp_path: Path) -> None:
    found = problems(tmp_path, "sites:\n  - {name: A, url: 'https://${HOST}/', access_token: '${T}'}\n", {"HOST": "h.example"})
    assert found == [f"{tmp_path / 'sites.yaml'}: site 'A': access_token: environment variable T is not set (export it, or remove the field)"]


def test_folders_expand_to_their_yaml_files_only(tmp_path: Path) -> None:
    write(tmp_path, "sites: []", "b.yaml")
    write(tmp_path, "sites: []", "a.yml")
    (tmp_path / "examples").mkdir()
    write(tmp_path / "examples", "sites: []", "c.yaml")
    write(tmp_path, "x", "notes.txt")
    assert [p.name for p in site_files([tmp_path])] == ["a.yml", "b.yaml"]
    with pytest.raises(ConfigError, match="no such site file or folder"):
        site_files([tmp_path / "missing.yaml"])


def test_the_shipped_site_files_load() -> None:
    root = Path(__file__).resolve().parents[2] / "sites"
    from relaycompat.emulator import profile_names

    demo = load_sites([root / "demo.yaml"], profiles=profile_names(), environ={})
    assert all(site.emulate for site in demo)
    public = load_sites([root / "examples" / "public-sites.yaml"], environ={})
    assert len(public) == 31 and all(site.url and site.url.startswith("https://") for site in public)
    assert not any(site.secrets for site in public)


def test_every_value_read_from_the_environment_is_a_secret(tmp_path: Path) -> None:
    path = write(tmp_path, "sites:\n  - {name: A, url: 'https://relay.example/${PATH_TOKEN}/', access_token: '${TOKEN}'}\n")
    (site,) = load_sites([path], environ={"PATH_TOKEN": "path-secret-123", "TOKEN": "token-secret-456"})
    assert set(site.secrets) == {"path-secret-123", "token-secret-456"}
    assert "path-secret-123" not in str(site.public()) and "path-secret-123" not in repr(site)


def test_credentials_in_a_url_are_refused_without_echoing_them(tmp_path: Path) -> None:
    found = problems(tmp_path, "sites:\n  - {name: A, url: 'https://user:${PW}@relay.example/'}\n", {"PW": "hunter2-secret"})
    assert len(found) == 1 and "user or password" in found[0] and "hunter2" not in found[0]


# ---- issue #13: configuration mistakes that passed silently or crashed ----------------------------
ALIAS_BOMB = "a: &a [x,x,x,x,x,x,x,x,x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [" + ",".join([f"*{chr(97 + i)}"] * 9) + "]\n" for i in range(8)) + \
    "sites:\n  - {name: A, url: https://a.example/, note: *i}\n"


@pytest.mark.parametrize(
    ("text", "environ", "expected"),
    [
        ("sites:\n  - {name: A, url: https://a.example/, access_token: '${EMPTY}'}\n", {"EMPTY": ""},
         "site 'A': access_token: environment variable EMPTY is set but empty"),
        ("sites:\n  - {name: A, url: https://a.example/}\nsites:\n  - {name: B, url: https://b.example/}\n", {},
         "line 3: duplicate key 'sites' (also on line 1)"),
        ("sites:\n  - {name: A, url: https://a.example/, name: B}\n", {}, "duplicate key 'name'"),
        (ALIAS_BOMB, {}, "expands to more than 100000 values through its aliases"),
        ("sites:\n  - {name: A, url: 'http://[::1/'}\n", {}, "site 'A': url: 'http://[::1/' is not a valid URL"),
        ("sites:\n  - {name: A, url: 'https://a.example:99999/'}\n", {}, "site 'A': url: 'https://a.example:99999/' is not a valid URL"),
        ("sites:\n  - {name: A, url: https://a.example/, timeout: .nan}\n", {}, "site 'A': timeout: nan is not a finite number"),
        ("sites:\n  - {name: A, url: https://a.example/, min_interval_ms: .inf}\n", {}, "site 'A': min_interval_ms:"),
        ('sites:\n  - {name: "A\\e[2J", url: https://a.example/}\n', {}, "name: holds a control or direction-changing character"),
        ('sites:\n  - {name: "A\\u202eB", url: https://a.example/}\n', {}, "name: holds a control or direction-changing character"),
    ],
    ids=["empty-env", "two-sites-keys", "duplicate-field", "alias-bomb", "bad-ipv6-url", "port-out-of-range", "nan-timeout",
         "infinite-interval", "escape-in-name", "bidi-in-name"],
)
def test_issue_13_mistakes_are_one_line_each(tmp_path: Path, text: str, environ: dict[str, str], expected: str) -> None:
    found = problems(tmp_path, text, environ)
    assert len(found) == 1, found
    assert found[0].startswith(str(tmp_path / "sites.yaml")) and expected in found[0], found[0]
    assert "\n" not in found[0]


def test_a_file_that_is_not_utf8_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "sites.yaml"
    path.write_bytes("sites:\n  - {name: 站点, url: https://a.example/}\n".encode("gb18030"))
    with pytest.raises(ConfigError) as caught:
        load_sites([path], environ={})
    assert caught.value.problems == [f"{path}: not UTF-8 text (byte 20); save the file as UTF-8"]


def test_aliases_for_shared_settings_still_work(tmp_path: Path) -> None:
    path = write(tmp_path, "sites:\n  - &a {name: A, url: https://a.example/, timeout: 7}\n  - {<<: *a, name: B, url: https://b.example/}\n")
    assert [(s.name, s.timeout) for s in load_sites([path], environ={})] == [("A", 7.0), ("B", 7.0)]


def test_non_ascii_names_on_one_host_get_distinct_default_ids(tmp_path: Path) -> None:
    """Issue #13 (13): the default id dropped the port and path, and the run stopped until `id:`."""
    path = write(tmp_path, """
sites:
  - {name: 甲站, url: "https://relay.example/"}
  - {name: 乙站, url: "https://relay.example:8443/"}
  - {name: 丙站, url: "https://relay.example:8443/v2/"}
""")
    assert [s.slug for s in load_sites([path], environ={})] == ["relay.example", "relay.example-8443", "relay.example-8443-v2"]
