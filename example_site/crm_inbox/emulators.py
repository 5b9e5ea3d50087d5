"""Local emulators of the CRMs' lead endpoints: the presets' contract tests
run against them, and ``run_demo`` serves two as "Demo HubSpot" and "Demo
Zoho".

Each is a real HTTP server on 127.0.0.1 written from the vendor's documented
requests and answers (the pages cited in ``wagtail_chatbot_crm.presets``):
it checks the method, path, authentication header, content type and the
body's required shape, keeps the records it was sent, and answers as the
vendor does, with its success and error bodies. ``GET /`` lists the records
it keeps, for a person to look at.
"""

import html
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


class Answer(Exception):
    """Stop handling and answer with this status and JSON body."""

    def __init__(self, status: int, body=None, headers=None):
        super().__init__(status)
        self.status = status
        self.body = body
        self.headers = headers or {}


class Emulator(ThreadingHTTPServer):
    """One vendor's endpoint: ``path``, ``check_auth`` and ``receive``."""

    daemon_threads = True
    path = "/"
    token = "emulator-token"
    # Where the vendor lists its fields, and its answer (Load fields).
    fields_path = ""
    fields = None
    # OAuth2 (RFC 6749 section 6), where the vendor uses it: the token
    # endpoint's path and the app it knows.
    token_path = ""
    client_id = "emulator-client"
    client_secret = "emulator-client-secret"
    refresh_token = "emulator-refresh-token"
    token_lifetime = 3600
    # The token endpoint's answer to a refresh token it does not know.
    refusal = (400, {"error": "invalid_grant"})
    # The vendor's answer when its rate limit is hit (HTTP 429).
    limited = {"message": "Too Many Requests"}

    def __init__(self, port: int = 0):
        super().__init__(("127.0.0.1", port), _Handler)
        self.records: dict[str, dict] = {}
        self.next_id = 1
        self.requests = 0
        self.lock = threading.Lock()
        # Access tokens given and still good, how many were asked for, and
        # how long the token endpoint takes to answer.
        self.access_tokens: set[str] = set()
        self.token_requests = 0
        self.token_delay = 0.0
        self.field_requests = 0
        # Lead requests still to answer with 429, and the Retry-After sent.
        self.limit_left = 0
        self.retry_after = 0
        self.thread = threading.Thread(
            target=self.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}{self.path}"

    @property
    def token_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}{self.token_path}"

    def grant(self, form: dict[str, str]) -> tuple[int, object]:
        """Answer a refresh-token grant: a new access token, or a refusal."""
        if form.get("grant_type") != "refresh_token":
            return 400, {"error": "unsupported_grant_type"}
        if (form.get("client_id"), form.get("client_secret")) != (
            self.client_id,
            self.client_secret,
        ):
            return 401, {"error": "invalid_client"}
        if form.get("refresh_token") != self.refresh_token:
            return self.refusal
        with self.lock:
            self.token_requests += 1
            token = f"1000.access.{self.token_requests}"
            self.access_tokens.add(token)
        return 200, {
            "access_token": token,
            "token_type": "Bearer",
            "expires_in": self.token_lifetime,
        }

    def revoke_access_tokens(self) -> None:
        """Every access token given so far stops working (401)."""
        self.access_tokens.clear()

    def start(self) -> "Emulator":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()

    def handle_error(self, request, client_address):
        pass

    def new_id(self) -> str:
        record_id = str(self.next_id)
        self.next_id += 1
        return record_id

    def upsert(self, key: str, fields: dict) -> tuple[str, bool]:
        """Store a record by ``key``; returns its id and whether it is new."""
        existing = self.records.get(key)
        if existing:
            existing.update(fields)
            return existing["id"], False
        record_id = self.new_id()
        self.records[key] = {"id": record_id, **fields}
        return record_id, True

    def rate_limit(self, requests: int, retry_after: int) -> None:
        """Answer the next ``requests`` lead requests 429, with this
        ``Retry-After`` (seconds)."""
        self.limit_left, self.retry_after = requests, retry_after

    def fields_answer(self, query: dict[str, list[str]]) -> object:
        """The answer to a request for the fields (one page of them)."""
        return self.fields

    # Subclasses:
    def check_auth(self, headers) -> None:
        raise NotImplementedError

    def receive(self, headers, raw: bytes) -> tuple[int, object]:
        raise NotImplementedError


