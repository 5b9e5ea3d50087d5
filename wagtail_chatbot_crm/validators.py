"""Validators shared by the models and forms."""

import re
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.utils.translation import gettext as _

from .conf import crm_settings

# RFC 9110 token characters.
HEADER_NAME_RE = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")

# Headers the app sets itself, or that belong to the connection.
RESERVED_HEADERS = frozenset(
    {
        "content-length",
        "content-type",
        "host",
        "connection",
        "transfer-encoding",
        "te",
        "trailer",
        "upgrade",
        "keep-alive",
        "proxy-connection",
        "user-agent",
        "idempotency-key",
        "webhook-id",
        "webhook-timestamp",
        "webhook-signature",
    }
)

# A header whose name holds one of these words carries a credential: its
# value is always secret. Decided when the row is cleaned (``is_secret``).
SECRET_HEADER_RE = re.compile(
    r"key|token|secret|auth|pass|signature|cookie|session|credential|private",
    re.IGNORECASE,
)


def validate_header_name(name: str) -> None:
    """Refuse names that are not HTTP tokens or that the app sets itself."""
    if not HEADER_NAME_RE.match(name or ""):
        raise ValidationError(
            _(
                "“%(name)s” is not a valid header name: use letters, digits and "
                "- only, with no spaces or colons."
            ),
            params={"name": name},
            code="invalid_header_name",
        )
    if name.lower() in RESERVED_HEADERS:
        raise ValidationError(
            _("The %(name)s header is set by the app and cannot be changed here."),
            params={"name": name},
            code="reserved_header",
        )


def validate_header_value(value: str) -> None:
    """Refuse line breaks and other control characters in header values."""
    if any((ord(char) < 32 and char != "\t") or ord(char) == 127 for char in value):
        raise ValidationError(
            _("Header values cannot contain line breaks or control characters."),
            code="invalid_header_value",
        )


# Line breaks and the other control characters (C0, DEL, C1, and Unicode's
# line and paragraph separators).
CONTROL_CHARACTERS_RE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def validate_secret(value: str, label: str) -> None:
    """Refuse a secret holding a line break or another control character,
    naming where it is (``label``, such as “bearer token”).

    Pasted by mistake, such a character would break the header the secret
    is sent in, and the error would quote the secret.
    """
    if CONTROL_CHARACTERS_RE.search(value or ""):
        raise ValidationError(
            _(
                "The %(field)s holds a line break or another control character: "
                "enter it again without it."
            ),
            params={"field": label},
            code="secret_control_characters",
        )


def header_looks_secret(name: str) -> bool:
    """Whether a header's name suggests its value is a credential."""
    return bool(SECRET_HEADER_RE.search(name or ""))


# ``<company>``: a part of a preset's URL or value the editor must fill in.
PLACEHOLDER_RE = re.compile(r"<([^<>/\s][^<>/]*)>")


def validate_no_placeholder(value: str) -> None:
    """Refuse a value still holding a preset's ``<placeholder>``, saying
    what to fill in."""
    names = PLACEHOLDER_RE.findall(value or "")
    if names:
        raise ValidationError(
            _(
                "Replace %(parts)s with your own value: see the setup steps of "
                "the CRM you chose."
            ),
            params={"parts": ", ".join(f"<{name}>" for name in names)},
            code="placeholder",
        )


class WebhookURLValidator(URLValidator):
    """Django's URL check, after naming any placeholder still to fill in
    (which would otherwise get a bare "Enter a valid URL")."""

    def __call__(self, value):
        validate_no_placeholder(value)
        super().__call__(value)


def validate_webhook_url(url: str) -> None:
    """HTTPS only, unless ``ALLOW_HTTP`` is on; no credentials in the URL."""
    if not url:
        return
    parts = urlsplit(url)
    if parts.scheme == "http" and not crm_settings.ALLOW_HTTP:
        raise ValidationError(
            _(
                "Use an https:// address. Plain http:// would send leads and "
                "credentials unencrypted. (For a receiver on your own machine "
                "during development, a developer can set "
                'WAGTAIL_CHATBOT_CRM["ALLOW_HTTP"] = True.)'
            ),
            code="https_required",
        )
    if parts.scheme not in ("http", "https"):
        raise ValidationError(
            _("Enter a web address starting with https://."), code="invalid_scheme"
        )
    if parts.username or parts.password:
        raise ValidationError(
            _(
                "Do not put a user name or password in the address: choose "
                "“Basic auth” as the authentication type instead."
            ),
            code="credentials_in_url",
        )


def split_emails(value: str) -> list[str]:
    """The addresses in a comma, semicolon or line separated list."""
    return [part.strip() for part in re.split(r"[,;\s]+", value or "") if part.strip()]


def validate_email_list(value: str) -> None:
    """Every address in the list must be a valid email address."""
    bad = []
    for address in split_emails(value):
        try:
            validate_email(address)
        except ValidationError:
            bad.append(address)
    if bad:
        raise ValidationError(
            _("Not valid email addresses: %(addresses)s"),
            params={"addresses": ", ".join(bad)},
            code="invalid_emails",
        )
