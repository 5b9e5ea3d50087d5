from django.urls import include, path
from wagtail import hooks
from wagtail.snippets.models import register_snippet

from . import admin_urls
from .permissions import app_permissions
from .viewsets import ChatbotViewSet

register_snippet(ChatbotViewSet)


@hooks.register("register_admin_urls")
def register_admin_urls():
    return [path("chatbot-crm/", include(admin_urls, namespace="chatbot_crm_admin"))]


@hooks.register("register_permissions")
def register_permissions():
    return app_permissions()