def json_body(headers, raw: bytes) -> dict:
    if not headers.get("Content-Type", "").startswith("application/json"):
        raise Answer(415, {"message": "Content-Type must be application/json"})
    try:
        return json.loads(raw)
    except ValueError as exc:
        raise Answer(400, {"message": "Invalid JSON"}) from exc


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def log_message(self, format, *args):
        pass

    def do_GET(self):
        server: Emulator = self.server
        if self.path == "/":
            self.records_page()
            return
        try:
            asked, listed = urlsplit(self.path), urlsplit(server.fields_path)
            query = parse_qs(asked.query)
            if (
                not server.fields_path
                or asked.path != listed.path
                or any(query.get(k) != v for k, v in parse_qs(listed.query).items())
            ):
                raise Answer(404, {"message": "Not found"})
            with server.lock:
                server.field_requests += 1
            server.check_auth(self.headers)
            status, body = 200, server.fields_answer(query)
        except Answer as answer:
            status, body = answer.status, answer.body
        self.answer(status, body)

    def do_POST(self):
        server: Emulator = self.server
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if server.token_path and self.path == server.token_path:
            self.answer(*self.token(raw))
            return
        try:
            if urlsplit(self.path).path != urlsplit(server.path).path:
                raise Answer(404, {"message": "Not found"})
            server.check_auth(self.headers)
            with server.lock:
                server.requests += 1
                if server.limit_left:
                    server.limit_left -= 1
                    raise Answer(
                        429,
                        server.limited,
                        {"Retry-After": str(server.retry_after)},
                    )
                status, body = server.receive(self.headers, raw)
        except Answer as answer:
            self.answer(answer.status, answer.body, answer.headers)
            return
        self.answer(status, body)

    def records_page(self):
        server: Emulator = self.server
        with server.lock:
            records = [dict(record) for record in server.records.values()]
        rows = "".join(
            f"<tr><td>{html.escape(str(record.pop('id')))}</td>"
            f"<td><pre>{html.escape(json.dumps(record, indent=2))}</pre></td></tr>"
            for record in records
        )
        page = (
            f"<!doctype html><title>{type(server).__name__} emulator</title>"
            f"<h1>{type(server).__name__} emulator: {len(records)} record(s)</h1>"
            f"<p>{server.requests} lead request(s), {server.token_requests} "
            "access token(s) given.</p>"
            f"<table><tr><th>id</th><th>fields</th></tr>{rows}</table>"
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(page)))
        self.end_headers()
        self.wfile.write(page)

    def token(self, raw: bytes) -> tuple[int, object]:
        server: Emulator = self.server
        content_type = self.headers.get("Content-Type", "")
        if not content_type.startswith("application/x-www-form-urlencoded"):
            return 400, {"error": "invalid_request"}
        time.sleep(server.token_delay)
        form = {key: values[-1] for key, values in parse_qs(raw.decode()).items()}
        return server.grant(form)

    def answer(self, status, body, headers=None):
        payload = b"" if body is None else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json;charset=UTF-8")
        self.send_header("Content-Length", str(len(payload)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)


class HubSpot(Emulator):
    """Contacts batch upsert, keyed by email (idProperty)."""

    limited = {
        "status": "error",
        "message": "You have reached your secondly limit.",
        "errorType": "RATE_LIMIT",
        "policyName": "SECONDLY",
    }

    path = "/crm/v3/objects/contacts/batch/upsert"
    fields_path = "/crm/v3/properties/contacts"
    fields = {
        "results": [
            {"name": "email", "label": "Email", "type": "string"},
            {"name": "firstname", "label": "First Name", "type": "string"},
            {"name": "lastname", "label": "Last Name", "type": "string"},
            {
                "name": "hs_object_id",
                "label": "Record ID",
                "modificationMetadata": {"readOnlyValue": True},
            },
        ]
    }

    def check_auth(self, headers):
        if headers.get("Authorization") != f"Bearer {self.token}":
            raise Answer(
                401,
                {
                    "status": "error",
                    "message": "Authentication credentials not found.",
                    "category": "INVALID_AUTHENTICATION",
                },
            )

    def receive(self, headers, raw):
        data = json_body(headers, raw)
        results, errors = [], []
        for item in data.get("inputs") or []:
            if item.get("idProperty") != "email" or not item.get("id"):
                errors.append(
                    {
                        "status": "error",
                        "category": "VALIDATION_ERROR",
                        "message": "Property values were not valid: email",
                    }
                )
                continue
            record_id, new = self.upsert(item["id"], item.get("properties") or {})
            results.append({"id": record_id, "new": new, "properties": {}})
        if not results and not errors:
            raise Answer(
                400,
                {
                    "status": "error",
                    "message": "Invalid input JSON: inputs is required",
                    "category": "VALIDATION_ERROR",
                },
            )
        body = {"status": "COMPLETE", "results": results}
        if errors:
            body.update(errors=errors, numErrors=len(errors))
            return 207, body
        return 200, body


class Zoho(Emulator):
    """Leads upsert with duplicate_check_fields, and OAuth2 access tokens
    from the accounts domain (https://www.zoho.com/crm/developer/docs/api/v8/refresh.html):
    a refresh token it does not know is answered ``invalid_code``, with
    HTTP 200."""

    limited = {
        "code": "TOO_MANY_REQUESTS",
        "details": {},
        "message": "too many requests",
        "status": "error",
    }

    path = "/crm/v8/Leads/upsert"
    token_path = "/oauth/v2/token"
    refusal = (200, {"error": "invalid_code"})
    fields_path = "/crm/v8/settings/fields?module=Leads"
    fields = {
        "fields": [
            {
                "api_name": "Last_Name",
                "field_label": "Last Name",
                "system_mandatory": True,
            },
            {"api_name": "Email", "field_label": "Email", "system_mandatory": False},
            {
                "api_name": "Lead_Status",
                "field_label": "Lead Status",
                "system_mandatory": False,
            },
        ]
    }

    def check_auth(self, headers):
        scheme, _space, token = (headers.get("Authorization") or "").partition(" ")
        if scheme != "Zoho-oauthtoken" or token not in self.access_tokens:
            raise Answer(
                401,
                {
                    "code": "INVALID_TOKEN",
                    "details": {},
                    "message": "invalid oauth token",
                    "status": "error",
                },
            )

    def receive(self, headers, raw):
        data = json_body(headers, raw)
        check = data.get("duplicate_check_fields") or ["Email"]
        answers = []
        for record in data.get("data") or []:
            if not record.get("Last_Name"):
                answers.append(
                    {
                        "code": "MANDATORY_NOT_FOUND",
                        "details": {"api_name": "Last_Name"},
                        "message": "required field not found",
                        "status": "error",
                    }
                )
                continue
            key = "|".join(str(record.get(name, "")) for name in check)
            record_id, new = self.upsert(key, record)
            answers.append(
                {
                    "code": "SUCCESS",
                    "duplicate_field": None if new else check[0],
                    "action": "insert" if new else "update",
                    "details": {"id": record_id},
                    "message": "record added" if new else "record updated",
                    "status": "success",
                }
            )
        if all(answer["status"] == "error" for answer in answers):
            return 400, {"data": answers}
        return 200, {"data": answers}


class ActiveCampaign(Emulator):
    """contact/sync: create or update by email."""

    path = "/api/3/contact/sync"
    fields_path = "/api/3/fields?limit=100"
    fields = {
        "fields": [
            {"id": "1", "title": "Budget", "perstag": "BUDGET", "isrequired": "0"},
        ],
        "meta": {"total": "1"},
    }

    def check_auth(self, headers):
        if headers.get("Api-Token") != self.token:
            raise Answer(403, {"message": "No Result found for Subscriber with id 0"})

    def receive(self, headers, raw):
        contact = json_body(headers, raw).get("contact") or {}
        if not contact.get("email"):
            raise Answer(
                422,
                {
                    "errors": [
                        {
                            "title": "Email address is required",
                            "detail": "",
                            "code": "field_missing",
                            "source": {"pointer": "/data/attributes/email"},
                        }
                    ]
                },
            )
        record_id, new = self.upsert(contact["email"], contact)
        return (201 if new else 200), {"contact": {**contact, "id": record_id}}


class Freshsales(Emulator):
    """contacts/upsert, matched on unique_identifier."""

    limited = {"errors": {"code": 429, "message": ["Too many requests"]}}

    path = "/crm/sales/api/contacts/upsert"
    fields_path = "/crm/sales/api/settings/contacts/fields"
    fields = {
        "fields": [
            {"name": "first_name", "label": "First name", "required": False},
            {"name": "emails", "label": "Emails", "required": True},
            {"name": "cf_budget", "label": "Budget", "required": False},
        ]
    }

    def check_auth(self, headers):
        if headers.get("Authorization") != f"Token token={self.token}":
            raise Answer(
                401, {"login": "failed", "message": "Incorrect or expired API key"}
            )

    def receive(self, headers, raw):
        data = json_body(headers, raw)
        unique = data.get("unique_identifier") or {}
        if not unique.get("emails"):
            raise Answer(
                400,
                {"errors": {"code": 400, "message": ["unique_identifier is missing"]}},
            )
        contact = data.get("contact") or {}
        record_id, new = self.upsert(unique["emails"], contact)
        return (201 if new else 200), {"contact": {**contact, "id": int(record_id)}}


class Pipedrive(Emulator):
    """API v2 persons: creates a person every time (no upsert)."""

    limited = {
        "success": False,
        "error": "Rate limit has been exceeded",
        "errorCode": 429,
    }

    path = "/api/v2/persons"
    fields_path = "/api/v2/personFields?include_fields=required_fields"
    # API v2 pages lists by cursor, at most 500 items a page:
    # https://developers.pipedrive.com/docs/api/v1/PersonFields
    most_per_page = 500
    fields = {
        "success": True,
        "data": [
            {
                "field_code": "name",
                "field_name": "Name",
                "is_custom_field": False,
                "required_fields": {"enabled": True},
            },
            {
                "field_code": "9dc80c50d78a15643bfc4ca79d76156a73a1ca0e",
                "field_name": "Budget",
                "is_custom_field": True,
            },
        ],
    }

    def check_auth(self, headers):
        if headers.get("x-api-token") != self.token:
            raise Answer(
                401,
                {"success": False, "error": "unauthorized access", "errorCode": 401},
            )

    def fields_answer(self, query):
        limit = min(int(query.get("limit", ["100"])[0]), self.most_per_page)
        start = int(query.get("cursor", ["0"])[0])
        items = self.fields["data"][start : start + limit]
        more = start + limit < len(self.fields["data"])
        return {
            "success": True,
            "data": items,
            "additional_data": {"next_cursor": str(start + limit) if more else None},
        }

    def receive(self, headers, raw):
        person = json_body(headers, raw)
        if not person.get("name"):
            raise Answer(400, {"success": False, "error": "Name must be given."})
        record_id = self.new_id()
        self.records[record_id] = {"id": record_id, **person}
        return 200, {"success": True, "data": {**person, "id": int(record_id)}}


class Salesforce(Emulator):
    """Web-to-Lead: a form post; answers 200 whatever it does with it."""

    path = "/servlet/servlet.WebToLead"
    token = "00D000000000062"  # the organization id

    def check_auth(self, headers):
        pass  # no authentication: the form names the organization

    def receive(self, headers, raw):
        if headers.get("Content-Type") != "application/x-www-form-urlencoded":
            return 200, None
        form = {name: values[0] for name, values in parse_qs(raw.decode()).items()}
        if form.get("oid") == self.token and form.get("last_name"):
            record_id = self.new_id()
            self.records[record_id] = {"id": record_id, **form}
        return 200, None  # dropped or not, the answer is the same


EMULATORS = {
    "hubspot": HubSpot,
    "zoho": Zoho,
    "activecampaign": ActiveCampaign,
    "freshsales": Freshsales,
    "pipedrive": Pipedrive,
    "salesforce": Salesforce,
}
