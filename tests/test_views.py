"""The visitor endpoint: POST /chatbot/<slug>/leads/."""

import json
import threading
import time
import uuid

import pytest
import requests
from django.core.signals import request_finished, request_started
from django.urls import reverse
from wagtail.models import Site

from wagtail_chatbot_crm import tasks
from wagtail_chatbot_crm.models import Lead, SyncStatus

pytestmark = pytest.mark.django_db

VALID = {"name": "Ada Lovelace", "email": "ada@example.com"}


def url(slug="sales"):
    return reverse("wagtail_chatbot_crm:lead_capture", args=[slug])


def post_json(client, data, slug="sales", **headers):
    body = data if isinstance(data, str | bytes) else json.dumps(data)
    return client.post(url(slug), body, content_type="application/json", **headers)


def test_url_is_where_the_spec_says():
    assert url("demo") == "/chatbot/demo/leads/"


def test_json_lead_is_created(client, chatbot):
    response = post_json(client, {**VALID, "phone": "+44 20 7946 0958"})
    assert response.status_code == 201
    lead = Lead.objects.get()
    # The id is the uuid too: a number would tell how many leads a site gets.
    assert response.json() == {"id": str(lead.uuid), "uuid": str(lead.uuid)}
    assert lead.phone == "+44 20 7946 0958"
    assert lead.sync_status == SyncStatus.PENDING
    assert "no-store" in response["Cache-Control"]


def test_form_encoded_lead_is_created(client, chatbot):
    response = client.post(
        url(), {"name": "Ada", "email": "ada@example.com", "message": "Call me"}
    )
    assert response.status_code == 201
    assert Lead.objects.get().message == "Call me"


def test_urlencoded_body_is_accepted(client, chatbot):
    response = client.post(
        url(),
        "name=Ada&email=ada%40example.com",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 201


def test_each_bad_field_is_named(client, chatbot):
    response = post_json(
        client,
        {"name": "", "email": "ada@", "phone": "call me maybe", "message": "x" * 5001},
    )
    assert response.status_code == 400
    assert response.json() == {
        "errors": {
            "name": ["This field is required."],
            "email": ["Enter a valid email address."],
            "phone": ["Enter a phone number using digits, spaces and + ( ) - only."],
            "message": ["Ensure this value has at most 5000 characters (it has 5001)."],
        }
    }
    assert Lead.objects.count() == 0


def test_missing_required_fields_are_named(client, chatbot):
    response = post_json(client, {})
    assert response.status_code == 400
    assert response.json() == {
        "errors": {
            "name": ["This field is required."],
            "email": ["This field is required."],
        }
    }


@pytest.mark.parametrize("value", [42, ["ada@example.com"], {"a": 1}])
def test_non_text_json_values_are_refused(client, chatbot, value):
    response = post_json(client, {"name": "Ada", "email": value})
    assert response.status_code == 400
    assert response.json() == {"errors": {"email": ["Enter text."]}}


def test_bad_page_url_is_named(client, chatbot):
    response = post_json(client, {**VALID, "page_url": "javascript:alert(1)"})
    assert response.status_code == 400
    assert response.json() == {"errors": {"page_url": ["Enter a valid URL."]}}


CONTROL_CHARACTERS = (
    "Remove the line breaks, tabs and other control characters from this field."
)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name", "Evil\r\nBcc: x@example.com"),
        ("name", "Ada\tLovelace"),
        ("name", "Ada\x00"),
        ("email", "ada\n@example.com"),
        ("phone", "+44\r20 7946 0958"),
        ("company", "Acme\x1b[31m Ltd"),
        ("company", "Acme\u2028Ltd"),
        ("company", "Acme\x85Ltd"),
        ("page_url", "https://www.example.com/\x7f"),
        ("page_url", "https://www.example.com/a\nb"),
    ],
)
def test_control_characters_are_refused_naming_the_field(client, chatbot, field, value):
    response = post_json(client, {**VALID, field: value})
    assert response.status_code == 400
    assert response.json() == {"errors": {field: [CONTROL_CHARACTERS]}}
    assert Lead.objects.count() == 0


@pytest.mark.parametrize("value", ["Hi\x1b[2J", "Hi\x00there", "Hi\x07"])
def test_control_characters_in_the_message_are_refused(client, chatbot, value):
    response = post_json(client, {**VALID, "message": value})
    assert response.status_code == 400
    assert response.json() == {
        "errors": {"message": ["Remove the control characters from this field."]}
    }


