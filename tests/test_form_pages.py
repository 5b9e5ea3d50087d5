"""Wagtail form pages into the lead pipeline (``form_pages.py``), through the
test site's contact page."""

import logging

import pytest
from django.core import mail
from wagtail.contrib.forms.models import FormSubmission

from tests.contact_pages import CONTACT_FORM_FIELDS, make_contact_page
from tests.test_e2e_consumer import FAST, wait_for
from tests.testapp.models import FormField
from wagtail_chatbot_crm.models import FieldRequirement, Lead, SyncStatus

ANSWERS = {
    "your_name": "Ada Lovelace",
    "email": "ada@example.com",
    "company": "Analytical Engines Ltd",
    "budget": "Over €20k",
    "message": "Please call me about a demo.",
}


@pytest.fixture
def contact_page(chatbot):
    return make_contact_page(chatbot)


def submit(client, page, **answers):
    return client.post(page.url, {**ANSWERS, **answers})


@pytest.mark.django_db
def test_submission_is_stored_emailed_and_recorded_as_a_lead(client, contact_page):
    response = submit(client, contact_page)

    assert response.status_code == 200
    assert "Thanks, we will be in touch." in response.content.decode()
    submission = FormSubmission.objects.get(page=contact_page)
    assert submission.get_data()["email"] == "ada@example.com"
    [email] = mail.outbox
    assert email.to == ["sales@example.com"]
    assert "Budget: Over €20k" in email.body

    lead = Lead.objects.get()
    assert lead.chatbot == contact_page.lead_chatbot
    assert (lead.name, lead.email, lead.company, lead.message) == (
        "Ada Lovelace",
        "ada@example.com",
        "Analytical Engines Ltd",
        "Please call me about a demo.",
    )
    assert lead.extra_data == {"Budget": "Over €20k"}
    assert lead.page_url == "http://localhost/contact/"
    assert lead.sync_status == SyncStatus.PENDING


@pytest.mark.django_db
def test_page_without_a_chatbot_records_no_lead(client):
    page = make_contact_page(None)
    response = submit(client, page)
    assert response.status_code == 200
    assert FormSubmission.objects.filter(page=page).count() == 1
    assert len(mail.outbox) == 1
    assert not Lead.objects.exists()


@pytest.mark.django_db
def test_switched_off_chatbot_records_no_lead(client, make_chatbot):
    page = make_contact_page(make_chatbot(enabled=False))
    response = submit(client, page)
    assert response.status_code == 200
    assert FormSubmission.objects.filter(page=page).count() == 1
    assert not Lead.objects.exists()


@pytest.mark.django_db
def test_chatbot_requiring_a_field_the_form_lacks_still_gets_the_lead(
    client, make_chatbot
):
    bot = make_chatbot(ask_phone=FieldRequirement.REQUIRED)
    page = make_contact_page(bot)
    submit(client, page)
    lead = Lead.objects.get()
    assert lead.email == "ada@example.com"
    assert lead.phone == ""


@pytest.mark.django_db
def test_value_the_chatbot_refuses_is_kept_as_extra_data(client, chatbot, caplog):
    # A plain text field mapped to the email: Wagtail takes any text, the
    # chatbot's email validation does not.
    fields = [
        {**field, "field_type": "singleline"} if field["label"] == "Email" else field
        for field in CONTACT_FORM_FIELDS
    ]
    page = make_contact_page(chatbot, fields=fields)
    with caplog.at_level(logging.INFO, logger="wagtail_chatbot_crm"):
        response = submit(client, page, email="ada at example dot com")

    assert response.status_code == 200
    lead = Lead.objects.get()
    assert lead.name == "Ada Lovelace"
    assert lead.email == ""
    assert lead.extra_data == {
        "Budget": "Over €20k",
        "Email": "ada at example dot com",
    }
    assert "refused email; kept as extra data" in caplog.text


@pytest.mark.django_db
def test_answer_with_control_characters_is_kept_as_extra_data(client, chatbot):
    page = make_contact_page(chatbot)
    response = submit(client, page, your_name="Evil\r\nBcc: x@example.com")
    assert response.status_code == 200
    lead = Lead.objects.get()
    assert lead.name == ""
    assert lead.extra_data["Your name"] == "Evil\r\nBcc: x@example.com"


@pytest.mark.django_db
def test_answer_for_a_field_the_chatbot_does_not_ask_is_kept_as_extra_data(
    client, make_chatbot
):
    page = make_contact_page(make_chatbot(ask_company=FieldRequirement.OFF))
    submit(client, page)
    lead = Lead.objects.get()
    assert lead.company == ""
    assert lead.extra_data["Company"] == "Analytical Engines Ltd"


