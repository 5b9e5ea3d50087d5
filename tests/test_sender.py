"""The safe sender against a real HTTP server on 127.0.0.1."""

import contextlib
import ipaddress
import socket
import time

import pytest
import requests

from tests.crm_server import Step
from wagtail_chatbot_crm.sender import (
    AddressRefused,
    InsecureURL,
    address_allowed,
    resolve,
    send,
)
from wagtail_chatbot_crm.webhook import Endpoint, build_request


def prepared(url, body=b'{"a":1}'):
    return build_request(
        Endpoint(url), body, "application/json", idempotency_key="k", timestamp=1
    )


@pytest.fixture
def no_allowed_networks(settings):
    settings.WAGTAIL_CHATBOT_CRM = {
        **settings.WAGTAIL_CHATBOT_CRM,
        "ALLOWED_NETWORKS": [],
    }


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "127.8.9.10",
        "0.0.0.0",
        "10.0.0.5",
        "172.16.3.4",
        "192.168.1.1",
        "169.254.169.254",  # cloud metadata
        "100.100.100.200",  # carrier-grade NAT, a metadata address too
        "198.18.0.1",
        "224.0.0.1",
        "255.255.255.255",
        "::1",
        "::",
        "fe80::1",
        "fd00:ec2::254",  # AWS metadata over IPv6
        "ff02::1",
        "::ffff:127.0.0.1",
        "::ffff:10.0.0.1",
        "2002:7f00:1::1",  # 6to4 wrapping 127.0.0.1
        "2002:a9fe:a9fe::1",  # 6to4 wrapping the metadata address
        "100.64.0.1",  # carrier-grade NAT
        "192.0.0.8",  # IETF protocol assignments
        "192.0.2.1",  # documentation
        "::127.0.0.1",  # IPv4-compatible
        "::10.0.0.1",
        "::a9fe:a9fe",
        "::ffff:0:127.0.0.1",  # SIIT
        "::ffff:0:a00:1",
        "64:ff9b::7f00:1",  # NAT64, well-known prefix
        "64:ff9b::a9fe:a9fe",
        "64:ff9b:1::a9fe:a9fe",  # NAT64, local-use prefix
        "64:ff9b:1::808:808",
        "fec0::1",  # site-local
        "fc00::1",  # unique local
        "2001:0:4136:e378:8000:63bf:80ff:fffe",  # Teredo for 127.0.0.1
        "2001:db8::1",  # documentation
        "3fff::1",  # documentation
        "100::1",  # discard
        "5f00::1",  # segment routing
    ],
)
def test_internal_addresses_are_refused(address):
    assert not address_allowed(ipaddress.ip_address(address), [])


@pytest.mark.parametrize(
    "address",
    [
        "93.184.215.14",
        "8.8.8.8",
        "2606:4700:4700::1111",
        "2a00:1450:4001:80b::200e",
        "64:ff9b::808:808",  # NAT64 for 8.8.8.8
        "2002:808:808::1",  # 6to4 for 8.8.8.8
    ],
)
def test_public_addresses_are_allowed(address):
    assert address_allowed(ipaddress.ip_address(address), [])


@pytest.mark.parametrize(
    "host",
    [
        "[::127.0.0.1]",
        "[::ffff:0:127.0.0.1]",
        "[64:ff9b:1::a9fe:a9fe]",
        "[fec0::1]",
        "[2001:0:4136:e378:8000:63bf:80ff:fffe]",
        "[::ffff:a9fe:a9fe]",
        "2852039166",  # 169.254.169.254 in decimal
        "0xa9fea9fe",
        "0251.0376.0251.0376",
    ],
)
def test_every_spelling_is_judged_by_what_it_resolves_to(host):
    # Resolve and judge only: numeric hosts resolve without the network, and
    # nothing connects to them.
    resolved = resolve(host, 443)
    assert resolved
    assert not any(address_allowed(address, []) for _f, address, _s in resolved)


def test_allowed_networks_exempt_addresses_however_spelled():
    allowed = ["127.0.0.0/8", "10.1.0.0/16"]
    assert address_allowed(ipaddress.ip_address("127.0.0.1"), allowed)
    assert address_allowed(ipaddress.ip_address("::ffff:127.0.0.1"), allowed)
    assert address_allowed(ipaddress.ip_address("10.1.2.3"), allowed)
    assert not address_allowed(ipaddress.ip_address("10.2.0.1"), allowed)


def test_send_posts_and_reads_the_answer(crm_server):
    crm_server.then(Step(201, b'{"id": "c-9"}'))
    exchange = send(prepared(crm_server.url))
    assert exchange.status_code == 201
    assert exchange.text() == '{"id": "c-9"}'
    assert exchange.headers["content-type"] == "application/json"
    [received] = crm_server.received
    assert received.body == b'{"a":1}'
    assert received.headers["Idempotency-Key"] == "k"


@pytest.mark.parametrize(
    "host",
    [
        "127.0.0.1",
        "localhost",
        "127.1",
        "2130706433",  # decimal 127.0.0.1
        "0x7f000001",  # hex
        "0177.0.0.1",  # octal
        "[::ffff:127.0.0.1]",
    ],
)
def test_refused_addresses_open_no_socket(crm_server, no_allowed_networks, host):
    port = crm_server.server_address[1]
    with pytest.raises(AddressRefused) as excinfo:
        send(prepared(f"http://{host}:{port}/hooks/lead"))
    assert ipaddress.ip_address(excinfo.value.address).is_loopback or (
        ipaddress.ip_address(excinfo.value.address).ipv4_mapped.is_loopback
    )
    assert crm_server.connections == 0
    assert crm_server.received == []


