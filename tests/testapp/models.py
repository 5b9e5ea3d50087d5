"""The test site's pages: what the tests need from a site that uses the app."""

from django.db import models
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import (
    FieldPanel,
    FieldRowPanel,
    InlinePanel,
    MultiFieldPanel,
)
from wagtail.contrib.forms.models import AbstractEmailForm, AbstractFormField
from wagtail.fields import RichTextField
from wagtail.models import Page

from wagtail_chatbot_crm.form_pages import ChatbotFormFieldMixin, ChatbotFormPageMixin


class HomePage(Page):
    """The site's root page; its template shows the "demo" chatbot's widget."""


class FormField(ChatbotFormFieldMixin, AbstractFormField):
    """One question on the contact page, optionally sent as a lead field."""

    page = ParentalKey(
        "ContactPage", on_delete=models.CASCADE, related_name="form_fields"
    )


class ContactPage(ChatbotFormPageMixin, AbstractEmailForm):
    """A Wagtail form page whose submissions also become leads."""

    thank_you_text = RichTextField(blank=True)

    content_panels = [
        *AbstractEmailForm.content_panels,
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
