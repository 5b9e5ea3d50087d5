import pytest
from django.core.exceptions import ValidationError
from django.test.utils import CaptureQueriesContext
from huey.contrib.djhuey import HUEY
from wagtail import hooks

from wagtail_chatbot_crm.leads import hash_client_ip, record_lead
from wagtail_chatbot_crm.models import Lead, SyncStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def hook_calls():
    calls = []

    def hook(lead):
        calls.append(lead)

    with hooks.register_temporarily("after_record_lead", hook):
        yield calls


def test_valid_lead_is_saved_pending(chatbot):
    lead = record_lead(
        chatbot,
        {"name": " Ada Lovelace ", "email": "ada@example.com", "message": "Hi"},
        source_url="https://www.example.com/pricing/",
    )
    lead.refresh_from_db()
    assert lead.name == "Ada Lovelace"
    assert lead.email == "ada@example.com"
    assert lead.message == "Hi"
    assert lead.page_url == "https://www.example.com/pricing/"
    assert lead.sync_status == SyncStatus.PENDING
    assert lead.last_error == ""


def test_page_url_in_data_wins_over_source_url(chatbot):
    lead = record_lead(
        chatbot,
        {"name": "A", "email": "a@example.com", "page_url": "https://x.example/p"},
        source_url="https://y.example/q",
    )
    assert lead.page_url == "https://x.example/p"


def test_unusable_source_url_is_dropped(chatbot):
    lead = record_lead(
        chatbot, {"name": "A", "email": "a@example.com"}, source_url="javascript:x"
    )
    assert lead.page_url == ""


def test_invalid_data_raises_field_errors_and_stores_nothing(chatbot, hook_calls):
    with pytest.raises(ValidationError) as excinfo:
        record_lead(chatbot, {"name": "", "email": "not-an-email"})
    assert excinfo.value.message_dict == {
        "name": ["This field is required."],
        "email": ["Enter a valid email address."],
    }
    assert Lead.objects.count() == 0
    assert hook_calls == []


def test_fields_the_chatbot_does_not_ask_are_ignored(make_chatbot):
    bot = make_chatbot(ask_company="off")
    lead = record_lead(
        bot, {"name": "A", "email": "a@example.com", "company": "ACME", "x": "y"}
    )
    assert lead.company == ""


def test_consent_is_stored_with_its_time(make_chatbot):
    bot = make_chatbot(consent_text="You may contact me.")
    lead = record_lead(bot, {"name": "A", "email": "a@example.com", "consent": True})
    assert lead.consent is True
    assert lead.consent_at is not None
    refused = record_lead(bot, {"name": "B", "email": "b@example.com"})
    assert refused.consent is False
    assert refused.consent_at is None


def test_consent_is_ignored_when_the_chatbot_does_not_ask_for_it(chatbot):
    lead = record_lead(
        chatbot, {"name": "A", "email": "a@example.com", "consent": True}
    )
    assert lead.consent is False


def test_crm_sync_off_stores_the_lead_as_not_sent(make_chatbot):
    lead = record_lead(
        make_chatbot(crm_enabled=False), {"name": "A", "email": "a@b.co"}
    )
    assert lead.sync_status == SyncStatus.SKIPPED
    assert lead.last_error == "CRM sync was off when this lead came in."


def test_consent_only_chatbot_keeps_unconsented_leads_as_not_sent(make_chatbot):
    bot = make_chatbot(consent_text="OK to contact me", send_condition="consent")
    lead = record_lead(bot, {"name": "A", "email": "a@b.co"})
    assert lead.sync_status == SyncStatus.SKIPPED
    assert "consent" in lead.last_error
    consented = record_lead(bot, {"name": "A", "email": "a@b.co", "consent": "on"})
    assert consented.sync_status == SyncStatus.PENDING


def test_hook_fires_once_per_lead_with_the_saved_lead(chatbot, hook_calls):
    first = record_lead(chatbot, {"name": "A", "email": "a@example.com"})
    second = record_lead(chatbot, {"name": "B", "email": "b@example.com"})
    assert [lead.pk for lead in hook_calls] == [first.pk, second.pk]
    assert all(lead.pk for lead in hook_calls)


def test_a_failing_hook_does_not_lose_the_lead(chatbot, caplog):
    def broken(lead):
        raise RuntimeError("site hook bug")

    with hooks.register_temporarily("after_record_lead", broken):
        lead = record_lead(chatbot, {"name": "A", "email": "a@example.com"})
    assert Lead.objects.filter(pk=lead.pk).exists()
    assert "site hook bug" in caplog.text


