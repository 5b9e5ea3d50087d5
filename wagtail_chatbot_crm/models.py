"""Chatbots, their CRM settings, the leads they capture and delivery attempts."""

import base64
import binascii
import functools
import json
import re
import uuid

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import connections, models
from django.db.models.signals import post_delete, post_save
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, InlinePanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.models import Orderable, PreviewableMixin

from .attribution import URL_MAX_LENGTH, UTM_MAX_LENGTH
from .contact import BY_NAME as CONTACT_BY_NAME
from .contact import CONTACT_FIELD_NAMES
from .fields import EncryptedTextField, WebhookURLField
from .mapping import PathError, parse_path
from .settings_panels import PlacementStatusPanel
from .validators import (
    header_looks_secret,
    split_emails,
    validate_email_list,
    validate_header_name,
    validate_header_value,
    validate_no_placeholder,
    validate_secret,
    validate_webhook_url,
)

# The scheme word before an OAuth2 access token ("Bearer", "Zoho-oauthtoken").
HEADER_PREFIX_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


class FieldRequirement(models.TextChoices):
    OFF = "off", _("Not asked")
    OPTIONAL = "optional", _("Optional")
    REQUIRED = "required", _("Required")


class AuthType(models.TextChoices):
    NONE = "none", _("None")
    BEARER = "bearer", _("Bearer token")
    API_KEY = "api_key", _("API key in a header")
    BASIC = "basic", _("Basic auth (user name and password)")
    OAUTH2 = "oauth2", _("OAuth2 refresh token")


class BodyFormat(models.TextChoices):
    JSON = "json", _("JSON")
    FORM = "form", _("Form-encoded (Salesforce Web-to-Lead)")


class WidgetStyle(models.TextChoices):
    CONVERSATION = "conversation", _("Conversation: one question at a time")
    FORM = "form", _("Form: every field at once")


class SendCondition(models.TextChoices):
    ALL = "all", _("Send every lead")
    CONSENT = "consent", _("Send only leads that ticked the consent box")
    REVIEW = "review", _("Hold every lead for review")


class Preset(models.TextChoices):
    GENERIC = "generic", _("Generic webhook / REST API")
    SALESFORCE = "salesforce", _("Salesforce Web-to-Lead")
    HUBSPOT = "hubspot", _("HubSpot")
    PIPEDRIVE = "pipedrive", _("Pipedrive")
    ZOHO = "zoho", _("Zoho CRM")
    ACTIVECAMPAIGN = "activecampaign", _("ActiveCampaign")
    FRESHSALES = "freshsales", _("Freshsales")
    ZAPIER = "zapier", _("Zapier / Make / n8n catch hook")


def preset_choices() -> list[tuple[str, str]]:
    """The registered presets (``presets``), a site's own included."""
    from .presets import all_presets

    return [(preset.key, preset.label) for preset in all_presets()]


def requirement_field(name: str) -> models.CharField:
    """The chatbot setting that asks for a contact field, or not."""
    field = CONTACT_BY_NAME[name]
    return models.CharField(
        field.setting_label,
        max_length=8,
        choices=FieldRequirement.choices,
        default=field.default,
    )


# Seconds before the proactive greeting shows when the editor left it empty
# (the field's help text says so).
PROACTIVE_DELAY = 10


class ChatbotManager(models.Manager):
    def live(self, slug: str) -> "Chatbot | None":
        """The enabled chatbot with this slug, without its secrets: visitors'
        requests never need them (reading one loads it on its own).

        Every visitor's lead and every page with the widget ask this, so the
        query is written once per database instead of being compiled each
        time: compiling a select of this many columns cost more than the
        rest of a lead's request (``make bench-submit``).
        """
        return next(iter(self.raw(_live_sql(self.db), [slug, True])), None)


@functools.cache
def _live_sql(alias: str) -> str:
    quote = connections[alias].ops.quote_name
    meta = Chatbot._meta
    columns = ", ".join(
        quote(field.column)
        for field in meta.concrete_fields
        if field.name not in Chatbot.SECRET_FIELDS
    )
    # Only the model's own names, quoted, go into the text; values are
    # parameters.
    return (
        f"SELECT {columns} FROM {quote(meta.db_table)} "  # noqa: S608
        f"WHERE {quote(meta.get_field('slug').column)} = %s "
        f"AND {quote(meta.get_field('enabled').column)} = %s"
    )


