"""What is sent: a lead's fields mapped onto the CRM's field names.

Pure functions over plain data. ``delivery`` turns models into the
dataclasses below; nothing here touches the database or the network.
"""

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from django.utils.translation import gettext as _

from .attribution import ATTRIBUTION_FIELDS
from .errors import PayloadError
from .mapping import find_conflicts, parse_path


@dataclass(frozen=True)
class LeadData:
    """The lead's values that mappings can send."""

    lead_id: str
    name: str = ""
    email: str = ""
    phone: str = ""
    company: str = ""
    message: str = ""
    page_url: str = ""
    chatbot_name: str = ""
    submitted_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    consent: bool = False
    referrer: str = ""
    landing_page: str = ""
    utm_source: str = ""
    utm_medium: str = ""
    utm_campaign: str = ""
    utm_term: str = ""
    utm_content: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class MappingRow:
    """One chatbot field sent to one CRM field."""

    source: str
    crm_field: str
    transform: str = ""
    date_format: str = ""
    extra_key: str = ""


@dataclass(frozen=True)
class StaticRow:
    """A fixed value sent with every lead."""

    crm_field: str
    value: str
    is_json: bool = False


# Sources that are a value of the lead as it is.
LEAD_SOURCES = frozenset(each.name for each in fields(LeadData)) - {"extra"}

# Sent when a chatbot maps nothing: every field under its own name, which is
# what catch hooks (Zapier, Make, n8n) and generic endpoints expect.
DEFAULT_MAPPINGS = tuple(
    MappingRow(source, source)
    for source in (
        "name",
        "first_name",
        "last_name",
        "email",
        "phone",
        "company",
        "message",
        "page_url",
        "chatbot_name",
        "submitted_at",
        "lead_id",
        "consent",
    )
)


# Sources a lead may simply not have: their rows are left out then.
OPTIONAL_SOURCES = frozenset({*ATTRIBUTION_FIELDS, "extra"})


def default_mappings(
    lead: LeadData, statics: Sequence["StaticRow"] = ()
) -> tuple[MappingRow, ...]:
    """The rows used when a chatbot maps nothing. Attribution joins them
    only where the lead has it, so a lead from a plain form page does not
    send seven empty keys, and only under names no static value uses."""
    taken = [row.crm_field for row in statics]
    return DEFAULT_MAPPINGS + tuple(
        MappingRow(source, source)
        for source in ATTRIBUTION_FIELDS
        if getattr(lead, source)
        and not any(path == source or path.startswith(f"{source}.") for path in taken)
    )


JSON_CONTENT_TYPE = "application/json"
FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"


def split_name(name: str) -> tuple[str, str]:
    """First and last name from a full name.

    The first word is the first name and the rest the last name. A single
    word counts as the last name, since CRMs that require a name (Salesforce,
    Zoho) require the last one.
    """
    words = name.split()
    if not words:
        return "", ""
    if len(words) == 1:
        return "", words[0]
    return words[0], " ".join(words[1:])


def source_value(lead: LeadData, source: str, extra_key: str = "") -> Any:
    """The raw value of a mapping source for a lead."""
    if source == "extra":
        # Another answer of a form page, by its label; absent is blank.
        return lead.extra.get(extra_key, "")
    if source == "first_name":
        return split_name(lead.name)[0]
    if source == "last_name":
        return split_name(lead.name)[1]
    if source in LEAD_SOURCES:
        return getattr(lead, source)
    raise PayloadError(_("Unknown chatbot field “%(source)s”.") % {"source": source})


def format_datetime(value: datetime, date_format: str = "") -> str:
    """A timestamp in UTC: ISO 8601 by default, else strftime codes."""
    value = value.astimezone(UTC)
    if date_format:
        return value.strftime(date_format)
    return value.isoformat(timespec="seconds").replace("+00:00", "Z")


def apply_transform(value: Any, transform: str, date_format: str = "") -> Any:
    """Apply a row's transform; values it does not fit pass through."""
    if isinstance(value, datetime):
        return format_datetime(value, date_format if transform == "date" else "")
    if not isinstance(value, str):
        return value
    if transform == "lowercase":
        return value.lower()
    if transform == "uppercase":
        return value.upper()
    if transform == "trim":
        return value.strip()
    return value


def static_value(row: StaticRow) -> Any:
    """A static row's value: text, or parsed JSON when the row says so."""
    if not row.is_json:
        return row.value
    try:
        return json.loads(row.value)
    except ValueError as exc:
        raise PayloadError(
            _("The static value for “%(field)s” is not valid JSON.")
            % {"field": row.crm_field}
        ) from exc


def build_fields(
    lead: LeadData,
    mappings: Sequence[MappingRow],
    statics: Sequence[StaticRow] = (),
) -> list[tuple[str, Any]]:
    """The (CRM field, value) pairs for a lead, mappings first.

    A row of attribution or of another answer is left out when the lead has
    none: a widget lead of a chatbot that also serves a form page sends no
    empty ``subject``, and an upsert CRM keeps what a returning contact's
    earlier visit or form gave it.
    """
    rows = mappings or default_mappings(lead, statics)
    pairs = []
    for row in rows:
        value = source_value(lead, row.source, row.extra_key)
        if row.source in OPTIONAL_SOURCES and value in ("", None, [], {}):
            continue
        pairs.append(
            (row.crm_field, apply_transform(value, row.transform, row.date_format))
        )
    pairs.extend((row.crm_field, static_value(row)) for row in statics)
    return pairs


class _Branch(dict):
    """A level built from paths, told apart from dict values of static rows."""


def nest(pairs: Iterable[tuple[str, Any]]) -> dict[str, Any]:
    """Build a JSON object from dotted paths (``data.0.Last_Name``)."""
    pairs = list(pairs)
    conflicts = find_conflicts([path for path, _value in pairs])
    if conflicts:
        raise PayloadError(
            _("The field mapping cannot be used: %(problem)s")
            % {"problem": conflicts[min(conflicts)]}
        )
    root = _Branch()
    for path, value in pairs:
        *parents, last = parse_path(path)
        node = root
        for segment in parents:
            node = node.setdefault(segment, _Branch())
        node[last] = value
    return _finish(root)


def _finish(node: Any) -> Any:
    # Levels keyed by numbers become lists; conflicts were refused above, so
    # a numbered level holds exactly the indexes 0..n-1.
    if not isinstance(node, _Branch):
        return node
    if node and isinstance(next(iter(node)), int):
        return [_finish(node[index]) for index in range(len(node))]
    return {key: _finish(child) for key, child in node.items()}


def _form_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def encode_body(
    pairs: Sequence[tuple[str, Any]], body_format: str
) -> tuple[bytes, str]:
    """The request body and its content type.

    JSON bodies nest on dotted paths; form bodies take names literally.
    """
    if body_format == "form":
        encoded = urlencode([(name, _form_value(value)) for name, value in pairs])
        return encoded.encode("ascii"), FORM_CONTENT_TYPE
    body = json.dumps(nest(pairs), ensure_ascii=False, separators=(",", ":"))
    return body.encode("utf-8"), JSON_CONTENT_TYPE


def build_body(
    lead: LeadData,
    mappings: Sequence[MappingRow],
    statics: Sequence[StaticRow],
    body_format: str,
) -> tuple[bytes, str]:
    """The body to send for a lead: mapping, statics, transforms, encoding."""
    return encode_body(build_fields(lead, mappings, statics), body_format)
