"""A visitor talks to the chatbot in its conversation style, in a real
browser: one question a turn, answers as bubbles, quick replies, checks as
bot replies, a summary, then one request with the lead."""

import json
import time

import pytest
from playwright.sync_api import expect

from tests.test_browser_widget import (
    CONTRAST,
    FAILED_SENDS,
    HOSTILE_CSS,
    axe_violations,
    fail_sends,
    wait_for_status,
)
from wagtail_chatbot_crm.forms import LeadForm
from wagtail_chatbot_crm.models import FieldRequirement, Lead, SyncStatus

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NAME = "What is your name?"
EMAIL = "Which email address can we reach you at?"
PHONE = "Would you like to leave a phone number too?"
MESSAGE = "What would you like to ask or tell us?"
CONSENT = "I agree to be contacted about my enquiry."


@pytest.fixture
def talk_bot(make_chatbot, crm_server, wagtail_site):
    return make_chatbot(
        name="Demo chatbot",
        slug="demo",
        webhook_url=crm_server.url,
        greeting="Hi! How can we help?",
        thank_you_text="Thanks, we will call you soon.",
        consent_text=CONSENT,
        ask_company=FieldRequirement.OFF,
    )


def last_bot_message(page):
    return page.locator(".wcc-log .wcc-message--bot").last


def asked(page, question):
    """Wait for the bot to ask ``question``; its answer box has the focus."""
    expect(last_bot_message(page)).to_have_text(question)
    return page.get_by_label(question)


def type_answer(page, question, text):
    """Answer ``question`` with the keyboard alone, replacing any old text."""
    expect(asked(page, question)).to_be_focused()
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.type(text)
    page.keyboard.press("Enter")


def visitor_messages(page):
    return page.locator(".wcc-log .wcc-message--visitor").all_inner_texts()


def open_by_keyboard(page):
    page.get_by_role("button", name="Chat with Demo chatbot").focus()
    page.keyboard.press("Enter")


def talk_until_summary(page, email="ada@example.com"):
    """The whole conversation, keyboard only, up to the summary's Send."""
    type_answer(page, NAME, "Ada Lovelace")
    type_answer(page, EMAIL, email)
    # An optional question: Enter on an empty answer skips it.
    type_answer(page, PHONE, "")
    type_answer(page, MESSAGE, "Please call me about the engine.")
    expect(last_bot_message(page)).to_have_text(CONSENT)
    yes = page.get_by_role("button", name="Yes, I agree")
    expect(yes).to_be_focused()
    page.keyboard.press("Enter")
    send = page.get_by_role("button", name="Send", exact=True)
    expect(send).to_be_focused()
    return send