def test_lead_is_saved_in_a_single_insert(chatbot):
    from django.db import connection

    with CaptureQueriesContext(connection) as queries:
        record_lead(chatbot, {"name": "A", "email": "a@example.com"})
    inserts = [q for q in queries.captured_queries if q["sql"].startswith("INSERT")]
    assert len(inserts) == 1


def test_client_ip_is_kept_only_as_a_keyed_hash(chatbot, settings):
    lead = record_lead(
        chatbot, {"name": "A", "email": "a@b.co"}, client_ip="203.0.113.9"
    )
    assert lead.client_ip_hash == hash_client_ip("203.0.113.9")
    assert "203.0.113.9" not in lead.client_ip_hash
    assert len(lead.client_ip_hash) == 64
    settings.WAGTAIL_CHATBOT_CRM = {
        **settings.WAGTAIL_CHATBOT_CRM,
        "STORE_CLIENT_IP_HASH": False,
    }
    lead = record_lead(
        chatbot, {"name": "A", "email": "a@b.co"}, client_ip="203.0.113.9"
    )
    assert lead.client_ip_hash == ""


def test_extra_data_is_kept_with_the_lead(chatbot):
    lead = record_lead(
        chatbot,
        {"name": "A", "email": "a@example.com"},
        extra_data={"budget": "10k", "newsletter": True},
    )
    lead.refresh_from_db()
    assert lead.extra_data == {"budget": "10k", "newsletter": True}


def test_without_require_fields_missing_required_fields_are_accepted(make_chatbot):
    bot = make_chatbot(ask_phone="required", ask_message="required")
    lead = record_lead(bot, {"email": "a@example.com"}, require_fields=False)
    lead.refresh_from_db()
    assert (lead.name, lead.email, lead.phone, lead.message) == (
        "",
        "a@example.com",
        "",
        "",
    )


def test_without_require_fields_given_values_are_still_checked(chatbot):
    with pytest.raises(ValidationError) as excinfo:
        record_lead(
            chatbot, {"name": "A", "email": "not-an-email"}, require_fields=False
        )
    assert excinfo.value.message_dict == {"email": ["Enter a valid email address."]}
    assert Lead.objects.count() == 0


def test_control_characters_raise_a_field_error_and_store_nothing(chatbot, hook_calls):
    # Such a name would later break the failure email's subject line.
    with pytest.raises(ValidationError) as excinfo:
        record_lead(chatbot, {"name": "Evil\r\nBcc: x@example.com", "email": "a@b.co"})
    assert excinfo.value.message_dict == {
        "name": [
            "Remove the line breaks, tabs and other control characters from this field."
        ]
    }
    assert Lead.objects.count() == 0
    assert hook_calls == []


def test_source_url_with_control_characters_is_dropped(chatbot):
    lead = record_lead(
        chatbot,
        {"name": "A", "email": "a@example.com"},
        source_url="https://www.example.com/\x01",
    )
    assert lead.page_url == ""


@pytest.mark.usefixtures("empty_queue")
def test_a_chatbot_holding_leads_for_review_keeps_them_until_an_editor_acts(
    make_chatbot, admin_client, django_capture_on_commit_callbacks
):
    from django.urls import reverse

    from wagtail_chatbot_crm import tasks
    from wagtail_chatbot_crm.models import SendCondition

    bot = make_chatbot(send_condition=SendCondition.REVIEW)
    with django_capture_on_commit_callbacks(execute=True):
        lead = record_lead(bot, {"name": "Ada", "email": "ada@example.com"})
    assert lead.sync_status == SyncStatus.SKIPPED
    assert lead.held_for_review
    assert lead.last_error.startswith("Awaiting review")
    assert not HUEY.pending()  # nothing queued: it waits
    report = reverse("chatbot_crm_admin:leads")
    listed = admin_client.get(f"{report}?held_for_review=true").context["object_list"]
    assert list(listed) == [lead]
    page = admin_client.get(reverse("chatbot_crm_admin:lead", args=[lead.pk]))
    html = page.content.decode()
    assert "Send to the CRM" in html and "Delete as spam" in html

    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.retry_now([lead.pk]) == 1
    lead.refresh_from_db()
    assert (lead.sync_status, lead.held_for_review) == (SyncStatus.PENDING, False)
