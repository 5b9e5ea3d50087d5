"""Create the demo superuser and a demo chatbot (safe to run again)."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from wagtail_chatbot_crm.models import (
    AuthType,
    Chatbot,
    FieldMapping,
    FieldRequirement,
    MappingSource,
    StaticValue,
)

DEMO_USERNAME = "admin"
DEMO_PASSWORD = "changeme"


class Command(BaseCommand):
    help = "Create the demo superuser (admin / changeme) and the demo chatbot."

    def add_arguments(self, parser):
        parser.add_argument(
            "--base-url",
            default="http://127.0.0.1:8000",
            help="Where the demo server runs; the demo CRM inbox lives under it.",
        )

    def handle(self, *args, base_url, **options):
        user_model = get_user_model()
        user, created = user_model.objects.get_or_create(
            username=DEMO_USERNAME,
            defaults={
                "email": "admin@example.com",
                "is_staff": True,
                "is_superuser": True,
            },
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()

        chatbot, _ = Chatbot.objects.update_or_create(
            slug="demo",
            defaults={
                "name": "Demo chatbot",
                "greeting": (
                    "Hi! Tell us how to reach you and we will get back to you today."
                ),
                "ask_name": FieldRequirement.REQUIRED,
                "ask_email": FieldRequirement.REQUIRED,
                "ask_phone": FieldRequirement.OPTIONAL,
                "ask_company": FieldRequirement.OPTIONAL,
                "ask_message": FieldRequirement.OPTIONAL,
                "consent_text": "I agree to be contacted about my enquiry.",
                "crm_enabled": True,
                "webhook_url": f"{base_url.rstrip('/')}/demo-crm/webhook/",
                "auth_type": AuthType.BEARER,
                "bearer_token": "demo-crm-token",
                "notification_emails": "sales@example.com",
            },
        )
        if not chatbot.field_mappings.exists():
            for source, crm_field in [
                (MappingSource.FIRST_NAME, "contact.first_name"),
                (MappingSource.LAST_NAME, "contact.last_name"),
                (MappingSource.EMAIL, "contact.email"),
                (MappingSource.PHONE, "contact.phone"),
                (MappingSource.COMPANY, "contact.company"),
                (MappingSource.MESSAGE, "note"),
                (MappingSource.PAGE_URL, "source.page"),
                (MappingSource.CONSENT, "contact.consent"),
            ]:
                FieldMapping.objects.create(
                    chatbot=chatbot, source=source, crm_field=crm_field
                )
            StaticValue.objects.create(
                chatbot=chatbot, crm_field="lead_source", value="Chatbot"
            )

        self.stdout.write(
            self.style.SUCCESS(
                f"Demo chatbot “{chatbot.name}” is ready. Log in at "
                f"{base_url.rstrip('/')}/admin/ as {DEMO_USERNAME} / {DEMO_PASSWORD}"
            )
        )