class Chatbot(PreviewableMixin, ClusterableModel):
    """A chatbot that captures leads and sends them to a CRM."""

    SECRET_FIELDS = (
        "bearer_token",
        "api_key",
        "basic_password",
        "oauth_client_secret",
        "oauth_refresh_token",
        "signing_secret",
    )
    # The secrets each kind of authentication sends.
    AUTH_SECRETS = {
        AuthType.BEARER: ("bearer_token",),
        AuthType.API_KEY: ("api_key",),
        AuthType.BASIC: ("basic_password",),
        AuthType.OAUTH2: ("oauth_client_secret", "oauth_refresh_token"),
    }

    objects = ChatbotManager()

    name = models.CharField(_("name"), max_length=255)
    slug = models.SlugField(
        _("slug"),
        max_length=100,
        unique=True,
        help_text=_(
            'Identifies the chatbot in templates ({% chatbot_widget "slug" %}) '
            "and in its address /chatbot/<slug>/leads/."
        ),
    )
    enabled = models.BooleanField(
        _("enabled"),
        default=True,
        help_text=_("When off, the chatbot is not shown and accepts no leads."),
    )
    widget_style = models.CharField(
        _("style"),
        max_length=12,
        choices=WidgetStyle.choices,
        default=WidgetStyle.CONVERSATION,
        help_text=_(
            "A conversation asks one question at a time in chat bubbles; a form "
            "shows every field at once. Without JavaScript visitors get the form."
        ),
    )
    greeting = models.TextField(
        _("greeting"),
        default=_("Hi! Leave your details and we will get back to you."),
        help_text=_("The first message visitors see when they open the chat."),
    )
    proactive_greeting = models.BooleanField(
        _("greet visitors first"),
        default=False,
        help_text=_(
            "Show the greeting beside the chat button after a few seconds, once "
            "per visit, so visitors notice the chat; they can dismiss it."
        ),
    )
    proactive_delay = models.PositiveSmallIntegerField(
        _("greet after (seconds)"),
        null=True,
        blank=True,
        default=PROACTIVE_DELAY,
        validators=[MinValueValidator(1), MaxValueValidator(600)],
        help_text=_("Leave empty for 10 seconds."),
    )
    ask_name = requirement_field("name")
    ask_email = requirement_field("email")
    ask_phone = requirement_field("phone")
    ask_company = requirement_field("company")
    ask_message = requirement_field("message")
    consent_text = models.TextField(
        _("consent text"),
        blank=True,
        help_text=_(
            "Shown beside a checkbox, e.g. “I agree to be contacted about my "
            "enquiry.” Leave blank for no checkbox. Whether it was ticked, and "
            "when, is stored with the lead."
        ),
    )
    thank_you_text = models.TextField(
        _("thank-you text"),
        default=_("Thank you! We will be in touch soon."),
        help_text=_("Shown after a visitor has sent their details."),
    )

    crm_enabled = models.BooleanField(
        _("enable CRM sync"),
        default=False,
        help_text=_(
            "Send each new lead to the webhook below. Leads that arrive while "
            "this is off are kept as “Not sent” and can be sent later by hand."
        ),
    )
    preset = models.CharField(
        _("CRM"),
        max_length=20,
        choices=preset_choices,
        default=Preset.GENERIC,
        help_text=_("Which CRM receives the leads."),
    )
    webhook_url = WebhookURLField(
        _("webhook URL"),
        max_length=2000,
        blank=True,
        validators=[validate_webhook_url],
        help_text=_(
            "The address leads are posted to, from your CRM's settings or its "
            "API documentation. Must start with https://."
        ),
    )
    body_format = models.CharField(
        _("body format"),
        max_length=8,
        choices=BodyFormat.choices,
        default=BodyFormat.JSON,
        help_text=_("How the lead is encoded. Most CRMs take JSON."),
    )
    send_condition = models.CharField(
        _("which leads to send"),
        max_length=8,
        choices=SendCondition.choices,
        default=SendCondition.ALL,
        help_text=_(
            "Leads that do not meet the condition are kept as “Not sent” with "
            "the reason. Held for review, every lead waits until an editor "
            "sends it or deletes it as spam."
        ),
    )
    auth_type = models.CharField(
        _("authentication"),
        max_length=10,
        choices=AuthType.choices,
        default=AuthType.NONE,
        help_text=_("How your CRM checks that a request comes from you."),
    )
    bearer_token = EncryptedTextField(
        _("bearer token"),
        help_text=_("Sent as “Authorization: Bearer <token>”. Stored encrypted."),
    )
    api_key_header = models.CharField(
        _("API key header"),
        max_length=100,
        default="X-API-Key",
        blank=True,
        help_text=_("Name of the header that carries the API key."),
    )
    api_key = EncryptedTextField(_("API key"), help_text=_("Stored encrypted."))
    basic_username = models.CharField(_("user name"), max_length=255, blank=True)
    basic_password = EncryptedTextField(_("password"), help_text=_("Stored encrypted."))
    oauth_token_url = WebhookURLField(
        _("token URL"),
        max_length=2000,
        blank=True,
        validators=[validate_webhook_url],
        help_text=_(
            "Where the app trades the refresh token for an access token, "
            "such as https://accounts.zoho.com/oauth/v2/token."
        ),
    )
    oauth_client_id = models.CharField(_("client ID"), max_length=255, blank=True)
    oauth_client_secret = EncryptedTextField(
        _("client secret"), help_text=_("Stored encrypted.")
    )
    oauth_refresh_token = EncryptedTextField(
        _("refresh token"),
        help_text=_(
            "Given once when the app is connected to the CRM. The app keeps "
            "the access tokens it trades it for. Stored encrypted."
        ),
    )
    oauth_header_prefix = models.CharField(
        _("header prefix"),
        max_length=50,
        default="Bearer",
        blank=True,
        help_text=_(
            "Sent before the access token in the Authorization header: "
            "“Bearer” for most CRMs, “Zoho-oauthtoken” for Zoho."
        ),
    )
    signing_secret = EncryptedTextField(
        _("signing secret"),
        help_text=_(
            "Optional. A secret starting with “whsec_”: each request is then "
            "signed (Standard Webhooks headers) so your receiver can check it "
            "came from this site. Stored encrypted."
        ),
    )
    rate_limit_per_minute = models.PositiveIntegerField(
        _("rate limit per minute"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(10000)],
        help_text=_(
            "Optional. Most requests per minute your CRM accepts. Leads beyond "
            "it wait their turn; none fail because of it."
        ),
    )

    new_lead_email = models.BooleanField(
        _("email each new lead"),
        default=False,
        help_text=_(
            "Also send the notification addresses an email with each new lead's "
            "details as it comes in."
        ),
    )
    # When the last failure email went (``notifications``): at most one a
    # window.
    failure_email_sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    notification_emails = models.TextField(
        _("notification emails"),
        blank=True,
        validators=[validate_email_list],
        help_text=_(
            "Who is told by email when a lead could not be delivered, one "
            "address per line or separated by commas. Blank: the site's admins."
        ),
    )

    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("chatbot")
        verbose_name_plural = _("chatbots")
        ordering = ["name"]
        permissions = [
            ("change_crm_settings", _("Can change CRM settings")),
            ("test_connection", _("Can test the CRM connection")),
        ]

    def __str__(self):
        return self.name

    def masked_fields(self) -> tuple[str, ...]:
        """Fields an admin form must never render back."""
        return self.SECRET_FIELDS

    # Live preview in the editor (Wagtail's snippet preview): the widget as
    # visitors will see it, with the texts and fields not saved yet.
    def get_preview_template(self, request, mode_name):
        return "wagtail_chatbot_crm/preview.html"

    @property
    def preview_modes(self):
        # Both styles, so an editor can compare them before choosing.
        return [
            (WidgetStyle.CONVERSATION, _("Conversation")),
            (WidgetStyle.FORM, _("Form")),
        ]

    @property
    def default_preview_mode(self):
        return self.widget_style

    def get_preview_context(self, request, mode_name):
        from .widget import widget_context

        style = mode_name if mode_name in WidgetStyle.values else self.widget_style
        return {
            **super().get_preview_context(request, mode_name),
            **widget_context(
                self, inline=True, preview=True, standalone=False, style=style
            ),
        }

    def asks(self, field_name: str) -> bool:
        """Whether the chatbot's form shows a contact field."""
        return getattr(self, f"ask_{field_name}") != FieldRequirement.OFF

    def requires(self, field_name: str) -> bool:
        """Whether a contact field must be filled in."""
        return getattr(self, f"ask_{field_name}") == FieldRequirement.REQUIRED

    @property
    def asks_consent(self) -> bool:
        return bool(self.consent_text.strip())

    def clean(self):
        super().clean()
        errors: dict[str, list[str]] = {}

        def need(field, message):
            errors.setdefault(field, []).append(message)

        for name in (*self.SECRET_FIELDS, "basic_username", "oauth_client_id"):
            try:
                validate_secret(
                    getattr(self, name), self._meta.get_field(name).verbose_name
                )
            except ValidationError as exc:
                errors[name] = exc.messages

        if self.send_condition == SendCondition.CONSENT and not self.asks_consent:
            need(
                "send_condition",
                _(
                    "Write a consent text on the Chatbot tab first: without it "
                    "there is no consent box, and no lead would ever be sent."
                ),
            )
        if self.crm_enabled and not self.webhook_url:
            need(
                "webhook_url",
                _("Enter the address to send leads to, or turn CRM sync off."),
            )
        if self.auth_type == AuthType.BEARER and not self.bearer_token:
            need(
                "bearer_token",
                _("Enter the token, or choose another kind of authentication."),
            )
        elif self.auth_type == AuthType.API_KEY:
            if not self.api_key:
                need(
                    "api_key",
                    _("Enter the API key, or choose another kind of authentication."),
                )
            if not self.api_key_header:
                need("api_key_header", _("Enter the header name, such as X-API-Key."))
            else:
                try:
                    validate_header_name(self.api_key_header)
                except ValidationError as exc:
                    errors.setdefault("api_key_header", []).extend(exc.messages)
        elif self.auth_type == AuthType.BASIC:
            if not self.basic_username:
                need("basic_username", _("Enter the user name for Basic auth."))
            if not self.basic_password:
                need("basic_password", _("Enter the password for Basic auth."))
        elif self.auth_type == AuthType.OAUTH2:
            if not self.oauth_token_url:
                need(
                    "oauth_token_url",
                    _("Enter the CRM's token URL, where access tokens come from."),
                )
            if not self.oauth_client_id:
                need("oauth_client_id", _("Enter the client ID of the CRM app."))
            if not self.oauth_refresh_token:
                need(
                    "oauth_refresh_token",
                    _("Enter the refresh token the CRM gave when you connected."),
                )
            if self.oauth_header_prefix and not HEADER_PREFIX_RE.fullmatch(
                self.oauth_header_prefix
            ):
                need(
                    "oauth_header_prefix",
                    _(
                        "A header prefix is one word of letters, digits and "
                        "dashes, such as Bearer or Zoho-oauthtoken."
                    ),
                )
        if (
            self.signing_secret
            and "signing_secret" not in errors
            and not _is_standard_webhooks_secret(self.signing_secret)
        ):
            need(
                "signing_secret",
                _(
                    "A signing secret starts with “whsec_” followed by base64 "
                    "text of at least 24 bytes, as your receiver shows it."
                ),
            )
        if not any(self.asks(name) for name in CONTACT_FIELD_NAMES):
            need("ask_email", _("Ask for at least one contact field."))
        if errors:
            raise ValidationError(errors)

    def notification_recipients(self) -> list[str]:
        """The addresses told about failed deliveries (blank: the admins)."""
        return split_emails(self.notification_emails) or [
            admin_address(admin) for admin in getattr(settings, "ADMINS", [])
        ]


