from wagtail import blocks
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page

from wagtail_chatbot_crm.blocks import ChatbotBlock


class HomePage(Page):
    """The example site's home page."""

    intro = RichTextField(blank=True)
    body = StreamField(
        [("paragraph", blocks.RichTextBlock()), ("chatbot", ChatbotBlock())],
        blank=True,
        help_text="Put a chatbot's form anywhere in the page with the Chatbot block.",
    )

    content_panels = [*Page.content_panels, FieldPanel("intro"), FieldPanel("body")]