def test_message_keeps_line_breaks_and_tabs(client, chatbot):
    message = "Hello,\r\nplease call me.\n\n\tThanks"
    assert post_json(client, {**VALID, "message": message}).status_code == 201
    assert Lead.objects.get().message == message


def test_form_encoded_control_characters_are_refused(client, chatbot):
    response = client.post(url(), {**VALID, "name": "Evil\r\nBcc: x@example.com"})
    assert response.status_code == 400
    assert response.json() == {"errors": {"name": [CONTROL_CHARACTERS]}}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("{not json", "The request body is not valid JSON."),
        ("null", "Send the lead as a JSON object."),
        (b"\xff\xfe", "The request body is not valid JSON."),
        ("[1, 2]", "Send the lead as a JSON object."),
        ('"text"', "Send the lead as a JSON object."),
    ],
)
def test_malformed_json_is_a_clear_400(client, chatbot, body, message):
    response = post_json(client, body)
    assert response.status_code == 400
    assert response.json() == {"errors": {"__all__": [message]}}
    assert Lead.objects.count() == 0


@pytest.mark.parametrize("content_type", ["text/plain", ""])
def test_unsupported_content_type_is_a_clear_400(client, chatbot, content_type):
    response = client.generic("POST", url(), b"", content_type=content_type)
    assert response.status_code == 400
    assert response.json() == {
        "errors": {"__all__": ["Send the lead as JSON or as form data."]}
    }


def test_unknown_chatbot_is_404(client, chatbot):
    response = post_json(client, VALID, slug="nope")
    assert response.status_code == 404
    assert response.json() == {
        "errors": {"__all__": ["There is no chatbot at this address."]}
    }


def test_disabled_chatbot_is_404(client, make_chatbot):
    make_chatbot(enabled=False)
    assert post_json(client, VALID).status_code == 404
    assert Lead.objects.count() == 0


@pytest.mark.parametrize("method", ["get", "put", "patch", "delete"])
def test_other_methods_are_405(client, chatbot, method):
    response = getattr(client, method)(url())
    assert response.status_code == 405
    assert response["Allow"] == "POST"
    assert response.json() == {"errors": {"__all__": ["Send leads with POST."]}}


def test_oversized_body_is_413_and_stores_nothing(client, chatbot):
    response = post_json(client, {**VALID, "message": "x" * 20_000})
    assert response.status_code == 413
    assert response.json() == {"errors": {"__all__": ["The request is too large."]}}
    assert Lead.objects.count() == 0


def test_body_limit_is_a_setting(client, chatbot, settings):
    settings.WAGTAIL_CHATBOT_CRM = {
        **settings.WAGTAIL_CHATBOT_CRM,
        "MAX_REQUEST_BYTES": 100,
    }
    assert post_json(client, {**VALID, "message": "x" * 100}).status_code == 413
    assert post_json(client, VALID).status_code == 201


@pytest.mark.parametrize(
    "headers",
    [
        {"HTTP_ORIGIN": "https://evil.example"},
        {"HTTP_ORIGIN": "null"},
        {"HTTP_REFERER": "https://evil.example/page"},
        {"HTTP_ORIGIN": "https://evil.example", "HTTP_REFERER": "http://testserver/"},
        # The same host on another port or scheme is another site.
        {"HTTP_ORIGIN": "http://testserver:8080"},
        {"HTTP_ORIGIN": "https://testserver"},
        {"HTTP_ORIGIN": "https://TESTSERVER:8443"},
        {"HTTP_REFERER": "http://testserver:9999/page"},
        {"HTTP_ORIGIN": "http://localhost:9999"},  # a Wagtail Site on port 80
        {"HTTP_ORIGIN": "https://localhost"},
        # Unreadable ports are no origin.
        {"HTTP_ORIGIN": "http://testserver:abc"},
        {"HTTP_ORIGIN": "http://testserver:99999"},
        {"HTTP_ORIGIN": "ftp://testserver"},
    ],
)
def test_another_sites_page_is_403(client, chatbot, headers):
    response = post_json(client, VALID, **headers)
    assert response.status_code == 403
    assert response.json() == {
        "errors": {"__all__": ["Leads can only be sent from this site."]}
    }
    assert Lead.objects.count() == 0


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"HTTP_ORIGIN": "http://testserver"},
        {"HTTP_ORIGIN": "http://TESTSERVER:80"},
        {"HTTP_REFERER": "http://testserver/contact/"},
        {"HTTP_ORIGIN": "http://localhost"},  # a Wagtail Site's hostname
    ],
)
def test_own_site_or_server_side_client_is_accepted(client, chatbot, headers):
    assert post_json(client, VALID, **headers).status_code == 201


