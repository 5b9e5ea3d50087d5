"""A real browser chooses a CRM preset in the chatbot editor."""

import pytest
from playwright.sync_api import expect

from wagtail_chatbot_crm.models import Chatbot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TOKEN = "tok_browser_preset_5e2a91"
HUBSPOT_TOKEN = "pat-eu1-browser-preset-77c1"


def editor_url(live_server, chatbot):
    return (
        f"{live_server.url}/admin/snippets/wagtail_chatbot_crm/chatbot/edit/"
        f"{chatbot.pk}/"
    )


def test_choosing_hubspot_fills_the_settings_and_rows(
    admin_page, live_server, screenshot, make_chatbot
):
    page = admin_page
    chatbot = make_chatbot(
        webhook_url="https://old.example.com/hook",
        auth_type="bearer",
        bearer_token=TOKEN,
    )
    chatbot.field_mappings.create(source="email", crm_field="mine")
    chatbot.save()
    page.goto(editor_url(live_server, chatbot))
    page.get_by_role("tab", name="CRM integration").click()
    questions = []

    def accept(dialog):
        questions.append(dialog.message)
        dialog.accept()

    page.on("dialog", accept)
    page.select_option("#id_preset", "hubspot")

    assert questions == [
        "Replace the 1 field mapping and static value rows with those of HubSpot?"
    ]
    expect(page.locator("#id_webhook_url")).to_have_value(
        "https://api.hubapi.com/crm/v3/objects/contacts/batch/upsert"
    )
    expect(page.locator("#id_auth_type")).to_have_value("bearer")
    # Only the chosen authentication's credentials are shown.
    expect(page.locator("#id_bearer_token")).to_be_visible()
    expect(page.locator("#id_api_key")).to_be_hidden()
    expect(page.locator("#id_basic_password")).to_be_hidden()
    # Their labels and "For …" help go with them.
    expect(page.locator("#id_bearer_token-label")).to_be_visible()
    expect(page.locator("#id_api_key_header-label")).to_be_hidden()
    expect(page.locator("#id_basic_username-label")).to_be_hidden()
    basic_help = page.locator("#tab-crm_integration").get_by_text("For “Basic auth”.")
    expect(basic_help).to_have_count(1)
    expect(basic_help).to_be_hidden()
    steps = page.locator("[data-chatbot-preset-steps]")
    expect(steps).to_contain_text("crm.objects.contacts.write")
    expect(steps).to_contain_text("updates the existing contact")
    screenshot("preset-hubspot", page.locator("[data-chatbot-preset]"))
    # The stored token is left alone; for a new host it must be typed again.
    expect(page.locator("#id_bearer_token")).to_have_value("")
    page.fill("#id_bearer_token", HUBSPOT_TOKEN)

    page.get_by_role("button", name="Save").first.click()
    expect(page.locator(".messages")).to_contain_text("updated")
    chatbot = Chatbot.objects.get(pk=chatbot.pk)
    assert chatbot.preset == "hubspot"
    assert chatbot.bearer_token == HUBSPOT_TOKEN
    assert list(
        chatbot.field_mappings.order_by("sort_order").values_list("source", "crm_field")
    ) == [
        ("email", "inputs.0.id"),
        ("email", "inputs.0.properties.email"),
        ("first_name", "inputs.0.properties.firstname"),
        ("last_name", "inputs.0.properties.lastname"),
        ("phone", "inputs.0.properties.phone"),
        ("company", "inputs.0.properties.company"),
    ]
    assert list(chatbot.static_values.values_list("crm_field", "value", "is_json")) == [
        ("inputs.0.idProperty", "email", False)
    ]


