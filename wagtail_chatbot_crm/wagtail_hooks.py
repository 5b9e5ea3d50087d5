from django.contrib import messages
from django.shortcuts import redirect
from django.urls import include, path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.staticfiles import versioned_static
from wagtail.admin.widgets.button import ListingButton
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSetGroup

from . import admin_urls, bulk_actions
from .dashboard import LeadsSummaryPanel
from .models import Chatbot
from .permissions import app_permissions, can_view_leads
from .viewsets import ChatbotViewSet


class LeadsMenuItem(MenuItem):
    def is_shown(self, request):
        return can_view_leads(request.user)


class ChatbotGroup(SnippetViewSetGroup):
    """Chatbots and their leads side by side in the main menu (the Leads
    report is under Reports too)."""

    items = (ChatbotViewSet,)
    menu_label = _("Chatbots")
    menu_icon = "comment"
    menu_name = "chatbots"
    menu_order = 250

    def get_submenu_items(self):
        # Added here rather than through a submenu hook, which Wagtail 7.3
        # does not have.
        return [
            *super().get_submenu_items(),
            LeadsMenuItem(
                _("Leads"),
                reverse("chatbot_crm_admin:leads"),
                name="leads",
                icon_name="user",
                order=2,
            ),
        ]


register_snippet(ChatbotGroup)

for bulk_action in (bulk_actions.SendBulkAction, bulk_actions.DeleteBulkAction):
    hooks.register("register_bulk_action", bulk_action)


@hooks.register("register_admin_urls")
def register_admin_urls():
    return [path("chatbot-crm/", include(admin_urls, namespace="chatbot_crm_admin"))]


@hooks.register("register_reports_menu_item")
def register_leads_report_menu_item():
    return LeadsMenuItem(
        _("Leads"),
        reverse("chatbot_crm_admin:leads"),
        name="chatbot-leads",
        icon_name="user",
        order=50,
    )


@hooks.register("register_snippet_listing_buttons")
def view_leads_button(snippet, user, next_url=None):
    """“View leads” in a chatbot's row menu: the report filtered on it."""
    if isinstance(snippet, Chatbot) and can_view_leads(user):
        yield ListingButton(
            _("View leads"),
            reverse("chatbot_crm_admin:leads") + f"?chatbot={snippet.pk}",
            icon_name="user",
            priority=15,
        )


@hooks.register("construct_homepage_panels")
def add_leads_summary_panel(request, panels):
    if can_view_leads(request.user):
        panels.append(LeadsSummaryPanel())


@hooks.register("insert_global_admin_css")
def global_admin_css():
    # Status icons appear in the report, the lead page and the dashboard.
    return format_html(
        '<link rel="stylesheet" href="{}">',
        versioned_static("wagtail_chatbot_crm/css/admin.css"),
    )


@hooks.register("before_delete_snippet")
def keep_chatbots_with_leads(request, instances):
    """Deleting a chatbot deletes its leads, so it is done one chatbot at a
    time, from its own delete screen, whose confirmation says how many
    leads go with it (``viewsets.ChatbotDeleteView``). The listing's bulk
    delete, which does not say, leaves chatbots with leads alone."""
    match = request.resolver_match
    if match is not None and match.view_name.endswith("_chatbot:delete"):
        return None
    with_leads = [
        instance
        for instance in instances
        if isinstance(instance, Chatbot) and instance.leads.exists()
    ]
    if with_leads:
        messages.error(
            request,
            _(
                "“%(name)s” has leads: delete it from its own page, where you "
                "see how many leads go with it, or untick “Enabled” to take it "
                "off the site instead."
            )
            % {"name": with_leads[0].name},
        )
        return redirect(
            reverse(
                "wagtailsnippets_wagtail_chatbot_crm_chatbot:edit",
                args=[with_leads[0].pk],
            )
        )
    return None


@hooks.register("register_permissions")
def register_permissions():
    return app_permissions()
