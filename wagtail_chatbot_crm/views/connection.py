"""“Test connection”: send a test lead built from the chatbot editor's form.

As Wagtail's preview does, the editor's unsaved values go through the real
editor form (validated as on save; a blank secret input keeps the stored
secret where that is allowed) and ``form.save(commit=False)`` gives an unsaved
chatbot with its rows in memory. That chatbot goes to the very function
deliveries use (``attempt.attempt_for``). Nothing is saved: no Lead, no
DeliveryAttempt, no change to the chatbot.
"""

import functools
import logging
import uuid
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime

from django.core.exceptions import NON_FIELD_ERRORS
from django.forms import BaseForm
from django.http import JsonResponse
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.permission_policies import ModelPermissionPolicy

from .. import ratelimit
from ..attempt import attempt_for, endpoint_for, mapping_rows, readable_body, sent_body
from ..contact import CONTACT_FIELDS
from ..crm_fields import CrmFieldsError, cached_crm_fields
from ..errors import PayloadError
from ..forms import SecretField, row_deleted, url_host
from ..models import Chatbot
from ..payload import (
    DEFAULT_MAPPINGS,
    OPTIONAL_SOURCES,
    LeadData,
    MappingRow,
    build_body,
)
from ..permissions import can_test_connection
from ..presets import registered_preset
from ..redaction import redact
from ..validators import header_looks_secret
from ..viewsets import ChatbotViewSet

logger = logging.getLogger(__name__)

# Each test is a real request to a host the editor chooses: a handful a
# minute is plenty for a person, and stops the button being used as a cannon.
RATE_LIMIT = 10
RATE_WINDOW = 60

TEST_NAME = "Test Contact"
TEST_EMAIL = "test-contact@example.com"

ROW_FORMSETS = {
    "custom_headers": gettext_lazy("Custom header"),
    "field_mappings": gettext_lazy("Field mapping"),
    "static_values": gettext_lazy("Static value"),
}

chatbot_permission_policy = ModelPermissionPolicy(Chatbot)


@dataclass(frozen=True)
class TestResult:
    """What the editor is shown: never a secret."""

    success: bool
    message: str
    status_code: int | None = None
    duration_ms: int | None = None
    detail: str = ""
    response_excerpt: str = ""
    # The body sent, laid out for reading, secrets redacted.
    request_body: str = ""
    errors: list[str] = field(default_factory=list)
    # Load fields: each {"path", "name", "label", "required"}, ``path`` being
    # what a mapping row's CRM field takes.
    fields: list[dict] = field(default_factory=list)
    # The body preview: more to say about the body, and the rows that
    # would send the default body (offered when no row is set).
    notes: list[str] = field(default_factory=list)
    default_rows: list[dict] = field(default_factory=list)


# --- From the editor's form to plain data -------------------------------------


@functools.cache
def editor_form_class() -> type[BaseForm]:
    """The chatbot editor's own form class, formsets and all."""
    return ChatbotViewSet.edit_handler.bind_to_model(Chatbot).get_form_class()


def test_lead(chatbot_name: str, now: datetime | None = None) -> LeadData:
    """A recognisable test contact, with the time of the test as its company."""
    now = now or timezone.now()
    return LeadData(
        # A new id each time, so a CRM honouring Idempotency-Key sees each
        # test as new.
        lead_id=str(uuid.uuid4()),
        name=TEST_NAME,
        email=TEST_EMAIL,
        company=_("Connection test %(when)s UTC")
        % {"when": now.astimezone(UTC).strftime("%Y-%m-%d %H:%M")},
        message=_("A test lead sent by “Test connection” in the chatbot editor."),
        chatbot_name=chatbot_name,
        submitted_at=now,
    )


def form_errors(form: BaseForm) -> list[str]:
    """The form's errors, as “Field: what is wrong” lines."""
    errors = list(form.non_field_errors())
    for name, messages in form.errors.items():
        if name == NON_FIELD_ERRORS:
            continue
        label = form.fields[name].label if name in form.fields else name
        errors.extend(f"{label}: {message}" for message in messages)
    url_field = form.fields.get("webhook_url")
    url = (
        form.cleaned_data.get("webhook_url") if url_field else form.instance.webhook_url
    )
    if "webhook_url" not in form.errors and not url:
        errors.append(
            _("%(label)s: Enter the address to send the test lead to.")
            % {"label": url_field.label if url_field else _("Webhook URL")}
        )
    for name, row_label in ROW_FORMSETS.items():
        formset = form.formsets.get(name)
        if formset is None:
            continue
        for message in formset.non_form_errors():
            errors.append(f"{row_label}: {message}")
        for number, row in enumerate(formset.forms, start=1):
            if row_deleted(row):
                continue
            for field_name, messages in row.errors.items():
                where = f"{row_label} {number}"
                if field_name in row.fields:
                    where = f"{where}, {row.fields[field_name].label}"
                errors.extend(f"{where}: {message}" for message in messages)
    return errors


