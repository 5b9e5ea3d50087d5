"""Demo HubSpot and Demo Zoho: the real presets, pointed at local emulators.

``run_demo`` starts the emulators (``emulators.HubSpot`` and ``emulators.Zoho``)
beside the web server and the consumer, and this app registers a preset for
each, so an editor can try a preset end to end in the demo: choose "Demo
HubSpot", paste the token from its setup steps, Load fields, Test
connection, save, and watch the contact arrive, once however often the same
visitor writes. The ports come from the ``DEMO_CRM_PORTS`` setting.
"""

from dataclasses import replace

from django.conf import settings

from wagtail_chatbot_crm.presets import get_preset, register_preset

from .emulators import HubSpot, Zoho

DEFAULT_PORTS = {"hubspot": 8001, "zoho": 8002}
HUBSPOT_TOKEN = "demo-hubspot-token"
ZOHO_APP = {
    "client_id": "demo-zoho-client",
    "client_secret": "demo-zoho-client-secret",
    "refresh_token": "demo-zoho-refresh-token",
}


def ports() -> dict[str, int]:
    return {**DEFAULT_PORTS, **getattr(settings, "DEMO_CRM_PORTS", {})}


def base_url(crm: str) -> str:
    return f"http://127.0.0.1:{ports()[crm]}"


def register_demo_presets() -> None:
    """Register "Demo HubSpot" and "Demo Zoho" beside the real presets."""
    hubspot = get_preset("hubspot")
    register_preset(
        replace(
            hubspot,
            key="demo_hubspot",
            label="Demo HubSpot (local emulator)",
            url=base_url("hubspot") + HubSpot.path,
            setup_steps=(
                f"Paste {HUBSPOT_TOKEN} as the bearer token: the demo HubSpot "
                "accepts only that one.",
                "Press Load fields on the Field mapping tab, then Test "
                "connection, then save.",
                f"Contacts it keeps are listed at {base_url('hubspot')}/.",
            ),
        )
    )
    zoho = get_preset("zoho")
    register_preset(
        replace(
            zoho,
            key="demo_zoho",
            label="Demo Zoho (local emulator)",
            url=base_url("zoho") + Zoho.path,
            oauth_token_url=base_url("zoho") + Zoho.token_path,
            setup_steps=(
                f"Client ID {ZOHO_APP['client_id']}, client secret "
                f"{ZOHO_APP['client_secret']}, refresh token "
                f"{ZOHO_APP['refresh_token']}: the demo Zoho's app.",
                "Press Load fields on the Field mapping tab, then Test "
                "connection, then save.",
                f"Leads it keeps are listed at {base_url('zoho')}/.",
            ),
        )
    )


def start_emulators() -> list:
    """Start the demo HubSpot and Zoho on their ports; returns them, to stop."""
    hubspot = HubSpot(ports()["hubspot"])
    hubspot.token = HUBSPOT_TOKEN
    zoho = Zoho(ports()["zoho"])
    zoho.client_id = ZOHO_APP["client_id"]
    zoho.client_secret = ZOHO_APP["client_secret"]
    zoho.refresh_token = ZOHO_APP["refresh_token"]
    return [hubspot.start(), zoho.start()]