def test_origin_port_is_compared_with_the_requests_own(client, chatbot):
    # A site served on :8000 does not take leads from a page on :9999.
    own = {"HTTP_HOST": "127.0.0.1:8000"}
    for origin in (
        "http://127.0.0.1:9999",
        "http://127.0.0.1",
        "https://127.0.0.1:8000",
    ):
        assert post_json(client, VALID, HTTP_ORIGIN=origin, **own).status_code == 403
        assert (
            post_json(client, VALID, HTTP_REFERER=f"{origin}/p", **own).status_code
            == 403
        )
    assert (
        post_json(client, VALID, HTTP_ORIGIN="http://127.0.0.1:8000", **own).status_code
        == 201
    )
    assert (
        post_json(
            client, VALID, HTTP_REFERER="http://127.0.0.1:8000/p", **own
        ).status_code
        == 201
    )


def test_origin_scheme_follows_the_request(client, chatbot):
    assert (
        post_json(
            client, VALID, HTTP_ORIGIN="https://testserver", secure=True
        ).status_code
        == 201
    )
    assert (
        post_json(
            client, VALID, HTTP_ORIGIN="https://testserver:443", secure=True
        ).status_code
        == 201
    )
    assert (
        post_json(
            client, VALID, HTTP_ORIGIN="http://testserver", secure=True
        ).status_code
        == 403
    )


def test_wagtail_sites_origins_carry_their_port(client, chatbot):
    root_page = Site.objects.get(is_default_site=True).root_page
    Site.objects.create(hostname="shop.example.com", port=8000, root_page=root_page)
    Site.objects.create(hostname="secure.example.com", port=443, root_page=root_page)
    for origin, status in [
        ("http://shop.example.com:8000", 201),
        ("http://shop.example.com", 403),
        ("https://secure.example.com", 201),
        ("http://secure.example.com", 403),
    ]:
        assert post_json(client, VALID, HTTP_ORIGIN=origin).status_code == status, (
            origin
        )


def test_trusted_origins_setting(client, chatbot, settings):
    settings.WAGTAIL_CHATBOT_CRM = {
        **settings.WAGTAIL_CHATBOT_CRM,
        "TRUSTED_ORIGINS": [
            "https://shop.example.com",
            "landing.example.com",
            "dev.example.com:8000",
            "http://127.0.0.1:8001",
        ],
    }
    for origin, status in [
        # A full origin: that scheme, host and port only.
        ("https://shop.example.com", 201),
        ("https://shop.example.com:443", 201),
        ("http://shop.example.com", 403),
        ("https://shop.example.com:8443", 403),
        # A host alone: http or https on their default ports.
        ("https://landing.example.com", 201),
        ("http://landing.example.com", 201),
        ("https://landing.example.com:8443", 403),
        # A host and port: http or https on that port.
        ("http://dev.example.com:8000", 201),
        ("https://dev.example.com:8000", 201),
        ("http://dev.example.com", 403),
        ("http://127.0.0.1:8001", 201),
        ("http://127.0.0.1:8002", 403),
        ("https://other.example.com", 403),
    ]:
        assert post_json(client, VALID, HTTP_ORIGIN=origin).status_code == status, (
            origin
        )


@pytest.mark.usefixtures("steady_rate_window")
def test_rate_limit_answers_429_with_retry_after(client, chatbot, settings):
    settings.WAGTAIL_CHATBOT_CRM = {
        **settings.WAGTAIL_CHATBOT_CRM,
        "RATE_LIMIT_REQUESTS": 3,
        "RATE_LIMIT_WINDOW": 60,
    }
    statuses = [post_json(client, VALID).status_code for _ in range(3)]
    assert statuses == [201, 201, 201]
    response = post_json(client, VALID)
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 60
    assert response.json() == {
        "errors": {
            "__all__": ["Too many messages from you. Please try again in a minute."]
        }
    }
    assert Lead.objects.count() == 3
    # Another client is not affected.
    assert post_json(client, VALID, REMOTE_ADDR="198.51.100.7").status_code == 201


