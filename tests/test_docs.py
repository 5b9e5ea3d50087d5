"""The documentation holds together: every relative link and image resolves
(anchors included, as a code host renders them), every page is reached from
the README, every screenshot is shown somewhere, every Python example
parses, and the README's table of settings is the app's own."""

import ast
import functools
import re
import textwrap
from pathlib import Path

import pytest

from wagtail_chatbot_crm.conf import Defaults, crm_settings

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
PAGES = sorted([README, ROOT / "CHANGELOG.md", *(ROOT / "docs").rglob("*.md")])

FENCE = re.compile(r"^( *)```(\w*)\n(.*?)^\1```", re.MULTILINE | re.DOTALL)
LINK = re.compile(r"\]\(([^)\s]+)\)")
HEADING = re.compile(r"^#{1,6} +(.+?) *#*$", re.MULTILINE)


def prose(text: str) -> str:
    """The page without its code: fenced blocks and inline code."""
    text = FENCE.sub("", text)
    return re.sub(r"`[^`\n]*`", "", text)


@functools.cache
def anchors(page: Path) -> set[str]:
    """The ids a code host gives the page's headings: lower case, spaces to
    hyphens, punctuation other than hyphens and underscores dropped, and a
    repeated heading numbered."""
    seen: dict[str, int] = {}
    ids = set()
    for heading in HEADING.findall(FENCE.sub("", page.read_text())):
        slug = re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-")
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        ids.add(slug if count == 0 else f"{slug}-{count}")
    return ids


def relative_links(page: Path) -> list[tuple[Path, str]]:
    """(target file, anchor) of each link and image that stays in the
    repository."""
    found = []
    for target in LINK.findall(prose(page.read_text())):
        if re.match(r"[a-z]+:", target):
            continue
        path, _, anchor = target.partition("#")
        found.append(((page.parent / path).resolve() if path else page, anchor))
    return found


@pytest.mark.parametrize("page", PAGES, ids=lambda page: str(page.relative_to(ROOT)))
def test_every_relative_link_and_image_resolves(page):
    for target, anchor in relative_links(page):
        assert target.exists(), f"{page.name} links to missing {target}"
        assert ROOT in target.parents or target == ROOT, target
        if anchor:
            assert target.suffix == ".md", f"{page.name}: #{anchor} on {target}"
            assert anchor in anchors(target), (
                f"{page.name} links to #{anchor}, which {target.name} lacks"
            )


def test_every_page_is_reached_from_the_readme():
    reached, todo = set(), [README.resolve()]
    while todo:
        page = todo.pop()
        if page in reached:
            continue
        reached.add(page)
        todo += [t for t, _ in relative_links(page) if t.suffix == ".md" and t.exists()]
    missing = {p.resolve() for p in PAGES} - reached
    assert not missing, sorted(str(p.relative_to(ROOT)) for p in missing)


def test_every_screenshot_is_shown_in_the_docs():
    shown = {t for page in PAGES for t, _ in relative_links(page)}
    screenshots = set((ROOT / "docs" / "screenshots").glob("*.png"))
    assert screenshots, "no screenshots"
    assert not screenshots - shown, sorted(p.name for p in screenshots - shown)


def python_examples():
    for page in PAGES:
        text = page.read_text()
        for match in FENCE.finditer(text):
            if match.group(2) == "python":
                line = text[: match.start()].count("\n") + 2
                yield pytest.param(
                    textwrap.dedent(match.group(3)),
                    id=f"{page.relative_to(ROOT)}:{line}",
                )


@pytest.mark.parametrize("code", list(python_examples()))
def test_python_examples_parse(code):
    ast.parse(code)


def readme_settings_table() -> dict[str, str]:
    """Key → default as the README's Settings table writes them."""
    section = README.read_text().split("\n## Settings\n", 1)[1].split("\n## ", 1)[0]
    table = {}
    for row in re.findall(r"^\| (`.+?) \| (.+?) \|", section, re.MULTILINE):
        keys = re.findall(r"`(\w+)`", row[0])
        defaults = re.findall(r"`([^`]+)`", row[1])
        assert len(keys) == len(defaults), row
        table.update(zip(keys, defaults, strict=True))
    return table


def test_the_readme_lists_every_setting_with_its_default():
    table = readme_settings_table()
    assert set(table) == crm_settings.known_keys()
    for key, written in table.items():
        assert ast.literal_eval(written) == getattr(Defaults, key), key


def test_the_developer_guides_testing_example_passes(
    make_chatbot, django_capture_on_commit_callbacks, empty_queue, monkeypatch
):
    guide = (ROOT / "docs" / "developer-guide.md").read_text()
    section = guide.split("\n## Testing your site with it\n", 1)[1].split("\n## ")[0]
    [example] = [
        textwrap.dedent(match.group(3))
        for match in FENCE.finditer(section)
        if match.group(2) == "python"
    ]
    namespace = {}
    exec(compile(example, "developer-guide.md", "exec"), namespace)  # noqa: S102
    chatbot = make_chatbot(webhook_url="https://hooks.example.com/leads")
    # As the guide's test settings have it: deliveries run when queued. The
    # suite's queue keeps its storage (switching to memory would drop its
    # SQLite connection unclosed).
    monkeypatch.setattr(empty_queue, "immediate_use_memory", False)
    empty_queue.immediate = True
    try:
        namespace["test_a_lead_reaches_the_crm"](
            chatbot, django_capture_on_commit_callbacks
        )
    finally:
        empty_queue.immediate = False
