"""Demo HubSpot and Demo Zoho: the presets the demo offers, against the
emulators ``run_demo`` starts."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import TestCase

from crm_inbox import demo_crms
from tests.scaleout.servers import free_ports
from wagtail_chatbot_crm import delivery, tasks
from wagtail_chatbot_crm.crm_fields import load_crm_fields
from wagtail_chatbot_crm.leads import record_lead
from wagtail_chatbot_crm.models import Chatbot, SyncStatus
from wagtail_chatbot_crm.presets import apply_preset, get_preset

pytestmark = pytest.mark.django_db


@pytest.fixture
def emulators(settings):
    settings.DEMO_CRM_PORTS = dict(zip(["hubspot", "zoho"], free_ports(2), strict=True))
    demo_crms.register_demo_presets()
    started = demo_crms.start_emulators()
    yield dict(zip(["hubspot", "zoho"], started, strict=True))
    for emulator in started:
        emulator.stop()


def deliver(lead):
    with TestCase.captureOnCommitCallbacks(execute=True):
        delivery.deliver(lead.pk, schedule=tasks.schedule)
    lead.refresh_from_db()
    return lead


def test_the_demo_offers_both_in_the_editor(admin_client):
    call_command("seed_demo", stdout=StringIO())
    chatbot = Chatbot.objects.get(slug="demo")
    page = admin_client.get(
        f"/admin/snippets/wagtail_chatbot_crm/chatbot/edit/{chatbot.pk}/"
    )
    html = page.content.decode()
    assert "Demo HubSpot (local emulator)" in html
    assert "Demo Zoho (local emulator)" in html


@pytest.mark.parametrize("crm", ["hubspot", "zoho"])
def test_the_demo_chatbot_syncs_one_contact_per_visitor(emulators, crm):
    call_command("seed_demo", stdout=StringIO())
    chatbot = apply_preset(
        Chatbot.objects.get(slug="demo"), f"demo_{crm}", replace_mappings=True
    )
    if crm == "hubspot":
        chatbot.bearer_token = demo_crms.HUBSPOT_TOKEN
    else:
        chatbot.oauth_client_id = demo_crms.ZOHO_APP["client_id"]
        chatbot.oauth_client_secret = demo_crms.ZOHO_APP["client_secret"]
        chatbot.oauth_refresh_token = demo_crms.ZOHO_APP["refresh_token"]
    chatbot.full_clean()
    chatbot.save()
    assert load_crm_fields(chatbot)

    for name in ("Ada Lovelace", "Ada King"):
        lead = deliver(
            record_lead(
                chatbot, {"name": name, "email": "ada@example.com", "consent": "yes"}
            )
        )
        assert lead.sync_status == SyncStatus.SYNCED, lead.last_error
    emulator = emulators[crm]
    [record] = emulator.records.values()
    assert "King" in str(record)
    assert get_preset(f"demo_{crm}").answer_record is not None
    assert lead.attempts.get().crm_action == "updated"
