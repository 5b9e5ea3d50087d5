"""CRM presets: what each CRM's lead API needs, as data in one registry.

A preset gives a webhook URL (with ``<placeholders>`` the editor fills in),
the kind of authentication and its header, the body format, and field
mappings and static values in the spec's dotted-path form. Where the CRM has
an upsert endpoint the preset uses it, so a returning visitor updates their
record instead of failing or creating a duplicate. A site can register its
own with :func:`register_preset`.

Each preset names the vendor documentation it follows (``docs_url``),
checked in November 2026:

- Salesforce Web-to-Lead: the form Salesforce generates (Setup → Web-to-Lead)
  posts to webto.salesforce.com with ``oid`` and the lead fields; limits and
  silent drops: https://help.salesforce.com/s/articleView?id=sales.faq_leads_how_can_i_be_sure.htm
- HubSpot contacts batch upsert, keyed by email (``inputs[].idProperty``),
  Bearer token; the v3 path, supported until September 2027 (the dated
  ``/crm/objects/2026-03/…`` path takes the same body):
  https://developers.hubspot.com/docs/api-reference/legacy/crm/objects/contacts/batch/upsert-contacts
- Pipedrive API v2 persons, ``x-api-token`` header; no upsert:
  https://developers.pipedrive.com/docs/api/v1/Persons and
  https://pipedrive.readme.io/docs/core-api-concepts-authentication
- Zoho CRM v8 ``Leads/upsert`` with ``duplicate_check_fields``,
  ``Authorization: Zoho-oauthtoken``: https://www.zoho.com/crm/developer/docs/api/v8/upsert-records.html
  and data centres: https://www.zoho.com/crm/developer/docs/api/v8/multi-dc.html
- ActiveCampaign ``contact/sync`` (create or update by email), ``Api-Token``:
  https://developers.activecampaign.com/reference/sync-a-contacts-data
- Freshsales (Freshworks CRM) ``contacts/upsert``, ``Authorization: Token
  token=…``: https://developers.freshworks.com/crm/api/
- Zapier catch hooks: https://help.zapier.com/hc/en-us/articles/8496288690317

Attribution goes where a CRM has a field of its own for it, as rows the
editor can change: Freshsales' contact ``medium`` and ``keyword`` (text
fields of the contact, https://developers.freshworks.com/crm/api/#contacts)
take the UTM medium and term; Salesforce's ``lead_source`` and Zoho's
``Lead_Source`` are static values. HubSpot sets its source properties from
its own tracking (“Original source” is one of HubSpot's categories and its
drill-downs cannot be written:
https://knowledge.hubspot.com/contacts/understand-source-properties), and
Pipedrive persons and ActiveCampaign contacts have no such fields: there a
site maps attribution to custom fields it creates.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlsplit

from django.db import transaction
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .models import (
    AuthType,
    BodyFormat,
    Chatbot,
    FieldMapping,
    MappingSource,
    Preset,
    StaticValue,
)
from .validators import PLACEHOLDER_RE


@dataclass(frozen=True)
class CrmPreset:
    """Everything a chatbot needs to send leads to one CRM."""

    key: str
    label: Promise | str
    # The vendor's name, as in "Reconnect Zoho" (blank: "the CRM").
    vendor: str = ""
    url: str = ""
    auth_type: str = AuthType.NONE
    # The header that carries an API key (auth type ``api_key``).
    api_key_header: str = ""
    # OAuth2 (auth type ``oauth2``): where access tokens come from, and the
    # word sent before one in the Authorization header.
    oauth_token_url: str = ""
    oauth_header_prefix: str = ""
    body_format: str = BodyFormat.JSON
    # (source, CRM field) pairs, in the order they are shown.
    mappings: tuple[tuple[str, str], ...] = ()
    # (CRM field, value, is JSON) triples.
    static_values: tuple[tuple[str, str, bool], ...] = ()
    # Short steps for the editor: where to find the token, and the like.
    setup_steps: tuple[Promise | str, ...] = ()
    # What a returning visitor (the same email again) causes.
    duplicates: Promise | str = ""
    docs_url: str = ""
    # This project's page on the CRM (docs/crm/ in the repository).
    guide_url: str = ""
    # Reads the CRM's JSON answer to a 2xx for an error about the record
    # (a batch answer's per-record error); returns its message, or "".
    answer_error: Callable[[Any], str] | None = None
    # Reads a successful JSON answer for the record's id in the CRM and
    # whether it was created (True), updated (False) or cannot be told (None).
    answer_record: Callable[[Any], tuple[str, bool | None]] | None = None
    # Said on a Synced lead's page when a 2xx does not prove the CRM kept it.
    answer_note: Promise | str = ""
    # The record's page in the CRM's web app, from the webhook URL and the
    # record id, where the vendor's address for it is stable and needs
    # nothing but what the URL holds (not HubSpot's or Zoho's, which name
    # an account id the app does not know).
    record_url: Callable[[str, str], str] | None = None
    # Where the CRM lists its fields, on the webhook's host (Load fields),
    # how to read that answer into (name, label, required) triples, and what
    # goes before a field's name in a mapping row's CRM field.
    fields_path: str = ""
    read_fields: Callable[[Any], list[tuple[str, str, bool]]] | None = None
    fields_prefix: str = ""
    # Given a page of the fields answer and its path, the next page's path
    # (None: that was the last).
    fields_next: Callable[[Any, str], str | None] | None = None
    # Checks a chatbot's settings against what the CRM needs; returns
    # messages by field name (none when all is well).
    check: Callable[[Chatbot], dict[str, str]] | None = None
    extra: dict = field(default_factory=dict)

    def placeholders(self) -> list[str]:
        """The ``<parts>`` of the URL and static values still to fill in."""
        texts = [self.url, *(value for _field, value, _json in self.static_values)]
        return [name for text in texts for name in PLACEHOLDER_RE.findall(text)]


_registry: dict[str, CrmPreset] = {}

# Where docs/crm/ is published (the project's repository).
GUIDES = (
    "https://github.com/wagtail-chatbot-crm/wagtail-chatbot-crm/blob/main/docs/crm/"
)


def register_preset(preset: CrmPreset) -> CrmPreset:
    """Add (or replace) a preset; a site may call this from its AppConfig."""
    _registry[preset.key] = preset
    return preset


def get_preset(key: str) -> CrmPreset:
    """The preset registered under ``key``; ``KeyError`` if there is none."""
    return _registry[key]


def registered_preset(key: str) -> CrmPreset | None:
    """The preset registered under ``key``, or ``None``."""
    return _registry.get(key)


# --- Where a record is seen in the CRM -------------------------------------------


def record_page(template: str) -> Callable[[str, str], str]:
    """A ``record_url`` that puts the webhook host's first label (the
    account's name, as in ``acme.pipedrive.com``) and the record id into
    ``template``."""

    def url(webhook_url: str, record_id: str) -> str:
        host = urlsplit(webhook_url).hostname or ""
        account = host.split(".", 1)[0]
        # No account name: an address, or a placeholder left in the URL.
        if not account.replace("-", "").isalnum() or account.isdigit():
            return ""
        if not record_id:
            return ""
        return template.format(account=account, id=quote(str(record_id), safe=""))

    return url


# --- What a 2xx answer may still say went wrong ----------------------------------


def hubspot_error(data) -> str:
    """HubSpot's batch answers list failed records in ``errors`` (HTTP 207)."""
    errors = data.get("errors") or []
    if errors:
        first = errors[0]
        return first.get("message") or first.get("category") or str(first)
    return ""


