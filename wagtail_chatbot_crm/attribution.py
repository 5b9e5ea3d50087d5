"""Where a visit came from: the landing page, the referrer and the UTM
parameters first seen in it, which the widget sends with the lead.

They are kept as reported, made safe to store, and never cost a lead: a
visitor cannot fix what their browser reported, so a value that does not
fit is cut or dropped rather than refused.
"""

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from django.utils.translation import gettext_lazy as _

URL_FIELDS = ("landing_page", "referrer")
UTM_FIELDS = ("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content")
ATTRIBUTION_FIELDS = (*URL_FIELDS, *UTM_FIELDS)

LABELS = {
    "landing_page": _("Landing page"),
    "referrer": _("Referrer"),
    "utm_source": _("UTM source"),
    "utm_medium": _("UTM medium"),
    "utm_campaign": _("UTM campaign"),
    "utm_term": _("UTM term"),
    "utm_content": _("UTM content"),
}

URL_MAX_LENGTH = 2048
UTM_MAX_LENGTH = 255


def clean_attribution(data: Mapping[str, Any]) -> dict[str, str]:
    """The attribution values of ``data``, each a string safe to keep.

    Control characters are removed and values cut to the field's length; a
    URL that is not http(s) is dropped (it could only be a ``javascript:``
    link on the lead page or a mistake). Absent, empty or non-text values
    are "".
    """
    cleaned = {}
    for name in ATTRIBUTION_FIELDS:
        value = data.get(name)
        if not isinstance(value, str):
            value = ""
        value = "".join(char for char in value if char.isprintable()).strip()
        if name in URL_FIELDS:
            value = value if _is_web_url(value) else ""
            value = value[:URL_MAX_LENGTH]
        else:
            value = value[:UTM_MAX_LENGTH]
        cleaned[name] = value
    return cleaned


def _is_web_url(value: str) -> bool:
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.netloc)
