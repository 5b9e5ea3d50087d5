"""The public endpoint that receives a visitor's lead."""

import json
import logging
import uuid
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.core.exceptions import SuspiciousOperation, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.template.response import TemplateResponse
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from wagtail.models import Site

from .. import ratelimit
from ..conf import crm_settings
from ..funnel import count_event
from ..leads import client_ip_digest, record_lead, validate_lead
from ..models import Chatbot, WidgetEvent
from ..templatetags.chatbot_tags import SENT_PARAMETER
from ..widget import widget_context

logger = logging.getLogger(__name__)

# Units of a visitor's rate limit: a submission takes three, one refused
# with 400 keeps one (RATE_LIMIT_REQUESTS accepted ones, or three times as
# many refused, fit in a window).
SUBMISSION_COST = 3
REFUSED_COST = 1

FORM_CONTENT_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")

# A visitor may open the chat this many times for each lead they may send
# (``RATE_LIMIT_REQUESTS``) before events are refused.
EVENTS_PER_LEAD = 10


def error_response(status: int, message: str, **headers) -> JsonResponse:
    """A JSON error body in the same shape as field errors."""
    response = JsonResponse({"errors": {"__all__": [message]}}, status=status)
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


def client_ip(request: HttpRequest) -> str:
    """The visitor's address, from ``CLIENT_IP_HEADER`` behind a proxy."""
    header = crm_settings.CLIENT_IP_HEADER
    if header and request.META.get(header):
        # A proxy appends the address it saw, so the last one is trustworthy.
        return request.META[header].split(",")[-1].strip()
    return request.META.get("REMOTE_ADDR", "")


# (scheme, host, port): what a browser's ``Origin`` header names.
Origin = tuple[str, str, int]
DEFAULT_PORTS = {"http": 80, "https": 443}


def origin_of(url: str) -> Origin | None:
    """The origin of an http(s) URL, its port filled in from the scheme when
    not written; None when the URL names none (``null``, a bad port)."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or not parts.hostname:
        return None
    return (
        scheme,
        parts.hostname.lower(),
        DEFAULT_PORTS[scheme] if port is None else port,
    )


def trusted_origins(entry: str) -> set[Origin]:
    """The origins one ``TRUSTED_ORIGINS`` entry stands for: a URL names one;
    a host, with or without a port, stands for it on http and https."""
    if "://" in entry:
        origins = {origin_of(entry)}
    else:
        host = entry.removeprefix("//")
        origins = {origin_of(f"{scheme}://{host}") for scheme in DEFAULT_PORTS}
    origins.discard(None)
    return origins


def site_origins(request: HttpRequest) -> set[Origin]:
    """Origins whose pages may post leads here: the request's own, each
    Wagtail Site's root URL, and ``TRUSTED_ORIGINS``."""
    origins = {origin_of(f"{request.scheme}://{request.get_host()}")}
    origins.update(origin_of(root.root_url) for root in Site.get_site_root_paths())
    for entry in crm_settings.TRUSTED_ORIGINS:
        origins.update(trusted_origins(entry))
    origins.discard(None)
    return origins


def origin_allowed(request: HttpRequest) -> bool:
    """Check ``Origin`` (else ``Referer``) instead of a CSRF token.

    Pages served from a cache carry no per-visitor token, but a browser always
    names the page's origin on a cross-site POST. Scheme, host and port must
    all match: another port on the same host is another site. A request
    naming neither comes from a server-side client, which a CSRF attack
    cannot be.
    """
    origin = request.headers.get("Origin")
    if origin is None:
        origin = request.headers.get("Referer")
    if origin is None:
        return True
    return origin_of(origin) in site_origins(request)


def wants_html(request: HttpRequest) -> bool:
    """Whether this is a browser's plain form post (no JavaScript)."""
    return (
        request.content_type in FORM_CONTENT_TYPES
        and "text/html" in request.headers.get("Accept", "")
        and request.headers.get("X-Requested-With") != "XMLHttpRequest"
    )


def back_url(request: HttpRequest, next_url: str | None, sent_slug: str | None) -> str:
    """Where to send the visitor back to: the page they came from, if it is
    on this site, marked so the widget shows its thank-you."""
    candidates = [next_url, request.headers.get("Referer"), "/"]
    hosts = {host for _scheme, host, _port in site_origins(request)}
    hosts.add(request.get_host())
    url = next(
        candidate
        for candidate in candidates
        if candidate
        and url_has_allowed_host_and_scheme(
            candidate, allowed_hosts=hosts, require_https=request.is_secure()
        )
    )
    if sent_slug is None:
        return url
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query) if k != SENT_PARAMETER]
    query.append((SENT_PARAMETER, sent_slug))
    return urlunsplit(
        (parts.scheme, parts.netloc, parts.path, urlencode(query), f"wcc-{sent_slug}")
    )


