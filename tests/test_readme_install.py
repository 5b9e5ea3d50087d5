"""The README's install section works in a new `wagtail start` site: the
site is built and used by tests/readme_site.py, which .ci/wheel-smoke also
runs against the released wheel."""

from tests import readme_site


def test_the_install_section_names_each_step_it_is_followed_by():
    blocks = readme_site.install_blocks()
    languages = [language for language, _ in blocks]
    assert languages.count("python") == 3, languages
    assert languages.count("django") == 1, languages


def test_a_wagtail_start_site_installed_from_the_readme_delivers_a_lead(tmp_path):
    seen = readme_site.build_and_use(tmp_path)
    assert "System check identified no issues" in seen["check"], seen["check"]
    assert seen["received"]["email"] == "ada@example.com"
    assert seen["received"]["name"] == "Ada Lovelace"
