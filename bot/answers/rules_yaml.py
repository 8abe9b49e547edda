"""Reading the lists of rules (topics, situations, declines) from `knowledge/*.yaml` with pointed problems.

The three files share a shape: one top-level key holding a list of entries, each with an `id` and word
patterns under `when`. Every problem is reported as `file:line: entry: field: what is wrong`, like the
rest of the knowledge base, so a mistake in a new topic is fixed from the message alone.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bot.yamlfile import LineMap, Problems, check_fields, load_yaml

MODIFIER_CHARS = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")


def load_entries(root: Path, filename: str, key: str, spec: dict, problems: Problems) -> list[LineMap]:
    """The usable entries of `root/filename` under `key`; a missing file is no entries (the rules are optional)."""
    path = root / filename
    if not path.exists():
        return []
    disp = f"knowledge/{filename}"
    doc = load_yaml(path, disp, problems)
    if doc is None:
        return []
    if not isinstance(doc, LineMap) or not isinstance(doc.get(key), list):
        problems.add(disp, 1, "(file)", key, f"the file must hold `{key}:` with a list of entries")
        return []
    out: list[LineMap] = []
    seen: dict[str, int] = {}
    for i, entry in enumerate(doc[key]):
        name = str(entry.get("id", f"entry {i + 1}")) if isinstance(entry, dict) else f"entry {i + 1}"
        if not check_fields(entry, spec, problems, disp, name, doc.line_of(key)):
            continue
        if name in seen:
            problems.add(disp, entry.line_of("id"), name, "id", f"already used by the entry on line {seen[name]}")
            continue
        seen[name] = entry.line
        out.append(entry)
    return out


def is_modifier_list(value: Any) -> str | None:
    if not isinstance(value, list) or not all(
            isinstance(v, str) and len(v) == 2 and set(v) <= MODIFIER_CHARS for v in value):
        return "must be a list of quoted two-character modifiers, like [\"53\", \"XS\"]"
    return None


def is_code_list(value: Any) -> str | None:
    if not isinstance(value, list) or not all(isinstance(v, str) and len(v) == 5 and v.isalnum() for v in value):
        return "must be a list of quoted five-character codes, like [\"G0559\"]"
    return None


def is_modifier_map(value: Any) -> str | None:
    if not isinstance(value, dict) or not all(
            isinstance(k, str) and len(k) == 2 and isinstance(v, str) and v.strip() for k, v in value.items()):
        return "must map a quoted modifier to the sentence that explains why not, like \"52\": \"...\""
    return None


def text(entry: LineMap, key: str) -> str:
    return " ".join(str(entry.get(key) or "").split())


def texts(entry: LineMap, key: str) -> tuple[str, ...]:
    return tuple(" ".join(v.split()) for v in entry.get(key) or () if isinstance(v, str))


def check_modifiers_defined(disp: str, entry: LineMap, name: str, fields: tuple[str, ...], known: set[str],
                            problems: Problems) -> None:
    """Modifiers a rule names must be explained in modifiers.yaml, so the answer can say what they are."""
    for fld in fields:
        values = entry.get(fld) or ()
        for mod in (values.keys() if isinstance(values, dict) else values):
            if mod not in known:
                problems.add(disp, entry.line_of(fld), name, fld, f"modifier {mod} is not defined in modifiers.yaml")