@pytest.mark.parametrize(
    "viewport",
    [{"width": 1280, "height": 800}, {"width": 390, "height": 844}],
    ids=["desktop", "phone"],
)
def test_a_whole_conversation_with_the_keyboard_only(
    browser, live_server, talk_bot, crm_server, consumer, screenshot, viewport
):
    consumer.start(CONNECT_TIMEOUT=2, READ_TIMEOUT=2)
    phone = viewport["width"] < 500
    # On the phone with reduced motion: no opening animation to wait out
    # before measuring, and no typing pauses.
    context = browser.new_context(
        viewport=viewport, reduced_motion="reduce" if phone else "no-preference"
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    sent = []
    page.on("request", lambda request: sent.append(request.url))
    try:
        page.goto(f"{live_server.url}/")
        open_by_keyboard(page)
        dialog = page.get_by_role("dialog", name="Demo chatbot")
        expect(dialog).to_be_visible()
        if phone:
            box = dialog.bounding_box()
            assert (box["x"], box["y"], box["width"], box["height"]) == (0, 0, 390, 844)
        # Screen readers follow the conversation as a log.
        log = page.get_by_role("log")
        expect(log).to_contain_text("Hi! How can we help?")
        talk_until_summary(page)
        assert visitor_messages(page) == [
            "Ada Lovelace",
            "ada@example.com",
            "Skipped",
            "Please call me about the engine.",
            "Yes, I agree",
        ]
        summary = page.locator(".wcc-summary")
        expect(summary).to_contain_text("ada@example.com")
        expect(summary).to_contain_text("Please call me about the engine.")
        screenshot("conversation-phone" if phone else "conversation-summary", page)
        # Nothing has been sent yet: the lead goes in one request at the end.
        assert Lead.objects.count() == 0
        page.keyboard.press("Enter")
        thanks = last_bot_message(page)
        expect(thanks).to_have_text("Thanks, we will call you soon.")
        expect(thanks).to_be_focused()
        expect(page.get_by_role("button", name="Send", exact=True)).to_have_count(0)
        # One request carried the lead; the others were the page, its files
        # and the funnel's open and start.
        assert [url for url in sent if "/leads/" in url] == [
            f"{live_server.url}/chatbot/demo/leads/"
        ]
    finally:
        context.close()

    lead = Lead.objects.get()
    assert (lead.name, lead.email) == ("Ada Lovelace", "ada@example.com")
    assert lead.phone == ""
    assert lead.message == "Please call me about the engine."
    assert lead.consent is True
    assert lead.page_url == f"{live_server.url}/"
    wait_for_status(lead, SyncStatus.SYNCED)
    assert crm_server.received[0].json()["email"] == "ada@example.com"


def test_a_bad_email_is_answered_by_the_bot_and_corrected(
    page, live_server, talk_bot, screenshot
):
    page.goto(f"{live_server.url}/")
    page.get_by_role("button", name="Chat with Demo chatbot").click()
    type_answer(page, NAME, "Ada Lovelace")
    type_answer(page, EMAIL, "ada@")
    # The bot says why, then asks again with the answer ready to correct.
    bot = page.locator(".wcc-log .wcc-message--bot")
    expect(bot.nth(-2)).to_contain_text("does not look like an email address")
    box = asked(page, EMAIL)
    expect(box).to_have_value("ada@")
    screenshot("conversation-desktop")
    type_answer(page, EMAIL, "ada@example.com")
    asked(page, PHONE)
    # A required question cannot be skipped: there is no Skip for it, and an
    # empty answer gets the reason.
    assert visitor_messages(page)[-2:] == ["ada@", "ada@example.com"]
    assert Lead.objects.count() == 0


def test_a_required_answer_left_empty_is_asked_again(page, live_server, talk_bot):
    page.goto(f"{live_server.url}/")
    page.get_by_role("button", name="Chat with Demo chatbot").click()
    asked(page, NAME)
    expect(page.get_by_role("button", name="Skip")).to_have_count(0)
    type_answer(page, NAME, "   ")
    bot = page.locator(".wcc-log .wcc-message--bot")
    expect(bot.nth(-2)).to_have_text("I need an answer to this one to get back to you.")
    asked(page, NAME)


def test_quick_replies_skip_and_decline(page, live_server, talk_bot):
    page.goto(f"{live_server.url}/")
    page.get_by_role("button", name="Chat with Demo chatbot").click()
    type_answer(page, NAME, "Ada Lovelace")
    type_answer(page, EMAIL, "ada@example.com")
    asked(page, PHONE)
    page.get_by_role("button", name="Skip").click()
    asked(page, MESSAGE)
    page.get_by_role("button", name="Skip").click()
    expect(last_bot_message(page)).to_have_text(CONSENT)
    # The consent question has only its two answers, no text box.
    expect(page.locator(".wcc-composer")).to_be_hidden()
    page.get_by_role("button", name="No, thanks").click()
    page.get_by_role("button", name="Send", exact=True).click()
    expect(last_bot_message(page)).to_have_text("Thanks, we will call you soon.")
    assert visitor_messages(page)[-3:] == ["Skipped", "Skipped", "No, thanks"]
    lead = Lead.objects.get()
    assert (lead.phone, lead.message, lead.consent) == ("", "", False)


def test_an_earlier_answer_is_changed_before_sending(page, live_server, talk_bot):
    page.goto(f"{live_server.url}/")
    page.get_by_role("button", name="Chat with Demo chatbot").click()
    talk_until_summary(page, email="ada@old.example.com")
    page.get_by_role("button", name="Change the answer to “Email”").click()
    box = asked(page, EMAIL)
    expect(box).to_have_value("ada@old.example.com")
    type_answer(page, EMAIL, "ada@new.example.com")
    # Straight back to a new summary; only the newest one offers changes.
    expect(page.locator(".wcc-summary").last).to_contain_text("ada@new.example.com")
    expect(page.locator(".wcc-change")).to_have_count(5)
    page.get_by_role("button", name="Send", exact=True).click()
    expect(last_bot_message(page)).to_have_text("Thanks, we will call you soon.")
    assert Lead.objects.get().email == "ada@new.example.com"


def test_a_page_change_mid_conversation_resumes_it(page, live_server, talk_bot):
    page.goto(f"{live_server.url}/")
    page.get_by_role("button", name="Chat with Demo chatbot").click()
    type_answer(page, NAME, "Ada Lovelace")
    type_answer(page, EMAIL, "ada@example.com")
    asked(page, PHONE)

    page.goto(f"{live_server.url}/?another=page")
    # The chat was open: it opens again where the visitor left it.
    expect(page.get_by_role("dialog", name="Demo chatbot")).to_be_visible()
    expect(asked(page, PHONE)).to_be_focused()
    assert visitor_messages(page) == ["Ada Lovelace", "ada@example.com"]
    type_answer(page, PHONE, "+44 20 7946 0000")

    # Closed, it stays closed on the next page, and carries on when opened.
    page.keyboard.press("Escape")
    page.goto(f"{live_server.url}/?third=page")
    expect(page.get_by_role("dialog", name="Demo chatbot")).to_be_hidden()
    page.get_by_role("button", name="Chat with Demo chatbot").click()
    type_answer(page, MESSAGE, "Hello")
    page.get_by_role("button", name="Yes, I agree").click()
    page.get_by_role("button", name="Send", exact=True).click()
    expect(last_bot_message(page)).to_have_text("Thanks, we will call you soon.")
    lead = Lead.objects.get()
    assert (lead.phone, lead.message) == ("+44 20 7946 0000", "Hello")
    assert lead.page_url == f"{live_server.url}/?third=page"

    # Once sent, the next page starts a new conversation.
    page.goto(f"{live_server.url}/")
    page.get_by_role("button", name="Chat with Demo chatbot").click()
    asked(page, NAME)
    assert visitor_messages(page) == []


@FAILED_SENDS
def test_a_failed_send_keeps_the_answers(page, live_server, talk_bot, answer, words):
    fail_sends(page, answer)
    page.goto(f"{live_server.url}/")
    page.get_by_role("button", name="Chat with Demo chatbot").click()
    talk_until_summary(page).click()
    expect(last_bot_message(page)).to_contain_text(words)
    # Send is offered again, and this time the lead goes through.
    page.unroute("**/chatbot/demo/leads/")
    page.get_by_role("button", name="Send", exact=True).click()
    expect(last_bot_message(page)).to_have_text("Thanks, we will call you soon.")
    lead = Lead.objects.get()
    assert (lead.name, lead.email) == ("Ada Lovelace", "ada@example.com")


def test_what_the_endpoint_refuses_comes_back_as_the_question(
    page, live_server, talk_bot
):
    """The endpoint stays the judge: a refusal it names a field for is
    asked again, then the summary comes back."""
    refused = []

    def refuse_once(route):
        if refused:
            route.continue_()
            return
        refused.append(route.request.post_data_json)
        route.fulfill(
            status=400,
            content_type="application/json",
            body=json.dumps({"errors": {"email": ["This address is not accepted."]}}),
        )

    page.route("**/chatbot/demo/leads/", refuse_once)
    page.goto(f"{live_server.url}/")
    page.get_by_role("button", name="Chat with Demo chatbot").click()
    talk_until_summary(page).click()
    bot = page.locator(".wcc-log .wcc-message--bot")
    expect(bot.nth(-2)).to_have_text("This address is not accepted.")
    type_answer(page, EMAIL, "ada@elsewhere.example.com")
    page.get_by_role("button", name="Send", exact=True).click()
    expect(last_bot_message(page)).to_have_text("Thanks, we will call you soon.")
    assert refused[0]["email"] == "ada@example.com"
    assert refused[0]["consent"] is True
    assert Lead.objects.get().email == "ada@elsewhere.example.com"


def test_the_conversation_passes_axe(page, live_server, talk_bot):
    page.goto(f"{live_server.url}/")
    page.get_by_role("button", name="Chat with Demo chatbot").click()
    asked(page, NAME)
    assert axe_violations(page) == []
    talk_until_summary(page)
    assert axe_violations(page) == []


def test_without_javascript_the_form_still_works(browser, live_server, talk_bot):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        page.goto(f"{live_server.url}/")
        page.get_by_label("Name (required)").fill("No Script")
        page.get_by_label("Email (required)").fill("noscript@example.com")
        page.get_by_role("button", name="Send").click()
        page.wait_for_url("**/?chatbot_sent=demo#wcc-demo")
        expect(page.get_by_text("Thanks, we will call you soon.")).to_be_visible()
    finally:
        context.close()
    assert Lead.objects.get().email == "noscript@example.com"


# Answers the conversation checks as it goes, each judged by the endpoint's
# own form too: the two must agree.
SAMPLES = {
    "name": [
        "Ada Lovelace",
        "",
        "   ",
        "a" * 200,
        "a" * 201,
        "Ada\nLovelace",
        "Ada\tL",
        "Zoë Ørsted",
        "Ada\u2028L",
        "  padded  ",
    ],
    "email": [
        "ada@example.com",
        "ada@",
        "@example.com",
        "ada@example",
        "ada@localhost",
        "ada lovelace@example.com",
        "ada@exa mple.com",
        '"ada l"@example.com',
        "ada@bücher.de",
        "ada@[192.0.2.1]",
        "ada@-example.com",
        "ada@example-.com",
        "ada@example.c",
        "ada..l@example.com",
        "ada.@example.com",
        "a" * 250 + "@x.io",
        "ada@example.com\n",
        "ADA@EXAMPLE.COM",
        "ada+tag@sub.example.co.uk",
        "ada@xn--bcher-kva.de",
    ],
    "phone": [
        "+44 20 7946 0000",
        "(555) 123-4567 x89",
        "12",
        "call me",
        "555-1234 ext. 5",
        "",
        "+1/555/1234",
        "1" * 51,
    ],
    "message": [
        "Hello",
        "Line one\nLine two\ttabbed",
        "bell\x07",
        "x" * 5000,
        "x" * 5001,
        "",
    ],
}


def test_the_conversation_checks_answers_by_the_endpoints_rules(
    page, live_server, talk_bot
):
    page.goto(f"{live_server.url}/")
    form = LeadForm(talk_bot)
    for name, values in SAMPLES.items():
        field = form.fields[name]
        rules = {
            "type": {"email": "email", "phone": "tel", "message": "textarea"}.get(
                name, "text"
            ),
            "required": field.required,
            "max": field.max_length,
        }
        for value in values:
            try:
                field.clean(value)
                server_ok = True
            except Exception:
                server_ok = False
            problem = page.evaluate(
                "([rules, value]) => window.wagtailChatbotCrm.check(rules, value)",
                [rules, value],
            )
            assert (problem == "") == server_ok, (name, value, problem)


def test_the_chatbots_style_decides_what_visitors_get(page, live_server, talk_bot):
    talk_bot.widget_style = "form"
    talk_bot.save()
    page.goto(f"{live_server.url}/")
    page.get_by_role("button", name="Chat with Demo chatbot").click()
    expect(page.get_by_label("Name (required)")).to_be_focused()
    expect(page.get_by_role("log")).to_have_count(0)


def test_the_conversation_keeps_its_looks_inside_a_hostile_stylesheet(
    page, live_server, talk_bot
):
    page.goto(f"{live_server.url}/")
    page.add_style_tag(content=HOSTILE_CSS)
    page.get_by_role("button", name="Chat with Demo chatbot").click()
    type_answer(page, NAME, "Ada Lovelace")
    type_answer(page, EMAIL, "ada@")
    asked(page, EMAIL)
    dialog = page.get_by_role("dialog", name="Demo chatbot")
    texts = dialog.evaluate(CONTRAST)
    # Title, greeting, questions, the visitor's bubbles, the bot's reason.
    assert len(texts) >= 6
    poor = [(round(ratio, 2), text) for ratio, text in texts if ratio < 4.5]
    assert poor == []
    bubble = page.locator(".wcc-message--visitor").first
    assert "Hostile" not in bubble.evaluate("el => getComputedStyle(el).fontFamily")
    # The answer box stays inside the dialog whatever box-sizing the site sets.
    right = dialog.evaluate("el => el.getBoundingClientRect().right")
    box = page.locator(".wcc-composer__input").bounding_box()
    assert box["x"] + box["width"] <= right


def test_the_funnel_counts_a_conversation_once(page, live_server, talk_bot):
    from wagtail_chatbot_crm.funnel import funnel

    # One visitor opens the chat and leaves; another opens it, answers,
    # carries on on the next page (the chat reopens by itself: not a new
    # open) and sends.
    page.goto(f"{live_server.url}/")
    page.get_by_role("button", name="Chat with Demo chatbot").click()
    page.evaluate("() => sessionStorage.clear()")
    page.goto(f"{live_server.url}/")
    page.get_by_role("button", name="Chat with Demo chatbot").click()
    type_answer(page, NAME, "Ada Lovelace")
    asked(page, EMAIL)
    page.goto(f"{live_server.url}/?next=page")
    type_answer(page, EMAIL, "ada@example.com")
    type_answer(page, PHONE, "")
    type_answer(page, MESSAGE, "")
    page.get_by_role("button", name="Yes, I agree").click()
    page.get_by_role("button", name="Send", exact=True).click()
    expect(last_bot_message(page)).to_have_text("Thanks, we will call you soon.")

    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        [row] = funnel() or [{}]
        if row.get("opened") == 2 and row.get("started") == 1:
            break
        time.sleep(0.1)
    numbers = {key: row[key] for key in ("opened", "started", "sent", "synced")}
    print("funnel:", numbers)
    assert numbers == {"opened": 2, "started": 1, "sent": 1, "synced": 0}


def test_in_a_pages_content_the_conversation_waits_for_the_visitor(
    page, live_server, talk_bot
):
    page.goto(f"{live_server.url}/inline-chat/")
    # In the page's flow: no bubble, no dialog, and the page keeps its focus.
    expect(page.get_by_role("log")).to_contain_text(NAME)
    expect(page.get_by_role("dialog")).to_have_count(0)
    assert page.evaluate("() => document.activeElement === document.body")
    page.get_by_label(NAME).fill("Ada Lovelace")
    page.get_by_label(NAME).press("Enter")
    # Once the visitor is in it, focus follows the questions.
    expect(asked(page, EMAIL)).to_be_focused()
    type_answer(page, EMAIL, "ada@example.com")
    for _ in range(2):
        page.get_by_role("button", name="Skip").click()
    page.get_by_role("button", name="Yes, I agree").click()
    page.get_by_role("button", name="Send", exact=True).click()
    expect(last_bot_message(page)).to_have_text("Thanks, we will call you soon.")
    assert Lead.objects.get().page_url == f"{live_server.url}/inline-chat/"
