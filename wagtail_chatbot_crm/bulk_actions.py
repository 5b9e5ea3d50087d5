"""Bulk actions on the Leads report's selected rows, as in Wagtail's own
listings: send them to the CRM (again), or delete them.

“Select all in listing” means all the leads the report's filter shows: the
filter travels in the ``next`` URL back to the report.
"""

from urllib.parse import urlsplit

from django.http import QueryDict
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from wagtail.admin.views.bulk_action import BulkAction

from . import tasks
from .filters import filtered_leads
from .models import Lead, SyncStatus
from .permissions import can_delete_leads, can_retry_leads
from .privacy import delete_leads


class LeadBulkAction(BulkAction):
    models = [Lead]

    @classmethod
    def get_queryset(cls, model, object_ids):
        return Lead.objects.select_related("chatbot").filter(pk__in=object_ids)

    def get_all_objects_in_listing_query(self, parent_id):
        query = QueryDict(urlsplit(self.next_url).query)
        return filtered_leads(query).values_list("pk", flat=True)

    def object_context(self, lead):
        return {"item": lead}


class SendBulkAction(LeadBulkAction):
    display_name = _("Send to the CRM")
    action_type = "send"
    aria_label = _("Send the selected leads to the CRM")
    template_name = "wagtail_chatbot_crm/bulk_actions/confirm_send.html"
    action_priority = 10

    def check_perm(self, lead):
        # A Synced lead is sent once; sending it again is a single lead's
        # page's decision, with its warning.
        return can_retry_leads(self.request.user) and (
            lead.sync_status != SyncStatus.SYNCED
        )

    @classmethod
    def execute_action(cls, objects, user=None, **kwargs):
        queued = tasks.retry_now([lead.pk for lead in objects])
        return queued, 0

    def get_success_message(self, num_parent_objects, num_child_objects):
        return ngettext(
            "%(count)d lead is queued to be sent.",
            "%(count)d leads are queued to be sent.",
            num_parent_objects,
        ) % {"count": num_parent_objects}


class DeleteBulkAction(LeadBulkAction):
    display_name = _("Delete")
    action_type = "delete"
    aria_label = _("Delete the selected leads")
    template_name = "wagtail_chatbot_crm/bulk_actions/confirm_delete.html"
    action_priority = 30
    classes = {"serious"}

    def check_perm(self, lead):
        return can_delete_leads(self.request.user)

    @classmethod
    def execute_action(cls, objects, user=None, **kwargs):
        deleted = delete_leads(
            Lead.objects.filter(pk__in=[lead.pk for lead in objects])
        )
        return deleted.leads, 0

    def get_success_message(self, num_parent_objects, num_child_objects):
        return ngettext(
            "%(count)d lead was deleted.",
            "%(count)d leads were deleted.",
            num_parent_objects,
        ) % {"count": num_parent_objects}
