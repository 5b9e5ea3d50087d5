"""``{% chatbot_widget "slug" %}``: the visitor's chat bubble and form."""

import logging

from django import template
from django.template.loader import render_to_string

from ..models import Chatbot, ChatbotSettings
from ..placement import note_tag_seen, page_in, placed_chatbot
from ..widget import widget_context

register = template.Library()
logger = logging.getLogger(__name__)

# Each missing slug is logged once per process, not on every page view.
_reported_missing: set = set()

SENT_PARAMETER = "chatbot_sent"


@register.simple_tag(takes_context=True)
def chatbot_widget(context, slug=None, inline=False):
    """Render the chatbot ``slug``; without one, the chatbot the site's
    editors placed on this page in Settings → Chatbot (which one, and on
    which pages).

    By default a chat bubble opens the chatbot in a dialog; ``inline=True``
    shows its form in the page's flow instead. Renders nothing when no
    chatbot shows here, so a page never breaks because a chatbot was
    switched off; a slug that names none, or a site with no chatbot chosen,
    is logged once.
    """
    request = context.get("request")
    if slug is None:
        chatbot = _placed_chatbot(request, page_in(context))
    else:
        chatbot = _named_chatbot(slug)
    if chatbot is None:
        return ""
    return render_widget(request, chatbot, inline=inline)


def render_widget(request, chatbot, *, inline=False) -> str:
    """The widget's HTML for ``chatbot`` on the page ``request`` asked for."""
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


# Stands for "no chatbot chosen" among the reported slugs.
_NO_DEFAULT = object()


def _placed_chatbot(request, page):
    if request is None:
        return None
    note_tag_seen(request)
    if ChatbotSettings.for_request(request).default_chatbot is None:
        if _NO_DEFAULT not in _reported_missing:
            _reported_missing.add(_NO_DEFAULT)
            logger.warning(
                "{%% chatbot_widget %%}: no chatbot is chosen for this site "
                "in Settings → Chatbot; rendering nothing"
            )
        return None
    # Where it shows is the editors' decision: nothing to log.
    return placed_chatbot(request, page)


def _named_chatbot(slug):
    chatbot = Chatbot.objects.live(slug)
    if chatbot is None and slug not in _reported_missing:
        _reported_missing.add(slug)
        logger.warning(
            "{%% chatbot_widget %%}: no enabled chatbot with the slug %r; "
            "rendering nothing",
            slug,
        )
    return chatbot