@pytest.mark.usefixtures("steady_rate_window")
def test_refused_submissions_use_up_the_limit_a_third_as_fast(
    client, chatbot, settings
):
    """A visitor fixing a typo is not locked out like a flood of leads."""
    settings.WAGTAIL_CHATBOT_CRM = {
        **settings.WAGTAIL_CHATBOT_CRM,
        "RATE_LIMIT_REQUESTS": 2,
        "RATE_LIMIT_WINDOW": 60,
    }
    bad = {**VALID, "email": "not-an-email"}
    statuses = [post_json(client, bad).status_code for _ in range(3)]
    assert statuses == [400, 400, 400]
    # Three refusals cost one accepted submission: one is left.
    assert post_json(client, VALID).status_code == 201
    assert post_json(client, VALID).status_code == 429
    assert Lead.objects.count() == 1


@pytest.mark.usefixtures("steady_rate_window")
def test_rate_limit_uses_the_proxy_header_when_configured(client, chatbot, settings):
    settings.WAGTAIL_CHATBOT_CRM = {
        **settings.WAGTAIL_CHATBOT_CRM,
        "RATE_LIMIT_REQUESTS": 1,
        "CLIENT_IP_HEADER": "HTTP_X_FORWARDED_FOR",
    }
    first = {"HTTP_X_FORWARDED_FOR": "spoofed, 203.0.113.1"}
    second = {"HTTP_X_FORWARDED_FOR": "spoofed, 203.0.113.2"}
    assert post_json(client, VALID, **first).status_code == 201
    assert post_json(client, VALID, **first).status_code == 429
    assert post_json(client, VALID, **second).status_code == 201


def test_rate_limit_can_be_turned_off(client, chatbot, settings):
    settings.WAGTAIL_CHATBOT_CRM = {
        **settings.WAGTAIL_CHATBOT_CRM,
        "RATE_LIMIT_REQUESTS": 0,
    }
    assert {post_json(client, VALID).status_code for _ in range(15)} == {201}


def test_honeypot_is_answered_exactly_like_a_lead_and_stores_nothing(client, chatbot):
    real = post_json(client, VALID)
    trap = post_json(client, {**VALID, "website": "http://spam.example"})
    assert Lead.objects.count() == 1
    assert trap.status_code == real.status_code == 201
    body = trap.json()
    assert set(body) == {"id", "uuid"}
    assert body["id"] == body["uuid"] == str(uuid.UUID(body["uuid"]))
    assert body["uuid"] != str(Lead.objects.get().uuid)
    assert trap.headers.keys() == real.headers.keys()
    for header in ("Content-Type", "Content-Length", "Cache-Control"):
        assert trap[header] == real[header]


def test_honeypot_answers_bad_fields_like_a_lead_would(client, chatbot):
    bad = {"name": "", "email": "ada@"}
    real = post_json(client, bad)
    trap = post_json(client, {**bad, "website": "http://spam.example"})
    assert trap.status_code == real.status_code == 400
    assert trap.json() == real.json()


def test_honeypot_field_is_configurable(client, chatbot, settings):
    settings.WAGTAIL_CHATBOT_CRM = {
        **settings.WAGTAIL_CHATBOT_CRM,
        "HONEYPOT_FIELD": "",
    }
    assert post_json(client, {**VALID, "website": "x"}).status_code == 201
    assert Lead.objects.count() == 1


def test_lead_for_chatbot_with_sync_off_is_not_sent(client, make_chatbot):
    make_chatbot(crm_enabled=False)
    assert post_json(client, VALID).status_code == 201
    lead = Lead.objects.get()
    assert lead.sync_status == SyncStatus.SKIPPED
    assert lead.last_error == "CRM sync was off when this lead came in."


