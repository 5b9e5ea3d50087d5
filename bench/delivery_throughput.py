"""Benchmark (a): how fast one consumer with 4 workers delivers leads,
beside a raw 4-thread ``requests.Session`` loop to the same receiver.

    .venv/bin/python bench/delivery_throughput.py [--leads 400]
        [--delays 0 0.02 0.05] [--stack sqlite|scaleout]

``--delay`` is how long the receiver takes to answer, standing in for a CRM's
own processing time (real CRM APIs take 50-500 ms). Both sides post the same
body to the same receiver process in the same run; the ratio is the result.
Goal: the consumer reaches at least 70% of the raw loop's rate.
"""

import argparse
import time

import harness

WORKERS = int(__import__("os").environ.get("BENCH_WORKERS", "4"))


def consumer_run(url: str, total: int, worker_type: str) -> float:
    """Seconds the consumer spends delivering ``total`` queued leads."""
    from wagtail_chatbot_crm.models import Lead, SyncStatus

    # Queued while the consumer is not running yet.
    chatbot = harness.queue_backlog(url, total)
    with harness.consumer(
        f"--workers={WORKERS}",
        f"--worker-type={worker_type}",
        "--delay=0.01",
        "--max-delay=0.1",
        "--no-periodic",
    ):
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            done = Lead.objects.filter(chatbot=chatbot, sync_status=SyncStatus.SYNCED)
            if done.count() == total:
                break
            time.sleep(0.1)
        else:
            raise SystemExit("the consumer did not deliver every lead in time")
    return harness.delivery_seconds(chatbot)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--leads", type=int, default=400)
    parser.add_argument(
        "--delays",
        type=float,
        nargs="+",
        default=[0.0, 0.02, 0.05],
        help="receiver answer delays in seconds, one run each",
    )
    parser.add_argument(
        "--worker-type", choices=["thread", "process"], default="thread"
    )
    parser.add_argument("--stack", choices=["sqlite", "scaleout"], default="sqlite")
    args = parser.parse_args()
    with harness.stack(args.stack):
        run(args)


def run(args) -> None:
    harness.setup_django(ALLOW_HTTP=True, ALLOWED_NETWORKS=["127.0.0.0/8"])
    from wagtail_chatbot_crm.attempt import lead_data
    from wagtail_chatbot_crm.models import Chatbot, Lead
    from wagtail_chatbot_crm.payload import build_body

    sample = Lead(
        chatbot=Chatbot(name="Bench"), name="Visitor 1", email="v@example.com"
    )
    body, _ = build_body(lead_data(sample), [], [], "json")
    rows = []
    try:
        for delay in args.delays:
            with harness.receiver(delay) as base:
                url = f"{base}/hooks/lead"
                harness.raw_loop(url, body, WORKERS * 10, WORKERS)  # warm up
                raw_rate = args.leads / harness.raw_loop(url, body, args.leads, WORKERS)
                consumer_rate = args.leads / consumer_run(
                    url, args.leads, args.worker_type
                )
            rows.append((delay, raw_rate, consumer_rate))
    finally:
        harness.cleanup()

    print(
        f"Delivery throughput on {args.stack}: {args.leads} leads; raw "
        f"requests.Session with "
        f"{WORKERS} threads vs run_huey with {WORKERS} {args.worker_type} workers"
    )
    header = ("receiver delay", "raw req/s", "consumer leads/s", "ratio")
    print("{:>16} {:>10} {:>17} {:>6}".format(*header))
    for delay, raw_rate, consumer_rate in rows:
        print(
            f"{delay * 1000:>13g} ms {raw_rate:>10.1f} {consumer_rate:>17.1f} "
            f"{consumer_rate / raw_rate:>6.0%}"
        )
    print("goal: ratio >= 70%")


if __name__ == "__main__":
    main()