def zoho_error(data) -> str:
    """Zoho answers each record in ``data[]`` with ``status`` success or
    error, whatever the HTTP status."""
    for record in data.get("data") or []:
        if record.get("status") == "error":
            return f"{record.get('code', 'ERROR')}: {record.get('message', '')}"
    return ""


def hubspot_record(data) -> tuple[str, bool | None]:
    """``results[].id``, and ``new`` for created."""
    result = data["results"][0]
    return str(result["id"]), result.get("new")


def zoho_record(data) -> tuple[str, bool | None]:
    """``data[].details.id``, and ``action`` insert or update."""
    record = data["data"][0]
    action = record.get("action")
    return str(record["details"]["id"]), None if action is None else (
        action == "insert"
    )


def contact_record(data) -> tuple[str, bool | None]:
    """``contact.id`` (ActiveCampaign, Freshsales); created or updated is not
    said."""
    return str(data["contact"]["id"]), None


def pipedrive_record(data) -> tuple[str, bool | None]:
    """``data.id``; Pipedrive has no upsert, so the person is always new."""
    return str(data["data"]["id"]), True


def hubspot_fields(data) -> list[tuple[str, str, bool]]:
    """Contact properties: ``results[]`` with ``name`` and ``label``; none is
    required by the API, and read-only or hidden ones cannot be written."""
    return [
        (item["name"], item.get("label"), False)
        for item in data["results"]
        if not item.get("hidden")
        and not (item.get("modificationMetadata") or {}).get("readOnlyValue")
    ]


