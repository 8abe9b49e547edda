"""Payment arithmetic against figures worked by hand from the CMS files (and CMS's own published amounts)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bot.fees import amount, cents, multiple_procedures
from bot.records import Release


def rows(cms_rvus, year):
    return {(r.code, r.modifier): r for r in cms_rvus[year].rows}


def release(cms_rvus, year):
    return Release(year=year, name="test", title="test", conversion_factor=cms_rvus[year].conversion_factor)


def locality(cms_gpcis, year, mac, number):
    return next(loc for loc in cms_gpcis[year] if loc.mac == mac and loc.number == number)


def test_locality_payment_matches_cms_published_amount(cms_rvus, cms_gpcis):
    """CMS's PFALL26 lists 99213 in San Francisco (01112-05) at $117.58 office and $64.37 facility."""
    r = rows(cms_rvus, 2026)[("99213", "")]
    sf = locality(cms_gpcis, 2026, "01112", "05")
    assert amount(r, release(cms_rvus, 2026), "office", sf) == Decimal("117.58")
    assert amount(r, release(cms_rvus, 2026), "facility", sf) == Decimal("64.37")


@pytest.mark.parametrize(("year", "code", "office", "facility"), [
    (2026, "58558", "1269.90", "204.41"),   # 38.02 and 6.12 total RVUs x 33.4009
    (2026, "57461", "349.37", "161.66"),    # 10.46 and 4.84 x 33.4009
    (2026, "58563", None, "217.11"),        # 6.50 facility total x 33.4009
    (2025, "57461", "334.46", "177.91"),    # 10.34 and 5.50 x 32.3465
])
def test_national_payment(cms_rvus, year, code, office, facility):
    r = rows(cms_rvus, year)[(code, "")]
    rel = release(cms_rvus, year)
    if office is not None:
        assert amount(r, rel, "office") == Decimal(office)
    assert amount(r, rel, "facility") == Decimal(facility)


def test_manhattan_office_visit(cms_rvus, cms_gpcis):
    # (1.30 x 1.064 + 1.46 x 1.162 + 0.09 x 1.586) x 33.4009 = 107.63
    r = rows(cms_rvus, 2026)[("99213", "")]
    manhattan = locality(cms_gpcis, 2026, "13202", "01")
    assert amount(r, release(cms_rvus, 2026), "office", manhattan) == Decimal("107.63")


def test_not_priced_setting_has_no_amount(cms_rvus):
    """A code CMS marks NA in the office has no office amount, not $0 and not the printed total."""
    table = rows(cms_rvus, 2026)
    na_office = next(r for r in table.values() if r.nonfacility_na and r.status == "A" and r.total_facility > 0)
    assert amount(na_office, release(cms_rvus, 2026), "office") is None
    assert amount(na_office, release(cms_rvus, 2026), "facility") is not None


def test_two_unrelated_endoscopies_rank_and_halve(cms_rvus):
    """58558 (family 58555) and 57461 (family 57452): each family is one procedure; the lower one at 50%."""
    table = rows(cms_rvus, 2026)
    rel = release(cms_rvus, 2026)
    res = multiple_procedures([table[("57461", "")], table[("58558", "")]], rel, "office")
    # 38.02 x 33.4009 = 1269.902218 in full; 10.46 x 33.4009 = 349.373414 at 50% = 174.686707
    assert [line.code for line in res.lines] == ["58558", "57461"]
    assert res.total == Decimal("1444.59")
    fac = multiple_procedures([table[("57461", "")], table[("58558", "")]], rel, "facility")
    # 6.12 x 33.4009 = 204.413508; 4.84 x 33.4009 / 2 = 80.830178
    assert fac.total == Decimal("285.24")


def test_same_endoscopy_family_pays_the_other_minus_its_base(cms_rvus):
    """57454 and 57461 share base 57452: 57461 in full, 57454 at its value minus 57452's value."""
    table = rows(cms_rvus, 2026)
    rel = release(cms_rvus, 2026)
    r454, r461, r452 = table[("57454", "")], table[("57461", "")], table[("57452", "")]
    assert r454.endo_base == r461.endo_base == "57452"
    res = multiple_procedures([r454, r461], rel, "office", rows=table)
    cf = rel.conversion_factor
    expected = cents(r461.total_nonfacility * cf) + cents(
        max(r454.total_nonfacility * cf - r452.total_nonfacility * cf, 0))
    assert res.total == expected
    assert res.lines[0].code == "57461"


def test_standard_rule_is_100_then_50_and_indicator_0_is_never_reduced(cms_rvus):
    table = rows(cms_rvus, 2026)
    rel = release(cms_rvus, 2026)
    a, b, visit = table[("58120", "")], table[("57500", "")], table[("99213", "")]
    assert (a.mult_proc, b.mult_proc, visit.mult_proc) == ("2", "2", "0")
    res = multiple_procedures([b, a, visit], rel, "office")
    cf = rel.conversion_factor
    hi, lo = sorted([a.total_nonfacility * cf, b.total_nonfacility * cf], reverse=True)
    assert res.total == cents(hi) + cents(lo * 0.5) + cents(visit.total_nonfacility * cf)


def test_multiple_procedures_with_an_unpriced_code_has_no_total(cms_rvus):
    table = rows(cms_rvus, 2026)
    na_office = next(r for r in table.values() if r.nonfacility_na and r.status == "A" and r.mult_proc == "2")
    res = multiple_procedures([table[("58120", "")], na_office], release(cms_rvus, 2026), "office")
    assert res.total is None
    assert "not priced in the office (CMS: NA)" in res.notes[0]
