"""The demo CRM: a webhook that records what it receives, and a page to read it."""

import hmac
import time

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from wagtail_chatbot_crm.validators import header_looks_secret

from .forms import InboxBehaviourForm
from .models import InboxBehaviour, InboxMessage, InboxMode

DEFAULT_TOKEN = "demo-crm-token"
INBOX_SIZE = 50
# Headers that carry credentials (Authorization, X-API-Key, *-Token, …):
# stored masked, never in the clear.
INVALID_TOKEN = "Invalid or missing bearer token"
# Named like credentials, but sent by the app and public by design: the
# lead's id and the Standard Webhooks signature headers.
PUBLIC_HEADERS = {
    "idempotency-key",
    "webhook-id",
    "webhook-timestamp",
    "webhook-signature",
}


def expected_token() -> str:
    """The bearer token the demo CRM accepts (setting ``DEMO_CRM_TOKEN``)."""
    return getattr(settings, "DEMO_CRM_TOKEN", DEFAULT_TOKEN)


def mask_credential(value: str) -> str:
    """Hide a credential, keeping only its scheme when it is a bearer token."""
    if value.split(" ", 1)[0].lower() == "bearer":
        return "Bearer ***"
    return "***"


def stored_headers(request: HttpRequest) -> dict[str, str]:
    """The request's headers as a dict, with every credential masked."""
    return {
        name: (
            mask_credential(value)
            if header_looks_secret(name) and name.lower() not in PUBLIC_HEADERS
            else value
        )
        for name, value in request.headers.items()
    }


def has_valid_token(request: HttpRequest) -> bool:
    """Whether ``Authorization: Bearer <token>`` carries the expected token."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return False
    return hmac.compare_digest(token.strip().encode(), expected_token().encode())


def record(request: HttpRequest, status_code: int) -> InboxMessage:
    """Store the request and the status it is answered with."""
    return InboxMessage.objects.create(
        method=request.method[:10],
        path=request.path[:255],
        headers=stored_headers(request),
        body=request.body.decode("utf-8", errors="replace"),
        content_type=request.META.get("CONTENT_TYPE", "")[:255],
        status_code=status_code,
        accepted=200 <= status_code < 300,
    )


def unauthorized(message: str) -> JsonResponse:
    """A 401 that names the scheme the client should use."""
    response = JsonResponse({"error": message}, status=401)
    response["WWW-Authenticate"] = 'Bearer realm="demo-crm"'
    return response


@csrf_exempt
@never_cache
def webhook(request: HttpRequest) -> HttpResponse:
    """Receive a lead: check the bearer token, record it, answer per the mode."""
    if request.method != "POST":
        response = JsonResponse({"error": "Method not allowed"}, status=405)
        response["Allow"] = "POST"
        return response

    if not has_valid_token(request):
        record(request, 401)
        return unauthorized(INVALID_TOKEN)

    behaviour = InboxBehaviour.current()
    mode = behaviour.mode
    if mode == InboxMode.FAIL:
        record(request, 500)
        return JsonResponse(
            {"error": "The demo CRM is failing on purpose (mode: fail)"}, status=500
        )
    if mode == InboxMode.RATE_LIMITED:
        record(request, 429)
        response = JsonResponse({"error": "Too many requests"}, status=429)
        response["Retry-After"] = "30"
        return response
    if mode == InboxMode.UNAUTHORIZED:
        record(request, 401)
        return unauthorized("Token rejected (demo mode: unauthorized)")

    # ok and slow: record on arrival, so the inbox shows it even while the
    # slow mode keeps the sender waiting (and perhaps timing out).
    message = record(request, 201)
    if mode == InboxMode.SLOW and behaviour.slow_seconds:
        time.sleep(behaviour.slow_seconds)
    return JsonResponse({"id": message.pk, "status": "created"}, status=201)


def render_inbox(
    request: HttpRequest, form: InboxBehaviourForm, status: int = 200
) -> HttpResponse:
    """The inbox page with the given mode form."""
    return render(
        request,
        "crm_inbox/inbox.html",
        {
            "messages_list": InboxMessage.objects.all()[:INBOX_SIZE],
            "total": InboxMessage.objects.count(),
            "inbox_size": INBOX_SIZE,
            "behaviour": InboxBehaviour.current(),
            "form": form,
        },
        status=status,
    )


@require_GET
@never_cache
def inbox(request: HttpRequest) -> HttpResponse:
    """The last messages received, newest first, and the mode switch."""
    return render_inbox(request, InboxBehaviourForm(instance=InboxBehaviour.current()))


@require_POST
def switch_mode(request: HttpRequest) -> HttpResponse:
    """Change how the demo CRM answers, then go back to the inbox."""
    form = InboxBehaviourForm(request.POST, instance=InboxBehaviour.current())
    if not form.is_valid():
        return render_inbox(request, form, status=400)
    form.save()
    return redirect("crm_inbox:inbox")
