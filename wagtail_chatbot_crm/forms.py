"""Forms: the visitor's lead form and the admin's chatbot editor."""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.validators import RegexValidator, URLValidator
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm

from .contact import CONTACT_FIELDS
from .mapping import find_conflicts
from .models import AuthType, BodyFormat, Chatbot, CustomHeader, FieldMapping
from .payload import DEFAULT_MAPPINGS
from .permissions import CHANGE_CRM_SETTINGS
from .presets import registered_preset
from .validators import CONTROL_CHARACTERS_RE, header_looks_secret

# --- The visitor's lead form ------------------------------------------------


# A visitor's text refuses CONTROL_CHARACTERS_RE: a line break in a name
# reaches an email's subject line and headers of other systems; an escape
# sequence reaches a terminal. A multi-line text refuses the same less line
# breaks and tabs:
CONTROL_CHARACTERS_BUT_LINES = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


class TextInputField(forms.CharField):
    """A CharField that refuses JSON numbers, lists and objects, and control
    characters; with ``multiline=True`` line breaks and tabs are text."""

    def __init__(self, *, multiline: bool = False, **kwargs):
        self.multiline = multiline
        super().__init__(**kwargs)

    def to_python(self, value):
        if value is not None and not isinstance(value, str):
            raise ValidationError(_("Enter text."), code="invalid_type")
        return super().to_python(value)

    def validate(self, value):
        super().validate(value)
        # Checked before the validators, so this is the field's one message
        # (a null character would otherwise get Django's as well).
        if self.multiline:
            if CONTROL_CHARACTERS_BUT_LINES.search(value):
                raise ValidationError(
                    _("Remove the control characters from this field."),
                    code="control_characters",
                )
        elif CONTROL_CHARACTERS_RE.search(value):
            raise ValidationError(
                _(
                    "Remove the line breaks, tabs and other control characters "
                    "from this field."
                ),
                code="control_characters",
            )


class EmailInputField(TextInputField, forms.EmailField):
    """An email field that refuses non-text JSON values."""


class ConsentField(forms.Field):
    """Consent, given only by an unmistakable yes.

    Django's checkbox turns any non-empty text into True ("0", "no", "off"
    included); consent must not be recorded that way.
    """

    widget = forms.HiddenInput  # reads the raw value; the form is never rendered
    YES = {"true", "on", "1", "yes"}
    NO = {"", "false", "off", "0", "no"}

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def to_python(self, value):
        if value is None or value is False:
            return False
        if value is True:
            return True
        if isinstance(value, str) and value.strip().lower() in self.YES:
            return True
        if isinstance(value, str) and value.strip().lower() in self.NO:
            return False
        raise ValidationError(_("Enter true or false."), code="invalid_consent")


phone_validator = RegexValidator(
    r"^\+?[0-9 ().\-/]{3,}( *(x|ext\.?) *[0-9]+)?$",
    _("Enter a phone number using digits, spaces and + ( ) - only."),
    code="invalid_phone",
)


class LeadForm(forms.Form):
    """The contact details a chatbot asks for, built from its settings.

    With ``require_fields=False`` every field is optional: a Wagtail form page
    holds its visitors to its own required fields, not the chatbot's.
    """

    PAGE_URL_LIMIT = 2000

    def __init__(
        self,
        chatbot: Chatbot,
        data: Mapping[str, Any] | None = None,
        *,
        require_fields: bool = True,
    ):
        super().__init__(data)
        self.chatbot = chatbot
        for contact_field in CONTACT_FIELDS:
            name = contact_field.name
            if not chatbot.asks(name):
                continue
            options = {
                "label": contact_field.label,
                "max_length": contact_field.max_length,
                "required": require_fields and chatbot.requires(name),
            }
            if contact_field.input_type == "email":
                self.fields[name] = EmailInputField(**options)
            else:
                multiline = contact_field.input_type == "textarea"
                self.fields[name] = TextInputField(multiline=multiline, **options)
        if chatbot.asks("phone"):
            self.fields["phone"].validators.append(phone_validator)
        if chatbot.asks_consent:
            self.fields["consent"] = ConsentField(
                label=chatbot.consent_text, required=False
            )
        self.fields["page_url"] = TextInputField(
            required=False,
            max_length=self.PAGE_URL_LIMIT,
            validators=[URLValidator(schemes=["http", "https"])],
        )

    @classmethod
    def clean_source_url(cls, url: str | None) -> str:
        """A referring page address if it is a usable URL, else ""."""
        if not url or len(url) > cls.PAGE_URL_LIMIT:
            return ""
        if CONTROL_CHARACTERS_RE.search(url):
            return ""
        try:
            URLValidator(schemes=["http", "https"])(url)
        except ValidationError:
            return ""
        return url


