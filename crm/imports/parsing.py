"""Reading partner files and normalising their values: plain functions, no database, no Flask.

Partners hand over chamber-of-commerce extracts, consortium lists and spreadsheets kept by hand. This
module turns one of them into :class:`ParsedRow` objects: each row's organization attributes, already
in the form the database keeps them (E.164 phones, ISTAT comune codes, dotted ATECO 2025 codes …), with
the reasons it must be rejected and the warnings about values that were dropped.

Problems are :class:`Issue` codes with parameters, not sentences: the screens and the command translate
them (``crm.imports.messages``).
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, BinaryIO

from rapidfuzz import fuzz
from stdnum.exceptions import InvalidChecksum, InvalidComponent
from stdnum.exceptions import ValidationError as StdnumValidationError
from stdnum.it import codicefiscale, iva

from crm.organizations.models import OrganizationKind, OrganizationStatus
from crm.phones import InvalidPhoneNumber, normalise_phone
from crm.reference.ateco import normalise_code, section_of
from crm.reference.places import Comune, caps_of, comune_by_name, comuni, fold

# --- Fields and column headers --------------------------------------------------------------------

#: What a column can be mapped to, in the order the preview lists them. Most are Organization
#: attributes; ``comune`` and ``province`` are read into ``comune_code``, ``mobile`` into ``phone2``,
#: ``contact`` creates a Contact and ``tags`` adds tags.
FIELDS: tuple[str, ...] = (
    "legal_name",
    "trade_name",
    "kind",
    "vat_number",
    "tax_code",
    "address",
    "cap",
    "comune",
    "province",
    "ateco_code",
    "employees",
    "phone",
    "mobile",
    "email",
    "pec",
    "website",
    "contact",
    "status",
    "tags",
    "notes",
)

_HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "legal_name": (
        "ragione sociale", "denominazione", "denominazione sociale", "name", "nome", "company",
        "company name", "organization", "organisation", "organizzazione", "azienda", "impresa",
        "legal name", "nome azienda", "nome impresa", "ente",
    ),
    "trade_name": ("nome commerciale", "insegna", "trade name", "brand", "marchio"),
    "kind": (
        "tipo", "kind", "forma", "forma giuridica", "natura giuridica", "type", "legal form",
        "tipologia", "tipo ente", "tipo organizzazione",
    ),
    "vat_number": (
        "partita iva", "p iva", "piva", "vat", "vat number", "vat no", "vat code", "p iva azienda",
        "numero partita iva", "partita i v a",
    ),
    "tax_code": ("codice fiscale", "cf", "c f", "tax code", "fiscal code", "cod fiscale", "cod fisc"),
    "address": (
        "indirizzo", "address", "via", "sede", "indirizzo sede", "street", "via e numero civico",
        "indirizzo sede legale", "indirizzo sede operativa",
    ),
    "comune": (
        "comune", "citta", "city", "localita", "town", "municipality", "comune sede", "paese",
        "sede comune",
    ),
    "cap": ("cap", "postcode", "post code", "zip", "zip code", "postal code", "codice postale", "c a p"),
    "province": ("provincia", "prov", "province", "pr", "sigla provincia"),
    "ateco_code": (
        "ateco", "codice ateco", "ateco code", "cod ateco", "attivita ateco", "codice attivita",
        "ateco 2007", "ateco 2025", "ateco 2022", "codice ateco 2007", "codice ateco 2025",
    ),
    "employees": (
        "dipendenti", "addetti", "n dipendenti", "numero dipendenti", "nr dipendenti", "n addetti",
        "numero addetti", "nr addetti", "num dipendenti", "num addetti", "employees", "staff",
        "headcount", "number of employees", "n di dipendenti", "n di addetti",
    ),
    "phone": ("telefono", "tel", "phone", "telephone", "tel fisso", "numero di telefono", "telefono fisso"),
    "mobile": ("cellulare", "cell", "mobile", "mobile phone", "cell phone", "telefono cellulare"),
    "email": ("email", "e mail", "mail", "indirizzo email", "indirizzo e mail", "posta elettronica"),
    "pec": (
        "pec", "email pec", "e mail pec", "posta certificata", "indirizzo pec",
        "posta elettronica certificata",
    ),
    "website": ("sito", "sito web", "website", "web", "url", "sito internet", "web site", "home page"),
    "contact": (
        "referente", "contatto", "contact", "contact person", "persona di riferimento",
        "nome referente", "referente aziendale", "contact name",
    ),
    "status": ("stato", "status", "stato relazione"),
    "tags": ("tag", "tags", "etichette", "etichetta", "labels", "categorie"),
    "notes": ("note", "notes", "annotazioni", "osservazioni", "commenti", "comments"),
}

#: Columns recognised and deliberately ignored: those our own rejects file adds.
IGNORED_HEADERS: frozenset[str] = frozenset({"line", "reason", "riga", "motivo", "linea"})


def fold_header(text: str) -> str:
    """A column header as it is compared: lower case, no accents, punctuation as blanks."""
    decomposed = unicodedata.normalize("NFKD", str(text))
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    return " ".join(re.sub(r"[^0-9a-z]+", " ", stripped).split())


_HEADER_INDEX: dict[str, str] = {
    fold_header(alias): name for name, aliases in _HEADER_ALIASES.items() for alias in aliases
}
_HEADER_NOISE = frozenset({"di", "del", "della", "n", "nr", "num", "numero", "no", "the", "of", "azienda"})


def field_for_header(header: str) -> str | None:
    """The field a column header names (Italian or English, any case, accents or punctuation)."""
    key = fold_header(header)
    if key in _HEADER_INDEX:
        return _HEADER_INDEX[key]
    # "Codice ATECO (2007)", "N° dipendenti", "Telefono azienda": drop numbers and filler words.
    words = [w for w in key.split() if not w.isdigit() and w not in _HEADER_NOISE]
    return _HEADER_INDEX.get(" ".join(words))


def auto_mapping(headers: Sequence[str]) -> list[str | None]:
    """The field of each column, None for unknown ones; a field goes to the first column naming it."""
    taken: set[str] = set()
    mapping: list[str | None] = []
    for header in headers:
        name = field_for_header(header)
        if name is not None and name not in taken:
            taken.add(name)
            mapping.append(name)
        else:
            mapping.append(None)
    return mapping


def unmapped_headers(headers: Sequence[str], mapping: Sequence[str | None]) -> list[str]:
    """Non-empty headers that go nowhere (our own ``line``/``reason`` columns excepted)."""
    return [
        h
        for h, m in zip(headers, mapping, strict=False)
        if m is None and h.strip() and fold_header(h) not in IGNORED_HEADERS
    ]


# --- Reading files --------------------------------------------------------------------------------

FORMATS: dict[str, str] = {".csv": "csv", ".txt": "csv", ".tsv": "csv", ".xlsx": "xlsx", ".xlsm": "xlsx"}


class ImportFileError(Exception):
    """The file cannot be read as a table. ``code``: ``unknown_format``, ``unreadable``, ``empty``,
    ``no_sheet``."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail


@dataclass(slots=True)
class SourceRow:
    """One record of the file: its physical line (CSV) or row number (XLSX), and its cells as text."""

    line: int
    cells: list[str]


@dataclass
class Table:
    """A file read as a header and rows of text cells."""

    format: str
    headers: list[str]
    rows: list[SourceRow]
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    sheets: list[str] = field(default_factory=list)


def file_format(file_name: str) -> str:
    """``csv`` or ``xlsx`` from the file name's extension.

    :raises ImportFileError: ``unknown_format`` for anything else (old ``.xls`` included).
    """
    suffix = Path(file_name).suffix.casefold()
    if suffix not in FORMATS:
        raise ImportFileError("unknown_format", suffix or file_name)
    return FORMATS[suffix]


def read_table(
    source: str | Path | bytes | BinaryIO,
    *,
    file_name: str | None = None,
    sheet: str | None = None,
    limit: int | None = None,
) -> Table:
    """Read a CSV or XLSX file. ``limit`` stops after that many data rows (for previews).

    :param source: a path, the file's bytes or a binary file object.
    :param file_name: the name that says the format (defaults to the path's name).
    :raises ImportFileError: when the format is unknown or the content cannot be read.
    """
    if file_name is None:
        if not isinstance(source, str | Path):
            raise ImportFileError("unknown_format")
        file_name = Path(source).name
    kind = file_format(file_name)
    if isinstance(source, str | Path):
        try:
            data = Path(source).read_bytes()
        except OSError as exc:
            raise ImportFileError("unreadable", exc.strerror or str(exc)) from None
    elif isinstance(source, bytes):
        data = source
    else:
        data = source.read()
    if kind == "xlsx":
        return _read_xlsx(data, sheet=sheet, limit=limit)
    return _read_csv(data, limit=limit)