def form_secrets(form: BaseForm) -> list[str]:
    """Every secret typed into or stored behind the form, to keep out of
    anything shown."""
    found = []
    forms = [form]
    for name in ROW_FORMSETS:
        if name in form.formsets:
            forms.extend(form.formsets[name].forms)
    for each in forms:
        secret_header = "is_secret" in each.fields and (
            bool(each.data.get(each.add_prefix("is_secret")))
            or header_looks_secret(each.data.get(each.add_prefix("name")) or "")
        )
        for name, form_field in each.fields.items():
            if isinstance(form_field, SecretField) or (
                name == "value" and secret_header
            ):
                found.append(each.data.get(each.add_prefix(name)) or "")
                found.append(getattr(each.instance, name, "") or "")
    return [secret for secret in found if isinstance(secret, str) and secret]


def unsaved_chatbot(
    form: BaseForm,
) -> tuple[Chatbot | None, list[str], TestResult | None]:
    """Validate the bound editor form as on save; the unsaved chatbot with
    its rows in memory (``form.save(commit=False)``), the secrets to keep out
    of what is shown, and the errors to fix first if it is not valid."""
    # Read before validation, which writes the typed values onto the instance.
    secrets = form_secrets(form)
    form.is_valid()
    errors = form_errors(form)
    if errors:
        return (
            None,
            secrets,
            TestResult(
                False,
                _("Fix these settings first; nothing was sent:"),
                errors=[redact(error, secrets) for error in errors],
            ),
        )
    return form.save(commit=False), secrets, None


def run_test(form: BaseForm) -> TestResult:
    """Validate the bound editor form, then send a test lead with what it
    holds, saving nothing."""
    chatbot, secrets, refusal = unsaved_chatbot(form)
    if chatbot is None:
        return refusal
    result = attempt_for(chatbot, test_lead(chatbot.name), testing=True)
    outcome = result.outcome
    if outcome.success:
        message = _("Connection successful (HTTP %(status)s in %(ms)s ms)") % {
            "status": outcome.status_code,
            "ms": result.duration_ms,
        }
    else:
        message = outcome.message
    secrets += endpoint_for(chatbot).secrets()
    return TestResult(
        success=outcome.success,
        message=redact(message, secrets),
        status_code=outcome.status_code,
        duration_ms=result.duration_ms,
        detail=redact(outcome.detail, secrets),
        response_excerpt=redact(result.response_excerpt, secrets),
        request_body=redact(readable_body(result.request_body), secrets),
    )


# --- The view --------------------------------------------------------------------


def wants_json(request) -> bool:
    """Whether the editor's script asked, rather than a plain form post."""
    if request.headers.get("x-requested-with") == "XMLHttpRequest":
        return True
    return "application/json" in request.headers.get("accept", "")


