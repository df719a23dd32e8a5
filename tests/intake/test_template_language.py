"""`template` writes its headers in the language the command line speaks: its own --lang
when given, else the global --lang (then PARKS_LANG, LANG) — not English by default."""

from __future__ import annotations

import csv

import pytest

from analytics.cli import main
from analytics.i18n import t
from analytics.intake.columns import header_label, kind_spec


def _headers(path) -> list[str]:
    first = path.read_text(encoding="utf-8-sig").splitlines()[0]
    return next(csv.reader([first], delimiter=";" if ";" in first else ","))


def _expected(kind: str, lang: str) -> list[str]:
    entity = {"park": "park", "region_quarter": "region"}[kind]
    return [header_label(c.name, lang, entity) for c in kind_spec(kind).columns]


@pytest.fixture(autouse=True)
def _no_language_from_the_environment(monkeypatch):
    monkeypatch.delenv("PARKS_LANG", raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")


@pytest.mark.parametrize("kind", ["park", "region_quarter"])
def test_the_global_language_is_the_templates_language(tmp_path, capsys, kind):
    path = tmp_path / "t.csv"
    assert main(["--lang", "ru", "template", "--kind", kind, "-o", str(path)]) == 0
    assert _headers(path) == _expected(kind, "ru") != _expected(kind, "en")
    assert capsys.readouterr().out.strip() == t("intake.template.written", "ru", path=str(path))


def test_the_templates_own_language_overrides_the_global_one(tmp_path, capsys):
    path = tmp_path / "t.csv"
    assert (
        main(["--lang", "ru", "template", "--kind", "park", "--lang", "uk", "-o", str(path)]) == 0
    )
    assert _headers(path) == _expected("park", "uk")
    # the messages stay in the language of the command line
    assert capsys.readouterr().out.strip() == t("intake.template.written", "ru", path=str(path))


def test_without_any_language_the_environment_decides(tmp_path, monkeypatch):
    monkeypatch.setenv("PARKS_LANG", "uk")
    path = tmp_path / "t.csv"
    assert main(["template", "--kind", "park", "-o", str(path)]) == 0
    assert _headers(path) == _expected("park", "uk")
    monkeypatch.delenv("PARKS_LANG")
    assert main(["template", "--kind", "park", "-o", str(path)]) == 0
    assert _headers(path) == _expected("park", "en")
