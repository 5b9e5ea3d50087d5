"""Benchmark: a visitor's submit latency on the lead endpoint, beside a bare
Django view that inserts one row, in the same run; and the same again while
the CRM hangs with every worker of the consumer stuck waiting for it.

    .venv/bin/python bench/submit_latency.py [--requests 300]
        [--stack sqlite|scaleout]

Goal: the endpoint's p95 within 1.5x the bare view's, and unchanged while
the CRM hangs (the visitor's request never waits for the CRM).
"""

import argparse
import threading
import time
from wsgiref.simple_server import WSGIRequestHandler, make_server

import harness
import requests


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):
        pass


def serve():
    """The site's WSGI app on a local port, in a thread."""
    from django.core.wsgi import get_wsgi_application

    server = make_server(
        "127.0.0.1", 0, get_wsgi_application(), handler_class=QuietHandler
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}"


def measure(session, url, payload, count):
    times = []
    for number in range(count):
        body = {**payload, "email": f"visitor{number}@example.com"}
        started = time.perf_counter()
        response = session.post(url, json=body, timeout=30)
        times.append(time.perf_counter() - started)
        assert response.status_code == 201, response.text
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--stack", choices=["sqlite", "scaleout"], default="sqlite")
    args = parser.parse_args()
    with harness.stack(args.stack):
        run(args)


def run(args) -> None:
    harness.setup_django(
        ALLOW_HTTP=True,
        ALLOWED_NETWORKS=["127.0.0.0/8"],
        RATE_LIMIT_REQUESTS=0,
        READ_TIMEOUT=60,
    )
    from django.conf import settings

    settings.ROOT_URLCONF = "bench_urls"
    from wagtail_chatbot_crm.models import Chatbot

    payload = {"name": "Ada Lovelace", "message": "Please call me back."}
    rows = []
    server, base = serve()
    session = requests.Session()
    with harness.receiver(0.0) as fast, harness.receiver(60.0) as hanging:
        bot = Chatbot.objects.create(
            name="Bench", slug="bench", crm_enabled=True, webhook_url=f"{fast}/x"
        )
        endpoint = f"{base}/chatbot/bench/leads/"
        bare = f"{base}/bare/{bot.pk}/"
        measure(session, endpoint, payload, 20)  # warm up
        with harness.consumer("--workers=2", "--delay=0.01", "--max-delay=0.1"):
            rows.append(("bare view", measure(session, bare, payload, args.requests)))
            rows.append(
                (
                    "lead endpoint",
                    measure(session, endpoint, payload, args.requests),
                )
            )
        Chatbot.objects.filter(pk=bot.pk).update(webhook_url=f"{hanging}/x")
        with harness.consumer("--workers=2", "--delay=0.01", "--max-delay=0.1"):
            time.sleep(1)  # let both workers get stuck on the hanging CRM
            rows.append(
                (
                    "lead endpoint, CRM hangs",
                    measure(session, endpoint, payload, args.requests),
                )
            )
    server.shutdown()

    bare_p95 = harness.percentile(rows[0][1], 0.95)
    print(
        f"Visitor submit latency on {args.stack}, {args.requests} sequential POSTs each"
    )
    for label, times in rows:
        ratio = harness.percentile(times, 0.95) / bare_p95
        print(f"  {label:26} {harness.summary(times)}   p95 {ratio:.2f}x bare")
    print("goal: endpoint p95 <= 1.5x bare, and unchanged while the CRM hangs")


if __name__ == "__main__":
    main()
