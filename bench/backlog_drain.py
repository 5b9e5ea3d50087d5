"""Benchmark: draining a backlog after a CRM outage.

2,000 leads wait in the queue (as after a day's outage) for a receiver that
answers in 100 ms, as CRM APIs do. They are drained by one consumer, then
by four, each with ``--workers`` thread workers; beside each, a raw
``requests.Session`` loop posts as many requests with the same concurrency
to the same receiver, in the same run. On the default stack (SQLite and
``SqliteHuey``) or, with ``--stack scaleout``, on PostgreSQL and Redis
servers it starts itself (Debian's postgresql and redis-server)::

    .venv/bin/python bench/backlog_drain.py [--stack sqlite|scaleout]
        [--leads 2000] [--delay 0.1] [--workers 4]

Goals: one consumer drains at 70 % or more of the raw loop's rate; four
consumers drain at least 3x as fast as one.

Each consumer runs 4 thread workers by default, as the README documents.
More workers raise one consumer's rate until the machine's cores are the
limit: on 2 cores, 16 workers drain at over 90 % of the raw loop with one
consumer, while four such consumers (64 at once) are capped by the CPU at
under twice one.
"""

import argparse
import subprocess
import sys
import time

import harness


def drain(url: str, total: int, consumers: int, workers: int) -> float:
    """Seconds ``consumers`` consumers take to deliver ``total`` queued
    leads: from the first try's start to the last try's end."""
    from wagtail_chatbot_crm.models import Lead, SyncStatus

    # The backlog: queued while no consumer runs.
    chatbot = harness.queue_backlog(url, total)
    processes = [
        subprocess.Popen(
            [
                sys.executable,
                str(harness.ROOT / "example_site" / "manage.py"),
                "run_huey",
                f"--workers={workers}",
                "--worker-type=thread",
                "--no-periodic",
            ],
            env=harness.ENV,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(consumers)
    ]
    try:
        deadline = time.monotonic() + 900
        synced = Lead.objects.filter(chatbot=chatbot, sync_status=SyncStatus.SYNCED)
        while synced.count() < total:
            if time.monotonic() > deadline:
                raise SystemExit("the consumers did not drain the backlog in time")
            time.sleep(0.2)
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=30)
    return harness.delivery_seconds(chatbot)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stack", choices=["sqlite", "scaleout"], default="sqlite")
    parser.add_argument("--leads", type=int, default=2000)
    parser.add_argument("--delay", type=float, default=0.1)
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()

    rows = []
    with harness.stack(args.stack):
        harness.setup_django(ALLOW_HTTP=True, ALLOWED_NETWORKS=["127.0.0.0/8"])
        from wagtail_chatbot_crm.attempt import lead_data
        from wagtail_chatbot_crm.models import Chatbot, Lead
        from wagtail_chatbot_crm.payload import build_body

        sample = Lead(
            chatbot=Chatbot(name="Bench"), name="Visitor 1", email="v@example.com"
        )
        body, _ = build_body(lead_data(sample), [], [], "json")
        with harness.receiver(args.delay) as base:
            url = f"{base}/hooks/lead"
            for consumers in (1, 4):
                concurrency = consumers * args.workers
                harness.raw_loop(url, body, concurrency * 2, concurrency)  # warm up
                raw = args.leads / harness.raw_loop(url, body, args.leads, concurrency)
                rate = args.leads / drain(url, args.leads, consumers, args.workers)
                rows.append((consumers, concurrency, raw, rate))

    print(
        f"Backlog drain on {args.stack}: {args.leads} queued leads, receiver "
        f"answering in {args.delay * 1000:g} ms, {args.workers} thread workers "
        "per consumer"
    )
    header = ("consumers", "concurrency", "raw req/s", "drained leads/s", "ratio")
    print("{:>9} {:>11} {:>10} {:>16} {:>6}".format(*header))
    for consumers, concurrency, raw, rate in rows:
        print(
            f"{consumers:>9} {concurrency:>11} {raw:>10.1f} {rate:>16.1f} "
            f"{rate / raw:>6.0%}"
        )
    one, four = rows[0][3], rows[1][3]
    print(f"four consumers / one: {four / one:.1f}x")
    print("goals: one consumer >= 70% of the raw loop; four >= 3x one")


if __name__ == "__main__":
    main()
