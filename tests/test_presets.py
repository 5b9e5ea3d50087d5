"""CRM presets: the registry, apply_preset, and placeholders left to fill."""

import json
from urllib.parse import parse_qs

import pytest
from django.core.exceptions import ValidationError

from tests.test_admin import ADD_URL, edit_url, form_data
from wagtail_chatbot_crm import presets
from wagtail_chatbot_crm.attempt import mapping_rows
from wagtail_chatbot_crm.mapping import find_conflicts
from wagtail_chatbot_crm.models import Chatbot, Preset, StaticValue
from wagtail_chatbot_crm.payload import LeadData, build_body
from wagtail_chatbot_crm.presets import (
    CrmPreset,
    all_presets,
    apply_preset,
    get_preset,
    register_preset,
)
from wagtail_chatbot_crm.validators import PLACEHOLDER_RE

pytestmark = pytest.mark.django_db

TOKEN = "tok_kept_by_the_editor_81"


@pytest.fixture(autouse=True)
def registry():
    """Presets a test registers are gone after it."""
    saved = dict(presets._registry)
    yield
    presets._registry.clear()
    presets._registry.update(saved)


def test_every_crm_of_the_dropdown_has_a_preset():
    assert {preset.key for preset in all_presets()} >= set(Preset.values)


@pytest.mark.parametrize("key", Preset.values)
def test_a_preset_says_what_it_needs(key):
    preset = get_preset(key)
    assert preset.key == key
    assert preset.label
    assert preset.setup_steps
    for source, crm_field in preset.mappings:
        assert source and crm_field


def test_an_unknown_preset_is_a_key_error():
    with pytest.raises(KeyError):
        get_preset("nope")


def test_apply_preset_fills_the_settings_and_keeps_the_secrets(make_chatbot):
    chatbot = make_chatbot(auth_type="bearer", bearer_token=TOKEN)
    apply_preset(chatbot, Preset.ZAPIER)
    chatbot.refresh_from_db()
    preset = get_preset(Preset.ZAPIER)
    assert chatbot.preset == Preset.ZAPIER
    assert chatbot.webhook_url == preset.url
    assert chatbot.auth_type == preset.auth_type
    assert chatbot.bearer_token == TOKEN


def test_apply_preset_keeps_the_editors_rows_unless_asked(make_chatbot):
    register_preset(
        CrmPreset(
            key="acme",
            label="Acme CRM",
            url="https://api.acme.example/leads",
            auth_type="api_key",
            api_key_header="X-Acme-Key",
            mappings=(("email", "person.email"), ("name", "person.name")),
            static_values=(("source", "Chatbot", False),),
            setup_steps=("Copy the key from Acme's settings.",),
        )
    )
    chatbot = make_chatbot()
    chatbot.field_mappings.create(source="email", crm_field="mine")
    chatbot.save()

    apply_preset(chatbot, "acme")
    assert list(chatbot.field_mappings.values_list("crm_field", flat=True)) == ["mine"]
    assert chatbot.api_key_header == "X-Acme-Key"

    apply_preset(chatbot, "acme", replace_mappings=True)
    assert list(
        chatbot.field_mappings.order_by("sort_order").values_list("source", "crm_field")
    ) == [("email", "person.email"), ("name", "person.name")]
    assert list(
        StaticValue.objects.filter(chatbot=chatbot).values_list(
            "crm_field", "value", "is_json"
        )
    ) == [("source", "Chatbot", False)]


def test_a_chatbot_without_rows_gets_the_presets(make_chatbot):
    chatbot = make_chatbot()
    register_preset(CrmPreset(key="acme2", label="Acme", mappings=(("email", "e"),)))
    apply_preset(chatbot, "acme2")
    assert chatbot.field_mappings.get().crm_field == "e"


def test_a_url_with_a_placeholder_names_what_to_fill_in(make_chatbot):
    chatbot = make_chatbot(
        crm_enabled=True, webhook_url="https://<company>.pipedrive.com/api/v2/persons"
    )
    with pytest.raises(ValidationError) as excinfo:
        chatbot.full_clean()
    assert excinfo.value.message_dict["webhook_url"] == [
        "Replace <company> with your own value: see the setup steps of the CRM "
        "you chose."
    ]