# --- Secrets in admin forms --------------------------------------------------


class _Keep:
    """Sentinel: the secret input was left blank, keep what is stored."""

    def __repr__(self):
        return "KEEP"


KEEP = _Keep()


class SecretInput(forms.Widget):
    """A password input that never renders a stored value back.

    When a value is stored it shows a placeholder saying so, and a checkbox
    to clear it. Left blank, the stored value is kept.
    """

    template_name = "wagtail_chatbot_crm/widgets/secret_input.html"
    input_type = "password"

    class Media:
        css = {"all": ["wagtail_chatbot_crm/css/admin.css"]}

    def __init__(self, attrs=None, stored=False):
        attrs = {"autocomplete": "new-password", "spellcheck": "false", **(attrs or {})}
        super().__init__(attrs)
        self.stored = stored

    def format_value(self, value):
        return None

    def get_context(self, name, value, attrs):
        context = super().get_context(name, None, attrs)
        context["widget"]["stored"] = self.stored
        context["widget"]["type"] = self.input_type
        if self.stored:
            context["widget"]["attrs"]["placeholder"] = _(
                "Stored — leave blank to keep"
            )
        return context

    def value_from_datadict(self, data, files, name):
        typed = data.get(name) or ""
        if typed:
            return typed
        if data.get(f"{name}-clear"):
            return ""
        return KEEP

    def value_omitted_from_data(self, data, files, name):
        return False


class SecretField(forms.CharField):
    """A form field for an encrypted secret; blank keeps the stored one."""

    def __init__(self, *, stored=False, **kwargs):
        kwargs["widget"] = SecretInput(stored=stored)
        kwargs["required"] = False
        super().__init__(**kwargs)

    def clean(self, value):
        if value is KEEP:
            return KEEP
        return super().clean(value)

    def has_changed(self, initial, data):
        return data is not KEEP


class SecretFieldsFormMixin:
    """Swap the instance's masked fields for ``SecretField``s and resolve
    "leave blank to keep" back to the stored value before the model sees it.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        masked = getattr(self.instance, "masked_fields", tuple)
        for name in masked():
            if name in self.fields:
                original = self.fields[name]
                self.fields[name] = SecretField(
                    stored=bool(getattr(self.instance, name, "")),
                    label=original.label,
                    help_text=original.help_text,
                )

    def clean(self):
        cleaned = super().clean()
        for name, field in self.fields.items():
            if isinstance(field, SecretField) and cleaned.get(name) is KEEP:
                cleaned[name] = getattr(self.instance, name, "")
        return cleaned

    def kept_secret(self, name: str) -> bool:
        """Whether a secret input was left blank, keeping the stored value."""
        field = self.fields.get(name)
        return isinstance(field, SecretField) and (
            field.widget.value_from_datadict(
                self.data, self.files, self.add_prefix(name)
            )
            is KEEP
        )


@dataclass(frozen=True)
class SavedTarget:
    """Where a stored chatbot's secrets go: its saved host and auth type."""

    host: str
    auth_type: str
    secrets: frozenset[str]
    # The stored secret custom headers, by id.
    secret_headers: frozenset[int] = frozenset()
    # Where OAuth2's client secret and refresh token go.
    token_host: str = ""


def row_deleted(row: forms.BaseForm) -> bool:
    """Whether an inline row was ticked for deletion (known once cleaned)."""
    return bool(getattr(row, "cleaned_data", {}).get("DELETE"))


