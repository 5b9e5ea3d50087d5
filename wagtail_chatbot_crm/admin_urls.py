"""Admin URLs, mounted by ``wagtail_hooks`` under ``/admin/chatbot-crm/``."""

from django.urls import path

from .views import leads
from .views.connection import LoadFieldsView, PreviewBodyView, TestConnectionView

app_name = "chatbot_crm_admin"

urlpatterns = [
    path("leads/", leads.LeadReportView.as_view(), name="leads"),
    path(
        "leads/results/",
        leads.LeadReportView.as_view(results_only=True),
        name="leads_results",
    ),
    path("leads/<int:pk>/", leads.LeadDetailView.as_view(), name="lead"),
    path("leads/<int:pk>/retry/", leads.RetryLeadView.as_view(), name="lead_retry"),
    path("leads/<int:pk>/delete/", leads.DeleteLeadView.as_view(), name="lead_delete"),
    path("leads/retry-failed/", leads.RetryFailedView.as_view(), name="retry_failed"),
    path("leads/send-not-sent/", leads.SendNotSentView.as_view(), name="send_not_sent"),
    path("leads/replay/", leads.ReplayView.as_view(), name="replay"),
    path(
        "chatbots/test-connection/",
        TestConnectionView.as_view(),
        name="test_connection",
    ),
    path(
        "chatbots/<int:pk>/test-connection/",
        TestConnectionView.as_view(),
        name="test_connection_existing",
    ),
    path("chatbots/load-fields/", LoadFieldsView.as_view(), name="load_fields"),
    path("chatbots/preview-body/", PreviewBodyView.as_view(), name="preview_body"),
    path(
        "chatbots/<int:pk>/preview-body/",
        PreviewBodyView.as_view(),
        name="preview_body_existing",
    ),
    path(
        "chatbots/<int:pk>/load-fields/",
        LoadFieldsView.as_view(),
        name="load_fields_existing",
    ),
]
