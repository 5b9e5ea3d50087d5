"""Admin screens for leads: the report, a lead's detail, and retrying."""

import datetime
import logging

from django.contrib import messages
from django.db.models import Count
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import cached_property
from django.utils.timezone import localtime
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.generic import TemplateView
from wagtail.admin.ui.tables import (
    BulkActionsCheckboxColumn,
    Column,
    DateColumn,
    TitleColumn,
)
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.views.reports import ReportView

from .. import export, tasks
from ..attribution import LABELS as ATTRIBUTION_LABELS
from ..filters import SEARCH_FIELDS, LeadFilterSet, filtered_leads
from ..models import Chatbot, Lead, SyncStatus
from ..outcome import fix_link
from ..permissions import (
    CHANGE_CRM_SETTINGS,
    can_delete_leads,
    can_export_leads,
    can_retry_leads,
    can_view_leads,
    lead_permission_policy,
)
from ..presets import registered_preset
from ..privacy import delete_leads

logger = logging.getLogger(__name__)

STATUS_ICONS = {
    SyncStatus.SYNCED: "success",
    SyncStatus.FAILED: "warning",
    SyncStatus.RETRYING: "rotate",
    SyncStatus.PENDING: "time",
    SyncStatus.SKIPPED: "minus",
}

REPORT_URL = reverse_lazy("chatbot_crm_admin:leads")


def forbidden(request):
    """A 403 page in the admin's furniture.

    Wagtail turns a raised PermissionDenied into a redirect to the dashboard;
    a direct URL to lead data answers 403 instead, so nothing is ambiguous.
    """
    return TemplateResponse(
        request,
        "wagtail_chatbot_crm/forbidden.html",
        {"header_title": _("Forbidden")},
        status=403,
    )


class StatusColumn(Column):
    """The sync status as an icon and a word, never colour alone."""

    cell_template_name = "wagtail_chatbot_crm/tables/status_cell.html"

    def get_cell_context_data(self, instance, parent_context):
        context = super().get_cell_context_data(instance, parent_context)
        context["icon"] = STATUS_ICONS.get(instance.sync_status, "help")
        context["status"] = instance.sync_status
        context["label"] = instance.get_sync_status_display()
        return context


class ShortTextColumn(Column):
    """Text cut to a line, with the whole of it in a tooltip."""

    cell_template_name = "wagtail_chatbot_crm/tables/short_text_cell.html"

    def __init__(self, name, length=80, **kwargs):
        super().__init__(name, **kwargs)
        self.length = length

    def get_cell_context_data(self, instance, parent_context):
        context = super().get_cell_context_data(instance, parent_context)
        context["length"] = self.length
        return context


class LastErrorColumn(ShortTextColumn):
    """The last error, with a link to the setting that fixes it for users
    allowed to change it (the same rule as the lead's page)."""

    def get_cell_context_data(self, instance, parent_context):
        context = super().get_cell_context_data(instance, parent_context)
        user = parent_context["request"].user
        context["fix"] = fix_for(user, instance.chatbot_id, instance.last_error_fix)
        return context


class NextTryColumn(Column):
    """When the next try is due: "in 5 minutes", the time in a tooltip."""

    cell_template_name = "wagtail_chatbot_crm/tables/next_try_cell.html"

    def get_cell_context_data(self, instance, parent_context):
        context = super().get_cell_context_data(instance, parent_context)
        context["now"] = timezone.now()
        return context


def fix_for(user, chatbot_pk: int, fix: str) -> tuple[str, str] | None:
    """The link to the setting that fixes ``fix``, if ``user`` may change
    it: the field mapping with the chatbot, the rest with CRM settings."""
    if not fix or not user.has_perm("wagtail_chatbot_crm.change_chatbot"):
        return None
    if fix != "mapping" and not user.has_perm(CHANGE_CRM_SETTINGS):
        return None
    return fix_link(chatbot_pk, fix)


WIDE = "w-chatbot-col--wide"


def _lead_display_name(lead: Lead) -> str:
    return lead.name or lead.email or lead.phone or str(lead.uuid)[:8]


