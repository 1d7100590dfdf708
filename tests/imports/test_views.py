"""Import pages: upload → preview → mapping → import → result → rejects; who may; bad uploads."""

from __future__ import annotations

import io
import re

from flask import Flask
from sqlalchemy import func, select

from crm.extensions import db
from crm.imports.models import ImportRun
from crm.organizations.models import Organization
from tests.organizations.helpers import valid_vat

from .conftest import csv_bytes

BAD_VAT = valid_vat(2)[:-1] + str((int(valid_vat(2)[-1]) + 1) % 10)


def _upload(client, data: bytes, name: str = "partners.csv"):
    return client.post(
        "/imports/", data={"file": (io.BytesIO(data), name)}, content_type="multipart/form-data"
    )


def _org_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Organization)) or 0


def test_upload_preview_map_import_result_and_rejects_download(client, login, coord, uploads):
    """The whole web flow, with an unrecognised name column mapped by hand."""
    login(coord)
    data = csv_bytes(
        [
            ["Rossi srl", valid_vat(1), "Firenze", "055 123456", "x"],
            ["Bianchi srl", BAD_VAT, "Firenze", "", "y"],
        ],
        header=["Nominativo", "P.IVA", "Comune", "Telefono", "Fax"],
    )
    response = _upload(client, data)
    assert response.status_code == 302
    preview_url = response.headers["Location"]
    token = preview_url.rstrip("/").split("/")[-1]
    assert list(uploads.glob(f"{token}.*"))  # waiting between preview and import

    page = client.get(preview_url).get_data(as_text=True)
    assert "Import preview" in page and "Rossi srl" in page
    assert '<option selected value="vat_number">' in page  # recognised automatically
    form = {"col_0": "", "col_1": "vat_number", "col_2": "comune", "col_3": "phone", "col_4": ""}

    refused = client.post(preview_url, data={**form, "do_import": "1"})
    assert refused.status_code == 400
    assert "Choose the column that holds the organization" in refused.get_data(as_text=True)
    assert _org_count() == 0

    done = client.post(preview_url, data={**form, "col_0": "legal_name", "do_import": "1"})
    assert done.status_code == 302
    assert not list(uploads.glob(f"{token}.*"))  # deleted after the import
    run = db.session.scalars(select(ImportRun)).one()
    assert (run.imported, run.rejected, run.user_id) == (1, 1, coord.id)
    assert run.mapping[0] == "legal_name" and run.mapping[4] is None

    detail = client.get(done.headers["Location"])
    page = detail.get_data(as_text=True)
    assert detail.status_code == 200
    assert "Bad Partita IVA checksum" in page or "bad Partita IVA checksum" in page
    assert "Download rejects (CSV)" in page

    download = client.get(f"/imports/{run.id}/rejects.csv")
    assert download.status_code == 200
    assert download.headers["Content-Type"].startswith("text/csv")
    text = download.get_data().decode("utf-8-sig")
    assert text.splitlines()[0] == "Nominativo;P.IVA;Comune;Telefono;Fax;line;reason"
    assert text.splitlines()[1].startswith(f"Bianchi srl;{BAD_VAT};Firenze;;y;3;bad Partita IVA checksum")

    index = client.get("/imports/").get_data(as_text=True)
    assert "partners.csv" in index and f"/imports/{run.id}" in index


def test_operators_are_refused_every_import_page(app: Flask, client, login, op):
    """Every imports route answers 403 to an operator."""
    login(op)
    rules = [r for r in app.url_map.iter_rules() if r.endpoint.startswith("imports.")]
    assert len(rules) >= 5
    for rule in rules:
        url = re.sub(r"<int:\w+>", "1", rule.rule)
        url = re.sub(r"<\w+>", "0" * 32, url)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            assert client.open(url, method=method).status_code == 403, (url, method)


def test_oversized_and_unknown_files_get_a_clear_error(app: Flask, client, login, coord, uploads):
    """Too large → 413 with a message; a PDF or a broken workbook → 400 with a message."""
    login(coord)
    app.config["IMPORT_MAX_BYTES"] = 200
    try:
        response = _upload(client, csv_bytes([["Rossi srl", "", "Firenze", "", "", ""]] * 20))
        assert response.status_code == 413
        assert "The file is too large" in response.get_data(as_text=True)
    finally:
        del app.config["IMPORT_MAX_BYTES"]
    response = _upload(client, b"%PDF-1.4 ...", "partners.pdf")
    assert response.status_code == 400
    assert "Only CSV and Excel (.xlsx) files can be imported." in response.get_data(as_text=True)
    response = _upload(client, b"PK not really a workbook", "partners.xlsx")
    assert response.status_code == 400
    assert "could not be read" in response.get_data(as_text=True)
    assert not uploads.exists() or not any(uploads.glob("*.xlsx"))


