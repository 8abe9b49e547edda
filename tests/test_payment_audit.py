"""An audit, as a skeptical coder would run it: `cptbot kb import ../shared/data/cms` once, then hundreds of
seeded questions across the payment-statement classes of issue 7 and both years through the real
`cptbot ask --json -`, each answer checked against figures worked from the CMS files in this test.
"""

from __future__ import annotations

import json
import os
import random
import re
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from bot.fees import cents, payable

ROOT = Path(__file__).resolve().parents[1]
CMS = ROOT.parent / "shared" / "data" / "cms"
SEED = 7
NO_AMOUNT = "no Medicare physician fee schedule amount"
PER_CLASS = 15


def cptbot(*args: str, data_dir: Path, stdin: str | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "CPTBOT_DATA_DIR": str(data_dir)}
    return subprocess.run([sys.executable, "-m", "bot.cli", *args], input=stdin, capture_output=True, text=True,
                          env=env, cwd=ROOT, timeout=600, check=False)


@pytest.fixture(scope="session")
def audit_dir(tmp_path_factory) -> Path:
    data_dir = tmp_path_factory.mktemp("audit") / "data"
    done = cptbot("kb", "import", str(CMS), data_dir=data_dir)
    assert done.returncode == 0, done.stderr
    return data_dir


def sample(rng: random.Random, pool: list, n: int) -> list:
    return rng.sample(pool, min(n, len(pool)))


def money(value) -> str:
    return f"${cents(float(value)):,.2f}"


def ask_all(questions: list[str], data_dir: Path) -> list[dict]:
    done = cptbot("ask", "--json", "-", data_dir=data_dir, stdin="\n".join(questions) + "\n")
    assert done.returncode == 0, done.stderr
    answers = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
    assert len(answers) == len(questions)
    return answers


def headline(answer: dict) -> str:
    lines = answer["text"].split("\n")
    return lines[1] if " · " in lines[0] and len(lines) > 1 else lines[0]


