"""Build a new Wagtail site with `wagtail start` and install the app in it by
following the README's "Install in your site" section to the letter, then
use it as a site owner would: check, migrate, run the web server and a Huey
consumer, see the chatbot on the home page, submit a lead and watch it reach
a receiver on 127.0.0.1 as Synced.

The standard library only, so it also runs in a bare virtualenv holding the
released wheel (``.ci/wheel-smoke``)::

    python tests/readme_site.py [WORKDIR]

with the Python whose environment has Wagtail and the app installed. The
pytest suite runs it too (tests/test_readme_install.py).
"""

import base64
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.MULTILINE | re.DOTALL)
# Wagtail's catch-all line in the urls.py `wagtail start` writes.
WAGTAIL_URLS = 'path("", include(wagtail_urls)),'
TIMEOUT = 60


def install_blocks(readme: Path = README) -> list[tuple[str, str]]:
    """(language, code) of each fenced block in the README's install
    section, in order."""
    text = readme.read_text()
    section = text.split("\n## Install in your site\n", 1)[1].split("\n## ", 1)[0]
    return FENCE.findall(section)


def block(blocks, language: str, first_line: str) -> str:
    """The one block of ``language`` whose first line is ``first_line``."""
    [code] = [
        code
        for lang, code in blocks
        if lang == language and code.splitlines()[0].strip() == first_line
    ]
    return code


def follow_readme(site: Path, blocks) -> None:
    """Make the changes the install section asks for in a `wagtail start`
    site at ``site`` (project and package named ``mysite``)."""
    package = site / "mysite"
    assert "pip install wagtail-chatbot-crm" in block(
        blocks, "sh", "pip install wagtail-chatbot-crm"
    )

    # "Add to the end of your settings".
    with open(package / "settings" / "base.py", "a") as settings:
        settings.write("\n\n" + block(blocks, "python", "# settings.py"))

    # "Include the app's URLs before Wagtail's own pattern".
    urls_block = block(blocks, "python", "# urls.py")
    ours = [
        line for line in urls_block.splitlines() if "wagtail_chatbot_crm.urls" in line
    ]
    assert len(ours) == 1, urls_block
    assert WAGTAIL_URLS in urls_block, urls_block
    urls = package / "urls.py"
    lines = urls.read_text().splitlines(keepends=True)
    [at] = [i for i, line in enumerate(lines) if line.strip() == WAGTAIL_URLS]
    indent = lines[at][: len(lines[at]) - len(lines[at].lstrip())]
    lines.insert(at, indent + ours[0].strip() + "\n")
    urls.write_text("".join(lines))

    # "Put the chatbot on every page with two lines in your base template".
    [template_block] = [code for lang, code in blocks if lang == "django"]
    load, widget = (
        line.strip()
        for line in template_block.splitlines()
        if line.strip().startswith("{%")
    )
    assert (load, widget) == ("{% load chatbot_tags %}", "{% chatbot_widget %}")
    base = package / "templates" / "base.html"
    html = base.read_text()
    assert html.count("</body>") == 1
    base.write_text(load + "\n" + html.replace("</body>", widget + "\n    </body>"))

    # The development settings, for a receiver on this machine.
    with open(package / "settings" / "dev.py", "a") as dev:
        dev.write("\n\n" + block(blocks, "python", "# settings/dev.py"))


class Receiver(BaseHTTPRequestHandler):
    """A CRM stand-in: accepts every POST and keeps its JSON body."""

    received: list = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.received.append(json.loads(body))
        self.send_response(201)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b'{"id": 1}')

    def log_message(self, *args):
        pass


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(what: str, check, deadline: float):
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)


