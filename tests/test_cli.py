"""``python -m analytics``: one command loads only its own module, and the table that says
which module owns which command is the one the modules themselves register."""

from __future__ import annotations

import argparse
import importlib
import subprocess
import sys
from pathlib import Path

import pytest

from analytics import cli

ROOT = Path(__file__).resolve().parents[1]


def registered_by(module: str) -> list[str]:
    commands = argparse.ArgumentParser().add_subparsers(dest="command")
    importlib.import_module(module).register(commands)
    return list(commands.choices)


@pytest.mark.parametrize("module", sorted(set(cli.COMMANDS.values())))
def test_each_module_registers_exactly_the_commands_the_table_gives_it(module):
    assert registered_by(module) == [c for c, owner in cli.COMMANDS.items() if owner == module]


@pytest.mark.parametrize(
    "argv, command",
    [
        (["effects", "--data", "x.csv"], "effects"),
        (["--lang", "uk", "report", "--quarter", "2025Q4"], "report"),
        (["--lang=ru", "check"], "check"),
        (["--help"], None),
        (["--lang", "en", "-h"], None),
        ([], None),
    ],
)
def test_the_command_word_is_found_after_the_language(argv, command):
    assert cli.command_named(argv) == command


def test_effects_does_not_import_the_other_commands():
    probe = (
        "import sys\n"
        "from analytics import cli\n"
        "cli.build_parser('effects')\n"
        "print(' '.join(sorted(m for m in sys.modules if m.startswith('analytics'))))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
    )
    loaded = set(out.stdout.split())
    assert "analytics.effects.commands" in loaded
    others = {m for m in cli.COMMANDS.values() if m != "analytics.effects.commands"}
    assert not loaded & (others | {"analytics.geo", "analytics.intake", "analytics.reports"})


def test_a_wrong_command_lists_every_command(capsys):
    with pytest.raises(SystemExit) as exited:
        cli.main(["nosuch"])
    assert exited.value.code == 2
    error = capsys.readouterr().err
    assert "invalid choice: 'nosuch'" in error
    assert all(f"'{command}'" in error for command in cli.COMMANDS)