def test_name_resolving_to_an_internal_address_is_refused(
    crm_server, no_allowed_networks, monkeypatch
):
    port = crm_server.server_address[1]
    real = socket.getaddrinfo

    def rebinding(host, *args, **kwargs):
        if host == "crm.attacker.example":
            return real("127.0.0.1", *args, **kwargs)
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    with pytest.raises(AddressRefused):
        send(prepared(f"http://crm.attacker.example:{port}/"))
    assert crm_server.connections == 0


def test_dns_failure_is_a_connection_error(monkeypatch):
    def fail(*args, **kwargs):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", fail)
    with pytest.raises(requests.exceptions.ConnectionError):
        send(prepared("http://crm.nowhere.example/"))


def test_redirects_are_not_followed(crm_server):
    crm_server.then(Step(302, b"", {"Location": crm_server.url + "/elsewhere"}))
    exchange = send(prepared(crm_server.url))
    assert exchange.status_code == 302
    assert exchange.headers["Location"].endswith("/elsewhere")
    assert len(crm_server.received) == 1


def test_answer_is_read_up_to_the_cap(crm_server, settings):
    settings.WAGTAIL_CHATBOT_CRM = {
        **settings.WAGTAIL_CHATBOT_CRM,
        "MAX_RESPONSE_BYTES": 1000,
    }
    crm_server.then(Step(200, b"x" * 200_000))
    exchange = send(prepared(crm_server.url))
    assert len(exchange.body) == 1000
    assert exchange.truncated


def test_read_timeout(crm_server, settings):
    settings.WAGTAIL_CHATBOT_CRM = {**settings.WAGTAIL_CHATBOT_CRM, "READ_TIMEOUT": 0.3}
    crm_server.then(Step(200, delay=2))
    with pytest.raises(requests.exceptions.ReadTimeout):
        send(prepared(crm_server.url))


@pytest.fixture
def deadline_2s(settings):
    """Each try ends 2 s after it starts; any one read may wait 1 s."""
    settings.WAGTAIL_CHATBOT_CRM = {
        **settings.WAGTAIL_CHATBOT_CRM,
        "CONNECT_TIMEOUT": 1.0,
        "READ_TIMEOUT": 1.0,
    }


def test_a_trickling_body_is_cut_off_at_the_deadline(crm_server, deadline_2s):
    # 48 bytes, one every 0.25 s: each read is well within the read timeout,
    # but the whole answer would take 12 s.
    crm_server.then(Step(201, b"x" * 48, trickle=0.25))
    started = time.monotonic()
    exchange = send(prepared(crm_server.url))
    elapsed = time.monotonic() - started
    # The CRM accepted the lead: its status is the outcome, and what came of
    # the body before the deadline is kept.
    assert exchange.status_code == 201
    assert exchange.cut_off
    assert 0 < len(exchange.body) < 48
    assert elapsed < 6
    assert len(crm_server.received) == 1


def test_a_trickling_status_line_times_out_at_the_deadline(crm_server, deadline_2s):
    crm_server.then(Step(201, b"{}", trickle=0.25, trickle_head=True))
    started = time.monotonic()
    with pytest.raises(requests.exceptions.Timeout, match="2 seconds in all"):
        send(prepared(crm_server.url))
    assert time.monotonic() - started < 6


def test_a_connection_is_usable_after_a_cut_off_answer(crm_server, deadline_2s):
    crm_server.then(Step(201, b"x" * 48, trickle=0.25))
    assert send(prepared(crm_server.url)).cut_off
    exchange = send(prepared(crm_server.url))
    assert exchange.status_code == 201
    assert not exchange.cut_off
    assert len(crm_server.received) == 2


def test_plain_http_needs_allow_http(crm_server, settings):
    settings.WAGTAIL_CHATBOT_CRM = {**settings.WAGTAIL_CHATBOT_CRM, "ALLOW_HTTP": False}
    with pytest.raises(InsecureURL):
        send(prepared(crm_server.url))
    assert crm_server.connections == 0


def test_tls_failure_is_an_ssl_error(crm_server):
    port = crm_server.server_address[1]
    with pytest.raises(requests.exceptions.SSLError):
        send(prepared(f"https://127.0.0.1:{port}/hooks/lead"))


def test_environment_proxies_are_ignored(crm_server, monkeypatch):
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")
    monkeypatch.setenv("NO_PROXY", "")
    assert send(prepared(crm_server.url)).status_code == 201


@pytest.fixture
def unanswering_port():
    """A loopback port whose connects hang: its listen backlog is full."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(0)
    port = server.getsockname()[1]
    fillers = []
    for _ in range(5):
        filler = socket.socket()
        filler.setblocking(False)
        with contextlib.suppress(BlockingIOError):
            filler.connect(("127.0.0.1", port))
        fillers.append(filler)
    yield port
    for each in [*fillers, server]:
        each.close()


def test_the_deadline_bounds_connecting_to_many_addresses(
    deadline_2s, unanswering_port, monkeypatch
):
    # A host with six addresses that never answer: each would get the whole
    # connect timeout, 6 s in all, past the 2 s deadline.
    address = ipaddress.ip_address("127.0.0.1")
    six = [(socket.AF_INET, address, ("127.0.0.1", unanswering_port))] * 6
    monkeypatch.setattr("wagtail_chatbot_crm.sender.resolve", lambda host, port: six)
    started = time.monotonic()
    with pytest.raises(requests.exceptions.Timeout):
        send(prepared(f"http://crm.example.com:{unanswering_port}/hook"))
    assert time.monotonic() - started < 4