def test_the_editor_cannot_save_a_url_with_a_placeholder(admin_client, make_chatbot):
    chatbot = make_chatbot()
    response = admin_client.post(
        edit_url(chatbot),
        form_data(webhook_url="https://hooks.zapier.com/hooks/catch/<account>/<hook>/"),
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert "Replace &lt;account&gt;, &lt;hook&gt; with your own value" in text


def test_a_static_value_with_a_placeholder_cannot_be_saved(make_chatbot):
    chatbot = make_chatbot()
    row = StaticValue(chatbot=chatbot, crm_field="oid", value="<organization ID>")
    with pytest.raises(ValidationError) as excinfo:
        row.full_clean()
    assert "Replace <organization ID>" in excinfo.value.message_dict["value"][0]


# --- The body each preset sends, as its vendor documents it ---------------------

ADA = LeadData(
    lead_id="7d4f0d1e-0000-4000-8000-000000000001",
    name="Ada Lovelace",
    email="ada@example.com",
    phone="+44 20 7946 0000",
    company="Analytical Engines",
    message="Please call me.",
)


def body_for(make_chatbot, key):
    chatbot = apply_preset(make_chatbot(), key, replace_mappings=True)
    mappings, statics = mapping_rows(chatbot)
    body, content_type = build_body(ADA, mappings, statics, chatbot.body_format)
    return body, content_type


def test_hubspot_sends_a_batch_upsert_keyed_by_email(make_chatbot):
    body, content_type = body_for(make_chatbot, Preset.HUBSPOT)
    assert content_type == "application/json"
    assert json.loads(body) == {
        "inputs": [
            {
                "id": "ada@example.com",
                "idProperty": "email",
                "properties": {
                    "email": "ada@example.com",
                    "firstname": "Ada",
                    "lastname": "Lovelace",
                    "phone": "+44 20 7946 0000",
                    "company": "Analytical Engines",
                },
            }
        ]
    }


def test_zoho_sends_an_upsert_with_email_as_duplicate_check(make_chatbot):
    body, _content_type = body_for(make_chatbot, Preset.ZOHO)
    assert json.loads(body) == {
        "data": [
            {
                "Last_Name": "Lovelace",
                "First_Name": "Ada",
                "Email": "ada@example.com",
                "Phone": "+44 20 7946 0000",
                "Company": "Analytical Engines",
                "Description": "Please call me.",
                "Lead_Source": "Chatbot",
            }
        ],
        "duplicate_check_fields": ["Email"],
    }


def test_activecampaign_syncs_the_contact_by_email(make_chatbot):
    body, _content_type = body_for(make_chatbot, Preset.ACTIVECAMPAIGN)
    assert json.loads(body) == {
        "contact": {
            "email": "ada@example.com",
            "firstName": "Ada",
            "lastName": "Lovelace",
            "phone": "+44 20 7946 0000",
        }
    }


def test_freshsales_upserts_on_the_email(make_chatbot):
    body, _content_type = body_for(make_chatbot, Preset.FRESHSALES)
    assert json.loads(body) == {
        "unique_identifier": {"emails": "ada@example.com"},
        "contact": {
            "emails": "ada@example.com",
            "first_name": "Ada",
            "last_name": "Lovelace",
            "mobile_number": "+44 20 7946 0000",
        },
    }


def test_pipedrive_creates_a_person_with_a_primary_email(make_chatbot):
    body, _content_type = body_for(make_chatbot, Preset.PIPEDRIVE)
    assert json.loads(body) == {
        "name": "Ada Lovelace",
        "emails": [{"value": "ada@example.com", "primary": True}],
    }


def test_salesforce_posts_the_web_to_lead_form(make_chatbot):
    body, content_type = body_for(make_chatbot, Preset.SALESFORCE)
    assert content_type == "application/x-www-form-urlencoded"
    assert parse_qs(body.decode()) == {
        "first_name": ["Ada"],
        "last_name": ["Lovelace"],
        "email": ["ada@example.com"],
        "company": ["Analytical Engines"],
        "phone": ["+44 20 7946 0000"],
        "description": ["Please call me."],
        "oid": ["<organization ID>"],
        "lead_source": ["Web"],
    }


@pytest.mark.parametrize("key", Preset.values)
def test_a_presets_rows_pass_the_editors_checks(make_chatbot, key):
    chatbot = apply_preset(make_chatbot(), key, replace_mappings=True)
    for row in chatbot.field_mappings.all():
        row.full_clean()
    for row in chatbot.static_values.all():
        if not PLACEHOLDER_RE.search(row.value):
            row.full_clean()
    paths = [row.crm_field for row in chatbot.field_mappings.all()]
    paths += [row.crm_field for row in chatbot.static_values.all()]
    nested = chatbot.body_format == "json"
    assert find_conflicts(sorted(set(paths)), nested=nested) == {}


def test_the_generic_preset_leaves_the_settings_alone(make_chatbot):
    chatbot = make_chatbot(
        webhook_url="https://crm.example.com/in", auth_type="bearer", bearer_token=TOKEN
    )
    chatbot.field_mappings.create(source="email", crm_field="mine")
    chatbot.save()
    apply_preset(chatbot, Preset.GENERIC)
    chatbot.refresh_from_db()
    assert chatbot.preset == Preset.GENERIC
    assert (chatbot.webhook_url, chatbot.auth_type) == (
        "https://crm.example.com/in",
        "bearer",
    )
    assert chatbot.field_mappings.get().crm_field == "mine"


def test_a_sites_own_preset_can_be_chosen_in_the_editor(admin_client):
    register_preset(
        CrmPreset(
            key="acme_editor",
            label="Acme (site preset)",
            url="https://api.acme.example/leads",
        )
    )
    page = admin_client.get(ADD_URL).content.decode()
    assert '<option value="acme_editor">Acme (site preset)</option>' in page
    response = admin_client.post(
        ADD_URL,
        form_data(preset="acme_editor", webhook_url="https://api.acme.example/leads"),
    )
    assert response.status_code == 302
    assert Chatbot.objects.get().preset == "acme_editor"


@pytest.mark.parametrize("key", [choice.value for choice in Preset])
def test_every_preset_links_its_page_in_docs_crm(key):
    from pathlib import Path

    guide = get_preset(key).guide_url
    assert guide.startswith(presets.GUIDES)
    page = Path(__file__).resolve().parent.parent / "docs" / "crm"
    assert (page / guide.removeprefix(presets.GUIDES)).is_file()
