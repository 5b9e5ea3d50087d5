"""An editor decides in Settings → Chatbot where the chatbot shows, in a
real browser; the page then follows the choice."""

import pytest
from playwright.sync_api import expect

from wagtail_chatbot_crm.models import ChatbotSettings, Placement

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_editor_places_the_chatbot_in_settings(
    admin_page, live_server, wagtail_site, make_chatbot, screenshot
):
    bot = make_chatbot(name="Sales", slug="sales")
    ChatbotSettings.objects.update_or_create(
        site=wagtail_site, defaults={"default_chatbot": bot}
    )
    page = admin_page
    url = (
        f"{live_server.url}/admin/settings/wagtail_chatbot_crm/chatbotsettings/"
        f"{wagtail_site.pk}/"
    )
    page.goto(url)
    expect(page.get_by_text("Visitors see “Sales” on every page.")).to_be_visible()
    expect(page.get_by_text("No page of this site has shown")).to_be_visible()
    screenshot("settings-placement")

    # A section without its page is refused in words, nothing saved.
    page.get_by_label("In one section: a page and the pages under it").check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Choose the section the chatbot shows in.")).to_be_visible()
    assert ChatbotSettings.objects.get().placement == Placement.EVERYWHERE

    page.get_by_label("Nowhere").check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Visitors see no chatbot.")).to_be_visible()
    assert ChatbotSettings.objects.get().placement == Placement.NOWHERE
