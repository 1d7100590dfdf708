"""Import forms: the upload, and the column mapping of the preview (one select per column)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import SelectField, SubmitField
from wtforms.fields.choices import SelectChoice

from crm.imports.parsing import FIELDS
from crm.organizations.forms import FIELD_LABELS

#: The label of each field a column can be read into.
IMPORT_FIELD_LABELS: dict[str, Any] = {
    **{name: FIELD_LABELS[name] for name in FIELDS if name in FIELD_LABELS},
    "comune": FIELD_LABELS["comune_code"],
    "province": _l("Province"),
    "mobile": _l("Mobile phone"),
    "contact": _l("Contact person"),
}

IGNORE = ""


class UploadForm(FlaskForm):
    file = FileField(
        _l("File"),
        validators=[FileRequired(_l("Choose a file to import."))],
        render_kw={"accept": ".csv,.txt,.xlsx"},
    )


def field_choices() -> list[SelectChoice]:
    return [SelectChoice(IGNORE, _l("— ignore this column —"))] + [
        SelectChoice(name, IMPORT_FIELD_LABELS[name]) for name in FIELDS
    ]


class MappingForm(FlaskForm):
    """Built per file by :func:`mapping_form`: a ``col_<n>`` select for each column."""

    do_import = SubmitField(_l("Import"))

    column_names: list[str]

    def columns(self) -> list[tuple[str, Any]]:
        return [(name, self[f"col_{i}"]) for i, name in enumerate(self.column_names)]

    def mapping(self) -> list[str | None]:
        return [self[f"col_{i}"].data or None for i in range(len(self.column_names))]

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        chosen: dict[str, int] = {}
        for i in range(len(self.column_names)):
            field = self[f"col_{i}"]
            if not field.data:
                continue
            if field.data in chosen:
                field.errors = [*field.errors, _l("This field is already chosen for another column.")]
                valid = False
            chosen.setdefault(field.data, i)
        if "legal_name" not in chosen:
            self.form_errors.append(
                _l("Choose the column that holds the organization's name (ragione sociale).")
            )
            valid = False
        return valid


def mapping_form(headers: Sequence[str], mapping: Sequence[str | None], **kwargs: Any) -> MappingForm:
    """A mapping form for these columns, preset to ``mapping`` (the automatic one)."""

    class _Form(MappingForm):
        pass

    for i, header in enumerate(headers):
        setattr(
            _Form,
            f"col_{i}",
            SelectField(header or f"#{i + 1}", choices=field_choices(), default=mapping[i] or IGNORE),
        )
    form = _Form(**kwargs)
    form.column_names = list(headers)
    return form
