"""Sending a prepared request safely.

Timeouts on every request and a wall-clock deadline on the whole exchange,
redirects never followed, the answer read in a stream and capped, and an SSRF
guard in the connection itself: the host is resolved once, every address is
checked, and the socket connects to a checked address, so a DNS answer that
changes between check and connect (rebinding) cannot slip through.
"""

import contextlib
import ipaddress
import socket
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from requests.structures import CaseInsensitiveDict
from urllib3 import exceptions as urllib3_exceptions
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import (
    ConnectTimeoutError,
    NameResolutionError,
    NewConnectionError,
)
from urllib3.util import connection

from .conf import crm_settings
from .errors import AddressRefused, InsecureURL

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# IPv6 forms whose last 32 bits are an IPv4 address, which is what they reach:
# IPv4-compatible (deprecated, ::/96), SIIT (::ffff:0:0/96) and NAT64's
# well-known prefix. (IPv4-mapped, 6to4 and Teredo have properties of their
# own in ``ipaddress``.)
IPV4_IN_LAST_32_BITS = [
    ipaddress.ip_network("::/96"),
    ipaddress.ip_network("::ffff:0:0/96"),
    ipaddress.ip_network("64:ff9b::/96"),
]
# Global unicast IPv6 is 2000::/3 (RFC 4291), less the special-purpose
# blocks inside it that ``is_global`` does not know on every Python version.
IPV6_GLOBAL_UNICAST = ipaddress.ip_network("2000::/3")
IPV6_NOT_GLOBAL = [
    ipaddress.ip_network("2001:db8::/32"),  # documentation
    ipaddress.ip_network("3fff::/20"),  # documentation (RFC 9637)
]
# IETF protocol assignments; 192.0.0.9 and .10 are anycast services, but
# nothing a CRM is reached at.
IPV4_NOT_GLOBAL = [ipaddress.ip_network("192.0.0.0/24")]


_local = threading.local()


def embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address stands for, if it is one of the
    forms that carry one (IPv4-mapped or -compatible, SIIT, NAT64, 6to4,
    Teredo)."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if any(address in network for network in IPV4_IN_LAST_32_BITS):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]  # the client, where the packets go
    return None


def is_global_unicast(address: IPAddress) -> bool:
    """Whether ``address`` is globally routable unicast, judged the same on
    every supported Python (3.11's ``is_global`` passes site-local and
    NAT64's local-use prefix, for one)."""
    if address.is_multicast or not address.is_global:
        return False
    if isinstance(address, ipaddress.IPv4Address):
        return not any(address in network for network in IPV4_NOT_GLOBAL)
    return address in IPV6_GLOBAL_UNICAST and not any(
        address in network for network in IPV6_NOT_GLOBAL
    )


def address_allowed(address: IPAddress, allowed_networks: list[str]) -> bool:
    """Whether deliveries may connect to ``address``.

    Only globally routable unicast addresses are allowed; loopback, private,
    link-local, site-local, multicast, reserved, documentation and the like
    (cloud metadata addresses among them) are refused unless inside
    ``ALLOWED_NETWORKS``. IPv6 forms that carry an IPv4 address are judged
    by that address.
    """
    if isinstance(address, ipaddress.IPv6Address):
        address = embedded_ipv4(address) or address
    for network in allowed_networks:
        if address in ipaddress.ip_network(network, strict=False):
            return True
    return is_global_unicast(address)


def resolve(host: str, port: int) -> list[tuple[int, IPAddress, tuple]]:
    """Every (family, address, sockaddr) the host resolves to, in order."""
    results = []
    seen = set()
    for family, _type, _proto, _name, sockaddr in socket.getaddrinfo(
        host.strip("[]"), port, 0, socket.SOCK_STREAM
    ):
        address = ipaddress.ip_address(sockaddr[0].split("%", 1)[0])
        if address not in seen:
            seen.add(address)
            results.append((family, address, sockaddr))
    return results


