"""A visitor meets the chatbot widget in its form style in a real browser
(the conversation style: ``test_browser_conversation``)."""

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
        widget_style="form",
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


def chat_and_send(page):
    """Open the chat, fill it in as Ada Lovelace, send it, see the thanks."""
    page.get_by_role("button", name="Chat with Demo chatbot").click()
    page.get_by_label("Name (required)").fill("Ada Lovelace")
    page.get_by_label("Email (required)").fill("ada@example.com")
    page.get_by_label("I agree to be contacted").check()
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_text("Thanks, we will call you soon.")).to_be_visible()


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
    chat_and_send(page)

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


def axe_violations(page):
    """What axe-core finds wrong in the widget as the page shows it now."""
    if not AXE.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{AXE} is missing: 'make test' installs axe-core from npm")
        pytest.skip("axe-core is not installed (make test installs it)")
    page.add_script_tag(path=str(AXE))
    results = page.evaluate(
        "async () => await axe.run('.wcc', {resultTypes: ['violations']})"
    )
    violations = [
        {"id": v["id"], "impact": v["impact"], "nodes": len(v["nodes"])}
        for v in results["violations"]
    ]
    print("axe violations:", json.dumps(violations))
    return violations


def test_accessibility_check_with_axe(page, live_server, demo_bot):
    page.goto(f"{live_server.url}/")
    page.get_by_role("button", name="Chat with Demo chatbot").click()
    assert axe_violations(page) == []


# How a send can fail, and words the visitor is told each time.
FAILED_SENDS = pytest.mark.parametrize(
    ("answer", "words"),
    [
        ("network", "the connection failed"),
        ("429", "Please try again in 30 seconds."),
        ("500", "Something went wrong."),
    ],
)


def fail_sends(page, answer):
    """Make the lead endpoint fail as ``answer`` says: the network, or a
    429 (with Retry-After) or 500 answer."""

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


@FAILED_SENDS
def test_failures_keep_the_visitors_input(page, live_server, demo_bot, answer, words):
    fail_sends(page, answer)
    page.goto(f"{live_server.url}/")
    page.get_by_role("button", name="Chat with Demo chatbot").click()
    page.get_by_label("Name (required)").fill("Ada Lovelace")
    page.get_by_label("Email (required)").fill("ada@example.com")
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_role("status")).to_contain_text(words)
    expect(page.get_by_label("Name (required)")).to_have_value("Ada Lovelace")
    expect(page.get_by_label("Email (required)")).to_have_value("ada@example.com")
    expect(page.get_by_role("button", name="Send")).to_be_enabled()


# A site's stylesheet at its most careless: a dark theme whose global rules
# colour every heading, paragraph and label near-white, its own fonts,
# content-box sizing and a tall line height.
HOSTILE_CSS = """
* { box-sizing: content-box; }
html, body { background: #14161a; color: #f4f4f5; line-height: 3;
             font-family: Georgia, serif; }
h1, h2, h3, p, label, span, button, input, textarea, section, header {
    color: #fafafa; font-family: "Hostile Display", fantasy;
    letter-spacing: 0.2em; text-transform: uppercase; }
h2 { font-size: 3rem; margin: 2em 0; }
main p, .content p { color: #fdfdfd; margin: 2em 0; }
"""

# Each visible element's own text: its colour's contrast with the first
# opaque background behind it (WCAG's formula).
CONTRAST = """
(root) => {
  const parse = (value) => {
    const numbers = value.match(/[\\d.]+/g).map(Number);
    const scale = value.startsWith("color(") ? 255 : 1;
    return { rgb: numbers.slice(0, 3).map((n) => n * scale),
             alpha: numbers.length > 3 ? numbers[3] : 1 };
  };
  const luminance = (rgb) => {
    const [r, g, b] = rgb.map((v) => {
      v /= 255;
      return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const behind = (el) => {
    for (; el; el = el.parentElement) {
      const colour = parse(getComputedStyle(el).backgroundColor);
      if (colour.alpha > 0) return colour.rgb;
    }
    return [255, 255, 255];
  };
  const found = [];
  for (const el of root.querySelectorAll("*")) {
    if (!el.getClientRects().length) continue;
    const text = [...el.childNodes]
      .filter((node) => node.nodeType === 3)
      .map((node) => node.textContent.trim())
      .join("");
    if (!text) continue;
    const [light, dark] = [luminance(parse(getComputedStyle(el).color).rgb),
                           luminance(behind(el))].sort((a, b) => b - a);
    found.push([(light + 0.05) / (dark + 0.05), text.slice(0, 40)]);
  }
  return found;
}
"""