@pytest.mark.django_db(transaction=True)
def test_concurrent_submissions_are_all_saved(live_server, make_chatbot, settings):
    settings.WAGTAIL_CHATBOT_CRM = {
        **settings.WAGTAIL_CHATBOT_CRM,
        "RATE_LIMIT_REQUESTS": 0,
    }
    make_chatbot()
    # As many at once as the live server's listen backlog holds (Django's
    # request_queue_size): more depend on the kernel's SYN retries, and a
    # loaded machine then resets one. tests/test_load_submit.py keeps 24 in
    # flight for 1,000 visitors.
    count = 10
    statuses = []
    barrier = threading.Barrier(count)

    def submit(number):
        barrier.wait()
        response = requests.post(
            f"{live_server.url}{url()}",
            json={"name": f"Visitor {number}", "email": f"v{number}@example.com"},
            timeout=30,
        )
        statuses.append(response.status_code)

    threads = [threading.Thread(target=submit, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert statuses == [201] * count
    assert Lead.objects.count() == count
    assert len(set(Lead.objects.values_list("uuid", flat=True))) == count


@pytest.mark.django_db(transaction=True)
def test_the_visitor_never_waits_for_the_queue(live_server, chatbot, monkeypatch):
    """The lead is queued once the answer has gone out: a queue that is slow
    (or down: the sweep then queues the lead) costs the visitor nothing."""
    release = threading.Event()
    queued = []

    def slow_queue(lead_id, **kwargs):
        release.wait(10)
        queued.append(lead_id)

    monkeypatch.setattr(tasks, "enqueue", slow_queue)
    response = requests.post(f"{live_server.url}{url()}", json=VALID, timeout=5)
    assert response.status_code == 201
    lead = Lead.objects.get()
    assert lead.sync_status == SyncStatus.PENDING
    assert lead.next_attempt_at is not None  # due: the sweep's to queue
    assert queued == []
    release.set()
    deadline = time.monotonic() + 10
    while not queued and time.monotonic() < deadline:
        time.sleep(0.01)
    assert queued == [lead.pk]


@pytest.mark.django_db(transaction=True)
def test_a_lead_is_queued_before_the_test_client_returns(client, chatbot):
    from huey.contrib.djhuey import HUEY

    HUEY.flush()
    post_json(client, VALID)
    assert [task.args[0] for task in HUEY.pending()] == [Lead.objects.get().pk]
    HUEY.flush()


def test_leads_of_a_request_whose_end_went_unsignalled_are_queued_by_the_next(
    monkeypatch,
):
    queued = []
    monkeypatch.setattr(
        tasks, "enqueue", lambda lead_id, **kwargs: queued.append(lead_id)
    )
    request_started.send(sender=None)
    tasks.enqueue_after_response(7)
    assert queued == []
    request_started.send(sender=None)  # no request_finished in between
    assert queued == [7]
    request_finished.send(sender=None)
    assert queued == [7]
    tasks.enqueue_after_response(8)  # outside a request: at once
    assert queued == [7, 8]


@pytest.mark.parametrize(
    "body",
    [
        # Python 3.11 gives up on deep nesting; 3.12+ parse it, then it is
        # no object (or no text where text is asked for). Either way: a 400.
        "[" * 6000 + "]" * 6000,
        '{"name": ' + "[" * 6000 + "]" * 6000 + ', "email": "a@example.com"}',
        '{"name": "A\\ud800B", "email": "a@example.com"}',
    ],
)
def test_pathological_json_is_a_clear_400(client, chatbot, body, settings):
    settings.WAGTAIL_CHATBOT_CRM = {
        **settings.WAGTAIL_CHATBOT_CRM,
        "MAX_REQUEST_BYTES": 100_000,
    }
    response = post_json(client, body)
    assert response.status_code == 400
    assert response.json()["errors"] in (
        {"__all__": ["The request body is not valid JSON."]},
        {"__all__": ["Send the lead as a JSON object."]},
        {"name": ["Enter text."]},
    )
    assert Lead.objects.count() == 0


def test_too_many_form_fields_is_a_clear_400(client, chatbot, settings):
    settings.WAGTAIL_CHATBOT_CRM = {
        **settings.WAGTAIL_CHATBOT_CRM,
        "MAX_REQUEST_BYTES": 100_000,
    }
    body = "&".join(f"f{n}=x" for n in range(1100))
    response = client.post(
        url(), body, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 400
    assert response.json() == {
        "errors": {"__all__": ["The form data could not be read."]}
    }


@pytest.mark.parametrize(
    ("value", "consent"),
    [
        (True, True),
        ("true", True),
        ("on", True),
        ("1", True),
        (False, False),
        ("false", False),
        ("0", False),
        ("no", False),
        ("off", False),
        ("", False),
    ],
)
def test_consent_only_by_an_unmistakable_yes(client, make_chatbot, value, consent):
    make_chatbot(consent_text="You may contact me.")
    assert post_json(client, {**VALID, "consent": value}).status_code == 201
    assert Lead.objects.get().consent is consent


@pytest.mark.parametrize("value", ["maybe", [1], {"a": 1}, 2])
def test_unclear_consent_is_a_field_error(client, make_chatbot, value):
    make_chatbot(consent_text="You may contact me.")
    response = post_json(client, {**VALID, "consent": value})
    assert response.status_code == 400
    assert response.json() == {"errors": {"consent": ["Enter true or false."]}}


def test_form_encoded_consent_off_is_no_consent(client, make_chatbot):
    make_chatbot(consent_text="You may contact me.")
    client.post(url(), {**VALID, "consent": "off"})
    assert Lead.objects.get().consent is False