def admin_address(admin) -> str:
    """An ``ADMINS`` entry's address: Django 6 lists addresses, Django 5.2
    ``(name, address)`` pairs."""
    return admin if isinstance(admin, str) else admin[1]


def _is_standard_webhooks_secret(secret: str) -> bool:
    if not secret.startswith("whsec_"):
        return False
    try:
        key = base64.b64decode(secret.removeprefix("whsec_"), validate=True)
    except (binascii.Error, ValueError):
        return False
    return 24 <= len(key) <= 64


class OAuthToken(models.Model):
    """A chatbot's current OAuth2 access token, shared by every worker.

    One row per chatbot. ``credentials`` fingerprints the token URL, client
    and refresh token the token was got with, so a token (or a refusal) is
    never used once the editor has changed them. ``refreshing_until`` is a
    lease: the one worker that sets it asks the token endpoint while the
    others wait for its answer (see ``oauth``).
    """

    chatbot = models.OneToOneField(
        Chatbot, on_delete=models.CASCADE, related_name="oauth_token"
    )
    credentials = models.CharField(max_length=64, blank=True)
    access_token = EncryptedTextField()
    expires_at = models.DateTimeField(null=True, blank=True)
    renewed_at = models.DateTimeField(null=True, blank=True)
    refreshing_until = models.DateTimeField(null=True, blank=True)
    # When the token endpoint last refused the refresh token, and what it
    # said, in plain words; cleared by the next token it gives.
    refused_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("OAuth2 access token")

    def __str__(self):
        return f"OAuth2 token of {self.chatbot_id}"


