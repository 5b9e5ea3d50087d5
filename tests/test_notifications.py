"""Failure emails grouped per chatbot and window; the new lead email."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from huey.contrib.djhuey import HUEY

from tests.crm_server import Step
from tests.test_delivery import deliver, new_lead
from wagtail_chatbot_crm import notifications, tasks
from wagtail_chatbot_crm.leads import record_lead
from wagtail_chatbot_crm.models import Chatbot, Lead, SyncStatus

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_queue")]


@pytest.fixture
def failing(make_chatbot, crm_server, settings):
    settings.WAGTAIL_CHATBOT_CRM = {
        **settings.WAGTAIL_CHATBOT_CRM,
        "RETRY_SCHEDULE": [],
    }
    settings.WAGTAILADMIN_BASE_URL = "https://cms.example.com"
    crm_server.default = Step(401, b'{"error": "bad token"}')
    return make_chatbot(
        webhook_url=crm_server.url, notification_emails="ops@example.com"
    )


def fail(chatbot, name):
    lead = new_lead(chatbot, name=name, email=f"{name.lower()}@example.com")
    assert deliver(lead.pk) == SyncStatus.FAILED
    return lead


def test_an_outage_sends_one_email_a_window_not_one_per_lead(failing):
    fail(failing, "Ada")  # the first failure is told at once
    assert len(mail.outbox) == 1
    for name in ("Bob", "Cy", "Di"):
        fail(failing, name)
    assert len(mail.outbox) == 1  # gathered while the window runs
    assert notifications.send_failure_emails() == 0

    # The window ends: one email lists the three.
    Chatbot.objects.update(failure_email_sent_at=timezone.now() - timedelta(hours=1))
    assert notifications.send_failure_emails() == 3
    assert len(mail.outbox) == 2
    email = mail.outbox[1]
    assert email.subject == "3 leads from “Sales” could not be delivered to your CRM"
    for name in ("Bob", "Cy", "Di"):
        assert f"- {name} <{name.lower()}@example.com>, not delivered after 1 try" in (
            email.body
        )
    assert "Ada" not in email.body
    # The cause is one setting: the email links to it, and to the report.
    assert (
        "Check the authentication settings: https://cms.example.com/admin/snippets/"
        "wagtail_chatbot_crm/chatbot/edit/" in email.body
    )
    assert "#panel-child-crm_integration-authentication-section" in email.body
    assert "?chatbot=" in email.body and "sync_status=failed" in email.body
    assert notifications.send_failure_emails() == 0
    assert not Lead.objects.filter(failure_notified_at__isnull=True).exists()


def test_each_chatbot_has_its_own_window(failing, make_chatbot, crm_server):
    other = make_chatbot(
        name="Support",
        slug="support",
        webhook_url=crm_server.url,
        notification_emails="help@example.com",
    )
    fail(failing, "Ada")
    fail(other, "Bob")
    assert [m.to for m in mail.outbox] == [["ops@example.com"], ["help@example.com"]]


def test_a_mail_server_failure_leaves_the_leads_to_tell_later(failing, monkeypatch):
    def broken(*args, **kwargs):
        raise OSError("mail server down")

    monkeypatch.setattr(notifications, "send_mail", broken)
    fail(failing, "Ada")  # the try ends Failed all the same
    lead = Lead.objects.get()
    assert lead.sync_status == SyncStatus.FAILED
    assert lead.failure_notified_at is None
    monkeypatch.undo()
    assert notifications.send_failure_emails() == 1
    assert len(mail.outbox) == 1


def test_the_periodic_task_runs_every_minute():
    runs_at = tasks.send_failure_emails.task_class().validate_datetime
    assert runs_at(timezone.datetime(2026, 11, 27, 3, 28))


def test_a_new_lead_email_when_the_chatbot_asks_for_it(
    make_chatbot, settings, django_capture_on_commit_callbacks
):
    settings.WAGTAILADMIN_BASE_URL = "https://cms.example.com"
    quiet = make_chatbot(notification_emails="ops@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        record_lead(quiet, {"name": "Ada", "email": "ada@example.com"})
    assert not [t for t in HUEY.pending() if t.name.endswith("email_new_lead")]

    told = make_chatbot(
        slug="told", notification_emails="ops@example.com", new_lead_email=True
    )
    with django_capture_on_commit_callbacks(execute=True):
        lead = record_lead(
            told,
            {"name": "Bob", "email": "bob@example.com", "message": "Call me"},
            extra_data={"Budget": "5k"},
        )
    # Queued, away from the visitor's request; the consumer sends it.
    queued = [task for task in HUEY.pending() if task.name.endswith("email_new_lead")]
    assert [task.args for task in queued] == [(lead.pk,)]
    tasks.email_new_lead.call_local(lead.pk)
    [email] = mail.outbox
    assert email.subject == "New lead from Bob (Sales)"
    assert email.to == ["ops@example.com"]
    assert "Message: Call me" in email.body and "Budget: 5k" in email.body
    assert f"https://cms.example.com/admin/chatbot-crm/leads/{lead.pk}/" in email.body


def test_a_new_lead_email_for_a_lead_deleted_meanwhile_is_skipped(db):
    notifications.email_new_lead(12345)
    assert mail.outbox == []
