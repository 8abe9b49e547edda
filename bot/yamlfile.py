"""Reading the knowledge and intent YAML so that every problem can be pointed at a line.

People who add a synonym or a code edit YAML, not Python; when they make a mistake they must be told
`file:line: entry: field: what is wrong`, not shown a traceback. The loader here keeps the line of every
mapping and of every key, and `Problems` collects messages in that one format.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path
from typing import Any

from bot.record import Record, field


class LineMap(dict):
    """A YAML mapping that remembers where it and each of its keys stand in the file (1-based)."""

    line: int = 0
    key_lines: dict[str, int]

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, self.line)


@cache
def _line_loader() -> type:
    """The YAML loader keeping lines, made on first use: PyYAML takes longer to import than a question takes to
    answer, and a warm start reads its knowledge from the JSON cache (`bot.catalog.compiled`), not YAML."""
    import yaml

    class LineLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
        pass

    def construct_mapping(loader: Any, node: yaml.MappingNode) -> LineMap:
        loader.flatten_mapping(node)
        out = LineMap()
        out.line = node.start_mark.line + 1
        out.key_lines = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            if isinstance(key, int | float | bool):
                key = str(key_node.value)  # "57461:" and "2026:" stay strings, as written
            if key in out:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r} (first on line {out.key_lines[key]})", key_node.start_mark)
            out[key] = loader.construct_object(value_node, deep=True)
            out.key_lines[key] = key_node.start_mark.line + 1
        return out

    LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, construct_mapping)
    return LineLoader


class Problem(Record, frozen=True):
    file: str
    line: int
    entry: str
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.entry}: {self.field}: {self.message}"


class Problems(Record, eq=False):
    """Every problem found in one pass, so a user fixes them all at once instead of one per run."""

    items: list[Problem] = field(default_factory=list)

    def add(self, file: str, line: int, entry: str, fld: str, message: str) -> None:
        self.items.append(Problem(file, line, entry, fld, message))

    def __bool__(self) -> bool:
        return bool(self.items)

    def __iter__(self) -> Iterator[Problem]:
        return iter(self.items)


class KnowledgeError(Exception):
    """The knowledge base or intents are invalid; `problems` says where and why."""

    def __init__(self, problems: Problems):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def load_yaml(path: Path, display: str, problems: Problems) -> Any:
    """Parse one YAML file; a syntax error becomes a Problem (and None is returned)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        problems.add(display, 1, "(file)", "(file)", f"cannot read: {exc}")
        return None
    import yaml

    try:
        return yaml.load(text, Loader=_line_loader())
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else 1
        what = getattr(exc, "problem", None) or str(exc)
        problems.add(display, line, "(file)", "(syntax)", f"not valid YAML: {what}")
        return None


# --- field checks -------------------------------------------------------------------------------------

Check = Callable[[Any], str | None]  # returns what is wrong, or None


def is_text(value: Any) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return "must be non-empty text"
    return None


def is_number(value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return f"must be a number, got {value!r}"
    return None


def is_flag(value: Any) -> str | None:
    return None if isinstance(value, bool) else f"must be true or false, got {value!r}"


def is_text_list(value: Any) -> str | None:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        return "must be a list of non-empty text items"
    return None


def is_code_text(value: Any) -> str | None:
    """Codes and indicators are text: an unquoted 010 would be read as the number 8 by YAML 1.1."""
    if not isinstance(value, str):
        return f"must be quoted text (write \"{value}\"), got the {type(value).__name__} {value!r}"
    return None


def check_fields(entry: Any, spec: dict[str, tuple[Check, bool]], problems: Problems, file: str,
                 name: str, parent_line: int = 0) -> bool:
    """Check `entry` against `spec` (field -> (check, required)); return True if it is usable."""
    if not isinstance(entry, LineMap):
        problems.add(file, parent_line, name, "(entry)", "must be a mapping of field: value")
        return False
    ok = True
    for fld, (check, required) in spec.items():
        if fld not in entry:
            if required:
                problems.add(file, entry.line, name, fld, "missing")
                ok = False
            continue
        wrong = check(entry[fld])
        if wrong:
            problems.add(file, entry.line_of(fld), name, fld, wrong)
            ok = False
    for fld in entry:
        if fld not in spec:
            problems.add(file, entry.line_of(fld), name, str(fld),
                         f"unknown field (expected one of: {', '.join(spec)})")
    return ok