class MappingSource(models.TextChoices):
    NAME = "name", _("Name")
    FIRST_NAME = "first_name", _("First name (split from name)")
    LAST_NAME = "last_name", _("Last name (split from name)")
    EMAIL = "email", _("Email")
    PHONE = "phone", _("Phone")
    COMPANY = "company", _("Company")
    MESSAGE = "message", _("Message")
    PAGE_URL = "page_url", _("Page URL")
    CHATBOT_NAME = "chatbot_name", _("Chatbot name")
    SUBMITTED_AT = "submitted_at", _("Submitted at (date and time)")
    LEAD_ID = "lead_id", _("Lead id")
    CONSENT = "consent", _("Consent given (true/false)")
    REFERRER = "referrer", _("Referrer (the page before the visit)")
    LANDING_PAGE = "landing_page", _("Landing page (first page of the visit)")
    UTM_SOURCE = "utm_source", _("UTM source")
    UTM_MEDIUM = "utm_medium", _("UTM medium")
    UTM_CAMPAIGN = "utm_campaign", _("UTM campaign")
    UTM_TERM = "utm_term", _("UTM term")
    UTM_CONTENT = "utm_content", _("UTM content")
    EXTRA = "extra", _("Other answer (from a form page)")


class Transform(models.TextChoices):
    NONE = "", _("None")
    LOWERCASE = "lowercase", _("lowercase")
    UPPERCASE = "uppercase", _("UPPERCASE")
    TRIM = "trim", _("Trim spaces")
    DATE = "date", _("Date format")


