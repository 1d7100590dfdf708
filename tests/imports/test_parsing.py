"""Reading files and values as people type them: pure functions, no database."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook

from crm.imports.parsing import (
    BadValue,
    ImportFileError,
    auto_mapping,
    field_for_header,
    kind_from_text,
    match_comune,
    name_key,
    parse_employees,
    parse_row,
    parse_vat_number,
    read_table,
    unmapped_headers,
)
from crm.organizations.models import OrganizationKind
from tests.organizations.helpers import valid_vat

from .conftest import HEADER, csv_bytes


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("Ragione sociale", "legal_name"),
        ("DENOMINAZIONE", "legal_name"),
        ("Name", "legal_name"),
        ("P.IVA", "vat_number"),
        ("p. iva", "vat_number"),
        ("VAT number", "vat_number"),
        ("Codice fiscale", "tax_code"),
        ("C.F.", "tax_code"),
        ("Città", "comune"),
        ("Località", "comune"),
        ("C.A.P.", "cap"),
        ("Zip", "cap"),
        ("Prov.", "province"),
        ("Codice ATECO 2007", "ateco_code"),
        ("N. dipendenti", "employees"),
        ("Addetti", "employees"),
        ("Tel.", "phone"),
        ("Cellulare", "mobile"),
        ("E-mail", "email"),
        ("PEC", "pec"),
        ("Sito web", "website"),
        ("Forma giuridica", "kind"),
        ("Insegna", "trade_name"),
        ("Referente", "contact"),
        ("Stato", "status"),
        ("Etichette", "tags"),
        ("Note", "notes"),
    ],
)
def test_field_for_header_recognises_italian_and_english_names(header, field):
    """Headers are matched ignoring case, accents and punctuation."""
    assert field_for_header(header) == field


def test_auto_mapping_leaves_unknown_and_repeated_columns_unmapped():
    """An unknown column and a second column for the same field are not mapped (and reported)."""
    headers = ["Ragione sociale", "Fax", "Telefono", "Tel", "line", "reason"]
    mapping = auto_mapping(headers)
    assert mapping == ["legal_name", None, "phone", None, None, None]
    assert unmapped_headers(headers, mapping) == ["Fax", "Tel"]


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Sesto F.no", "Sesto Fiorentino"),
        ("SESTO FIORENTINO", "Sesto Fiorentino"),
        ("S. Casciano V.P.", "San Casciano in Val di Pesa"),
        ("Barberino M.llo", "Barberino di Mugello"),
        ("Firenze (FI)", "Firenze"),
        ("Figline Valdarno", "Figline e Incisa Valdarno"),
        ("Incisa in Val d'Arno", "Figline e Incisa Valdarno"),
        ("San Piero a Sieve", "Scarperia e San Piero"),
        ("Tavarnelle Val di Pesa", "Barberino Tavarnelle"),
        ("Barberino Val d'Elsa", "Barberino Tavarnelle"),
        ("Bagno a Ripol", "Bagno a Ripoli"),
        ("Montelupo F.no", "Montelupo Fiorentino"),
    ],
)
def test_match_comune_reads_abbreviations_merged_comuni_and_typos(text, name):
    """The ways comuni are written in partner files all find the comune."""
    match = match_comune(text)
    assert match.comune is not None and match.comune.name == name


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Siena", "unknown_comune"),
        ("Prato (PO)", "unknown_comune"),
        ("Roma", "unknown_comune"),
        ("San", "unknown_comune"),
        ("Barberino", "ambiguous_comune"),
    ],
)
def test_match_comune_refuses_unknown_and_ambiguous_names(text, code):
    """A comune outside the metropolitan city is unknown; a name fitting two comuni is ambiguous."""
    match = match_comune(text)
    assert match.comune is None and match.issue is not None
    assert match.issue.code == code
    assert match.issue.params["value"] == text


@pytest.mark.parametrize(("text", "number"), [("1.200", 1200), ("1,200", 1200), ("35", 35), ("1 200", 1200)])
def test_parse_employees_reads_thousands_separators(text, number):
    """Italian and English thousands separators are read as such."""
    assert parse_employees(text) == number


@pytest.mark.parametrize("text", ["12,5", "12.5", "-3", "circa 10"])
def test_parse_employees_refuses_what_is_not_a_whole_number(text):
    """A fraction is not a head count."""
    with pytest.raises(BadValue) as info:
        parse_employees(text)
    assert info.value.issue.code == "bad_employees"


def test_parse_vat_number_tells_a_bad_checksum_from_a_bad_length():
    """A wrong check digit and a wrong length give different reasons; IT prefixes are fine."""
    good = valid_vat(5)
    assert parse_vat_number(f"IT {good}") == good
    assert parse_vat_number(good.lstrip("0")) == good  # a spreadsheet dropped the leading zeros
    wrong = good[:-1] + str((int(good[-1]) + 1) % 10)
    with pytest.raises(BadValue) as info:
        parse_vat_number(wrong)
    assert info.value.issue.code == "bad_vat_checksum"
    with pytest.raises(BadValue) as info:
        parse_vat_number("12345")
    assert info.value.issue.code == "bad_vat"


def test_parse_vat_number_names_a_tax_office_code_that_does_not_exist():
    """11 digits whose office code (digits 8-10) is no tax office are not called "the wrong length"."""
    with pytest.raises(BadValue) as info:
        parse_vat_number("12345678901")
    assert info.value.issue.code == "bad_vat_office"


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Rossi S.r.l.", OrganizationKind.COMPANY),
        ("ditta individuale", OrganizationKind.COMPANY),
        ("coop. sociale di tipo B", OrganizationKind.COOP_B),
        ("Cooperativa sociale B", OrganizationKind.COOP_B),
        ("coop B", OrganizationKind.COOP_B),
        ("Cooperativa sociale di tipo A", OrganizationKind.COOP_A),
        ("Associazione di promozione sociale", OrganizationKind.THIRD_SECTOR),
        ("Il Sole ODV", OrganizationKind.THIRD_SECTOR),
        ("Fondazione", OrganizationKind.THIRD_SECTOR),
        ("Comune di Empoli", OrganizationKind.PUBLIC_BODY),
        ("ASP Montedomini", OrganizationKind.PUBLIC_BODY),
        ("Bar Sport", None),
    ],
)
def test_kind_from_text(text, kind):
    """Legal forms and types say the kind of organization."""
    assert kind_from_text(text) == kind


def test_name_key_ignores_legal_forms_and_punctuation():
    """Spelling variants of one company share a key."""
    assert name_key("Rossi S.r.l.") == name_key("ROSSI SRL") == name_key("Rossi s.r.l.s.") == "rossi"
    assert name_key("Il Girasole Società Cooperativa Sociale Onlus") == "il girasole"
    assert name_key("Bianchi & C. S.n.c.") == "bianchi"


def _read(data: bytes, name: str = "file.csv"):
    table = read_table(data, file_name=name)
    mapping = auto_mapping(table.headers)
    return table, [parse_row(r, mapping) for r in table.rows]


def test_windows_1252_file_keeps_its_accents():
    """Excel's Italian CSV encoding is detected and accents survive."""
    data = csv_bytes([["Caffè Città S.r.l.", valid_vat(1), "Firenze", "", "", ""]], encoding="cp1252")
    table, rows = _read(data)
    assert table.encoding == "cp1252"
    assert rows[0].values["legal_name"] == "Caffè Città S.r.l."


