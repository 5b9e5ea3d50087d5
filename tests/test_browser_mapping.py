"""The Field mapping tab's rows in a real browser: one line a row, the
date format and the answer's label only where a row uses them."""

import pytest
from playwright.sync_api import expect

from tests.test_browser_presets import editor_url

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ROWS = [
    ("email", "properties.email", ""),
    ("first_name", "properties.firstname", ""),
    ("last_name", "properties.lastname", ""),
    ("phone", "properties.phone", ""),
    ("company", "properties.company", ""),
    ("message", "properties.message", ""),
    ("submitted_at", "properties.created", "date"),
    ("extra", "properties.budget", ""),
]


@pytest.fixture
def mapped(make_chatbot):
    chatbot = make_chatbot()
    for order, (source, crm_field, transform) in enumerate(ROWS):
        chatbot.field_mappings.create(
            sort_order=order,
            source=source,
            crm_field=crm_field,
            transform=transform,
            date_format="%Y-%m-%d" if transform else "",
            extra_key="Budget" if source == "extra" else "",
        )
    chatbot.save()
    return chatbot


@pytest.mark.parametrize(
    ("viewport", "most"),
    [({"width": 1280, "height": 900}, 1400), ({"width": 390, "height": 844}, 2400)],
    ids=["desktop", "phone"],
)
def test_eight_mapping_rows_are_compact(
    browser, live_server, admin_user, wagtail_site, mapped, viewport, most, screenshot
):
    from tests.browser import log_in

    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        log_in(page, live_server.url, admin_user.username)
        page.goto(editor_url(live_server, mapped))
        page.get_by_role("tab", name="Field mapping").click()
        rows = page.locator("#id_field_mappings-FORMS")
        expect(rows).to_be_visible()
        height = rows.bounding_box()["height"]
        print(f"8 mapping rows, {viewport['width']} px wide: {height:.0f} px tall")
        assert height <= most
        # Only the rows that use them show a date format or an answer.
        expect(page.locator("#id_field_mappings-6-date_format")).to_be_visible()
        expect(page.locator("#id_field_mappings-7-extra_key")).to_be_visible()
        expect(page.locator("#id_field_mappings-0-date_format")).to_be_hidden()
        expect(page.locator("#id_field_mappings-0-extra_key")).to_be_hidden()
        # Choosing "Other answer" asks for the answer's label.
        page.select_option("#id_field_mappings-1-source", "extra")
        expect(page.locator("#id_field_mappings-1-extra_key")).to_be_visible()
        if viewport["width"] > 500:
            screenshot("field-mapping-rows", page)
    finally:
        context.close()
