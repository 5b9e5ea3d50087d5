"""“Load fields from the CRM” in the chatbot editor, through Django's client."""

import pytest
from django.urls import reverse

from crm_inbox.emulators import EMULATORS
from tests.test_admin import form_data
from tests.test_connection_view import JSON, client_for, staff_user

pytestmark = pytest.mark.django_db

NEW_URL = reverse("chatbot_crm_admin:load_fields")


def load_url(chatbot):
    return reverse("chatbot_crm_admin:load_fields_existing", args=[chatbot.pk])


@pytest.fixture
def hubspot():
    emulator = EMULATORS["hubspot"]().start()
    yield emulator
    emulator.stop()


def hubspot_form(emulator, **fields):
    return form_data(
        preset="hubspot",
        webhook_url=emulator.url,
        auth_type="bearer",
        **fields,
    )


def test_the_fields_come_with_the_path_a_mapping_row_takes(admin_client, hubspot):
    response = admin_client.post(
        NEW_URL, hubspot_form(hubspot, bearer_token=hubspot.token), **JSON
    )
    result = response.json()
    assert response.status_code == 200
    assert result["success"] is True
    assert result["message"] == (
        "3 fields of HubSpot: pick one in a mapping row's CRM field."
    )
    assert result["fields"][0] == {
        "name": "email",
        "label": "Email",
        "required": False,
        "path": "inputs.0.properties.email",
    }
    assert 'data-chatbot-field-list="-crm_field"' in result["html"]
    assert '<option value="inputs.0.properties.firstname">' in result["html"]
    assert hubspot.token not in response.content.decode()


def test_a_stored_token_is_not_sent_to_a_new_host(admin_client, make_chatbot, hubspot):
    chatbot = make_chatbot(
        preset="hubspot",
        webhook_url="https://api.hubapi.com/crm/v3/objects/contacts/batch/upsert",
        auth_type="bearer",
        bearer_token=hubspot.token,
    )
    response = admin_client.post(
        load_url(chatbot), hubspot_form(hubspot, bearer_token=""), **JSON
    )
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert error.startswith("Bearer token: The webhook URL now names another host")
    assert hubspot.requests == 0


def test_a_crm_without_a_fields_api_says_so(admin_client):
    response = admin_client.post(
        NEW_URL,
        form_data(
            preset="salesforce",
            webhook_url="https://webto.salesforce.com/servlet/servlet.WebToLead",
        ),
        **JSON,
    )
    result = response.json()
    assert result["success"] is False
    assert "no API that lists its fields" in result["message"]


def test_without_the_permission_is_forbidden(django_user_model, make_chatbot):
    chatbot = make_chatbot()
    editor = client_for(
        staff_user(django_user_model, "wagtail_chatbot_crm.change_chatbot")
    )
    response = editor.post(load_url(chatbot), form_data(), **JSON)
    assert response.status_code == 403
    assert "permission to load fields" in response.json()["message"]


def test_without_javascript_the_fields_are_a_page(admin_client, hubspot):
    response = admin_client.post(
        NEW_URL, hubspot_form(hubspot, bearer_token=hubspot.token)
    )
    text = response.content.decode()
    assert response.status_code == 200
    assert "Fields in the CRM" in text
    assert "<code>inputs.0.properties.lastname</code>" in text