def test_utf8_bom_is_not_part_of_the_first_header():
    """A UTF-8 BOM is removed, so the first column is still recognised."""
    data = b"\xef\xbb\xbf" + csv_bytes([["Caffè Rossi", "", "Firenze", "", "", ""]])
    table, rows = _read(data)
    assert table.headers[0] == "Ragione sociale"
    assert rows[0].values["legal_name"] == "Caffè Rossi"


def test_comma_csv_quoted_multiline_field_and_line_numbers():
    """Comma separator is sniffed; a quoted field spanning lines keeps the next row's line right."""
    data = (
        b"Name,Notes,City\r\n"
        b'"Rossi, Bianchi srl","first line\r\nsecond line",Firenze\r\n'
        b"\r\n"
        b"Verdi srl,,Empoli\r\n"
    )
    table, rows = _read(data)
    assert table.delimiter == ","
    assert [r.line for r in rows] == [2, 5]
    assert rows[0].values["legal_name"] == "Rossi, Bianchi srl"
    assert rows[0].values["notes"] == "first line\nsecond line"


def test_blank_markers_trailing_spaces_and_extra_cells():
    """N/D, - and n.d. are empty; blanks are trimmed; cells beyond the header are ignored."""
    data = csv_bytes(
        [["  Rossi srl  ", "N/D", "Firenze ", "-", "n.d.", "", "extra", "more"]], header=HEADER
    )
    _table, rows = _read(data)
    row = rows[0]
    assert row.errors == []
    assert row.values["legal_name"] == "Rossi srl"
    assert "vat_number" not in row.values and "cap" not in row.values and "employees" not in row.values


def test_unknown_format_and_binary_content_are_refused():
    """Only CSV and XLSX are read; a binary file or a broken workbook is unreadable."""
    with pytest.raises(ImportFileError) as info:
        read_table(b"%PDF-1.4", file_name="partners.pdf")
    assert info.value.code == "unknown_format"
    with pytest.raises(ImportFileError) as info:
        read_table(b"\x00\x01\x02garbage", file_name="partners.csv")
    assert info.value.code == "unreadable"
    with pytest.raises(ImportFileError) as info:
        read_table(b"not a zip", file_name="partners.xlsx")
    assert info.value.code == "unreadable"


def test_xlsx_rows_are_numbered_as_in_the_sheet_and_numbers_read_as_text():
    """A workbook's chosen sheet is read; row numbers match the sheet; numeric cells are usable."""
    workbook = Workbook()
    first = workbook.active
    first.title = "Note"
    first.append(["nothing here"])
    sheet = workbook.create_sheet("Aziende")
    sheet.append(["Denominazione", "P.IVA", "Comune", "Addetti"])
    sheet.append(["Rossi srl", int(valid_vat(2)), "Firenze", 1200])
    sheet.append([None, None, None, None])
    sheet.append(["Verdi srl", None, "Empoli", 12.5])
    buffer = io.BytesIO()
    workbook.save(buffer)
    table = read_table(buffer.getvalue(), file_name="list.xlsx", sheet="Aziende")
    assert table.sheets == ["Note", "Aziende"]
    mapping = auto_mapping(table.headers)
    rows = [parse_row(r, mapping) for r in table.rows]
    assert [r.line for r in rows] == [2, 4]
    assert rows[0].values["vat_number"] == valid_vat(2)
    assert rows[0].values["employees"] == 1200
    assert rows[1].errors[0].code == "bad_employees"
