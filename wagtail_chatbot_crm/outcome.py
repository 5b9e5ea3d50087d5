"""What came of one HTTP exchange with a CRM, in an editor's words.

The one place that decides success, how long to wait before retrying, and
what to tell the editor. Real deliveries and "Test connection" both use it.
"""

import json
import socket
import ssl
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from http import HTTPStatus
from urllib.parse import urlsplit

import requests
import urllib3.exceptions
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from requests.structures import CaseInsensitiveDict
from urllib3.exceptions import NameResolutionError

from .errors import (
    AddressRefused,
    InsecureURL,
    PayloadError,
    SecretDecryptionError,
    TokenError,
)

_BAD_URL_ERRORS = (
    requests.exceptions.InvalidURL,
    requests.exceptions.MissingSchema,
    requests.exceptions.InvalidSchema,
)
# Refusals of a header value, whose texts quote it: requests', urllib3's, and
# one that could not be encoded (http.client's is a plain ValueError).
_HEADER_ERRORS = (
    requests.exceptions.InvalidHeader,
    urllib3.exceptions.InvalidHeader,
    UnicodeError,
)


@dataclass(frozen=True)
class Outcome:
    """The verdict on one try."""

    success: bool
    message: str
    detail: str = ""
    status_code: int | None = None
    retry_after: float | None = None
    # The editor setting that would fix a failure (a key of ``FIXES``), or
    # "" when the CRM's side has to change.
    fix: str = ""


def fix_link(chatbot_pk: int, fix: str) -> tuple[str, str] | None:
    """The chatbot editor's URL at the section that fixes a failure, and
    what the link says; None when no setting fixes it."""
    from django.urls import reverse

    if fix not in FIXES:
        return None
    anchor, label = FIXES[fix]
    url = reverse("wagtailsnippets_wagtail_chatbot_crm_chatbot:edit", args=[chatbot_pk])
    return f"{url}#{anchor}", str(label)


# Where each fix is made: the chatbot editor's section, as its element id
# (opening the tab that holds it), and what the link says.
FIXES = {
    "auth": (
        "panel-child-crm_integration-authentication-section",
        _lazy("Check the authentication settings"),
    ),
    "url": (
        "panel-child-crm_integration-webhook_url-section",
        _lazy("Check the webhook URL"),
    ),
    "mapping": (
        "panel-child-field_mapping-field_mapping-section",
        _lazy("Check the field mapping"),
    ),
    "rate_limit": (
        "panel-child-crm_integration-rate_limit_per_minute-section",
        _lazy("Set a rate limit"),
    ),
    "sync": (
        "panel-child-crm_integration-crm_enabled-section",
        _lazy("Switch CRM sync on"),
    ),
}


def classify_response(
    status_code: int,
    headers: Mapping[str, str],
    body: str = "",
    *,
    now: datetime | None = None,
    max_retry_after: float = 3600.0,
) -> Outcome:
    """Judge a CRM's HTTP answer. Any 2xx is success; nothing else is.

    A ``Retry-After`` is honoured up to ``max_retry_after`` seconds."""
    headers = CaseInsensitiveDict(headers)
    reason = _reason(status_code)
    detail = f"HTTP {status_code} {reason}".strip()
    if 200 <= status_code < 300:
        return Outcome(True, "", detail, status_code)

    crm_text = crm_error_text(body)
    said = _(" The CRM said: “%(text)s”") % {"text": crm_text} if crm_text else ""
    retry_after = None
    if 300 <= status_code < 400:
        location = headers.get("Location", "")
        if location:
            message = _(
                "The CRM answered with a redirect (HTTP %(status)s) to %(location)s. "
                "Redirects are not followed: use that address as the webhook URL."
            ) % {"status": status_code, "location": location}
        else:
            message = _(
                "The CRM answered with a redirect (HTTP %(status)s) without saying "
                "where to. Check the webhook URL."
            ) % {"status": status_code}
        detail = f"{detail}; Location: {location or '(none)'}"
    elif status_code in (401, 403):
        message = _(
            "The CRM rejected the credentials (HTTP %(status)s). Check the "
            "authentication settings: the token, API key or password."
        ) % {"status": status_code}
    elif status_code in (404, 410):
        message = _(
            "The CRM has nothing at the webhook URL (HTTP %(status)s). Check the "
            "address."
        ) % {"status": status_code}
    elif status_code == 405:
        message = _(
            "The webhook URL does not accept leads (HTTP 405: POST not allowed). "
            "Check the address."
        )
    elif status_code in (400, 422):
        message = (
            _(
                "The CRM rejected the lead's data (HTTP %(status)s). Check the field "
                "mapping and static values."
            )
            % {"status": status_code}
            + said
        )
    elif status_code == 409:
        message = (
            _(
                "The CRM reported a conflict (HTTP 409), often a contact that already "
                "exists."
            )
            + said
        )
    elif status_code == 413:
        message = _("The CRM found the lead too large (HTTP 413).")
    elif status_code == 429:
        message = _("The CRM is limiting how many requests it takes (HTTP 429).")
        retry_after = parse_retry_after(
            headers.get("Retry-After"), now=now, cap=max_retry_after
        )
    elif status_code >= 500:
        message = _("The CRM had a problem of its own (HTTP %(status)s).") % {
            "status": status_code
        }
        if status_code == 503:
            retry_after = parse_retry_after(
                headers.get("Retry-After"), now=now, cap=max_retry_after
            )
    else:
        message = (
            _("The CRM refused the lead (HTTP %(status)s).") % {"status": status_code}
            + said
        )
    if retry_after is not None:
        detail = f"{detail}; Retry-After: {retry_after:g} s"
    return Outcome(
        False, message, detail, status_code, retry_after, _response_fix(status_code)
    )


