"""The command line imports only what its command needs (issue 16: the CLI as fast as the
engine): the table of commands in analytics/cli.py is what the modules register, and a
command's run leaves the other commands' heavy libraries unimported."""

from __future__ import annotations

import argparse
import importlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from analytics import cli

ROOT = Path(__file__).resolve().parents[1]


def test_the_table_of_commands_is_what_the_modules_register():
    for name, commands in cli.COMMAND_MODULES.items():
        sub = argparse.ArgumentParser().add_subparsers()
        importlib.import_module(name).register(sub)
        assert tuple(sub.choices) == commands, name


@pytest.mark.parametrize(
    ("argv", "command"),
    [
        (["info", "--db", "x"], "info"),
        (["--lang", "ru", "report", "--quarter", "2025Q4"], "report"),
        (["--lang=uk", "review"], "review"),
        (["--help"], None),
        (["--lang", "en"], None),
        ([], None),
    ],
)
def test_the_command_is_found_after_the_global_options(argv, command):
    assert cli.command_of(argv) == command


def _modules_after(args: list[str], db: Path) -> set[str]:
    """The top-level packages loaded by a fresh process that ran ``args``."""
    code = (
        "import json, sys\n"
        "from analytics.cli import main\n"
        f"code = main({args!r})\n"
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))\n"
        "sys.exit(code)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**os.environ, "PARKS_DB": str(db)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return set(json.loads(done.stdout.splitlines()[-1]))


def test_a_command_leaves_other_commands_libraries_unimported(demo_db):
    loaded = _modules_after(["info"], demo_db)
    assert not loaded & {"reportlab", "matplotlib", "scipy", "shapely", "docx", "openpyxl"}
    assert not loaded & {"psycopg", "sqlglot"}  # a file warehouse: no server driver
    # the overall help still lists every command
    done = subprocess.run([sys.executable, "-m", "analytics", "--help"], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    for commands in cli.COMMAND_MODULES.values():
        assert all(command in done.stdout for command in commands)
