"""Shared form fields."""

from __future__ import annotations

from flask_babel import lazy_gettext
from wtforms import Form, SelectField
from wtforms.fields.choices import SelectChoice

from crm.forms import PlainOptionsSelectField

CHOICES = [
    SelectChoice("", lazy_gettext("All")),
    SelectChoice("a&b", 'Rossi & "Figli" <S.r.l.>'),
    SelectChoice("048017", "Firenze"),
    SelectChoice(7, "Sette"),
    SelectChoice("x", ""),  # no label: WTForms shows the value
]


def _render(field_class, data, **render_kw):
    class F(Form):
        choice = field_class("Scelta", choices=CHOICES, coerce=str)

    form = F(data={"choice": data})
    return str(form.choice(**render_kw))


def test_plain_options_are_written_exactly_as_wtforms_writes_them(app):
    """Same markup, escaping and selection as WTForms' own widget, whatever is selected."""
    with app.test_request_context():
        for data in ("", "a&b", "048017", "7", "x", "not a choice"):
            assert _render(PlainOptionsSelectField, data) == _render(SelectField, data)
        assert _render(PlainOptionsSelectField, "a&b", class_="form-select") == _render(
            SelectField, "a&b", class_="form-select"
        )
        html = _render(PlainOptionsSelectField, "a&b")
        assert '<option selected value="a&amp;b">Rossi &amp; &#34;Figli&#34; &lt;S.r.l.&gt;</option>' in html


def test_options_with_their_own_attributes_go_through_wtforms(app):
    class F(Form):
        choice = PlainOptionsSelectField(
            "Scelta",
            choices=[SelectChoice("a", "A", render_kw={"disabled": True}), SelectChoice("b", "B")],
            coerce=str,
        )

    with app.test_request_context():
        html = str(F(data={"choice": "b"}).choice())
    assert '<option disabled value="a">A</option>' in html
    assert '<option selected value="b">B</option>' in html
