"""Templates in folders whose name starts with "_" (``_partials``, ``_macros``) are translated too."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "pgettext": ((1, "c"), 2)}


def test_strings_of_underscore_template_folders_are_in_the_italian_catalog():
    """Babel skips "_" folders unless told otherwise: pagination showed "« Previous" on Italian pages."""
    used = set()
    for folder in sorted((ROOT / "templates").glob("_*/")):
        for _f, _n, message, _c, context in extract_from_dir(
            str(folder), method_map=[("**.html", "jinja2")], keywords=KEYWORDS,
            directory_filter=lambda path: True,
        ):
            used.add((context, message if isinstance(message, str) else message[0]))
    assert ("", "Previous") in {(c or "", m) for c, m in used}
    with (ROOT / "crm/translations/it/LC_MESSAGES/messages.po").open("rb") as f:
        catalog = read_po(f)
    translated = {
        (m.context, m.id if isinstance(m.id, str) else m.id[0]) for m in catalog if m.id and m.string
    }
    assert sorted(used - translated, key=str) == []


def test_pagination_is_italian(app):
    """The pagination partial renders its labels in Italian."""
    from flask import render_template_string
    from flask_babel import force_locale

    class Page:
        pages, page, has_prev, has_next, prev_num, next_num = 3, 2, True, True, 1, 3

        def iter_pages(self, **_: int) -> list[int]:
            return [1, 2, 3]

    with app.test_request_context("/organizations/"), force_locale("it"):
        html = render_template_string('{% include "_partials/pagination.html" %}', pagination=Page())
    assert "Precedente" in html and "Successiva" in html and "Previous" not in html


def test_accessible_names_in_templates_go_through_gettext():
    """aria-label, title, placeholder and alt texts are translated: screen readers once read "breadcrumb"."""
    import re

    literal = re.compile(r'\b(?:aria-label|placeholder|title|alt)="([^"{]*[A-Za-z]{3,}[^"{]*)"')
    found = [
        f"{path.relative_to(ROOT)}: {text}"
        for path in sorted((ROOT / "templates").rglob("*.html"))
        for text in literal.findall(path.read_text(encoding="utf-8"))
    ]
    assert found == []
