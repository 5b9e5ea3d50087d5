"""One try of sending a lead: build the request, send it, judge the answer.

The shell around the pure core: it turns a chatbot and a lead (saved, or the
editor's unsaved ones for Test connection) into plain data for ``payload``
and ``webhook``, sends through ``sender`` and has ``outcome`` judge the
result, with every secret redacted from what comes back. It records
nothing: ``delivery`` does that for real leads.
"""

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from django.utils import timezone

from .attribution import ATTRIBUTION_FIELDS
from .conf import crm_settings
from .contact import CONTACT_FIELD_NAMES
from .errors import PayloadError
from .models import AuthType, Chatbot, Lead
from .oauth import TokenSource
from .outcome import Outcome, classify_exception, classify_response, refused_in_body
from .payload import LeadData, MappingRow, StaticRow, build_body
from .presets import registered_preset
from .redaction import redact
from .sender import Exchange, send
from .webhook import Endpoint, Header, build_request

logger = logging.getLogger(__name__)

# How much of a request body an attempt keeps (a lead's body is far smaller;
# a form page's many answers might not be).
REQUEST_BODY_CHARS = 20_000


# The chatbot's fields an Endpoint takes under the same names.
ENDPOINT_SETTINGS = (
    "auth_type",
    "bearer_token",
    "api_key_header",
    "api_key",
    "basic_username",
    "basic_password",
    "oauth_client_secret",
    "oauth_refresh_token",
    "oauth_header_prefix",
    "signing_secret",
)

# Gives an OAuth2 access token; given the one the CRM just refused (401),
# a newer one (``oauth.TokenSource``).
Tokens = Callable[..., str]


def lead_data(lead: Lead) -> LeadData:
    """The plain values of a lead that mappings can send."""
    return LeadData(
        lead_id=str(lead.uuid),
        **{name: getattr(lead, name) for name in CONTACT_FIELD_NAMES},
        page_url=lead.page_url,
        chatbot_name=lead.chatbot.name,
        submitted_at=lead.created_at,
        consent=lead.consent,
        **{name: getattr(lead, name) for name in ATTRIBUTION_FIELDS},
        extra=lead.extra_data if isinstance(lead.extra_data, dict) else {},
    )


def endpoint_for(chatbot: Chatbot) -> Endpoint:
    """A chatbot's CRM settings as plain data, secrets decrypted."""
    return Endpoint(
        url=chatbot.webhook_url,
        **{name: getattr(chatbot, name) for name in ENDPOINT_SETTINGS},
        headers=tuple(
            Header(
                header.name,
                header.value,
                # Decided when the row was cleaned (or migrated).
                header.is_secret,
            )
            for header in chatbot.custom_headers.all()
        ),
    )


def mapping_rows(chatbot: Chatbot) -> tuple[list[MappingRow], list[StaticRow]]:
    """A chatbot's field mappings and static values as plain data."""
    mappings = [
        MappingRow(
            row.source, row.crm_field, row.transform, row.date_format, row.extra_key
        )
        for row in chatbot.field_mappings.all()
    ]
    statics = [
        StaticRow(row.crm_field, row.value, row.is_json)
        for row in chatbot.static_values.all()
    ]
    return mappings, statics


@dataclass(frozen=True)
class AttemptResult:
    """One try, ready to show an editor: no secret anywhere in it."""

    outcome: Outcome
    started_at: datetime
    duration_ms: int
    response_excerpt: str
    # The body sent, secrets redacted and cut to REQUEST_BODY_CHARS; "" if
    # none was built (a mapping that cannot be used).
    request_body: str = ""
    # From the CRM's answer, where the preset knows where to look.
    crm_record_id: str = ""
    crm_action: str = ""  # "created", "updated" or "" (not told)


def attempt(
    endpoint: Endpoint,
    lead: LeadData,
    mappings: list[MappingRow],
    statics: list[StaticRow],
    body_format: str,
    *,
    vendor_error: Callable[[Any], str] | None = None,
    vendor_record: Callable[[Any], tuple[str, bool | None]] | None = None,
    tokens: Tokens | None = None,
) -> AttemptResult:
    """Build, send and judge one request. Never raises for the CRM's sake:
    every failure comes back as an outcome with a plain-words message.

    ``vendor_error`` reads a CRM's JSON answer for an error about the record
    that a 2xx status does not show (a preset's ``answer_error``);
    ``vendor_record`` reads a success for the record's id and whether it was
    created (``answer_record``). ``tokens`` gives OAuth2 access tokens."""
    started_at = timezone.now()
    started = time.monotonic()
    excerpt = ""
    body = b""
    record = ("", "")
    try:
        body, content_type = build_body(lead, mappings, statics, body_format)
        exchange, endpoint = send_authorized(
            endpoint,
            lambda endpoint: build_request(
                endpoint,
                body,
                content_type,
                idempotency_key=lead.lead_id,
                timestamp=int(time.time()),
            ),
            tokens,
        )
    except Exception as exc:  # every failure is an outcome, never a crash
        if not isinstance(exc, PayloadError):
            logger.info("Delivery to %s failed: %s", _host(endpoint.url), type(exc))
        outcome = failure(exc, endpoint.url)
        duration_ms = int((time.monotonic() - started) * 1000)
    else:
        # Redact the whole answer before anything is cut from it, so no part
        # of a secret survives at the edge of an excerpt.
        text = redact(exchange.text().replace("\x00", ""), endpoint.secrets())
        outcome = classify_response(
            exchange.status_code,
            exchange.headers,
            text,
            max_retry_after=crm_settings.MAX_RETRY_AFTER,
        )
        if outcome.success and vendor_error is not None:
            error = _read_answer(vendor_error, text) or ""
            if error:
                outcome = refused_in_body(outcome, str(error))
        if outcome.success and vendor_record is not None:
            record = _record_of(_read_answer(vendor_record, text))
        duration_ms = exchange.duration_ms
        excerpt = text[: crm_settings.RESPONSE_EXCERPT_CHARS]
        if exchange.truncated or exchange.cut_off or len(text) > len(excerpt):
            excerpt += "…"
    secrets = endpoint.secrets()
    return AttemptResult(
        redacted(outcome, secrets),
        started_at,
        duration_ms,
        redact(excerpt, secrets),
        sent_body(body, secrets),
        *record,
    )


