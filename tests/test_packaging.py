"""The release artefacts carry everything the app needs.

The release is made with `python -m build`, which builds the sdist and then
the wheel from that sdist, so a wheel that is complete proves the sdist is.
"""

import shutil
import subprocess
import sys
import tarfile
import venv
import zipfile
from pathlib import Path
from types import SimpleNamespace

import pytest
from packaging.version import Version

import wagtail_chatbot_crm

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "wagtail_chatbot_crm"
VERSION = str(Version(wagtail_chatbot_crm.__version__))

# What a working copy holds besides the project: never copied, and so never
# at risk of reaching the sdist (.git and the virtualenvs are also large).
NOT_COPIED = shutil.ignore_patterns(
    ".git",
    ".venv*",
    ".cache",
    "node_modules",
    "__pycache__",
    "*.sqlite3*",
    "build",
    "dist",
    "*.egg-info",
    ".pytest_cache",
    ".ruff_cache",
    ".artifacts",
)

# Stand-ins for what a working copy holds, planted in the copy so the sdist
# is shown to leave them out.
DECOYS = (
    ".venv/pyvenv.cfg",
    ".cache/npm/package.json",
    "example_site/db.sqlite3",
    "example_site/huey.sqlite3",
)

# The files of the app that a site needs at run time and that are no Python.
APP_DATA = (
    f"{PACKAGE}/migrations/0001_initial.py",
    f"{PACKAGE}/templates/{PACKAGE}/widget.html",
    f"{PACKAGE}/templates/{PACKAGE}/widgets/secret_input.html",
    f"{PACKAGE}/static/{PACKAGE}/css/admin.css",
    f"{PACKAGE}/static/{PACKAGE}/widget/chatbot.js",
    f"{PACKAGE}/locale/de/LC_MESSAGES/django.po",
    f"{PACKAGE}/locale/de/LC_MESSAGES/django.mo",
)


# The files every sdist has at its top, besides MANIFEST.in.
PROJECT_FILES = (
    "PKG-INFO",
    "pyproject.toml",
    "setup.cfg",
    "README.md",
    "LICENSE",
    "CHANGELOG.md",
)


def missing_app_files(names):
    """The app's files under migrations, templates, static and locale that
    ``names`` lacks."""
    return {
        path.relative_to(ROOT).as_posix()
        for subdir in ("migrations", "templates", "static", "locale")
        for path in (ROOT / PACKAGE / subdir).rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    } - set(names)


@pytest.fixture(scope="module")
def dists(tmp_path_factory):
    """`python -m build` on a copy of the project: its sdist and wheel.

    Built on a copy, so the build's build/ and *.egg-info stay out of the
    working copy and a stale one there cannot slip files into the sdist.
    --no-isolation builds with the setuptools of the test extra, offline.
    """
    source = tmp_path_factory.mktemp("source") / "project"
    shutil.copytree(ROOT, source, ignore=NOT_COPIED, symlinks=True)
    for decoy in DECOYS:
        (source / decoy).parent.mkdir(parents=True, exist_ok=True)
        (source / decoy).write_text("not for the sdist\n")
    out = tmp_path_factory.mktemp("dist")
    result = subprocess.run(
        [sys.executable, "-m", "build", "--no-isolation", "--outdir", out, source],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=out,
    )
    if result.returncode:
        pytest.fail(f"python -m build failed:\n{result.stdout}")
    [sdist] = out.glob(f"{PACKAGE}-*.tar.gz")
    [wheel] = out.glob(f"{PACKAGE}-*.whl")
    return SimpleNamespace(sdist=sdist, wheel=wheel, log=result.stdout)


@pytest.fixture(scope="module")
def wheel(dists):
    return dists.wheel


@pytest.fixture(scope="module")
def sdist_names(dists):
    """The sdist's files, relative to its top folder."""
    top = f"{PACKAGE}-{VERSION}/"
    with tarfile.open(dists.sdist) as archive:
        names = [m.name for m in archive.getmembers() if m.isfile()]
    assert all(name.startswith(top) for name in names)
    return {name.removeprefix(top) for name in names}


def test_the_wheel_is_built_from_the_sdist(dists):
    # build's own report; with --sdist --wheel both would come from the tree.
    assert "Building wheel from sdist" in dists.log


def test_file_names_carry_the_package_version(dists):
    assert dists.sdist.name == f"{PACKAGE}-{VERSION}.tar.gz"
    assert dists.wheel.name == f"{PACKAGE}-{VERSION}-py3-none-any.whl"


def test_sdist_contains_the_project_files_and_the_app_data(sdist_names):
    for expected in (*PROJECT_FILES, f"{PACKAGE}/__init__.py", *APP_DATA):
        assert expected in sdist_names, expected
    missing = missing_app_files(sdist_names)
    assert not missing, missing


def test_sdist_leaves_out_the_working_copy(sdist_names):
    for name in sdist_names:
        assert not name.startswith((".venv", ".cache", ".git/", "tests/")), name
        assert ".sqlite3" not in name, name
        assert "__pycache__" not in name, name
    # Only the project's own files: the app, its metadata and the loose files.
    loose = {name for name in sdist_names if "/" not in name}
    assert loose <= {*PROJECT_FILES, "MANIFEST.in"}, loose
    folders = {name.split("/")[0] for name in sdist_names if "/" in name}
    assert folders == {PACKAGE, f"{PACKAGE}.egg-info"}, folders


def test_wheel_contains_migrations_templates_and_static_files(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for expected in (
        f"{PACKAGE}/__init__.py",
        f"{PACKAGE}/management/commands/rotate_crm_keys.py",
        *APP_DATA,
    ):
        assert expected in names, expected
    missing = missing_app_files(names)
    assert not missing, missing
    assert not any(name.startswith(("tests/", "example_site/")) for name in names)


def test_wheel_metadata_names_the_distribution_and_dependencies(wheel):
    archive = zipfile.ZipFile(wheel)
    [metadata] = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
    text = archive.read(metadata).decode()
    assert "Name: wagtail-chatbot-crm" in text
    assert f"Version: {VERSION}" in text
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
    assert result.stdout.strip() == wagtail_chatbot_crm.__version__