def zoho_fields(data) -> list[tuple[str, str, bool]]:
    """Field metadata: ``fields[]`` with ``api_name``, ``field_label`` and
    ``system_mandatory``."""
    return [
        (item["api_name"], item.get("field_label"), item.get("system_mandatory"))
        for item in data["fields"]
        if not item.get("read_only")
    ]


def pipedrive_fields(data) -> list[tuple[str, str, bool]]:
    """Person fields (API v2): ``data[]`` with ``field_code``, ``field_name``
    and ``required_fields.enabled``; custom ones are sent inside
    ``custom_fields``."""
    return [
        (
            f"custom_fields.{item['field_code']}"
            if item.get("is_custom_field")
            else item["field_code"],
            item.get("field_name"),
            (item.get("required_fields") or {}).get("enabled", False),
        )
        for item in data["data"]
    ]


def pipedrive_next_fields(data, path: str) -> str | None:
    """API v2 pages by cursor: ``additional_data.next_cursor`` until none."""
    cursor = (data.get("additional_data") or {}).get("next_cursor")
    if not cursor:
        return None
    path = re.sub(r"&cursor=[^&]*", "", path)
    return f"{path}&cursor={quote(str(cursor), safe='')}"


# ActiveCampaign's fields API lists custom fields only; these are the
# contact's own, as contact/sync takes them.
ACTIVECAMPAIGN_STANDARD = [
    ("email", "Email", True),
    ("firstName", "First name", False),
    ("lastName", "Last name", False),
    ("phone", "Phone", False),
]


def activecampaign_fields(data) -> list[tuple[str, str, bool]]:
    """The contact's own fields, once ``fields[]`` has answered (which also
    proves the key). Custom fields are sent as ``fieldValues`` entries of an
    id and a value, not under a name, so they are not offered: map one with
    a static value ``contact.fieldValues.0.field`` = its id and a row
    ``contact.fieldValues.0.value``."""
    if not isinstance(data["fields"], list):
        raise TypeError("fields is not a list")
    return ACTIVECAMPAIGN_STANDARD


def freshsales_fields(data) -> list[tuple[str, str, bool]]:
    """Contact fields: ``fields[]`` with ``name``, ``label`` and ``required``;
    custom ones (``cf_…``) are sent inside ``custom_field``."""
    return [
        (
            f"custom_field.{item['name']}"
            if item["name"].startswith("cf_")
            else item["name"],
            item.get("label"),
            item.get("required", False),
        )
        for item in data["fields"]
    ]


def pipedrive_error(data) -> str:
    """Pipedrive wraps every answer in ``success`` true or false."""
    if data.get("success") is False:
        return data.get("error") or data.get("error_info") or "success: false"
    return ""


