"""StreamField blocks: a chatbot placed in a page's content."""

from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.snippets.blocks import SnippetChooserBlock


class ChatbotBlock(blocks.StructBlock):
    """A chatbot's form in the page's flow, where the editor puts it."""

    chatbot = SnippetChooserBlock(
        "wagtail_chatbot_crm.Chatbot",
        label=_("Chatbot"),
        help_text=_("Its greeting, fields and thank-you come from its settings."),
    )

    class Meta:
        icon = "comment"
        label = _("Chatbot")
        template = "wagtail_chatbot_crm/blocks/chatbot_block.html"
