"""Load fields from the CRM, against the emulators of each vendor."""

import pytest
from django.core.cache import cache

from crm_inbox.emulators import EMULATORS
from tests.test_preset_contracts import connect
from wagtail_chatbot_crm.crm_fields import (
    CrmField,
    CrmFieldsError,
    cached_crm_fields,
    load_crm_fields,
)

pytestmark = pytest.mark.django_db

EXPECTED = {
    "hubspot": [
        CrmField("email", "Email"),
        CrmField("firstname", "First Name"),
        CrmField("lastname", "Last Name"),
    ],
    "zoho": [
        CrmField("Last_Name", "Last Name", required=True),
        CrmField("Email", "Email"),
        CrmField("Lead_Status", "Lead Status"),
    ],
    "pipedrive": [
        CrmField("name", "Name", required=True),
        CrmField("custom_fields.9dc80c50d78a15643bfc4ca79d76156a73a1ca0e", "Budget"),
    ],
    "activecampaign": [
        CrmField("email", "Email", required=True),
        CrmField("firstName", "First name"),
        CrmField("lastName", "Last name"),
        CrmField("phone", "Phone"),
    ],
    "freshsales": [
        CrmField("emails", "Emails", required=True),
        CrmField("custom_field.cf_budget", "Budget"),
        CrmField("first_name", "First name"),
    ],
}


@pytest.fixture(params=sorted(EXPECTED))
def crm(request):
    emulator = EMULATORS[request.param]().start()
    emulator.key = request.param
    yield emulator
    emulator.stop()


def test_the_crms_fields_are_listed_required_first(make_chatbot, crm):
    chatbot = connect(make_chatbot, crm)
    assert load_crm_fields(chatbot) == EXPECTED[crm.key]


def test_wrong_credentials_are_told_in_plain_words(make_chatbot, crm):
    chatbot = connect(make_chatbot, crm, token="not-the-token")
    said = (
        "refused the refresh token; reconnect the app"
        if crm.token_path
        else r"rejected the credentials \(HTTP 40"
    )
    with pytest.raises(CrmFieldsError, match=said):
        load_crm_fields(chatbot)


def test_an_unsaved_chatbot_is_asked_with_its_unsaved_values(make_chatbot):
    crm = EMULATORS["hubspot"]().start()
    crm.key = "hubspot"
    try:
        chatbot = connect(make_chatbot, crm, token="stored-but-wrong")
        chatbot.bearer_token = crm.token  # typed in the editor, not saved
        assert load_crm_fields(chatbot)[0].name == "email"
    finally:
        crm.stop()


@pytest.mark.parametrize("key", ["salesforce", "zapier", "generic"])
def test_a_crm_without_a_fields_api_says_so(make_chatbot, key):
    chatbot = make_chatbot(preset=key)
    with pytest.raises(CrmFieldsError, match="no API that lists its fields"):
        load_crm_fields(chatbot)


@pytest.mark.parametrize("answer", [{"unexpected": 1}, {"results": []}, None])
def test_an_answer_that_is_not_a_list_of_fields_is_told(make_chatbot, answer):
    crm = EMULATORS["hubspot"]().start()
    crm.key = "hubspot"
    crm.fields = answer
    try:
        chatbot = connect(make_chatbot, crm)
        with pytest.raises(CrmFieldsError, match="not with the list of fields"):
            load_crm_fields(chatbot)
    finally:
        crm.stop()


def test_an_internal_address_is_refused_without_a_connection(
    make_chatbot, crm_server, settings
):
    settings.WAGTAIL_CHATBOT_CRM = {
        **settings.WAGTAIL_CHATBOT_CRM,
        "ALLOWED_NETWORKS": [],
    }
    chatbot = make_chatbot(preset="hubspot", webhook_url=crm_server.url)
    with pytest.raises(CrmFieldsError, match="private or internal network"):
        load_crm_fields(chatbot)
    assert crm_server.connections == 0


def test_a_missing_url_is_told(make_chatbot):
    chatbot = make_chatbot(preset="hubspot", webhook_url="")
    with pytest.raises(CrmFieldsError, match="Enter the webhook URL first"):
        load_crm_fields(chatbot)


def test_pipedrive_fields_are_read_page_after_page(make_chatbot):
    crm = EMULATORS["pipedrive"]().start()
    crm.key = "pipedrive"
    crm.most_per_page = 1  # two fields, two pages
    try:
        chatbot = connect(make_chatbot, crm)
        assert load_crm_fields(chatbot) == EXPECTED["pipedrive"]
    finally:
        crm.stop()
    assert crm.field_requests == 2


def test_loaded_fields_are_kept_briefly_for_the_same_settings(make_chatbot):
    cache.clear()
    crm = EMULATORS["hubspot"]().start()
    crm.key = "hubspot"
    try:
        chatbot = connect(make_chatbot, crm)
        first = cached_crm_fields(chatbot)
        assert cached_crm_fields(chatbot) == first
        assert crm.field_requests == 1
        chatbot.bearer_token = "another-token"  # other settings: asked again
        with pytest.raises(CrmFieldsError):
            cached_crm_fields(chatbot)
        assert crm.field_requests == 2
    finally:
        crm.stop()
