"""A real browser creates a chatbot with a bearer token in the admin."""

from pathlib import Path

import pytest
from django.db import connection

from wagtail_chatbot_crm.models import Chatbot

# serialized_rollback: the dashboard needs the root page that migrations create
# and that transactional tests would otherwise flush away.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

TOKEN = "tok_browser_3c9e51b2f4"
ARTIFACTS = Path(__file__).parent / ".artifacts"


def log_in(page, live_server, user):
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", "password")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/admin/")


def test_token_saved_in_the_admin_comes_back_masked(page, live_server, admin_user):
    log_in(page, live_server, admin_user)

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
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "chatbot-crm-tab.png"), full_page=True)

    # Saving again without typing keeps the stored token.
    page.get_by_role("button", name="Save").first.click()
    page.wait_for_url(f"{live_server.url}/admin/snippets/wagtail_chatbot_crm/chatbot/")
    chatbot.refresh_from_db()
    assert chatbot.bearer_token == TOKEN
