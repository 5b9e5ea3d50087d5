"""Where the site's chatbot shows: the editor's choice in Settings → Chatbot.

A developer puts ``{% chatbot_widget %}`` in the base template once, or
adds ``ChatbotWidgetMiddleware``; from then on editors choose which chatbot
shows and where (every page, one section, nowhere) and which pages opt out.
"""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from wagtail.models import Page

from .models import Chatbot, ChatbotSettings, Placement

MIDDLEWARE = "wagtail_chatbot_crm.middleware.ChatbotWidgetMiddleware"

# The settings screen says when the tag last rendered; noted at most this
# often, so that page views do not write to the database.
TAG_SEEN_EVERY = timedelta(hours=1)


def page_in(context) -> Page | None:
    """The Wagtail page a template (or a response's context) renders."""
    for name in ("page", "self"):
        page = context.get(name) if context else None
        if isinstance(page, Page):
            return page
    return None


def placed_chatbot(request, page: Page | None) -> Chatbot | None:
    """The enabled chatbot the editor placed on ``page`` (None for a view
    that is not a Wagtail page), or None where it does not show."""
    if request is None:
        return None
    site_settings = ChatbotSettings.for_request(request)
    chosen = site_settings.default_chatbot
    if chosen is None or not chosen.enabled or not shows_on(site_settings, page):
        return None
    # Loaded with the settings (their select_related): no second query on
    # every page view.
    return chosen


def shows_on(site_settings: ChatbotSettings, page: Page | None) -> bool:
    """Whether the settings put the chatbot on ``page`` (None: a view that
    is no Wagtail page, which only "every page" covers)."""
    if site_settings.placement == Placement.NOWHERE:
        return False
    if page is not None and _opted_out(site_settings, page):
        return False
    if site_settings.placement == Placement.SECTION:
        section = site_settings.section
        if page is None or section is None:
            return False
        return page.path.startswith(section.path)
    return True


def _opted_out(site_settings: ChatbotSettings, page: Page) -> bool:
    return bool(site_settings.pk) and (
        site_settings.hidden_pages.filter(page_id=page.pk).exists()
    )


def note_tag_seen(request) -> None:
    """Remember that this site's pages render the tag, for the settings
    screen; at most once per ``TAG_SEEN_EVERY``."""
    site_settings = ChatbotSettings.for_request(request)
    now = timezone.now()
    seen = site_settings.tag_seen_at
    if site_settings.pk and (seen is None or now - seen > TAG_SEEN_EVERY):
        site_settings.tag_seen_at = now
        ChatbotSettings.objects.filter(pk=site_settings.pk).update(tag_seen_at=now)


def middleware_active() -> bool:
    return MIDDLEWARE in settings.MIDDLEWARE