class Deadline:
    """Ends an exchange at a wall-clock deadline, whatever it is waiting for.

    Socket timeouts bound each wait, not their sum: a CRM sending one byte
    just inside the read timeout could hold a worker for hours. A timer shuts
    the connection's socket down when the time is up, which wakes a blocked
    send or read at once; connecting, address after address, gets no more
    than the time left.
    """

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.expired = False
        self._done = False
        self._lock = threading.Lock()
        self._connection = None
        self._socket: socket.socket | None = None
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def __enter__(self) -> "Deadline":
        _local.deadline = self
        self._ends_at = time.monotonic() + self.seconds
        self._timer.start()
        return self

    def remaining(self) -> float:
        """Seconds left before the deadline (0 once it has passed)."""
        return max(self._ends_at - time.monotonic(), 0.0)

    def __exit__(self, *exc_info) -> None:
        with self._lock:
            self._done = True
        self._timer.cancel()
        _local.deadline = None

    def watch(self, connection=None, sock: socket.socket | None = None) -> None:
        """Shut down this connection (or new socket) when the time is up."""
        with self._lock:
            if connection is not None:
                self._connection = connection
            if sock is not None:
                self._socket = sock
            if self.expired:
                self._shut_down()

    def _expire(self) -> None:
        with self._lock:
            if self._done:
                return
            self.expired = True
            self._shut_down()

    def _shut_down(self) -> None:
        sockets = [getattr(self._connection, "sock", None), self._socket]
        for sock in sockets:
            # Not connected yet, or already closed: nothing to wake.
            if sock is not None:
                with contextlib.suppress(OSError):
                    # The plain socket's method: on a TLS socket it acts on
                    # the descriptor without touching the TLS state another
                    # thread is reading with.
                    socket.socket.shutdown(sock, socket.SHUT_RDWR)


def current_deadline() -> Deadline | None:
    """The deadline of the exchange this thread is in, if any."""
    return getattr(_local, "deadline", None)


class GuardedConnectionMixin:
    """Resolve, check every address, connect only to a checked one; and
    stop at the deadline of the exchange in progress."""

    def request(self, *args, **kwargs):
        deadline = current_deadline()
        if deadline is not None:
            deadline.watch(connection=self)
        return super().request(*args, **kwargs)

    def _new_conn(self) -> socket.socket:
        sock = self._connect_guarded()
        deadline = current_deadline()
        if deadline is not None:
            # A slow name lookup may have used the time up already.
            deadline.watch(sock=sock)
            if deadline.expired:
                sock.close()
                raise ConnectTimeoutError(
                    self, f"Connecting to {self.host} used up the deadline."
                )
        return sock

    def _connect_guarded(self) -> socket.socket:
        try:
            resolved = resolve(self._dns_host, self.port)
        except socket.gaierror as exc:
            raise NameResolutionError(self.host, self, exc) from exc
        networks = list(crm_settings.ALLOWED_NETWORKS)
        allowed = [item for item in resolved if address_allowed(item[1], networks)]
        if not allowed:
            refused = resolved[0][1] if resolved else self.host
            raise AddressRefused(self.host, str(refused))
        error: Exception | None = None
        deadline = current_deadline()
        for _family, address, _sockaddr in allowed:
            timeout = self.timeout
            if deadline is not None:
                # Each address gets the connect timeout, but all of them
                # together no more than what is left of the deadline.
                left = deadline.remaining()
                if left <= 0:
                    break
                if isinstance(timeout, int | float):
                    timeout = min(timeout, left)
            try:
                return connection.create_connection(
                    (str(address), self.port),
                    timeout,
                    source_address=self.source_address,
                    socket_options=self.socket_options,
                )
            except TimeoutError as exc:
                error = ConnectTimeoutError(
                    self,
                    f"Connection to {self.host} timed out. "
                    f"(connect timeout={self.timeout})",
                )
                error.__cause__ = exc
            except OSError as exc:
                error = NewConnectionError(
                    self, f"Failed to establish a new connection: {exc}"
                )
                error.__cause__ = exc
        if error is None:
            error = ConnectTimeoutError(
                self, f"Connecting to {self.host} used up the deadline."
            )
        raise error


class GuardedHTTPConnection(GuardedConnectionMixin, HTTPConnection):
    pass


class GuardedHTTPSConnection(GuardedConnectionMixin, HTTPSConnection):
    pass