def all_presets() -> list[CrmPreset]:
    """Every registered preset, in the order they were registered."""
    return list(_registry.values())


def apply_preset(chatbot: Chatbot, key: str, *, replace_mappings: bool = False):
    """Set a chatbot's CRM settings from a preset, and save it.

    URL, authentication type, API key header (or OAuth2 token URL and
    header prefix) and body format are taken from
    the preset (one without a URL, such as generic, leaves them as they
    are). Field mappings and static values are replaced by the preset's
    when ``replace_mappings`` is true or the chatbot has none yet;
    otherwise the editor's rows are left as they are. Stored secrets are
    never touched: a token belongs to the editor, not to the preset.
    """
    preset = get_preset(key)
    chatbot.preset = preset.key
    if preset.url:
        # A preset without a URL (generic) has no opinion on the settings.
        chatbot.webhook_url = preset.url
        chatbot.auth_type = preset.auth_type
        for name in ("api_key_header", "oauth_token_url", "oauth_header_prefix"):
            if getattr(preset, name):
                setattr(chatbot, name, getattr(preset, name))
        chatbot.body_format = preset.body_format
    with transaction.atomic():
        chatbot.save()
        has_rows = chatbot.field_mappings.exists() or chatbot.static_values.exists()
        if replace_mappings or not has_rows:
            chatbot.field_mappings.all().delete()
            chatbot.static_values.all().delete()
            FieldMapping.objects.bulk_create(
                FieldMapping(
                    chatbot=chatbot, source=source, crm_field=crm_field, sort_order=n
                )
                for n, (source, crm_field) in enumerate(preset.mappings)
            )
            StaticValue.objects.bulk_create(
                StaticValue(
                    chatbot=chatbot,
                    crm_field=crm_field,
                    value=value,
                    is_json=is_json,
                    sort_order=n,
                )
                for n, (crm_field, value, is_json) in enumerate(preset.static_values)
            )
    return chatbot


S = MappingSource

register_preset(
    CrmPreset(
        key=Preset.GENERIC,
        guide_url=GUIDES + "generic.md",
        label=Preset.GENERIC.label,
        setup_steps=(
            _("Paste the address your system receives leads at."),
            _(
                "Choose how it checks the sender: a bearer token, an API key in "
                "a header, or a user name and password."
            ),
            _(
                "With no field mapping every field is sent under its own name "
                "(name, email, phone…); add rows to send other names."
            ),
        ),
        duplicates=_("Depends on the receiving system."),
    )
)

register_preset(
    CrmPreset(
        key=Preset.ZAPIER,
        guide_url=GUIDES + "zapier.md",
        vendor="Zapier",
        answer_note=_(
            "Zapier answers 200 on receipt, even when the Zap is off: its "
            "run history shows what happened next."
        ),
        label=Preset.ZAPIER.label,
        url="https://hooks.zapier.com/hooks/catch/<account>/<hook>/",
        setup_steps=(
            _(
                "In Zapier, start a Zap with the trigger “Webhooks by Zapier” → "
                "“Catch Hook” and copy its URL."
            ),
            _(
                "Paste it here as the webhook URL (Make and n8n webhook URLs work "
                "the same way)."
            ),
            _(
                "Press Test connection, then “Test trigger” in Zapier: the test "
                "lead's fields appear there under their own names."
            ),
        ),
        duplicates=_(
            "Zapier accepts every lead; what happens to a returning visitor "
            "depends on the steps of your Zap."
        ),
        docs_url="https://help.zapier.com/hc/en-us/articles/8496288690317",
    )
)

