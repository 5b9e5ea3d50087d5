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
