"""A visitor meets the chatbot widget in a real browser."""

import json
import os
import time
from pathlib import Path

import pytest
from playwright.sync_api import expect

from wagtail_chatbot_crm.models import Lead, SyncStatus

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = (
    Path(__file__).resolve().parent.parent
    / ".cache/npm/node_modules/axe-core/axe.min.js"
)


@pytest.fixture
def demo_bot(make_chatbot, crm_server, wagtail_site):
    return make_chatbot(
        name="Demo chatbot",
        slug="demo",
        webhook_url=crm_server.url,
        greeting="Hi! How can we help?",
        thank_you_text="Thanks, we will call you soon.",
        consent_text="I agree to be contacted about my enquiry.",
    )


def wait_for_status(lead, status, timeout=15.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        lead.refresh_from_db()
        if lead.sync_status == status:
            return lead
        time.sleep(0.1)
    raise AssertionError(f"lead stayed {lead.sync_status}")


def test_visitor_chats_is_thanked_and_the_lead_syncs(
    page, live_server, demo_bot, crm_server, consumer, screenshot
):
    consumer.start(CONNECT_TIMEOUT=2, READ_TIMEOUT=2)
    page.goto(f"{live_server.url}/")
    bubble = page.get_by_role("button", name="Chat with Demo chatbot")
    bubble.click()
    dialog = page.get_by_role("dialog", name="Demo chatbot")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_text("Hi! How can we help?")).to_be_visible()
    expect(page.get_by_label("Name (required)")).to_be_focused()
    screenshot("widget-open")

    page.get_by_label("Name (required)").fill("Ada Lovelace")
    page.get_by_label("Email (required)").fill("ada@example.com")
    page.get_by_label("I agree to be contacted").check()
    page.get_by_role("button", name="Send").click()
    expect(dialog.get_by_text("Thanks, we will call you soon.")).to_be_visible()
    screenshot("widget-thanks")

    lead = Lead.objects.get()
    assert lead.email == "ada@example.com"
    assert lead.consent is True
    assert lead.page_url == f"{live_server.url}/"
    wait_for_status(lead, SyncStatus.SYNCED)
    assert crm_server.received[0].json()["email"] == "ada@example.com"


def test_the_visits_first_page_referrer_and_utm_travel_with_the_lead(
    page, live_server, demo_bot
):
    landing = f"{live_server.url}/?utm_source=newsletter&utm_campaign=autumn"
    page.goto(landing, referer="https://news.example.org/issue-42")
    # Later pages of the visit keep what the first one saw.
    page.goto(f"{live_server.url}/")
    page.get_by_role("button", name="Chat with Demo chatbot").click()
    page.get_by_label("Name (required)").fill("Ada Lovelace")
    page.get_by_label("Email (required)").fill("ada@example.com")
    page.get_by_label("I agree to be contacted").check()
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_text("Thanks, we will call you soon.")).to_be_visible()

    lead = Lead.objects.get()
    assert lead.page_url == f"{live_server.url}/"
    assert lead.landing_page == landing
    assert lead.referrer == "https://news.example.org/issue-42"
    assert (lead.utm_source, lead.utm_campaign, lead.utm_medium) == (
        "newsletter",
        "autumn",
        "",
    )


def test_field_errors_are_shown_and_announced(page, live_server, demo_bot, screenshot):
    page.goto(f"{live_server.url}/")
    page.get_by_role("button", name="Chat with Demo chatbot").click()
    page.get_by_label("Email (required)").fill("not-an-email")
    page.get_by_role("button", name="Send").click()
    name = page.get_by_label("Name (required)")
    expect(name).to_have_attribute("aria-invalid", "true")
    expect(name).to_be_focused()
    expect(page.get_by_text("This field is required.")).to_be_visible()
    expect(page.get_by_text("Enter a valid email address.")).to_be_visible()
    expect(page.get_by_role("status")).to_have_text(
        "Please correct the 2 fields marked below."
    )
    # Each error is tied to its field for screen readers.
    described = name.get_attribute("aria-describedby")
    assert page.locator(f"#{described}").inner_text() == "This field is required."
    assert page.get_by_label("Email (required)").input_value() == "not-an-email"
    screenshot("widget-errors")
    assert Lead.objects.count() == 0


