"""A throwaway PostgreSQL cluster on loopback for the test run.

``initdb`` into a fresh temporary folder (trust authentication: only this machine's loopback
can reach it), ``pg_ctl start`` on a free port with its socket in that folder, and on
``stop`` the server is stopped and the folder removed. The server refuses to run as root, so
under root (CI) every server command runs as the ``postgres`` system user Debian's
``postgresql`` package creates, on a folder that user owns.
"""

from __future__ import annotations

import glob
import itertools
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

SERVER_USER = "postgres"
# Debian's postgresql package puts the server binaries here (one folder per major version).
BIN_GLOB = "/usr/lib/postgresql/*/bin"
INSTALL_HINT = (
    "PostgreSQL server binaries (initdb, pg_ctl) not found in {where}: the pg tests need "
    "Debian's postgresql package. Run `bash scripts/install_system_deps.sh` as root "
    "(or `apt-get install -y postgresql`), or point PARKS_PG_BIN at the folder holding pg_ctl."
)


def server_bin_dir() -> Path:
    """The folder holding initdb and pg_ctl: PARKS_PG_BIN, else Debian's newest version."""
    override = os.environ.get("PARKS_PG_BIN")
    candidates = [override] if override else sorted(glob.glob(BIN_GLOB), key=_major, reverse=True)
    for folder in candidates:
        if (Path(folder) / "pg_ctl").is_file() and (Path(folder) / "initdb").is_file():
            return Path(folder)
    raise RuntimeError(INSTALL_HINT.format(where=override or BIN_GLOB))


def _major(folder: str) -> int:
    name = Path(folder).parent.name
    return int(name) if name.isdigit() else 0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class ThrowawayCluster:
    """One PostgreSQL server in a temporary folder; ``start()``, ``url(db)``, ``stop()``."""

    def __init__(self) -> None:
        self.bin = server_bin_dir()
        self.root = Path(tempfile.mkdtemp(prefix="parks-pg-"))
        self.data = self.root / "data"
        self.port = 0
        self._databases = itertools.count(1)
        self._as_root = os.geteuid() == 0
        if self._as_root:
            shutil.chown(self.root, user=SERVER_USER)

    def _run(self, *command: str) -> None:
        argv = [str(self.bin / command[0]), *command[1:]]
        if self._as_root:
            argv = ["runuser", "-u", SERVER_USER, "--", *argv]
        done = subprocess.run(argv, capture_output=True, text=True, check=False)
        if done.returncode:
            log = self.root / "server.log"
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise RuntimeError(
                f"{' '.join(argv)} failed ({done.returncode}):\n{done.stdout}{done.stderr}{tail}"
            )

    def start(self) -> ThrowawayCluster:
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres",
                  "-E", "UTF8", "--locale=C.UTF-8", "--no-sync")  # fmt: skip
        # A test server: durability off (a crash loses nothing the test run needs).
        options = [
            "-c listen_addresses=127.0.0.1",
            f"-k {self.root}",
            "-c fsync=off",
            "-c synchronous_commit=off",
            "-c full_page_writes=off",
            "-c max_connections=100",
        ]
        for attempt in range(3):  # a free port may be taken between the probe and the start
            self.port = free_port()
            try:
                self._run("pg_ctl", "-D", str(self.data), "-l", str(self.root / "server.log"),
                          "-o", " ".join([f"-p {self.port}", *options]), "-w", "start")  # fmt: skip
                return self
            except RuntimeError:
                if attempt == 2:
                    raise
        return self

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, template: str | None = None) -> str:
        """A new database, empty or a clone of the one at URL ``template`` (PostgreSQL copies
        its files: much faster than loading it again); its URL."""
        import psycopg

        name = f"parks_test_{next(self._databases)}"
        clone = f' TEMPLATE "{template.rsplit("/", 1)[1]}"' if template else ""
        with psycopg.connect(self.url(), autocommit=True) as con:
            con.execute(f'CREATE DATABASE "{name}"{clone}')
        return self.url(name)

    def drop_database(self, url: str) -> None:
        """Remove a test's database (its sessions ended or not), keeping the cluster small."""
        import psycopg

        name = url.rsplit("/", 1)[1]
        with psycopg.connect(self.url(), autocommit=True) as con:
            con.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def stop(self) -> None:
        try:
            if (self.data / "postmaster.pid").exists():
                self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
