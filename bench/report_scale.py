"""Benchmark: the Leads report and its CSV export with 100,000 leads, beside
the same work done bare through the ORM in the same run.

    .venv/bin/python bench/report_scale.py [--leads 100000]

Prints time and query count for the first page and a filtered page, and
peak Python memory (tracemalloc) for the CSV export.
"""

import argparse
import csv
import io
import random
import statistics
import time
import tracemalloc
from datetime import timedelta

import harness


def timed(function, repeat=5):
    """Median seconds and the query count of one call."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    times = []
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            function()
            times.append(time.perf_counter() - started)
    return statistics.median(times), len(queries)


def peak_memory(function):
    """Peak bytes Python allocated while ``function`` ran."""
    tracemalloc.start()
    try:
        function()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def seed(total: int) -> None:
    from django.utils import timezone

    from wagtail_chatbot_crm.models import Chatbot, Lead, SyncStatus

    bots = [Chatbot.objects.create(name=f"Bot {n}", slug=f"bot-{n}") for n in range(3)]
    statuses = [SyncStatus.SYNCED] * 8 + [
        SyncStatus.FAILED,
        SyncStatus.RETRYING,
        SyncStatus.PENDING,
        SyncStatus.SKIPPED,
    ]
    now = timezone.now()
    rng = random.Random(7)
    batch = []
    for number in range(total):
        status = rng.choice(statuses)
        batch.append(
            Lead(
                chatbot=rng.choice(bots),
                name=f"Visitor {number}",
                email=f"visitor{number}@example.com",
                company=f"Company {number % 500}",
                sync_status=status,
                tries=1 if status == SyncStatus.SYNCED else rng.randint(0, 6),
                last_error="" if status == SyncStatus.SYNCED else "HTTP 503",
                created_at=now - timedelta(minutes=rng.randint(0, 60 * 24 * 90)),
            )
        )
        if len(batch) == 5000:
            Lead.objects.bulk_create(batch)
            batch = []
    Lead.objects.bulk_create(batch)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--leads", type=int, default=100_000)
    args = parser.parse_args()

    harness.setup_django()
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.urls import reverse

    from wagtail_chatbot_crm.models import Chatbot, Lead, SyncStatus

    try:
        started = time.perf_counter()
        seed(args.leads)
        print(f"Seeded {args.leads} leads in {time.perf_counter() - started:.1f} s")
        admin = get_user_model().objects.create_superuser("bench", "b@example.com", "x")
        client = Client()
        client.force_login(admin)
        report = reverse("chatbot_crm_admin:leads")
        bot = Chatbot.objects.first()

        def page(query=""):
            def get():
                response = client.get(report + query)
                assert response.status_code == 200

            return get

        def bare_page(**filters):
            def get():
                queryset = Lead.objects.select_related("chatbot").filter(**filters)
                list(queryset.order_by("-created_at")[:50])
                queryset.count()

            return get

        rows = [
            ("first page", page(), bare_page()),
            (
                "filtered page (chatbot, Failed)",
                page(f"?chatbot={bot.pk}&sync_status=failed"),
                bare_page(chatbot=bot, sync_status=SyncStatus.FAILED),
            ),
        ]
        print(f"\nLeads report with {args.leads} leads (median of 5)")
        print(f"{'':34}{'report':>18}{'bare ORM':>18}{'ratio':>8}")
        for label, view, bare in rows:
            view_time, view_queries = timed(view)
            bare_time, bare_queries = timed(bare)
            print(
                f"{label:34}{view_time * 1000:>9.1f} ms {view_queries:>3} q"
                f"{bare_time * 1000:>9.1f} ms {bare_queries:>3} q"
                f"{view_time / bare_time:>8.1f}x"
            )

        def export():
            response = client.get(report + "?export=csv")
            size = 0
            for chunk in response.streaming_content:
                size += len(chunk)
            assert size > args.leads * 20

        def bare_export():
            # The same rows and columns, written by the plainest loop: the
            # ORM's tuples straight into csv.writer, one write per row.
            from wagtail_chatbot_crm.export import FIELDS

            sink = io.StringIO()
            writer = csv.writer(sink)
            rows = Lead.objects.order_by("-created_at").values_list(
                *FIELDS, "extra_data"
            )
            for row in rows.iterator(chunk_size=2000):
                writer.writerow(row)
                sink.seek(0)
                sink.truncate()

        export_started = time.perf_counter()
        export_peak = peak_memory(export)
        export_time = time.perf_counter() - export_started
        bare_started = time.perf_counter()
        bare_peak = peak_memory(bare_export)
        bare_time = time.perf_counter() - bare_started
        mib = 2**20
        print(f"\nCSV export of {args.leads} rows")
        print(
            f"  report export: {export_time:6.1f} s, peak {export_peak / mib:6.1f} MiB"
        )
        print(f"  bare ORM loop: {bare_time:6.1f} s, peak {bare_peak / mib:6.1f} MiB")
        print(f"  time ratio: {export_time / bare_time:.1f}x (goal: 3x at most)")
        print(f"  peak memory ratio: {export_peak / bare_peak:.1f}x")
    finally:
        harness.cleanup()


if __name__ == "__main__":
    main()
