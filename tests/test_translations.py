"""Translations: every user-visible string is in the catalogue, the
catalogue extracts cleanly, and the German one is complete, widget
included."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.template import Context, Template
from django.utils import translation
from django.utils.html import escape

import wagtail_chatbot_crm

APP = Path(wagtail_chatbot_crm.__file__).resolve().parent
GERMAN = APP / "locale" / "de" / "LC_MESSAGES"


def po_entries(path: Path) -> dict[str, list[str]]:
    """msgid (with its plural) → translations, from a .po file, obsolete
    entries left out. Enough of the format for our own catalogues."""
    entries: dict[str, list[str]] = {}
    current: dict[str, list[str]] = {}
    key = None

    def finish():
        if "msgid" in current:
            msgid = "".join(current["msgid"])
            if msgid:
                strings = [
                    "".join(value)
                    for name, value in current.items()
                    if name.startswith("msgstr")
                ]
                entries[msgid + "|" + "".join(current.get("msgid_plural", []))] = (
                    strings
                )
        current.clear()

    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("#~"):
            continue
        if not line.strip():
            finish()
            key = None
            continue
        if line.startswith("#"):
            continue
        if line.startswith('"'):
            current[key].append(line[1:-1])
            continue
        key, _space, value = line.partition(" ")
        current[key] = [value[1:-1]]
    finish()
    return entries


@pytest.fixture(scope="module")
def extracted(tmp_path_factory):
    """The catalogue ``makemessages`` makes from the code as it is now."""
    if not shutil.which("xgettext"):
        pytest.skip("GNU gettext is not installed (.ci/run installs it)")
    copy = tmp_path_factory.mktemp("app") / "wagtail_chatbot_crm"
    shutil.copytree(APP, copy, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.rmtree(copy / "locale")
    (copy / "locale").mkdir()
    result = subprocess.run(
        [
            # django-admin, not "python -m django": run from the app's folder,
            # that would put its queue.py before the standard library's.
            sys.executable,
            str(Path(sys.executable).parent / "django-admin"),
            "makemessages",
            "--locale",
            "de",
            "--no-obsolete",
            "--settings",
            "tests.settings",
        ],
        cwd=copy,
        capture_output=True,
        text=True,
        env={
            "PYTHONPATH": f"{APP.parent}:{APP.parent / 'example_site'}",
            "PATH": "/usr/bin:/bin:/usr/local/bin",
        },
        check=True,
    )
    return result, copy / "locale" / "de" / "LC_MESSAGES" / "django.po"


def test_makemessages_runs_clean(extracted):
    result, _catalogue = extracted
    assert "warning" not in result.stderr.lower(), result.stderr


def test_the_german_catalogue_translates_every_string(extracted):
    _result, catalogue = extracted
    wanted = po_entries(catalogue)
    shipped = po_entries(GERMAN / "django.po")
    missing = [msgid for msgid in wanted if msgid not in shipped]
    untranslated = [msgid for msgid, found in shipped.items() if not all(found)]
    assert len(wanted) > 500
    assert missing == [], "run 'make messages' and translate the new strings"
    assert untranslated == []


def test_the_compiled_catalogue_is_current():
    assert (GERMAN / "django.mo").stat().st_mtime >= (
        GERMAN / "django.po"
    ).stat().st_mtime - 1


@pytest.mark.django_db
def test_the_widget_speaks_german(make_chatbot):
    make_chatbot(slug="sales", consent_text="Ich bin einverstanden.")
    template = Template('{% load chatbot_tags %}{% chatbot_widget "sales" %}')
    with translation.override("de"):
        html = template.render(Context({}))
        expected = [
            translation.gettext(text)
            for text in ("What is your name?", "Yes, I agree", "Send", "Skip")
        ]
    for english, german in zip(
        ("What is your name?", "Yes, I agree", "Send", "Skip"), expected, strict=True
    ):
        assert german != english
        assert f'"{escape(german)}"' in html
        assert f'"{english}"' not in html
