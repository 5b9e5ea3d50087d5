"""Real-browser tests of the editor's lead screens."""

import csv

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from wagtail_chatbot_crm.models import DeliveryAttempt, Lead, SyncStatus

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def some_leads(make_chatbot, crm_server):
    bot = make_chatbot(webhook_url=crm_server.url, name="Sales", slug="sales")
    now = timezone.now()
    rows = [
        ("Ada Lovelace", "ada@example.com", SyncStatus.SYNCED, 1, ""),
        ("Grace Hopper", "grace@example.com", SyncStatus.SYNCED, 1, ""),
        (
            "Alan Turing",
            "alan@example.com",
            SyncStatus.FAILED,
            6,
            "The CRM rejected the credentials (HTTP 401). Check the "
            "authentication settings: the token, API key or password.",
        ),
        (
            "Edsger Dijkstra",
            "edsger@example.com",
            SyncStatus.RETRYING,
            2,
            "The CRM had a problem of its own (HTTP 503).",
        ),
        ("Barbara Liskov", "barbara@example.com", SyncStatus.PENDING, 0, ""),
    ]
    leads = {}
    for name, email, status, tries, error in rows:
        leads[name] = Lead.objects.create(
            chatbot=bot,
            name=name,
            email=email,
            sync_status=status,
            tries=tries,
            last_error=error,
            next_attempt_at=now if status == SyncStatus.RETRYING else None,
        )
    failed = leads["Alan Turing"]
    DeliveryAttempt.objects.create(
        lead=failed,
        chatbot=bot,
        attempt_number=6,
        status_code=401,
        duration_ms=84,
        error=failed.last_error,
        error_detail="HTTP 401 Unauthorized",
        response_excerpt='{"message": "Invalid API token"}',
    )
    return leads


def test_report_filter_and_export(admin_page, live_server, some_leads, screenshot):
    page = admin_page
    page.goto(f"{live_server.url}/admin/")
    page.get_by_role("button", name="Reports").click()
    page.get_by_role("link", name="Leads").click()
    page.wait_for_url("**/admin/chatbot-crm/leads/")
    for name in ("Ada Lovelace", "Alan Turing", "Edsger Dijkstra"):
        expect(page.get_by_role("link", name=name)).to_be_visible()
    assert page.locator(".w-chatbot-status__label", has_text="Failed").count() == 1
    screenshot("leads-report")

    page.get_by_role("button", name="Filter").click()
    page.get_by_role("button", name="Sync status").click()
    page.get_by_label("Sync status").select_option("failed")
    page.wait_for_function(
        "() => !document.body.innerText.includes('Ada Lovelace')", timeout=10_000
    )
    expect(page.get_by_role("link", name="Alan Turing")).to_be_visible()
    assert "sync_status=failed" in page.url

    page.get_by_role("button", name="Actions").click()
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download CSV").click()
    download = download_info.value
    with open(download.path(), encoding="utf-8") as exported:
        rows = list(csv.DictReader(exported))
    assert [row["Name"] for row in rows] == ["Alan Turing"]
    assert rows[0]["Status"] == "Failed"


def test_retry_now_turns_a_failed_lead_synced(
    admin_page, live_server, some_leads, consumer, screenshot
):
    consumer.start(CONNECT_TIMEOUT=2, READ_TIMEOUT=2)
    page = admin_page
    lead = some_leads["Alan Turing"]
    page.goto(f"{live_server.url}/admin/chatbot-crm/leads/{lead.pk}/")
    expect(page.get_by_text("Invalid API token")).to_be_hidden()  # in a disclosure
    page.get_by_text("Technical detail").click()
    expect(page.get_by_text("Invalid API token")).to_be_visible()
    screenshot("lead-detail-failed")

    page.get_by_role("link", name="Retry now").click()
    page.get_by_role("button", name="Yes, send it now").click()
    expect(page.get_by_text("The lead is queued")).to_be_visible()
    # The page follows the try by itself: no reload.
    expect(page.get_by_text("this page updates itself")).to_be_visible()
    expect(page.locator(".w-chatbot-status__label", has_text="Synced")).to_be_visible(
        timeout=20_000
    )
    expect(page.get_by_text("The lead is queued")).to_be_visible()  # same page
    expect(page.get_by_text("this page updates itself")).to_be_hidden()
    lead.refresh_from_db()
    assert lead.sync_status == SyncStatus.SYNCED
    expect(page.get_by_text("Retry by an editor")).to_be_visible()
    screenshot("lead-detail-synced")


def test_dashboard_panel(admin_page, live_server, some_leads, screenshot):
    page = admin_page
    page.goto(f"{live_server.url}/admin/")
    panel = page.locator(".w-chatbot-dashboard")
    expect(panel.get_by_text("Chatbot leads, last 7 days")).to_be_visible()
    expect(panel.get_by_text("67%")).to_be_visible()  # 2 synced of 3 settled
    screenshot("dashboard-panel", panel)
    panel.get_by_role("link", name="See the failed lead and why").click()
    page.wait_for_url("**/admin/chatbot-crm/leads/?sync_status=failed")
    expect(page.get_by_role("link", name="Alan Turing")).to_be_visible()
    assert page.get_by_role("link", name="Ada Lovelace").count() == 0


