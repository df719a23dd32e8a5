"""The overview page renders in every language on the demo database, with the demo banner."""

import pytest

from analytics.i18n import LANGUAGES, t
from tests.app.conftest import new_app


@pytest.mark.parametrize("lang", LANGUAGES)
def test_overview_renders_in_each_language(app, lang):
    at = app(lang, page="overview")
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == t("overview.title", lang)
    assert any(t("simulated.notice", lang) == w.value for w in at.warning)
    labels = [m.label for m in at.metric]
    assert t("overview.parks_total", lang) in labels
    # The registry holds the demo's 60 parks (formatted for the locale).
    assert at.metric[0].value.replace("\xa0", "").replace(",", "") == "60"


def test_russian_is_the_default_and_the_switch_changes_the_language(app):
    at = app(page="overview")
    assert at.title[0].value == t("overview.title", "ru")
    at.sidebar.selectbox(key="lang_select").set_value("en").run()
    assert not at.exception
    assert at.title[0].value == t("overview.title", "en")


def test_missing_database_opens_getting_started_with_a_translated_explanation(
    tmp_path, monkeypatch
):
    # A missing warehouse is a first day, not an error (issue 17): the getting-started view
    # says how to create one for a country or build the demo, in the reader's language.
    monkeypatch.setenv("PARKS_DB", str(tmp_path / "absent.duckdb"))
    at = new_app("uk").run()
    assert not at.exception and not at.error
    explanation = at.info[0].value
    assert "Бази даних ще немає" in explanation
    assert "python -m analytics demo" in explanation
    assert "init --country UA" in explanation