# Django's error reports would otherwise carry the typed secrets.
@method_decorator([never_cache, sensitive_post_parameters()], name="dispatch")
class TestConnectionView(WagtailAdminTemplateMixin, View):
    """``POST``: test the CRM settings in the chatbot editor, saving nothing.

    Answers JSON to the editor's script and a plain admin page to a browser
    without JavaScript, whose button posts the whole editor form here.
    """

    http_method_names = ["post"]
    template_name = "wagtail_chatbot_crm/test_connection.html"
    result_template = "wagtail_chatbot_crm/includes/test_connection_result.html"
    page_title = gettext_lazy("Test connection")
    header_icon = "link"
    rate_limit_key = "test-connection"
    rate_limit = RATE_LIMIT
    log_message = "Connection test by user %s for chatbot %s to %s: %s"
    use_button_message = gettext_lazy(
        "Use the “Test connection” button in the chatbot editor."
    )
    no_permission_message = gettext_lazy(
        "You do not have permission to test CRM connections."
    )
    too_many_message = gettext_lazy(
        "Too many connection tests in a short time. Wait %(seconds)s seconds "
        "and try again."
    )

    def run(self, form) -> TestResult:
        """Validate the editor form and act on it; the result to show."""
        return run_test(form)

    def summary(self, result: TestResult) -> str:
        """The result in a log line: never a secret."""
        return "invalid settings" if result.errors else result.detail

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        pk = kwargs.get("pk")
        self.chatbot = None if pk is None else get_object_or_404(Chatbot, pk=pk)

    def http_method_not_allowed(self, request, *args, **kwargs):
        response = self.respond(
            TestResult(False, str(self.use_button_message)), status=405
        )
        response["Allow"] = "POST"
        return response

    def post(self, request, pk=None):
        user = request.user
        if not self.allowed(user):
            return self.respond(
                TestResult(False, str(self.no_permission_message)), status=403
            )
        retry_after = ratelimit.hit(
            f"{self.rate_limit_key}:{user.pk}", self.rate_limit, RATE_WINDOW
        )
        if retry_after is not None:
            response = self.respond(
                TestResult(False, self.too_many_message % {"seconds": retry_after}),
                status=429,
            )
            response["Retry-After"] = str(retry_after)
            return response

        form = editor_form_class()(
            request.POST, instance=self.chatbot or Chatbot(), for_user=user
        )
        result = self.run(form)
        logger.info(
            self.log_message,
            user.pk,
            pk or "(new)",
            url_host(form.data.get("webhook_url") or form.instance.webhook_url),
            self.summary(result),
        )
        return self.respond(result, status=400 if result.errors else 200)

    def allowed(self, user) -> bool:
        """The test permission, plus the right to open this editor: with a
        stored chatbot the test may send its stored secrets."""
        if not (
            can_test_connection(user) and user.has_perm("wagtailadmin.access_admin")
        ):
            return False
        return self.may_edit(user)

    def may_edit(self, user) -> bool:
        """Whether ``user`` may open this editor (a new chatbot's, or this
        one's)."""
        if self.chatbot is None:
            return chatbot_permission_policy.user_has_permission(user, "add")
        return chatbot_permission_policy.user_has_permission_for_instance(
            user, "change", self.chatbot
        )

    def respond(self, result: TestResult, *, status: int):
        if wants_json(self.request):
            # The editor's script shows the fragment the server rendered.
            html = render_to_string(
                self.result_template, {"result": result}, request=self.request
            )
            return JsonResponse({**asdict(result), "html": html}, status=status)
        return self.render_to_response(
            self.get_context_data(result=result), status=status
        )

    # --- The plain admin page, for browsers without JavaScript ---

    def editor_url(self) -> str:
        viewset = Chatbot.snippet_viewset
        if self.chatbot is not None:
            return reverse(viewset.get_url_name("edit"), args=[self.chatbot.pk])
        return reverse(viewset.get_url_name("add"))

    def get_breadcrumbs_items(self):
        viewset = Chatbot.snippet_viewset
        editor_label = str(self.chatbot) if self.chatbot else _("New chatbot")
        return [
            *self.breadcrumbs_items,
            {
                "url": reverse(viewset.get_url_name("list")),
                "label": viewset.menu_label,
            },
            {"url": self.editor_url(), "label": editor_label},
            {"url": "", "label": self.get_page_title()},
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["editor_url"] = self.editor_url()
        context["result_template"] = self.result_template
        context["chatbot"] = self.chatbot
        return context


# --- Load fields from the CRM ---------------------------------------------------


def load_fields(form: BaseForm) -> TestResult:
    """Validate the bound editor form, then read the CRM's fields with what
    it holds (the same secret rules as Test connection), saving nothing."""
    chatbot, secrets, refusal = unsaved_chatbot(form)
    if chatbot is None:
        return refusal
    try:
        fields = cached_crm_fields(chatbot)
    except CrmFieldsError as exc:
        return TestResult(False, redact(str(exc), secrets))
    prefix = registered_preset(chatbot.preset).fields_prefix
    return TestResult(
        True,
        ngettext(
            "%(count)d field of %(crm)s: pick one in a mapping row's CRM field.",
            "%(count)d fields of %(crm)s: pick one in a mapping row's CRM field.",
            len(fields),
        )
        % {"count": len(fields), "crm": chatbot.get_preset_display()},
        fields=[{**asdict(each), "path": f"{prefix}{each.name}"} for each in fields],
    )


class LoadFieldsView(TestConnectionView):
    """``POST``: list the CRM's fields with the editor's unsaved settings."""

    page_title = gettext_lazy("Fields in the CRM")
    header_icon = "list-ul"
    rate_limit_key = "load-fields"
    log_message = "Fields loaded by user %s for chatbot %s from %s: %s"
    use_button_message = gettext_lazy(
        "Use the “Load fields from the CRM” button in the chatbot editor."
    )
    no_permission_message = gettext_lazy(
        "You do not have permission to load fields from the CRM."
    )
    too_many_message = gettext_lazy(
        "Fields were loaded too often in a short time. Wait %(seconds)s seconds "
        "and try again."
    )

    def run(self, form) -> TestResult:
        return load_fields(form)

    def summary(self, result: TestResult) -> str:
        if result.errors:
            return "invalid settings"
        return f"{len(result.fields)} fields" if result.success else "failed"


# --- What will be sent: the body for a sample lead ---------------------------------


def sample_lead(chatbot: Chatbot, mappings: list[MappingRow]) -> LeadData:
    """A lead with every value filled in, so each row shows what it sends:
    attribution as from a newsletter link, and an answer for each other
    answer a row names."""
    now = timezone.now()
    return LeadData(
        lead_id="0f8fad5b-d9cb-469f-a165-70867728950e",
        name="Ada Lovelace",
        email="ada@example.com",
        phone="+44 20 7946 0000",
        company="Analytical Engines Ltd",
        message=_("Could you call me about a demo?"),
        page_url="https://www.example.com/contact/",
        chatbot_name=chatbot.name,
        submitted_at=now,
        consent=True,
        referrer="https://news.example.org/issue-42",
        landing_page="https://www.example.com/pricing/?utm_source=newsletter",
        utm_source="newsletter",
        utm_medium="email",
        utm_campaign="spring-launch",
        extra={
            row.extra_key: _("(the answer to “%(label)s”)") % {"label": row.extra_key}
            for row in mappings
            if row.source == "extra" and row.extra_key
        },
    )


# Which mapping sources send each contact field.
SENT_BY = {
    "name": {"name", "first_name", "last_name"},
    "email": {"email"},
    "phone": {"phone"},
    "company": {"company"},
    "message": {"message"},
}


def preview_body(form: BaseForm) -> TestResult:
    """Validate the bound editor form, then build the body a lead would be
    sent with (the code deliveries use), sending nothing."""
    chatbot, secrets, refusal = unsaved_chatbot(form)
    if chatbot is None:
        return refusal
    mappings, statics = mapping_rows(chatbot)
    lead = sample_lead(chatbot, mappings)
    try:
        body, _content_type = build_body(lead, mappings, statics, chatbot.body_format)
    except PayloadError as exc:
        return TestResult(False, redact(str(exc), secrets))
    secrets += endpoint_for(chatbot).secrets()
    notes = []
    default_rows = []
    if mappings:
        message = ngettext(
            "Built from your %(count)d mapping row: only what the rows name is sent.",
            "Built from your %(count)d mapping rows: only what the rows name is sent.",
            len(mappings),
        ) % {"count": len(mappings)}
        mapped = {row.source for row in mappings}
        missing = [
            str(field.label)
            for field in CONTACT_FIELDS
            if chatbot.asks(field.name) and not SENT_BY[field.name] & mapped
        ]
        if missing:
            notes.append(
                _("Asked of visitors but not sent: %(fields)s. Add a row for each.")
                % {"fields": ", ".join(missing)}
            )
    else:
        message = _(
            "No mapping rows: the default body is sent, every field under its "
            "own name (attribution only when the visit had it). Add rows to use "
            "your CRM's names, or start from the default rows."
        )
        default_rows = [
            {"source": row.source, "crm_field": row.crm_field}
            for row in DEFAULT_MAPPINGS
        ]
    if any(row.source in OPTIONAL_SOURCES for row in mappings):
        notes.append(
            _(
                "Rows of attribution and other answers are left out for a lead "
                "that has none."
            )
        )
    return TestResult(
        True,
        message,
        request_body=redact(readable_body(sent_body(body, secrets)), secrets),
        notes=notes,
        default_rows=default_rows,
    )


class PreviewBodyView(TestConnectionView):
    """``POST``: the body a lead would be sent with, from the editor's
    unsaved settings and rows. Sends nothing, so editing the chatbot is
    permission enough."""

    page_title = gettext_lazy("What is sent")
    result_template = "wagtail_chatbot_crm/includes/body_preview_result.html"
    header_icon = "code"
    rate_limit_key = "preview-body"
    # It follows the editor's typing; it only builds a body.
    rate_limit = 120
    log_message = "Body previewed by user %s for chatbot %s (%s): %s"
    use_button_message = gettext_lazy(
        "Use the “Show what is sent” button in the chatbot editor."
    )
    no_permission_message = gettext_lazy(
        "You do not have permission to edit this chatbot."
    )
    too_many_message = gettext_lazy(
        "Too many previews in a short time. Wait %(seconds)s seconds and try again."
    )

    def run(self, form) -> TestResult:
        return preview_body(form)

    def summary(self, result: TestResult) -> str:
        return "invalid settings" if result.errors else "built"

    def allowed(self, user) -> bool:
        return user.has_perm("wagtailadmin.access_admin") and self.may_edit(user)
