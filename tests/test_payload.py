"""The pure payload builder: sources, transforms, paths, encodings."""

import json
from datetime import UTC, datetime
from urllib.parse import parse_qsl

import pytest

from wagtail_chatbot_crm.payload import (
    DEFAULT_MAPPINGS,
    LeadData,
    MappingRow,
    PayloadError,
    StaticRow,
    apply_transform,
    build_body,
    build_fields,
    nest,
    source_value,
    split_name,
)

SUBMITTED = datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)
LEAD = LeadData(
    lead_id="6f1c1a2e-0d7c-4c1e-9d2a-3f6e1b7a9c01",
    name="Ada King Lovelace",
    email="Ada@Example.com",
    phone="+44 20 7946 0958",
    company="  Analytical Engines ",
    message="Please call",
    page_url="https://www.example.com/pricing/",
    chatbot_name="Sales",
    submitted_at=SUBMITTED,
    consent=True,
)


def json_body(mappings=(), statics=()):
    body, content_type = build_body(LEAD, list(mappings), list(statics), "json")
    assert content_type == "application/json"
    return json.loads(body)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("name", "Ada King Lovelace"),
        ("first_name", "Ada"),
        ("last_name", "King Lovelace"),
        ("email", "Ada@Example.com"),
        ("phone", "+44 20 7946 0958"),
        ("company", "  Analytical Engines "),
        ("message", "Please call"),
        ("page_url", "https://www.example.com/pricing/"),
        ("chatbot_name", "Sales"),
        ("submitted_at", "2026-03-04T05:06:07Z"),
        ("lead_id", "6f1c1a2e-0d7c-4c1e-9d2a-3f6e1b7a9c01"),
        ("consent", True),
    ],
)
def test_every_source(source, expected):
    assert json_body([MappingRow(source, "out")]) == {"out": expected}


def test_every_spec_source_is_known():
    from wagtail_chatbot_crm.models import MappingSource

    for source in MappingSource.values:
        source_value(LEAD, source)


def test_unknown_source_is_a_payload_error():
    with pytest.raises(PayloadError):
        source_value(LEAD, "favourite_colour")


@pytest.mark.parametrize(
    ("name", "first", "last"),
    [
        ("Ada Lovelace", "Ada", "Lovelace"),
        ("Juan García López", "Juan", "García López"),
        ("  Ada   Lovelace  ", "Ada", "Lovelace"),
        ("Cher", "", "Cher"),
        ("", "", ""),
    ],
)
def test_split_name(name, first, last):
    assert split_name(name) == (first, last)


@pytest.mark.parametrize(
    ("value", "transform", "date_format", "expected"),
    [
        ("Ada@Example.com", "lowercase", "", "ada@example.com"),
        ("Ada", "uppercase", "", "ADA"),
        ("  x y  ", "trim", "", "x y"),
        ("  x  ", "", "", "  x  "),
        (SUBMITTED, "date", "%Y-%m-%d", "2026-03-04"),
        (SUBMITTED, "date", "%d/%m/%Y %H:%M", "04/03/2026 05:06"),
        (SUBMITTED, "date", "", "2026-03-04T05:06:07Z"),
        (SUBMITTED, "", "", "2026-03-04T05:06:07Z"),
        (True, "uppercase", "", True),
    ],
)
def test_transforms(value, transform, date_format, expected):
    assert apply_transform(value, transform, date_format) == expected


def test_dates_are_sent_in_utc():
    from datetime import timedelta, timezone

    paris = SUBMITTED.astimezone(timezone(timedelta(hours=1)))
    assert apply_transform(paris, "date", "%H:%M") == "05:06"


@pytest.mark.parametrize(
    ("paths", "expected"),
    [
        (["email"], {"email": "v"}),
        (["properties.email"], {"properties": {"email": "v"}}),
        (["data.0.Last_Name"], {"data": [{"Last_Name": "v"}]}),
        (["tags.0", "tags.1"], {"tags": ["v", "v"]}),
        (["a.b.c.d"], {"a": {"b": {"c": {"d": "v"}}}}),
        (["data.1.x", "data.0.x"], {"data": [{"x": "v"}, {"x": "v"}]}),
        (["l.0.0"], {"l": [["v"]]}),
        (
            ["contact.email", "contact.name", "source"],
            {"contact": {"email": "v", "name": "v"}, "source": "v"},
        ),
    ],
)
def test_paths_build_nested_objects_and_lists(paths, expected):
    assert nest([(path, "v") for path in paths]) == expected


@pytest.mark.parametrize(
    "paths",
    [["a", "a.b"], ["a.b", "a"], ["a", "a"], ["d.0", "d.x"], ["d.1"], ["a..b"]],
)
def test_conflicting_paths_are_a_payload_error_not_a_crash(paths):
    with pytest.raises(PayloadError, match="The field mapping cannot be used"):
        nest([(path, "v") for path in paths])