def sent_body(body: bytes, secrets: list[str]) -> str:
    """A request body as an attempt keeps it: text, every secret redacted
    (before cutting, so no part of one survives at the edge), then cut."""
    text = redact(body.decode("utf-8", "replace").replace("\x00", ""), secrets)
    if len(text) > REQUEST_BODY_CHARS:
        text = text[:REQUEST_BODY_CHARS] + "…"
    return text


def readable_body(text: str) -> str:
    """A kept request body laid out for an editor: JSON indented, a form
    body one ``name = value`` a line; anything else as it is."""
    try:
        return json.dumps(json.loads(text), indent=2, ensure_ascii=False)
    except ValueError:
        pass
    if "=" in text and not any(char.isspace() for char in text):
        pairs = parse_qsl(text, keep_blank_values=True)
        if pairs:
            return "\n".join(f"{name} = {value}" for name, value in pairs)
    return text


def send_authorized(
    endpoint: Endpoint,
    make_request: Callable[[Endpoint], Any],
    tokens: Tokens | None = None,
    **options,
) -> tuple[Exchange, Endpoint]:
    """Send the request ``make_request`` builds for ``endpoint``, with an
    access token from ``tokens`` for OAuth2; a 401 gets one renewed token
    and one more request, within the same try. Returns the answer and the
    endpoint it was sent with (its token is a secret to redact too)."""
    if endpoint.auth_type != AuthType.OAUTH2 or tokens is None:
        return send(make_request(endpoint), **options), endpoint
    endpoint = replace(endpoint, access_token=tokens())
    exchange = send(make_request(endpoint), **options)
    if exchange.status_code == 401:
        endpoint = replace(endpoint, access_token=tokens(stale=endpoint.access_token))
        exchange = send(make_request(endpoint), **options)
    return exchange, endpoint


def failure(exc: BaseException, url: str) -> Outcome:
    """A request to ``url`` that got no answer, judged with the configured
    timeouts (which its message names when it timed out)."""
    return classify_exception(
        exc,
        url=url,
        connect_timeout=crm_settings.CONNECT_TIMEOUT,
        read_timeout=crm_settings.READ_TIMEOUT,
    )


def _read_answer(read: Callable[[Any], Any], text: str) -> Any:
    """What a preset reads in a JSON answer; ``None`` if the answer is not
    JSON or not of the documented shape (then it gives no verdict)."""
    try:
        return read(json.loads(text))
    except (ValueError, AttributeError, TypeError, LookupError):
        return None


def _record_of(found: tuple[str, bool | None] | None) -> tuple[str, str]:
    """A record id (cut to fit) and "created", "updated" or ""."""
    if not found:
        return "", ""
    record_id, created = found
    action = {True: "created", False: "updated"}.get(created, "")
    return str(record_id).replace("\x00", "")[:100], action


def redacted(outcome: Outcome, secrets: list[str]) -> Outcome:
    """The outcome with no secret in its texts, and no NUL character, which
    PostgreSQL cannot store (a CRM's JSON may spell one ``\u0000``)."""
    return replace(
        outcome,
        message=redact(outcome.message, secrets).replace("\x00", ""),
        detail=redact(outcome.detail, secrets).replace("\x00", ""),
    )


def attempt_for(
    chatbot: Chatbot, lead: LeadData, *, testing: bool = False
) -> AttemptResult:
    """One try of sending ``lead`` with a chatbot's settings: a saved
    chatbot's, or an unsaved one from the editor (Test connection, which
    says ``testing``: it asks for an access token even just after the CRM
    refused one)."""
    mappings, statics = mapping_rows(chatbot)
    preset = registered_preset(chatbot.preset)
    return attempt(
        endpoint_for(chatbot),
        lead,
        mappings,
        statics,
        chatbot.body_format,
        vendor_error=preset.answer_error if preset else None,
        vendor_record=preset.answer_record if preset else None,
        tokens=TokenSource(chatbot, editing=testing),
    )


def _host(url: str) -> str:
    return urlsplit(url).hostname or "?"


def secrets_of(chatbot: Chatbot) -> list[str]:
    """The chatbot's secrets, to keep out of what is logged and stored; none
    if they cannot be decrypted (then no text can hold them either)."""
    try:
        return endpoint_for(chatbot).secrets()
    except Exception:
        return []
