"""How it is sent: headers, authentication and signature around a body.

Pure functions over plain data: building a request is separate from sending
it (``sender``), as in requests' own ``Request(...).prepare()``.
"""

import base64
import functools
import hashlib
import hmac
import re
from collections.abc import Iterable
from dataclasses import dataclass

import requests

from . import __version__

USER_AGENT = f"wagtail-chatbot-crm/{__version__}"
REDACTED = "[redacted]"
# Shorter secrets are replaced only as written: the escaped spelling of one or
# two characters (``\/``, ``%2F``, ``\u0031``) is ordinary JSON or URL text,
# and redacting it would mangle answers without hiding anything.
MIN_ESCAPED_SECRET_LENGTH = 4


@dataclass(frozen=True)
class Header:
    """A custom header from the chatbot's settings."""

    name: str
    value: str
    is_secret: bool = False


@dataclass(frozen=True)
class Endpoint:
    """Where and how a chatbot's leads are sent."""

    url: str
    auth_type: str = "none"
    bearer_token: str = ""
    api_key_header: str = "X-API-Key"
    api_key: str = ""
    basic_username: str = ""
    basic_password: str = ""
    signing_secret: str = ""
    headers: tuple[Header, ...] = ()

    def auth_headers(self) -> dict[str, str]:
        """The header that authenticates the request, if any."""
        if self.auth_type == "bearer":
            return {"Authorization": f"Bearer {self.bearer_token}"}
        if self.auth_type == "api_key":
            return {self.api_key_header or "X-API-Key": self.api_key}
        if self.auth_type == "basic":
            return {"Authorization": f"Basic {self._basic_credentials()}"}
        return {}

    def _basic_credentials(self) -> str:
        pair = f"{self.basic_username}:{self.basic_password}".encode()
        return base64.b64encode(pair).decode("ascii")

    def secrets(self) -> list[str]:
        """Every secret, and every form of it a CRM might echo back."""
        found = [
            self.bearer_token,
            self.api_key,
            self.basic_password,
            self.signing_secret,
            *(header.value for header in self.headers if header.is_secret),
        ]
        if self.auth_type == "basic" or self.basic_password:
            found.append(self._basic_credentials())
        if self.signing_secret.startswith("whsec_"):
            found.append(self.signing_secret.removeprefix("whsec_"))
        return [secret for secret in found if secret]


def sign(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """The Standard Webhooks signature (``v1,<base64 HMAC-SHA256>``) of
    ``id.timestamp.body`` with a ``whsec_`` secret."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(key, signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode("ascii")


def build_request(
    endpoint: Endpoint,
    body: bytes,
    content_type: str,
    *,
    idempotency_key: str,
    timestamp: int,
) -> requests.PreparedRequest:
    """The POST for one delivery: body, custom headers, auth, signature.

    ``idempotency_key`` (the lead's UUID) is the same on every try, so a CRM
    that honours it creates the contact once; it also serves as the
    Standard Webhooks message id.
    """
    headers = {header.name: header.value for header in endpoint.headers}
    headers.update(endpoint.auth_headers())
    headers.update(
        {
            "Content-Type": content_type,
            "Accept": "application/json, */*;q=0.5",
            "User-Agent": USER_AGENT,
            "Idempotency-Key": idempotency_key,
        }
    )
    if endpoint.signing_secret:
        headers.update(
            {
                "webhook-id": idempotency_key,
                "webhook-timestamp": str(timestamp),
                "webhook-signature": sign(
                    endpoint.signing_secret, idempotency_key, timestamp, body
                ),
            }
        )
    return requests.Request("POST", endpoint.url, headers=headers, data=body).prepare()


# An Authorization header echoed back, whatever the scheme; its quotes may be
# escaped (JSON inside JSON).
_AUTHORIZATION_RE = re.compile(
    r"(?i)\b((?:proxy-)?authorization\b(?:\\{0,8}[\"'])?\s*[:=]\s*(?:\\{0,8}[\"'])?)"
    r"(?:(bearer|basic|token|digest)\s+)?[^\s\"',;]+?(?=\\{0,8}(?:[\s\"',;]|$))"
)

# Characters with a backslash escape of their own in JSON or a Python repr.
_SHORT_ESCAPES = {
    "/": "/",
    '"': '"',
    "'": "'",
    "\\": "\\",
    "\b": "b",
    "\f": "f",
    "\n": "n",
    "\r": "r",
    "\t": "t",
}
_HTML_NAMES = {"&": "amp", "<": "lt", ">": "gt", '"': "quot", "'": "apos"}
# One backslash, or more where escaped text was escaped again (JSON in JSON in
# JSON takes seven). Bounded, so that a long run of backslashes in an answer
# costs little to search.
_BACKSLASHES = r"\\{1,8}"


def _spellings(char: str) -> str:
    r"""A regex for one character of a secret, as written or escaped: JSON
    (``\/``, ``\u002b``), a Python repr (``\'``, ``\x2b``, the bytes of
    its UTF-8), URL-encoding (``%2B``, ``+`` for a space) or HTML."""
    code = ord(char)
    utf8 = char.encode("utf-8", "surrogatepass")
    utf16 = char.encode("utf-16-be", "surrogatepass")
    escaped = [
        "".join(
            f"{_BACKSLASHES}u{int.from_bytes(utf16[i : i + 2]):04x}"
            for i in range(0, len(utf16), 2)
        ),
        f"{_BACKSLASHES}U{code:08x}",
        "".join(f"{_BACKSLASHES}x{byte:02x}" for byte in utf8),
        "".join(f"%{byte:02x}" for byte in utf8),
        f"&#0{{0,4}}{code};",
        f"&#x0{{0,4}}{code:x};",
    ]
    if code < 0x100:
        escaped.append(f"{_BACKSLASHES}x{code:02x}")
    if char in _SHORT_ESCAPES:
        escaped.append(_BACKSLASHES + re.escape(_SHORT_ESCAPES[char]))
    if char in _HTML_NAMES:
        escaped.append(f"&{_HTML_NAMES[char]};")
    literal = [re.escape(char)]
    # A form decoder reads "+" as a space, and an encoder writes a space so.
    if char == " ":
        literal.append(r"\+")
    elif char == "+":
        literal.append(" ")
    escaped = list(dict.fromkeys(escaped))  # ASCII's \x form is there twice
    return f"(?:{'|'.join(literal)}|(?i:{'|'.join(escaped)}))"


@functools.lru_cache(maxsize=128)
def _secrets_re(secrets: tuple[str, ...]) -> re.Pattern[str]:
    """One pattern for every secret, longest first, each in all its forms."""
    return re.compile(
        "|".join(
            "".join(map(_spellings, secret))
            if len(secret) >= MIN_ESCAPED_SECRET_LENGTH
            else re.escape(secret)
            for secret in secrets
        )
    )


def redact(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every secret, escaped forms included, and any
    Authorization header masked."""
    if not text:
        return text
    ordered = tuple(sorted({s for s in secrets if s}, key=lambda s: (-len(s), s)))
    if ordered:
        # One pass, so that a secret is never looked for inside a mark.
        text = _secrets_re(ordered).sub(REDACTED, text)
    return _AUTHORIZATION_RE.sub(
        lambda match: (
            f"{match.group(1)}{match.group(2) + ' ' if match.group(2) else ''}"
            f"{REDACTED}"
        ),
        text,
    )
