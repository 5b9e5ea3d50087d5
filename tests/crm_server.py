"""A real HTTP server on 127.0.0.1 that plays the CRM in tests and benchmarks."""

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Step:
    """How the CRM answers one request."""

    status: int = 201
    body: bytes | str = b'{"id": "crm-1"}'
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    # Seconds between single bytes of the answer: of the body only, or with
    # ``trickle_head`` of the status line and headers too.
    trickle: float = 0.0
    trickle_head: bool = False


@dataclass
class Received:
    """One request the CRM got."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    at: float
    # The status it was answered with (0 until answered).
    status: int = 0

    def json(self):
        return json.loads(self.body)


class FakeCRM(ThreadingHTTPServer):
    """Answers with scripted steps, then with ``default``; records requests."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, port: int = 0):
        super().__init__(("127.0.0.1", port), _Handler)
        self.script: list[Step] = []
        self.default = Step()
        self.received: list[Received] = []
        self.connections = 0
        self.lock = threading.Lock()
        self.arrived = threading.Condition(self.lock)
        self.thread = threading.Thread(
            target=self.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/hooks/lead"

    def then(self, *steps: Step) -> "FakeCRM":
        with self.lock:
            self.script.extend(steps)
        return self

    def next_step(self) -> Step:
        with self.lock:
            return self.script.pop(0) if self.script else self.default

    def process_request(self, request, client_address):
        with self.lock:
            self.connections += 1
        super().process_request(request, client_address)

    def record(self, received: Received) -> None:
        with self.arrived:
            self.received.append(received)
            self.arrived.notify_all()

    def wait_for(self, count: int, timeout: float = 10.0) -> list[Received]:
        """Block until ``count`` requests have arrived."""
        deadline = time.monotonic() + timeout
        with self.arrived:
            while len(self.received) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(
                        f"expected {count} requests, got {len(self.received)}"
                    )
                self.arrived.wait(left)
            return list(self.received)

    def handle_error(self, request, client_address):
        pass  # a client that hung up (TLS or deadline tests) is expected

    def start(self) -> "FakeCRM":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes; without this, Nagle's
    # algorithm and the client's delayed ACK add 40 ms to every answer.
    disable_nagle_algorithm = True

    def log_message(self, format, *args):
        pass

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        received = Received(
            "POST", self.path, dict(self.headers.items()), body, time.monotonic()
        )
        self.server.record(received)
        step = self.server.next_step()
        received.status = step.status
        if step.delay:
            time.sleep(step.delay)
        payload = step.body.encode() if isinstance(step.body, str) else step.body
        if step.trickle:
            self.trickle(step, payload)
            return
        try:
            self.send_response(step.status)
            for name, value in step.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a timeout test); nothing to answer

    def trickle(self, step: Step, payload: bytes) -> None:
        """Answer a byte at a time, as a stalled or hostile CRM might."""
        head = "".join(
            [
                f"HTTP/1.1 {step.status} Trickling\r\n",
                *(f"{name}: {value}\r\n" for name, value in step.headers.items()),
                "Content-Type: application/json\r\n",
                f"Content-Length: {len(payload)}\r\n\r\n",
            ]
        ).encode()
        if step.trickle_head:
            payload = head + payload
        else:
            self.wfile.write(head)
        try:
            for byte in payload:
                self.wfile.write(bytes([byte]))
                self.wfile.flush()
                time.sleep(step.trickle)
        except (BrokenPipeError, ConnectionResetError):
            pass  # cut off at the client's deadline
        self.close_connection = True
