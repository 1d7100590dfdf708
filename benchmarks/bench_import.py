"""Import benchmark: a 50,000-row messy partner CSV imported end to end into a fresh database.

Usage (from the repository root)::

    .venv/bin/python benchmarks/bench_import.py [--rows 50000] [--seed 0] [--again]
        [--postgres postgresql://user:pass@host/db] [--keep]

The file (written to /tmp) is what partners really send: Windows-1252, semicolons, comuni written
``Sesto F.no`` or ``FIRENZE (FI)``, employees as ``1.200``, phones in every format, ``N/D`` cells,
quoted notes spanning lines, empty lines, about 3% bad Partite IVA, 1% comuni outside the area, 20%
rows without a Partita IVA (matched by name and comune). The import runs in a child process on a
fresh SQLite file (and on PostgreSQL with ``--postgres``, whose schema is dropped and re-created:
use a scratch database) so the peak resident memory (``resource.getrusage``) is the import's own.
``--again`` imports the same file a second time (the idempotent path: everything unchanged).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

COMUNE_SPELLINGS = {
    "Firenze": ["Firenze", "FIRENZE", "Firenze (FI)", "firenze", "Florence", "Firenze - FI"],
    "Sesto Fiorentino": ["Sesto Fiorentino", "Sesto F.no", "SESTO FIORENTINO", "Sesto Fior."],
    "Scandicci": ["Scandicci", "SCANDICCI"],
    "Empoli": ["Empoli", "EMPOLI (FI)"],
    "Campi Bisenzio": ["Campi Bisenzio", "Campi B.zio", "CAMPI BISENZIO"],
    "Bagno a Ripoli": ["Bagno a Ripoli", "Bagno a Ripol"],
    "San Casciano in Val di Pesa": ["S. Casciano V.P.", "San Casciano Val di Pesa"],
    "Barberino di Mugello": ["Barberino M.llo", "Barberino di Mugello"],
    "Figline e Incisa Valdarno": ["Figline Valdarno", "Incisa in Val d'Arno", "Figline e Incisa V.no"],
    "Borgo San Lorenzo": ["Borgo San Lorenzo", "B.go S. Lorenzo"],
    "Pontassieve": ["Pontassieve"],
    "Calenzano": ["Calenzano"],
    "Fucecchio": ["Fucecchio"],
    "Castelfiorentino": ["Castelfiorentino", "Castelfiorentino (FI)"],
    "Certaldo": ["Certaldo"],
    "Lastra a Signa": ["Lastra a Signa"],
    "Signa": ["Signa"],
    "Impruneta": ["Impruneta"],
    "Reggello": ["Reggello"],
    "Vinci": ["Vinci"],
    "Scarperia e San Piero": ["Scarperia", "San Piero a Sieve", "Scarperia e S. Piero"],
    "Barberino Tavarnelle": ["Tavarnelle Val di Pesa", "Barberino Val d'Elsa"],
}
OUTSIDE = ["Prato", "Siena", "Pistoia (PT)", "Arezzo", "Bologna"]
FORMS = ["S.r.l.", "SRL", "srl", "s.r.l.s.", "S.p.A.", "snc", "S.n.c.", "sas", "& C. s.a.s.",
         "Soc. Coop.", "coop. sociale di tipo B", "Cooperativa Sociale Onlus", "APS", "ODV", ""]
WORDS = ["Edilizia", "Trattoria", "Officina", "Pelletteria", "Ristorante", "Studio", "Logistica",
         "Tipografia", "Falegnameria", "Pulizie", "Servizi", "Ortofrutta", "Autofficina", "Forno",
         "Bar", "Sartoria", "Giardini", "Impianti", "Trasporti", "Informatica", "Lavanderia",
         "Panificio", "Macelleria", "Ferramenta", "Idraulica", "Elettrica", "Vetreria", "Oreficeria"]
PLACES = ["del Borgo", "Toscana", "Fiorentina", "dell'Arno", "del Mugello", "Nuova", "Centrale",
          "San Frediano", "Oltrarno", "Chianti", "Valdelsa", "Italia", "Medicea", "del Ponte"]
HEADER = ["Ragione sociale", "P.IVA", "Codice fiscale", "Indirizzo", "CAP", "Comune", "Prov.",
          "Codice ATECO", "N. dipendenti", "Telefono", "Cellulare", "E-mail", "Sito web",
          "Referente", "Forma giuridica", "Note", "Etichette", "Codice interno"]
ATECO = ["56.10.11", "4120", "43.21.01", "62.01", "96.01", "49.41", "1012", "47.11.40", "81.21",
         "88.99", "99.99", "56.30"]


def _vat(n: int) -> str:
    from stdnum import luhn

    base = f"{n:07d}048"
    return base + luhn.calc_check_digit(base)


def generate(path: Path, rows: int, seed: int) -> dict[str, int]:
    """Write the messy CSV; return how many rows of each planted kind it has."""
    from crm.demo.vocabulary import FIRST_NAMES_F, FIRST_NAMES_M, STREETS, SURNAMES
    from crm.reference.places import comune_by_name

    rng = random.Random(seed)
    planted = {"bad_vat": 0, "outside": 0, "no_vat": 0, "fraction": 0, "empty_lines": 0}
    comuni = list(COMUNE_SPELLINGS)
    weights = [30 if c == "Firenze" else 3 for c in comuni]
    lines: list[str] = []
    import csv
    import io

    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(HEADER)
    for i in range(rows):
        surname = rng.choice(SURNAMES)
        name = " ".join(
            p for p in (rng.choice(WORDS), surname, rng.choice(PLACES) if rng.random() < 0.5 else "",
                        str(i), rng.choice(FORMS)) if p
        )
        vat = _vat(100_000 + i)
        if rng.random() < 0.03:
            vat = vat[:-1] + str((int(vat[-1]) + 1) % 10)
            planted["bad_vat"] += 1
        elif rng.random() < 0.2:
            vat = rng.choice(["", "N/D", "-"])
            planted["no_vat"] += 1
        elif rng.random() < 0.1:
            vat = "IT" + vat
        comune_name = rng.choices(comuni, weights)[0]
        comune_text = rng.choice(COMUNE_SPELLINGS[comune_name])
        if rng.random() < 0.01:
            comune_text = rng.choice(OUTSIDE)
            planted["outside"] += 1
        comune = comune_by_name(comune_name)
        cap = rng.choice(comune.caps) if comune and rng.random() < 0.9 else rng.choice(["50019", "50053", ""])
        employees = rng.choice(["3", "12", "1.200", "45", "N/D", "", "8", "250", "1,500", "n.d."])
        if rng.random() < 0.005:
            employees = "12,5"
            planted["fraction"] += 1
        phone = rng.choice([
            f"055 {rng.randint(200000, 9999999)}", f"+39 055-{rng.randint(1000000, 9999999)}",
            f"0039 0571 {rng.randint(100000, 999999)}", "N/D", "", "123",
        ])
        mobile = rng.choice(["", f"3{rng.randint(20, 49)} {rng.randint(1000000, 9999999)}"])
        slug = "".join(c for c in surname.lower() if c.isalpha())
        email = rng.choice([f"info@{slug}{i}.it", "", f"amministrazione@{slug}{i}.com", "bad@", "N/D"])
        first = rng.choice(FIRST_NAMES_F + FIRST_NAMES_M)
        contact = rng.choice(["", f"{first} {rng.choice(SURNAMES)}", f"Dott. {first} {surname}"])
        note = rng.choice(["", "", "Interessati a tirocini", "Richiamare a settembre\r\nchiedere di HR"])
        writer.writerow([
            name, vat, rng.choice(["", "", vat]), f"{rng.choice(STREETS)} {rng.randint(1, 200)}",
            cap, comune_text, rng.choice(["FI", "", "Firenze"]) if comune_text not in OUTSIDE else "",
            rng.choice(ATECO), employees, phone, mobile, email,
            rng.choice(["", f"www.{slug}{i}.it", f"https://{slug}{i}.it"]),
            contact, rng.choice(["", "", "srl", "Cooperativa sociale B", "Associazione"]), note,
            rng.choice(["", "catering", "legge 68; tirocini", "edilizia"]), f"X{i}  ",
        ])
        if rng.random() < 0.002:
            buffer.write("\r\n")
            planted["empty_lines"] += 1
    lines.append(buffer.getvalue())
    path.write_bytes("".join(lines).encode("cp1252", errors="replace"))
    return planted


def _child(database_url: str, csv_path: str, again: bool) -> None:
    """Run in a fresh process: migrate a fresh database, import, print JSON figures."""
    import resource

    from flask_migrate import upgrade
    from sqlalchemy import text

    from crm import create_app
    from crm.extensions import db
    from crm.imports.services import import_file

    app = create_app({"DATABASE_URL": database_url, "SECRET_KEY": "bench", "ENV_NAME": "testing"})
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
        upgrade()
        runs = []
        for _ in range(2 if again else 1):
            started, cpu = time.perf_counter(), time.process_time()
            result = import_file(csv_path)
            runs.append({"seconds": round(time.perf_counter() - started, 2),
                         "cpu_seconds": round(time.process_time() - cpu, 2),
                         "summary": result.summary(), "warnings": result.warnings,
                         "rows": result.total_rows})
        peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        print(json.dumps({"runs": runs, "peak_mb": round(peak_kb / 1024, 1),
                          "dialect": db.engine.dialect.name}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--postgres", metavar="URL", help="also import into this (scratch!) database")
    parser.add_argument("--again", action="store_true", help="import the file a second time")
    parser.add_argument("--keep", action="store_true", help="keep the CSV and the SQLite file")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args.child[0], args.child[1], args.child[2] == "again")
        return

    workdir = Path(tempfile.mkdtemp(prefix="bench-import-", dir="/tmp"))
    csv_path = workdir / "partners.csv"
    started = time.perf_counter()
    planted = generate(csv_path, args.rows, args.seed)
    print(f"Generated {args.rows} rows ({csv_path.stat().st_size / 2**20:.1f} MB) in "
          f"{time.perf_counter() - started:.1f} s: {planted}")
    print(f"Machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
          f"load average {os.getloadavg()[0]:.1f}")
    targets = [("sqlite", f"sqlite:///{workdir / 'bench.sqlite3'}")]
    if args.postgres:
        targets.append(("postgresql", args.postgres))
    for label, url in targets:
        output = subprocess.run(
            [sys.executable, __file__, "--child", url, str(csv_path), "again" if args.again else "once"],
            check=True, capture_output=True, text=True, cwd=ROOT,
        ).stdout
        figures = json.loads(output.strip().splitlines()[-1])
        for number, run in enumerate(figures["runs"], start=1):
            print(f"{label} import {number}: {run['rows']} rows in {run['seconds']} s "
                  f"(CPU {run['cpu_seconds']} s, {run['rows'] / max(run['seconds'], 1e-9):.0f} rows/s); "
                  f"{run['summary']}; warnings {run['warnings']}")
        print(f"{label} peak resident memory: {figures['peak_mb']} MB")
    if not args.keep:
        for path in workdir.iterdir():
            path.unlink()
        workdir.rmdir()


if __name__ == "__main__":
    main()
