"""How it is sent: headers, authentication and signature around a body.

Pure functions over plain data: building a request is separate from sending
it (``sender``), as in requests' own ``Request(...).prepare()``.
"""

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass, field

import requests

from . import __version__

USER_AGENT = f"wagtail-chatbot-crm/{__version__}"
# The credential part of a value such as "Token token=…" is kept out of
# what is shown when it is at least this long (shorter is ordinary text).
MIN_CREDENTIAL_PART = 8


@dataclass(frozen=True)
class Header:
    """A custom header from the chatbot's settings."""

    name: str
    value: str
    is_secret: bool = False


@dataclass(frozen=True)
class Endpoint:
    """Where and how a chatbot's leads are sent."""

    # Secrets are left out of the repr, which error reporters may capture.
    url: str
    auth_type: str = "none"
    bearer_token: str = field(default="", repr=False)
    api_key_header: str = "X-API-Key"
    api_key: str = field(default="", repr=False)
    basic_username: str = ""
    basic_password: str = field(default="", repr=False)
    oauth_client_secret: str = field(default="", repr=False)
    oauth_refresh_token: str = field(default="", repr=False)
    oauth_header_prefix: str = "Bearer"
    # OAuth2: the access token got for this request (``oauth``).
    access_token: str = field(default="", repr=False)
    signing_secret: str = field(default="", repr=False)
    headers: tuple[Header, ...] = field(default=(), repr=False)

    def auth_headers(self) -> dict[str, str]:
        """The header that authenticates the request, if any."""
        if self.auth_type == "bearer":
            return {"Authorization": f"Bearer {self.bearer_token}"}
        if self.auth_type == "api_key":
            return {self.api_key_header or "X-API-Key": self.api_key}
        if self.auth_type == "basic":
            return {"Authorization": f"Basic {self._basic_credentials()}"}
        if self.auth_type == "oauth2":
            prefix = self.oauth_header_prefix.strip()
            return {"Authorization": f"{prefix} {self.access_token}".strip()}
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
            self.oauth_client_secret,
            self.oauth_refresh_token,
            self.access_token,
            self.signing_secret,
            *(header.value for header in self.headers if header.is_secret),
        ]
        if self.auth_type == "basic" or self.basic_password:
            found.append(self._basic_credentials())
        if self.signing_secret.startswith("whsec_"):
            found.append(self.signing_secret.removeprefix("whsec_"))
        # A value that carries a scheme ("Zoho-oauthtoken 1000.ab…",
        # "Token token=ab…"): a CRM may echo the credential alone.
        for value in (self.api_key, *(h.value for h in self.headers if h.is_secret)):
            credential = re.split(r"[\s=]", value.strip())[-1] if value else ""
            if credential != value and len(credential) >= MIN_CREDENTIAL_PART:
                found.append(credential)
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