def test_seeded_questions_across_every_class_and_both_years(audit_dir, cms_rvus, cms_gpcis):
    rng = random.Random(SEED)
    checks: list[tuple[str, str, object]] = []  # (question, class, expectation)
    for year, f in cms_rvus.items():
        cf = f.conversion_factor
        rows = {(r.code, r.modifier): r for r in f.rows}
        whole = [r for r in f.rows if not r.modifier]
        # 1. status: no dollars for codes Medicare does not pay from RVUs
        unpaid = [r for r in whole if not payable(r)]
        for r in sample(rng, unpaid, PER_CLASS * 3):
            checks.append((f"{year} medicare payment for {r.code}", "unpaid", r))
        # paid codes: the amounts, and NA settings named
        paid = [r for r in whole if payable(r)]
        for r in sample(rng, paid, PER_CLASS * 3):
            checks.append((f"{year} medicare payment for {r.code}", "paid", (r, cf)))
        # the OPPS imaging cap, on every code it lowers
        capped = [r for r in paid if r.opps_pe_nonfacility and not r.nonfacility_na
                  and r.work + r.opps_pe_nonfacility + r.opps_mp < r.total_nonfacility]
        for r in capped:
            checks.append((f"{year} medicare payment for {r.code}", "paid", (r, cf)))
        # 2. NA in the work-RVU headline
        na = [r for r in paid if r.nonfacility_na or r.facility_na]
        for r in sample(rng, na, PER_CLASS):
            checks.append((f"{year} wrvu for {r.code}", "na_rvu", r))
        # 3. modifier-only rows
        only = sorted({c for c, m in rows if m} - {c for c, m in rows if not m})
        for code in only:
            r = next(rows[(code, m)] for m in ("26", "TC", "53") if (code, m) in rows)
            checks.append((f"{year} medicare payment for {code}", "paid", (r, cf)))
        # 5. bilateral
        for ind, factor in (("0", 1.0), ("1", 1.5), ("2", 1.0), ("3", 2.0)):
            pool = [r for r in paid if r.bilateral == ind and not r.facility_na and r.code[0].isdigit()]
            for r in sample(rng, pool, 3):
                checks.append((f"{year} payment for {r.code} with modifier 50", "bilateral", (r, cf * factor)))
        # 4, 6, 7. several procedures: the total is the sum of the lines shown; unpaid codes left out
        for mpi in ("2", "3", "4", "5", "6", "7"):
            pool = [r for r in paid if r.mult_proc == mpi and not r.nonfacility_na]
            for _ in range(3):
                a, b = sample(rng, pool, 2)  # every indicator has at least two codes
                checks.append((f"{year} calc {a.code} {b.code}", "sum", None))
        for _ in range(3):
            a, b = rng.choice(paid), rng.choice(unpaid)
            checks.append((f"{year} calc {a.code} {b.code}", "calc_unpaid", b))
        # 8. the modifier's own amount leads
        assisted = [r for r in paid if r.assistant == "2" and not r.facility_na]
        for r in sample(rng, assisted, PER_CLASS):
            mod, share = rng.choice((("80", 0.16), ("AS", 0.136)))
            checks.append((f"{year} payment for {r.code}-{mod}", "modifier", (r, cf * share)))
        # 10. every locality by its CMS name, priced with its GPCIs
        visit = rows[("99213", "")]
        for loc in cms_gpcis[year]:
            office = (visit.work * loc.work_gpci + visit.pe_nonfacility * loc.pe_gpci + visit.mp * loc.mp_gpci) * cf
            name = loc.name.rstrip("*").strip()
            checks.append((f"{year} payment for 99213 in {name}", "place", (loc, office)))
    for zip_code in ("99999", "00000"):
        checks.append((f"payment for 99213 zip {zip_code}", "zip", zip_code))
    answers = ask_all([q for q, _, _ in checks], audit_dir)
    failures = []
    for (question, kind, expect), answer in zip(checks, answers, strict=True):
        head, text = headline(answer), answer["text"]
        problem = ""
        if kind == "unpaid":
            if "$" in head or NO_AMOUNT not in head or re.search(r"Medicare pays \$", text):
                problem = "an unpaid code shown as paid"
        elif kind == "paid":
            r, cf = expect
            for setting, total, na, opps_pe in (
                    ("in the office", r.total_nonfacility, r.nonfacility_na, r.opps_pe_nonfacility),
                    ("in a facility", r.total_facility, r.facility_na, r.opps_pe_facility)):
                if opps_pe or r.opps_mp:  # the OPPS imaging cap: the lower of the two amounts
                    total = min(total, r.work + opps_pe + r.opps_mp)
                want = f"not priced {setting} (CMS: NA)" if na else f"{money(total * cf)} {setting}"
                if want not in head:
                    problem += f" wanted {want!r};"
        elif kind == "na_rvu":
            r = expect
            for setting, total, na in (("in the office", r.total_nonfacility, r.nonfacility_na),
                                       ("in a facility", r.total_facility, r.facility_na)):
                if na and (f"total {total:.2f} {setting}" in head or f"not priced {setting} (CMS: NA)" not in head):
                    problem += f" NA {setting} not said;"
        elif kind == "bilateral":
            r, factor_cf = expect
            if money(r.total_facility * factor_cf) not in head:
                problem = f"bilateral amount {money(r.total_facility * factor_cf)} missing"
        elif kind == "modifier":
            r, share_cf = expect
            if not head.startswith(f"{r.code} with modifier") or money(r.total_facility * share_cf) not in head:
                problem = f"modifier amount {money(r.total_facility * share_cf)} does not lead"
        elif kind == "place":
            loc, office = expect
            if f"locality {loc.mac}-{loc.number})" not in head or f"{money(office)} in the office" not in head:
                problem = f"wanted {loc.mac}-{loc.number} at {money(office)}"
        elif kind == "zip":
            if f"I don't know ZIP {expect}" not in head or "$" in text:
                problem = "unknown ZIP not said"
        elif kind in ("sum", "calc_unpaid"):
            for block in text.split("\n\n"):
                shown = [Decimal(m[1:].replace(",", "")) for m in re.findall(r"-> (\$[\d,]+\.\d\d)", block)]
                total = re.search(r"Total: \$([\d,]+\.\d\d)", block)
                if total and sum(shown) != Decimal(total.group(1).replace(",", "")):
                    problem = "lines do not add up to the total"
            if kind == "calc_unpaid" and f"{expect.code}: not counted" not in text:
                problem += " unpaid code counted"
        if problem:
            failures.append(f"{question}: {problem} -> {head}")
    assert len(checks) > 500
    assert not failures, "\n".join(failures[:20])