class LeadReportView(ReportView):
    """Reports → Leads: every lead, its sync status and why."""

    page_title = _("Leads")
    header_icon = "user"
    model = Lead
    permission_policy = lead_permission_policy
    permission_required = "view"
    index_url_name = "chatbot_crm_admin:leads"
    index_results_url_name = "chatbot_crm_admin:leads_results"
    filterset_class = LeadFilterSet
    is_searchable = True
    search_fields = list(SEARCH_FIELDS)
    search_backend_name = None  # plain icontains lookups: Lead is not indexed
    default_ordering = "-created_at"
    paginate_by = 50
    template_name = "wagtail_chatbot_crm/leads_report.html"
    columns = [
        BulkActionsCheckboxColumn("bulk_actions", obj_type="lead"),
        DateColumn("created_at", label=_("Date"), sort_key="created_at"),
        # Columns marked wide are hidden on a phone (admin.css), so the
        # name, Status and Last error keep room to be read.
        Column("chatbot", label=_("Chatbot"), classname=WIDE),
        TitleColumn(
            "name",
            label=_("Name"),
            accessor=_lead_display_name,
            url_name="chatbot_crm_admin:lead",
        ),
        Column("email", label=_("Email"), classname=WIDE),
        StatusColumn("sync_status", label=_("Status")),
        Column("tries", label=_("Tries"), classname=WIDE),
        LastErrorColumn("last_error", label=_("Last error")),
        NextTryColumn("next_attempt_at", label=_("Next try"), classname=WIDE),
    ]
    # Wagtail's export buttons need a list; the file itself is written by
    # ``export`` (every lead field, other answers, ISO 8601 times).
    list_export = ["created_at"]

    def dispatch(self, request, *args, **kwargs):
        if not can_view_leads(request.user):
            return forbidden(request)
        if request.GET.get("export") and not can_export_leads(request.user):
            return forbidden(request)
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, *args, **kwargs):
        if self.is_export:
            # Straight to the file: building the page's context would load
            # every row into memory first.
            return self.as_spreadsheet(
                self.get_filtered_queryset(), request.GET.get("export")
            )
        return super().get(request, *args, **kwargs)

    def get_base_queryset(self):
        return Lead.objects.select_related("chatbot")

    def get_filename(self):
        return f"leads-{datetime.date.today():%Y-%m-%d}"

    def stream_csv(self, queryset):
        return export.stream_csv(queryset)

    def write_xlsx(self, queryset, output):
        export.write_xlsx(queryset, output)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_export"] = can_export_leads(self.request.user)
        context["can_retry"] = can_retry_leads(self.request.user)
        return context

    @cached_property
    def header_buttons(self):
        from wagtail.admin.widgets.button import HeaderButton

        buttons = []
        if not can_retry_leads(self.request.user):
            return buttons
        chatbot = self.request.GET.get("chatbot")
        query = f"?chatbot={chatbot}" if chatbot else ""
        for label, url_name, icon in (
            (_("Retry all failed"), "retry_failed", "rotate"),
            (_("Send all not sent"), "send_not_sent", "upload"),
        ):
            url = reverse(f"chatbot_crm_admin:{url_name}") + query
            buttons.append(HeaderButton(label, url=url, icon_name=icon))
        # Everything the report shows now, filter and search included.
        shown = self.request.GET.copy()
        for name in ("p", "ordering", "export"):
            shown.pop(name, None)
        replay = reverse("chatbot_crm_admin:replay")
        if shown:
            replay += f"?{shown.urlencode()}"
        buttons.append(
            HeaderButton(_("Send again what is shown"), url=replay, icon_name="redo")
        )
        return buttons

    @property
    def show_export_buttons(self):
        return can_export_leads(self.request.user)


# A lead whose try is this close is shown as under way.
DUE_SOON = datetime.timedelta(seconds=10)


def in_motion(lead: Lead) -> bool:
    """Whether a try of the lead is under way or due in a moment: its page
    then follows it (lead-detail.js)."""
    now = timezone.now()
    if lead.claimed_until and lead.claimed_until > now:
        return True
    if lead.sync_status not in (SyncStatus.PENDING, SyncStatus.RETRYING):
        return False
    return lead.next_attempt_at is None or lead.next_attempt_at <= now + DUE_SOON


class LeadAdminMixin(WagtailAdminTemplateMixin):
    """Shared by the single-lead screens: permission and breadcrumbs."""

    header_icon = "user"
    permission_check = staticmethod(can_view_leads)

    def dispatch(self, request, *args, **kwargs):
        if not self.permission_check(request.user):
            return forbidden(request)
        return super().dispatch(request, *args, **kwargs)

    @cached_property
    def lead(self) -> Lead:
        return get_object_or_404(
            Lead.objects.select_related("chatbot"), pk=self.kwargs["pk"]
        )

    def get_page_title(self):
        return _lead_display_name(self.lead)

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": REPORT_URL, "label": _("Leads")},
            {"url": "", "label": self.get_page_title()},
        ]