def _response_fix(status_code: int) -> str:
    """The setting that fixes a refusal with this status, if any."""
    if status_code in (401, 403):
        return "auth"
    if status_code in (400, 422):
        return "mapping"
    if status_code == 429:
        return "rate_limit"
    if 300 <= status_code < 400 or status_code in (404, 405, 410):
        return "url"
    return ""


def refused_in_body(accepted: Outcome, vendor_error: str) -> Outcome:
    """A 2xx answer whose body says the CRM did not take the record (a
    per-record error in a batch answer): a failed try, in the CRM's words."""
    vendor_error = (
        vendor_error if len(vendor_error) <= 300 else vendor_error[:299] + "…"
    )
    return Outcome(
        False,
        _(
            "The CRM answered HTTP %(status)s but did not take the lead. The "
            "CRM said: “%(text)s” Check the field mapping against the CRM's "
            "required fields and formats."
        )
        % {"status": accepted.status_code, "text": vendor_error},
        f"{accepted.detail}; error in the body",
        accepted.status_code,
        fix="mapping",
    )


def classify_exception(
    exc: BaseException,
    *,
    url: str = "",
    connect_timeout: float = 5.0,
    read_timeout: float = 15.0,
    url_label: str = "",
) -> Outcome:
    """Judge a try that got no HTTP answer; the timeouts it was given are
    named in the message when it timed out. ``url_label`` names the setting
    that holds ``url`` (the webhook URL unless said otherwise)."""
    host = urlsplit(url).hostname or _("the CRM's host")
    label = url_label or _("webhook URL")
    quotes_header = _quotes_a_header(exc)
    # The text of an error about a header may quote its value: a token.
    detail = _describe(exc, with_text=not quotes_header)
    timeouts = {"connect": connect_timeout, "read": read_timeout}
    if isinstance(exc, TokenError):
        # Judged where the token endpoint answered (``oauth``).
        return Outcome(
            False, exc.message, exc.detail, None, exc.retry_after, fix="auth"
        )
    fix = ""
    if isinstance(exc, AddressRefused):
        fix = "url"
        message = _(
            "The %(label)s points to %(address)s, a private or internal network "
            "address, which is refused for safety. Use the CRM's public address. "
            "(To reach a receiver on your own network during development, a "
            'developer can list it in WAGTAIL_CHATBOT_CRM["ALLOWED_NETWORKS"].)'
        ) % {"label": label, "address": exc.address}
    elif isinstance(exc, InsecureURL):
        fix = "url"
        message = _(
            "The %(label)s uses plain http://, which would send data "
            "unencrypted. Use an https:// address."
        ) % {"label": label}
    elif isinstance(exc, PayloadError):
        fix = "mapping"
        message = str(exc) + " " + _("Fix it in the chatbot's Field mapping tab.")
    elif quotes_header and _caused_by(exc, UnicodeError):
        fix = "auth"
        message = _(
            "A header, token or key holds characters that cannot be sent in an "
            "HTTP header (such as accents or invisible spaces). Type it again "
            "in plain letters and digits."
        )
    elif quotes_header:
        fix = "auth"
        message = _(
            "A header, token or key holds a line break or another character "
            "that cannot be sent in an HTTP header. Enter it again without it."
        )
    elif isinstance(exc, requests.exceptions.ConnectTimeout):
        message = _(
            "%(host)s did not accept the connection within %(seconds)g seconds "
            "(timeout)."
        ) % {"host": host, "seconds": timeouts["connect"]}
    elif isinstance(exc, requests.exceptions.ReadTimeout):
        message = _("The CRM did not answer within %(seconds)g seconds (timeout).") % {
            "seconds": timeouts["read"]
        }
    elif isinstance(exc, requests.exceptions.SSLError):
        message = _(
            "The secure connection to %(host)s failed (TLS error): its certificate "
            "could not be verified or the handshake failed."
        ) % {"host": host}
    elif isinstance(exc, _BAD_URL_ERRORS):
        fix = "url"
        message = _("The %(label)s is not a valid address.") % {"label": label}
    elif _caused_by(exc, NameResolutionError, socket.gaierror):
        fix = "url"
        message = _(
            "The address %(host)s could not be found (DNS failure). Check the "
            "%(label)s."
        ) % {"host": host, "label": label}
    elif _caused_by(exc, ConnectionRefusedError):
        message = _(
            "%(host)s refused the connection: nothing is listening there. Check the "
            "%(label)s, or whether the CRM is down."
        ) % {"host": host, "label": label}
    elif isinstance(exc, requests.exceptions.ConnectionError):
        message = _("The connection to %(host)s failed before the CRM answered.") % {
            "host": host
        }
    elif isinstance(exc, SecretDecryptionError):
        fix = "auth"
        message = _(
            "A stored secret of this chatbot cannot be decrypted: the key it was "
            "stored with is no longer in ENCRYPTION_KEYS. Add the key back, or "
            "enter the secret again."
        )
    elif isinstance(exc, ssl.SSLError):
        message = _("The secure connection to %(host)s failed (TLS error).") % {
            "host": host
        }
    else:
        message = _("The delivery failed unexpectedly (%(kind)s).") % {
            "kind": type(exc).__name__
        }
    return Outcome(False, message, detail, None, None, fix)