def decode(data: bytes) -> tuple[str, str]:
    """Text and encoding: UTF-8 (with or without BOM), else Windows-1252 as Italian Excel writes it.

    :raises ImportFileError: ``unreadable`` for binary content.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace"), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16"
    if b"\x00" in data[:4096]:
        raise ImportFileError("unreadable", "binary content")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        # Bytes that Windows-1252 leaves undefined: ask charset-normalizer, then give up.
        from charset_normalizer import from_bytes

        best = from_bytes(data[:200_000]).best()
        if best is None:
            raise ImportFileError("unreadable", "unknown text encoding") from None
        return data.decode(best.encoding, errors="replace"), best.encoding


_DELIMITERS = (";", ",", "\t", "|")


def sniff_delimiter(text: str) -> str:
    """The delimiter that splits the header (the first non-empty line) into the most columns."""
    sample = text[:65536]
    first = next((line for line in sample.splitlines() if line.strip()), "")
    best, best_count = ",", 1
    for delimiter in _DELIMITERS:
        count = len(next(csv.reader([first], delimiter=delimiter), []))
        if count > best_count:
            best, best_count = delimiter, count
    if best_count == 1:
        try:
            return csv.Sniffer().sniff(sample, delimiters="".join(_DELIMITERS)).delimiter
        except csv.Error:
            return ","
    return best


def _read_csv(data: bytes, *, limit: int | None) -> Table:
    text, encoding = decode(data)
    delimiter = sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    headers: list[str] | None = None
    rows: list[SourceRow] = []
    previous_end = 0
    try:
        for record in reader:
            # line_num is the last physical line read: a quoted field may span several.
            start, previous_end = previous_end + 1, reader.line_num
            if headers is None:
                if any(cell.strip() for cell in record):
                    headers = [cell.strip() for cell in record]
                continue
            if not record or not any(cell.strip() for cell in record):
                continue
            rows.append(SourceRow(start, record))
            if limit is not None and len(rows) >= limit:
                break
    except csv.Error as exc:
        raise ImportFileError("unreadable", f"line {reader.line_num}: {exc}") from None
    if headers is None:
        raise ImportFileError("empty")
    return Table("csv", headers, rows, encoding=encoding, delimiter=delimiter)


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def _read_xlsx(data: bytes, *, sheet: str | None, limit: int | None) -> Table:
    import zipfile

    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise ImportFileError("unreadable", type(exc).__name__) from None
    try:
        names = list(workbook.sheetnames)
        if sheet:
            if sheet not in names:
                raise ImportFileError("no_sheet", sheet)
            worksheet = workbook[sheet]
        else:
            worksheet = workbook.worksheets[0]
        headers: list[str] | None = None
        rows: list[SourceRow] = []
        for number, values in enumerate(worksheet.iter_rows(min_row=1, values_only=True), start=1):
            cells = [_cell_text(v) for v in values]
            if not any(c.strip() for c in cells):
                continue
            if headers is None:
                headers = [c.strip() for c in cells]
                continue
            rows.append(SourceRow(number, cells))
            if limit is not None and len(rows) >= limit:
                break
        title = worksheet.title
    finally:
        workbook.close()
    if headers is None:
        raise ImportFileError("empty")
    # Trailing empty header cells (formatting that reached column XFD) carry nothing.
    while headers and not headers[-1]:
        headers.pop()
    return Table("xlsx", headers, rows, sheet=title, sheets=names)


# --- Values ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Issue:
    """Why a row was rejected or what was dropped from it: a code and the values to explain it."""

    code: str
    params: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> list[Any]:
        return [self.code, self.params]


_BLANKS = frozenset({"", "-", "--", "---", "—", "–", "n/d", "n.d.", "n.d", "nd", "n/a", "na", "/", ".", "?"})


def clean(value: str | None) -> str | None:
    """Trimmed, single-spaced text, or None for the ways people write "nothing" (``N/D``, ``-``…)."""
    if value is None:
        return None
    text = " ".join(str(value).split())
    return None if text.casefold() in _BLANKS else text


def clean_multiline(value: str | None) -> str | None:
    """Like :func:`clean` but keeps line breaks (notes)."""
    if value is None or clean(value) is None:
        return None
    lines = [" ".join(line.split()) for line in str(value).strip().splitlines()]
    return "\n".join(lines).strip() or None


class BadValue(ValueError):
    """A value that cannot be read; ``issue`` says why."""

    def __init__(self, issue: Issue) -> None:
        super().__init__(issue.code)
        self.issue = issue


def parse_employees(text: str) -> int:
    """A head count typed any way: ``1.200`` (Italian thousands), ``1,200``, ``1 200``, ``35``.

    :raises BadValue: for fractions (``12,5``), negatives and text.
    """
    compact = text.replace(" ", "").replace("\u00a0", "").replace("'", "")
    if re.fullmatch(r"\d+", compact):
        number = int(compact)
    elif re.fullmatch(r"\d{1,3}([.,]\d{3})+", compact) and len(set(re.findall(r"[.,]", compact))) == 1:
        # 1.200 is 1200 in Italian; 1,200 is 1200 in English (no one has 1.2 employees).
        number = int(re.sub(r"[.,]", "", compact))
    elif re.fullmatch(r"\d+[.,]0+", compact):
        number = int(re.split(r"[.,]", compact)[0])  # 35.0 from a spreadsheet
    else:
        raise BadValue(Issue("bad_employees", {"value": text}))
    if number > 1_000_000:
        raise BadValue(Issue("bad_employees", {"value": text}))
    return number


def parse_vat_number(text: str) -> str:
    """A Partita IVA as 11 digits. ``IT`` prefixes, blanks and dots are removed; a number a
    spreadsheet shortened by dropping leading zeros gets them back.

    :raises BadValue: ``bad_vat_checksum``, ``bad_vat_office`` (digits 8-10 are no tax office) or
        ``bad_vat`` (not 11 digits).
    """
    compact = re.sub(r"[\s.\-/]", "", text).upper()
    compact = compact.removeprefix("IT")
    padded = compact.isdigit() and 5 <= len(compact) < 11
    if padded:
        # A spreadsheet kept it as a number. A wrongly padded value still has to pass the office
        # code and check digit tests, which few do.
        compact = compact.zfill(11)
    try:
        return str(iva.validate(compact))
    except StdnumValidationError as exc:
        if padded:
            # What was typed was not 11 digits: say so, not what the padding made of it.
            code = "bad_vat"
        elif isinstance(exc, InvalidChecksum):
            code = "bad_vat_checksum"
        elif isinstance(exc, InvalidComponent):
            code = "bad_vat_office"
        else:
            code = "bad_vat"
        raise BadValue(Issue(code, {"value": text})) from None


def parse_tax_code(text: str) -> str:
    """A codice fiscale: 11 digits (companies and bodies) or 16 characters (people).

    :raises BadValue: ``bad_tax_code``.
    """
    compact = re.sub(r"[\s.\-/]", "", text).upper()
    if compact.startswith("IT") and compact[2:].isdigit():
        compact = compact[2:]  # a company's codice fiscale is its Partita IVA, written IT…
    if compact.isdigit() and 5 <= len(compact) < 11:
        compact = compact.zfill(11)
    try:
        if len(compact) == 11 and compact.isdigit():
            return str(iva.validate(compact))
        return str(codicefiscale.validate(compact))
    except StdnumValidationError:
        raise BadValue(Issue("bad_tax_code", {"value": text})) from None


_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
_EMAIL = re.compile(rf"^[A-Za-z0-9.!#$%&'*+/=?^_`{{|}}~-]+@{_LABEL}(?:\.{_LABEL})*\.[A-Za-z]{{2,}}$")


def parse_email(text: str) -> str | None:
    """The first address in the cell (``a@x.it; b@x.it``), lower-cased domain; None if not valid."""
    first = re.split(r"[;,\s]+", text.strip().removeprefix("mailto:"))[0]
    if len(first) > 254 or ".." in first or not _EMAIL.match(first):
        return None
    local, _, domain = first.rpartition("@")
    return f"{local}@{domain.lower()}"


def parse_website(text: str) -> str | None:
    """An http(s) address (``www.x.it`` → ``https://www.x.it``), or None if it is not one."""
    url = text.strip()
    if " " in url or len(url) > 300:
        return None
    if "://" not in url:
        url = "https://" + url
    match = re.match(r"^https?://([^/:?#]+)", url, re.IGNORECASE)
    if not match or "." not in match.group(1) or "@" in match.group(1):
        return None
    return url


def parse_phone(text: str, region: str) -> str | None:
    """E.164 for the first number in the cell (``055 123456 / 055 654321``), or None."""
    parts = [p for p in re.split(r"\s*[/;,]\s*|\s+-\s+", text) if p]
    for candidate in [text, *parts] if len(parts) > 1 else [text]:
        try:
            return normalise_phone(candidate, region)
        except InvalidPhoneNumber:
            continue
    return None


def parse_cap(text: str) -> str | None:
    """Five digits (a spreadsheet may have dropped a leading zero), or None."""
    compact = text.replace(" ", "")
    if compact.isdigit() and len(compact) == 4:
        compact = "0" + compact
    return compact if re.fullmatch(r"\d{5}", compact) else None


# --- Comuni ---------------------------------------------------------------------------------------

#: Names that are not, or no longer, comuni of their own: merged comuni, usual short names, English.
COMUNE_ALIASES: dict[str, str] = {
    "figline valdarno": "Figline e Incisa Valdarno",
    "figline": "Figline e Incisa Valdarno",
    "incisa in val d arno": "Figline e Incisa Valdarno",
    "incisa valdarno": "Figline e Incisa Valdarno",
    "incisa": "Figline e Incisa Valdarno",
    "figline incisa": "Figline e Incisa Valdarno",
    "scarperia": "Scarperia e San Piero",
    "san piero a sieve": "Scarperia e San Piero",
    "barberino val d elsa": "Barberino Tavarnelle",
    "barberino val di elsa": "Barberino Tavarnelle",
    "tavarnelle val di pesa": "Barberino Tavarnelle",
    "tavarnelle": "Barberino Tavarnelle",
    "florence": "Firenze",
    "firenze citta": "Firenze",
}

#: Abbreviations people write in comune names, on folded text (dots kept).
_COMUNE_ABBREVIATIONS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), replacement)
    for pattern, replacement in (
        (r"\bf\.\s*no\b\.?", "fiorentino"),
        (r"\bfior\.", "fiorentino"),
        (r"\bv\.\s*p\.?", "val di pesa"),
        (r"\bv\.\s*e\.?", "val d elsa"),
        (r"\bv\.\s*no\b\.?", "valdarno"),
        (r"\bvald\.", "valdarno"),
        (r"\bm\.\s*llo\b\.?", "mugello"),
        (r"\bb\.\s*zio\b\.?", "bisenzio"),
        (r"\bmug\.", "mugello"),
        (r"\bs\.\s*ta\b\.?", "santa"),
        (r"\bs\.\s*to\b\.?", "santo"),
        (r"\bs\.", "san "),
        (r"\bb\.\s*go\b\.?", "borgo"),
        (r"\bt\.\s*me\b\.?", "terme"),
        (r"\bc\.\s*no\b\.?", "chianti"),
        (r"\bs/", "sull "),
    )
)

