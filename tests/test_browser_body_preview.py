"""“What is sent” on the Field mapping tab, in a real browser: the body
follows the rows as the editor changes them, before anything is saved."""

import json

import pytest
from playwright.sync_api import expect

from tests.test_browser_presets import editor_url

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def shown_body(panel):
    return json.loads(panel.locator("pre").inner_text())


def test_the_body_follows_the_rows_and_starts_from_the_default(
    admin_page, live_server, make_chatbot, screenshot
):
    page = admin_page
    chatbot = make_chatbot()
    page.goto(editor_url(live_server, chatbot))
    page.get_by_role("tab", name="Field mapping").click()
    panel = page.locator("#panel-child-field_mapping-preview_body-section")
    # Without rows it says the default body is in use, and shows it.
    expect(panel).to_contain_text("No mapping rows: the default body is sent")
    assert shown_body(panel)["email"] == "ada@example.com"

    # One row: the body is that row alone, and the editor is told which
    # asked-for fields no longer reach the CRM.
    page.get_by_role("button", name="Add mapping").click()
    page.select_option("#id_field_mappings-0-source", "email")
    page.fill("#id_field_mappings-0-crm_field", "properties.email")
    expect(panel).to_contain_text("Built from your 1 mapping row")
    expect(panel).to_contain_text("Asked of visitors but not sent: Name")
    assert shown_body(panel) == {"properties": {"email": "ada@example.com"}}
    screenshot("body-preview", panel)

    # Removed again, the default comes back, offered as rows to start from.
    page.locator("#id_field_mappings-0-DELETE-button").click()
    expect(panel).to_contain_text("No mapping rows")
    panel.get_by_role("button", name="Start from the default rows").click()
    expect(panel).to_contain_text("Built from your 12 mapping rows")
    expect(page.locator("#id_field_mappings-1-source")).to_have_value("name")
    expect(page.locator("#id_field_mappings-1-crm_field")).to_have_value("name")
    assert not chatbot.field_mappings.exists()  # nothing saved