def test_a_path_in_the_file_name_is_harmless(client, login, coord, uploads, tmp_path):
    """``../../etc/passwd.csv`` is stored under a random name; only its last part is shown."""
    login(coord)
    data = csv_bytes([["Rossi srl", valid_vat(1), "Firenze", "", "", ""]])
    response = _upload(client, data, "../../etc/passwd.csv")
    assert response.status_code == 302
    stored = [p.name for p in uploads.iterdir()]
    assert all(re.fullmatch(r"[0-9a-f]{32}\.(csv|json)", name) for name in stored), stored
    done = client.post(response.headers["Location"], data={
        "col_0": "legal_name", "col_1": "vat_number", "col_2": "comune", "do_import": "1"})
    assert done.status_code == 302
    run = db.session.scalars(select(ImportRun)).one()
    assert run.file_name == "passwd.csv"
    assert not (tmp_path / "etc").exists()


def test_preview_of_someone_elses_or_a_made_up_upload_is_not_shown(client, login, coord, make_user):
    """A token that does not exist, or is not a token, sends back to the upload page."""
    login(coord)
    for token in ("0" * 32, "..%2F..%2Fetc%2Fpasswd", "abc"):
        response = client.get(f"/imports/preview/{token}")
        assert response.status_code in (302, 404)


def test_cancel_deletes_the_uploaded_file(client, login, coord, uploads):
    """Cancelling the preview removes the waiting file."""
    login(coord)
    response = _upload(client, csv_bytes([["Rossi srl", "", "Firenze", "", "", ""]]))
    token = response.headers["Location"].rstrip("/").split("/")[-1]
    assert client.post(f"/imports/preview/{token}/cancel").status_code == 302
    assert not list(uploads.glob(f"{token}.*"))
    assert _org_count() == 0


def _flag_a_duplicate(client, coord):
    """Import a row whose name is close to an existing organization's in the same comune."""
    from crm.imports.models import ImportRow, RowOutcome
    from crm.reference.places import comune_by_name

    existing = Organization(
        legal_name="Pasticceria Fiorentina Bellini S.r.l.",
        comune_code=comune_by_name("Firenze").istat_code,
        search_text="",
    )
    db.session.add(existing)
    db.session.commit()
    data = csv_bytes(
        [["Pasticceria Fiorentina Belini", "Firenze", "055 123456"]],
        header=["Ragione sociale", "Comune", "Telefono"],
    )
    preview_url = _upload(client, data).headers["Location"]
    mapping = {"col_0": "legal_name", "col_1": "comune", "col_2": "phone"}
    client.post(preview_url, data={**mapping, "do_import": "1"})
    row = db.session.scalars(select(ImportRow).where(ImportRow.outcome == RowOutcome.DUPLICATE)).one()
    return existing, row


def test_a_possible_duplicate_can_be_imported_as_new(client, login, coord, uploads):
    """A person decides the flagged row is another organization: it is imported, once."""
    from crm.imports.models import RowOutcome

    login(coord)
    existing, row = _flag_a_duplicate(client, coord)
    assert _org_count() == 1
    response = client.post(f"/imports/{row.run_id}/rows/{row.id}/resolve", data={"decision": "new"})
    assert response.status_code == 302
    db.session.expire_all()
    assert _org_count() == 2
    assert row.outcome is RowOutcome.RESOLVED and row.organization_id != existing.id
    again = client.post(f"/imports/{row.run_id}/rows/{row.id}/resolve", data={"decision": "new"})
    assert again.status_code == 302
    assert _org_count() == 2


def test_a_possible_duplicate_can_update_the_organization_it_looks_like(client, login, coord, uploads):
    """"Same organization": the existing one takes the row's missing values; nothing new is created."""
    login(coord)
    existing, row = _flag_a_duplicate(client, coord)
    client.post(f"/imports/{row.run_id}/rows/{row.id}/resolve", data={"decision": "same"})
    db.session.expire_all()
    assert _org_count() == 1
    assert db.session.get(Organization, existing.id).phone == "+3905512345" + "6"
    assert row.organization_id == existing.id


def test_resolving_refuses_a_bad_decision_and_operators(client, login, coord, op, uploads):
    """Only "new" or "same" is accepted, and only coordinators decide."""
    login(coord)
    _existing, row = _flag_a_duplicate(client, coord)

    def resolve(decision: str, run_id: int = row.run_id) -> int:
        url = f"/imports/{run_id}/rows/{row.id}/resolve"
        return client.post(url, data={"decision": decision}).status_code

    assert resolve("x") == 400
    assert resolve("new", run_id=row.run_id + 1) == 404
    client.post("/logout")
    login(op)
    assert resolve("new") == 403
