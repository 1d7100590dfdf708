"""Word lists the demo generator draws from: fictional names, sectors, streets, subjects.

Every organization and person built from these lists is fictional: names are combinations of common
Italian first names and surnames or invented words, and every domain ends in ``.example``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Activity:
    """A curated ATECO 2025 subcategory with the words a business of that kind is named with."""

    code: str
    words: tuple[str, ...]  # how such a business calls itself: "Pelletteria", "Trasporti" …
    weight: float  # relative frequency among companies in the Florence area
    hours: str  # opening-hours profile, see generator._HOURS
    tags: tuple[str, ...] = ()


#: About forty ATECO 2025 codes common around Florence, weighted for a realistic sector mix:
#: lots of trade (G), accommodation and food (I), manufacturing (C: leather, fashion, food, mechanics),
#: construction (F), support services (O), health and social work (R), transport and logistics (H);
#: fewer ICT (J/K) and professional services (N).
COMPANY_ACTIVITIES: tuple[Activity, ...] = (
    # G – trade
    Activity("47.11.02", ("Market", "Supermercato", "Alimentari"), 4.0, "gdo", ("GDO",)),
    Activity("47.71.10", ("Boutique", "Abbigliamento", "Moda"), 3.5, "shop", ("filiera moda",)),
    Activity("47.72.11", ("Calzature",), 2.0, "shop", ("filiera moda",)),
    Activity("47.72.20", ("Pelletteria", "Borse"), 2.0, "shop", ("filiera moda", "turismo")),
    Activity("47.24.10", ("Forno", "Panificio"), 1.5, "shop"),
    Activity("47.73.10", ("Farmacia",), 1.5, "shop"),
    Activity("47.77.00", ("Gioielleria", "Oreficeria"), 1.0, "shop", ("turismo",)),
    Activity("47.52.10", ("Ferramenta", "Colorificio"), 1.2, "shop"),
    Activity("46.42.10", ("Ingrosso Abbigliamento", "Distribuzione Moda"), 1.2, "office", ("filiera moda",)),
    Activity("46.49.50", ("Ingrosso Pelletteria",), 0.8, "office", ("filiera moda",)),
    # I – accommodation and food
    Activity("56.11.11", ("Ristorante", "Trattoria", "Osteria"), 5.0, "restaurant", ("turismo",)),
    Activity("56.30.01", ("Bar", "Caffè"), 3.5, "bar", ("turismo",)),
    Activity("56.11.22", ("Gelateria",), 1.2, "bar", ("turismo",)),
    Activity("55.10.00", ("Hotel", "Albergo"), 3.0, "hotel", ("turismo", "stagionale")),
    Activity("55.20.41", ("B&B", "Residenza"), 1.0, "hotel", ("turismo",)),
    Activity("56.22.01", ("Ristorazione Collettiva", "Mense"), 1.0, "office"),
    # C – manufacturing
    Activity("15.12.00", ("Pelletteria", "Manifattura Pelle"), 4.0, "factory", ("filiera moda",)),
    Activity("15.20.10", ("Calzaturificio",), 2.0, "factory", ("filiera moda",)),
    Activity("15.11.00", ("Conceria",), 0.8, "factory", ("filiera moda",)),
    Activity("14.21.10", ("Confezioni", "Maglificio"), 2.0, "factory", ("filiera moda",)),
    Activity("10.71.20", ("Pasticceria", "Dolciaria"), 1.2, "factory"),
    Activity("11.02.10", ("Cantina", "Fattoria", "Vini"), 1.2, "factory"),
    Activity("25.11.00", ("Carpenteria Metallica", "Meccanica"), 1.5, "factory"),
    Activity("28.29.99", ("Meccanica", "Costruzioni Meccaniche"), 1.0, "factory"),
    Activity("32.12.20", ("Oreficeria", "Argenteria"), 0.8, "factory", ("filiera moda",)),
    # F – construction
    Activity("41.00.00", ("Costruzioni", "Edilizia"), 3.5, "factory", ("edilizia",)),
    Activity("43.21.01", ("Impianti Elettrici", "Elettroimpianti"), 2.0, "factory", ("edilizia",)),
    Activity("43.22.05", ("Termoidraulica", "Impianti"), 2.0, "factory", ("edilizia",)),
    Activity("43.34.01", ("Tinteggiature", "Decorazioni"), 1.0, "factory", ("edilizia",)),
    # O – administrative and support services
    Activity("81.21.00", ("Servizi di Pulizia", "Pulizie", "Multiservizi"), 3.0, "office", ("pulizie",)),
    Activity("82.92.10", ("Confezionamento", "Packaging"), 0.8, "factory", ("logistica",)),
    Activity("80.01.21", ("Servizi Fiduciari", "Portierato"), 0.8, "office"),
    Activity("82.20.00", ("Contact Center",), 0.6, "office"),
    # H – transport and logistics
    Activity("49.41.00", ("Trasporti", "Autotrasporti"), 2.5, "factory", ("logistica",)),
    Activity("52.10.20", ("Logistica", "Magazzini"), 1.5, "continuous", ("logistica",)),
    Activity("53.20.00", ("Consegne", "Corrieri"), 1.0, "continuous", ("logistica",)),
    # R – health and social work (ATECO 2025)
    Activity("87.30.00", ("Residenza Sanitaria", "RSA"), 1.0, "continuous", ("sociale",)),
    Activity("86.21.00", ("Centro Medico", "Poliambulatorio"), 1.0, "office"),
    # K / J – ICT, N – professional services, T – other services
    Activity("62.10.00", ("Software", "Digital", "Informatica"), 1.2, "office"),
    Activity("62.20.10", ("Consulting", "Sistemi Informativi"), 0.8, "office"),
    Activity("71.12.10", ("Studio Tecnico", "Ingegneria"), 0.8, "office"),
    Activity("96.21.00", ("Parrucchieri", "Acconciature"), 1.0, "shop"),
    Activity("95.31.10", ("Autofficina", "Car Service"), 1.2, "factory"),
)

#: Social cooperatives type B integrate disadvantaged workers: cleaning, green care, logistics …
COOP_B_ACTIVITIES: tuple[Activity, ...] = (
    Activity("81.21.00", ("Pulizie", "Servizi"), 4.0, "office", ("pulizie", "inserimento lavorativo")),
    Activity("81.30.00", ("Verde", "Giardini"), 2.5, "factory", ("inserimento lavorativo",)),
    Activity("38.11.00", ("Ambiente", "Raccolta"), 1.5, "factory", ("inserimento lavorativo",)),
    Activity("82.92.10", ("Confezionamento", "Assemblaggio"), 1.5, "factory", ("logistica",)),
    Activity("56.22.01", ("Ristorazione", "Mense"), 1.5, "office", ("inserimento lavorativo",)),
    Activity("96.10.11", ("Lavanderia",), 1.0, "factory", ("inserimento lavorativo",)),
    Activity("52.10.20", ("Logistica",), 1.0, "continuous", ("logistica",)),
)

#: Social cooperatives type A run social, health and education services.
COOP_A_ACTIVITIES: tuple[Activity, ...] = (
    Activity("88.10.00", ("Assistenza", "Servizi alla Persona"), 3.0, "office", ("sociale",)),
    Activity("87.30.00", ("Residenze", "Cura"), 2.0, "continuous", ("sociale",)),
    Activity("88.91.00", ("Infanzia", "Nidi"), 1.5, "office", ("sociale",)),
    Activity("88.99.04", ("Servizi Sociali", "Accoglienza"), 1.5, "office", ("sociale",)),
    Activity("85.59.20", ("Formazione",), 1.0, "office", ("formazione",)),
)

THIRD_SECTOR_ACTIVITIES: tuple[Activity, ...] = (
    Activity("94.99.90", ("Associazione", "Rete"), 3.0, "office", ("terzo settore",)),
    Activity("88.99.09", ("Solidarietà", "Accoglienza"), 2.0, "office", ("terzo settore", "sociale")),
    Activity("93.11.90", ("Polisportiva", "Sport"), 1.0, "shop", ("terzo settore",)),
    Activity("85.59.20", ("Formazione", "Scuola"), 1.0, "office", ("terzo settore", "formazione")),
)

PUBLIC_ACTIVITIES: tuple[Activity, ...] = (
    Activity("87.30.00", ("ASP",), 2.0, "continuous", ("ente pubblico", "sociale")),
    Activity("88.10.00", ("Azienda Servizi alla Persona",), 1.0, "office", ("ente pubblico", "sociale")),
    Activity("38.11.00", ("Azienda Servizi Ambientali",), 1.0, "factory", ("ente pubblico",)),
    Activity("84.11.10", ("Consorzio Servizi",), 1.0, "office", ("ente pubblico",)),
)

LEGAL_FORMS: tuple[tuple[str, float], ...] = (
    ("S.r.l.", 50),
    ("S.r.l.s.", 8),
    ("S.n.c.", 14),
    ("S.a.s.", 12),
    ("S.p.A.", 4),
    ("di {first} {last}", 12),  # ditta individuale
)

SURNAMES = (
    "Baldesi",
    "Bartolini",
    "Bellandi",
    "Benvenuti",
    "Bonechi",
    "Borchi",
    "Brogi",
    "Calamai",
    "Cammelli",
    "Caparrini",
    "Cecchi",
    "Cappellini",
    "Ciampolini",
    "Corsinovi",
    "Degl'Innocenti",
    "Dreoni",
    "Falorni",
    "Fantechi",
    "Frosali",
    "Gherardeschi",
    "Giachetti",
    "Giannelli",
    "Giuntini",
    "Gonnelli",
    "Guarducci",
    "Lapini",
    "Lastrucci",
    "Lotti",
    "Mannelli",
    "Marzocchini",
    "Mazzanti",
    "Meoni",
    "Nardoni",
    "Nocentini",
    "Orlandini",
    "Paoletti",
    "Parigi",
    "Pecchioli",
    "Pieraccioni",
    "Poggiali",
    "Puccetti",
    "Rafanelli",
    "Righini",
    "Rossellini",
    "Sarti",
    "Scarselli",
    "Sguanci",
    "Taddei",
    "Tarchiani",
    "Tassinari",
    "Tofani",
    "Torrini",
    "Ulivelli",
    "Vannucchi",
    "Verdiani",
    "Zanieri",
    "Biagiotti",
    "Chiti",
    "Fabbrini",
    "Landi",
    "Masini",
    "Nesti",
    "Pratesi",
    "Salvadori",
)

FIRST_NAMES_F = (
    "Alessandra",
    "Anna",
    "Arianna",
    "Beatrice",
    "Caterina",
    "Chiara",
    "Cristina",
    "Elena",
    "Elisa",
    "Federica",
    "Francesca",
    "Giada",
    "Giulia",
    "Ilaria",
    "Laura",
    "Lucia",
    "Marta",
    "Martina",
    "Monica",
    "Paola",
    "Roberta",
    "Sara",
    "Serena",
    "Silvia",
    "Simona",
    "Valentina",
    "Veronica",
)
FIRST_NAMES_M = (
    "Alessandro",
    "Andrea",
    "Claudio",
    "Daniele",
    "Davide",
    "Enrico",
    "Fabio",
    "Filippo",
    "Francesco",
    "Giacomo",
    "Gianni",
    "Giovanni",
    "Leonardo",
    "Lorenzo",
    "Luca",
    "Marco",
    "Massimo",
    "Matteo",
    "Niccolò",
    "Paolo",
    "Pietro",
    "Riccardo",
    "Roberto",
    "Simone",
    "Stefano",
    "Tommaso",
    "Vieri",
)

#: Invented words for brand-like company names (none is meant to match a real company).
INVENTED_PREFIXES = (
    "Arno",
    "Florin",
    "Giglio",
    "Brunel",
    "Cupol",
    "Ponte",
    "Olmo",
    "Cipress",
    "Tosc",
    "Medic",
    "Chiant",
    "Mugel",
    "Sieve",
    "Elsa",
    "Pesa",
    "Bisenz",
    "Valdar",
    "Greve",
    "Pratol",
    "Fiesol",
)
INVENTED_SUFFIXES = ("tex", "lab", "via", "line", "form", "net", "ica", "ex", "ia", "oro", "pel", "tech")

#: Names of places of the kind a trattoria or a hotel is called after.
VENUE_NAMES = (
    "Il Fiorino",
    "Il Cantuccio",
    "La Loggetta",
    "Il Bargello Vecchio",
    "Da Gigi",
    "Il Cenacolo",
    "La Ficaia",
    "Il Pozzo",
    "La Pergola",
    "Le Tre Lune",
    "Il Girasole",
    "La Torricella",
    "Il Palagio",
    "Il Melograno",
    "La Rosa dei Venti",
    "Il Borgo",
    "Sant'Ambrogio Due",
    "Il Glicine",
)

COOP_NAMES = (
    "Arcobaleno",
    "Il Ponte",
    "La Rete",
    "Insieme",
    "Il Mosaico",
    "La Bussola",
    "Orizzonti",
    "Il Seme",
    "Il Quadrifoglio",
    "L'Approdo",
    "La Tenda",
    "Il Cerchio",
    "Nuovi Passi",
    "Il Faro",
    "La Fonte",
    "Il Germoglio",
    "Terra Buona",
    "Il Sentiero",
    "La Meridiana",
    "Il Volo",
    "Mani Unite",
    "L'Officina",
)

ETS_FORMS = ("APS", "ODV", "ETS")

STREETS = (
    "Via Roma",
    "Via Giuseppe Garibaldi",
    "Via Dante Alighieri",
    "Via dei Mille",
    "Viale Europa",
    "Via Toscana",
    "Via del Lavoro",
    "Via dell'Artigianato",
    "Via dell'Industria",
    "Via Fiorentina",
    "Via Giuseppe Mazzini",
    "Via Cavour",
    "Via Vittorio Veneto",
    "Via XX Settembre",
    "Via Pisana",
    "Via Aretina",
    "Via Bolognese",
    "Via Pratese",
    "Via Senese",
    "Via Chiantigiana",
    "Via di Novoli",
    "Via Baccio da Montelupo",
    "Via Lorenzo il Magnifico",
    "Via Antonio Gramsci",
    "Via Piero Gobetti",
    "Via Sandro Pertini",
    "Via Leonardo da Vinci",
    "Via Galileo Galilei",
    "Via dei Ciliegi",
    "Via delle Querce",
    "Via del Pratellino",
    "Via della Fornace",
    "Via del Molino",
    "Piazza della Pieve",
    "Viale della Repubblica",
    "Via Luigi Boccherini",
    "Via dei Vespucci",
    "Via Michelangelo Buonarroti",
    "Via di Campo Santo",
    "Via delle Fonti",
    "Via del Castello",
    "Via della Stazione",
    "Via Provinciale",
)

CONTACT_ROLES_COMPANY = (
    ("Titolare", 4),
    ("Responsabile del personale", 4),
    ("HR manager", 3),
    ("Amministrazione", 2),
    ("Responsabile di produzione", 1.5),
    ("Responsabile di sede", 1),
    ("Socio|Socia", 1.5),
    ("Consulente del lavoro", 1),
    ("Responsabile acquisti", 0.5),
)
CONTACT_ROLES_COOP = (
    ("Presidente", 3),
    ("Responsabile inserimenti lavorativi", 4),
    ("Coordinatore servizi|Coordinatrice servizi", 3),
    ("Responsabile del personale", 2),
    ("Amministrazione", 1),
)
CONTACT_ROLES_PUBLIC = (
    ("Direttore|Direttrice", 2),
    ("Responsabile ufficio personale", 3),
    ("Funzionario servizi sociali|Funzionaria servizi sociali", 2),
    ("Referente progetti", 2),
)

MOBILE_PREFIXES = (
    "320",
    "324",
    "328",
    "329",
    "333",
    "334",
    "335",
    "338",
    "339",
    "340",
    "342",
    "345",
    "347",
    "348",
    "349",
    "351",
    "366",
    "371",
    "380",
    "389",
    "392",
    "393",
)

#: Comuni of the Empolese-Valdelsa, whose landlines use 0571 rather than Florence's 055.
EMPOLI_AREA = frozenset(
    {
        "Capraia e Limite",
        "Castelfiorentino",
        "Cerreto Guidi",
        "Certaldo",
        "Empoli",
        "Fucecchio",
        "Gambassi Terme",
        "Montaione",
        "Montelupo Fiorentino",
        "Vinci",
    }
)

TAGS = (
    "filiera moda",
    "logistica",
    "Legge 68",
    "rete consorzio",
    "GDO",
    "turismo",
    "stagionale",
    "edilizia",
    "pulizie",
    "sociale",
    "inserimento lavorativo",
    "formazione",
    "terzo settore",
    "ente pubblico",
    "tirocini",
    "disponibile a visite",
)

ORG_NOTES = (
    "Cercano spesso personale per il periodo estivo.",
    "Referente molto disponibile, preferisce essere contattato la mattina.",
    "Hanno già accolto due tirocinanti negli anni scorsi con buon esito.",
    "Sede operativa diversa dalla sede legale: verificare prima delle visite.",
    "Interessati a profili per magazzino e confezionamento.",
    "Scopertura Legge 68 segnalata dal consulente del lavoro.",
    "Chiedono candidati con patente B e disponibilità a turni.",
    "Azienda familiare, decide tutto il titolare.",
    "Parcheggio interno disponibile per la visita.",
    "Preferiscono ricevere i profili via PEC.",
    "Collaborazione avviata tramite il consorzio.",
    "Stagione alta da aprile a ottobre.",
)

INTERACTION_SUBJECTS: dict[str, tuple[str, ...]] = {
    "call": (
        "Primo contatto telefonico",
        "Richiamata per disponibilità tirocini",
        "Verifica fabbisogno di personale",
        "Telefonata con il titolare",
        "Aggiornamento sulle candidature inviate",
        "Richiesta di appuntamento",
        "Chiarimenti sulla convenzione di tirocinio",
        "Verifica esito colloqui",
    ),
    "email": (
        "Invio presentazione dello sportello",
        "Invio profili candidati",
        "Trasmissione bozza di convenzione",
        "Richiesta di documentazione",
        "Ringraziamento per l'incontro",
        "Proposta di calendario colloqui",
        "Informazioni sugli incentivi all'assunzione",
    ),
    "visit": (
        "Visita in azienda",
        "Sopralluogo per tirocinio",
        "Visita di conoscenza",
        "Visita con il tutor aziendale",
        "Monitoraggio tirocinio in corso",
    ),
    "meeting": (
        "Incontro presso lo sportello",
        "Riunione con la rete del consorzio",
        "Incontro sulla Legge 68",
        "Presentazione progetto di inserimento",
        "Tavolo con i servizi sociali",
    ),
    "note": (
        "Segnalazione dal consulente del lavoro",
        "Nota interna sul referente",
        "Aggiornamento dalla camera di commercio",
        "Nota dopo la fiera del lavoro",
    ),
}

INTERACTION_BODIES: dict[str, tuple[str, ...]] = {
    "positive": (
        "Interessati ad accogliere un tirocinante entro il prossimo trimestre.",
        "Disponibili a valutare due profili per il magazzino.",
        "Confermano l'apertura di una posizione a tempo determinato.",
        "Firmata la convenzione di tirocinio.",
        "Ottimo riscontro sul candidato inserito il mese scorso.",
    ),
    "neutral": (
        "Per ora nessuna posizione aperta, richiamare dopo l'estate.",
        "Il referente si riserva di parlarne con i soci.",
        "Chiedono materiale informativo da leggere con calma.",
        "Stanno riorganizzando il personale, risentirsi fra qualche mese.",
    ),
    "negative": (
        "Non interessati a collaborare in questo momento.",
        "Hanno appena completato le assunzioni, nessun fabbisogno.",
        "Esperienza precedente non positiva, preferiscono non proseguire.",
    ),
    "no_answer": (
        "Nessuna risposta, lasciato messaggio in segreteria.",
        "Numero occupato più volte.",
        "Il referente è in ferie, richiamare.",
    ),
}

DO_NOT_CONTACT_BODY = "Chiedono espressamente di non essere più contattati."

NEXT_STEPS = (
    "Richiamare tra due settimane",
    "Inviare i profili selezionati",
    "Fissare una visita in azienda",
    "Preparare la convenzione",
    "Coinvolgere il consulente del lavoro",
    "Aggiornare la scheda aziendale",
)

FOLLOW_UP_TITLES = (
    "Richiamare per disponibilità tirocini",
    "Inviare profili candidati",
    "Fissare visita in azienda",
    "Verificare scopertura Legge 68",
    "Mandare convenzione di tirocinio",
    "Aggiornare il referente",
    "Chiedere esito dei colloqui",
    "Inviare materiale informativo",
    "Organizzare incontro con il tutor",
    "Primo contatto telefonico",
)