def test_declining_keeps_the_editors_rows_and_a_placeholder_blocks_saving(
    admin_page, live_server, make_chatbot
):
    page = admin_page
    chatbot = make_chatbot()
    chatbot.field_mappings.create(source="email", crm_field="mine")
    chatbot.save()
    page.goto(editor_url(live_server, chatbot))
    page.get_by_role("tab", name="CRM integration").click()
    page.on("dialog", lambda dialog: dialog.dismiss())
    page.select_option("#id_preset", "pipedrive")

    expect(page.locator("#id_webhook_url")).to_have_value(
        "https://<company>.pipedrive.com/api/v2/persons"
    )
    expect(page.locator("#id_api_key_header")).to_have_value("x-api-token")
    expect(page.locator("#id_bearer_token")).to_be_hidden()
    expect(page.locator("#id_api_key")).to_be_visible()
    expect(page.locator("[data-chatbot-preset-steps]")).to_contain_text("no upsert")

    page.get_by_role("button", name="Save").first.click()
    expect(page.locator("body")).to_contain_text(
        "Replace <company> with your own value"
    )
    chatbot = Chatbot.objects.get(pk=chatbot.pk)
    assert chatbot.preset == "generic"
    assert list(chatbot.field_mappings.values_list("crm_field", flat=True)) == ["mine"]


def test_load_fields_offers_the_crms_fields_in_every_mapping_row(
    admin_page, live_server, screenshot, make_chatbot
):
    from crm_inbox.emulators import EMULATORS

    hubspot = EMULATORS["hubspot"]().start()
    try:
        page = admin_page
        chatbot = make_chatbot(
            preset="hubspot",
            webhook_url=hubspot.url,
            auth_type="bearer",
            bearer_token=hubspot.token,
        )
        chatbot.field_mappings.create(source="email", crm_field="inputs.0.id")
        chatbot.save()
        page.goto(editor_url(live_server, chatbot))
        page.get_by_role("tab", name="Field mapping").click()
        page.get_by_role("button", name="Load fields from the CRM").click()
        panel = page.locator("#panel-child-field_mapping-load_fields-section")
        expect(panel).to_contain_text("3 fields of HubSpot")
        expect(panel).to_contain_text("inputs.0.properties.firstname")
        screenshot("load-fields", panel)

        # The first row, and a row added afterwards, offer the fields.
        first = page.locator("#id_field_mappings-0-crm_field")
        assert first.get_attribute("list") == "wagtail-chatbot-crm-fields"
        page.get_by_role("button", name="Add mapping").click()
        added = page.locator("#id_field_mappings-1-crm_field")
        added.focus()
        assert added.get_attribute("list") == "wagtail-chatbot-crm-fields"
        options = page.locator("#wagtail-chatbot-crm-fields option")
        expect(options).to_have_count(3)
        assert chatbot.bearer_token not in page.content()
    finally:
        hubspot.stop()


def test_choosing_zoho_shows_the_oauth2_fields(
    admin_page, live_server, screenshot, make_chatbot
):
    page = admin_page
    chatbot = make_chatbot()
    page.goto(editor_url(live_server, chatbot))
    page.get_by_role("tab", name="CRM integration").click()
    page.on("dialog", lambda dialog: dialog.accept())
    page.select_option("#id_preset", "zoho")

    expect(page.locator("#id_auth_type")).to_have_value("oauth2")
    expect(page.locator("#id_oauth_token_url")).to_have_value(
        "https://accounts.zoho.com/oauth/v2/token"
    )
    expect(page.locator("#id_oauth_header_prefix")).to_have_value("Zoho-oauthtoken")
    for name in ("client_id", "client_secret", "refresh_token"):
        expect(page.locator(f"#id_oauth_{name}")).to_be_visible()
    expect(page.locator("#id_bearer_token")).to_be_hidden()
    expect(page.locator("#id_api_key")).to_be_hidden()
    expect(page.locator("[data-chatbot-preset-steps]")).to_contain_text("Self Client")
    screenshot(
        "preset-zoho-oauth2",
        page.locator("#panel-child-crm_integration-authentication-section"),
    )

    page.fill("#id_oauth_client_id", "1000.CLIENT")
    page.fill("#id_oauth_client_secret", "zoho-client-secret-value")
    page.fill("#id_oauth_refresh_token", "1000.zoho-refresh-token-value")
    page.get_by_role("button", name="Save").first.click()
    expect(page.locator(".messages")).to_contain_text("updated")
    chatbot = Chatbot.objects.get(pk=chatbot.pk)
    assert chatbot.auth_type == "oauth2"
    assert chatbot.oauth_refresh_token == "1000.zoho-refresh-token-value"
    assert "zoho-refresh-token-value" not in page.content()
