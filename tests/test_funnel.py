"""The funnel: the widget counts opens and started conversations, and the
dashboard shows them beside leads sent and synced, per chatbot."""

import json

import pytest
from django.urls import reverse

from wagtail_chatbot_crm.funnel import count_event, funnel
from wagtail_chatbot_crm.leads import record_lead
from wagtail_chatbot_crm.models import SyncStatus, WidgetDailyCount

pytestmark = pytest.mark.django_db

URL = "/chatbot/sales/events/"


def send(client, body, **headers):
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    return client.post(URL, data, content_type="application/json", **headers)


def test_the_url_is_beside_the_lead_endpoint():
    assert reverse("wagtail_chatbot_crm:widget_event", args=["sales"]) == URL


def test_events_are_counted_per_chatbot_and_day(client, chatbot):
    assert send(client, {"event": "opened"}).status_code == 204
    assert send(client, {"event": "opened"}).status_code == 204
    assert send(client, {"event": "started"}).status_code == 204
    counts = dict(WidgetDailyCount.objects.values_list("event", "count"))
    assert counts == {"opened": 2, "started": 1}
    # Nothing about the visitor: no cookie set, nothing but the count kept.
    assert not send(client, {"event": "opened"}).cookies


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"event": "clicked"}, 400),
        ({}, 400),
        ("not json", 400),
        ('["opened"]', 400),
        ({"event": "opened", "padding": "x" * 300}, 413),
    ],
)
def test_bad_events_get_a_clear_answer_and_count_nothing(client, chatbot, body, status):
    response = send(client, body)
    assert response.status_code == status
    assert response.json()["errors"]["__all__"]
    assert not WidgetDailyCount.objects.exists()


@pytest.mark.usefixtures("steady_rate_window")
def test_other_answers(client, chatbot, settings):
    assert client.get(URL).status_code == 405
    assert (
        client.post("/chatbot/nobody/events/", "{}", "application/json").status_code
        == 404
    )
    other = send(client, {"event": "opened"}, HTTP_ORIGIN="https://evil.example")
    assert other.status_code == 403
    settings.WAGTAIL_CHATBOT_CRM = {
        **settings.WAGTAIL_CHATBOT_CRM,
        "RATE_LIMIT_REQUESTS": 1,
    }
    answers = [send(client, {"event": "opened"}).status_code for _ in range(11)]
    assert answers == [204] * 10 + [429]


def test_the_funnel_puts_leads_beside_the_counts(chatbot, make_chatbot):
    quiet = make_chatbot(name="Quiet", slug="quiet")  # nothing: not listed
    for _ in range(3):
        count_event(chatbot, "opened")
    count_event(chatbot, "started")
    synced = record_lead(chatbot, {"name": "Ada", "email": "ada@example.com"})
    synced.sync_status = SyncStatus.SYNCED
    synced.save()
    record_lead(chatbot, {"name": "Bob", "email": "bob@example.com"})
    [row] = funnel()
    assert row["chatbot"] == chatbot
    assert row["chatbot"] != quiet
    assert (row["opened"], row["started"], row["sent"], row["synced"]) == (3, 1, 2, 1)


def test_the_dashboard_shows_the_funnel(admin_client, chatbot, wagtail_site):
    count_event(chatbot, "opened")
    html = admin_client.get(reverse("wagtailadmin_home")).content.decode()
    assert "Where visitors drop off, last 7 days" in html
    assert "Conversations started" in html
