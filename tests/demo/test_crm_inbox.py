"""The example site's demo CRM inbox: the webhook, its modes, and the page."""

import json

import pytest
from django.forms.models import model_to_dict
from django.urls import reverse

from crm_inbox.models import InboxBehaviour, InboxMessage, InboxMode

pytestmark = pytest.mark.django_db

TOKEN = "demo-crm-token"
LEAD = {"contact": {"first_name": "Ada", "email": "ada@example.com"}}


def post_lead(client, token=TOKEN, **headers):
    if token is not None:
        headers.setdefault("HTTP_AUTHORIZATION", f"Bearer {token}")
    return client.post(
        reverse("crm_inbox:webhook"),
        json.dumps(LEAD),
        content_type="application/json",
        **headers,
    )


def set_mode(mode, slow_seconds=5):
    InboxBehaviour(mode=mode, slow_seconds=slow_seconds).save()


def test_urls_are_under_demo_crm():
    assert reverse("crm_inbox:inbox") == "/demo-crm/"
    assert reverse("crm_inbox:webhook") == "/demo-crm/webhook/"
    assert reverse("crm_inbox:mode") == "/demo-crm/mode/"


def test_right_token_is_accepted_and_stored_masked(client):
    response = post_lead(client, HTTP_IDEMPOTENCY_KEY="lead-1")
    assert response.status_code == 201
    message = InboxMessage.objects.get()
    assert response.json() == {"id": message.pk, "status": "created"}
    assert message.accepted
    assert message.status_code == 201
    assert message.method == "POST"
    assert message.path == "/demo-crm/webhook/"
    assert message.content_type == "application/json"
    assert json.loads(message.body) == LEAD
    assert message.headers["Authorization"] == "Bearer ***"
    assert message.idempotency_key == "lead-1"
    assert TOKEN not in json.dumps(model_to_dict(message), default=str)


@pytest.mark.parametrize("token", ["wrong-token", "", None])
def test_wrong_or_missing_token_is_401_and_recorded(client, token):
    response = post_lead(client, token=token)
    assert response.status_code == 401
    assert response.json() == {"error": "Invalid or missing bearer token"}
    message = InboxMessage.objects.get()
    assert not message.accepted
    assert message.status_code == 401


def test_token_from_setting(client, settings):
    settings.DEMO_CRM_TOKEN = "another-token"
    assert post_lead(client).status_code == 401
    assert post_lead(client, token="another-token").status_code == 201


def test_other_scheme_is_masked_without_scheme(client):
    response = post_lead(client, HTTP_AUTHORIZATION=f"Basic {TOKEN}")
    assert response.status_code == 401
    message = InboxMessage.objects.get()
    assert message.headers["Authorization"] == "***"
    assert TOKEN not in json.dumps(model_to_dict(message), default=str)


def test_invalid_utf8_body_is_kept_with_replacements(client):
    response = client.post(
        reverse("crm_inbox:webhook"),
        b"caf\xe9",
        content_type="text/plain",
        HTTP_AUTHORIZATION=f"Bearer {TOKEN}",
    )
    assert response.status_code == 201
    assert InboxMessage.objects.get().body == "caf\ufffd"


@pytest.mark.parametrize(
    ("mode", "status", "accepted"),
    [
        (InboxMode.OK, 201, True),
        (InboxMode.FAIL, 500, False),
        (InboxMode.SLOW, 201, True),
        (InboxMode.RATE_LIMITED, 429, False),
        (InboxMode.UNAUTHORIZED, 401, False),
    ],
)
def test_each_mode_answers_its_status(client, mode, status, accepted):
    set_mode(mode, slow_seconds=0)
    response = post_lead(client)
    assert response.status_code == status
    assert "error" in response.json() or response.json()["status"] == "created"
    message = InboxMessage.objects.get()
    assert message.status_code == status
    assert message.accepted is accepted


def test_rate_limited_says_when_to_retry(client):
    set_mode(InboxMode.RATE_LIMITED)
    response = post_lead(client)
    assert response.status_code == 429
    assert response["Retry-After"] == "30"


def test_slow_mode_waits(client, monkeypatch):
    slept = []
    monkeypatch.setattr("crm_inbox.views.time.sleep", slept.append)
    set_mode(InboxMode.SLOW, slow_seconds=3)
    assert post_lead(client).status_code == 201
    assert slept == [3]


def test_wrong_token_wins_over_mode(client):
    set_mode(InboxMode.FAIL)
    assert post_lead(client, token="wrong").status_code == 401


def test_get_on_webhook_is_405(client):
    response = client.get(reverse("crm_inbox:webhook"))
    assert response.status_code == 405
    assert response["Allow"] == "POST"
    assert not InboxMessage.objects.exists()


def test_webhook_needs_no_csrf_token():
    from django.test import Client

    response = post_lead(Client(enforce_csrf_checks=True))
    assert response.status_code == 201


def test_inbox_page_lists_messages(client):
    post_lead(client, HTTP_IDEMPOTENCY_KEY="lead-42-attempt")
    response = client.get(reverse("crm_inbox:inbox"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "lead-42-attempt" in html
    assert "ada@example.com" in html
    assert "201" in html
    assert TOKEN not in html
    assert "csrfmiddlewaretoken" in html


def test_inbox_page_shows_at_most_fifty(client):
    InboxMessage.objects.bulk_create(
        InboxMessage(method="POST", path="/", status_code=201, body=f"body-{n}")
        for n in range(55)
    )
    response = client.get(reverse("crm_inbox:inbox"))
    assert len(response.context["messages_list"]) == 50


def test_mode_switch_form(client):
    response = client.get(reverse("crm_inbox:inbox"))
    assert "OK: 201 Created" in response.content.decode()

    response = client.post(
        reverse("crm_inbox:mode"), {"mode": "rate_limited", "slow_seconds": "5"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("crm_inbox:inbox")
    assert InboxBehaviour.current().mode == InboxMode.RATE_LIMITED
    assert InboxBehaviour.objects.count() == 1

    page = client.get(reverse("crm_inbox:inbox")).content.decode()
    assert "Current mode: <strong>Rate limited" in page
    assert post_lead(client).status_code == 429


@pytest.mark.parametrize(
    "data",
    [{"mode": "chaos", "slow_seconds": "5"}, {"mode": "slow", "slow_seconds": "61"}],
)
def test_mode_switch_rejects_bad_values(client, data):
    response = client.post(reverse("crm_inbox:mode"), data)
    assert response.status_code == 400
    assert InboxBehaviour.current().mode == InboxMode.OK


def test_mode_switch_needs_csrf_token():
    from django.test import Client

    response = Client(enforce_csrf_checks=True).post(
        reverse("crm_inbox:mode"), {"mode": "fail", "slow_seconds": "5"}
    )
    assert response.status_code == 403
    assert InboxBehaviour.current().mode == InboxMode.OK
