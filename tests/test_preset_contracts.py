"""Each preset against an emulator of its CRM, through the real delivery code.

The emulators (``example_site/crm_inbox/emulators.py``) check what each
vendor documents: method, path, authentication header, content type and
body shape. A preset applied to a chatbot, with its host pointed at the
emulator, must deliver a lead to Synced, update rather than duplicate a
returning visitor where the CRM has an upsert, and tell the editor in plain
words what went wrong.
"""

import json
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from crm_inbox.emulators import EMULATORS
from wagtail_chatbot_crm import delivery, tasks
from wagtail_chatbot_crm.leads import record_lead
from wagtail_chatbot_crm.models import FieldRequirement, SyncStatus
from wagtail_chatbot_crm.presets import apply_preset, get_preset

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_queue")]

# How the editor enters each CRM's credential, as its setup steps say.
CREDENTIALS = {
    "hubspot": lambda token: {"bearer_token": token},
    # OAuth2: the refresh token; access tokens come from the emulator.
    "zoho": lambda token: {
        "oauth_client_id": "emulator-client",
        "oauth_client_secret": "emulator-client-secret",
        "oauth_refresh_token": "emulator-refresh-token"
        if token == "emulator-token"
        else token,
    },
    "activecampaign": lambda token: {"api_key": token},
    "freshsales": lambda token: {"api_key": f"Token token={token}"},
    "pipedrive": lambda token: {"api_key": token},
    "salesforce": lambda token: {},
}
UPSERTS = {"hubspot", "zoho", "activecampaign", "freshsales"}


@pytest.fixture(params=sorted(EMULATORS))
def crm(request):
    emulator = EMULATORS[request.param]().start()
    emulator.key = request.param
    yield emulator
    emulator.stop()


def connect(make_chatbot, crm, *, token=None, **fields):
    """A chatbot set up from the preset, its host pointed at the emulator."""
    chatbot = apply_preset(make_chatbot(**fields), crm.key, replace_mappings=True)
    query = urlsplit(get_preset(crm.key).url).query
    chatbot.webhook_url = crm.url + (f"?{query}" if query else "")
    if crm.token_path:
        chatbot.oauth_token_url = crm.token_url
    for name, value in CREDENTIALS[crm.key](token or crm.token).items():
        setattr(chatbot, name, value)
    chatbot.save()
    chatbot.static_values.filter(crm_field="oid").update(value=crm.token)
    return chatbot


def deliver(lead):
    with TestCase.captureOnCommitCallbacks(execute=True):
        delivery.deliver(lead.pk, schedule=tasks.schedule)
    lead.refresh_from_db()
    return lead


def submit(chatbot, **data):
    values = {"name": "Ada Lovelace", "email": "ada@example.com", **data}
    return record_lead(chatbot, {k: v for k, v in values.items() if v is not None})


def test_a_lead_is_synced_and_a_returning_visitor_is_not_duplicated(make_chatbot, crm):
    chatbot = connect(make_chatbot, crm)
    first = deliver(submit(chatbot, phone="+44 20 7946 0000"))
    assert first.sync_status == SyncStatus.SYNCED, first.last_error
    second = deliver(submit(chatbot, name="Ada King"))
    assert second.sync_status == SyncStatus.SYNCED, second.last_error
    if crm.key in UPSERTS:
        # One record, updated with the second lead's name.
        [record] = crm.records.values()
        assert "King" in json.dumps(record)
    else:
        # Pipedrive and Web-to-Lead have no upsert: a second record.
        assert len(crm.records) == 2