register_preset(
    CrmPreset(
        key=Preset.SALESFORCE,
        guide_url=GUIDES + "salesforce.md",
        vendor="Salesforce",
        answer_note=_(
            "Salesforce's Web-to-Lead answers 200 whatever it does with a "
            "lead: look for it in Salesforce to be sure it was created."
        ),
        label=Preset.SALESFORCE.label,
        url="https://webto.salesforce.com/servlet/servlet.WebToLead?encoding=UTF-8",
        body_format=BodyFormat.FORM,
        mappings=(
            (S.FIRST_NAME, "first_name"),
            (S.LAST_NAME, "last_name"),
            (S.EMAIL, "email"),
            (S.COMPANY, "company"),
            (S.PHONE, "phone"),
            (S.MESSAGE, "description"),
        ),
        static_values=(
            ("oid", "<organization ID>", False),
            ("lead_source", "Web", False),
        ),
        setup_steps=(
            _("In Salesforce Setup, open Web-to-Lead and make sure it is enabled."),
            _(
                "Copy your organization ID (Setup → Company Information, or the "
                "“oid” value of the form Web-to-Lead generates) into the “oid” "
                "static value on the Field mapping tab."
            ),
            _(
                "Salesforce answers 200 even when it drops a lead (a validation "
                "or duplicate rule, more than 500 leads a day). To see why, add "
                "the static values “debug” = 1 and “debugEmail” = your address, "
                "send a test, and read the email; remove them afterwards."
            ),
            _(
                "If Web-to-Lead requires reCAPTCHA, Salesforce refuses leads "
                "sent by a server: switch that setting off for this form."
            ),
        ),
        duplicates=_(
            "Web-to-Lead always creates a new lead: a returning visitor is a "
            "second lead, unless a Salesforce duplicate rule stops it."
        ),
        docs_url=(
            "https://help.salesforce.com/s/articleView?"
            "id=sales.setting_up_web-to-lead.htm"
        ),
    )
)

register_preset(
    CrmPreset(
        key=Preset.HUBSPOT,
        guide_url=GUIDES + "hubspot.md",
        vendor="HubSpot",
        fields_path="/crm/v3/properties/contacts",
        read_fields=hubspot_fields,
        fields_prefix="inputs.0.properties.",
        answer_record=hubspot_record,
        answer_error=hubspot_error,
        label=Preset.HUBSPOT.label,
        url="https://api.hubapi.com/crm/v3/objects/contacts/batch/upsert",
        auth_type=AuthType.BEARER,
        mappings=(
            (S.EMAIL, "inputs.0.id"),
            (S.EMAIL, "inputs.0.properties.email"),
            (S.FIRST_NAME, "inputs.0.properties.firstname"),
            (S.LAST_NAME, "inputs.0.properties.lastname"),
            (S.PHONE, "inputs.0.properties.phone"),
            (S.COMPANY, "inputs.0.properties.company"),
        ),
        static_values=(("inputs.0.idProperty", "email", False),),
        setup_steps=(
            _(
                "In HubSpot, create an access token for an app (a service key, "
                "or an existing private app) with the scopes "
                "“crm.objects.contacts.write” and, for Load fields, "
                "“crm.schemas.contacts.read”."
            ),
            _("Choose “Bearer token” and paste the token."),
            _(
                "Leads are sent to HubSpot's batch upsert keyed by email: a "
                "returning visitor updates their contact."
            ),
        ),
        duplicates=_(
            "Upsert by email: the same email again updates the existing "
            "contact instead of failing with 409 Conflict."
        ),
        docs_url=(
            "https://developers.hubspot.com/docs/api-reference/legacy/crm/"
            "objects/contacts/batch/upsert-contacts"
        ),
    )
)

