"""Small, dependable PDFs with fpdf2 (pure Python): a title and sections of label–value lines.

Core fonts only (no font files to ship); text is folded to Latin-1, which covers Italian. Streams
are left uncompressed: the documents are small, and tests can check what they contain.
"""

from __future__ import annotations

from collections.abc import Sequence

from fpdf import FPDF

_REPLACEMENTS = {"–": "-", "—": "-", "’": "'", "‘": "'", "“": '"', "”": '"', "…": "...", "€": "EUR"}

Section = tuple[str, Sequence[tuple[str, str]]]


def latin1(text: object) -> str:
    value = str(text)
    for bad, good in _REPLACEMENTS.items():
        value = value.replace(bad, good)
    return value.encode("latin-1", "replace").decode("latin-1")


def build_pdf(
    title: str, sections: Sequence[Section], *, subtitle: str | None = None, footer: str = ""
) -> bytes:
    """A one-column A4 document: ``title``, then each section's heading and its label–value lines."""
    pdf = FPDF(format="A4")
    pdf.set_compression(False)
    pdf.set_creator("Flor@Work Outreach")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 16)
    pdf.multi_cell(0, 9, latin1(title), new_x="LMARGIN", new_y="NEXT")
    if subtitle:
        pdf.set_font("Helvetica", "", 10)
        pdf.multi_cell(0, 6, latin1(subtitle), new_x="LMARGIN", new_y="NEXT")
    for heading, rows in sections:
        pdf.ln(3)
        pdf.set_font("Helvetica", "B", 12)
        pdf.multi_cell(0, 7, latin1(heading), new_x="LMARGIN", new_y="NEXT")
        for label, value in rows:
            pdf.set_font("Helvetica", "B", 10)
            pdf.multi_cell(0, 5, latin1(label), new_x="LMARGIN", new_y="NEXT")
            pdf.set_font("Helvetica", "", 10)
            pdf.multi_cell(0, 5, latin1(value or "-"), new_x="LMARGIN", new_y="NEXT")
    if footer:
        pdf.ln(4)
        pdf.set_font("Helvetica", "I", 8)
        pdf.multi_cell(0, 4, latin1(footer), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
