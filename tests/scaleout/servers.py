"""Real PostgreSQL and Redis servers for the scale-out tests.

Each runs from Debian's packages (``postgresql``, ``redis-server``) on
127.0.0.1, on a free port, with its data in a temporary directory that is
removed when it stops. PostgreSQL will not run as root: as root, its
processes run as the ``postgres`` user the package creates.
"""

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path


class ServerMissing(Exception):
    """The server's binaries are not installed here."""


def free_port() -> int:
    [port] = free_ports(1)
    return port


def free_ports(count: int) -> list[int]:
    """``count`` different free ports: the sockets are held open together,
    since one released before the next is asked for may be handed out
    again."""
    with contextlib.ExitStack() as stack:
        sockets = [stack.enter_context(socket.socket()) for _ in range(count)]
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]


def wait_for_port(port: int, process: subprocess.Popen, name: str, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"{name} did not listen on port {port} in {timeout:g} s")


def stop_process(process: subprocess.Popen | None, timeout=15.0) -> None:
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout)


class RedisServer:
    """``redis-server`` without persistence, on a free port."""

    def __init__(self):
        self.binary = shutil.which("redis-server")
        if not self.binary:
            raise ServerMissing("redis-server is not installed")
        self.port = free_port()
        self.directory = tempfile.mkdtemp(prefix="wcc-redis-")
        self.process = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> "RedisServer":
        self.process = subprocess.Popen(
            [
                self.binary,
                "--bind",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--dir",
                self.directory,
                "--save",
                "",
                "--appendonly",
                "no",
                "--protected-mode",
                "yes",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for_port(self.port, self.process, "redis-server")
        return self

    def stop(self) -> None:
        stop_process(self.process)
        shutil.rmtree(self.directory, ignore_errors=True)


def postgres_bindir() -> str:
    """Where initdb, pg_ctl and postgres are: on the PATH, or Debian's
    versioned directory (newest first)."""
    if shutil.which("initdb") and shutil.which("postgres"):
        return str(Path(shutil.which("initdb")).resolve().parent)
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda path: int(path.split("/")[4]),
        reverse=True,
    )
    if not found:
        raise ServerMissing("PostgreSQL (initdb, postgres) is not installed")
    return str(Path(found[0]).parent)


class PostgresServer:
    """A throwaway PostgreSQL cluster: trust authentication on 127.0.0.1,
    no fsync (the data is thrown away), on a free port."""

    user = "postgres"

    def __init__(self):
        self.bindir = postgres_bindir()
        self.port = free_port()
        self.directory = tempfile.mkdtemp(prefix="wcc-postgres-")
        self.data = os.path.join(self.directory, "data")
        self.run_as = None
        if os.geteuid() == 0:
            try:
                self.run_as = pwd.getpwnam("postgres")
            except KeyError as exc:
                raise ServerMissing("running as root, and no postgres user") from exc
            os.chown(self.directory, self.run_as.pw_uid, self.run_as.pw_gid)

    @property
    def url(self) -> str:
        return f"postgres://{self.user}@127.0.0.1:{self.port}/postgres"

    def _run(self, *args, **kwargs) -> subprocess.Popen:
        env = {**os.environ, "LC_ALL": "C.UTF-8", "LANG": "C.UTF-8"}
        if self.run_as is not None:
            kwargs.update(
                user=self.run_as.pw_uid,
                group=self.run_as.pw_gid,
                extra_groups=[],
            )
        return subprocess.Popen(args, cwd=self.directory, env=env, **kwargs)

    def start(self) -> "PostgresServer":
        initdb = self._run(
            os.path.join(self.bindir, "initdb"),
            "-D",
            self.data,
            "-U",
            self.user,
            "--auth=trust",
            "--encoding=UTF8",
            "--no-sync",
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        _out, err = initdb.communicate(timeout=120)
        if initdb.returncode:
            raise RuntimeError(f"initdb failed: {err.decode(errors='replace')}")
        options = " ".join(
            [
                f"-p {self.port}",
                "-c listen_addresses=127.0.0.1",
                f"-c unix_socket_directories={self.directory}",
                "-c fsync=off",
                "-c synchronous_commit=off",
                "-c full_page_writes=off",
                "-c max_connections=200",
            ]
        )
        self.pg_ctl("start", "-o", options, "-l", os.path.join(self.directory, "log"))
        return self

    def pg_ctl(self, action: str, *args: str) -> None:
        """Run ``pg_ctl ACTION`` on the cluster and wait for it to finish."""
        done = self._run(
            os.path.join(self.bindir, "pg_ctl"),
            action,
            "-D",
            self.data,
            "-w",
            "-t",
            "60",
            *args,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        _out, err = done.communicate(timeout=90)
        if done.returncode:
            raise RuntimeError(f"pg_ctl {action}: {err.decode(errors='replace')}")

    def restart(self) -> None:
        """Stop and start again on the same port and data (a fault): the
        connections of every process are cut."""
        self.pg_ctl("restart", "-m", "fast")

    @classmethod
    def attached(cls, directory: str, bindir: str, port: int) -> "PostgresServer":
        """The cluster another process started (its ``environment()``)."""
        server = cls.__new__(cls)
        server.bindir, server.port, server.directory = bindir, port, directory
        server.data = os.path.join(directory, "data")
        server.run_as = pwd.getpwnam("postgres") if os.geteuid() == 0 else None
        return server

    def environment(self) -> dict[str, str]:
        return {
            "WCC_TEST_PG_PORT": str(self.port),
            "WCC_TEST_PG_DIR": self.directory,
            "WCC_TEST_PG_BINDIR": self.bindir,
        }

    def stop(self) -> None:
        # (Not running is fine.)
        with contextlib.suppress(RuntimeError, OSError, subprocess.TimeoutExpired):
            self.pg_ctl("stop", "-m", "immediate")
        shutil.rmtree(self.directory, ignore_errors=True)
