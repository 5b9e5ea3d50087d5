"""End to end: a real Huey consumer delivers to a real HTTP server.

Each test starts ``run_huey`` as a subprocess on the test database and a
FakeCRM on 127.0.0.1, records a lead as the visitor endpoint does, and
watches the lead's status move.
"""

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from tests.crm_server import FakeCRM, Step
from wagtail_chatbot_crm.leads import record_lead
from wagtail_chatbot_crm.models import Lead, SyncStatus
from wagtail_chatbot_crm.tasks import enqueue_overdue_deliveries

pytestmark = pytest.mark.django_db(transaction=True)

FAST = {"RETRY_SCHEDULE": [1, 1, 1], "CONNECT_TIMEOUT": 1, "READ_TIMEOUT": 1}


def wait_for(lead, *statuses, timeout=15.0):
    """Poll until the lead reaches one of ``statuses``; return the lead."""
    deadline = time.monotonic() + timeout
    seen = []
    while time.monotonic() < deadline:
        lead.refresh_from_db()
        if not seen or seen[-1] != lead.sync_status:
            seen.append(lead.sync_status)
        if lead.sync_status in statuses:
            return lead, seen
        time.sleep(0.05)
    raise AssertionError(f"lead stayed {seen}, expected {statuses}")


@pytest.fixture
def bot(make_chatbot, crm_server):
    return make_chatbot(
        webhook_url=crm_server.url,
        auth_type="bearer",
        bearer_token="tok_e2e_71",
        notification_emails="ops@example.com",
    )


def submit(chatbot, email="ada@example.com"):
    return record_lead(chatbot, {"name": "Ada Lovelace", "email": email})


def test_lead_is_synced(consumer, bot, crm_server):
    consumer.start(**FAST)
    lead, _ = wait_for(submit(bot), SyncStatus.SYNCED)
    [received] = crm_server.received
    assert received.headers["Idempotency-Key"] == str(lead.uuid)
    assert received.headers["Authorization"] == "Bearer tok_e2e_71"
    assert received.json()["email"] == "ada@example.com"
    assert lead.attempts.get().status_code == 201


def test_server_error_then_success(consumer, bot, crm_server):
    crm_server.then(Step(500, b'{"message": "try later"}'))
    consumer.start(**FAST)
    lead = submit(bot)
    lead, seen = wait_for(lead, SyncStatus.SYNCED)
    assert SyncStatus.RETRYING in seen
    assert lead.tries == 2
    attempts = list(lead.attempts.order_by("attempt_number"))
    assert [a.status_code for a in attempts] == [500, 201]
    first, second = crm_server.received
    assert first.headers["Idempotency-Key"] == second.headers["Idempotency-Key"]
    assert second.at - first.at >= 0.9


def test_crm_down_then_up(consumer, bot, crm_server):
    port = crm_server.server_address[1]
    crm_server.stop()
    consumer.start(**FAST)
    lead = submit(bot)
    lead, _ = wait_for(lead, SyncStatus.RETRYING)
    assert "refused the connection" in lead.last_error
    revived = FakeCRM(port).start()
    try:
        lead, _ = wait_for(lead, SyncStatus.SYNCED)
        assert len(revived.received) == 1
    finally:
        revived.stop()


def test_timeout_then_success(consumer, bot, crm_server):
    crm_server.then(Step(201, delay=3))
    consumer.start(**FAST)
    lead, _ = wait_for(submit(bot), SyncStatus.SYNCED, timeout=20)
    first = lead.attempts.order_by("attempt_number").first()
    assert first.status_code is None
    assert "did not answer within 1 seconds (timeout)" in first.error


def test_retry_after_is_honoured(consumer, bot, crm_server):
    crm_server.then(Step(429, b"", {"Retry-After": "3"}))
    consumer.start(**FAST)
    lead, _ = wait_for(submit(bot), SyncStatus.SYNCED, timeout=20)
    first, second = crm_server.received
    assert second.at - first.at >= 2.9
    assert "Retry-After: 3 s" in lead.attempts.get(attempt_number=1).error_detail


