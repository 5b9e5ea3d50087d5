"""Attribution: the landing page, referrer and UTM parameters of the visit
travel with the lead, are stored, shown, exported and can be mapped."""

import csv
import io
import json

import pytest
from django.urls import reverse

from tests.test_delivery import deliver
from wagtail_chatbot_crm.attribution import clean_attribution
from wagtail_chatbot_crm.leads import record_lead
from wagtail_chatbot_crm.models import FieldMapping, Lead, StaticValue

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_queue")]

VISIT = {
    "landing_page": "https://www.example.com/pricing/?utm_source=newsletter",
    "referrer": "https://news.example.org/issue-42",
    "utm_source": "newsletter",
    "utm_medium": "email",
    "utm_campaign": "autumn-launch",
    "utm_term": "crm chatbot",
    "utm_content": "header-link",
}
VISITOR = {"name": "Ada Lovelace", "email": "ada@example.com"}


def submit(client, data, slug="sales"):
    return client.post(
        f"/chatbot/{slug}/leads/", json.dumps(data), content_type="application/json"
    )


def test_the_endpoint_stores_the_visits_attribution(client, chatbot):
    assert submit(client, {**VISITOR, **VISIT}).status_code == 201
    lead = Lead.objects.get()
    assert {name: getattr(lead, name) for name in VISIT} == VISIT


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        # Never a 400: a visitor cannot fix what their browser reported.
        ({"referrer": "javascript:alert(1)"}, {"referrer": ""}),
        ({"landing_page": "/pricing/"}, {"landing_page": ""}),
        ({"referrer": "https://x.example/" + "a" * 3000}, {"referrer_length": 2048}),
        ({"utm_source": "news\x00letter\n"}, {"utm_source": "newsletter"}),
        ({"utm_campaign": "c" * 300}, {"utm_campaign": "c" * 255}),
        ({"utm_medium": ["email"], "utm_term": 42}, {"utm_medium": "", "utm_term": ""}),
    ],
)
def test_odd_attribution_is_made_safe_and_never_costs_the_lead(
    client, chatbot, sent, kept
):
    assert submit(client, {**VISITOR, **sent}).status_code == 201
    lead = Lead.objects.get()
    for name, value in kept.items():
        if name == "referrer_length":
            assert len(lead.referrer) == value
        else:
            assert getattr(lead, name) == value


def test_form_encoded_attribution_is_kept_too(client, chatbot):
    response = client.post("/chatbot/sales/leads/", {**VISITOR, "utm_source": "ads"})
    assert response.status_code == 201
    assert Lead.objects.get().utm_source == "ads"


def test_clean_attribution_fills_every_key():
    assert clean_attribution({}) == dict.fromkeys(VISIT, "")


def test_mapped_attribution_reaches_the_crm(make_chatbot, crm_server):
    bot = make_chatbot(webhook_url=crm_server.url)
    FieldMapping.objects.create(chatbot=bot, source="email", crm_field="email")
    FieldMapping.objects.create(
        chatbot=bot, source="utm_campaign", crm_field="properties.campaign"
    )
    FieldMapping.objects.create(
        chatbot=bot, source="referrer", crm_field="properties.referrer"
    )
    deliver(record_lead(bot, {**VISITOR, **VISIT}).pk)
    assert crm_server.received[-1].json() == {
        "email": "ada@example.com",
        "properties": {
            "campaign": "autumn-launch",
            "referrer": "https://news.example.org/issue-42",
        },
    }


def test_the_default_body_carries_only_the_attribution_there_is(
    make_chatbot, crm_server
):
    bot = make_chatbot(webhook_url=crm_server.url)
    deliver(record_lead(bot, VISITOR).pk)
    assert not set(VISIT) & set(crm_server.received[-1].json())
    deliver(record_lead(bot, {**VISITOR, "utm_source": "ads"}).pk)
    body = crm_server.received[-1].json()
    assert body["utm_source"] == "ads"
    assert not (set(VISIT) - {"utm_source"}) & set(body)


def test_a_static_value_of_the_same_name_wins_over_the_default_body(
    make_chatbot, crm_server
):
    bot = make_chatbot(webhook_url=crm_server.url)
    StaticValue.objects.create(chatbot=bot, crm_field="utm_source", value="chatbot")
    deliver(record_lead(bot, {**VISITOR, "utm_source": "ads"}).pk)
    assert crm_server.received[-1].json()["utm_source"] == "chatbot"


def test_the_lead_page_and_the_export_show_it(admin_client, chatbot):
    lead = record_lead(chatbot, {**VISITOR, **VISIT})
    page = admin_client.get(reverse("chatbot_crm_admin:lead", args=[lead.pk]))
    html = page.content.decode()
    for label in ("Landing page", "Referrer", "UTM campaign"):
        assert label in html
    assert "autumn-launch" in html
    plain = record_lead(chatbot, {**VISITOR, "email": "grace@example.com"})
    assert (
        "UTM campaign"
        not in admin_client.get(
            reverse("chatbot_crm_admin:lead", args=[plain.pk])
        ).content.decode()
    )

    response = admin_client.get(reverse("chatbot_crm_admin:leads") + "?export=csv")
    rows = list(
        csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode()))
    )
    by_email = {row["Email"]: row for row in rows}
    assert by_email["ada@example.com"]["UTM source"] == "newsletter"
    assert by_email["ada@example.com"]["Referrer"] == VISIT["referrer"]
    assert by_email["grace@example.com"]["Landing page"] == ""


def test_a_mapped_attribution_row_is_left_out_when_the_visit_had_none(
    make_chatbot, crm_server
):
    """Sent empty, it would wipe what an upsert CRM kept from an earlier visit."""
    bot = make_chatbot(webhook_url=crm_server.url)
    FieldMapping.objects.create(chatbot=bot, source="email", crm_field="email")
    FieldMapping.objects.create(chatbot=bot, source="phone", crm_field="phone")
    FieldMapping.objects.create(
        chatbot=bot, source="utm_medium", crm_field="contact.medium"
    )
    deliver(record_lead(bot, VISITOR).pk)
    # A contact field left empty is still sent; attribution is not.
    assert crm_server.received[-1].json() == {"email": "ada@example.com", "phone": ""}
