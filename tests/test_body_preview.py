"""“What is sent” in the chatbot editor: the body a lead would be sent with,
from the unsaved rows, through Django's client. Nothing is sent."""

import json

import pytest
from django.urls import reverse

from tests.test_admin import form_data
from tests.test_connection_view import JSON, client_for, staff_user
from wagtail_chatbot_crm.models import Chatbot, DeliveryAttempt, Lead

pytestmark = pytest.mark.django_db

NEW_URL = reverse("chatbot_crm_admin:preview_body")
TOKEN = "tok_preview_7f3a91"


def preview_url(chatbot):
    return reverse("chatbot_crm_admin:preview_body_existing", args=[chatbot.pk])


def preview(client, url=NEW_URL, **fields):
    response = client.post(url, form_data(**fields), **JSON)
    return response, response.json()


def test_without_rows_the_default_body_is_shown_and_offered_as_rows(
    admin_client, crm_server
):
    response, result = preview(admin_client, webhook_url=crm_server.url)
    assert response.status_code == 200
    assert result["message"].startswith("No mapping rows: the default body is sent")
    body = json.loads(result["request_body"])
    assert body["email"] == "ada@example.com"
    assert body["first_name"] == "Ada"
    # The sample lead came from a newsletter link.
    assert body["utm_source"] == "newsletter"
    assert {"source": "email", "crm_field": "email"} in result["default_rows"]
    assert "Start from the default rows" in result["html"]
    assert crm_server.received == []


def test_rows_build_the_body_and_unsent_contact_fields_are_named(admin_client):
    # Two rows for a form page's answers only: name, email and message,
    # asked of visitors, would not reach the CRM.
    _response, result = preview(
        admin_client,
        mappings=[
            {"source": "extra", "crm_field": "subject", "extra_key": "Subject"},
            {"source": "utm_campaign", "crm_field": "campaign"},
        ],
        statics=[{"crm_field": "lead_source", "value": "Chatbot"}],
    )
    assert result["message"] == (
        "Built from your 2 mapping rows: only what the rows name is sent."
    )
    assert json.loads(result["request_body"]) == {
        "subject": "(the answer to “Subject”)",
        "campaign": "spring-launch",
        "lead_source": "Chatbot",
    }
    assert result["notes"][0] == (
        "Asked of visitors but not sent: Name, Email, Phone, Message. "
        "Add a row for each."
    )
    assert "left out for a lead that has none" in result["notes"][1]
    assert result["default_rows"] == []


def test_the_unsaved_rows_of_a_saved_chatbot_are_used(admin_client, make_chatbot):
    chatbot = make_chatbot()
    _response, result = preview(
        admin_client,
        preview_url(chatbot),
        mappings=[{"source": "email", "crm_field": "properties.email"}],
        body_format="form",
    )
    assert result["request_body"] == "properties.email = ada@example.com"
    assert not chatbot.field_mappings.exists()


def test_a_mapping_that_cannot_be_used_says_why(admin_client):
    response, result = preview(
        admin_client,
        mappings=[
            {"source": "email", "crm_field": "contact"},
            {"source": "name", "crm_field": "contact.name"},
        ],
    )
    assert response.status_code == 400
    assert result["success"] is False
    assert any("contact" in error for error in result["errors"])


def test_a_secret_in_a_static_value_is_redacted(admin_client):
    _response, result = preview(
        admin_client,
        auth_type="bearer",
        bearer_token=TOKEN,
        statics=[{"crm_field": "key", "value": TOKEN}],
        mappings=[{"source": "email", "crm_field": "email"}],
    )
    assert TOKEN not in json.dumps(result)
    assert json.loads(result["request_body"])["key"] == "[redacted]"


def test_editing_the_chatbot_is_permission_enough_and_nothing_is_stored(
    django_user_model, make_chatbot
):
    chatbot = make_chatbot()
    editor = client_for(
        staff_user(django_user_model, "wagtail_chatbot_crm.change_chatbot")
    )
    response, result = preview(editor, preview_url(chatbot))
    assert response.status_code == 200 and result["success"]
    outsider = client_for(staff_user(django_user_model, username="outsider"))
    response, result = preview(outsider, preview_url(chatbot))
    assert response.status_code == 403
    assert (Lead.objects.count(), DeliveryAttempt.objects.count()) == (0, 0)
    assert Chatbot.objects.count() == 1


def test_without_javascript_the_button_answers_with_a_page(admin_client):
    response = admin_client.post(NEW_URL, form_data())
    assert response.status_code == 200
    html = response.content.decode()
    assert "No mapping rows: the default body is sent" in html
    assert "&quot;email&quot;: &quot;ada@example.com&quot;" in html


def test_the_editor_shows_the_panel(admin_client, make_chatbot):
    chatbot = make_chatbot()
    url = reverse("wagtailsnippets_wagtail_chatbot_crm_chatbot:edit", args=[chatbot.pk])
    html = admin_client.get(url).content.decode()
    assert preview_url(chatbot) in html
    assert "data-follows-changes" in html
    assert "Show what is sent" in html