class LeadDetailView(LeadAdminMixin, TemplateView):
    """A lead's captured data and every delivery attempt, newest first."""

    template_name = "wagtail_chatbot_crm/lead_detail.html"

    def get_context_data(self, **kwargs):
        lead = self.lead
        context = super().get_context_data(**kwargs)
        preset = registered_preset(lead.chatbot.preset)
        attempts = list(lead.attempts.order_by("-started_at", "-pk"))
        for attempt in attempts:
            attempt.record_link = ""
            if attempt.crm_record_id and preset and preset.record_url:
                attempt.record_link = preset.record_url(
                    lead.chatbot.webhook_url, attempt.crm_record_id
                )
        context.update(
            lead=lead,
            attempts=attempts,
            fix=self.fix(),
            watching=in_motion(lead),
            status_icon=STATUS_ICONS.get(lead.sync_status, "help"),
            answer_note=getattr(preset, "answer_note", ""),
            can_retry=can_retry_leads(self.request.user),
            can_delete=can_delete_leads(self.request.user),
            fields=[
                *lead.answers(),
                # Where the visit came from, as far as the browser told.
                *(
                    (label, getattr(lead, name))
                    for name, label in ATTRIBUTION_LABELS.items()
                    if getattr(lead, name)
                ),
                (_("Chatbot"), lead.chatbot.name),
                (
                    _("Received"),
                    date_format(localtime(lead.created_at), "DATETIME_FORMAT"),
                ),
                (_("Lead id"), str(lead.uuid)),
            ],
        )
        return context

    def fix(self) -> tuple[str, str] | None:
        """Where the editor fixes why the lead is not in the CRM (the link
        and its words), for those allowed to change that setting."""
        lead = self.lead
        if lead.sync_status == SyncStatus.SYNCED:
            return None
        fix = lead.last_error_fix
        if lead.sync_status == SyncStatus.SKIPPED and not lead.chatbot.crm_enabled:
            fix = "sync"
        return fix_for(self.request.user, lead.chatbot_id, fix)


class RetryLeadView(LeadAdminMixin, TemplateView):
    """Retry now: confirm, then queue the lead for an immediate try."""

    template_name = "wagtail_chatbot_crm/confirm_retry.html"
    permission_check = staticmethod(can_retry_leads)

    def get_page_title(self):
        return _("Send this lead again?")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["lead"] = self.lead
        context["in_flight"] = self._in_flight()
        return context

    def _in_flight(self) -> bool:
        lead = self.lead
        return bool(
            lead.claimed_until
            and lead.claimed_until > datetime.datetime.now(datetime.UTC)
        )

    def post(self, request, *args, **kwargs):
        lead = self.lead
        detail_url = reverse("chatbot_crm_admin:lead", args=[lead.pk])
        if lead.sync_status == SyncStatus.SYNCED and not request.POST.get("resend"):
            messages.error(
                request,
                _(
                    "This lead is already in your CRM. Tick “Send it again” to "
                    "confirm a second delivery."
                ),
            )
            return redirect(reverse("chatbot_crm_admin:lead_retry", args=[lead.pk]))
        queued = tasks.retry_now([lead.pk], allow_synced=True)
        if queued:
            messages.success(
                request, _("The lead is queued and will be sent in a moment.")
            )
        else:
            messages.warning(
                request,
                _("The lead is being delivered right now; see the result below."),
            )
        return redirect(detail_url)


class DeleteLeadView(LeadAdminMixin, TemplateView):
    """Delete a lead (a privacy request): confirm, then delete it with its
    delivery attempts."""

    template_name = "wagtail_chatbot_crm/confirm_delete_lead.html"
    header_icon = "bin"
    permission_check = staticmethod(can_delete_leads)

    def get_page_title(self):
        return _("Delete this lead?")

    def get_page_subtitle(self):
        return _lead_display_name(self.lead)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["lead"] = self.lead
        context["attempts"] = self.lead.attempts.count()
        return context

    def post(self, request, *args, **kwargs):
        lead = self.lead
        delete_leads(Lead.objects.filter(pk=lead.pk))
        # The lead's number only: its data is what was asked to go.
        logger.info("Lead %s deleted by user %s", lead.pk, request.user.pk)
        messages.success(request, _("The lead was deleted."))
        return redirect(REPORT_URL)


class SendingView(WagtailAdminTemplateMixin, TemplateView):
    """A screen that sends many leads, for those allowed to retry, under
    Leads in the breadcrumbs."""

    def dispatch(self, request, *args, **kwargs):
        if not can_retry_leads(request.user):
            return forbidden(request)
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": REPORT_URL, "label": _("Leads")},
            {"url": "", "label": self.page_title},
        ]


