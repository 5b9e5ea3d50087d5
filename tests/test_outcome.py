"""One classifier for every outcome of an exchange with a CRM."""

import http.client
import socket
from datetime import UTC, datetime

import pytest
import requests
import urllib3.exceptions
from urllib3.exceptions import MaxRetryError, NameResolutionError, NewConnectionError

from wagtail_chatbot_crm.outcome import (
    classify_exception,
    classify_response,
    crm_error_text,
    fix_link,
    parse_retry_after,
)
from wagtail_chatbot_crm.payload import PayloadError
from wagtail_chatbot_crm.sender import AddressRefused, InsecureURL
from wagtail_chatbot_crm.webhook import Endpoint, build_request

NOW = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)
URL = "https://crm.example.com/hooks/lead"


@pytest.mark.parametrize("status", [200, 201, 202, 204, 299])
def test_any_2xx_is_success(status):
    outcome = classify_response(status, {})
    assert outcome.success
    assert outcome.message == ""
    assert outcome.status_code == status


@pytest.mark.parametrize(
    ("status", "headers", "body", "words"),
    [
        (
            301,
            {"Location": "https://api.crm.example.com/v2/leads"},
            "",
            "redirect (HTTP 301) to https://api.crm.example.com/v2/leads",
        ),
        (302, {}, "", "without saying where to"),
        (
            400,
            {},
            '{"message": "email is invalid"}',
            "The CRM said: “email is invalid”",
        ),
        (
            422,
            {},
            '{"errors": [{"message": "Last_Name is required"}]}',
            "rejected the lead's data (HTTP 422)",
        ),
        (401, {}, "", "rejected the credentials (HTTP 401)"),
        (403, {}, "", "rejected the credentials (HTTP 403)"),
        (404, {}, "", "nothing at the webhook URL (HTTP 404)"),
        (405, {}, "", "HTTP 405"),
        (409, {}, '{"error": "Contact exists"}', "conflict (HTTP 409)"),
        (413, {}, "", "too large (HTTP 413)"),
        (429, {"Retry-After": "30"}, "", "limiting how many requests"),
        (500, {}, "<html>boom</html>", "problem of its own (HTTP 500)"),
        (502, {}, "", "HTTP 502"),
        (503, {"Retry-After": "120"}, "", "HTTP 503"),
        (418, {}, "I'm a teapot", "refused the lead (HTTP 418)"),
    ],
)
def test_failures_are_explained_in_plain_words(status, headers, body, words):
    outcome = classify_response(status, headers, body, now=NOW)
    assert not outcome.success
    assert words in outcome.message
    assert outcome.status_code == status
    assert f"HTTP {status}" in outcome.detail


def test_crm_error_text_is_quoted_for_422():
    outcome = classify_response(
        422, {}, '{"errors": [{"message": "Last_Name is required"}]}'
    )
    assert outcome.message.endswith("The CRM said: “Last_Name is required”")


def test_redirect_detail_names_the_target():
    outcome = classify_response(308, {"location": "https://b.example/x"}, "")
    assert "Location: https://b.example/x" in outcome.detail


@pytest.mark.parametrize(
    ("status", "header", "expected"),
    [
        (429, "30", 30.0),
        (503, "120", 120.0),
        (429, "Thu, 01 Jan 2026 12:01:00 GMT", 60.0),
        (429, "Thu, 01 Jan 2026 11:00:00 GMT", 0.0),
        (429, "999999", 3600.0),
        (429, "soon", None),
        (500, "30", None),
    ],
)
def test_retry_after(status, header, expected):
    assert (
        classify_response(status, {"Retry-After": header}, now=NOW).retry_after
        == expected
    )


def test_retry_after_is_capped():
    assert parse_retry_after("600", cap=10) == 10.0
    assert (
        classify_response(429, {"Retry-After": "600"}, max_retry_after=10).retry_after
        == 10
    )


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ('{"message": "bad email"}', "bad email"),
        ('{"error": {"message": "nested"}}', "nested"),
        ('{"errors": ["one", "two"]}', "one; two"),
        (
            '{"data": [{"code": "MANDATORY_NOT_FOUND", "message": "Last_Name"}]}',
            "Last_Name",
        ),
        ("plain words", "plain words"),
        ("<html><body>Error</body></html>", ""),
        ("", ""),
        ("x" * 1000, "x" * 299 + "…"),
    ],
)
def test_crm_error_text(body, expected):
    assert crm_error_text(body) == expected


def connection_error(reason):
    return requests.exceptions.ConnectionError(MaxRetryError(None, URL, reason))


@pytest.mark.parametrize(
    ("exc", "words"),
    [
        (AddressRefused("crm.example.com", "10.0.0.5"), "points to 10.0.0.5"),
        (InsecureURL("http://x"), "plain http://"),
        (PayloadError("The field mapping cannot be used: x"), "Field mapping tab"),
        (
            requests.exceptions.ConnectTimeout(),
            "did not accept the connection within 5",
        ),
        (requests.exceptions.ReadTimeout(), "did not answer within 15"),
        (requests.exceptions.SSLError("CERTIFICATE_VERIFY_FAILED"), "TLS error"),
        (requests.exceptions.InvalidURL("bad"), "not a valid address"),
        (requests.exceptions.MissingSchema("bad"), "not a valid address"),
        (
            connection_error(
                NameResolutionError("crm.example.com", None, socket.gaierror(-2, "no"))
            ),
            "could not be found (DNS failure)",
        ),
        (
            connection_error(NewConnectionError(None, "refused")),
            "connection to crm.example.com failed",
        ),
        (RuntimeError("boom"), "failed unexpectedly (RuntimeError)"),
    ],
)
def test_exceptions_are_explained_in_plain_words(exc, words):
    outcome = classify_exception(exc, url=URL)
    assert not outcome.success
    assert outcome.status_code is None
    assert words in outcome.message
    assert type(exc).__name__ in outcome.detail


