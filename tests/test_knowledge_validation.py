"""A broken knowledge base is reported as `file:line: entry: field: what is wrong`, and the bot refuses it."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.knowledge import load_knowledge
from bot.yamlfile import KnowledgeError
from tests.conftest import ROOT


@pytest.fixture
def kb_copy(tmp_path: Path) -> Path:
    dest = tmp_path / "knowledge"
    shutil.copytree(ROOT / "knowledge", dest)
    return dest


def first_code_file(kb_dir: Path) -> Path:
    return sorted((kb_dir / "codes").glob("*.yaml"))[0]


def problems_of(kb_dir: Path) -> list[str]:
    with pytest.raises(KnowledgeError) as err:
        load_knowledge(kb_dir)
    return [str(p) for p in err.value.problems]


def line_of(path: Path, needle: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if needle in line)


def test_shipped_knowledge_base_is_valid(kb):
    assert len(kb.codes) == 47
    assert {"25", "59", "XU", "AS", "KX"} <= set(kb.modifiers)
    assert set(kb.global_periods) == {"000", "010", "090", "MMM", "XXX", "YYY", "ZZZ"}


def test_missing_field_names_file_line_entry_field(kb_copy):
    path = first_code_file(kb_copy)
    text = path.read_text()
    code_line = line_of(path, "- code:")
    code = text.splitlines()[code_line - 1].split('"')[1]
    # drop the first entry's description (it may span several lines: a folded block)
    lines = text.splitlines()
    start = next(i for i in range(code_line, len(lines)) if lines[i].strip().startswith("description:"))
    end = start + 1
    while end < len(lines) and lines[end].startswith("      "):
        end += 1
    path.write_text("\n".join(lines[:start] + lines[end:]) + "\n")
    problems = problems_of(kb_copy)
    assert f"knowledge/codes/{path.name}:{code_line}: {code}: description: missing" in problems


def test_wrong_type_points_at_the_field_line(kb_copy):
    path = first_code_file(kb_copy)
    text = path.read_text()
    syn_line = line_of(path, "synonyms:")
    lines = text.splitlines()
    indent = lines[syn_line - 1][: len(lines[syn_line - 1]) - len(lines[syn_line - 1].lstrip())]
    end = syn_line
    while end < len(lines) and lines[end].startswith(indent + "  "):
        end += 1
    lines[syn_line - 1:end] = [f"{indent}synonyms: 42"]
    path.write_text("\n".join(lines) + "\n")
    problems = problems_of(kb_copy)
    assert any(p.startswith(f"knowledge/codes/{path.name}:{syn_line}: ") and ": synonyms: must be a list" in p
               for p in problems), problems


def test_unquoted_global_days_is_explained(kb_copy):
    path = kb_copy / "fees" / "2026.yaml"
    lines = path.read_text().splitlines()
    line = line_of(path, '"57461":')
    assert 'global_days: "000"' in lines[line - 1]
    lines[line - 1] = lines[line - 1].replace('global_days: "000"', "global_days: 000")
    path.write_text("\n".join(lines) + "\n")
    problems = problems_of(kb_copy)
    assert f"knowledge/fees/2026.yaml:{line}: 57461: global_days: must be quoted text (write \"0\"), got the int 0" \
        in problems, problems


def test_yaml_syntax_error_names_file_and_line(kb_copy):
    path = kb_copy / "modifiers.yaml"
    lines = path.read_text().splitlines()
    lines.insert(3, "  - code: [unclosed")
    path.write_text("\n".join(lines) + "\n")
    problems = problems_of(kb_copy)
    assert any(p.startswith("knowledge/modifiers.yaml:") and "(syntax): not valid YAML" in p for p in problems)


def test_duplicate_code_and_dangling_reference(kb_copy):
    path = first_code_file(kb_copy)
    text = path.read_text()
    path.write_text(text.replace('related: ["', 'related: ["12345", "', 1))
    extra = kb_copy / "codes" / "zz_dupe.yaml"
    code = text.split('code: "', 1)[1].split('"', 1)[0]
    extra.write_text(f'codes:\n  - code: "{code}"\n    name: Dupe\n    description: Again.\n    synonyms: [dupe]\n')
    problems = problems_of(kb_copy)
    assert f"knowledge/codes/zz_dupe.yaml:2: {code}: code: already defined in knowledge/codes/{path.name}" in problems
    assert any(": related: 12345 is not a curated code" in p for p in problems)


def test_code_without_fee_row_asks_for_extract(kb_copy):
    (kb_copy / "codes" / "zz_new.yaml").write_text(
        'codes:\n  - code: "58150"\n    name: Total abdominal hysterectomy\n'
        '    description: Removal of the uterus through the abdomen.\n    synonyms: [TAH]\n')
    problems = problems_of(kb_copy)
    assert any("58150: rvus: no RVU row for 58150" in p and "cptbot kb extract" in p for p in problems)


def test_cli_validate_reports_and_exits_nonzero(kb_copy):
    path = kb_copy / "global_periods.yaml"
    path.write_text(path.read_text().replace('code: "090"', 'code: "091"', 1))
    run = subprocess.run([sys.executable, "-m", "bot.cli", "kb", "validate", "--knowledge", str(kb_copy)],
                         capture_output=True, text=True, cwd=ROOT)
    assert run.returncode == 1
    assert "knowledge/global_periods.yaml:" in run.stderr
    assert "091: code: not one of 000, 010, 090" in run.stderr
    assert "Traceback" not in run.stderr


def test_bot_refuses_to_answer_on_an_invalid_knowledge_base(kb_copy):
    path = kb_copy / "lexicon.yaml"
    path.write_text(path.read_text() + "\nstopwords: {oops: 1}\n")
    run = subprocess.run([sys.executable, "-m", "bot.cli", "ask", "leep"], capture_output=True, text=True,
                         cwd=ROOT, env={"CPTBOT_KNOWLEDGE_DIR": str(kb_copy), "PATH": "/usr/bin:/bin"})
    assert run.returncode == 1
    assert "knowledge/lexicon.yaml:" in run.stderr and "stopwords" in run.stderr
    assert run.stdout == ""


def test_relative_year_that_is_not_a_whole_number_is_reported(kb_copy):
    path = kb_copy / "lexicon.yaml"
    path.write_text(path.read_text().replace("  last year: -1", "  last year: minus one", 1))
    line = line_of(path, "last year: minus one")
    assert (f"knowledge/lexicon.yaml:{line}: last year: relative_years: must be a whole number of years, "
            "got 'minus one'") in problems_of(kb_copy)
