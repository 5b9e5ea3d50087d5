"""A factory for the example site's contact page (a Wagtail form page)."""

from contact.models import ContactPage, FormField
from wagtail.models import Site

from home.management.commands.seed_demo import CONTACT_FORM_FIELDS


def make_contact_page(chatbot, *, fields=CONTACT_FORM_FIELDS, **attrs) -> ContactPage:
    """A published contact page at /contact/ on the default site, whose
    submissions become leads of ``chatbot`` (None for none)."""
    values = {
        "title": "Contact us",
        "slug": "contact",
        "lead_chatbot": chatbot,
        "to_address": "sales@example.com",
        "from_address": "website@example.com",
        "subject": "New message",
        "thank_you_text": "<p>Thanks, we will be in touch.</p>",
        **attrs,
    }
    page = ContactPage(
        **values,
        form_fields=[
            FormField(sort_order=index, **field) for index, field in enumerate(fields)
        ],
    )
    Site.objects.get(is_default_site=True).root_page.add_child(instance=page)
    return page