@pytest.mark.django_db
def test_extra_answers_are_stored_as_json(client, chatbot):
    fields = [
        *CONTACT_FORM_FIELDS,
        {
            "label": "Topics",
            "field_type": "checkboxes",
            "required": False,
            "choices": "Pricing\nSupport\nIntegrations",
        },
        {"label": "Start date", "field_type": "date", "required": False},
        {"label": "Seats", "field_type": "number", "required": False},
        {"label": "Newsletter", "field_type": "checkbox", "required": False},
        {"label": "Reference", "field_type": "singleline", "required": False},
    ]
    page = make_contact_page(chatbot, fields=fields)
    submit(
        client,
        page,
        topics=["Pricing", "Integrations"],
        start_date="2026-03-01",
        seats="12",
        newsletter="on",
    )
    assert Lead.objects.get().extra_data == {
        "Budget": "Over €20k",
        "Topics": ["Pricing", "Integrations"],
        "Start date": "2026-03-01",
        "Seats": "12",
        "Newsletter": True,
        "Reference": "",
    }


@pytest.mark.django_db
def test_first_field_mapped_to_a_lead_field_wins(client, chatbot):
    fields = [
        *CONTACT_FORM_FIELDS,
        {
            "label": "Anything else?",
            "field_type": "multiline",
            "required": False,
            "lead_field": "message",
        },
    ]
    page = make_contact_page(chatbot, fields=fields)
    submit(client, page, anything_else="Mornings are best.")
    lead = Lead.objects.get()
    assert lead.message == "Please call me about a demo."
    assert lead.extra_data["Anything else?"] == "Mornings are best."


@pytest.mark.django_db
def test_failing_lead_recording_keeps_the_submission(
    client, contact_page, monkeypatch, caplog
):
    def broken(*args, **kwargs):
        raise RuntimeError("CRM pipeline bug")

    monkeypatch.setattr("wagtail_chatbot_crm.form_pages.record_lead", broken)
    response = submit(client, contact_page)

    assert response.status_code == 200
    assert "Thanks, we will be in touch." in response.content.decode()
    assert FormSubmission.objects.filter(page=contact_page).count() == 1
    assert len(mail.outbox) == 1
    assert not Lead.objects.exists()
    assert "Could not record a lead from form page" in caplog.text
    assert "CRM pipeline bug" in caplog.text


@pytest.mark.django_db
def test_invalid_form_records_nothing(client, contact_page):
    response = submit(client, contact_page, email="not-an-email")
    assert response.status_code == 200
    assert "Enter a valid email address." in response.content.decode()
    assert not FormSubmission.objects.exists()
    assert not Lead.objects.exists()


@pytest.mark.django_db
def test_editor_picks_the_chatbot_and_each_fields_lead_field(
    admin_client, contact_page
):
    response = admin_client.get(f"/admin/pages/{contact_page.pk}/edit/")
    html = response.content.decode()
    assert 'name="lead_chatbot"' in html
    assert 'name="form_fields-0-lead_field"' in html
    assert "Send this answer to the chatbot&#x27;s lead as" in html
    assert "Not sent as a lead field" in html


def test_field_model_keeps_wagtails_field_order():
    assert FormField._meta.ordering == ["sort_order"]


@pytest.mark.django_db(transaction=True)
def test_form_page_lead_is_synced(
    client, wagtail_site, make_chatbot, consumer, crm_server
):
    bot = make_chatbot(webhook_url=crm_server.url)
    page = make_contact_page(bot)
    consumer.start(**FAST)

    submit(client, page)

    lead, _ = wait_for(Lead.objects.get(), SyncStatus.SYNCED)
    [received] = crm_server.received
    body = received.json()
    assert body["email"] == "ada@example.com"
    assert body["company"] == "Analytical Engines Ltd"
    assert body["page_url"] == "http://localhost/contact/"
    assert lead.extra_data == {"Budget": "Over €20k"}


@pytest.mark.django_db
def test_the_lead_keeps_the_address_the_visitor_used(client, contact_page):
    """Not the Site record's root URL, which may name another host or port."""
    from wagtail.models import Site

    Site.objects.update(hostname="www.example.com", port=8000)
    response = client.post(
        contact_page.url, ANSWERS, HTTP_HOST="localhost:8301", secure=True
    )
    assert response.status_code == 200
    assert Lead.objects.get().page_url == "https://localhost:8301/contact/"