_COMUNE_STOPWORDS = frozenset({"di", "d", "a", "e", "in", "val", "san", "sul", "sull", "del", "della", "al"})
_AREA_PROVINCES = frozenset({"fi", "firenze", "citta metropolitana di firenze", "florence"})

#: A fuzzy match below this score is no match; two comuni within AMBIGUITY_MARGIN of the best are
#: a tie that a person must resolve.
COMUNE_MATCH_THRESHOLD = 85.0
AMBIGUITY_MARGIN = 5.0


def _comune_text(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    lowered = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    lowered = lowered.replace("’", "'").replace("`", "'")
    for pattern, replacement in _COMUNE_ABBREVIATIONS:
        lowered = pattern.sub(replacement + " ", lowered)
    words = re.sub(r"[^0-9a-z]+", " ", lowered).split()
    # d' (della, di) written with an apostrophe: Val d'Arno, Val d'Elsa.
    return " ".join("di" if w == "d" else w for w in words)


@lru_cache(maxsize=1)
def _comune_candidates() -> tuple[tuple[str, Comune, bool], ...]:
    """(normalised name, comune, is_alias) for every comune and alias."""
    items: list[tuple[str, Comune, bool]] = [(_comune_text(c.name), c, False) for c in comuni()]
    for alias, name in COMUNE_ALIASES.items():
        comune = comune_by_name(name)
        if comune is None:  # pragma: no cover - the alias table names real comuni
            raise LookupError(name)
        items.append((_comune_text(alias), comune, True))
    return tuple(items)


@dataclass(frozen=True, slots=True)
class ComuneMatch:
    comune: Comune | None
    issue: Issue | None = None


def _split_province(text: str) -> tuple[str, str | None]:
    """``Firenze (FI)`` → (``Firenze``, ``FI``); ``Prato - PO`` and ``Prato, PO`` too."""
    match = re.match(r"^(.*?)\s*\(([^)]*)\)\s*$", text)
    if match:
        return match.group(1), match.group(2).strip() or None
    match = re.match(r"^(.*?)\s*[-,]\s*([A-Za-z]{2})\s*$", text)
    if match:
        return match.group(1), match.group(2)
    return text, None


@lru_cache(maxsize=4096)
def match_comune(text: str, province: str | None = None) -> ComuneMatch:
    """The comune of the Città Metropolitana di Firenze that ``text`` names.

    Reads abbreviations (``Sesto F.no``, ``S. Casciano V.P.``, ``Barberino M.llo``), province suffixes
    (``Firenze (FI)``), merged comuni (``Figline Valdarno``) and typos (fuzzy matching).

    :returns: the comune, or an ``unknown_comune`` / ``ambiguous_comune`` issue.
    """
    name, suffix = _split_province(text)
    province = province or suffix
    if province and fold_header(province) not in _AREA_PROVINCES:
        return ComuneMatch(None, Issue("unknown_comune", {"value": text}))
    key = _comune_text(name)
    if not key:
        return ComuneMatch(None, Issue("unknown_comune", {"value": text}))
    candidates = _comune_candidates()
    for candidate, comune, _alias in candidates:
        if candidate == key:
            return ComuneMatch(comune)
    words = set(key.split())
    best: dict[str, tuple[float, Comune]] = {}
    for candidate, comune, _alias in candidates:
        shared = (words & set(candidate.split())) - _COMUNE_STOPWORDS
        # token_set_ratio says 100 when one name's words are all in the other ("Sesto" in "Sesto
        # Fiorentino"), which is right only if a meaningful word is shared ("San" alone is not).
        score = fuzz.token_set_ratio(key, candidate) if shared else fuzz.ratio(key, candidate)
        if score >= COMUNE_MATCH_THRESHOLD and score > best.get(comune.istat_code, (0.0, comune))[0]:
            best[comune.istat_code] = (score, comune)
    if not best:
        return ComuneMatch(None, Issue("unknown_comune", {"value": text}))
    ranked = sorted(best.values(), key=lambda item: -item[0])
    top_score = ranked[0][0]
    tied = [c for score, c in ranked if top_score - score < AMBIGUITY_MARGIN]
    if len(tied) > 1:
        names = " / ".join(sorted(c.name for c in tied))
        return ComuneMatch(None, Issue("ambiguous_comune", {"value": text, "candidates": names}))
    return ComuneMatch(ranked[0][1])


@lru_cache(maxsize=1)
def _comuni_by_cap() -> dict[str, tuple[Comune, ...]]:
    index: dict[str, list[Comune]] = {}
    for comune in comuni():
        for cap in caps_of(comune):
            index.setdefault(cap, []).append(comune)
    return {cap: tuple(items) for cap, items in index.items()}


def comuni_for_cap(cap: str) -> tuple[Comune, ...]:
    """The comuni a postal code belongs to (several small comuni share one)."""
    return _comuni_by_cap().get(cap, ())


# --- Kind, status, names --------------------------------------------------------------------------


@lru_cache(maxsize=1024)  # the name is read twice in a row: for its kind, for its key
def _form_text(text: str) -> str:
    """Folded text with dots and dashes as blanks and dotted initials joined (``S.r.l.`` → ``srl``)."""
    words = re.sub(r"[^0-9a-z]+", " ", fold(text)).split()
    out: list[str] = []
    run: list[str] = []
    for word in [*words, ""]:
        if len(word) == 1 and word.isalpha():
            run.append(word)
            continue
        if len(run) >= 2:
            out.append("".join(run))
        else:
            out.extend(run)
        run = []
        if word:
            out.append(word)
    return " ".join(out)


_COOP = r"(?:coop\w*|cooperativ\w*|soc coop|societa cooperativa)"


def _words(*alternatives: str) -> re.Pattern[str]:
    """One pattern matching any of the alternatives (regular expressions) as whole words."""
    return re.compile("|".join(rf"\b{a}\b" for a in alternatives))


_KIND_PATTERNS: tuple[tuple[OrganizationKind, re.Pattern[str]], ...] = (
    (
        OrganizationKind.COOP_B,
        _words(
            rf"{_COOP}(?:\s+\w+){{0,3}}?\s+(?:di\s+)?(?:tipo|type|tip)\s+b",
            rf"{_COOP}(?:\s+soc\w*)?\s+b",
            "coop_b", "type b", "tipo b",
        ),
    ),
    (
        OrganizationKind.COOP_A,
        _words(
            rf"{_COOP}(?:\s+\w+){{0,3}}?\s+(?:di\s+)?(?:tipo|type|tip)\s+a",
            rf"{_COOP}(?:\s+soc\w*)?\s+a$",
            "coop_a", "type a", "tipo a",
        ),
    ),
    (
        OrganizationKind.PUBLIC_BODY,
        _words(
            "^comune", "comune di", "ente pubblico", "^ente", "asp", "azienda pubblica",
            "azienda sanitaria", "asl", "usl", "pubblica amministrazione", "regione toscana",
            "provincia di", "citta metropolitana", "public body", "public_body", "ente locale",
            "unione (?:dei )?comuni", "ministero",
        ),
    ),
    (
        OrganizationKind.THIRD_SECTOR,
        _words(
            "ets", "aps", "odv", "onlus", "associazione", "ass ne", "assoc", "fondazione",
            "terzo settore", "third sector", "third_sector", "volontariato", "impresa sociale",
            "cooperativa sociale", "coop sociale", "coop soc", "social cooperative",
            "societa cooperativa sociale", "circolo", "parrocchia", "misericordia",
            "pubblica assistenza",
        ),
    ),
    (
        OrganizationKind.COMPANY,
        _words(
            r"srl\w*", "spa", "snc", "sas", "sapa", "ss", "ditta", "impresa", "azienda", "company",
            "societa", r"coop\w*", "scarl", "scrl", "srls", "ltd", "gmbh", "inc",
        ),
    ),
)


def kind_from_text(text: str | None) -> OrganizationKind | None:
    """The kind of organization a legal form or a name says (``coop. sociale di tipo B`` → coop_b).

    Untyped social cooperatives count as third sector (they are ETS by law). None when nothing is said.
    """
    if not text:
        return None
    for member in OrganizationKind:
        if text.strip().casefold() == member.value:
            return member
    form = _form_text(text)
    for kind, pattern in _KIND_PATTERNS:
        if pattern.search(form):
            return kind
    return None


_STATUS_WORDS: dict[str, OrganizationStatus] = {
    "prospect": OrganizationStatus.PROSPECT,
    "potenziale": OrganizationStatus.PROSPECT,
    "da contattare": OrganizationStatus.PROSPECT,
    "nuovo": OrganizationStatus.PROSPECT,
    "contacted": OrganizationStatus.CONTACTED,
    "contattato": OrganizationStatus.CONTACTED,
    "contattata": OrganizationStatus.CONTACTED,
    "active partner": OrganizationStatus.ACTIVE_PARTNER,
    "active_partner": OrganizationStatus.ACTIVE_PARTNER,
    "partner attivo": OrganizationStatus.ACTIVE_PARTNER,
    "partner": OrganizationStatus.ACTIVE_PARTNER,
    "attivo": OrganizationStatus.ACTIVE_PARTNER,
    "attiva": OrganizationStatus.ACTIVE_PARTNER,
    "dormant": OrganizationStatus.DORMANT,
    "dormiente": OrganizationStatus.DORMANT,
    "inattivo": OrganizationStatus.DORMANT,
    "inattiva": OrganizationStatus.DORMANT,
    "do not contact": OrganizationStatus.DO_NOT_CONTACT,
    "do_not_contact": OrganizationStatus.DO_NOT_CONTACT,
    "non contattare": OrganizationStatus.DO_NOT_CONTACT,
    "da non contattare": OrganizationStatus.DO_NOT_CONTACT,
}


def status_from_text(text: str) -> OrganizationStatus | None:
    return _STATUS_WORDS.get(" ".join(fold(text).replace("-", " ").split()))


#: Legal forms left out of the name key, so ``Rossi S.r.l.`` and ``ROSSI SRL`` are one organization.
_LEGAL_FORMS = re.compile(
    r"\b(?:societa cooperativa sociale|societa cooperativa|cooperativa sociale|coop sociale|coop soc"
    r"|soc coop(?: soc)?|impresa sociale|societa a responsabilita limitata(?: semplificata)?"
    r"|societa per azioni|societa in nome collettivo|societa in accomandita semplice"
    r"|societa semplice|a r ?l|arl|srls|srl|spa|c?snc|c?sas|e ?c$|c$|sapa|ss|scarl|scrl|scpa|sc"
    r"|onlus|ets|aps|odv"
    r"|(?:di )?tipo [ab]|in liquidazione|unipersonale)\b"
)


def name_key(name: str) -> str:
    """The folded name without legal forms or punctuation: how organizations without a Partita IVA
    are recognised (with their comune)."""
    form = _form_text(name)
    key = form
    for _pass in range(2):  # "Bianchi e C. S.a.s.": "e C." ends the name once "sas" is gone
        key = " ".join(_LEGAL_FORMS.sub(" ", key).split())
    return key or form


def split_person(text: str) -> tuple[str, str, str | None]:
    """``Dott.ssa Maria Rossi (HR)`` → (``Maria``, ``Rossi``, ``HR``)."""
    role = None
    match = re.match(r"^(.*?)\s*\(([^)]*)\)\s*$", text)
    if match:
        text, role = match.group(1), match.group(2).strip() or None
    words = text.split()
    titles = {"sig", "sig.", "sig.ra", "sigra", "sig.a", "dott", "dott.", "dott.ssa", "dottssa", "dr",
              "dr.", "ing", "ing.", "avv", "avv.", "geom", "geom.", "rag", "rag.", "prof", "prof.",
              "prof.ssa", "arch", "arch.", "mr", "mr.", "mrs", "mrs.", "ms", "ms."}
    while words and words[0].casefold() in titles:
        words.pop(0)
    if not words:
        return "", "", role
    if len(words) == 1:
        return "", words[0][:80], role
    return words[0][:80], " ".join(words[1:])[:80], role


def split_tags(text: str) -> list[str]:
    names: list[str] = []
    seen: set[str] = set()
    for raw in re.split(r"[,;|]", text):
        name = " ".join(raw.split())[:60]
        if name and name.casefold() not in seen:
            seen.add(name.casefold())
            names.append(name)
    return names


# --- Rows -----------------------------------------------------------------------------------------

#: Maximum lengths of the organization's text columns.
_MAX_LENGTHS = {"legal_name": 200, "trade_name": 200, "address": 200}


@dataclass(slots=True)
class ParsedRow:
    """One row read and normalised.

    ``values`` holds only Organization attributes with a value (an empty or dropped cell is absent,
    so an update never blanks anything out). ``kind`` is there only when a kind column says it;
    ``derived_kind`` is what the name says, used for new organizations.
    """

    line: int
    cells: list[str]
    values: dict[str, Any] = field(default_factory=dict)
    derived_kind: OrganizationKind = OrganizationKind.COMPANY
    tags: list[str] = field(default_factory=list)
    contact: tuple[str, str, str | None] | None = None
    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)
    #: Why there is no comune (None when there is one or when the file has no place columns).
    comune_issue: Issue | None = None
    key: str = ""

    @property
    def name(self) -> str:
        return str(self.values.get("legal_name") or "")


