"""Masking: configured secrets in any encoding, secret fields, headers and patterns."""

from __future__ import annotations

import json

from relaycompat._redact import Redactor

SECRET = "pat+With/Slash=AndMore123"


def test_known_secrets_are_masked_in_every_encoding() -> None:
    r = Redactor([SECRET])
    for form in (SECRET, json.dumps(SECRET)[1:-1], "pat%2BWith%2FSlash%3DAndMore123", "pat%2BWith/Slash%3DAndMore123"):
        assert SECRET not in r.text(f"x {form} y") and form not in r.text(f"x {form} y")
        assert "[redacted]" in r.text(form)


def test_fields_headers_and_patterns() -> None:
    r = Redactor()
    body = {"data": {"access_token": "abc123456", "items": [{"key": "K" * 48, "name": "t"}], "last_login_ip": "203.0.113.7",
                     "note": "use sk-abcdefghijklmnopqrstuvwx now", "quota": 5}}
    masked = r.data(body)
    text = json.dumps(masked)
    assert "abc123456" not in text and "K" * 48 not in text and "203.0.113.7" not in text
    assert "sk-abcdefghijklmnopqrstuvwx" not in text
    assert masked["data"]["quota"] == 5 and masked["data"]["items"][0]["name"] == "t"
    headers = r.headers({"Authorization": "Bearer x", "Cookie": "session=1", "New-Api-User": "7"})
    assert headers == {"Authorization": "[redacted]", "Cookie": "[redacted]", "New-Api-User": "7"}
    assert "[redacted]" in r.text("Authorization: Bearer abcdefghijkl")


def test_the_data_of_the_token_endpoint_is_the_new_secret() -> None:
    r = Redactor()
    assert r.data({"success": True, "message": "", "data": "newPAT"}, endpoint_id="api_user_token")["data"] == "[redacted]"
    assert r.data({"success": True, "message": "", "data": "v0.9"}, endpoint_id="api_status")["data"] == "v0.9"


def test_a_secret_learned_during_the_run_is_masked_from_then_on() -> None:
    r = Redactor()
    assert "freshly-rotated-token" in r.text("freshly-rotated-token")
    r.add("freshly-rotated-token")
    assert r.text("x freshly-rotated-token") == "x [redacted]"


def test_a_file_is_scrubbed_block_by_block_even_across_blocks(tmp_path) -> None:
    r = Redactor(["SECRETTOKEN123", "sk-abcdefghijklmnopqrstuvwxyz"])
    path = tmp_path / "report.html"
    path.write_text("<p>ok</p>\n" * 50 + "<b>SECRETTOKEN123</b>" + "a" * 300 + "SECRETTOKEN123 sk-abcdefghijklmnopqrstuvwxyz\n")
    r.scrub_file(path, chunk=7)  # blocks far smaller than a secret
    text = path.read_text()
    assert "SECRET" not in text and "sk-abc" not in text and text.count("[redacted]") == 3
    assert text.startswith("<p>ok</p>\n" * 50)
    untouched = tmp_path / "clean.html"
    untouched.write_text("<p>nothing</p>\n")
    before = untouched.stat().st_mtime_ns
    r.scrub_file(untouched)
    assert untouched.read_text() == "<p>nothing</p>\n" and untouched.stat().st_mtime_ns == before


def test_secrets_a_response_hands_out_are_learned() -> None:
    """Issue #13 (2): Set-Cookie values, secret headers and secret fields (nested too) are masked
    wherever they show up afterwards; short or spaced values are not taken for secrets."""
    r = Redactor()
    r.learn({"set-cookie": "rc_session=CookieValue0123456789; Path=/; HttpOnly, lang=zh-CN; Expires=Wed, 21 Oct 2026 07:28:00 GMT",
             "x-api-key": "HeaderKeyValue987654321", "content-type": "application/json"},
            {"data": {"session": {"id": "NestedSession0123456"}, "token": "default", "refresh_token": "a b c d e f g h i j k",
                      "name": "NotASecretAtAll12345"}})
    text = r.text("CookieValue0123456789 HeaderKeyValue987654321 NestedSession0123456 default NotASecretAtAll12345 zh-CN")
    assert text == "[redacted] [redacted] [redacted] default NotASecretAtAll12345 zh-CN"
    r.learn({}, {"success": True, "message": "", "data": "NewPatFromTheTokenEndpoint"}, endpoint_id="api_user_token")
    assert r.text("x NewPatFromTheTokenEndpoint") == "x [redacted]"


def test_every_string_under_a_secret_field_is_masked() -> None:
    masked = Redactor().data({"data": {"session": {"id": "abc", "meta": ["x", 1]}, "token": ["t1"], "email": "a@b.c"}})
    assert masked == {"data": {"session": {"id": "[redacted]", "meta": ["[redacted]", 1]}, "token": ["[redacted]"],
                               "email": "[redacted]"}}


def test_a_sites_redactor_masks_the_runs_secrets_and_what_that_site_hands_out() -> None:
    """One redactor per probed site (relaycompat/_prober.py): what a site hands out is compiled for
    its own record, so the run's matcher is built once, not again (and bigger) for every site."""
    run = Redactor(["configured-access-token-0001"])
    first, second = run.for_site(), run.for_site()
    first.learn({"set-cookie": "session=handed-out-cookie-value-0001; Path=/"})
    masked = first.text("configured-access-token-0001 handed-out-cookie-value-0001")
    assert "configured-access-token" not in masked and "handed-out-cookie" not in masked
    assert "handed-out-cookie-value-0001" in second.text("handed-out-cookie-value-0001")  # another site's record
    assert "handed-out-cookie-value-0001" in run.text("handed-out-cookie-value-0001")
    matcher = run._secret_matcher()
    second.learn({"set-cookie": "session=another-cookie-value-00002; Path=/"})
    assert run._secret_matcher() is matcher  # learning on a site never rebuilds the run's matcher
    assert second.data({"token": "x", "note": "configured-access-token-0001"}) == {"token": "[redacted]", "note": "[redacted]"}
