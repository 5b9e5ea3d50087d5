"""App configuration for the demo CRM inbox."""

from django.apps import AppConfig


class CrmInboxConfig(AppConfig):
    """The demo CRM inbox: a fake CRM that records every webhook it receives."""

    name = "crm_inbox"
    verbose_name = "Demo CRM inbox"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from .demo_crms import register_demo_presets

        register_demo_presets()
