"""The receiver's check in docs/verifying-signatures.md accepts what the app
sends and refuses what it did not, and its worked example is right."""

import re
import time
from pathlib import Path

from wagtail_chatbot_crm.webhook import Endpoint, build_request, sign

DOC = Path(__file__).resolve().parent.parent / "docs" / "verifying-signatures.md"
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


def documented_verify():
    code = re.search(r"```python\n(.*?)```", DOC.read_text(), re.DOTALL).group(1)
    namespace = {}
    exec(compile(code, str(DOC), "exec"), namespace)  # noqa: S102 (our own docs)
    return namespace["verify"]


def test_the_worked_example_is_what_the_app_signs():
    text = DOC.read_text()
    body = b'{"email":"ada@example.com","name":"Ada Lovelace"}'
    signature = sign(SECRET, "5f0c9a4e-1b2d-4e8f-9a6b-3c7d2e1f0a9b", 1795680000, body)
    assert f"\n{signature}\n" in text


def test_the_documented_check_accepts_a_delivery_and_refuses_tampering():
    verify = documented_verify()
    endpoint = Endpoint(url="https://receiver.example.com/hook", signing_secret=SECRET)
    body = b'{"email":"ada@example.com"}'
    request = build_request(
        endpoint,
        body,
        "application/json",
        idempotency_key="5f0c9a4e-1b2d-4e8f-9a6b-3c7d2e1f0a9b",
        timestamp=int(time.time()),
    )
    headers = {name.lower(): value for name, value in request.headers.items()}
    assert verify(SECRET, headers, request.body)
    assert not verify(SECRET, headers, body.replace(b"ada", b"eve"))
    assert not verify("whsec_" + "A" * 32, headers, request.body)
    assert not verify(SECRET, headers, request.body, now=time.time() + 3600)
