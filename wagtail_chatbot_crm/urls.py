from django.urls import path

from .views import LeadCaptureView

app_name = "wagtail_chatbot_crm"

urlpatterns = [
    path("chatbot/<slug:slug>/leads/", LeadCaptureView.as_view(), name="lead_capture"),
]
