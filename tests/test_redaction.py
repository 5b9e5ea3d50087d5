"""Redaction: secrets kept out of excerpts, errors and logs, however escaped."""

import json
import time
from urllib.parse import quote, quote_plus, urlencode

import pytest

from wagtail_chatbot_crm.redaction import MIN_ESCAPED_SECRET_LENGTH, REDACTED, redact
from wagtail_chatbot_crm.webhook import Endpoint

URL = "https://crm.example.com/hooks/lead"


@pytest.mark.parametrize(
    "text",
    [
        "invalid token tok_123456",
        '{"echo": {"Authorization": "Bearer tok_123456"}}',
        "Authorization: Basic YWRhOnB3",
        "authorization=Token abc.def",
        "proxy-authorization: xyz",
    ],
)
def test_redaction(text):
    result = redact(text, ["tok_123456"])
    assert "tok_123456" not in result
    assert "YWRhOnB3" not in result
    assert "abc.def" not in result
    assert "xyz" not in result
    assert REDACTED in result


def test_redaction_leaves_other_text_alone():
    assert redact("HTTP 422: email is invalid", ["tok"]) == "HTTP 422: email is invalid"
    assert redact("", ["tok"]) == ""


# A secret with the characters escaping schemes touch: "/" (PHP's JSON), "+"
# (URL-encoding), "-".
ECHOED = "APIKEY-S/+y"


@pytest.mark.parametrize(
    "echo",
    [
        ECHOED,
        "APIKEY-S\\/+y",  # PHP's json_encode escapes "/"
        "APIKEY-S/\\u002by",  # JSON \uXXXX, either case of hex
        "APIKEY-S/\\u002By",
        "\\u0041PIKEY-S\\u002f\\u002by",  # any of its characters
        "APIKEY-S%2F%2By",  # URL-encoded, either case
        "APIKEY-S%2f%2by",
        "%41PIKEY-S%2F%2By",
        "APIKEY-S\\\\/+y",  # escaped twice (JSON inside JSON)
        "APIKEY-S\\x2f+y",  # Python repr of bytes
        "APIKEY-S&#x2F;+y",  # HTML
        "APIKEY-S&#47;&#43;y",
    ],
)
def test_redaction_of_escaped_forms(echo):
    text = f'{{"error": "invalid key {echo} for this account"}}'
    result = redact(text, [ECHOED])
    assert result == f'{{"error": "invalid key {REDACTED} for this account"}}'


@pytest.mark.parametrize(
    "secret",
    [
        'it\'s "quoted"',
        "back\\slash\\",
        "pässwörd/ünïcode",
        "emoji-🔑-key",
        "with space+plus",
    ],
)
@pytest.mark.parametrize(
    "encode",
    [
        repr,
        ascii,
        lambda s: repr(s.encode()),
        json.dumps,
        lambda s: json.dumps(s, ensure_ascii=False),
        lambda s: json.dumps(s).replace("/", "\\/"),
        lambda s: json.dumps(json.dumps(s)),
        lambda s: repr(json.dumps(s)),
        quote,
        quote_plus,
        lambda s: quote_plus(s).lower(),
        lambda s: urlencode({"k": s}),
    ],
    ids=[
        "repr",
        "ascii",
        "bytes-repr",
        "json",
        "json-unicode",
        "json-php",
        "json-twice",
        "repr-of-json",
        "quote",
        "quote_plus",
        "quote_plus-lower",
        "urlencode",
    ],
)
def test_redaction_of_a_secret_however_it_was_encoded(secret, encode):
    echo = encode(secret)
    result = redact(f"The CRM said: {echo} is not valid", [secret])
    assert REDACTED in result
    assert "quoted" not in result
    assert "slash" not in result
    assert "nïcode" not in result and "nicode" not in result
    assert "key" not in result.removeprefix("The CRM said: ")
    assert "plus" not in result
    assert result.endswith(" is not valid")


def test_redaction_in_one_pass_does_not_touch_its_own_marks():
    # "act" is inside "[redacted]": replacing secret by secret used to mask
    # the mask.
    result = redact("token=long-secret-1 and act", ["long-secret-1", "act"])
    assert result == f"token={REDACTED} and {REDACTED}"


def test_short_secrets_are_replaced_only_as_written():
    # Below MIN_ESCAPED_SECRET_LENGTH characters the escaped spellings
    # (``\\/``, ``%2F``) are ordinary JSON and URLs: they are left alone,
    # while the secret itself is still replaced wherever it appears.
    assert MIN_ESCAPED_SECRET_LENGTH == 4
    assert redact('{"url": "https:\\/\\/x.example\\/a%2Fb"}', ["/"]) == (
        '{"url": "https:\\[redacted]\\[redacted]x.example\\[redacted]a%2Fb"}'
    )
    assert redact("a%2Fb \\u0070w", ["pw"]) == "a%2Fb \\u0070w"
    assert redact("the pw is", ["pw"]) == f"the {REDACTED} is"


def test_escaped_forms_of_the_basic_credentials_are_redacted():
    endpoint = Endpoint(URL, "basic", basic_username="ada", basic_password="s3cr?t>>>")
    encoded = endpoint.auth_headers()["Authorization"].removeprefix("Basic ")
    assert encoded == "YWRhOnMzY3I/dD4+Pg=="
    echo = json.dumps({"seen": encoded}).replace("/", "\\/")
    assert redact(echo, endpoint.secrets()) == f'{{"seen": "{REDACTED}"}}'
    echo = "seen=" + quote_plus(encoded)
    assert redact(echo, endpoint.secrets()) == f"seen={REDACTED}"


def test_an_escaped_authorization_header_is_redacted():
    text = json.dumps(json.dumps({"Authorization": "Bearer unknown-to-us"}))
    assert "unknown-to-us" not in redact(text, [])


def test_redaction_of_a_large_answer_is_quick():
    secrets = [f"secret-{n}-" + "x/+" * 20 for n in range(8)]
    text = "ordinary text, with %2F and \\u002b and \\/ here and there. " * 1200
    started = time.monotonic()
    assert redact(text, secrets) == text
    assert time.monotonic() - started < 1.0


@pytest.mark.parametrize(
    "text",
    [
        "\\" * 60000,
        "authorization: bearer " + "\\" * 60000 + "x",
        "&#" + "0" * 60000,
        "%" * 60000,
    ],
)
def test_redaction_of_a_hostile_answer_is_quick(text):
    secrets = ["x/+" * 40, "another-secret-value"]
    started = time.monotonic()
    redact(text, secrets)
    assert time.monotonic() - started < 1.0
