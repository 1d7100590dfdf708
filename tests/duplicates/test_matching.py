"""The pure matching: name keys, similarity, blocking and reasons."""

from __future__ import annotations

import random
from itertools import combinations

import pytest
from rapidfuzz import fuzz

from crm.duplicates import matching
from crm.duplicates.matching import (
    OrgRecord,
    ReasonKind,
    candidates_for,
    find_candidate_pairs,
    name_key,
    name_similarity,
    similar_key_pairs,
)

FIRENZE = "048017"
EMPOLI = "048014"


def _kinds(pair):
    return {r.kind for r in pair.reasons}


def test_name_key_strips_legal_forms_case_and_punctuation():
    """"Rossi S.r.l." and "ROSSI SRL" have the same key."""
    assert name_key("Rossi S.r.l.") == name_key("ROSSI SRL") == "rossi"
    assert name_key("Bianchi s.r.l.s.") == name_key("Bianchi S.p.A.") == "bianchi"
    assert name_key("Verdi & C. s.a.s.") == name_key("Verdi snc") == "verdi"


def test_name_key_strips_cooperative_forms_and_stop_words():
    """Social cooperatives match however their legal form is written and wherever it stands."""
    a = "Coop. Sociale Il Girasole a r.l."
    b = "Il Girasole Società Cooperativa Sociale"
    assert name_key(a) == name_key(b) == "girasole"
    assert name_similarity(a, b) == 100
    assert name_key("Associazione L'Arcobaleno APS") == name_key("Arcobaleno ODV ETS onlus") == "arcobaleno"
    assert name_key("La Rondine ODV") == name_key("rondine, onlus") == "rondine"


def test_name_key_folds_accents_and_word_order():
    """Accents, case and word order do not matter."""
    assert name_key("Caffè Città") == name_key("citta caffe")
    assert name_key("F.lli Neri") == name_key("Fratelli Neri")


def test_name_key_of_a_bare_legal_form_is_not_empty():
    """A name that is only a legal form still has something to compare."""
    assert name_key("S.p.A.") == "spa"


def test_similar_names_in_the_same_comune_are_paired_with_the_similarity():
    """A small typo in the same comune gives a name reason with its percentage."""
    records = [
        OrgRecord(1, "Trattoria Da Mario S.n.c.", comune_code=EMPOLI),
        OrgRecord(2, "Trattoria Da Marioo", comune_code=EMPOLI),
        OrgRecord(3, "Officina Bianchi S.r.l.", comune_code=EMPOLI),
    ]
    pairs = find_candidate_pairs(records)
    assert [p.ids for p in pairs] == [(1, 2)]
    reason = pairs[0].reasons[0]
    assert reason.kind is ReasonKind.NAME and reason.value == EMPOLI
    assert 90 <= reason.similarity < 100


def test_same_names_in_different_comuni_are_not_paired():
    """Names are compared only within one comune."""
    records = [
        OrgRecord(1, "Rossi S.r.l.", comune_code=FIRENZE),
        OrgRecord(2, "ROSSI SRL", comune_code=EMPOLI),
        OrgRecord(3, "Rossi srl", comune_code=None),
    ]
    assert find_candidate_pairs(records) == []


def test_same_phone_is_paired_across_comuni():
    """A shared number pairs organizations wherever they are, phone2 included."""
    records = [
        OrgRecord(1, "Alfa S.r.l.", comune_code=FIRENZE, phone="+390551234567"),
        OrgRecord(2, "Beta S.r.l.", comune_code=EMPOLI, phone2="+390551234567"),
        OrgRecord(3, "Gamma S.r.l.", comune_code=EMPOLI, phone="+390571999999"),
    ]
    pairs = find_candidate_pairs(records)
    assert [p.ids for p in pairs] == [(1, 2)]
    assert _kinds(pairs[0]) == {ReasonKind.PHONE}


def test_same_email_or_pec_ignoring_case():
    """An e-mail address of one that is the PEC of the other pairs them."""
    records = [
        OrgRecord(1, "Alfa", email="Info@Alfa.example"),
        OrgRecord(2, "Beta", pec="info@alfa.example"),
    ]
    pairs = find_candidate_pairs(records)
    assert [p.ids for p in pairs] == [(1, 2)]
    assert pairs[0].reasons[0].kind is ReasonKind.EMAIL


