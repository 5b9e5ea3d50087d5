"""Building the request: auth, headers, signature; and redaction."""

import base64
import json
import time
from urllib.parse import quote, quote_plus, urlencode

import pytest

from wagtail_chatbot_crm import __version__
from wagtail_chatbot_crm.webhook import (
    MIN_ESCAPED_SECRET_LENGTH,
    REDACTED,
    Endpoint,
    Header,
    build_request,
    redact,
    sign,
)

URL = "https://crm.example.com/hooks/lead"
KEY = "2f9c6b1e-5d1a-4c8e-8f7a-9b0c1d2e3f4a"
# From the Standard Webhooks reference test suite.
SW_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
SW_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
SW_TIMESTAMP = 1614265330
SW_PAYLOAD = b'{"test": 2432232314}'
SW_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def request_for(endpoint, body=b"{}", content_type="application/json"):
    return build_request(
        endpoint, body, content_type, idempotency_key=KEY, timestamp=1700000000
    )


def test_standard_headers():
    prepared = request_for(Endpoint(URL))
    assert prepared.method == "POST"
    assert prepared.url == URL
    assert prepared.body == b"{}"
    assert prepared.headers["Content-Type"] == "application/json"
    assert prepared.headers["User-Agent"] == f"wagtail-chatbot-crm/{__version__}"
    assert prepared.headers["Idempotency-Key"] == KEY
    assert prepared.headers["Content-Length"] == "2"
    assert "Authorization" not in prepared.headers
    assert "webhook-signature" not in prepared.headers


@pytest.mark.parametrize(
    ("endpoint", "header", "value"),
    [
        (Endpoint(URL, "bearer", bearer_token="tok"), "Authorization", "Bearer tok"),
        (Endpoint(URL, "api_key", api_key="k1"), "X-API-Key", "k1"),
        (
            Endpoint(URL, "api_key", api_key_header="api-key", api_key="k2"),
            "api-key",
            "k2",
        ),
        (
            Endpoint(URL, "basic", basic_username="ada", basic_password="pässword"),
            "Authorization",
            "Basic " + base64.b64encode("ada:pässword".encode()).decode(),
        ),
    ],
)
def test_auth_types(endpoint, header, value):
    assert request_for(endpoint).headers[header] == value


def test_auth_none_sends_no_credentials():
    prepared = request_for(Endpoint(URL, "none", bearer_token="left-over"))
    assert "left-over" not in str(prepared.headers)


def test_custom_headers_are_sent_and_auth_wins_over_them():
    endpoint = Endpoint(
        URL,
        "bearer",
        bearer_token="real",
        headers=(
            Header("X-Tenant", "acme"),
            Header("Authorization", "Bearer stale", is_secret=True),
        ),
    )
    headers = request_for(endpoint).headers
    assert headers["X-Tenant"] == "acme"
    assert headers["Authorization"] == "Bearer real"


def test_form_content_type():
    prepared = request_for(Endpoint(URL), b"a=1", "application/x-www-form-urlencoded")
    assert prepared.headers["Content-Type"] == "application/x-www-form-urlencoded"


def test_signature_matches_the_standard_webhooks_reference_vector():
    assert sign(SW_SECRET, SW_ID, SW_TIMESTAMP, SW_PAYLOAD) == SW_SIGNATURE


def test_signed_request_carries_the_three_headers():
    endpoint = Endpoint(URL, signing_secret=SW_SECRET)
    prepared = build_request(
        endpoint,
        SW_PAYLOAD,
        "application/json",
        idempotency_key=SW_ID,
        timestamp=SW_TIMESTAMP,
    )
    assert prepared.headers["webhook-id"] == SW_ID
    assert prepared.headers["webhook-timestamp"] == str(SW_TIMESTAMP)
    assert prepared.headers["webhook-signature"] == SW_SIGNATURE


def test_signature_covers_the_exact_body_sent():
    endpoint = Endpoint(URL, signing_secret=SW_SECRET)
    one = request_for(endpoint, b'{"a":1}').headers["webhook-signature"]
    two = request_for(endpoint, b'{"a":2}').headers["webhook-signature"]
    assert one != two


def test_secrets_include_the_forms_a_crm_may_echo():
    endpoint = Endpoint(
        URL,
        "basic",
        basic_username="ada",
        basic_password="pw",
        signing_secret=SW_SECRET,
        headers=(Header("X-Secret", "hv", is_secret=True), Header("X-Plain", "pv")),
    )
    secrets = endpoint.secrets()
    assert "pw" in secrets
    assert base64.b64encode(b"ada:pw").decode() in secrets
    assert SW_SECRET in secrets
    assert SW_SECRET.removeprefix("whsec_") in secrets
    assert "hv" in secrets
    assert "pv" not in secrets


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
