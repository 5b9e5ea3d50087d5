"""The test site's URLs: the Wagtail admin, the app's and Wagtail's pages."""

from django.urls import include, path
from django.views.generic import TemplateView
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls

urlpatterns = [
    path("admin/", include(wagtailadmin_urls)),
    path("", include("wagtail_chatbot_crm.urls")),
    # A plain page with the demo chatbot in its content (inline).
    path(
        "inline-chat/", TemplateView.as_view(template_name="testapp/inline_chat.html")
    ),
    path("", include(wagtail_urls)),
]
