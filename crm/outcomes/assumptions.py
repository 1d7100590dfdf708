"""The savings assumptions: what each parameter means, its default and where the default comes from.

Pure: no Flask, no database. A version stored in ``assumption_set`` holds ``{key: value}`` and
``{key: source}``; :func:`parse` turns them into an :class:`Assumptions` the ledger computes with.
Sources are written in Italian (they appear in the governance report) and dated: amounts change by
law every year and must be reviewed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import lazy_gettext as _l

from crm.outcomes.models import BenefitScheme


@dataclass(frozen=True)
class Parameter:
    key: str
    kind: str  # "money", "percent", "int", "bool"
    default: Any
    label: Any
    source: str
    minimum: Decimal = Decimal(0)
    maximum: Decimal | None = None


#: The parameters in the order of the form and of the exports.
PARAMETERS: tuple[Parameter, ...] = (
    Parameter(
        "adi_monthly",
        "money",
        Decimal("541.67"),
        _l("Assegno di Inclusione: monthly amount"),
        "D.L. 48/2023 art. 3 c. 1, come modificato dalla L. 207/2024 (Legge di Bilancio 2025): "
        "integrazione del reddito fino a 6.500 € l'anno × la scala di equivalenza; 541,67 € = 6.500/12 "
        "per un adulto solo senza altri redditi (scala 1), esclusa la quota per l'affitto (fino a 3.640 € "
        "l'anno). Ipotesi da rivedere: usare l'importo effettivo della persona. Verificato a novembre 2026.",
    ),
    Parameter(
        "sfl_monthly",
        "money",
        Decimal("500.00"),
        _l("Supporto per la Formazione e il Lavoro: monthly amount"),
        "D.L. 48/2023 art. 12 c. 7 (350 €), portato a 500 € al mese dal 2025 dalla L. 207/2024 art. 1 "
        "c. 198 (messaggio INPS n. 148 del 15 gennaio 2025). Verificato a novembre 2026.",
    ),
    Parameter(
        "naspi_monthly",
        "money",
        Decimal("1000.00"),
        _l("NASpI: monthly amount"),
        "D.Lgs. 22/2015 art. 4: 75% della retribuzione media mensile (più il 25% della parte oltre "
        "1.436,61 € nel 2025), al massimo 1.562,82 € al mese nel 2025 (circolare INPS n. 25 del 29 "
        "gennaio 2025), ridotta del 3% al mese dal sesto mese. 1.000 € è un'ipotesi per retribuzioni "
        "passate basse, da rivedere: registrare l'importo effettivo della persona.",
    ),
    Parameter(
        "municipal_monthly",
        "money",
        Decimal("300.00"),
        _l("Municipal economic support: monthly amount"),
        "Ipotesi da rivedere: il contributo economico del Comune varia con il regolamento dei servizi "
        "sociali e con il nucleo familiare; registrare l'importo effettivamente concesso.",
    ),
    Parameter(
        "other_monthly",
        "money",
        Decimal("0.00"),
        _l("Other support: monthly amount"),
        "Nessun valore predefinito: un sostegno 'altro' conta solo con l'importo registrato per la persona.",
    ),
    Parameter(
        "counted_share",
        "percent",
        Decimal("100"),
        _l("Share of the benefit counted as saved (%)"),
        "Ipotesi: il sussidio cessa per intero mentre la persona lavora. Ridurla dove il reddito da "
        "lavoro è in parte compatibile (per es. l'ADI non considera fino a 3.000 € l'anno di nuovi "
        "redditi, D.L. 48/2023 art. 3 c. 7).",
        maximum=Decimal(100),
    ),
    Parameter(
        "include_taxes",
        "bool",
        False,
        _l("Count the taxes and contributions the job generates"),
        "Disattivato per prudenza: il registro conta solo i sussidi non più erogati.",
    ),
    Parameter(
        "gross_hourly_wage",
        "money",
        Decimal("9.50"),
        _l("Gross hourly wage (for taxes and contributions)"),
        "Ipotesi da rivedere: circa i livelli d'ingresso delle tabelle dei CCNL Multiservizi e "
        "Cooperative sociali nel 2025.",
    ),
    Parameter(
        "tax_contribution_rate",
        "percent",
        Decimal("33"),
        _l("Taxes and contributions on gross pay (%)"),
        "Ipotesi da rivedere: contributi a carico del datore e del lavoratore (circa 30% + 9,19%) al "
        "netto degli sgravi, con IRPEF ridotta per i redditi bassi.",
        maximum=Decimal(100),
    ),
    Parameter(
        "programme_cost",
        "money",
        Decimal("2000.00"),
        _l("Programme cost per person placed"),
        "Ipotesi da rivedere: il costo annuo dello sportello diviso per le persone inserite nell'anno.",
    ),
    Parameter(
        "discount_rate",
        "percent",
        Decimal("0"),
        _l("Yearly discount rate (%)"),
        "Nessuna attualizzazione (risparmi entro 12 mesi). Per orizzonti più lunghi la guida europea "
        "all'analisi costi-benefici suggerisce un tasso sociale del 3% (Guide to Cost-Benefit Analysis "
        "of Investment Projects, Commissione europea, 2014).",
        maximum=Decimal(50),
    ),
    Parameter(
        "horizon_months",
        "int",
        12,
        _l("Months counted after the start"),
        "Le verifiche si fanno a 1, 3, 6 e 12 mesi: i mesi oltre il dodicesimo non sono verificati.",
        minimum=Decimal(1),
        maximum=Decimal(36),
    ),
    Parameter(
        "grace_days",
        "int",
        30,
        _l("Days after the due date before a follow-up counts as missing"),
        "Prassi dello sportello: la verifica si fa entro un mese dalla scadenza.",
        maximum=Decimal(365),
    ),
    Parameter(
        "benchmark_per_year",
        "money",
        Decimal("4000.00"),
        _l("Benchmark: public savings per placed person per year"),
        "Ordine di grandezza indicato dagli studi costi-benefici italiani sulle cooperative sociali di "
        "tipo B (modello VALORIS: E. Chiaf, 'Il valore creato dalle imprese sociali di inserimento "
        "lavorativo', Impresa Sociale n. 0/2013, 29 cooperative, anno 2010). I risultati variano molto "
        "con le persone inserite (un'applicazione VALORIS sul 2023 ha trovato 1.579 € netti per "
        "persona): da verificare prima di pubblicare.",
    ),
)

PARAMETER_BY_KEY = {p.key: p for p in PARAMETERS}

SCHEME_KEYS: dict[BenefitScheme, str] = {
    BenefitScheme.ADI: "adi_monthly",
    BenefitScheme.SFL: "sfl_monthly",
    BenefitScheme.NASPI: "naspi_monthly",
    BenefitScheme.MUNICIPAL: "municipal_monthly",
    BenefitScheme.OTHER: "other_monthly",
}


class AssumptionError(ValueError):
    """A value is missing or outside its range; ``key`` names it."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(f"{key}: {message}")
        self.key = key


