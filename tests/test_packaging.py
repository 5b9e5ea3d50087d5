"""The wheel carries everything the app needs at run time."""

import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--quiet",
            "-w",
            str(out),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    [built] = out.glob("wagtail_chatbot_crm-*.whl")
    return built


def test_wheel_contains_migrations_templates_and_static_files(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for expected in (
        "wagtail_chatbot_crm/__init__.py",
        "wagtail_chatbot_crm/migrations/0001_initial.py",
        "wagtail_chatbot_crm/templates/wagtail_chatbot_crm/widgets/secret_input.html",
        "wagtail_chatbot_crm/static/wagtail_chatbot_crm/css/admin.css",
        "wagtail_chatbot_crm/management/commands/rotate_crm_keys.py",
    ):
        assert expected in names, expected
    assert not any(name.startswith(("tests/", "example_site/")) for name in names)


def test_wheel_metadata_names_the_distribution_and_dependencies(wheel):
    archive = zipfile.ZipFile(wheel)
    [metadata] = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
    text = archive.read(metadata).decode()
    assert "Name: wagtail-chatbot-crm" in text
    for requirement in ("Django", "wagtail", "huey", "requests", "cryptography"):
        assert f"Requires-Dist: {requirement}" in text, requirement


def test_package_imports_in_an_empty_virtualenv(wheel, tmp_path):
    env = tmp_path / "venv"
    venv.create(env, with_pip=True)
    python = env / "bin" / "python"
    subprocess.run(
        [python, "-m", "pip", "install", "--no-deps", "--quiet", str(wheel)],
        check=True,
        capture_output=True,
    )
    result = subprocess.run(
        [
            python,
            "-c",
            "import wagtail_chatbot_crm; print(wagtail_chatbot_crm.__version__)",
        ],
        check=True,
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert result.stdout.strip()