def url_host(url: str) -> str:
    """Where a URL sends requests: scheme, host, and port if not the
    scheme's default (plain http to the same host is somewhere else)."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return "?"  # not a URL: the form says so; never echo it into a log
    host = (parts.hostname or "").lower()
    if not host:
        return ""
    if port is not None and port != {"http": 80, "https": 443}.get(parts.scheme):
        host = f"{host}:{port}"
    return f"{parts.scheme.lower()}://{host}"


class ChatbotChildForm(SecretFieldsFormMixin, WagtailAdminModelForm):
    """Form for the chatbot's inline rows (mappings, static values, headers)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if isinstance(self.instance, FieldMapping):
            # A mapping row is one line: what each input takes is said once,
            # above the rows (the tab's help), and by examples inside them.
            for name, example in (
                ("crm_field", "properties.email"),
                ("date_format", "%Y-%m-%d"),
                ("extra_key", _("Budget")),
            ):
                if name in self.fields:
                    self.fields[name].help_text = ""
                    self.fields[name].widget.attrs.setdefault("placeholder", example)
        if (
            self.is_bound
            and isinstance(self.instance, CustomHeader)
            and "value" in self.fields
            and not isinstance(self.fields["value"], SecretField)
            and self._posted_as_secret()
        ):
            # A secret typed into a new row must not come back in the page
            # when the form is shown again with an error elsewhere.
            self.fields["value"].widget = forms.PasswordInput(
                attrs={"autocomplete": "new-password"}, render_value=False
            )

    def _posted_as_secret(self) -> bool:
        name = self.data.get(self.add_prefix("name")) or ""
        return bool(self.data.get(self.add_prefix("is_secret"))) or (
            header_looks_secret(name)
        )

    def clean(self):
        cleaned = super().clean()
        if isinstance(self.instance, CustomHeader):
            if header_looks_secret(cleaned.get("name", "")):
                cleaned["is_secret"] = True
            if (
                self.instance.is_secret
                and not cleaned.get("is_secret")
                and self.kept_secret("value")
            ):
                self.add_error(
                    "value",
                    _(
                        "This value is stored as a secret. To send it as a plain "
                        "header, enter it again."
                    ),
                )
        return cleaned


