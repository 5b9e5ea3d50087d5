from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WagtailChatbotCRMAppConfig(AppConfig):
    name = "wagtail_chatbot_crm"
    label = "wagtail_chatbot_crm"
    verbose_name = _("Chatbot CRM")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import checks  # noqa: F401  (registers the system checks)
