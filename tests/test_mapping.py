import pytest

from wagtail_chatbot_crm.mapping import PathError, find_conflicts, parse_path


@pytest.mark.parametrize(
    ("path", "segments"),
    [
        ("email", ("email",)),
        ("properties.email", ("properties", "email")),
        ("data.0.Last_Name", ("data", 0, "Last_Name")),
        ("a.10.b.2", ("a", 10, "b", 2)),
        ("fields[Email]", ("fields[Email]",)),
    ],
)
def test_parse_path_splits_objects_and_list_indexes(path, segments):
    assert parse_path(path) == segments


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("", "Enter a CRM field name."),
        ("   ", "Enter a CRM field name."),
        (" email", "Remove the spaces around the CRM field name."),
        ("a..b", "“a..b” has an empty part: check for doubled or trailing dots."),
        ("a.", "“a.” has an empty part: check for doubled or trailing dots."),
        (".a", "“.a” has an empty part: check for doubled or trailing dots."),
        ("0.name", "“0.name” must start with a field name, not a number."),
    ],
)
def test_parse_path_rejects_unusable_paths(path, message):
    with pytest.raises(PathError) as excinfo:
        parse_path(path)
    assert str(excinfo.value) == message


def test_compatible_paths_have_no_conflicts():
    paths = [
        "properties.email",
        "properties.firstname",
        "data.0.Last_Name",
        "data.0.Email",
        "data.1.Last_Name",
        "lead_source",
    ]
    assert find_conflicts(paths) == {}


@pytest.mark.parametrize(
    ("paths", "expected"),
    [
        (["email", "email"], {1: "“email” is already set by another row."}),
        (
            ["a", "a.b"],
            {1: "“a” sets a single value, so nothing can go inside it."},
        ),
        (
            ["a.b", "a"],
            {
                1: (
                    "Other rows put fields inside “a”, so it cannot also be a "
                    "single value."
                )
            },
        ),
        (
            ["data.0.x", "data.name"],
            {1: "“data” is a list in one row and an object in another."},
        ),
        (
            ["data.name", "data.0.x"],
            {1: "“data” is a list in one row and an object in another."},
        ),
        (["data.1.x"], {0: "“data.1.x” skips list item 0."}),
        (
            ["data.0", "data.2"],
            {1: "“data.2” skips list item 1."},
        ),
        (
            ["a..b", "c"],
            {0: "“a..b” has an empty part: check for doubled or trailing dots."},
        ),
    ],
)
def test_conflicting_paths_are_reported_on_the_later_row(paths, expected):
    assert find_conflicts(paths) == expected


def test_form_bodies_take_names_literally():
    assert find_conflicts(["a", "a.b", "0"], nested=False) == {}
    assert find_conflicts(["a", "a"], nested=False) == {
        1: "“a” is already set by another row."
    }
