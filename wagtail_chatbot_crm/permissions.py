"""Who may do what with leads and chatbots.

Permissions (assignable in Wagtail's group editor):

- ``wagtail_chatbot_crm.view_lead``: see leads (report, detail, dashboard)
- ``wagtail_chatbot_crm.export_lead``: download the report as CSV or XLSX
- ``wagtail_chatbot_crm.retry_lead``: send leads again by hand
- ``wagtail_chatbot_crm.delete_lead``: delete leads (privacy requests)
- ``wagtail_chatbot_crm.test_connection``: run "Test connection"
- ``wagtail_chatbot_crm.change_crm_settings``: change a chatbot's CRM settings
"""

from django.contrib.auth.models import Permission
from django.db.models import Q
from wagtail.permission_policies import ModelPermissionPolicy

from .models import Lead

lead_permission_policy = ModelPermissionPolicy(Lead)

APP_LABEL = "wagtail_chatbot_crm"
VIEW_LEADS = f"{APP_LABEL}.view_lead"
EXPORT_LEADS = f"{APP_LABEL}.export_lead"
RETRY_LEADS = f"{APP_LABEL}.retry_lead"
DELETE_LEADS = f"{APP_LABEL}.delete_lead"
TEST_CONNECTION = f"{APP_LABEL}.test_connection"
CHANGE_CRM_SETTINGS = f"{APP_LABEL}.change_crm_settings"


def can_view_leads(user) -> bool:
    return user.is_active and user.has_perm(VIEW_LEADS)


def can_export_leads(user) -> bool:
    return can_view_leads(user) and user.has_perm(EXPORT_LEADS)


def can_retry_leads(user) -> bool:
    return can_view_leads(user) and user.has_perm(RETRY_LEADS)


def can_delete_leads(user) -> bool:
    return can_view_leads(user) and user.has_perm(DELETE_LEADS)


def can_test_connection(user) -> bool:
    return user.is_active and user.has_perm(TEST_CONNECTION)


def app_permissions():
    """The permissions shown in Wagtail's group editor."""
    return Permission.objects.filter(content_type__app_label=APP_LABEL).filter(
        Q(
            content_type__model="chatbot",
            codename__in=[
                "add_chatbot",
                "change_chatbot",
                "delete_chatbot",
                "view_chatbot",
                "test_connection",
                "change_crm_settings",
            ],
        )
        | Q(
            content_type__model="lead",
            codename__in=[
                "view_lead",
                "export_lead",
                "retry_lead",
                "delete_lead",
            ],
        )
    )
