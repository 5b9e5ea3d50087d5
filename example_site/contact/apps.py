"""App configuration for the example site's contact page."""

from django.apps import AppConfig


class ContactConfig(AppConfig):
    """A Wagtail form page whose submissions also become chatbot leads."""

    name = "contact"
    verbose_name = "Contact page"
    default_auto_field = "django.db.models.BigAutoField"
