"""The printable day sheet as PDF (fpdf2): per day the visits in planned order, with room to write
what happened. A pure function over the writers' dataclasses (no DB, no Flask).

Labels are Italian, the hub's language, as in the other exports. Core fonts with text folded to
Latin-1 (``crm.privacy.pdf.latin1``), which covers Italian: no font file to ship. Streams are left
uncompressed, so tests and ``grep`` can read the text.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from itertools import groupby
from zoneinfo import ZoneInfo

from babel.dates import format_date
from fpdf import FPDF

from crm.exports.writers import LOCAL_TZ, Visit
from crm.privacy.pdf import latin1

#: The results an operator ticks by hand (the same as the phone's log, shortened).
RESULT_BOXES = ("Incontrato", "Interessato", "Posizione aperta", "Da richiamare", "Rinviata",
                "Non incontrato", "Non interessato")


class _SheetPDF(FPDF):
    footer_text = ""

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("Helvetica", "I", 8)
        self.cell(0, 5, latin1(self.footer_text), align="L")
        self.cell(0, 5, f"Pagina {self.page_no()}/{{nb}}", align="R")


def _line(pdf: FPDF, text: str, *, style: str = "", size: int = 10, height: float = 5) -> None:
    pdf.set_font("Helvetica", style, size)
    pdf.multi_cell(0, height, latin1(text), new_x="LMARGIN", new_y="NEXT")


def _write_in(pdf: FPDF) -> None:
    """The handwriting area: times, a box per result, lines for notes and the next step."""
    pdf.set_font("Helvetica", "", 9)
    pdf.cell(0, 6, latin1("Arrivo ______    Uscita ______"), new_x="LMARGIN", new_y="NEXT")
    x = pdf.l_margin
    for result in RESULT_BOXES:
        width = pdf.get_string_width(result) + 8
        if x + width > pdf.w - pdf.r_margin:
            pdf.ln(5)
            x = pdf.l_margin
        pdf.rect(x, pdf.get_y() + 1, 3, 3)
        pdf.set_x(x + 4)
        pdf.cell(width - 4, 5, latin1(result))
        x += width
    pdf.ln(6)
    for label in ("Note", "Prossimo passo / richiamo il"):
        pdf.cell(0, 7, latin1(f"{label}: "), border="B", new_x="LMARGIN", new_y="NEXT")


def pdf_sheet(
    visits: Sequence[Visit],
    *,
    person: str,
    first: date,
    days: int = 1,
    generated: datetime | None = None,
    tz: str = LOCAL_TZ,
) -> bytes:
    """An A4 portrait sheet of ``person``'s visits from ``first`` for ``days`` (cancelled ones left
    out), grouped by local day; a day without visits says so."""
    zone = ZoneInfo(tz)
    pdf = _SheetPDF(format="A4")
    pdf.set_compression(False)
    pdf.set_creator("Flor@Work Outreach")
    pdf.set_title(latin1(f"Visite di {person}"))
    pdf.set_auto_page_break(auto=True, margin=18)
    if generated is not None:
        pdf.footer_text = "Flor@Work - stampato il " + generated.astimezone(zone).strftime("%d/%m/%Y %H:%M")
    pdf.add_page()
    period = format_date(first, "full", locale="it")
    if days > 1:
        last = date.fromordinal(first.toordinal() + days - 1)
        period = f"{format_date(first, 'long', locale='it')} - {format_date(last, 'long', locale='it')}"
    _line(pdf, f"Visite di {person}", style="B", size=16, height=8)
    _line(pdf, period, size=11, height=6)
    shown = [v for v in visits if not v.cancelled]
    if not shown:
        pdf.ln(4)
        _line(pdf, "Nessuna visita pianificata.", style="I")
    for day, group in groupby(shown, key=lambda v: v.start.astimezone(zone).date()):
        if days > 1:
            pdf.ln(3)
            _line(pdf, format_date(day, "full", locale="it").capitalize(), style="B", size=13, height=7)
        for number, visit in enumerate(group, start=1):
            if pdf.get_y() > pdf.h - 75:
                pdf.add_page()
            pdf.ln(2)
            start = visit.start.astimezone(zone).strftime("%H:%M")
            end = visit.end.astimezone(zone).strftime("%H:%M")
            _line(pdf, f"{number}. {start}-{end}  {visit.organization}", style="B", size=11, height=6)
            if visit.address:
                _line(pdf, visit.address.one_line())
            if visit.contact is not None:
                who = visit.contact.full_name + (f" ({visit.contact.role})" if visit.contact.role else "")
                phones = ", ".join(p.display for p in visit.contact.phones)
                _line(pdf, "Referente: " + who + (f" - Tel. {phones}" if phones else ""))
            if visit.phones:
                _line(pdf, "Tel. organizzazione: " + ", ".join(p.display for p in visit.phones))
            if visit.purpose:
                _line(pdf, "Scopo: " + visit.purpose)
            if visit.notes:
                _line(pdf, "Note: " + visit.notes, style="I")
            _line(pdf, "Ultimo contatto: " + (visit.last_contact or "nessuno"), size=9)
            _write_in(pdf)
    return bytes(pdf.output())
