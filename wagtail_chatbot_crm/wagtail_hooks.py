from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.snippets.models import register_snippet

from . import admin_urls
from .permissions import app_permissions, can_view_leads
from .viewsets import ChatbotViewSet

register_snippet(ChatbotViewSet)


@hooks.register("register_admin_urls")
def register_admin_urls():
    return [path("chatbot-crm/", include(admin_urls, namespace="chatbot_crm_admin"))]


class LeadsMenuItem(MenuItem):
    def is_shown(self, request):
        return can_view_leads(request.user)


@hooks.register("register_reports_menu_item")
def register_leads_report_menu_item():
    return LeadsMenuItem(
        _("Leads"),
        reverse("chatbot_crm_admin:leads"),
        name="chatbot-leads",
        icon_name="user",
        order=50,
    )


@hooks.register("register_permissions")
def register_permissions():
    return app_permissions()