def test_refused_connection_is_named(crm_server):
    crm_server.stop()  # nothing listens on that port any more
    with pytest.raises(requests.exceptions.ConnectionError) as excinfo:
        requests.post(crm_server.url, timeout=2)
    outcome = classify_exception(excinfo.value, url=crm_server.url)
    assert "127.0.0.1 refused the connection" in outcome.message


# A token pasted with a line break, as the errors below quote it.
BROKEN_TOKEN = "tok_7Qz\nrest9x"


def requests_refusal():
    """requests' own InvalidHeader, raised while the request is prepared."""
    endpoint = Endpoint(URL, "bearer", bearer_token=BROKEN_TOKEN)
    with pytest.raises(requests.exceptions.InvalidHeader) as excinfo:
        build_request(
            endpoint, b"{}", "application/json", idempotency_key="k", timestamp=0
        )
    return excinfo.value


def http_client_refusal():
    """http.client's ValueError, raised while the headers are written."""
    connection = http.client.HTTPConnection("127.0.0.1", 9)  # never connects
    connection.putrequest("POST", "/")
    with pytest.raises(ValueError, match="Invalid header value") as excinfo:
        connection.putheader("Authorization", f"Bearer {BROKEN_TOKEN}".encode())
    return excinfo.value


def latin1_refusal():
    with pytest.raises(UnicodeEncodeError) as excinfo:
        "Bearer tok_7Qz\u2019rest9x".encode("latin-1")
    return excinfo.value


@pytest.mark.parametrize(
    "make",
    [
        requests_refusal,
        http_client_refusal,
        lambda: urllib3.exceptions.InvalidHeader(f"bad value {BROKEN_TOKEN!r}"),
        lambda: requests.exceptions.ConnectionError(http_client_refusal()),
        latin1_refusal,
    ],
    ids=["requests", "http.client", "urllib3", "wrapped", "latin-1"],
)
def test_errors_that_quote_a_header_value_are_told_without_it(make):
    exc = make()
    assert "rest9x" in str(exc) or "position" in str(exc)
    outcome = classify_exception(exc, url=URL)
    assert "cannot be sent in an HTTP header" in outcome.message
    for text in (outcome.message, outcome.detail):
        assert "rest9x" not in text
        assert "tok_7Qz" not in text
        assert "position" not in text
    assert outcome.detail.startswith(type(exc).__name__)


def test_a_refused_address_names_the_setting_that_allows_it():
    outcome = classify_exception(AddressRefused("crm.internal", "10.0.0.5"))
    assert "10.0.0.5" in outcome.message
    assert 'WAGTAIL_CHATBOT_CRM["ALLOWED_NETWORKS"]' in outcome.message


@pytest.mark.parametrize(
    ("status", "fix"),
    [
        (401, "auth"),
        (403, "auth"),
        (400, "mapping"),
        (422, "mapping"),
        (404, "url"),
        (301, "url"),
        (429, "rate_limit"),
        (500, ""),
        (409, ""),
    ],
)
def test_a_refusal_names_the_setting_that_fixes_it(status, fix):
    assert classify_response(status, {}).fix == fix


@pytest.mark.parametrize(
    ("exc", "fix"),
    [
        (PayloadError("two rows send contact"), "mapping"),
        (AddressRefused("crm.internal", "10.0.0.1"), "url"),
        (InsecureURL("http://x"), "url"),
        (requests.exceptions.ReadTimeout("slow"), ""),
    ],
)
def test_an_exception_names_the_setting_that_fixes_it(exc, fix):
    assert classify_exception(exc, url="https://crm.example.com/").fix == fix


def test_the_fix_links_to_its_section_of_the_editor():
    url, words = fix_link(7, "auth")
    assert url == (
        "/admin/snippets/wagtail_chatbot_crm/chatbot/edit/7/"
        "#panel-child-crm_integration-authentication-section"
    )
    assert words == "Check the authentication settings"
    assert fix_link(7, "") is None


def test_the_technical_detail_is_the_last_cause_not_the_chain():
    try:
        try:
            try:
                raise ConnectionRefusedError(111, "Connection refused")
            except OSError as refused:
                raise NewConnectionError(None, "Failed to connect") from refused
        except NewConnectionError as failed:
            raise MaxRetryError(None, "/hooks", failed) from failed
    except MaxRetryError as exhausted:
        try:
            raise requests.exceptions.ConnectionError(exhausted) from exhausted
        except requests.exceptions.ConnectionError as error:
            outcome = classify_exception(error, url="https://crm.example.com/hooks")
    assert outcome.detail == "ConnectionRefusedError: [Errno 111] Connection refused"
    assert "←" not in outcome.detail
