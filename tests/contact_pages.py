"""A factory for the test site's contact page (a Wagtail form page)."""

from wagtail.models import Site

from tests.testapp.models import ContactPage, FormField

# The contact page's questions: all but the budget fill a lead field.
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
