"""How `make run` serves the app: the server's upload limit is the intake's limit (one
number), and it listens on this machine only unless told otherwise."""

import os
import shlex
import socket
import subprocess
import sys
import time
import tomllib
import urllib.request
from pathlib import Path

import pytest

from analytics.intake.safety import MB, Limits

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / ".streamlit" / "config.toml"


def test_the_servers_upload_limit_is_the_intakes_limit(monkeypatch):
    monkeypatch.delenv("PARKS_MAX_UPLOAD_MB", raising=False)
    server = tomllib.loads(CONFIG.read_text(encoding="utf-8"))["server"]
    # Streamlit counts maxUploadSize in MiB (config * 1024 * 1024, streamlit 1.67
    # web/server/starlette/starlette_routes.py), as Limits counts max_bytes.
    assert server["maxUploadSize"] * 1024 * 1024 == Limits().max_bytes
    assert MB == 1024 * 1024


def _make_run(tmp_path, **variables) -> list[str]:
    """The command `make run` would start (make -n), with this test's interpreter and
    warehouse standing in for .venv and data/."""
    db = variables.pop("DB")
    settings = [f"PY={sys.executable}", f"VENV={tmp_path / 'venv'}", f"DB={db}"]
    settings += [f"{k}={v}" for k, v in variables.items()]
    printed = subprocess.run(
        ["make", "-s", "-n", "-C", str(ROOT), "run", *settings],
        capture_output=True,
        text=True,
        check=True,
        env={k: v for k, v in os.environ.items() if k != "PARKS_MAX_UPLOAD_MB"},
    ).stdout
    line = next(li for li in printed.splitlines() if " streamlit run " in li)
    return shlex.split(line)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _listening(port: int) -> set[str]:
    """Local addresses listening on ``port``, read from the kernel's socket tables."""
    found = set()
    for table, width in (("/proc/net/tcp", 8), ("/proc/net/tcp6", 32)):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            address, hex_port = fields[1].split(":")
            if fields[3] == "0A" and int(hex_port, 16) == port:  # 0A: LISTEN
                raw = bytes.fromhex(address)
                if width == 8:
                    found.add(socket.inet_ntop(socket.AF_INET, raw[::-1]))
                else:  # four host-order 32-bit words
                    words = b"".join(raw[i : i + 4][::-1] for i in range(0, 16, 4))
                    found.add(socket.inet_ntop(socket.AF_INET6, words))
    return found


def test_make_run_passes_the_address_and_both_limits_follow_one_setting(tmp_path, app_db):
    command = _make_run(tmp_path, DB=app_db)
    assert command[command.index("--server.address") + 1] == "127.0.0.1"
    assert "--server.maxUploadSize" not in command  # config.toml's value
    wider = _make_run(tmp_path, DB=app_db, ADDRESS="0.0.0.0", PARKS_MAX_UPLOAD_MB="80")
    assert wider[wider.index("--server.address") + 1] == "0.0.0.0"
    assert wider[wider.index("--server.maxUploadSize") + 1] == "80"


def test_make_run_listens_on_loopback_only(tmp_path, app_db):
    port = _free_port()
    command = _make_run(tmp_path, DB=app_db, PORT=port)
    env = {**os.environ, "PARKS_DB": str(app_db)}
    log = (tmp_path / "streamlit.log").open("w")
    server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 90
        while True:
            if server.poll() is not None:
                pytest.fail(f"streamlit exited: {(tmp_path / 'streamlit.log').read_text()}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health") as r:
                    if r.read().strip() == b"ok":
                        break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.3)
        addresses = _listening(port)
        assert addresses == {"127.0.0.1"}, addresses  # not 0.0.0.0, not ::
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()


def _make_run_lines(tmp_path, **variables) -> list[str]:
    """Every command `make run` would run (make -n), with a fresh, missing demo file."""
    settings = [f"PY={sys.executable}", f"VENV={tmp_path / 'venv'}"]
    settings += [f"{k}={v}" for k, v in variables.items()]
    env = {k: v for k, v in os.environ.items() if k != "PARKS_DB"}
    printed = subprocess.run(
        ["make", "-s", "-n", "-C", str(ROOT), "run", *settings],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    ).stdout
    return printed.splitlines()


def test_make_run_builds_the_demo_only_for_its_own_file(tmp_path):
    """Without PARKS_DB `make run` writes the demo before serving; with a department's own
    warehouse (a PostgreSQL URL or a file) it serves that one and never writes the demo."""
    missing = tmp_path / "data" / "warehouse.duckdb"
    lines = _make_run_lines(tmp_path, DB=missing)
    assert any("analytics demo" in line for line in lines)
    for own in ("postgresql://parks@127.0.0.1:5432/region", str(tmp_path / "ours.duckdb")):
        lines = _make_run_lines(tmp_path, DB=missing, PARKS_DB=own)
        assert not any("analytics demo" in line for line in lines), lines
        assert any(" streamlit run " in line for line in lines)
