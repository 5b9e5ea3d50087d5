"""The chatbot editor's live preview, in a real browser."""

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_preview_shows_the_unsaved_greeting_and_sends_nothing(
    admin_page, live_server, make_chatbot, screenshot
):
    bot = make_chatbot(name="Sales", greeting="Hello from the saved chatbot")
    page = admin_page
    page.goto(
        f"{live_server.url}/admin/snippets/wagtail_chatbot_crm/chatbot/edit/{bot.pk}/"
    )
    page.fill("#id_greeting", "Hi! Ask us about pricing.")
    page.locator('[data-side-panel-toggle="preview"]').click()
    preview = page.frame_locator("#w-preview-iframe")
    expect(preview.get_by_text("Hi! Ask us about pricing.")).to_be_visible()
    expect(preview.get_by_text("Hello from the saved chatbot")).to_have_count(0)

    # A new chatbot talks: the preview plays the conversation, and sending
    # from it sends nothing.
    for question, answer in [
        ("What is your name?", "Ada"),
        ("Which email address can we reach you at?", "ada@example.com"),
    ]:
        preview.get_by_label(question).fill(answer)
        preview.get_by_label(question).press("Enter")
    for _ in range(3):  # phone, company, message
        preview.get_by_role("button", name="Skip").click()
    preview.get_by_role("button", name="Send", exact=True).click()
    expect(preview.get_by_text("This is a preview: nothing was sent.")).to_be_visible()
    screenshot("chatbot-preview")

    # The form style, with the same unsaved texts.
    page.select_option("#id_preview_mode", "form")
    # Once the preview has reloaded: every field at once.
    expect(preview.get_by_label("Name (required)")).to_be_visible()
    expect(preview.get_by_text("Hi! Ask us about pricing.")).to_be_visible()
    expect(preview.get_by_role("log")).to_have_count(0)
    preview.get_by_role("button", name="Send").click()
    expect(preview.get_by_text("This is a preview: nothing was sent.")).to_be_visible()
    bot.refresh_from_db()
    assert bot.greeting == "Hello from the saved chatbot"
    assert not bot.leads.exists()
