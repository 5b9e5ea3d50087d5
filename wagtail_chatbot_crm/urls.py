from django.urls import path

from .views import LeadCaptureView, WidgetEventView

app_name = "wagtail_chatbot_crm"

urlpatterns = [
    path("chatbot/<slug:slug>/leads/", LeadCaptureView.as_view(), name="lead_capture"),
    path("chatbot/<slug:slug>/events/", WidgetEventView.as_view(), name="widget_event"),
]