class FieldMapping(Orderable):
    """One chatbot field sent to one CRM field."""

    chatbot = ParentalKey(
        Chatbot, on_delete=models.CASCADE, related_name="field_mappings"
    )
    source = models.CharField(
        _("chatbot field"), max_length=20, choices=MappingSource.choices
    )
    crm_field = models.CharField(
        _("CRM field"),
        max_length=255,
        help_text=_(
            "The CRM's name for the field. In JSON, dots nest: "
            "“properties.email” or “data.0.Last_Name”."
        ),
    )
    transform = models.CharField(
        _("transform"),
        max_length=10,
        choices=Transform.choices,
        default=Transform.NONE,
        blank=True,
    )
    date_format = models.CharField(
        _("date format"),
        max_length=50,
        blank=True,
        help_text=_(
            "For “Date format”: strftime codes such as %Y-%m-%d. Blank gives ISO 8601."
        ),
    )
    extra_key = models.CharField(
        _("answer"),
        max_length=255,
        blank=True,
        help_text=_(
            "For “Other answer”: the label of the form page's field, such as Budget."
        ),
    )

    class Meta(Orderable.Meta):
        verbose_name = _("field mapping")
        verbose_name_plural = _("field mappings")

    def __str__(self):
        return f"{self.source} → {self.crm_field}"

    def clean(self):
        super().clean()
        if (
            self.transform == Transform.DATE
            and self.source != MappingSource.SUBMITTED_AT
        ):
            raise ValidationError({"transform": _("Only “Submitted at” is a date.")})
        if self.source == MappingSource.EXTRA and not self.extra_key:
            raise ValidationError(
                {"extra_key": _("Enter the label of the form field to send.")}
            )
        if self.extra_key and self.source != MappingSource.EXTRA:
            raise ValidationError(
                {"extra_key": _("Choose “Other answer” to send a form field.")}
            )
        if self.date_format and self.transform != Transform.DATE:
            raise ValidationError(
                {"date_format": _("Choose the “Date format” transform to use this.")}
            )
        _validate_crm_field(self.crm_field)


class StaticValue(Orderable):
    """A fixed value sent with every lead, such as lead_source = Chatbot."""

    chatbot = ParentalKey(
        Chatbot, on_delete=models.CASCADE, related_name="static_values"
    )
    crm_field = models.CharField(_("CRM field"), max_length=255)
    value = models.TextField(_("value"), blank=True)
    is_json = models.BooleanField(
        _("JSON value"),
        default=False,
        help_text=_('Send true, 42 or ["Email"] as JSON instead of as text.'),
    )

    class Meta(Orderable.Meta):
        verbose_name = _("static value")
        verbose_name_plural = _("static values")

    def __str__(self):
        return f"{self.crm_field} = {self.value}"

    def clean(self):
        super().clean()
        _validate_crm_field(self.crm_field)
        try:
            validate_no_placeholder(self.value)
        except ValidationError as exc:
            raise ValidationError({"value": exc.messages}) from exc
        if self.is_json:
            try:
                json.loads(self.value)
            except ValueError as exc:
                raise ValidationError(
                    {"value": _("This is not valid JSON: %(error)s") % {"error": exc}}
                ) from exc