class RetryFailedView(SendingView):
    """Retry all failed: confirm with the count, then queue them all. With
    one chatbot holding such leads it goes straight to the confirmation."""

    template_name = "wagtail_chatbot_crm/confirm_retry_failed.html"
    header_icon = "rotate"
    page_title = _("Retry all failed leads")
    status = SyncStatus.FAILED

    @cached_property
    def chatbot(self) -> Chatbot | None:
        value = self.request.POST.get("chatbot") or self.request.GET.get("chatbot")
        if not value:
            holding = self.chatbots()
            return holding[0] if len(holding) == 1 else None
        try:
            return Chatbot.objects.get(pk=int(value))
        except (ValueError, Chatbot.DoesNotExist) as exc:
            raise Http404(_("No such chatbot.")) from exc

    def chatbots(self) -> list[Chatbot]:
        """The chatbots with leads of this status, and how many each."""
        return list(
            Chatbot.objects.filter(leads__sync_status=self.status)
            .annotate(leads_count=Count("leads"))
            .order_by("name")
        )

    def leads(self):
        return Lead.objects.filter(chatbot=self.chatbot, sync_status=self.status)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["chatbot"] = self.chatbot
        context["status"] = self.status
        if self.chatbot is None:
            context["chatbots"] = self.chatbots()
        else:
            context["count"] = self.leads().count()
        return context

    def post(self, request, *args, **kwargs):
        if self.chatbot is None:
            messages.error(request, _("Choose a chatbot."))
            return redirect(request.path)
        ids = list(self.leads().values_list("pk", flat=True))
        queued = tasks.retry_now(ids)
        messages.success(request, self.queued_message(queued))
        if queued == 1:
            # Its page follows the try until it ends.
            return redirect(reverse("chatbot_crm_admin:lead", args=[ids[0]]))
        return redirect(f"{REPORT_URL}?chatbot={self.chatbot.pk}")

    def queued_message(self, queued: int) -> str:
        return ngettext(
            "%(count)d failed lead of %(chatbot)s is queued to be sent again.",
            "%(count)d failed leads of %(chatbot)s are queued to be sent again.",
            queued,
        ) % {"count": queued, "chatbot": self.chatbot.name}


class ReplayView(SendingView):
    """Send again everything the report's filter shows (Failed since a
    date, one chatbot's, …), Synced leads included, after a preview of how
    many and which. Each lead's Idempotency-Key lets the CRM keep one record
    however often it is sent."""

    template_name = "wagtail_chatbot_crm/confirm_replay.html"
    header_icon = "redo"
    page_title = _("Send again what is shown")
    # Leads named in the preview; the count covers the rest.
    PREVIEW = 20

    def query(self):
        return self.request.POST if self.request.method == "POST" else self.request.GET

    def leads(self):
        query = self.query().copy()
        query.pop("csrfmiddlewaretoken", None)
        return filtered_leads(query)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        leads = self.leads()
        query = self.request.GET.copy()
        context.update(
            count=leads.count(),
            first=list(leads.select_related("chatbot")[: self.PREVIEW]),
            by_status=[
                (SyncStatus(row["sync_status"]).label, row["total"])
                for row in leads.order_by()
                .values("sync_status")
                .annotate(total=Count("pk"))
                .order_by("sync_status")
            ],
            fields=list(query.lists()),
            report_url=f"{REPORT_URL}?{query.urlencode()}" if query else REPORT_URL,
        )
        return context

    def post(self, request, *args, **kwargs):
        ids = list(self.leads().values_list("pk", flat=True))
        queued = tasks.retry_now(ids, allow_synced=True)
        messages.success(
            request,
            ngettext(
                "%(count)d lead is queued to be sent again.",
                "%(count)d leads are queued to be sent again.",
                queued,
            )
            % {"count": queued},
        )
        skipped = len(ids) - queued
        if skipped:
            messages.warning(
                request,
                ngettext(
                    "%(count)d lead was being sent at that moment and was left "
                    "to that try.",
                    "%(count)d leads were being sent at that moment and were "
                    "left to those tries.",
                    skipped,
                )
                % {"count": skipped},
            )
        return redirect(REPORT_URL)


class SendNotSentView(RetryFailedView):
    """Send all not sent: the leads kept as Not sent (sync was off, no
    consent), after confirming how many."""

    header_icon = "upload"
    page_title = _("Send all not sent leads")
    status = SyncStatus.SKIPPED

    def queued_message(self, queued: int) -> str:
        return ngettext(
            "%(count)d lead of %(chatbot)s that was not sent is queued to be sent.",
            "%(count)d leads of %(chatbot)s that were not sent are queued to be sent.",
            queued,
        ) % {"count": queued, "chatbot": self.chatbot.name}
