"""``{% chatbot_widget "slug" %}``: the visitor's chat bubble and form."""

import logging

from django import template
from django.template.loader import render_to_string

from ..models import Chatbot, ChatbotSettings
from ..widget import widget_context

register = template.Library()
logger = logging.getLogger(__name__)

# Each missing slug is logged once per process, not on every page view.
_reported_missing: set = set()

SENT_PARAMETER = "chatbot_sent"


@register.simple_tag(takes_context=True)
def chatbot_widget(context, slug=None, inline=False):
    """Render the chatbot ``slug``, or the site's default chatbot.

    By default a chat bubble opens the chatbot in a dialog; ``inline=True``
    shows its form in the page's flow instead. Renders nothing (and logs
    once) when there is no such enabled chatbot, so a page never breaks
    because a chatbot was switched off.
    """
    request = context.get("request")
    chatbot = _find_chatbot(slug, request)
    if chatbot is None:
        return ""
    sent = request is not None and request.GET.get(SENT_PARAMETER) == chatbot.slug
    return render_to_string(
        "wagtail_chatbot_crm/widget.html",
        widget_context(
            chatbot,
            sent=sent,
            inline=inline,
            next_url=request.get_full_path() if request is not None else "",
        ),
        request=request,
    )


# Stands for "no default chatbot chosen" among the reported slugs.
_NO_DEFAULT = object()


def _find_chatbot(slug, request):
    if slug is None:
        slug = _default_slug(request)
        if slug is None:
            if _NO_DEFAULT not in _reported_missing:
                _reported_missing.add(_NO_DEFAULT)
                logger.warning(
                    "{%% chatbot_widget %%}: no chatbot is chosen for this site "
                    "in Settings → Chatbot; rendering nothing"
                )
            return None
    chatbot = Chatbot.objects.live(slug)
    if chatbot is None and slug not in _reported_missing:
        _reported_missing.add(slug)
        logger.warning(
            "{%% chatbot_widget %%}: no enabled chatbot with the slug %r; "
            "rendering nothing",
            slug,
        )
    return chatbot


def _default_slug(request):
    """The slug of the site's default chatbot, from its site settings."""
    if request is None:
        return None
    settings = ChatbotSettings.for_request(request)
    return settings.default_chatbot.slug if settings.default_chatbot else None
