"""The demo's seed command (``example_site/home/management/commands``)."""

from io import StringIO

import pytest
from contact.models import ContactPage
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def test_seed_demo_publishes_one_contact_page_feeding_the_demo_chatbot(client):
    for _run in range(2):  # a second run changes nothing
        call_command("seed_demo", stdout=StringIO())

    contact_page = ContactPage.objects.get()
    assert contact_page.live
    assert contact_page.url == "/contact/"
    assert contact_page.lead_chatbot.slug == "demo"
    assert [
        (field.label, field.field_type, field.lead_field)
        for field in contact_page.get_form_fields()
    ] == [
        ("Your name", "singleline", "name"),
        ("Email", "email", "email"),
        ("Company", "singleline", "company"),
        ("Budget", "dropdown", ""),
        ("Message", "multiline", "message"),
    ]
    assert 'href="/contact/"' in client.get("/").content.decode()


def test_editors_choose_the_demos_chatbot_and_where_it_shows(client):
    from wagtail.models import Site

    from wagtail_chatbot_crm.models import (
        Chatbot,
        ChatbotSettings,
        HiddenPage,
        Placement,
    )

    call_command("seed_demo", stdout=StringIO())
    site_settings = ChatbotSettings.for_site(Site.objects.get(is_default_site=True))
    assert site_settings.default_chatbot.slug == "demo"
    # The seed chose the demo chatbot; every demo page shows it.
    assert 'id="wcc-demo"' in client.get("/").content.decode()
    assert 'id="wcc-demo"' in client.get("/contact/").content.decode()

    other = Chatbot.objects.create(name="Support", slug="support")
    site_settings.default_chatbot = other
    site_settings.save()
    call_command("seed_demo", stdout=StringIO())  # keeps the editor's choice
    home = client.get("/").content.decode()
    assert 'id="wcc-support"' in home
    assert 'id="wcc-demo"' not in home

    HiddenPage.objects.create(settings=site_settings, page=ContactPage.objects.get())
    assert "data-wcc-endpoint" not in client.get("/contact/").content.decode()
    assert 'id="wcc-support"' in client.get("/").content.decode()

    site_settings.placement = Placement.NOWHERE
    site_settings.save()
    assert "data-wcc-endpoint" not in client.get("/").content.decode()
