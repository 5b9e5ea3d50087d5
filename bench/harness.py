"""Shared set-up for the benchmarks: a scratch database and Huey queue, a
receiver process, a real ``run_huey`` consumer, and small statistics."""

import json
import os
import statistics
import subprocess
import sys
import threading
import time
import uuid
from contextlib import contextmanager, suppress
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
RUN_ID = f"bench-{uuid.uuid4().hex[:8]}"
ENV = {
    **os.environ,
    "DJANGO_SETTINGS_MODULE": "tests.settings",
    "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "example_site")]),
    "WCC_TEST_RUN_ID": RUN_ID,
}


def setup_django(**crm_settings) -> None:
    """Configure Django on a fresh scratch database and migrate it."""
    ENV["WCC_TEST_CRM_SETTINGS"] = json.dumps(crm_settings)
    os.environ.update(ENV)
    sys.path[:0] = [str(ROOT), str(ROOT / "example_site")]
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def cleanup() -> None:
    from django.conf import settings

    for path in (settings.TEST_DB, settings.TEST_HUEY_DB):
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)


@contextmanager
def stack(name: str):
    """The stack to measure on: ``sqlite`` (the default: SQLite and
    ``SqliteHuey`` files) or ``scaleout`` (PostgreSQL and Redis servers
    started here, as the scale-out tests start them). Call before
    ``setup_django``; the scratch data is removed afterwards."""
    servers = []
    if name == "scaleout":
        sys.path.insert(0, str(ROOT))
        import psycopg

        from tests.scaleout.servers import PostgresServer, RedisServer

        postgres = PostgresServer().start()
        servers.append(postgres)
        redis = RedisServer().start()
        servers.append(redis)
        ENV.update(
            DJANGO_SETTINGS_MODULE="tests.scaleout.settings",
            WCC_TEST_REDIS_URL=redis.url,
            **postgres.environment(),
        )
        with psycopg.connect(postgres.url, autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "wcc_test_{RUN_ID}"')
    try:
        yield
    finally:
        if name == "sqlite" and "django" in sys.modules:
            with suppress(Exception):  # Django may not have been set up
                cleanup()
        for server in servers:
            server.stop()


@contextmanager
def receiver(delay: float):
    """A receiver process; yields its base URL."""
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "bench" / "receiver.py"), "--delay", str(delay)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        port = int(process.stdout.readline())
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)


@contextmanager
def consumer(*flags: str):
    """A real ``manage.py run_huey`` process on the scratch database."""
    log = open(os.devnull, "wb")  # noqa: SIM115
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "example_site" / "manage.py"), "run_huey", *flags],
        env=ENV,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        time.sleep(2.0)  # let Django start and the workers begin polling
        if process.poll() is not None:
            raise SystemExit("the consumer did not start")
        yield process
    finally:
        process.terminate()
        process.wait(timeout=15)
        log.close()


def raw_loop(url: str, body: bytes, total: int, concurrency: int) -> float:
    """Seconds for ``concurrency`` threads to post ``total`` requests."""
    counter = iter(range(total))
    lock = threading.Lock()
    headers = {"Content-Type": "application/json", "Authorization": "Bearer bench"}

    def run() -> None:
        with requests.Session() as session:
            while True:
                with lock:
                    number = next(counter, None)
                if number is None:
                    return
                session.post(
                    url,
                    data=body,
                    headers={**headers, "Idempotency-Key": f"raw-{number}"},
                    timeout=30,
                )

    threads = [threading.Thread(target=run) for _ in range(concurrency)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started


def queue_backlog(url: str, total: int):
    """A chatbot posting to ``url`` and ``total`` of its leads, queued while
    no consumer runs; returns the chatbot."""
    from django.utils import timezone

    from wagtail_chatbot_crm.models import Chatbot, Lead
    from wagtail_chatbot_crm.tasks import deliver_lead

    chatbot = Chatbot.objects.create(
        name="Bench",
        slug=f"bench-{time.time_ns()}",
        crm_enabled=True,
        webhook_url=url,
        auth_type="bearer",
        bearer_token="bench",
    )
    now = timezone.now()
    leads = Lead.objects.bulk_create(
        Lead(
            chatbot=chatbot,
            name=f"Visitor {n}",
            email=f"visitor{n}@example.com",
            next_attempt_at=now,
        )
        for n in range(total)
    )
    for lead in leads:
        deliver_lead(lead.pk)
    return chatbot


def delivery_seconds(chatbot) -> float:
    """From the chatbot's first try's start to its last try's end, from the
    attempts themselves: the consumers' start-up is not counted."""
    from django.db.models import F, Max, Min

    from wagtail_chatbot_crm.models import DeliveryAttempt

    attempts = DeliveryAttempt.objects.filter(chatbot=chatbot)
    span = attempts.aggregate(first=Min("started_at"), last=Max("started_at"))
    last = attempts.order_by(F("started_at").desc()).values_list(
        "duration_ms", flat=True
    )[0]
    return (span["last"] - span["first"]).total_seconds() + last / 1000


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))
    return ordered[index]


def summary(values: list[float]) -> str:
    return (
        f"p50 {percentile(values, 0.5) * 1000:7.1f} ms   "
        f"p95 {percentile(values, 0.95) * 1000:7.1f} ms   "
        f"mean {statistics.fmean(values) * 1000:7.1f} ms"
    )
