"""The public endpoint that receives a visitor's lead."""

import json
import logging
import uuid
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.http import HttpRequest, JsonResponse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from wagtail.models import Site

from .. import ratelimit
from ..conf import crm_settings
from ..leads import client_ip_digest, record_lead
from ..models import Chatbot

logger = logging.getLogger(__name__)

FORM_CONTENT_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


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


def site_hostnames(request: HttpRequest) -> set[str]:
    """Hostnames whose pages may post leads here."""
    hosts = {urlsplit(f"//{request.get_host()}").hostname}
    for root in Site.get_site_root_paths():
        hosts.add(urlsplit(root.root_url).hostname)
    for trusted in crm_settings.TRUSTED_ORIGINS:
        hosts.add(urlsplit(trusted if "//" in trusted else f"//{trusted}").hostname)
    return {host.lower() for host in hosts if host}


def origin_allowed(request: HttpRequest) -> bool:
    """Check ``Origin`` (else ``Referer``) instead of a CSRF token.

    Pages served from a cache carry no per-visitor token, but a browser always
    names the page's origin on a cross-site POST. A request naming neither
    comes from a server-side client, which a CSRF attack cannot be.
    """
    origin = request.headers.get("Origin")
    if origin is None:
        origin = request.headers.get("Referer")
    if origin is None:
        return True
    host = urlsplit(origin).hostname
    return bool(host) and host.lower() in site_hostnames(request)


@method_decorator([csrf_exempt, never_cache], name="dispatch")
class LeadCaptureView(View):
    """``POST /chatbot/<slug>/leads/``: validate and store a visitor's lead."""

    http_method_names = ["post"]

    def http_method_not_allowed(self, request, *args, **kwargs):
        return error_response(
            405, _("Send leads with POST."), Allow=", ".join(self._allowed_methods())
        )

    def post(self, request, slug):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > crm_settings.MAX_REQUEST_BYTES:
            return error_response(413, _("The request is too large."))

        chatbot = Chatbot.objects.filter(slug=slug, enabled=True).first()
        if chatbot is None:
            return error_response(404, _("There is no chatbot at this address."))

        if not origin_allowed(request):
            logger.warning("Refused a lead for %s from another site's page", slug)
            return error_response(403, _("Leads can only be sent from this site."))

        ip = client_ip(request)
        retry_after = ratelimit.hit(
            f"lead:{client_ip_digest(ip)}",
            crm_settings.RATE_LIMIT_REQUESTS,
            crm_settings.RATE_LIMIT_WINDOW,
        )
        if retry_after is not None:
            return error_response(
                429,
                _("Too many messages from you. Please try again in a minute."),
                Retry_After=str(retry_after),
            )

        data, problem = self.parse_body(request)
        if problem:
            return error_response(400, problem)

        honeypot = crm_settings.HONEYPOT_FIELD
        if honeypot and data.get(honeypot):
            # Answer like a success so the bot learns nothing; keep nothing.
            logger.info("Discarded a lead for %s that filled the honeypot", slug)
            return JsonResponse({"id": None, "uuid": str(uuid.uuid4())}, status=201)

        try:
            lead = record_lead(
                chatbot,
                data,
                source_url=request.headers.get("Referer"),
                client_ip=ip,
            )
        except ValidationError as exc:
            return JsonResponse({"errors": exc.message_dict}, status=400)
        return JsonResponse({"id": lead.pk, "uuid": str(lead.uuid)}, status=201)

    @staticmethod
    def parse_body(request):
        """The submitted fields, or an error message for the visitor."""
        if request.content_type == "application/json":
            try:
                data = json.loads(request.body or b"null")
            except (ValueError, UnicodeDecodeError):
                return None, _("The request body is not valid JSON.")
            if not isinstance(data, dict):
                return None, _("Send the lead as a JSON object.")
            return data, None
        if request.content_type in FORM_CONTENT_TYPES:
            return request.POST, None
        return None, _("Send the lead as JSON or as form data.")