def fetch(url: str, data: bytes | None = None, headers: dict | None = None):
    request = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def build_and_use(work: Path, python: str = sys.executable) -> dict:
    """Build the site under ``work`` and use it; returns what was seen."""
    bindir = Path(python).parent
    wagtail = bindir / "wagtail"
    subprocess.run([str(wagtail), "start", "mysite"], cwd=work, check=True)
    site = work / "mysite"
    follow_readme(site, install_blocks())

    # A Fernet key is 32 random bytes in URL-safe base64, as the README's
    # command prints one.
    key = base64.urlsafe_b64encode(os.urandom(32)).decode()
    env = {
        **os.environ,
        "CHATBOT_CRM_KEY": key,
        "PYTHONPATH": "",
        "PATH": f"{bindir}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)  # manage.py's own: mysite.settings.dev

    def manage(*args, **kwargs):
        return subprocess.run(
            [python, "manage.py", *args],
            cwd=site,
            env=env,
            check=True,
            text=True,
            **kwargs,
        )

    check = manage("check", capture_output=True)
    manage("migrate", "--noinput", "--verbosity", "0")

    receiver = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    Receiver.received = []
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    webhook = f"http://127.0.0.1:{receiver.server_address[1]}/leads"

    # What an editor does in the admin: create a chatbot sending to the
    # receiver, with sync on, and choose it in Settings → Chatbot.
    manage(
        "shell",
        "-c",
        "from wagtail.models import Site\n"
        "from wagtail_chatbot_crm.models import Chatbot, ChatbotSettings\n"
        "bot = Chatbot.objects.create(name='Sales', slug='sales',\n"
        f"    webhook_url={webhook!r}, crm_enabled=True)\n"
        "settings = ChatbotSettings.for_site(Site.objects.get(is_default_site=True))\n"
        "settings.default_chatbot = bot\n"
        "settings.save()\n",
    )

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    logs = work / "logs"
    logs.mkdir()
    processes = []
    for name, args in (
        ("web", ["runserver", "--noreload", f"127.0.0.1:{port}"]),
        ("huey", ["run_huey"]),
    ):
        with open(logs / f"{name}.log", "w") as log:
            processes.append(
                subprocess.Popen(
                    [python, "manage.py", *args],
                    cwd=site,
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            )
    try:
        deadline = time.monotonic() + TIMEOUT

        def home():
            try:
                return fetch(base + "/")
            except OSError:
                return None

        status, html = wait_for("the web server", home, deadline)
        assert status == 200, status
        assert 'id="wcc-sales"' in html, "the chatbot is not on the home page"

        status, answer = fetch(
            base + "/chatbot/sales/leads/",
            data=json.dumps(
                {"name": "Ada Lovelace", "email": "ada@example.com", "consent": True}
            ).encode(),
            headers={"Content-Type": "application/json", "Origin": base},
        )
        assert status == 201, (status, answer)
        uuid = json.loads(answer)["uuid"]
        [body] = wait_for(
            "the lead at the receiver", lambda: Receiver.received, deadline
        )
        assert body["email"] == "ada@example.com", body

        def synced():
            shell = manage(
                "shell",
                "-c",
                "from wagtail_chatbot_crm.models import Lead\n"
                f"print('status', Lead.objects.get(uuid={uuid!r}).sync_status)",
                capture_output=True,
            )
            # Django 5.2's shell may say what it imported first.
            return "status synced" in shell.stdout.splitlines()

        wait_for("the lead to be Synced", synced, deadline)
        return {"check": check.stdout + check.stderr, "received": body}
    except BaseException:
        for name in ("web", "huey"):
            sys.stderr.write(
                f"--- {name} log ---\n{(logs / f'{name}.log').read_text()}\n"
            )
        raise
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=30)
        receiver.shutdown()
        receiver.server_close()


def main() -> None:
    if len(sys.argv) > 1:
        work = Path(sys.argv[1])
        work.mkdir(parents=True, exist_ok=True)
        seen = build_and_use(work)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            seen = build_and_use(Path(tmp))
    print(seen["check"].strip())
    print("A `wagtail start` site installed from the README delivered a lead:")
    print(json.dumps(seen["received"], indent=2))


if __name__ == "__main__":
    main()