class ChatbotAdminForm(SecretFieldsFormMixin, WagtailAdminModelForm):
    """The chatbot editor: secrets masked, CRM field paths checked together."""

    PATH_FORMSETS = ("field_mappings", "static_values")
    # Rows that are CRM settings too: left out, and so left as they are, for
    # users without the "change CRM settings" permission (the CRM fields are
    # left out by their panels' permission).
    CRM_FORMSETS = ("custom_headers", "field_mappings", "static_values")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Validation writes the typed values onto the instance: remember
        # where its stored secrets were meant to go.
        instance = self.instance
        self.saved = None
        if instance.pk is not None:
            self.saved = SavedTarget(
                host=url_host(instance.webhook_url),
                auth_type=instance.auth_type,
                secrets=frozenset(
                    name for name in Chatbot.SECRET_FIELDS if getattr(instance, name)
                ),
                secret_headers=frozenset(
                    instance.custom_headers.filter(is_secret=True).values_list(
                        "pk", flat=True
                    )
                ),
                token_host=url_host(instance.oauth_token_url),
            )
        if self.for_user is not None and not self.for_user.has_perm(
            CHANGE_CRM_SETTINGS
        ):
            for name in self.CRM_FORMSETS:
                self.formsets.pop(name, None)

    def _update_errors(self, errors):
        # The model checks every CRM setting; one this user cannot see is
        # reported at the top of the form rather than on a missing field.
        error_dict = getattr(errors, "error_dict", None)
        if error_dict:
            for field in [f for f in error_dict if f != NON_FIELD_ERRORS]:
                if field not in self.fields:
                    error_dict.setdefault(NON_FIELD_ERRORS, []).extend(
                        error_dict.pop(field)
                    )
        super()._update_errors(errors)

    def is_valid(self):
        valid = super().is_valid()
        paths_ok = self._check_crm_field_paths()
        preset_ok = self._check_preset()
        return self._check_secrets_follow_host() and paths_ok and preset_ok and valid

    def _check_preset(self) -> bool:
        """What the chosen CRM needs of the settings (its preset's check)."""
        if not hasattr(self, "cleaned_data") or "webhook_url" not in self.fields:
            return True
        preset = registered_preset(self.instance.preset)
        if preset is None or preset.check is None:
            return True
        problems = preset.check(self.instance)
        for name, message in problems.items():
            if name not in self.errors:
                self.add_error(name if name in self.fields else None, message)
        return not problems

    def _check_secrets_follow_host(self) -> bool:
        """A stored secret goes only to the host, and with the kind of
        authentication, it was saved for.

        Someone who never saw a stored token could otherwise point the URL
        at a host of their own and press Test connection, or save. Left
        blank, a secret the new settings would use must be typed again;
        stored secrets they would not use are dropped on a new host.
        """
        saved = self.saved
        cleaned = getattr(self, "cleaned_data", None)
        if saved is None or cleaned is None or "webhook_url" not in self.fields:
            return True
        if "webhook_url" in self.errors or "oauth_token_url" in self.errors:
            return True  # the URL itself is the problem to fix first
        new_host = url_host(cleaned.get("webhook_url") or "")
        moved = new_host != saved.host
        auth_type = cleaned.get("auth_type") or saved.auth_type
        in_use = (*Chatbot.AUTH_SECRETS.get(auth_type, ()), "signing_secret")
        moved_message = _(
            "The webhook URL now names another host (%(host)s): enter this "
            "again, or clear it. A stored secret is only sent to the host it "
            "was saved for."
        ) % {"host": new_host or "?"}
        # OAuth2's secrets go to the token URL, and the access tokens they
        # bring to the webhook URL: a new host for either needs them again.
        token_host = saved.token_host
        if "oauth_token_url" in self.fields:
            token_host = url_host(cleaned.get("oauth_token_url") or "")
        token_moved = auth_type == AuthType.OAUTH2 and token_host != saved.token_host
        token_message = _(
            "The token URL now names another host (%(host)s): enter this "
            "again. A stored secret is only sent to the host it was saved for."
        ) % {"host": token_host or "?"}
        oauth_secrets = Chatbot.AUTH_SECRETS[AuthType.OAUTH2]
        ok = True
        for name in Chatbot.SECRET_FIELDS:
            if (
                name not in self.fields
                or name not in saved.secrets
                or not self.kept_secret(name)
            ):
                continue
            if moved and name not in in_use:
                # Nowhere to send it now: not kept either.
                cleaned[name] = ""
                setattr(self.instance, name, "")
            elif moved:
                self.add_error(name, moved_message)
                ok = False
            elif token_moved and name in oauth_secrets:
                self.add_error(name, token_message)
                ok = False
            elif name in in_use and auth_type != saved.auth_type:
                self.add_error(
                    name,
                    _(
                        "This was stored for another authentication type: "
                        "enter it again to use it with this one."
                    ),
                )
                ok = False
        headers = self.formsets.get("custom_headers")
        if moved and headers is not None:
            answered = set()
            for row in headers.forms:
                if row.instance.pk in saved.secret_headers and (
                    row_deleted(row) or not row.kept_secret("value")
                ):
                    answered.add(row.instance.pk)
                elif (
                    row.instance.pk
                    and row.kept_secret("value")
                    and "value" not in row.errors
                ):
                    row.add_error("value", moved_message)
                    ok = False
            if saved.secret_headers - answered and ok:
                # A row left out of the post stays in the chatbot with its
                # stored value: it must be typed again or deleted too.
                self.add_error(None, moved_message)
                ok = False
        return ok

    def _check_crm_field_paths(self) -> bool:
        """Mark rows whose CRM field paths collide (``a`` and ``a.b``)."""
        cleaned = getattr(self, "cleaned_data", {})
        nested = cleaned.get("body_format", BodyFormat.JSON) == BodyFormat.JSON
        rows = []
        for name in self.PATH_FORMSETS:
            formset = self.formsets.get(name)
            if formset is None:
                continue
            for form in formset.forms:
                if row_deleted(form):
                    continue
                path = getattr(form, "cleaned_data", {}).get("crm_field")
                if path:
                    rows.append((form, path))
        mappings = self.formsets.get("field_mappings")
        if mappings is not None and not any(
            form is not None and form in mappings.forms for form, _path in rows
        ):
            # With no mapping rows every field is sent under its own name;
            # static values must not collide with those either.
            rows = [(None, row.crm_field) for row in DEFAULT_MAPPINGS] + rows
        conflicts = find_conflicts([path for _form, path in rows], nested=nested)
        for index, message in conflicts.items():
            form = rows[index][0]
            if form is not None and "crm_field" not in form.errors:
                form.add_error("crm_field", message)
        return not conflicts