register_preset(
    CrmPreset(
        key=Preset.PIPEDRIVE,
        guide_url=GUIDES + "pipedrive.md",
        record_url=record_page("https://{account}.pipedrive.com/person/{id}"),
        vendor="Pipedrive",
        fields_path="/api/v2/personFields?include_fields=required_fields&limit=500",
        fields_next=pipedrive_next_fields,
        read_fields=pipedrive_fields,
        fields_prefix="",
        answer_record=pipedrive_record,
        answer_error=pipedrive_error,
        label=Preset.PIPEDRIVE.label,
        url="https://<company>.pipedrive.com/api/v2/persons",
        auth_type=AuthType.API_KEY,
        api_key_header="x-api-token",
        mappings=((S.NAME, "name"), (S.EMAIL, "emails.0.value")),
        static_values=(("emails.0.primary", "true", True),),
        setup_steps=(
            _(
                "Replace <company> in the URL with your Pipedrive company "
                "domain (the part before .pipedrive.com)."
            ),
            _(
                "In Pipedrive, open Personal preferences → API and copy your "
                "API token; paste it as the API key (header x-api-token)."
            ),
            _(
                "Each lead becomes a person. To send the phone too, add a row "
                "Phone → phones.0.value."
            ),
        ),
        duplicates=_(
            "Pipedrive has no upsert for persons: a returning visitor creates "
            "a second person with the same email, which you can merge in "
            "Pipedrive."
        ),
        docs_url="https://developers.pipedrive.com/docs/api/v1/Persons",
    )
)

# Zoho's data centres: the API domain of each, and the accounts domain that
# gives its access tokens (the multi-dc page cited above).
ZOHO_REGIONS = {
    "www.zohoapis.com": "accounts.zoho.com",
    "www.zohoapis.eu": "accounts.zoho.eu",
    "www.zohoapis.in": "accounts.zoho.in",
    "www.zohoapis.com.au": "accounts.zoho.com.au",
    "www.zohoapis.jp": "accounts.zoho.jp",
    "www.zohoapis.ca": "accounts.zohocloud.ca",
    "www.zohoapis.sa": "accounts.zoho.sa",
    "www.zohoapis.com.cn": "accounts.zoho.com.cn",
}


def zoho_check(chatbot: Chatbot) -> dict[str, str]:
    """A token URL of another data centre than the webhook URL's: Zoho
    would refuse the refresh token, and the editor be told to reconnect."""
    api_host = (urlsplit(chatbot.webhook_url).hostname or "").lower()
    accounts = ZOHO_REGIONS.get(api_host)
    token_host = (urlsplit(chatbot.oauth_token_url).hostname or "").lower()
    if chatbot.auth_type != AuthType.OAUTH2 or not accounts or token_host == accounts:
        return {}
    return {
        "oauth_token_url": _(
            "The webhook URL is in Zoho's %(api)s data centre: its tokens come "
            "from https://%(accounts)s/oauth/v2/token."
        )
        % {"api": api_host, "accounts": accounts}
    }


register_preset(
    CrmPreset(
        key=Preset.ZOHO,
        guide_url=GUIDES + "zoho.md",
        vendor="Zoho",
        fields_path="/crm/v8/settings/fields?module=Leads",
        read_fields=zoho_fields,
        fields_prefix="data.0.",
        answer_record=zoho_record,
        answer_error=zoho_error,
        label=Preset.ZOHO.label,
        url="https://www.zohoapis.com/crm/v8/Leads/upsert",
        auth_type=AuthType.OAUTH2,
        oauth_token_url="https://accounts.zoho.com/oauth/v2/token",  # noqa: S106 (an address)
        oauth_header_prefix="Zoho-oauthtoken",
        mappings=(
            (S.LAST_NAME, "data.0.Last_Name"),
            (S.FIRST_NAME, "data.0.First_Name"),
            (S.EMAIL, "data.0.Email"),
            (S.PHONE, "data.0.Phone"),
            (S.COMPANY, "data.0.Company"),
            (S.MESSAGE, "data.0.Description"),
        ),
        static_values=(
            ("data.0.Lead_Source", "Chatbot", False),
            ("duplicate_check_fields", '["Email"]', True),
        ),
        setup_steps=(
            _(
                "Outside the US, change both URLs to your Zoho data centre: "
                "www.zohoapis.eu and accounts.zoho.eu, for one (.in, .com.au, "
                ".jp, .sa, .com.cn; Canada: www.zohoapis.ca and "
                "accounts.zohocloud.ca)."
            ),
            _(
                "In the Zoho API Console (api-console.zoho.com) add a Self "
                "Client; copy its client ID and client secret here."
            ),
            _(
                "Generate a code there with the scopes ZohoCRM.modules.leads."
                "CREATE, ZohoCRM.modules.leads.WRITE and ZohoCRM.settings.fields."
                "READ, trade it once for a refresh token, and paste that here."
            ),
            _(
                "Leads are upserted by email, and Zoho requires a last name: a "
                "one-word name is sent as the last name."
            ),
        ),
        duplicates=_(
            "Upsert with Email as the duplicate check: a returning visitor "
            "updates their lead."
        ),
        docs_url="https://www.zoho.com/crm/developer/docs/api/v8/upsert-records.html",
        check=zoho_check,
        extra={"regions": ZOHO_REGIONS},
    )
)

