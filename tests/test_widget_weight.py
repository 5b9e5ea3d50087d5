"""The widget's weight on every page: JavaScript and CSS under 20 KB
gzipped in total, served from the site itself (no framework, no CDN)."""

import gzip
import re
from pathlib import Path

import pytest

from tests.test_chatbot_tags import render

WIDGET = (
    Path(__file__).resolve().parent.parent
    / "wagtail_chatbot_crm"
    / "static"
    / "wagtail_chatbot_crm"
    / "widget"
)
BUDGET = 20 * 1024


def test_the_widget_weighs_under_its_budget():
    files = sorted(WIDGET.glob("*.js")) + sorted(WIDGET.glob("*.css"))
    assert {path.suffix for path in files} == {".js", ".css"}
    # Shipped unminified: gzipping what is shipped is an upper bound of the
    # minified figure.
    weight = sum(len(gzip.compress(path.read_bytes(), 9)) for path in files)
    print(f"\nwidget JS + CSS, gzipped: {weight} bytes of {BUDGET}")
    assert weight < BUDGET


@pytest.mark.django_db
def test_the_widget_loads_nothing_from_elsewhere(make_chatbot):
    make_chatbot()
    html = render('{% chatbot_widget "sales" %}')
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)
    for path in WIDGET.iterdir():
        text = path.read_text()
        assert "import " not in text and "@import" not in text
        assert not re.search(r"https?://", text), path.name