def test_the_widget_keeps_its_looks_inside_a_hostile_stylesheet(
    page, live_server, demo_bot, screenshot
):
    page.goto(f"{live_server.url}/")
    page.add_style_tag(content=HOSTILE_CSS)
    page.get_by_role("button", name="Chat with Demo chatbot").click()
    dialog = page.get_by_role("dialog", name="Demo chatbot")
    expect(dialog).to_be_visible()
    page.get_by_role("button", name="Send").click()  # error texts too
    expect(page.get_by_text("Please correct the")).to_be_visible()
    screenshot("widget-hostile-css")

    texts = dialog.evaluate(CONTRAST)
    assert len(texts) >= 6  # title, greeting, labels, errors, button
    poor = [(round(ratio, 2), text) for ratio, text in texts if ratio < 4.5]
    assert poor == []
    title = page.locator(".wcc-dialog__title")
    assert "Hostile" not in title.evaluate("el => getComputedStyle(el).fontFamily")
    assert title.evaluate("el => getComputedStyle(el).textTransform") == "none"
    greeting = page.get_by_text("Hi! How can we help?")
    line, size = greeting.evaluate(
        "el => [getComputedStyle(el).lineHeight, getComputedStyle(el).fontSize]"
    )
    assert float(line.removesuffix("px")) < 2 * float(size.removesuffix("px"))
    # Inputs keep within the dialog whatever box-sizing the site sets.
    right = dialog.evaluate("el => el.getBoundingClientRect().right")
    for box in page.locator(".wcc-field__input").evaluate_all(
        "els => els.map(el => el.getBoundingClientRect().right)"
    ):
        assert box <= right


def test_on_a_phone_the_bubble_is_small_and_the_chat_fills_the_screen(
    browser, live_server, demo_bot, screenshot
):
    # Reduced motion: no opening animation to wait out before measuring.
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, reduced_motion="reduce"
    )
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/")
        bubble = page.get_by_role("button", name="Chat with Demo chatbot")
        box = bubble.bounding_box()
        assert box["width"] <= 64 and box["height"] <= 64
        screenshot("widget-phone-closed", page)
        bubble.click()
        dialog = page.get_by_role("dialog", name="Demo chatbot")
        expect(dialog).to_be_visible()
        box = dialog.bounding_box()
        assert (box["x"], box["y"], box["width"], box["height"]) == (0, 0, 390, 844)
        # The Send button can be reached by scrolling the dialog, errors shown.
        page.get_by_role("button", name="Send").click()
        page.get_by_role("button", name="Send").scroll_into_view_if_needed()
        expect(page.get_by_role("button", name="Send")).to_be_in_viewport()
    finally:
        context.close()


@pytest.fixture
def greeting_bot(demo_bot):
    demo_bot.proactive_greeting = True
    demo_bot.proactive_delay = 1
    demo_bot.save()
    return demo_bot


def test_the_proactive_greeting_shows_once_per_visit_and_can_be_dismissed(
    browser, live_server, greeting_bot, screenshot
):
    context = browser.new_context(reduced_motion="reduce")
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/")
        teaser = page.locator("[data-wcc-teaser]")
        expect(teaser).to_be_hidden()
        expect(teaser).to_be_visible(timeout=5000)
        expect(teaser.get_by_text("Hi! How can we help?")).to_be_visible()
        screenshot("widget-proactive-greeting", page)
        page.get_by_role("button", name="Dismiss the greeting").click()
        expect(teaser).to_be_hidden()
        expect(
            page.get_by_role("button", name="Chat with Demo chatbot")
        ).to_be_focused()

        # The same visit, another page: not again.
        page.goto(f"{live_server.url}/")
        page.wait_for_timeout(2000)
        expect(teaser).to_be_hidden()
    finally:
        context.close()

    # A new visit is greeted again; the greeting opens the chat.
    context = browser.new_context(reduced_motion="reduce")
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/")
        page.locator("[data-wcc-teaser-open]").click(timeout=5000)
        expect(page.get_by_role("dialog", name="Demo chatbot")).to_be_visible()
        expect(page.locator("[data-wcc-teaser]")).to_be_hidden()
    finally:
        context.close()


def test_the_proactive_greeting_never_covers_an_open_chat(
    page, live_server, greeting_bot
):
    page.goto(f"{live_server.url}/")
    page.get_by_role("button", name="Chat with Demo chatbot").click()
    page.wait_for_timeout(2000)
    expect(page.locator("[data-wcc-teaser]")).to_be_hidden()


def test_the_proactive_greeting_passes_axe(page, live_server, greeting_bot):
    page.goto(f"{live_server.url}/")
    expect(page.locator("[data-wcc-teaser]")).to_be_visible(timeout=5000)
    assert axe_violations(page) == []


def test_the_funnel_counts_what_visitors_did(page, live_server, demo_bot):
    from wagtail_chatbot_crm.funnel import funnel

    # One visitor opens the chat and leaves; another opens, writes and sends.
    page.goto(f"{live_server.url}/")
    page.get_by_role("button", name="Chat with Demo chatbot").click()
    page.goto(f"{live_server.url}/")
    chat_and_send(page)

    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        [row] = funnel() or [{}]
        if row.get("opened") == 2 and row.get("started") == 1:
            break
        time.sleep(0.1)
    numbers = {key: row[key] for key in ("opened", "started", "sent", "synced")}
    print("funnel:", numbers)
    assert numbers == {"opened": 2, "started": 1, "sent": 1, "synced": 0}
