"""A real browser creates a chatbot with a bearer token in the admin."""

import pytest
from django.db import connection
from playwright.sync_api import expect

from wagtail_chatbot_crm.models import Chatbot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TOKEN = "tok_browser_3c9e51b2f4"


def test_token_saved_in_the_admin_comes_back_masked(
    admin_page, live_server, screenshot
):
    page = admin_page
    page.goto(f"{live_server.url}/admin/snippets/wagtail_chatbot_crm/chatbot/add/")
    page.fill("#id_name", "Sales assistant")
    page.fill("#id_slug", "sales-assistant")
    page.get_by_role("tab", name="CRM integration").click()
    page.check("#id_crm_enabled")
    page.fill("#id_webhook_url", "https://crm.example.com/hooks/lead")
    page.select_option("#id_auth_type", "bearer")
    page.fill("#id_bearer_token", TOKEN)
    page.get_by_role("button", name="Save").first.click()
    page.wait_for_url(f"{live_server.url}/admin/snippets/wagtail_chatbot_crm/chatbot/")

    chatbot = Chatbot.objects.get(slug="sales-assistant")
    assert chatbot.bearer_token == TOKEN
    with connection.cursor() as cursor:
        cursor.execute("SELECT bearer_token FROM wagtail_chatbot_crm_chatbot")
        [(stored,)] = cursor.fetchall()
    assert TOKEN not in stored

    page.goto(
        f"{live_server.url}/admin/snippets/wagtail_chatbot_crm/chatbot/edit/{chatbot.pk}/"
    )
    page.get_by_role("tab", name="CRM integration").click()
    token_input = page.locator("#id_bearer_token")
    assert token_input.input_value() == ""
    assert token_input.get_attribute("placeholder") == "Stored — leave blank to keep"
    assert token_input.get_attribute("type") == "password"
    assert TOKEN not in page.content()
    screenshot("chatbot-crm-tab")

    # Saving again without typing keeps the stored token.
    page.get_by_role("button", name="Save").first.click()
    page.wait_for_url(f"{live_server.url}/admin/snippets/wagtail_chatbot_crm/chatbot/")
    chatbot.refresh_from_db()
    assert chatbot.bearer_token == TOKEN


def test_the_slug_fills_in_from_the_name(admin_page, live_server):
    page = admin_page
    page.goto(f"{live_server.url}/admin/snippets/wagtail_chatbot_crm/chatbot/add/")
    page.fill("#id_name", "Sales Assistant (EU)")
    page.locator("#id_name").blur()
    expect(page.locator("#id_slug")).to_have_value("sales-assistant-eu")
