"""The Wagtail dashboard panel: how the last week's leads fared."""

from datetime import timedelta

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from wagtail.admin.ui.components import Component

from .funnel import funnel
from .models import Chatbot, Lead, SyncStatus
from .oauth import needing_reconnection, reconnect_label

WINDOW = timedelta(days=7)


def lead_stats(now=None) -> dict:
    """Leads and sync success over the last 7 days, and all failed leads."""
    since = (now or timezone.now()) - WINDOW
    recent = Q(created_at__gte=since)
    stats = Lead.objects.aggregate(
        leads=Count("pk", filter=recent),
        synced=Count("pk", filter=recent & Q(sync_status=SyncStatus.SYNCED)),
        failed_recent=Count("pk", filter=recent & Q(sync_status=SyncStatus.FAILED)),
        failed=Count("pk", filter=Q(sync_status=SyncStatus.FAILED)),
    )
    settled = stats["synced"] + stats["failed_recent"]
    # Only leads whose fate is settled count: Pending, Retrying and Not sent
    # leads have neither succeeded nor failed yet.
    stats["success_rate"] = round(100 * stats["synced"] / settled) if settled else None
    return stats


class LeadsSummaryPanel(Component):
    name = "chatbot_crm_leads"
    order = 110
    template_name = "wagtail_chatbot_crm/dashboard_panel.html"

    def get_context_data(self, parent_context):
        report = reverse("chatbot_crm_admin:leads")
        return {
            **lead_stats(),
            "report_url": report,
            "failed_url": f"{report}?sync_status={SyncStatus.FAILED}",
            "funnel": funnel(),
            "reconnect": [
                {
                    "chatbot": chatbot,
                    "label": reconnect_label(chatbot),
                    "message": message,
                    "url": reverse(
                        Chatbot.snippet_viewset.get_url_name("edit"),
                        args=[chatbot.pk],
                    ),
                }
                for chatbot, message in needing_reconnection()
            ],
        }