@method_decorator([csrf_exempt, never_cache], name="dispatch")
class LeadCaptureView(View):
    """``POST /chatbot/<slug>/leads/``: validate and store a visitor's lead."""

    http_method_names = ["post"]

    def http_method_not_allowed(self, request, *args, **kwargs):
        return error_response(
            405, _("Send leads with POST."), Allow=", ".join(self._allowed_methods())
        )

    def post(self, request, slug):
        # A browser posting the widget's form without JavaScript gets pages
        # and a redirect back; everything else gets JSON.
        self.html = wants_html(request)
        self.chatbot = None
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > crm_settings.MAX_REQUEST_BYTES:
            return self.error(413, _("The request is too large."))

        chatbot = self.chatbot = Chatbot.objects.live(slug)
        if chatbot is None:
            return self.error(404, _("There is no chatbot at this address."))

        if not origin_allowed(request):
            logger.warning("Refused a lead for %s from another site's page", slug)
            return self.error(403, _("Leads can only be sent from this site."))

        ip = client_ip(request)
        # A submission costs its full share of the visitor's limit; one the
        # endpoint refuses (400) gets most of it back, so a visitor fixing a
        # typo is not locked out.
        limit_key = f"lead:{client_ip_digest(ip)}"
        window = crm_settings.RATE_LIMIT_WINDOW
        retry_after = ratelimit.hit(
            limit_key,
            crm_settings.RATE_LIMIT_REQUESTS * SUBMISSION_COST,
            window,
            cost=SUBMISSION_COST,
        )
        if retry_after is not None:
            return self.error(
                429,
                _("Too many messages from you. Please try again in a minute."),
                Retry_After=str(retry_after),
            )

        data, problem = self.parse_body(request)
        if problem:
            ratelimit.refund(limit_key, window, SUBMISSION_COST - REFUSED_COST)
            return self.error(400, problem)

        honeypot = crm_settings.HONEYPOT_FIELD
        try:
            if honeypot and data.get(honeypot):
                # Answer exactly as for a person, bad fields included, so the
                # bot learns nothing; keep nothing.
                validate_lead(chatbot, data)
                logger.info("Discarded a lead for %s that filled the honeypot", slug)
                lead_uuid = uuid.uuid4()
            else:
                lead_uuid = record_lead(
                    chatbot,
                    data,
                    source_url=request.headers.get("Referer"),
                    client_ip=ip,
                ).uuid
        except ValidationError as exc:
            ratelimit.refund(limit_key, window, SUBMISSION_COST - REFUSED_COST)
            if self.html:
                return self.page(400, exc.message_dict, data)
            return JsonResponse({"errors": exc.message_dict}, status=400)
        return self.created(lead_uuid, data)

    def created(self, lead_uuid: uuid.UUID, data):
        if self.html:
            return HttpResponseRedirect(
                back_url(self.request, data.get("next"), self.chatbot.slug), status=303
            )
        # "id" is the uuid as well: a database number would tell anyone how
        # many leads the site gets.
        return JsonResponse({"id": str(lead_uuid), "uuid": str(lead_uuid)}, status=201)

    def error(self, status: int, message: str, **headers):
        if self.html:
            response = self.page(status, {"__all__": [message]}, {})
            for name, value in headers.items():
                response[name.replace("_", "-")] = value
            return response
        return error_response(status, message, **headers)

    def page(self, status: int, errors: dict, data):
        """The widget's form as a page of its own, with what went wrong."""
        context = {"messages_": errors.get("__all__", [])}
        if self.chatbot is not None:
            values = {key: data.get(key) for key in data} if data else {}
            context.update(
                widget_context(
                    self.chatbot,
                    values=values,
                    errors=errors,
                    next_url=data.get("next", "") if data else "",
                    standalone=True,
                )
            )
            context["back_url"] = back_url(self.request, context["next_url"], None)
        return TemplateResponse(
            self.request,
            "wagtail_chatbot_crm/lead_form_page.html",
            context,
            status=status,
        )

    @staticmethod
    def parse_body(request):
        """The submitted fields, or an error message for the visitor."""
        if request.content_type == "application/json":
            try:
                data = json.loads(request.body or b"null")
                # Lone surrogates parse but cannot be stored as text.
                json.dumps(data, ensure_ascii=False).encode("utf-8")
            except (ValueError, UnicodeError, RecursionError):
                return None, _("The request body is not valid JSON.")
            if not isinstance(data, dict):
                return None, _("Send the lead as a JSON object.")
            return data, None
        if request.content_type in FORM_CONTENT_TYPES:
            try:
                return request.POST, None
            except (SuspiciousOperation, MultiPartParserError):
                return None, _("The form data could not be read.")
        return None, _("Send the lead as JSON or as form data.")


@method_decorator([csrf_exempt, never_cache], name="dispatch")
class WidgetEventView(View):
    """``POST /chatbot/<slug>/events/``: the widget counts an open or a
    started conversation for the dashboard's funnel. Nothing about the
    visitor is kept; the count is per chatbot and day."""

    http_method_names = ["post"]

    def http_method_not_allowed(self, request, *args, **kwargs):
        return error_response(405, _("Send events with POST."), Allow="POST")

    def post(self, request, slug):
        chatbot = Chatbot.objects.live(slug)
        if chatbot is None:
            return error_response(404, _("There is no chatbot at this address."))
        if not origin_allowed(request):
            return error_response(403, _("Events can only be sent from this site."))
        limit = crm_settings.RATE_LIMIT_REQUESTS
        retry_after = ratelimit.hit(
            f"event:{client_ip_digest(client_ip(request))}",
            # Opening the chat is cheaper than sending a lead; still bounded.
            limit * EVENTS_PER_LEAD if limit > 0 else 0,
            crm_settings.RATE_LIMIT_WINDOW,
        )
        if retry_after is not None:
            return error_response(
                429, _("Too many events."), Retry_After=str(retry_after)
            )
        if len(request.body) > 200:
            return error_response(413, _("The request is too large."))
        try:
            event = json.loads(request.body or b"null").get("event")
        except (ValueError, AttributeError):
            event = None
        if event not in WidgetEvent.values:
            return error_response(
                400,
                _("Name the event: one of %(events)s.")
                % {"events": ", ".join(WidgetEvent.values)},
            )
        count_event(chatbot, event)
        return HttpResponse(status=204)
