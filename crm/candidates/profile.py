"""The anonymised profile shown to an employer: what the person can do, never who they are.

It holds the code, skills, work experience (role, sector, period: no employer names, no free-text
descriptions), availability, languages, education, driving licence and the readiness band. It never
holds the name, contacts, codice fiscale, comune, health or disability, legal situation, referring
social-services office or case worker, assessment scores or notes.
"""

from __future__ import annotations

from typing import Any

from crm.candidates.models import WEEKDAYS, Candidate


def anonymised_profile(candidate: Candidate) -> dict[str, Any]:
    """The plain data of the anonymised profile (HTML and PDF are rendered from it)."""
    return {
        "code": candidate.code,
        "skills": [s.name for s in candidate.skills],
        "other_skills": list(candidate.free_skills or ()),
        "experience": [
            {
                "role": e.role,
                "sector": e.ateco_section,
                "from": e.started_on.strftime("%m/%Y") if e.started_on else None,
                "to": e.ended_on.strftime("%m/%Y") if e.ended_on else None,
                "months": e.months,
            }
            for e in candidate.experiences
        ],
        "days": [d for d in WEEKDAYS if d in (candidate.available_days or ())],
        "shifts": list(candidate.shifts or ()),
        "hours_per_week": candidate.hours_per_week,
        "languages": list(candidate.languages or ()),
        "education": candidate.education.value if candidate.education else None,
        "driving_licence": candidate.driving_licence,
        "own_vehicle": candidate.own_vehicle,
        "readiness": candidate.readiness.value if candidate.readiness else None,
    }