@pytest.mark.parametrize("key", sorted(set(EMULATORS) - {"salesforce"}))
def test_wrong_credentials_are_told_in_plain_words(make_chatbot, key):
    # (Web-to-Lead has no credentials: its org id is in the form.)
    crm = EMULATORS[key]().start()
    crm.key = key
    try:
        chatbot = connect(make_chatbot, crm, token="not-the-token")
        lead = deliver(submit(chatbot))
    finally:
        crm.stop()
    assert lead.sync_status == SyncStatus.RETRYING
    if crm.token_path:
        # OAuth2: the token endpoint refuses the refresh token (Zoho: with
        # HTTP 200 and "invalid_code").
        assert lead.last_error.startswith(
            "The CRM refused the refresh token; reconnect the app."
        )
    else:
        assert lead.last_error.startswith("The CRM rejected the credentials (HTTP 40")
    assert crm.records == {}


def test_salesforce_answers_200_even_when_it_drops_the_lead(make_chatbot):
    crm = EMULATORS["salesforce"]().start()
    crm.key = "salesforce"
    try:
        chatbot = connect(make_chatbot, crm)
        chatbot.static_values.filter(crm_field="oid").update(value="00Dwrong")
        lead = deliver(submit(chatbot))
    finally:
        crm.stop()
    # Nothing in the answer tells: the editor is warned in the setup steps.
    assert lead.sync_status == SyncStatus.SYNCED
    assert crm.records == {}
    assert "answers 200 even when it drops a lead" in " ".join(
        str(step) for step in get_preset("salesforce").setup_steps
    )


@pytest.mark.parametrize(
    ("key", "said"),
    [
        ("zoho", "required field not found"),
        ("pipedrive", "Name must be given."),
    ],
)
def test_a_lead_without_a_required_name_is_refused_in_the_crms_words(
    make_chatbot, key, said
):
    crm = EMULATORS[key]().start()
    crm.key = key
    try:
        chatbot = connect(make_chatbot, crm, ask_name=FieldRequirement.OPTIONAL)
        lead = deliver(submit(chatbot, name=None))
    finally:
        crm.stop()
    assert lead.sync_status == SyncStatus.RETRYING
    assert said in lead.last_error
    assert crm.records == {}


def test_the_attempt_keeps_the_crms_record_and_whether_it_was_new(make_chatbot, crm):
    chatbot = connect(make_chatbot, crm)
    first = deliver(submit(chatbot)).attempts.get()
    second = deliver(submit(chatbot, name="Ada King")).attempts.get()
    if crm.key == "salesforce":
        assert (first.crm_record_id, first.crm_action) == ("", "")
        return
    assert first.crm_record_id == "1"
    expected = {
        "hubspot": ("created", "updated"),
        "zoho": ("created", "updated"),
        "pipedrive": ("created", "created"),
        # The answer does not tell.
        "activecampaign": ("", ""),
        "freshsales": ("", ""),
    }[crm.key]
    assert (first.crm_action, second.crm_action) == expected
    if crm.key in UPSERTS:
        assert second.crm_record_id == first.crm_record_id


def test_the_lead_page_shows_the_record_and_what_a_2xx_does_not_prove(
    admin_client, make_chatbot
):
    for key, shown in (
        ("hubspot", "Delivered: created"),
        ("salesforce", "answers 200 whatever it does with a lead"),
    ):
        crm = EMULATORS[key]().start()
        crm.key = key
        try:
            chatbot = connect(make_chatbot, crm, slug=key)
            lead = deliver(submit(chatbot))
        finally:
            crm.stop()
        page = admin_client.get(reverse("chatbot_crm_admin:lead", args=[lead.pk]))
        assert shown in page.content.decode()


@pytest.mark.parametrize(
    ("key", "webhook_url", "expected"),
    [
        (
            "pipedrive",
            "https://acme.pipedrive.com/api/v2/persons",
            "https://acme.pipedrive.com/person/42",
        ),
        (
            "activecampaign",
            "https://acme.api-us1.com/api/3/contact/sync",
            "https://acme.activehosted.com/app/contacts/42",
        ),
        (
            "freshsales",
            "https://acme-sales.myfreshworks.com/crm/sales/api/contacts/upsert",
            "https://acme-sales.myfreshworks.com/crm/sales/contacts/42",
        ),
        ("pipedrive", "https://<company>.pipedrive.com/api/v2/persons", ""),
        ("pipedrive", "http://127.0.0.1:8001/api/v2/persons", ""),
    ],
)
def test_the_record_page_in_the_crm(key, webhook_url, expected):
    assert get_preset(key).record_url(webhook_url, "42") == expected