@dataclass(frozen=True)
class Assumptions:
    version: int
    scheme_amounts: Mapping[str, Decimal]
    counted_share: Decimal  # 0..1
    include_taxes: bool
    gross_hourly_wage: Decimal
    tax_contribution_rate: Decimal  # 0..1
    programme_cost: Decimal
    discount_rate: Decimal  # 0..1 per year
    horizon_months: int
    grace_days: int
    benchmark_per_year: Decimal

    def scheme_amount(self, scheme: str) -> Decimal:
        return self.scheme_amounts.get(str(scheme), Decimal(0))


def default_values() -> dict[str, Any]:
    return {p.key: to_json(p, p.default) for p in PARAMETERS}


def default_sources() -> dict[str, str]:
    return {p.key: p.source for p in PARAMETERS}


def to_json(param: Parameter, value: Any) -> Any:
    if param.kind == "bool":
        return bool(value)
    if param.kind == "int":
        return int(value)
    return str(Decimal(value).quantize(Decimal("0.01")))


def coerce(param: Parameter, raw: Any) -> Any:
    """The typed value of ``raw`` for ``param``.

    :raises AssumptionError: when it is not a number or outside the parameter's range.
    """
    if param.kind == "bool":
        if isinstance(raw, str):
            return raw.strip().lower() in ("1", "true", "yes", "on", "y")
        return bool(raw)
    try:
        value = Decimal(str(raw).strip().replace(",", "."))
    except (InvalidOperation, ValueError) as exc:
        raise AssumptionError(param.key, "not a number") from exc
    if not value.is_finite():
        raise AssumptionError(param.key, "not a number")
    if value < param.minimum or (param.maximum is not None and value > param.maximum):
        raise AssumptionError(param.key, "out of range")
    if param.kind == "int":
        if value != value.to_integral_value():
            raise AssumptionError(param.key, "not a whole number")
        return int(value)
    return value


def parse(values: Mapping[str, Any], version: int) -> Assumptions:
    """Typed assumptions from a stored version; a key the version lacks takes today's default."""
    typed: dict[str, Any] = {}
    for param in PARAMETERS:
        typed[param.key] = coerce(param, values.get(param.key, param.default))
    return Assumptions(
        version=version,
        scheme_amounts={scheme.value: typed[key] for scheme, key in SCHEME_KEYS.items()},
        counted_share=typed["counted_share"] / 100,
        include_taxes=typed["include_taxes"],
        gross_hourly_wage=typed["gross_hourly_wage"],
        tax_contribution_rate=typed["tax_contribution_rate"] / 100,
        programme_cost=typed["programme_cost"],
        discount_rate=typed["discount_rate"] / 100,
        horizon_months=typed["horizon_months"],
        grace_days=typed["grace_days"],
        benchmark_per_year=typed["benchmark_per_year"],
    )


def changed_keys(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    return [p.key for p in PARAMETERS if old.get(p.key) != new.get(p.key)]