def test_same_codice_fiscale_and_vat_equal_to_tax_code():
    """Same CF pairs; a Partita IVA equal to another's CF pairs too, with its own reason."""
    records = [
        OrgRecord(1, "Alfa", tax_code="90012345678"),
        OrgRecord(2, "Beta", tax_code="90012345678"),
        OrgRecord(3, "Gamma", vat_number="01234567890", tax_code="01234567890"),
        OrgRecord(4, "Delta", tax_code="01234567890"),
        OrgRecord(5, "Epsilon", vat_number="05555555555"),
        OrgRecord(6, "Zeta", tax_code="05555555555"),
    ]
    pairs = {p.ids: p for p in find_candidate_pairs(records)}
    assert set(pairs) == {(1, 2), (3, 4), (5, 6)}
    assert _kinds(pairs[(1, 2)]) == {ReasonKind.TAX_CODE}
    assert _kinds(pairs[(3, 4)]) == {ReasonKind.TAX_CODE}
    assert _kinds(pairs[(5, 6)]) == {ReasonKind.VAT_TAX_CODE}
    assert pairs[(1, 2)].score == 100


def test_several_reasons_raise_the_score_and_sort_first():
    """A pair with a shared number and a similar name ranks above a pair with only the name."""
    records = [
        OrgRecord(1, "Rossi S.r.l.", comune_code=FIRENZE, phone="+390551111111"),
        OrgRecord(2, "Rossi srl", comune_code=FIRENZE, phone="+390551111111"),
        OrgRecord(3, "Verdi S.r.l.", comune_code=FIRENZE),
        OrgRecord(4, "Verdi", comune_code=FIRENZE),
    ]
    pairs = find_candidate_pairs(records)
    assert [p.ids for p in pairs] == [(1, 2), (3, 4)]
    assert pairs[0].score > pairs[1].score
    assert _kinds(pairs[0]) == {ReasonKind.NAME, ReasonKind.PHONE}


def test_excluded_pairs_never_come_back():
    """Dismissed pairs are left out."""
    records = [OrgRecord(1, "Rossi srl", comune_code=FIRENZE), OrgRecord(2, "Rossi", comune_code=FIRENZE)]
    assert find_candidate_pairs(records, exclude={(1, 2)}) == []


def test_shared_switchboard_numbers_are_not_a_signal():
    """A number shared by many organizations (a consortium's) pairs none of them."""
    records = [OrgRecord(i, f"Org {i}", phone="+390550000000") for i in range(1, 30)]
    assert find_candidate_pairs(records) == []


@pytest.mark.parametrize("chunk_rows", [1024, 3])
def test_similar_key_pairs_matches_a_brute_force_comparison(monkeypatch, chunk_rows):
    """The length-pruned, chunked comparison finds exactly the pairs an all-pairs loop finds."""
    monkeypatch.setattr(matching, "CHUNK_ROWS", chunk_rows)
    rng = random.Random(7)
    words = ["girasole", "rossi", "mario", "trattoria", "bianchi", "verde", "arno", "ab"]
    keys = []
    for _ in range(120):
        key = " ".join(rng.sample(words, rng.randint(1, 3)))
        if rng.random() < 0.5:  # a typo
            i = rng.randrange(len(key))
            key = key[:i] + rng.choice("aeiouxyz") + key[i + 1 :]
        keys.append(key)
    keys = list(dict.fromkeys(keys))
    expected = {
        (i, j)
        for i, j in combinations(range(len(keys)), 2)
        if min(len(keys[i]), len(keys[j])) >= matching.MIN_FUZZY_LENGTH
        and fuzz.ratio(keys[i], keys[j]) >= 85
    }
    found = {tuple(sorted((i, j))) for i, j, _ in similar_key_pairs(keys, 85)}
    assert found == expected
    assert expected  # the data does contain similar keys


def test_candidates_for_one_organization():
    """One organization against many gives the same reasons as the whole search."""
    target = OrgRecord(1, "Il Girasole Società Cooperativa Sociale", comune_code=FIRENZE)
    others = [
        OrgRecord(2, "Coop. Sociale Il Girasole a r.l.", comune_code=FIRENZE),
        OrgRecord(3, "Coop. Sociale Il Girasole a r.l.", comune_code=EMPOLI),
        OrgRecord(4, "Altro", comune_code=FIRENZE),
    ]
    pairs = candidates_for(target, others)
    assert [p.ids for p in pairs] == [(1, 2)]
    assert candidates_for(target, others, exclude={(1, 2)}) == []
