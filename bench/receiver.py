"""A stand-in CRM for benchmarks: answers every POST after a fixed delay and
records when each lead (by Idempotency-Key) arrived. Run as a process of its
own so it does not share a GIL with what is measured.

    python bench/receiver.py --delay 0.02      # prints the port it listens on
"""

import argparse
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Receiver(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128

    def __init__(self, delay: float):
        super().__init__(("127.0.0.1", 0), Handler)
        self.delay = delay
        self.arrivals: dict[str, float] = {}
        self.count = 0
        self.lock = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes; without this, Nagle's
    # algorithm and the client's delayed ACK add 40 ms to every answer.
    disable_nagle_algorithm = True

    def log_message(self, format, *args):
        pass

    def do_POST(self):
        arrived = time.time()
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        with self.server.lock:
            self.server.count += 1
            key = self.headers.get("Idempotency-Key")
            if key:
                self.server.arrivals.setdefault(key, arrived)
        if self.server.delay:
            time.sleep(self.server.delay)
        self.reply(201, b'{"id": "bench"}')

    def do_GET(self):
        with self.server.lock:
            body = json.dumps(
                {"count": self.server.count, "arrivals": self.server.arrivals}
            ).encode()
        self.reply(200, body)

    def do_DELETE(self):
        with self.server.lock:
            self.server.count = 0
            self.server.arrivals.clear()
        self.reply(204, b"")

    def reply(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--delay", type=float, default=0.0)
    args = parser.parse_args()
    server = Receiver(args.delay)
    print(server.server_address[1], flush=True)
    sys.stdout.close()
    server.serve_forever(poll_interval=0.1)


if __name__ == "__main__":
    main()
