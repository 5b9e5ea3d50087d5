"""Building the request: auth, headers, signature."""

import base64

import pytest

from wagtail_chatbot_crm import __version__
from wagtail_chatbot_crm.webhook import Endpoint, Header, build_request, sign

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
    "value", ["Zoho-oauthtoken 1000.abcdef123456", "Token token=fs_0a1b2c3d4e5f"]
)
def test_the_credential_inside_a_value_with_a_scheme_is_a_secret(value):
    endpoint = Endpoint(URL, "api_key", api_key_header="Authorization", api_key=value)
    credential = value.replace("=", " ").split()[-1]
    assert credential in endpoint.secrets()


def test_an_endpoints_repr_shows_no_secret():
    endpoint = Endpoint(
        url="https://crm.example.com/hook",
        auth_type="oauth2",
        oauth_client_secret="client-secret-value",
        oauth_refresh_token="refresh-token-value",
        access_token="access-token-value",
        bearer_token="bearer-token-value",
        signing_secret="whsec_c2lnbmluZy1zZWNyZXQtdmFsdWUtMTIzNDU2",
    )
    shown = repr(endpoint)
    assert "crm.example.com" in shown
    for secret in endpoint.secrets():
        assert secret not in shown
