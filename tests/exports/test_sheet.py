"""The day sheet: the PDF read back with pypdf (values, times on daylight-saving days, pages), the
printable HTML view, the CLI's ``--format pdf``, and the QR codes decoded by zxing-cpp."""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pypdf
import zxingcpp
from PIL import Image

from crm.auth.models import Role
from crm.exports.sheet import pdf_sheet
from crm.exports.writers import Address, ContactCard, Phone, Visit
from crm.field.qr import svg
from crm.interactions.models import InteractionKind, InteractionOutcome, InteractionStatus

ROME = ZoneInfo("Europe/Rome")


def _text(data: bytes) -> tuple[str, pypdf.PdfReader]:
    reader = pypdf.PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages), reader


def _visit(n: int, start: datetime, **fields) -> Visit:
    values = {
        "id": n,
        "start": start,
        "end": start + timedelta(minutes=45),
        "organization": f"Officine {n} S.r.l.",
        "purpose": "Presentazione tirocini",
        "address": Address("Via dei Servi 12", "50122", "Firenze", "FI"),
    }
    values.update(fields)
    return Visit(**values)


def test_pdf_sheet_values_in_local_time_across_the_dst_change():
    """2026-10-25 (clocks back at 03:00): 09:30 local is 08:30 UTC; the day before 09:30 is 07:30 UTC."""
    contact = ContactCard(
        1,
        "Giulia",
        "Bianchi",
        "Officine 1 S.r.l.",
        role="Responsabile HR",
        phones=(Phone("+393331234567", "333 123 4567", "cell"),),
    )
    visits = [
        _visit(
            1,
            datetime(2026, 10, 24, 7, 30, tzinfo=UTC),
            contact=contact,
            notes="Portare i moduli",
            last_contact="12/10/2026, telefonata: Primo contatto (positivo) - Anna Rossi",
        ),
        _visit(2, datetime(2026, 10, 25, 8, 30, tzinfo=UTC), phones=(Phone("+39055123456", "055 123456"),)),
        _visit(3, datetime(2026, 10, 25, 10, 0, tzinfo=UTC), cancelled=True, organization="Annullata S.p.A."),
    ]
    data = pdf_sheet(
        visits,
        person="Anna Rossi",
        first=date(2026, 10, 24),
        days=2,
        generated=datetime(2026, 10, 23, 16, 0, tzinfo=UTC),
    )
    text, reader = _text(data)
    assert (
        reader.pages[0].mediabox.width == 595.28 or round(float(reader.pages[0].mediabox.width)) == 595
    )  # A4
    assert "Visite di Anna Rossi" in text
    assert "Sabato 24 ottobre 2026" in text and "Domenica 25 ottobre 2026" in text
    assert "1. 09:30-10:15  Officine 1 S.r.l." in text
    assert "1. 09:30-10:15  Officine 2 S.r.l." in text
    assert "Via dei Servi 12, 50122 Firenze FI" in text
    assert "Referente: Giulia Bianchi (Responsabile HR) - Tel. 333 123 4567" in text
    assert "Tel. organizzazione: 055 123456" in text
    assert "Ultimo contatto: 12/10/2026, telefonata: Primo contatto (positivo) - Anna Rossi" in text
    assert "Note: Portare i moduli" in text
    assert "Annullata" not in text
    assert "stampato il 23/10/2026 18:00" in text  # CEST on the 23rd
    assert reader.metadata.title == "Visite di Anna Rossi"


def test_pdf_sheet_breaks_pages_and_says_when_empty():
    start = datetime(2026, 7, 1, 7, 0, tzinfo=UTC)
    many = [_visit(n, start + timedelta(minutes=50 * n)) for n in range(1, 13)]
    text, reader = _text(pdf_sheet(many, person="Anna", first=date(2026, 7, 1)))
    assert len(reader.pages) > 1
    assert all(f"Officine {n} S.r.l." in text for n in range(1, 13))
    assert "1. 09:50-10:35" in text  # 07:50 UTC in summer (CEST, +2)
    assert f"Pagina 1/{len(reader.pages)}" in text
    empty, _ = _text(pdf_sheet([], person="Anna", first=date(2026, 7, 1)))
    assert "Nessuna visita pianificata." in empty