def test_hubspot_and_zoho_records_have_no_link_without_an_account_id():
    assert get_preset("hubspot").record_url is None
    assert get_preset("zoho").record_url is None


def test_the_lead_page_links_the_record_in_the_crm(admin_client, make_chatbot):
    crm = EMULATORS["pipedrive"]().start()
    crm.key = "pipedrive"
    try:
        chatbot = connect(make_chatbot, crm)
        lead = deliver(submit(chatbot))
    finally:
        crm.stop()
    chatbot.webhook_url = "https://acme.pipedrive.com/api/v2/persons"
    chatbot.save()
    page = admin_client.get(reverse("chatbot_crm_admin:lead", args=[lead.pk]))
    assert 'href="https://acme.pipedrive.com/person/1"' in page.content.decode()


@pytest.mark.parametrize("key", sorted(set(EMULATORS) - {"salesforce"}))
def test_a_rate_limited_lead_waits_as_long_as_the_crm_asks(make_chatbot, key):
    # (Web-to-Lead has no 429: it drops what exceeds its daily limit.)
    crm = EMULATORS[key]().start()
    crm.key = key
    crm.rate_limit(1, retry_after=240)
    try:
        chatbot = connect(make_chatbot, crm)
        before = timezone.now()
        lead = deliver(submit(chatbot))
    finally:
        crm.stop()
    assert lead.sync_status == SyncStatus.RETRYING
    assert lead.last_error == (
        "The CRM is limiting how many requests it takes (HTTP 429)."
    )
    attempt = lead.attempts.get()
    assert attempt.status_code == 429
    # Four minutes, not the schedule's first minute.
    assert lead.next_attempt_at >= before + timedelta(seconds=240)
    assert crm.records == {}


@pytest.mark.parametrize(
    ("key", "said"),
    [
        # HubSpot's batch answer: HTTP 207 with the record in "errors".
        ("hubspot", "Property values were not valid: email"),
        ("activecampaign", "Email address is required"),
        ("freshsales", "unique_identifier is missing"),
    ],
)
def test_a_lead_without_the_upsert_key_is_refused_in_the_crms_words(
    make_chatbot, key, said
):
    crm = EMULATORS[key]().start()
    crm.key = key
    try:
        chatbot = connect(
            make_chatbot,
            crm,
            ask_email=FieldRequirement.OPTIONAL,
            ask_phone=FieldRequirement.REQUIRED,
        )
        lead = deliver(submit(chatbot, email=None, phone="+44 20 7946 0000"))
    finally:
        crm.stop()
    assert lead.sync_status == SyncStatus.RETRYING
    assert said in lead.last_error
    assert crm.records == {}


def test_freshsales_keeps_the_visits_medium_and_keyword_on_the_contact(make_chatbot):
    """Freshsales' contact has text fields of its own for them (its API's
    contact attributes, developers.freshworks.com/crm/api/#contacts)."""
    crm = EMULATORS["freshsales"]().start()
    crm.key = "freshsales"
    try:
        chatbot = connect(make_chatbot, crm)
        lead = deliver(submit(chatbot, utm_medium="email", utm_term="crm chatbot"))
        assert lead.sync_status == SyncStatus.SYNCED, lead.last_error
        [record] = crm.records.values()
        assert (record["medium"], record["keyword"]) == ("email", "crm chatbot")
        # A later visit without UTM parameters leaves them as they were.
        deliver(submit(chatbot, name="Ada King"))
        [record] = crm.records.values()
        assert (record["medium"], record["keyword"]) == ("email", "crm chatbot")
    finally:
        crm.stop()
