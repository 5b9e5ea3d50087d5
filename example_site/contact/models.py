"""The contact page: a Wagtail form page that feeds the chatbot's leads."""

from django.db import models
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import (
    FieldPanel,
    FieldRowPanel,
    InlinePanel,
    MultiFieldPanel,
)
from wagtail.contrib.forms.models import AbstractEmailForm, AbstractFormField
from wagtail.contrib.forms.panels import FormSubmissionsPanel
from wagtail.fields import RichTextField

from wagtail_chatbot_crm.form_pages import ChatbotFormFieldMixin, ChatbotFormPageMixin


class FormField(ChatbotFormFieldMixin, AbstractFormField):
    """One question on the contact page, optionally sent as a lead field."""

    page = ParentalKey(
        "ContactPage", on_delete=models.CASCADE, related_name="form_fields"
    )


class ContactPage(ChatbotFormPageMixin, AbstractEmailForm):
    """A contact form; each submission is also a lead of the chosen chatbot."""

    intro = RichTextField(blank=True)
    thank_you_text = RichTextField(blank=True)

    content_panels = [
        *AbstractEmailForm.content_panels,
        FormSubmissionsPanel(),
        FieldPanel("intro"),
        InlinePanel("form_fields", label="Form fields"),
        FieldPanel("thank_you_text"),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("from_address"), FieldPanel("to_address")]),
                FieldPanel("subject"),
            ],
            heading="Email",
        ),
        *ChatbotFormPageMixin.chatbot_panels,
    ]
