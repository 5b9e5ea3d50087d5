"""Placement by editors: which chatbot shows, where, and pages opting out;
through the template tag and through the middleware."""

import pytest
from django.http import HttpResponse
from django.template import Context, Template, engines
from django.template.response import TemplateResponse
from django.test import RequestFactory, override_settings
from wagtail.models import Page, Site

from tests.testapp.models import HomePage
from wagtail_chatbot_crm.middleware import ChatbotWidgetMiddleware
from wagtail_chatbot_crm.models import ChatbotSettings, HiddenPage, Placement
from wagtail_chatbot_crm.placement import MIDDLEWARE
from wagtail_chatbot_crm.settings_panels import PlacementStatusPanel

pytestmark = pytest.mark.django_db

MARK = "data-wcc-endpoint"


@pytest.fixture
def pages(wagtail_site):
    """A home page with two sections, one holding a page."""
    home = wagtail_site.root_page

    def child(parent, slug):
        return parent.add_child(instance=HomePage(title=slug.title(), slug=slug))

    products = child(home, "products")
    return {
        "home": home,
        "products": products,
        "widget": child(products, "widget"),
        "about": child(home, "about"),
    }


@pytest.fixture
def site_settings(make_chatbot, wagtail_site):
    bot = make_chatbot(name="Sales", slug="sales")
    settings, _ = ChatbotSettings.objects.update_or_create(
        site=wagtail_site, defaults={"default_chatbot": bot}
    )
    return settings


def request_for(path="/"):
    request = RequestFactory().get(path)
    request.site = Site.objects.get(is_default_site=True)
    return request


def tag_on(page):
    return Template("{% load chatbot_tags %}{% chatbot_widget %}").render(
        Context({"request": request_for(page.url or "/"), "page": page})
    )


def test_on_every_page_by_default(pages, site_settings):
    assert all(MARK in tag_on(page) for page in pages.values())


def test_in_one_section(pages, site_settings):
    site_settings.placement = Placement.SECTION
    site_settings.section = pages["products"]
    site_settings.save()
    shown = {name for name, page in pages.items() if MARK in tag_on(page)}
    assert shown == {"products", "widget"}


def test_nowhere(pages, site_settings):
    site_settings.placement = Placement.NOWHERE
    site_settings.save()
    assert not any(MARK in tag_on(page) for page in pages.values())


def test_a_page_opts_out(pages, site_settings):
    HiddenPage.objects.create(settings=site_settings, page=pages["about"])
    shown = {name for name, page in pages.items() if MARK in tag_on(page)}
    assert shown == {"home", "products", "widget"}


def test_a_section_needs_its_page(site_settings):
    site_settings.placement = Placement.SECTION
    with pytest.raises(Exception, match="Choose the section"):
        site_settings.full_clean()


def test_the_tag_is_noted_for_the_settings_screen(pages, site_settings):
    assert site_settings.tag_seen_at is None
    tag_on(pages["home"])
    site_settings.refresh_from_db()
    seen = site_settings.tag_seen_at
    assert seen is not None
    tag_on(pages["about"])  # not written again within the hour
    site_settings.refresh_from_db()
    assert site_settings.tag_seen_at == seen


def html_page(body="<main>Hello</main>", **kwargs):
    return HttpResponse(f"<html><body>{body}</body></html>", **kwargs)


def through_middleware(response, path="/", page=None):
    if page is not None:
        template = engines["django"].from_string("<html><body>x</body></html>")
        response = TemplateResponse(request_for(path), template, {"page": page})
        response.render()
    return ChatbotWidgetMiddleware(lambda request: response)(request_for(path))


def test_the_middleware_adds_the_widget_before_the_end_of_body(site_settings):
    content = through_middleware(html_page()).content.decode()
    assert MARK in content
    assert content.index(MARK) < content.index("</body>")
    assert content.count(MARK) == 1


def test_the_middleware_follows_the_editors_placement(pages, site_settings):
    site_settings.placement = Placement.SECTION
    site_settings.section = pages["products"]
    site_settings.save()
    assert MARK in through_middleware(None, page=pages["widget"]).content.decode()
    assert MARK not in through_middleware(None, page=pages["about"]).content.decode()
    # A Django view is no Wagtail page, so in no section.
    assert MARK not in through_middleware(html_page()).content.decode()


@pytest.mark.parametrize(
    "response",
    [
        HttpResponse('{"a": 1}', content_type="application/json"),
        HttpResponse("<html><body>gone</body></html>", status=404),
        HttpResponse("<p>a fragment, no body</p>"),
    ],
)
def test_the_middleware_leaves_other_responses_alone(site_settings, response):
    before = response.content
    assert through_middleware(response).content == before


def test_the_middleware_never_adds_a_second_widget_or_touches_the_admin(
    site_settings,
):
    page_with_tag = html_page(body=f'<div {MARK}="/x/"></div>')
    assert through_middleware(page_with_tag).content.decode().count(MARK) == 1
    assert MARK not in through_middleware(html_page(), path="/admin/").content.decode()


def status_text(site_settings):
    from wagtail_chatbot_crm.models import ChatbotSettings as Model

    panel = PlacementStatusPanel().bind_to_model(Model)
    bound = panel.get_bound_panel(instance=site_settings, request=request_for())
    return str(bound.content)


def test_the_settings_screen_says_how_and_where(pages, site_settings):
    assert "No page of this site has shown the {% chatbot_widget %} tag" in (
        status_text(site_settings)
    )
    assert "Visitors see “Sales” on every page." in status_text(site_settings)
    tag_on(pages["home"])
    site_settings.refresh_from_db()
    site_settings.placement = Placement.SECTION
    site_settings.section = pages["products"]
    site_settings.save()
    HiddenPage.objects.create(settings=site_settings, page=pages["widget"])
    text = status_text(site_settings)
    assert "tag is in the site" in text
    assert "on “Products” and the pages under it, except on 1 page" in text
    with override_settings(MIDDLEWARE=[MIDDLEWARE]):
        assert "The chatbot middleware is on" in status_text(site_settings)


def test_page_in_ignores_what_is_no_page():
    from wagtail_chatbot_crm.placement import page_in

    assert page_in({"page": "not a page"}) is None
    assert page_in(None) is None
    assert isinstance(page_in({"self": Page.get_first_root_node()}), Page)
