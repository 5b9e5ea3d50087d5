"""A real browser tests a chatbot's CRM connection from the editor."""

import pytest
from playwright.sync_api import expect

from tests.browser import log_in
from tests.crm_server import Step
from wagtail_chatbot_crm.models import Chatbot, DeliveryAttempt, Lead

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TOKEN = "tok_browser_conn_81d2c7"
WRONG_TOKEN = "tok_browser_wrong_0f3a9e"
PANEL = "#panel-child-crm_integration-test_connection-section"


def test_connection_result_is_shown_inline(
    admin_page, live_server, screenshot, make_chatbot, crm_server
):
    page = admin_page
    chatbot = make_chatbot(
        webhook_url=crm_server.url, auth_type="bearer", bearer_token=TOKEN
    )
    editor_url = (
        f"{live_server.url}/admin/snippets/wagtail_chatbot_crm/chatbot/edit/"
        f"{chatbot.pk}/"
    )
    page.goto(editor_url)
    page.get_by_role("tab", name="CRM integration").click()
    button = page.get_by_role("button", name="Test connection")
    result = page.locator(PANEL).locator("[data-chatbot-test-connection-result]")
    # The script turns the submit button into a plain one, so that Enter in
    # a field still saves the form.
    assert button.get_attribute("type") == "button"
    # Gone if the page were left and loaded again.
    page.evaluate("window.stillTheEditor = true")

    button.click()
    expect(result).to_contain_text("Connection successful (HTTP 201 in")
    expect(result).to_contain_text("ms)")
    [received] = crm_server.received
    assert received.headers["Authorization"] == f"Bearer {TOKEN}"
    assert received.json()["name"] == "Test Contact"
    screenshot("test-connection-success", page.locator(PANEL))

    # A token typed but not saved is what the test sends.
    crm_server.then(Step(401, '{"message": "Invalid API token"}'))
    page.fill("#id_bearer_token", WRONG_TOKEN)
    button.click()
    expect(result).to_contain_text("The CRM rejected the credentials (HTTP 401)")
    expect(result).to_contain_text("Invalid API token")
    expect(result).to_contain_text("HTTP 401 Unauthorized")
    assert crm_server.received[1].headers["Authorization"] == f"Bearer {WRONG_TOKEN}"
    screenshot("test-connection-failure", page.locator(PANEL))

    assert TOKEN not in page.content()
    assert page.evaluate("window.stillTheEditor") is True
    assert page.url.split("#")[0] == editor_url
    chatbot.refresh_from_db()
    assert chatbot.bearer_token == TOKEN
    assert Chatbot.objects.count() == 1
    assert Lead.objects.count() == 0
    assert DeliveryAttempt.objects.count() == 0


def test_without_javascript_the_form_posts_to_a_result_page(
    browser, live_server, admin_user, wagtail_site, make_chatbot, crm_server
):
    chatbot = make_chatbot(webhook_url=crm_server.url)
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        log_in(page, live_server.url, admin_user.username)
        page.goto(
            f"{live_server.url}/admin/snippets/wagtail_chatbot_crm/chatbot/edit/"
            f"{chatbot.pk}/"
        )
        # Without JavaScript the tabs do not switch; the button is there all
        # the same, and is the form's own submit button.
        page.locator(PANEL).locator(
            "[data-chatbot-test-connection-button]"
        ).dispatch_event("click")
        page.wait_for_url(
            f"{live_server.url}/admin/chatbot-crm/chatbots/{chatbot.pk}/test-connection/"
        )
        expect(page.locator("main")).to_contain_text(
            "Connection successful (HTTP 201 in"
        )
        expect(page.locator("main")).to_contain_text("Nothing was saved")
        page.get_by_role("link", name="Back to the editor").click()
        page.wait_for_url(f"**/chatbot/edit/{chatbot.pk}/")
    finally:
        context.close()
    assert len(crm_server.received) == 1
    assert Lead.objects.count() == 0