class CustomHeader(Orderable):
    """An extra HTTP header sent with every delivery."""

    chatbot = ParentalKey(
        Chatbot, on_delete=models.CASCADE, related_name="custom_headers"
    )
    name = models.CharField(
        _("header name"), max_length=100, validators=[validate_header_name]
    )
    # Always encrypted at rest; ``is_secret`` decides whether the admin masks
    # it. Checked in ``clean``, which knows whether it is secret.
    value = EncryptedTextField(_("value"))
    is_secret = models.BooleanField(
        _("secret"),
        default=False,
        help_text=_(
            "Mask the value in the admin. Headers named like credentials "
            "(Authorization, *Token*, *Key*…) are always secret."
        ),
    )

    class Meta(Orderable.Meta):
        verbose_name = _("custom header")
        verbose_name_plural = _("custom headers")

    def __str__(self):
        return self.name

    def masked_fields(self) -> tuple[str, ...]:
        return ("value",) if self.is_secret and self.value else ()

    def clean(self):
        super().clean()
        if header_looks_secret(self.name):
            self.is_secret = True
        try:
            if self.is_secret:
                validate_secret(
                    self.value,
                    _("value of the %(name)s header") % {"name": self.name},
                )
            else:
                validate_header_value(self.value)
        except ValidationError as exc:
            raise ValidationError({"value": exc.messages}) from exc


def touch_chatbot(sender, instance, raw=False, **kwargs) -> None:
    """Mark a chatbot changed when one of its rows is saved or deleted:
    processes that keep it loaded (``delivery``) see ``updated_at`` move and
    load it again."""
    if not raw:
        Chatbot.objects.filter(pk=instance.chatbot_id).update(updated_at=timezone.now())


for _row in (FieldMapping, StaticValue, CustomHeader):
    post_save.connect(touch_chatbot, sender=_row, dispatch_uid=f"touch_{_row.__name__}")
    post_delete.connect(
        touch_chatbot, sender=_row, dispatch_uid=f"touch_{_row.__name__}_deleted"
    )


class SyncStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    RETRYING = "retrying", _("Retrying")
    SYNCED = "synced", _("Synced")
    FAILED = "failed", _("Failed")
    SKIPPED = "skipped", _("Not sent")