def test_redirect_is_not_followed(consumer, bot, crm_server):
    crm_server.default = Step(
        301, b"", {"Location": "https://crm.example.com/v2/leads"}
    )
    consumer.start(RETRY_SCHEDULE=[60])
    lead, _ = wait_for(submit(bot), SyncStatus.RETRYING)
    assert "redirect (HTTP 301) to https://crm.example.com/v2/leads" in lead.last_error
    # Nothing queued or running, and only the retry left, a minute away: the
    # one request is all there is.
    [retry_in] = consumer.wait_until_idle(scheduled=1)
    assert retry_in > 50
    assert len(crm_server.received) == 1


def test_final_failure_sends_exactly_one_email(consumer, bot, crm_server):
    crm_server.default = Step(500, b"down")
    consumer.start(RETRY_SCHEDULE=[0.2, 0.2], CONNECT_TIMEOUT=1, READ_TIMEOUT=1)
    lead, seen = wait_for(submit(bot), SyncStatus.FAILED)
    assert SyncStatus.RETRYING in seen
    assert lead.tries == 3
    # The email goes out after the last try; once the consumer is idle with
    # nothing left for later, a second one would be there too.
    consumer.wait_until_idle()
    [email] = consumer.emails()
    text = email.read_text()
    assert "To: ops@example.com" in text
    assert "Ada Lovelace" in text
    assert "tok_e2e_71" not in text
    assert len(crm_server.received) == 3


def test_worker_killed_mid_delivery_loses_nothing(consumer, bot, crm_server):
    crm_server.then(Step(201, delay=30))  # the CRM hangs; the worker waits
    consumer.start(RETRY_SCHEDULE=[1], CONNECT_TIMEOUT=5, READ_TIMEOUT=60)
    lead = submit(bot)
    crm_server.wait_for(1)
    consumer.kill()

    lead.refresh_from_db()
    assert lead.sync_status == SyncStatus.PENDING
    assert lead.claimed_until is not None  # held by the dead worker
    assert lead.attempts.count() == 0

    # Time passes: the claim lapses and the try is overdue. The periodic sweep
    # of a restarted consumer finds the lead and delivers it.
    past = timezone.now() - timedelta(minutes=5)
    Lead.objects.filter(pk=lead.pk).update(claimed_until=past, next_attempt_at=past)
    consumer.start(**FAST)
    enqueue_overdue_deliveries()
    lead, _ = wait_for(lead, SyncStatus.SYNCED)
    first, second = crm_server.wait_for(2)
    assert first.headers["Idempotency-Key"] == second.headers["Idempotency-Key"]
    assert first.headers["Idempotency-Key"] == str(lead.uuid)
    assert lead.tries == 1


def test_a_trickling_crm_gets_one_request_and_frees_the_worker(
    consumer, bot, crm_server
):
    # Two CRMs answers that would take 12 s each, then a prompt one. With
    # two workers, both tries end at the 2 s deadline as accepted (the
    # status came), and the third lead goes out right after.
    trickle = Step(201, b"x" * 48, trickle=0.25)
    crm_server.then(trickle, trickle)
    consumer.start(**FAST)
    first, second = submit(bot, "a@example.com"), submit(bot, "b@example.com")
    crm_server.wait_for(2)
    third = submit(bot, "c@example.com")
    for lead in (first, second, third):
        wait_for(lead, SyncStatus.SYNCED)
        attempt = lead.attempts.get()
        assert attempt.status_code == 201
    for lead in (first, second):
        attempt = lead.attempts.get()
        assert attempt.duration_ms < 6000
        assert attempt.response_excerpt.endswith("…")
    # One request per lead: no claim lapsed while a try was open.
    assert len(crm_server.received) == 3


def test_ssrf_refusal_fails_the_try_without_touching_the_address(
    consumer, bot, crm_server
):
    consumer.start(ALLOWED_NETWORKS=[], RETRY_SCHEDULE=[60])
    lead, _ = wait_for(submit(bot), SyncStatus.RETRYING)
    assert "private or internal network address" in lead.last_error
    assert crm_server.connections == 0
