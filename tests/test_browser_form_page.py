"""A visitor fills in a Wagtail form page in a real browser; the submission
becomes a lead that reaches the CRM."""

import pytest
from playwright.sync_api import expect
from wagtail.contrib.forms.models import FormSubmission

from tests.contact_pages import make_contact_page
from tests.test_e2e_consumer import wait_for
from wagtail_chatbot_crm.models import Lead, SyncStatus

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_visitor_submits_the_contact_page_and_the_lead_syncs(
    page, live_server, wagtail_site, make_chatbot, crm_server, consumer, screenshot
):
    bot = make_chatbot(webhook_url=crm_server.url)
    contact_page = make_contact_page(bot)
    consumer.start(CONNECT_TIMEOUT=2, READ_TIMEOUT=2)

    page.goto(f"{live_server.url}/contact/")
    page.get_by_label("Your name").fill("Grace Hopper")
    page.get_by_label("Email").fill("grace@example.com")
    page.get_by_label("Company").fill("Navy Labs")
    page.get_by_label("Budget").select_option("Under €5k")
    page.get_by_label("Message").fill("We would like a demo next week.")
    screenshot("contact-page")
    page.get_by_role("button", name="Send").click()

    expect(page.get_by_text("Thanks, we will be in touch.")).to_be_visible()
    assert FormSubmission.objects.filter(page=contact_page).count() == 1
    lead, _ = wait_for(Lead.objects.get(), SyncStatus.SYNCED)
    assert (lead.name, lead.email, lead.company) == (
        "Grace Hopper",
        "grace@example.com",
        "Navy Labs",
    )
    assert lead.extra_data == {"Budget": "Under €5k"}
    body = crm_server.received[0].json()
    assert body["email"] == "grace@example.com"
    assert body["message"] == "We would like a demo next week."
