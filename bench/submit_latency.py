"""Benchmark: a visitor's submit latency on the lead endpoint, beside a bare
Django view that inserts one row, the two taking turns so that both meet the
same machine; while a consumer (plain ``run_huey``, as documented) delivers
each lead, and again while the CRM hangs with every worker stuck on it.

    .venv/bin/python bench/submit_latency.py [--requests 300]
        [--stack sqlite|scaleout]

Goal: the endpoint's p95 within 1.5x the bare view's, and unchanged while
the CRM hangs (the visitor's request never waits for the CRM).
"""

import argparse
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import harness
import requests


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):
        pass


class PooledWSGIServer(WSGIServer):
    """Requests answered by a pool of threads that keep their database
    connections, as production servers (gunicorn's gthread workers,
    waitress) answer them: what a view leaves for after its response does
    not hold up the next visitor."""

    pool = ThreadPoolExecutor(4)

    def process_request(self, request, client_address):
        self.pool.submit(self.answer, request, client_address)

    def answer(self, request, client_address):
        try:
            self.finish_request(request, client_address)
        except Exception:
            self.handle_error(request, client_address)
        finally:
            self.shutdown_request(request)


def serve():
    """The site's WSGI app on a local port, in a thread."""
    from django.core.wsgi import get_wsgi_application

    server = make_server(
        "127.0.0.1",
        0,
        get_wsgi_application(),
        server_class=PooledWSGIServer,
        handler_class=QuietHandler,
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}"


def measure(session, urls, payload, count):
    """``count`` POSTs to each of ``urls``, taking turns, so that each meets
    the same machine: the consumer's work, the other processes, the disk."""
    times = {url: [] for url in urls}
    for number in range(count):
        for url in urls:
            body = {**payload, "email": f"visitor{number}@example.com"}
            started = time.perf_counter()
            response = session.post(url, json=body, timeout=30)
            times[url].append(time.perf_counter() - started)
            assert response.status_code == 201, response.text
    return [times[url] for url in urls]


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
    phases = {}
    server, base = serve()
    session = requests.Session()
    with harness.receiver(0.0) as fast, harness.receiver(60.0) as hanging:
        bot = Chatbot.objects.create(
            name="Bench", slug="bench", crm_enabled=True, webhook_url=f"{fast}/x"
        )
        urls = [f"{base}/bare/{bot.pk}/", f"{base}/chatbot/bench/leads/"]
        measure(session, urls, payload, 20)  # warm up
        # As documented: plain run_huey, its options in HUEY["consumer"].
        with harness.consumer():
            phases["while the consumer delivers each lead"] = measure(
                session, urls, payload, args.requests
            )
        bot.webhook_url = f"{hanging}/x"
        bot.save()
        with harness.consumer():
            time.sleep(1)  # let every worker get stuck on the hanging CRM
            phases["while the CRM hangs, every worker stuck on it"] = measure(
                session, urls, payload, args.requests
            )
    server.shutdown()

    print(
        f"Visitor submit latency on {args.stack}: {args.requests} POSTs each to a "
        "bare view inserting one row and to the lead endpoint, taking turns"
    )
    p95 = {}
    for phase, (bare, endpoint) in phases.items():
        p95[phase] = harness.percentile(bare, 0.95), harness.percentile(endpoint, 0.95)
        print(f"  {phase}:")
        print(f"    bare view      {harness.summary(bare)}")
        print(
            f"    lead endpoint  {harness.summary(endpoint)}   "
            f"p95 {p95[phase][1] / p95[phase][0]:.2f}x bare"
        )
    delivering, idle = p95.values()
    print(
        "  the consumer's work as a visitor feels it: endpoint p95 while it "
        f"delivers / bare p95 while it waits = {delivering[1] / idle[0]:.2f}x"
    )
    print("goal: endpoint p95 <= 1.5x bare, and unchanged while the CRM hangs")


if __name__ == "__main__":
    main()
