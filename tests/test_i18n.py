"""The interface is Italian by default, English per user, with complete catalogs."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from babel.messages.pofile import read_po
from flask_babel import force_locale

from crm.formatting import _date, _number
from crm.phones import display_phone

TRANSLATIONS = Path(__file__).resolve().parent.parent / "crm" / "translations"


def test_italian_catalog_translates_every_message():
    """No message of the interface is left untranslated in Italian."""
    with (TRANSLATIONS / "it" / "LC_MESSAGES" / "messages.po").open("rb") as f:
        catalog = read_po(f)
    missing = [
        m.id for m in catalog if m.id and not (m.string if isinstance(m.string, str) else all(m.string))
    ]
    assert missing == []
    assert len(catalog) > 100


def test_italian_catalog_is_in_step_with_the_code():
    """Every string the templates and code use is in the catalog, with its context where it has one
    (run ``make update-messages``)."""
    from babel.messages.extract import extract_from_dir

    root = TRANSLATIONS.parent.parent
    method_map = [("crm/**.py", "python"), ("templates/**.html", "jinja2")]
    keywords = {
        "_": None,
        "gettext": None,
        "_l": None,
        "lazy_gettext": None,
        "N_": None,
        "ngettext": (1, 2),
        "pgettext": ((1, "c"), 2),
        "lazy_pgettext": ((1, "c"), 2),
    }
    used = set()
    for _filename, _lineno, message, _comments, context in extract_from_dir(
        str(root), method_map=method_map, keywords=keywords, options_map={}
    ):
        used.add((context, message if isinstance(message, str) else message[0]))
    with (TRANSLATIONS / "it" / "LC_MESSAGES" / "messages.po").open("rb") as f:
        known = {(m.context, m.id if isinstance(m.id, str) else m.id[0]) for m in read_po(f) if m.id}
    assert sorted(used - known, key=str) == []


def test_labels_of_equal_values_in_different_enumerations_stay_apart(app):
    """``FollowUpStatus.OPEN`` and ``OpeningStatus.OPEN`` are both "open": each keeps its own label."""
    from crm.followups.models import FollowUpStatus
    from crm.interactions.models import InteractionStatus
    from crm.labels import LABELS, label
    from crm.openings.models import OpeningStatus

    assert LABELS[FollowUpStatus.OPEN] is not LABELS[OpeningStatus.OPEN]
    with app.test_request_context(), force_locale("it"):
        assert label(FollowUpStatus.OPEN) != label(OpeningStatus.OPEN)
        assert label(InteractionStatus.CANCELLED) != label(FollowUpStatus.CANCELLED)


def test_dates_and_numbers_follow_italian_conventions(app):
    """Dates read 25 nov 2026 style and decimals use a comma in Italian."""
    with app.test_request_context(), force_locale("it"):
        assert _date(date(2026, 11, 25)) == "25 nov 2026"
        assert _number(1234.5) == "1.234,5"
        # 09:30 UTC is 10:30 in Rome in November.
        assert "10:30" in _date(datetime(2026, 11, 25, 9, 30, tzinfo=UTC))


def test_phone_numbers_are_shown_italian_style():
    """A Florence landline stored in E.164 is shown as people dial it."""
    assert display_phone("+390551234567") == "055 123 4567"
    assert display_phone("+33123456789").startswith("+33")


def test_a_user_can_switch_to_english(client, auth, operator):
    """Choosing English on the profile page changes the interface language."""
    auth.login(operator)
    client.post("/profile", data={"full_name": operator.full_name, "locale": "en"})
    page = client.get("/profile").get_data(as_text=True)
    assert 'lang="en"' in page


def test_translations_are_looked_up_once_per_request_and_follow_a_change_of_language(app):
    """The per-request cache of translations still sees ``force_locale`` and ``refresh``."""
    from flask import g
    from flask_babel import gettext, refresh

    with app.test_request_context("/"):
        assert gettext("Organizations") == "Organizzazioni"
        cached = g._flask_babel.babel_translations
        assert gettext("Contacts") and g._flask_babel.babel_translations is cached
        with force_locale("en"):
            assert gettext("Organizations") == "Organizations"
        assert gettext("Organizations") == "Organizzazioni"
        app.config["BABEL_DEFAULT_LOCALE"] = "en"
        try:
            refresh()
            assert gettext("Organizations") == "Organizations"
        finally:
            app.config["BABEL_DEFAULT_LOCALE"] = "it"
            refresh()
        assert gettext("Organizations") == "Organizzazioni"


def test_a_page_after_switching_language_is_wholly_in_the_new_language(client, auth, operator):
    """A template's strings and the code's strings agree after the switch (one cache, reset)."""
    auth.login(operator)
    client.post("/profile", data={"full_name": operator.full_name, "locale": "en"})
    page = client.get("/organizations/").get_data(as_text=True)
    assert "Organizations" in page and "Organizzazioni" not in page