def answer_text(value) -> str:
    """An extra answer (JSON) as text: lists joined, yes or no for a tick."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(_("Yes") if value else _("No"))
    if isinstance(value, list | tuple):
        return ", ".join(answer_text(item) for item in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


class Lead(models.Model):
    """A visitor's contact details and where they are on the way to the CRM."""

    # Deleting a chatbot deletes its leads, after a confirmation that says
    # how many (the chatbot's delete view).
    chatbot = models.ForeignKey(
        Chatbot,
        on_delete=models.CASCADE,
        related_name="leads",
        verbose_name=_("chatbot"),
    )
    uuid = models.UUIDField(_("UUID"), default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(
        _("name"), max_length=CONTACT_BY_NAME["name"].max_length, blank=True
    )
    email = models.EmailField(
        _("email"), max_length=CONTACT_BY_NAME["email"].max_length, blank=True
    )
    phone = models.CharField(
        _("phone"), max_length=CONTACT_BY_NAME["phone"].max_length, blank=True
    )
    company = models.CharField(
        _("company"), max_length=CONTACT_BY_NAME["company"].max_length, blank=True
    )
    message = models.TextField(_("message"), blank=True)
    consent = models.BooleanField(_("consent given"), default=False)
    consent_at = models.DateTimeField(_("consent given at"), null=True, blank=True)
    page_url = models.URLField(_("page URL"), max_length=2000, blank=True)
    # Where the visit came from, first seen in it (``attribution``).
    landing_page = models.URLField(
        _("landing page"), max_length=URL_MAX_LENGTH, blank=True
    )
    referrer = models.URLField(_("referrer"), max_length=URL_MAX_LENGTH, blank=True)
    utm_source = models.CharField(
        _("UTM source"), max_length=UTM_MAX_LENGTH, blank=True
    )
    utm_medium = models.CharField(
        _("UTM medium"), max_length=UTM_MAX_LENGTH, blank=True
    )
    utm_campaign = models.CharField(
        _("UTM campaign"), max_length=UTM_MAX_LENGTH, blank=True
    )
    utm_term = models.CharField(_("UTM term"), max_length=UTM_MAX_LENGTH, blank=True)
    utm_content = models.CharField(
        _("UTM content"), max_length=UTM_MAX_LENGTH, blank=True
    )
    client_ip_hash = models.CharField(
        _("client IP hash"), max_length=64, blank=True, editable=False
    )
    extra_data = models.JSONField(
        _("extra data"),
        default=dict,
        blank=True,
        help_text=_("Other answers, such as a form page's extra fields."),
    )
    created_at = models.DateTimeField(
        _("created"), default=timezone.now, editable=False
    )

    sync_status = models.CharField(
        _("sync status"),
        max_length=10,
        choices=SyncStatus.choices,
        default=SyncStatus.PENDING,
    )
    tries = models.PositiveIntegerField(_("tries"), default=0)
    next_attempt_at = models.DateTimeField(_("next try"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    # When a failure email told of it; None while untold (or not failed).
    failure_notified_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Waiting for an editor to send it or delete it (the chatbot holds every
    # lead for review); cleared when it is sent.
    held_for_review = models.BooleanField(
        _("awaiting review"), default=False, editable=False
    )
    # The editor setting that would fix the last error (``outcome.FIXES``).
    last_error_fix = models.CharField(
        _("last error's fix"), max_length=20, blank=True, editable=False
    )
    synced_at = models.DateTimeField(_("synced at"), null=True, blank=True)
    # A worker delivering the lead holds it until ``claimed_until``; a worker
    # that dies lets the claim lapse, and the lead is picked up again.
    claimed_until = models.DateTimeField(null=True, blank=True, editable=False)
    claim_token = models.UUIDField(null=True, blank=True, editable=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("lead")
        verbose_name_plural = _("leads")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["-created_at"], name="wcc_lead_created"),
            models.Index(fields=["sync_status", "-created_at"], name="wcc_lead_status"),
            models.Index(fields=["chatbot", "-created_at"], name="wcc_lead_chatbot"),
            models.Index(
                fields=["sync_status", "next_attempt_at"], name="wcc_lead_due"
            ),
        ]
        permissions = [
            ("export_lead", _("Can export leads")),
            ("retry_lead", _("Can retry lead deliveries")),
        ]

    def __str__(self):
        return f"{self.who} ({self.chatbot})" if self.chatbot_id else self.who

    @property
    def who(self) -> str:
        """The lead's person, as far as they said: name, email, phone or id."""
        return self.name or self.email or self.phone or str(self.uuid)

    def answers(self) -> list[tuple[str, str]]:
        """What the visitor sent, labelled: the contact fields, a form page's
        other answers and the page."""
        return [
            (_("Name"), self.name),
            (_("Email"), self.email),
            (_("Phone"), self.phone),
            (_("Company"), self.company),
            (_("Message"), self.message),
            *self.extra_answers(),
            (_("Page"), self.page_url),
        ]

    def extra_answers(self) -> list[tuple[str, str]]:
        """The lead's other answers (a form page's fields that are not
        contact fields), each as its label and text."""
        extra = self.extra_data if isinstance(self.extra_data, dict) else {}
        return [(str(label), answer_text(value)) for label, value in extra.items()]


class AttemptTrigger(models.TextChoices):
    AUTOMATIC = "automatic", _("Automatic")
    MANUAL = "manual", _("Retry by an editor")


class DeliveryAttempt(models.Model):
    """One HTTP request to the CRM and what came of it. Never holds a secret."""

    lead = models.ForeignKey(
        Lead,
        on_delete=models.CASCADE,
        related_name="attempts",
        verbose_name=_("lead"),
    )
    chatbot = models.ForeignKey(
        Chatbot,
        on_delete=models.CASCADE,
        related_name="delivery_attempts",
        verbose_name=_("chatbot"),
    )
    attempt_number = models.PositiveIntegerField(_("try"), default=1)
    trigger = models.CharField(
        _("trigger"),
        max_length=10,
        choices=AttemptTrigger.choices,
        default=AttemptTrigger.AUTOMATIC,
    )
    started_at = models.DateTimeField(_("started"), default=timezone.now)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), default=0)
    status_code = models.PositiveSmallIntegerField(
        _("HTTP status"), null=True, blank=True
    )
    success = models.BooleanField(_("success"), default=False)
    error = models.TextField(_("error"), blank=True)
    error_detail = models.TextField(_("technical detail"), blank=True)
    response_excerpt = models.TextField(_("response excerpt"), blank=True)
    # What was sent, secrets redacted (``attempt.sent_body``).
    request_body = models.TextField(_("request body"), blank=True)
    # The editor setting that would fix a failure (``outcome.FIXES``).
    fix = models.CharField(_("fix"), max_length=20, blank=True)
    crm_record_id = models.CharField(
        _("record in the CRM"),
        max_length=100,
        blank=True,
        help_text=_("The id the CRM gave the record, where its answer says."),
    )
    crm_action = models.CharField(
        _("created or updated"),
        max_length=10,
        blank=True,
        choices=[("created", _("Created")), ("updated", _("Updated"))],
    )

    class Meta:
        verbose_name = _("delivery attempt")
        verbose_name_plural = _("delivery attempts")
        ordering = ["-started_at", "-pk"]
        indexes = [
            models.Index(fields=["lead", "-started_at"], name="wcc_attempt_lead"),
            models.Index(fields=["chatbot", "started_at"], name="wcc_attempt_chatbot"),
            models.Index(fields=["started_at"], name="wcc_attempt_started"),
        ]

    def __str__(self):
        return (
            f"{self.get_trigger_display()} #{self.attempt_number}: {self.status_code}"
        )

    @property
    def readable_request_body(self) -> str:
        """The body sent, laid out for reading (JSON indented)."""
        from .attempt import readable_body

        return readable_body(self.request_body)


def _validate_crm_field(path: str) -> None:
    try:
        parse_path(path)
    except PathError as exc:
        raise ValidationError({"crm_field": str(exc)}) from exc


class Placement(models.TextChoices):
    EVERYWHERE = "everywhere", _("On every page")
    SECTION = "section", _("In one section: a page and the pages under it")
    NOWHERE = "nowhere", _("Nowhere")


@register_setting(icon="comment")
class ChatbotSettings(ClusterableModel, BaseSiteSetting):
    """Per site: which chatbot ``{% chatbot_widget %}`` (or the middleware)
    shows, and on which pages: the editor's decision, not the templates'."""

    default_chatbot = models.ForeignKey(
        Chatbot,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("chatbot"),
        help_text=_("The chatbot visitors see. Leave empty for none."),
    )
    placement = models.CharField(
        _("where it shows"),
        max_length=16,
        choices=Placement.choices,
        default=Placement.EVERYWHERE,
    )
    section = models.ForeignKey(
        "wagtailcore.Page",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("section"),
        help_text=_("With “In one section”: this page and every page under it."),
    )
    tag_seen_at = models.DateTimeField(
        _("template tag last seen"), null=True, blank=True, editable=False
    )

    select_related = ["default_chatbot", "section"]

    panels = [
        PlacementStatusPanel(heading=_("Where visitors see the chatbot")),
        FieldPanel("default_chatbot"),
        FieldPanel("placement", widget=forms.RadioSelect),
        FieldPanel("section"),
        InlinePanel(
            "hidden_pages",
            heading=_("Pages without the chatbot"),
            label=_("Page"),
            panels=[FieldPanel("page")],
        ),
    ]

    class Meta:
        verbose_name = _("chatbot")
        verbose_name_plural = _("chatbot settings")

    def __str__(self):
        return str(self.default_chatbot or _("No chatbot"))

    def clean(self):
        super().clean()
        if self.placement == Placement.SECTION and self.section is None:
            raise ValidationError(
                {"section": _("Choose the section the chatbot shows in.")}
            )


class HiddenPage(Orderable):
    """A page the chatbot never shows on (the page opts out)."""

    settings = ParentalKey(
        ChatbotSettings, on_delete=models.CASCADE, related_name="hidden_pages"
    )
    page = models.ForeignKey(
        "wagtailcore.Page",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("page"),
    )

    class Meta(Orderable.Meta):
        verbose_name = _("page without the chatbot")
        verbose_name_plural = _("pages without the chatbot")

    def __str__(self):
        return str(self.page)


class WidgetEvent(models.TextChoices):
    OPENED = "opened", _("Opened")
    STARTED = "started", _("Conversation started")


class WidgetDailyCount(models.Model):
    """How often a chatbot's widget was opened, and a conversation started,
    on one day: counted, never traced to a visitor (no cookie, no address)."""

    chatbot = models.ForeignKey(
        Chatbot, on_delete=models.CASCADE, related_name="daily_counts"
    )
    day = models.DateField(_("day"))
    event = models.CharField(_("event"), max_length=16, choices=WidgetEvent.choices)
    count = models.PositiveIntegerField(_("count"), default=0)

    class Meta:
        verbose_name = _("widget count")
        verbose_name_plural = _("widget counts")
        constraints = [
            models.UniqueConstraint(
                fields=["chatbot", "day", "event"], name="wcc_daily_count_unique"
            )
        ]

    def __str__(self):
        return f"{self.chatbot_id} {self.day} {self.event}: {self.count}"