class GuardedHTTPConnectionPool(HTTPConnectionPool):
    ConnectionCls = GuardedHTTPConnection


class GuardedHTTPSConnectionPool(HTTPSConnectionPool):
    ConnectionCls = GuardedHTTPSConnection


class GuardedAdapter(HTTPAdapter):
    """An HTTPAdapter whose connections go through the SSRF guard."""

    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {
            "http": GuardedHTTPConnectionPool,
            "https": GuardedHTTPSConnectionPool,
        }


def new_session() -> requests.Session:
    """A session that ignores proxy, netrc and CA settings from the
    environment and routes every connection through the guard."""
    session = requests.Session()
    session.trust_env = False
    adapter = GuardedAdapter(pool_connections=32, pool_maxsize=32, max_retries=0)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def get_session() -> requests.Session:
    """This thread's session, so keep-alive connections are reused."""
    session = getattr(_local, "session", None)
    if session is None:
        session = _local.session = new_session()
    return session


@dataclass(frozen=True)
class Exchange:
    """A CRM's answer, read up to the byte cap."""

    status_code: int
    headers: Mapping[str, str]
    body: bytes
    truncated: bool
    duration_ms: int
    # The deadline came while the body was still arriving: the status is
    # the CRM's answer, the body what arrived of it.
    cut_off: bool = False

    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


def _read(response: requests.Response, amount: int) -> bytes:
    """Read what has arrived of the body (at most ``amount`` bytes, at least
    one unless it ended), with urllib3's errors as requests' own."""
    try:
        return response.raw.read1(amount, decode_content=True)
    except urllib3_exceptions.ReadTimeoutError as exc:
        raise requests.exceptions.ReadTimeout(exc) from exc
    except (urllib3_exceptions.ProtocolError, urllib3_exceptions.DecodeError) as exc:
        raise requests.exceptions.ConnectionError(exc) from exc


def deadline_seconds() -> float:
    """How long one exchange may take in all, from connecting to the last
    byte of the answer: ``CONNECT_TIMEOUT + READ_TIMEOUT``."""
    return crm_settings.CONNECT_TIMEOUT + crm_settings.READ_TIMEOUT


def send(
    prepared: requests.PreparedRequest, *, max_bytes: int | None = None
) -> Exchange:
    """Send one request and read its answer; raises on no answer.

    The whole exchange ends at :func:`deadline_seconds`: with no status by
    then it is a timeout; with a status, the answer is what arrived of it
    (``cut_off``). So a worker never holds a lead longer than its claim.
    """
    if urlsplit(prepared.url).scheme == "http" and not crm_settings.ALLOW_HTTP:
        raise InsecureURL(prepared.url)
    limit = max_bytes or crm_settings.MAX_RESPONSE_BYTES
    started = time.monotonic()
    chunks: list[bytes] = []
    size = 0
    cut_off = False
    with Deadline(deadline_seconds()) as deadline:
        try:
            response = get_session().send(
                prepared,
                timeout=(crm_settings.CONNECT_TIMEOUT, crm_settings.READ_TIMEOUT),
                allow_redirects=False,
                stream=True,
            )
        except requests.exceptions.RequestException as exc:
            if deadline.expired:
                raise requests.exceptions.ReadTimeout(
                    f"The CRM did not answer within {deadline.seconds:g} "
                    "seconds in all."
                ) from exc
            raise
        try:
            while size <= limit:
                try:
                    chunk = _read(response, min(8192, limit + 1 - size))
                except requests.exceptions.RequestException:
                    if not deadline.expired:
                        raise
                    cut_off = True
                    break
                if not chunk:
                    # The end of the body, or of the socket at the deadline.
                    cut_off = deadline.expired
                    break
                chunks.append(chunk)
                size += len(chunk)
        finally:
            response.close()
    body = b"".join(chunks)
    return Exchange(
        status_code=response.status_code,
        headers=CaseInsensitiveDict(response.headers),
        body=body[:limit],
        truncated=len(body) > limit,
        duration_ms=int((time.monotonic() - started) * 1000),
        cut_off=cut_off,
    )
