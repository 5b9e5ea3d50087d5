"""URLs of the demo CRM inbox, mounted under /demo-crm/."""

from django.urls import path

from . import views

app_name = "crm_inbox"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("webhook/", views.webhook, name="webhook"),
    path("mode/", views.switch_mode, name="mode"),
]
