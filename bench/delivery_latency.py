"""Benchmark (b): how long a lead takes from the visitor's submit to the
CRM's receipt, with an idle consumer as the README documents it: plain
``manage.py run_huey``, its options in the ``HUEY["consumer"]`` setting.

    .venv/bin/python bench/delivery_latency.py [--leads 200]
        [--stack sqlite|scaleout]

Beside it, in the same run: a bare POST from this process to the same
receiver, the floor any delivery stands on. Goal: p50 < 300 ms, p95 < 1 s.
"""

import argparse
import time

import harness
import requests


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--leads", type=int, default=200)
    parser.add_argument(
        "--gap", type=float, default=0.5, help="seconds between submits (idle consumer)"
    )
    parser.add_argument("--stack", choices=["sqlite", "scaleout"], default="sqlite")
    args = parser.parse_args()
    with harness.stack(args.stack):
        run(args)


def run(args) -> None:
    harness.setup_django(ALLOW_HTTP=True, ALLOWED_NETWORKS=["127.0.0.0/8"])
    from wagtail_chatbot_crm.leads import record_lead
    from wagtail_chatbot_crm.models import Chatbot

    bare, submits = [], {}
    try:
        with harness.receiver(0.0) as base:
            url = f"{base}/hooks/lead"
            session = requests.Session()
            for number in range(args.leads):
                started = time.perf_counter()
                session.post(url, json={"n": number}, timeout=10)
                bare.append(time.perf_counter() - started)

            chatbot = Chatbot.objects.create(
                name="Bench", slug="bench", crm_enabled=True, webhook_url=url
            )
            requests.delete(base, timeout=10)
            with harness.consumer("--no-periodic"):
                for number in range(args.leads):
                    submitted = time.time()
                    lead = record_lead(
                        chatbot,
                        {
                            "name": f"Visitor {number}",
                            "email": f"v{number}@example.com",
                        },
                    )
                    submits[str(lead.uuid)] = submitted
                    time.sleep(args.gap)
                time.sleep(2)
                arrivals = requests.get(base, timeout=10).json()["arrivals"]
    finally:
        harness.cleanup()

    latencies = [arrivals[key] - at for key, at in submits.items() if key in arrivals]
    missing = len(submits) - len(latencies)
    from django.conf import settings

    options = settings.HUEY["consumer"]
    print(
        f"Submit → CRM receipt on {args.stack}, {args.leads} leads, an idle "
        "`run_huey` with the "
        f"documented settings {options}"
    )
    print(f"  bare POST to the receiver:  {harness.summary(bare)}")
    print(f"  record_lead → receipt:      {harness.summary(latencies)}")
    print(f"  not received: {missing}")
    p50 = harness.percentile(latencies, 0.5)
    p95 = harness.percentile(latencies, 0.95)
    print(
        f"  goal p50 < 300 ms: {'met' if p50 < 0.3 else 'MISSED'}; "
        f"p95 < 1 s: {'met' if p95 < 1 else 'MISSED'}"
    )


if __name__ == "__main__":
    main()