def test_dict_static_values_are_not_mistaken_for_levels():
    body = json_body(statics=[StaticRow("meta", '{"0": "zero"}', is_json=True)])
    assert body["meta"] == {"0": "zero"}


@pytest.mark.parametrize(
    ("value", "is_json", "expected"),
    [
        ("Chatbot", False, "Chatbot"),
        ("true", True, True),
        ("true", False, "true"),
        ("42", True, 42),
        ('["Email"]', True, ["Email"]),
        ('{"a": null}', True, {"a": None}),
    ],
)
def test_static_values(value, is_json, expected):
    body = json_body([MappingRow("email", "email")], [StaticRow("x", value, is_json)])
    assert body == {"email": "Ada@Example.com", "x": expected}


def test_invalid_json_static_is_a_payload_error():
    with pytest.raises(PayloadError, match="not valid JSON"):
        build_fields(LEAD, [], [StaticRow("x", "[oops", is_json=True)])


def test_no_mapping_sends_every_field_under_its_own_name():
    body = json_body()
    assert set(body) == {row.source for row in DEFAULT_MAPPINGS}
    assert body["first_name"] == "Ada"
    assert body["consent"] is True


def test_statics_are_added_to_the_default_mapping():
    body = json_body(statics=[StaticRow("lead_source", "Chatbot")])
    assert body["lead_source"] == "Chatbot"
    assert body["email"] == "Ada@Example.com"


def test_hubspot_shape():
    body = json_body(
        [
            MappingRow("email", "properties.email", "lowercase"),
            MappingRow("first_name", "properties.firstname"),
            MappingRow("last_name", "properties.lastname"),
        ],
        [StaticRow("properties.hs_lead_status", "NEW")],
    )
    assert body == {
        "properties": {
            "email": "ada@example.com",
            "firstname": "Ada",
            "lastname": "King Lovelace",
            "hs_lead_status": "NEW",
        }
    }


def test_zoho_shape():
    body = json_body(
        [
            MappingRow("last_name", "data.0.Last_Name"),
            MappingRow("email", "data.0.Email"),
        ],
        [StaticRow("trigger", '["workflow"]', is_json=True)],
    )
    assert body == {
        "data": [{"Last_Name": "King Lovelace", "Email": "Ada@Example.com"}],
        "trigger": ["workflow"],
    }


def test_form_body_takes_names_literally_and_keeps_order():
    body, content_type = build_body(
        LEAD,
        [
            MappingRow("first_name", "first_name"),
            MappingRow("last_name", "last_name"),
            MappingRow("email", "00N5g00000Abc.email"),
            MappingRow("consent", "emailOptIn"),
        ],
        [StaticRow("oid", "00D000000000001"), StaticRow("tags", '["a"]', is_json=True)],
        "form",
    )
    assert content_type == "application/x-www-form-urlencoded"
    assert parse_qsl(body.decode()) == [
        ("first_name", "Ada"),
        ("last_name", "King Lovelace"),
        ("00N5g00000Abc.email", "Ada@Example.com"),
        ("emailOptIn", "true"),
        ("oid", "00D000000000001"),
        ("tags", '["a"]'),
    ]


def test_json_body_keeps_unicode_readable():
    lead = LeadData(lead_id="x", name="Zoë Ångström")
    body, _ = build_body(lead, [MappingRow("name", "n")], [], "json")
    assert body.decode("utf-8") == '{"n":"Zoë Ångström"}'


def test_other_answers_by_label():
    lead = LeadData(
        lead_id="x",
        extra={"Budget": "10k", "Newsletter": True, "Left blank": "", "Call me": False},
    )
    body = json.loads(
        build_body(
            lead,
            [
                MappingRow("extra", "deal.budget", extra_key="Budget"),
                MappingRow("extra", "optin", extra_key="Newsletter"),
                MappingRow("extra", "missing", extra_key="Nope"),
                MappingRow("extra", "blank", extra_key="Left blank"),
                MappingRow("extra", "unticked", extra_key="Call me"),
            ],
            [],
            "json",
        )[0]
    )
    # An answer the lead does not have (a widget lead of a chatbot that also
    # serves a form page), or left blank, is not sent; a "no" is.
    assert body == {"deal": {"budget": "10k"}, "optin": True, "unticked": False}


@pytest.mark.parametrize(
    ("kept", "shown"),
    [
        ('{"a":{"b":1}}', '{\n  "a": {\n    "b": 1\n  }\n}'),
        (
            "first_name=Ada&company=A+%26+B&empty=",
            "first_name = Ada\ncompany = A & B\nempty = ",
        ),
        ("not a body of either kind", "not a body of either kind"),
        ('{"cut": "at the ed…', '{"cut": "at the ed…'),
    ],
)
def test_a_kept_body_is_laid_out_for_reading(kept, shown):
    from wagtail_chatbot_crm.attempt import readable_body

    assert readable_body(kept) == shown
