"""1,000 visitors submit at once, on the SQLite default, through a real
threaded WSGI server with a real consumer delivering beside it: every 201 is
a stored lead, nothing answers 500, nothing says "database is locked"."""

import logging
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from wagtail_chatbot_crm.models import Lead, SyncStatus

pytestmark = pytest.mark.django_db(transaction=True)

VISITORS = 1000
AT_ONCE = 24


def test_a_thousand_concurrent_submissions_are_all_stored(
    live_server, make_chatbot, crm_server, consumer, caplog, settings
):
    # One address sends them all: no per-visitor limit here.
    settings.WAGTAIL_CHATBOT_CRM = {
        **settings.WAGTAIL_CHATBOT_CRM,
        "RATE_LIMIT_REQUESTS": 0,
    }
    bot = make_chatbot(webhook_url=crm_server.url)
    consumer.start(CONNECT_TIMEOUT=2, READ_TIMEOUT=2)
    url = f"{live_server.url}/chatbot/{bot.slug}/leads/"

    def submit(number):
        with requests.Session() as session:
            response = session.post(
                url,
                json={"name": f"Visitor {number}", "email": f"v{number}@example.com"},
                timeout=60,
            )
        uuid = response.json().get("uuid") if response.status_code == 201 else None
        return response.status_code, uuid, response.text[:200]

    with caplog.at_level(logging.ERROR), ThreadPoolExecutor(AT_ONCE) as pool:
        answers = list(pool.map(submit, range(VISITORS)))

    statuses = {}
    for status, _uuid, _text in answers:
        statuses[status] = statuses.get(status, 0) + 1
    assert statuses == {201: VISITORS}, [a for a in answers if a[0] != 201][:5]
    stored = set(Lead.objects.values_list("uuid", flat=True))
    assert {str(uuid) for uuid in stored} == {uuid for _s, uuid, _t in answers}
    # The consumer delivered beside them all along, and delivers them all.
    deadline = time.monotonic() + 120
    while Lead.objects.exclude(sync_status=SyncStatus.SYNCED).exists():
        assert time.monotonic() < deadline, Lead.objects.exclude(
            sync_status=SyncStatus.SYNCED
        ).values_list("sync_status", "last_error")[:5]
        time.sleep(0.2)
    assert len({r.headers["Idempotency-Key"] for r in crm_server.received}) == VISITORS
    assert "database is locked" not in caplog.text
    assert "database is locked" not in consumer.log_since_start()