register_preset(
    CrmPreset(
        key=Preset.ACTIVECAMPAIGN,
        guide_url=GUIDES + "activecampaign.md",
        record_url=record_page("https://{account}.activehosted.com/app/contacts/{id}"),
        vendor="ActiveCampaign",
        fields_path="/api/3/fields?limit=100",
        read_fields=activecampaign_fields,
        fields_prefix="contact.",
        answer_record=contact_record,
        label=Preset.ACTIVECAMPAIGN.label,
        url="https://<account>.api-us1.com/api/3/contact/sync",
        auth_type=AuthType.API_KEY,
        api_key_header="Api-Token",
        mappings=(
            (S.EMAIL, "contact.email"),
            (S.FIRST_NAME, "contact.firstName"),
            (S.LAST_NAME, "contact.lastName"),
            (S.PHONE, "contact.phone"),
        ),
        setup_steps=(
            _(
                "In ActiveCampaign, open Settings → Developer: copy the URL "
                "shown there and the key."
            ),
            _(
                "Use that URL in place of https://<account>.api-us1.com, keeping "
                "/api/3/contact/sync, and paste the key as the API key "
                "(header Api-Token)."
            ),
            _(
                "ActiveCampaign takes about five requests a second per account; "
                "set a rate limit below that if many leads arrive at once."
            ),
        ),
        duplicates=_(
            "contact/sync creates or updates by email: a returning visitor "
            "updates their contact."
        ),
        docs_url="https://developers.activecampaign.com/reference/sync-a-contacts-data",
    )
)

register_preset(
    CrmPreset(
        key=Preset.FRESHSALES,
        guide_url=GUIDES + "freshsales.md",
        record_url=record_page(
            "https://{account}.myfreshworks.com/crm/sales/contacts/{id}"
        ),
        vendor="Freshsales",
        fields_path="/crm/sales/api/settings/contacts/fields",
        read_fields=freshsales_fields,
        fields_prefix="contact.",
        answer_record=contact_record,
        label=Preset.FRESHSALES.label,
        url="https://<domain>.myfreshworks.com/crm/sales/api/contacts/upsert",
        auth_type=AuthType.API_KEY,
        api_key_header="Authorization",
        mappings=(
            (S.EMAIL, "unique_identifier.emails"),
            (S.EMAIL, "contact.emails"),
            (S.FIRST_NAME, "contact.first_name"),
            (S.LAST_NAME, "contact.last_name"),
            (S.PHONE, "contact.mobile_number"),
            # Freshsales' own attribution fields on a contact (text).
            (S.UTM_MEDIUM, "contact.medium"),
            (S.UTM_TERM, "contact.keyword"),
        ),
        setup_steps=(
            _(
                "In Freshsales, open Profile settings → API settings: copy the "
                "bundle alias (your …myfreshworks.com address) and the API key."
            ),
            _("Replace <domain> in the URL with the bundle alias."),
            _(
                "Paste “Token token=” followed by the API key as the API key "
                "(header Authorization)."
            ),
        ),
        duplicates=_(
            "contacts/upsert matches on email: a returning visitor updates "
            "their contact."
        ),
        docs_url="https://developers.freshworks.com/crm/api/",
    )
)