def test_from_the_failed_count_to_a_fixed_and_synced_lead_in_five_clicks(
    admin_page, live_server, make_chatbot, crm_server, consumer
):
    """The editor's path when a lead fails: the dashboard's failed count,
    the cause and its fix in settings, the lead sent again and seen synced,
    in five clicks and without reloading."""
    consumer.start(CONNECT_TIMEOUT=2, READ_TIMEOUT=2)
    bot = make_chatbot(
        name="Sales",
        webhook_url=crm_server.url,
        auth_type="bearer",
        bearer_token="tok_expired_0001",
    )
    lead = Lead.objects.create(
        chatbot=bot,
        name="Alan Turing",
        email="alan@example.com",
        sync_status=SyncStatus.FAILED,
        tries=6,
        last_error="The CRM rejected the credentials (HTTP 401).",
        last_error_fix="auth",
    )
    page = admin_page
    clicks = 0

    def click(locator):
        nonlocal clicks
        clicks += 1
        locator.click()

    page.goto(f"{live_server.url}/admin/")
    click(page.get_by_role("link", name="See the failed lead and why"))
    # The report says why, and where to fix it.
    expect(page.get_by_text("The CRM rejected the credentials")).to_be_visible()
    click(page.get_by_role("link", name="Check the authentication settings"))
    token = page.locator("#id_bearer_token")
    expect(token).to_be_visible()  # its tab opened on the section
    token.fill("tok_renewed_0002")
    click(page.get_by_role("button", name="Save"))
    click(page.get_by_role("link", name="Send the lead again"))
    click(page.get_by_role("button", name="Yes, send 1 lead"))
    # Its page follows the try to the end.
    expect(page.get_by_role("heading", name="Alan Turing")).to_be_visible()
    expect(page.locator(".w-chatbot-status__label", has_text="Synced")).to_be_visible(
        timeout=20_000
    )
    assert clicks == 5
    lead.refresh_from_db()
    assert lead.sync_status == SyncStatus.SYNCED
    assert crm_server.received[-1].headers["Authorization"] == "Bearer tok_renewed_0002"


def test_bulk_actions_with_checkboxes_like_wagtails_listings(
    admin_page, live_server, some_leads, screenshot
):
    page = admin_page
    page.goto(f"{live_server.url}/admin/chatbot-crm/leads/")
    for name in ("Alan Turing", "Barbara Liskov"):
        pk = some_leads[name].pk
        page.locator(f'input[data-bulk-action-checkbox][data-object-id="{pk}"]').check()
    footer = page.locator("[data-bulk-action-footer]")
    expect(footer).to_be_visible()
    screenshot("leads-bulk-actions")
    footer.get_by_role("link", name="Send the selected leads to the CRM").click()
    expect(
        page.get_by_text("These 2 leads will be sent to the CRM now")
    ).to_be_visible()
    page.get_by_role("button", name="Yes, send 2 leads").click()
    expect(page.get_by_text("2 leads are queued to be sent.")).to_be_visible()
    assert page.url.endswith("/admin/chatbot-crm/leads/")

    turing = some_leads["Alan Turing"].pk
    page.locator(f'input[data-bulk-action-checkbox][data-object-id="{turing}"]').check()
    footer.get_by_role("link", name="Delete the selected leads").click()
    page.get_by_role("button", name="Yes, delete 1 lead").click()
    expect(page.get_by_text("1 lead was deleted.")).to_be_visible()
    assert not Lead.objects.filter(name="Alan Turing").exists()


def test_the_report_on_a_phone_keeps_names_status_and_errors_readable(
    browser, live_server, admin_user, wagtail_site, some_leads, screenshot
):
    from tests.browser import log_in

    Lead.objects.filter(pk=some_leads["Alan Turing"].pk).update(
        name="Maximiliane Wolkenstein-Brandenburg"
    )
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        log_in(page, live_server.url, admin_user.username)
        page.goto(f"{live_server.url}/admin/chatbot-crm/leads/")
        name = page.get_by_role("link", name="Maximiliane Wolkenstein-Brandenburg")
        expect(name).to_be_visible()
        box = name.bounding_box()
        # Wrapped by word: a few lines at most, never a letter a line.
        assert box["width"] >= 80
        assert box["height"] <= 4 * 24
        status = page.locator(".w-chatbot-status__label", has_text="Failed")
        expect(status).to_be_visible()
        expect(page.get_by_text("The CRM rejected the credentials")).to_be_visible()
        # The columns a phone can spare are gone.
        expect(page.get_by_role("columnheader", name="Email")).to_be_hidden()
        screenshot("leads-report-phone", page)
    finally:
        context.close()


def test_a_lead_deleted_from_its_page_and_a_replay_previewed(
    admin_page, live_server, some_leads
):
    page = admin_page
    lead = some_leads["Alan Turing"]
    page.goto(f"{live_server.url}/admin/chatbot-crm/leads/{lead.pk}/")
    page.get_by_role("link", name="Delete").click()
    expect(page.get_by_text("deleted with its 1 delivery attempt")).to_be_visible()
    page.get_by_role("button", name="Yes, delete it").click()
    expect(page.get_by_text("The lead was deleted.")).to_be_visible()
    assert not Lead.objects.filter(pk=lead.pk).exists()

    # Send again what a filter shows: a preview first, then the send.
    page.goto(f"{live_server.url}/admin/chatbot-crm/leads/?sync_status=synced")
    page.get_by_role("link", name="Send again what is shown").click()
    expect(page.get_by_text("2 leads, those the report shows")).to_be_visible()
    expect(page.get_by_role("link", name="Ada Lovelace")).to_be_visible()
    page.get_by_role("button", name="Yes, send 2 leads again").click()
    expect(page.get_by_text("2 leads are queued to be sent again.")).to_be_visible()
    assert set(
        Lead.objects.filter(sync_status=SyncStatus.PENDING).values_list(
            "name", flat=True
        )
    ) >= {"Ada Lovelace", "Grace Hopper"}
