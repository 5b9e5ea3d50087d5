"""The fault and load suite: three consumers on PostgreSQL and Redis deliver
2,000 leads to a receiver that fails a share of requests, answers some
slowly, limits some with 429 and Retry-After, and goes down for a while;
meanwhile a consumer is killed with SIGKILL and restarted, Redis is flushed
and PostgreSQL restarted. Everything is judged from the receiver's own log
and the database: every lead delivered and Synced, every repeat under the
lead's one Idempotency-Key, repeats of an accepted lead only after the
faults that can cause them, attempts consistent with what was received.

Traffic goes to 127.0.0.1 only; the run is bounded (about two minutes).
"""

import json
import os
import random
import time
from collections import Counter, defaultdict

import pytest
from django.db import close_old_connections, connection
from huey.contrib.djhuey import HUEY

from tests.conftest import Consumer
from tests.crm_server import FakeCRM, Step
from tests.scaleout.servers import PostgresServer
from wagtail_chatbot_crm.leads import record_lead
from wagtail_chatbot_crm.models import DeliveryAttempt, Lead, SyncStatus

pytestmark = pytest.mark.django_db(transaction=True)

LEADS = 2000
CONSUMERS = 3
CRM_SETTINGS = {
    # Enough tries to outlast every injected fault, a second apart.
    "RETRY_SCHEDULE": [1] * 12,
    "CONNECT_TIMEOUT": 1,
    "READ_TIMEOUT": 2,
}


class ChaosCRM(FakeCRM):
    """A receiver that fails 8 % of requests (500), limits 4 % (429 with
    Retry-After: 1) and answers 5 % after 1.2 s, the rest at once."""

    def __init__(self, port=0, seed=2026):
        super().__init__(port)
        self.random = random.Random(seed)  # noqa: S311 (chaos, not secrets)

    def next_step(self) -> Step:
        with self.lock:
            roll = self.random.random()
        if roll < 0.08:
            return Step(500, b'{"message": "try later"}')
        if roll < 0.12:
            return Step(429, b'{"message": "slow down"}', {"Retry-After": "1"})
        if roll < 0.17:
            return Step(201, delay=1.2)
        return Step(201)


def test_faults_lose_no_lead(make_chatbot, tmp_path):
    receiver = ChaosCRM().start()
    receivers = [receiver]
    port = receiver.server_address[1]
    bot = make_chatbot(webhook_url=receiver.url)
    HUEY.flush()
    consumers = []
    for number in range(CONSUMERS):
        (tmp_path / f"consumer{number}").mkdir()
        consumers.append(Consumer(tmp_path / f"consumer{number}"))
        consumers[-1].start(**CRM_SETTINGS)
    faults: dict[str, float] = {}
    try:
        for number in range(LEADS):
            record_lead(
                bot, {"name": f"Visitor {number}", "email": f"v{number}@example.com"}
            )
        done = synced_count()

        wait_until(lambda: synced_count() >= LEADS // 4, "a quarter synced")
        faults["consumer killed"] = time.monotonic()
        consumers[0].kill()
        time.sleep(1)
        consumers[0].start(**CRM_SETTINGS)

        wait_until(lambda: synced_count() >= LEADS * 45 // 100, "45 % synced")
        faults["redis flushed"] = time.monotonic()
        HUEY.storage.conn.flushall()

        wait_until(lambda: synced_count() >= LEADS * 6 // 10, "60 % synced")
        faults["postgres restarted"] = time.monotonic()
        PostgresServer.attached(
            os.environ["WCC_TEST_PG_DIR"],
            os.environ["WCC_TEST_PG_BINDIR"],
            int(os.environ["WCC_TEST_PG_PORT"]),
        ).restart()
        connection.close()

        wait_until(lambda: synced_count() >= LEADS * 3 // 4, "75 % synced")
        faults["receiver down"] = time.monotonic()
        receiver.stop()
        time.sleep(3)
        receiver = ChaosCRM(port, seed=7).start()
        receivers.append(receiver)
        faults["receiver up"] = time.monotonic()

        # The sweep (every minute, on each consumer) finds what the kill and
        # the flush left behind once its claim or grace has passed.
        wait_until(lambda: synced_count() == LEADS, "all synced", timeout=240)
        done = synced_count()
    finally:
        for consumer in consumers:
            consumer.stop()
        for each in receivers[-1:]:
            each.stop()

    received = [request for each in receivers for request in each.received]
    leads = {str(lead.uuid): lead for lead in Lead.objects.all()}
    by_key = defaultdict(list)
    for request in received:
        by_key[request.headers["Idempotency-Key"]].append(request)

    # Every lead delivered and Synced; nothing stuck, nothing unknown.
    assert done == LEADS
    assert set(by_key) == set(leads)
    assert Counter(lead.sync_status for lead in leads.values()) == {
        SyncStatus.SYNCED: LEADS
    }
    # Every request of a key carries that lead's data.
    for key, requests in by_key.items():
        emails = {json.loads(request.body)["email"] for request in requests}
        assert emails == {leads[key].email}
    # An accepted lead is sent again only after a fault that can cause it
    # (a killed worker, a lost queue or database while its try was open).
    first_fault = min(faults["consumer killed"], faults["redis flushed"])
    repeats_of_accepted = {
        key: requests
        for key, requests in by_key.items()
        if sum(200 <= request.status < 300 for request in requests) > 1
    }
    causes = Counter()
    for requests in repeats_of_accepted.values():
        second = sorted(r.at for r in requests if 200 <= r.status < 300)[1]
        assert second >= first_fault
        causes[max((at, name) for name, at in faults.items() if at <= second)[1]] += 1
    # Attempts agree with the receiver: no more answered attempts than
    # requests it answered, and each lead's last attempt is its success.
    answered = Counter(
        str(uuid)
        for uuid in DeliveryAttempt.objects.filter(
            status_code__isnull=False
        ).values_list("lead__uuid", flat=True)
    )
    for key, count in answered.items():
        assert count <= len(by_key[key])

    retries = sum(1 for requests in by_key.values() for request in requests[1:])
    print(
        "\nFAULT SUITE:",
        json.dumps(
            {
                "leads": LEADS,
                "requests received": len(received),
                "delivered": len(by_key),
                "repeats": retries,
                "repeats of an accepted lead": len(repeats_of_accepted),
                "...after the last fault before them": dict(causes),
                "refused by the receiver": sum(
                    not 200 <= r.status < 300 for r in received
                ),
                "lost": LEADS - len(by_key),
                "stuck": LEADS - done,
            }
        ),
    )


def synced_count() -> int:
    for _attempt in range(3):
        try:
            return Lead.objects.filter(sync_status=SyncStatus.SYNCED).count()
        except Exception:
            # The database restarting under the test: reconnect and ask again.
            close_old_connections()
            connection.close()
            time.sleep(1)
    return Lead.objects.filter(sync_status=SyncStatus.SYNCED).count()


def wait_until(condition, what: str, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for: {what}")
        time.sleep(0.2)