def test_keyboard_only(page, live_server, demo_bot):
    page.goto(f"{live_server.url}/")
    bubble = page.get_by_role("button", name="Chat with Demo chatbot")
    bubble.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_label("Name (required)")).to_be_focused()
    page.keyboard.type("Grace Hopper")
    page.keyboard.press("Tab")
    page.keyboard.type("grace@example.com")
    # Escape closes the dialog and gives focus back to the bubble.
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog")).to_be_hidden()
    expect(bubble).to_be_focused()
    page.keyboard.press("Enter")
    # What was typed is still there; focus stays inside the dialog.
    expect(page.get_by_label("Email (required)")).to_have_value("grace@example.com")
    for _ in range(12):
        page.keyboard.press("Tab")
        inside = page.evaluate(
            "() => !!document.activeElement.closest('[data-wcc-dialog]')"
        )
        assert inside
    page.get_by_label("Email (required)").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_text("Thanks, we will call you soon.")).to_be_visible()
    assert Lead.objects.get().name == "Grace Hopper"


def test_without_javascript(browser, live_server, demo_bot, screenshot):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        page.goto(f"{live_server.url}/")
        # No bubble: the form is in the page.
        expect(page.get_by_role("button", name="Chat with Demo chatbot")).to_be_hidden()
        page.get_by_label("Email (required)").fill("bad")
        page.get_by_role("button", name="Send").click()
        expect(page.get_by_text("Enter a valid email address.")).to_be_visible()
        assert page.get_by_label("Email (required)").input_value() == "bad"
        page.get_by_label("Name (required)").fill("No Script")
        page.get_by_label("Email (required)").fill("noscript@example.com")
        page.get_by_role("button", name="Send").click()
        page.wait_for_url("**/?chatbot_sent=demo#wcc-demo")
        expect(page.get_by_text("Thanks, we will call you soon.")).to_be_visible()
        screenshot("widget-no-javascript")
    finally:
        context.close()
    assert Lead.objects.get().email == "noscript@example.com"


def test_accessibility_check_with_axe(page, live_server, demo_bot):
    if not AXE.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{AXE} is missing: 'make test' installs axe-core from npm")
        pytest.skip("axe-core is not installed (make test installs it)")
    page.goto(f"{live_server.url}/")
    page.get_by_role("button", name="Chat with Demo chatbot").click()
    page.add_script_tag(path=str(AXE))
    results = page.evaluate(
        "async () => await axe.run('.wcc', {resultTypes: ['violations']})"
    )
    violations = [
        {"id": v["id"], "impact": v["impact"], "nodes": len(v["nodes"])}
        for v in results["violations"]
    ]
    print("axe violations:", json.dumps(violations))
    assert violations == []


@pytest.mark.parametrize(
    ("answer", "words"),
    [
        ("network", "the connection failed"),
        ("429", "Please try again in 30 seconds."),
        ("500", "Something went wrong."),
    ],
)
def test_failures_keep_the_visitors_input(page, live_server, demo_bot, answer, words):
    def interfere(route):
        if answer == "network":
            route.abort()
        else:
            route.fulfill(
                status=int(answer),
                headers={"Retry-After": "30", "Content-Type": "application/json"},
                body='{"errors": {"__all__": ["Too many messages."]}}'
                if answer == "429"
                else "oops",
            )

    page.route("**/chatbot/demo/leads/", interfere)
    page.goto(f"{live_server.url}/")
    page.get_by_role("button", name="Chat with Demo chatbot").click()
    page.get_by_label("Name (required)").fill("Ada Lovelace")
    page.get_by_label("Email (required)").fill("ada@example.com")
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_role("status")).to_contain_text(words)
    expect(page.get_by_label("Name (required)")).to_have_value("Ada Lovelace")
    expect(page.get_by_label("Email (required)")).to_have_value("ada@example.com")
    expect(page.get_by_role("button", name="Send")).to_be_enabled()
