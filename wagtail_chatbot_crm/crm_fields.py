"""Load fields from the CRM: the CRM's own field names, for the editor to
pick from instead of typing.

The request goes to the same host as the chatbot's webhook, with the same
authentication, through the same guarded sender (SSRF guard, deadline,
capped answer) as deliveries; a chatbot passed here may be the editor's
unsaved one (``form.save(commit=False)``), whose secrets the editor form has
already held to the saved host. Each preset says where its CRM lists its
fields (``fields_path``) and how to read the answer (``read_fields``); see
the vendor pages cited in ``presets``.
"""

import json
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests
from django.core.cache import cache
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from .attempt import endpoint_for, failure, send_authorized
from .models import Chatbot
from .oauth import TokenSource
from .outcome import classify_response
from .presets import registered_preset
from .redaction import redact
from .webhook import Endpoint

# A CRM with hundreds of properties answers with far more than a lead's
# answer is allowed (``MAX_RESPONSE_BYTES``).
MAX_FIELDS_BYTES = 4 * 1024 * 1024
# Pages of fields read at most (Pipedrive gives 500 a page).
MAX_FIELD_PAGES = 10
# How long loaded fields are kept for the same chatbot and settings.
FIELDS_CACHE_SECONDS = 300


@dataclass(frozen=True)
class CrmField:
    """One field of the CRM's record, as the CRM names it."""

    name: str
    label: str
    required: bool = False


class CrmFieldsError(Exception):
    """The fields could not be loaded; the message says why in plain words."""


def load_crm_fields(chatbot: Chatbot) -> list[CrmField]:
    """The CRM's fields for the chatbot's preset, read from the CRM.

    Raises ``CrmFieldsError`` when the preset has no fields API, the webhook
    URL is not set, or the CRM cannot be asked or does not answer with a
    list of fields.
    """
    preset = registered_preset(chatbot.preset)
    if preset is None or not preset.fields_path or preset.read_fields is None:
        raise CrmFieldsError(
            _(
                "This CRM has no API that lists its fields: type the field "
                "names as its documentation gives them."
            )
        )
    parts = urlsplit(chatbot.webhook_url or "")
    if not parts.scheme or not parts.netloc:
        raise CrmFieldsError(
            _("Enter the webhook URL first: the fields are read from that host.")
        )
    base = f"{parts.scheme}://{parts.netloc}"
    tokens = TokenSource(chatbot, editing=True)
    endpoint = endpoint_for(chatbot)
    fields: list[CrmField] = []
    path = preset.fields_path
    for _page in range(MAX_FIELD_PAGES):
        data, endpoint = _read_page(base + path, endpoint, tokens)
        try:
            fields += [
                CrmField(str(name), str(label or name), bool(required))
                for name, label, required in preset.read_fields(data)
            ]
            path = preset.fields_next(data, path) if preset.fields_next else None
        except (ValueError, AttributeError, TypeError, LookupError):
            fields, path = [], None
        if not path:
            break
    if not fields:
        raise CrmFieldsError(
            _("The CRM answered, but not with the list of fields expected.")
        )
    return sorted(fields, key=lambda field: (not field.required, field.label.lower()))


def _read_page(url: str, endpoint: Endpoint, tokens: TokenSource):
    """One page of the CRM's fields, as JSON; and the endpoint it was asked
    with (its access token, if any, is a secret too)."""

    def fields_request(endpoint):
        headers = {
            "Accept": "application/json",
            **{header.name: header.value for header in endpoint.headers},
            **endpoint.auth_headers(),
        }
        return requests.Request("GET", url, headers=headers).prepare()

    secrets = endpoint.secrets()
    try:
        exchange, endpoint = send_authorized(
            endpoint, fields_request, tokens, max_bytes=MAX_FIELDS_BYTES
        )
    except Exception as exc:  # every failure is told, never a crash
        raise CrmFieldsError(redact(failure(exc, url).message, secrets)) from None
    secrets = endpoint.secrets()
    text = redact(exchange.text(), secrets)
    outcome = classify_response(exchange.status_code, exchange.headers, text)
    if not outcome.success:
        raise CrmFieldsError(redact(outcome.message, secrets))
    try:
        data = None if exchange.truncated else json.loads(text)
    except ValueError:
        data = None
    if data is None:
        raise CrmFieldsError(
            _("The CRM answered, but not with the list of fields expected.")
        )
    return data, endpoint


def cached_crm_fields(chatbot: Chatbot) -> list[CrmField]:
    """``load_crm_fields``, kept for a few minutes per chatbot and settings:
    pressing Load fields again, or in another mapping session, does not ask
    the CRM again. Failures are not kept."""
    key = (
        "wagtail_chatbot_crm:fields:"
        + salted_hmac(
            "wagtail_chatbot_crm.crm_fields",
            "\x00".join(
                [
                    str(chatbot.pk),
                    chatbot.preset,
                    chatbot.webhook_url,
                    *endpoint_for(chatbot).secrets(),
                ]
            ),
            algorithm="sha256",
        ).hexdigest()
    )
    fields = cache.get(key)
    if fields is None:
        fields = load_crm_fields(chatbot)
        cache.set(key, fields, FIELDS_CACHE_SECONDS)
    return fields