def parse_retry_after(
    value: str | None, *, now: datetime | None = None, cap: float = 3600.0
) -> float | None:
    """Seconds to wait from a ``Retry-After`` (seconds or HTTP date), at most
    ``cap``; ``None`` when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        seconds = float(value)
    else:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - (now or datetime.now(UTC))).total_seconds()
    return float(min(max(seconds, 0.0), cap))


def crm_error_text(body: str, limit: int = 300) -> str:
    """The CRM's own explanation from an error body, shortened."""
    body = (body or "").strip()
    if not body:
        return ""
    try:
        data = json.loads(body)
    except ValueError:
        data = None
    text = _find_message(data) if data is not None else None
    if text is None:
        text = " ".join(body.split())
        if text.startswith("<"):  # an HTML error page says nothing useful
            return ""
    text = str(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _find_message(data, depth: int = 0):
    if depth > 4:
        return None
    if isinstance(data, str):
        return data
    if isinstance(data, list):
        parts = [_find_message(item, depth + 1) for item in data[:5]]
        parts = [part for part in parts if part]
        return "; ".join(parts) or None
    if isinstance(data, dict):
        for key in (
            "message",
            "error_description",
            "error",
            "errors",
            "detail",
            "details",
            "title",
            "data",
        ):
            if key in data:
                found = _find_message(data[key], depth + 1)
                if found:
                    return found
    return None


def _reason(status_code: int) -> str:
    try:
        return HTTPStatus(status_code).phrase
    except ValueError:
        return ""


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """The exception and every one it wraps: as an argument, as urllib3's
    ``reason``, as its cause or context."""
    seen = set()
    pending: list[BaseException | None] = [exc]
    while pending:
        current = pending.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        args = getattr(current, "args", ())
        pending.extend(arg for arg in args if isinstance(arg, BaseException))
        reason = getattr(current, "reason", None)
        # ``reason`` is an exception on urllib3's errors, but plain text on
        # UnicodeError and ssl.SSLError.
        if not isinstance(reason, BaseException):
            reason = None
        pending.append(reason or current.__cause__ or current.__context__)


def _caused_by(exc: BaseException, *types: type[BaseException]) -> bool:
    return any(isinstance(each, types) for each in _chain(exc))


def _quotes_a_header(exc: BaseException) -> bool:
    """Whether an error is a refused header value, which its text may quote."""
    return any(
        isinstance(each, _HEADER_ERRORS)
        or (isinstance(each, ValueError) and "header" in str(each).lower())
        for each in _chain(exc)
    )


def _describe(exc: BaseException, *, with_text: bool = True) -> str:
    """The technical detail of a failure: its last cause (the one that
    says what happened, such as “ConnectionRefusedError: [Errno 111]
    Connection refused”), not the chain of wrappers around it."""
    last = exc
    seen = {id(exc)}
    while True:
        cause = last.__cause__ or last.__context__
        if cause is None or id(cause) in seen:
            break
        seen.add(id(cause))
        last = cause
    kind = type(last).__name__
    text = str(last) if with_text else ""
    return f"{kind}: {text}" if text else kind