def parse_row(
    row: SourceRow, mapping: Sequence[str | None], *, region: str = "IT"
) -> ParsedRow | None:
    """Read one row through ``mapping`` (the field of each column). None for an empty row."""
    raw: dict[str, str] = {}
    for index, name in enumerate(mapping):
        if name is None or index >= len(row.cells):
            continue
        cell = row.cells[index]
        value = clean_multiline(cell) if name == "notes" else clean(cell)
        if value is not None:
            raw[name] = value
    if not raw and not any(clean(c) for c in row.cells):
        return None
    parsed = ParsedRow(line=row.line, cells=list(row.cells))
    values = parsed.values
    errors, warnings = parsed.errors, parsed.warnings

    name = raw.get("legal_name")
    if not name:
        errors.append(Issue("missing_name"))
    else:
        values["legal_name"] = name
    for key in ("trade_name", "address"):
        if key in raw:
            values[key] = raw[key]
    for key, limit in _MAX_LENGTHS.items():
        if key in values and len(values[key]) > limit:
            values[key] = values[key][:limit].rstrip()
            warnings.append(Issue("truncated", {"field": key, "max": limit}))

    if "vat_number" in raw:
        try:
            values["vat_number"] = parse_vat_number(raw["vat_number"])
        except BadValue as exc:
            errors.append(exc.issue)
    if "tax_code" in raw:
        try:
            values["tax_code"] = parse_tax_code(raw["tax_code"])
        except BadValue as exc:
            errors.append(exc.issue)

    if "employees" in raw:
        try:
            values["employees"] = parse_employees(raw["employees"])
        except BadValue as exc:
            errors.append(exc.issue)

    _read_place(raw, parsed)

    if "ateco_code" in raw:
        code = _ateco(raw["ateco_code"])
        if code is None:
            warnings.append(Issue("unknown_ateco", {"value": raw["ateco_code"]}))
        else:
            values["ateco_code"] = code
            section = _section(code)
            if section:
                values["ateco_section"] = section

    for key, target in (("phone", "phone"), ("mobile", "phone2")):
        if key in raw:
            phone = parse_phone(raw[key], region)
            if phone is None:
                warnings.append(Issue("bad_phone", {"value": raw[key]}))
            else:
                values[target] = phone
    for key in ("email", "pec"):
        if key in raw:
            address = parse_email(raw[key])
            if address is None:
                warnings.append(Issue(f"bad_{key}", {"value": raw[key]}))
            else:
                values[key] = address
    if "website" in raw:
        url = parse_website(raw["website"])
        if url is None:
            warnings.append(Issue("bad_website", {"value": raw["website"]}))
        else:
            values["website"] = url

    if "kind" in raw:
        kind = kind_from_text(raw["kind"])
        if kind is None:
            warnings.append(Issue("unknown_kind", {"value": raw["kind"]}))
        else:
            values["kind"] = kind
    parsed.derived_kind = values.get("kind") or kind_from_text(name) or OrganizationKind.COMPANY
    if "status" in raw:
        status = status_from_text(raw["status"])
        if status is None:
            warnings.append(Issue("unknown_status", {"value": raw["status"]}))
        else:
            values["status"] = status
    if "notes" in raw:
        values["notes"] = raw["notes"]
    if "tags" in raw:
        parsed.tags = split_tags(raw["tags"])
    if "contact" in raw:
        first, last, role = split_person(raw["contact"])
        if first or last:
            parsed.contact = (first, last, role[:120] if role else None)
    if name:
        parsed.key = name_key(name)
    return parsed


