"""Create the demo superuser, a demo chatbot and a contact page (safe to run
again)."""

from contact.models import ContactPage, FormField
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from wagtail.models import Site

from wagtail_chatbot_crm.models import (
    AuthType,
    Chatbot,
    ChatbotSettings,
    FieldMapping,
    FieldRequirement,
    MappingSource,
    StaticValue,
)

DEMO_USERNAME = "admin"
DEMO_PASSWORD = "changeme"

# The demo contact page's questions: all but the budget fill a lead field.
CONTACT_FORM_FIELDS = [
    {"label": "Your name", "field_type": "singleline", "lead_field": "name"},
    {"label": "Email", "field_type": "email", "lead_field": "email"},
    {
        "label": "Company",
        "field_type": "singleline",
        "required": False,
        "lead_field": "company",
    },
    {
        "label": "Budget",
        "field_type": "dropdown",
        "required": False,
        "choices": "Not sure yet\nUnder €5k\n€5k to €20k\nOver €20k",
    },
    {"label": "Message", "field_type": "multiline", "lead_field": "message"},
]


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
        contact_page = self.seed_contact_page(chatbot)
        site_settings = ChatbotSettings.for_site(Site.objects.get(is_default_site=True))
        if site_settings.default_chatbot is None:  # an editor's choice stays
            site_settings.default_chatbot = chatbot
            site_settings.save()

        self.stdout.write(
            self.style.SUCCESS(
                f"Demo chatbot “{chatbot.name}” is ready. Log in at "
                f"{base_url.rstrip('/')}/admin/ as {DEMO_USERNAME} / {DEMO_PASSWORD}"
            )
        )
        self.stdout.write(
            f"The contact page at {base_url.rstrip('/')}{contact_page.url} sends "
            f"its submissions to “{chatbot.name}” too."
        )

    def seed_contact_page(self, chatbot: Chatbot) -> ContactPage:
        """A published contact form page at /contact/ feeding the chatbot."""
        home = Site.objects.get(is_default_site=True).root_page
        existing = ContactPage.objects.child_of(home).filter(slug="contact").first()
        if existing is not None:
            return existing
        page = ContactPage(
            title="Contact us",
            slug="contact",
            intro="<p>Tell us about your project and we will get back to you.</p>",
            thank_you_text="<p>Thank you! We will be in touch shortly.</p>",
            to_address="sales@example.com",
            from_address="website@example.com",
            subject="New message from the contact page",
            lead_chatbot=chatbot,
            form_fields=[
                FormField(sort_order=index, **field)
                for index, field in enumerate(CONTACT_FORM_FIELDS)
            ],
        )
        home.add_child(instance=page)
        page.save_revision().publish()
        return page