def test_pdf_download_and_print_view(client, auth, field_operator, make_visit, contact_for):
    """One endpoint for the file; the print view lists the same visits with print CSS and no inline script."""
    first = make_visit(field_operator, datetime(2026, 3, 29, 9, 0, tzinfo=ROME), subject="Visita: tirocini")
    contact_for(first.organization)
    make_visit(
        field_operator,
        datetime(2026, 3, 1, 10, 0, tzinfo=ROME),
        org=first.organization,
        status=InteractionStatus.DONE,
        kind=InteractionKind.CALL,
        subject="Telefonata",
        outcome=InteractionOutcome.POSITIVE,
    )
    auth.login(field_operator)
    response = client.get("/exports/visits.pdf?date=2026-03-29")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert f'filename="visite-{field_operator.id}-2026-03-29.pdf"' in response.headers["Content-Disposition"]
    text, _ = _text(response.data)
    assert "1. 09:00-09:45" in text  # the day summer time starts
    assert "Scopo: Visita: tirocini" in text
    assert "Ultimo contatto: 01/03/2026, telefonata: Telefonata (positivo)" in text
    page = client.get("/exports/sheet?date=2026-03-29")
    assert page.status_code == 200
    assert "field/sheet.css" in page.text and "09:00" in page.text and "Giulia Bianchi" in page.text
    assert "Telefonata" in page.text
    assert not re.search(r"<script(?![^>]*src=)", page.text)
    assert client.get("/exports/sheet?date=bad").status_code == 400


def test_sheet_of_a_colleague_needs_a_coordinator(client, auth, make_user, field_operator):
    auth.login(make_user(Role.OPERATOR))
    assert client.get(f"/exports/sheet?staff={field_operator.id}").status_code == 403
    assert client.get(f"/exports/visits.pdf?staff={field_operator.id}").status_code == 403


def test_cli_writes_the_pdf(runner, field_operator, make_visit, tmp_path):
    make_visit(field_operator, datetime(2026, 10, 25, 9, 30, tzinfo=ROME))
    out = tmp_path / "sheet.pdf"
    result = runner.invoke(
        args=[
            "visits",
            "export",
            "--staff",
            field_operator.email,
            "--date",
            "2026-10-25",
            "--format",
            "pdf",
            "-o",
            str(out),
        ]
    )
    assert result.exit_code == 0, result.output
    text, _ = _text(out.read_bytes())
    assert "Visite di Anna Rossi" in text and "09:30-10:15" in text


def _decode_svg(markup: str) -> str:
    """Rasterise the SVG's path (segno draws dark runs as ``M x y`` / ``m dx dy`` moves and ``h n``
    horizontal strokes one module thick, centred on ``y``) and read it with zxing-cpp."""
    width = int(re.search(r'width="(\d+)"', markup).group(1))
    scale = int(re.search(r"scale\((\d+)\)", markup).group(1))
    size = width // scale
    path = re.search(r'stroke="#000" d="([^"]+)"', markup).group(1)
    image = Image.new("L", (size * 8, size * 8), 255)
    pixels = image.load()
    x = y = 0.0
    for op, a, b in re.findall(r"([MmhH])(-?[\d.]+)(?:\s(-?[\d.]+))?", path):
        if op == "M":
            x, y = float(a), float(b)
        elif op == "m":
            x, y = x + float(a), y + float(b)
        else:
            run = float(a) if op == "h" else float(a) - x
            row = int(y - 0.5)
            for col in range(int(x), int(x + run)):
                for dy in range(8):
                    for dx in range(8):
                        pixels[col * 8 + dx, row * 8 + dy] = 0
            x += run
    results = zxingcpp.read_barcodes(image)
    assert results, "no QR code found"
    return results[0].text


def test_qr_svg_encodes_the_url():
    """The inline SVG, drawn back to pixels, decodes to the URL; it carries no script."""
    url = "https://crm.example.it/field/"
    markup = svg(url, title="QR")
    assert markup.startswith("<svg") and "<title>QR</title>" in markup
    assert "<script" not in markup
    assert _decode_svg(markup) == url
    webcal = "webcal://crm.example.it/exports/feed/abc.ics"
    assert _decode_svg(svg(webcal)) == webcal


def test_feed_token_page_shows_the_subscription_qr(client, auth, field_operator):
    auth.login(field_operator)
    page = client.post("/exports/feed/token").text
    assert 'id="feed-qr"' in page and "qr-code" in page
    assert "onfocus" not in page
