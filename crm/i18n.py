"""Language and time zone selection: Italian by default, English per user or per session."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from flask import current_app, g, has_request_context, session
from flask_babel import Babel, Domain
from flask_login import current_user


class RequestTranslationsDomain(Domain):
    """Flask-Babel's message domain, with the translations looked up once per request.

    Flask-Babel 4.0 resolves the locale and its catalogue again on every ``gettext`` (about 5 µs;
    a list page makes some 250 of them, a tenth of its time). It reserves the context slot
    ``babel_translations`` for the result - ``refresh()`` deletes it and ``force_locale()`` saves,
    clears and restores it - but never fills it. This fills it, so a change of language through
    either of them is still seen at once.
    """

    def get_translations(self) -> Any:
        state = g.get("_flask_babel") if g else None
        cached = getattr(state, "babel_translations", None)
        if cached is not None and cached[0] is self:
            return cached[1]
        translations = super().get_translations()
        state = g.get("_flask_babel") if g else None
        if state is not None:
            state.babel_translations = (self, translations)
        return translations


class CRMBabel(Babel):
    """Flask-Babel with :class:`RequestTranslationsDomain` as its default domain."""

    @cached_property
    def domain_instance(self) -> Domain:
        return RequestTranslationsDomain(domain=self.domain)


def select_locale() -> str:
    languages: list[str] = current_app.config["LANGUAGES"]
    if not has_request_context():
        # Commands and background jobs speak the default language.
        return str(current_app.config["BABEL_DEFAULT_LOCALE"])
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return str(current_user.locale)
    chosen = session.get("locale")
    if chosen in languages:
        return str(chosen)
    # The hub works in Italian whatever the browser says; English is a per-user choice.
    return str(current_app.config["BABEL_DEFAULT_LOCALE"])


def select_timezone() -> str:
    return str(current_app.config["BABEL_DEFAULT_TIMEZONE"])