def _read_place(raw: Mapping[str, str], parsed: ParsedRow) -> None:
    """Comune and CAP, checked against each other."""
    values = parsed.values
    cap = None
    if "cap" in raw:
        cap = parse_cap(raw["cap"])
        if cap is None:
            parsed.warnings.append(Issue("bad_cap", {"value": raw["cap"]}))
    comune: Comune | None = None
    if "comune" in raw:
        match = match_comune(raw["comune"], raw.get("province"))
        if match.comune is None:
            assert match.issue is not None
            parsed.errors.append(match.issue)
            return
        comune = match.comune
    elif cap is not None:
        candidates = comuni_for_cap(cap)
        if len(candidates) == 1:
            comune = candidates[0]
            parsed.warnings.append(Issue("comune_from_cap", {"cap": cap, "comune": comune.name}))
        elif candidates:
            parsed.comune_issue = Issue("shared_cap", {"cap": cap})
        else:
            parsed.comune_issue = Issue("missing_comune")
    else:
        parsed.comune_issue = Issue("missing_comune")
    if comune is not None:
        values["comune_code"] = comune.istat_code
        if cap is not None:
            if cap in caps_of(comune):
                values["cap"] = cap
            else:
                parsed.warnings.append(Issue("cap_mismatch", {"cap": cap, "comune": comune.name}))


@lru_cache(maxsize=8192)
def _ateco(raw: str) -> str | None:
    return normalise_code(raw)


@lru_cache(maxsize=8192)
def _section(code: str) -> str | None:
    return section_of(code)


def parse_rows(
    table: Table, mapping: Sequence[str | None], *, region: str = "IT"
) -> Iterator[ParsedRow]:
    """Every non-empty row of ``table``, read through ``mapping``."""
    for row in table.rows:
        parsed = parse_row(row, mapping, region=region)
        if parsed is not None:
            yield parsed
