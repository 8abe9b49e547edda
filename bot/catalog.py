"""The codes the engine can name: curated entries first, then every code of an imported CMS release.

Two things live here because they change together when a release is imported:
- `merge_store`: the fee years of the data directory laid over the shipped ones (an imported release of
  the same year and the same or a later quarter replaces the shipped rows; curated words always win);
- `name_index`: the word index over every nameable code. Imported codes are named by their CMS short
  descriptor with CMS's abbreviations expanded ("Xcapsl ctrc rmvl w/o ecp" -> "extracapsular cataract
  removal without ..."), plus the everyday names of `knowledge/common_names.yaml`. Building it over
  17,000 codes takes longer than answering thousands of questions, so it is kept in the data directory's
  `cache/` and reused while the knowledge files and the imported releases are unchanged.

Caches are JSON (`compiled`), never pickle: a file in the data directory is data, and loading it can only
make instances of cptbot's own classes (named in the file, checked against `bot.` modules; records are
records and other objects are filled without running their code), never run anything.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib
import json
import os
import sqlite3
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from bot.answers.titles import glued_number
from bot.knowledge import KnowledgeBase
from bot.lazylog import LazyLogger
from bot.record import Record, replace
from bot.records import CodeEntry, FeeYear
from bot.understanding.procedures import ProcedureIndex
from bot.understanding.words import Words

if TYPE_CHECKING:
    from bot.store import Store
    from bot.understanding.name_search import NameSearch

log = LazyLogger(__name__)
INDEX_FORMAT = 3  # bump when ProcedureIndex or the naming rules change shape
T = TypeVar("T")
# The modules whose code shapes what is cached: a change to any of them invalidates every cache entry.
_CODE = ("knowledge.py", "records.py", "yamlfile.py", "catalog.py", "understanding/words.py",
         "understanding/procedures.py")


def merge_store(kb: KnowledgeBase, store: Store | None) -> KnowledgeBase:
    """The knowledge base with the data directory's releases merged in (`store` None: unchanged).

    For each year the newer release wins: a full RVU26D import replaces shipped RVU26C rows; an older
    import of a year we ship newer is left out, so numbers of one year never mix two releases. The
    shipped qualifying-APM conversion factor is kept when the imported file (which lacks it) is of the
    same year.
    """
    if store is None or not store.years:
        return kb
    years: dict[int, FeeYear] = dict(kb.years)
    merged = False
    for year, imported in store.years.items():
        shipped = years.get(year)
        if shipped is not None and imported.release.name < shipped.release.name:
            continue
        release = imported.release
        if shipped is not None and release.qp_conversion_factor is None and shipped.release.qp_conversion_factor:
            release = replace(release, qp_conversion_factor=shipped.release.qp_conversion_factor)
        localities = imported.localities or (shipped.localities if shipped else ())
        years[year] = FeeYear(release=release, rvus=imported.rvus, localities=localities)
        merged = True
    if not merged:
        return kb
    return replace(kb, years=years, zip_localities=store.zip_localities, imported=True)


def expand_descriptor(descriptor: str, abbreviations: dict[str, str], words: Words) -> str:
    """A CMS short descriptor in plain words, token by token, for matching (never shown as our text)."""
    return " ".join(glued_number(token, abbreviations) or abbreviations.get(token, token)
                    for token in words.surface(descriptor))


def nameable_entries(kb: KnowledgeBase, words: Words) -> list[CodeEntry]:
    """Curated entries, then each imported code once (the newest year's global row names it)."""
    entries = list(kb.codes.values())
    if not kb.imported:
        return entries
    newest = kb.years[kb.newest_year]
    for (code, modifier), row in newest.rvus.items():
        if modifier or code in kb.codes:
            continue
        common = kb.common_names.get(code)
        entries.append(CodeEntry(
            code=code, name=expand_descriptor(row.description, kb.abbreviations, words),
            synonyms=common.synonyms if common else (), primary_for=common.primary_for if common else (),
            curated=False))
    return entries


def words_digest(kb: KnowledgeBase) -> str:
    """The part of `kb_fingerprint` that comes from the knowledge files: every entry source and the lexicon.
    It takes ~10 ms, so `Engine.load` keeps it beside the cached knowledge base it was made from."""
    lex = kb.lexicon  # sets are listed sorted: their order changes with each process's hash seed
    parts = (INDEX_FORMAT, sorted(kb.codes.items()), sorted(kb.common_names.items()), sorted(kb.modifiers.items()),
             sorted(kb.abbreviations.items()), sorted(lex.equivalents.items()), sorted(lex.stopwords),
             sorted(lex.rewrites.items()), sorted(lex.settings.items()), sorted(lex.negations))
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def kb_fingerprint(kb: KnowledgeBase, words: str = "") -> str:
    """What the index depends on: the words of every entry source, the lexicon (`words_digest`, given when the
    caller has it), the imported releases."""
    h = hashlib.sha256((words or words_digest(kb)).encode())
    h.update(repr(sorted((y, fy.release) for y, fy in kb.years.items())).encode())  # a release carries its sha256
    return h.hexdigest()[:24]


def files_fingerprint(*folders: Path, seen: dict[str, str] | None = None) -> str:
    """A digest of every YAML file under `folders` and of the code that reads them.

    Reading and hashing a few hundred kilobytes takes about a millisecond; parsing them takes two hundred.
    The code is the modules that shape the knowledge base by content, and every module of the packages whose
    loaders read a YAML file of it (topics, situations, sites, drugs, ...) by size and time (`code_stamp`), so
    a loader changed with the YAML unchanged is not answered from a knowledge base its old self read.
    `seen` (see `_once`) lets one start share what it read with `reading_key`.
    """
    h = hashlib.sha256(str(INDEX_FORMAT).encode())
    here = os.path.dirname(os.path.abspath(__file__))
    for name in _CODE:
        with open(os.path.join(here, name), "rb") as fh:
            h.update(fh.read())
    h.update(_once(seen, "", code_stamp).encode())
    for folder in folders:
        h.update(_once(seen, str(folder), _yaml_digest).encode())
    return h.hexdigest()[:24]


def _once(seen: dict[str, str] | None, folder: str, digest: Callable[..., str]) -> str:
    """`digest(folder)` (the code stamp for ""), taken from `seen` when this start already worked it out.

    `seen` lives for one `Engine.load`: the knowledge folder and the code go into both the knowledge cache's
    key and the reading tables' key, and reading them twice was 2% of a one-question `cptbot ask`. It is
    never kept longer, so a folder edited between two loads in one process is read again.
    """
    if seen is None:
        return digest(folder) if folder else digest()
    if folder not in seen:
        seen[folder] = digest(folder) if folder else digest()
    return seen[folder]


def code_stamp() -> str:
    """The engine's modules by name, size and modification time (reading them all took longer than the YAML)."""
    here = os.path.dirname(os.path.abspath(__file__))
    parts = []
    for sub in ("", "understanding", "answers", "facility"):
        with os.scandir(os.path.join(here, sub)) as entries:
            code = sorted((e.name, e.stat()) for e in entries if e.name.endswith(".py"))
        parts += [f"{sub}/{name}:{st.st_size}:{st.st_mtime_ns}" for name, st in code]
    return "\n".join(parts)


def _yaml_digest(folder: str) -> str:
    """A digest of every YAML file under `folder` (names relative to it, and contents). It is taken at every
    start, so the folder is walked with `os.walk` and plain strings (cheaper than `Path.rglob`)."""
    h = hashlib.sha256()
    found = []
    start = len(folder.rstrip(os.sep)) + 1
    for root, dirs, files in os.walk(folder):
        dirs.sort()
        found += [os.path.join(root, f) for f in files if f.endswith(".yaml")]
    for path in sorted(found, key=lambda p: p[start:]):
        with open(path, "rb") as fh:
            h.update(path[start:].encode() + b"\0" + fh.read())
    return h.hexdigest()


class _NotCacheable(TypeError):
    """A value holds something the JSON cache cannot write (it is then built at every start instead)."""


_PLAIN = (str, int, float, bool, type(None))
_CLASSES: dict[str, type] = {}


def _encode(value: object) -> object:
    """`value` as JSON-ready data; tuples, sets and non-string keys are tagged so `_decode` restores them."""
    if isinstance(value, _PLAIN):
        return value
    if isinstance(value, list):
        return [_encode(v) for v in value]
    if isinstance(value, tuple):
        return {"~t": [_encode(v) for v in value]}
    if isinstance(value, frozenset | set):
        return {"~f" if isinstance(value, frozenset) else "~s": [_encode(v) for v in value]}
    if isinstance(value, dict):
        if all(type(k) is str and not k.startswith("~") for k in value):
            return {k: _encode(v) for k, v in value.items()}
        return {"~m": [[_encode(k), _encode(v)] for k, v in value.items()]}
    cls = type(value)
    if not cls.__module__.startswith("bot."):
        raise _NotCacheable(f"{cls.__module__}.{cls.__qualname__}")
    if isinstance(value, Record):  # its fields in order: the file need not repeat their names
        return {"~r": f"{cls.__module__}:{cls.__qualname__}",
                "~a": [_encode(getattr(value, name)) for name in cls.__record_fields__]}
    if not hasattr(value, "__dict__"):
        raise _NotCacheable(f"{cls.__module__}.{cls.__qualname__}")
    return {"~o": f"{cls.__module__}:{cls.__qualname__}", "~v": {k: _encode(v) for k, v in vars(value).items()}}


def _class(name: str) -> type:
    cls = _CLASSES.get(name)
    if cls is None:
        module, _, qualname = name.partition(":")
        if not module.startswith("bot.") or "." in qualname:
            raise ValueError(f"not a cptbot class: {name}")
        found = getattr(importlib.import_module(module), qualname, None)
        if not isinstance(found, type) or found.__module__ != module:
            raise ValueError(f"not a cptbot class: {name}")
        cls = _CLASSES[name] = found
    return cls


def _object_hook(d: dict) -> object:
    if len(d) > 2 or not d:
        return d
    key = next(iter(d))
    if key[:1] != "~":
        return d
    if key == "~t":
        return tuple(d[key])
    if key == "~f":
        return frozenset(d[key])
    if key == "~s":
        return set(d[key])
    if key == "~m":
        return {(tuple(k) if isinstance(k, list) else k): v for k, v in d[key]}
    if key == "~r":
        cls = _class(d["~r"])
        if not issubclass(cls, Record):
            raise ValueError(f"not a record class: {d['~r']}")
        return cls._from_fields(d["~a"])
    if key == "~o":
        obj = object.__new__(_class(d["~o"]))
        obj.__dict__.update(d["~v"])
        return obj
    return d


def _decode(text: str) -> object:
    return json.loads(text, object_hook=_object_hook)


def compiled(cache_dir: Path | None, kind: str, key: str, build: Callable[[], T]) -> T:
    """`build()`, or its cached result from an earlier process with the same `key`.

    Used for what costs more to build than to load: the validated knowledge base and the word indexes.
    The cache is JSON (see the module docstring). A cache that cannot be read or written (read-only or
    full disk, damaged file) is ignored: the value is built in memory. Entries of the same kind with
    another key are removed when a new one is written.
    """
    if cache_dir is None:
        return build()
    found = cached(cache_dir, kind, key)
    if found is not None:
        return found  # type: ignore[return-value]
    value = build()
    save(cache_dir, kind, key, value)
    return value


def cached(cache_dir: Path | None, kind: str, key: str) -> object | None:
    """What `save` wrote under `kind` and `key`, or None (no cache, another key, an unreadable file)."""
    if cache_dir is None:
        return None
    try:
        return _decode((cache_dir / f"{kind}-{key}.json").read_text(encoding="utf-8"))
    except (OSError, ValueError, TypeError, AttributeError, ImportError, KeyError):
        return None


def save(cache_dir: Path, kind: str, key: str, value: object) -> None:
    """Write `value` as the cache entry of `kind` with `key` (replacing that kind's older entries); a value
    or a folder that cannot be written is logged and left out."""
    path = cache_dir / f"{kind}-{key}.json"
    try:
        text = json.dumps(_encode(value), ensure_ascii=False, separators=(",", ":"))
    except (_NotCacheable, ValueError) as exc:
        log.info("%s not cached (%s); it is rebuilt at each start", kind, exc)
        return
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        for old in (*cache_dir.glob(f"{kind}-*.json"), *cache_dir.glob(f"{kind}-*.pickle")):
            old.unlink(missing_ok=True)
        import tempfile  # only when a cache is written (a start that reads caches skips it)
        fd, tmp = tempfile.mkstemp(dir=cache_dir, prefix=f".{kind}-")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except OSError as exc:
        log.info("%s not cached (%s); it is rebuilt at each start", kind, exc.strerror or type(exc).__name__)


def cached_knowledge(cache_dir: Path | None, knowledge_dir: Path, key: str) -> tuple[KnowledgeBase, str]:
    """The validated knowledge base of `knowledge_dir` and its `words_digest`, from the cache when `key`
    (`files_fingerprint`) is current, else read from the YAML (and cached).

    The everyday names of common codes are half of the cache and only build word indexes (themselves
    cached), so they are a cache entry of their own, read the first time something asks for them.
    """
    from bot.knowledge import load_knowledge

    found = cached(cache_dir, "knowledge", key)
    if cache_dir is not None and isinstance(found, tuple) and len(found) == 2:
        kb, words = found
        return replace(kb, common_names=_CommonNames(cache_dir, knowledge_dir, key)), words
    kb = load_knowledge(knowledge_dir)
    words = words_digest(kb)
    if cache_dir is not None:
        save(cache_dir, "common-names", key, kb.common_names)
        save(cache_dir, "knowledge", key, (replace(kb, common_names={}), words))
    return kb, words


class _CommonNames(Mapping[str, CodeEntry]):
    """`KnowledgeBase.common_names` read from the cache on first use (from the YAML if that entry is gone)."""

    def __init__(self, cache_dir: Path, knowledge_dir: Path, key: str):
        self._where = (cache_dir, knowledge_dir, key)
        self._names: dict[str, CodeEntry] | None = None

    def _all(self) -> dict[str, CodeEntry]:
        if self._names is None:
            cache_dir, knowledge_dir, key = self._where
            names = cached(cache_dir, "common-names", key)
            if not isinstance(names, dict):
                from bot.knowledge import load_knowledge

                names = load_knowledge(knowledge_dir).common_names
            self._names = names
        return self._names

    def __getitem__(self, code: str) -> CodeEntry:
        return self._all()[code]

    def __iter__(self) -> Iterator[str]:
        return iter(self._all())

    def __len__(self) -> int:
        return len(self._all())

    def __repr__(self) -> str:
        return repr(self._all())


def reading_key(kb_key: str, *folders: Path, seen: dict[str, str] | None = None) -> str:
    """What the engine's reading tables (intents, phrases, the speller's words) are made from: the knowledge
    base (`kb_fingerprint`), the YAML under `folders`, and the code that reads them (`seen`: see `_once`)."""
    h = hashlib.sha256(kb_key.encode())
    h.update(_once(seen, "", code_stamp).encode())
    for folder in folders:
        h.update(_once(seen, str(folder), _yaml_digest).encode())
    return h.hexdigest()[:24]


def names_key(kb: KnowledgeBase, fingerprint: str = "") -> str:
    """The fingerprint the store's name tables are made with (`bot.understanding.name_search`); `fingerprint`
    is `kb_fingerprint(kb)` when the caller has it already (it takes ~10 ms)."""
    from bot.understanding.name_search import NAMES_FORMAT

    return f"{NAMES_FORMAT}-{fingerprint or kb_fingerprint(kb)}"


def write_names(con: sqlite3.Connection, kb: KnowledgeBase) -> int:
    """Write the FTS5 name tables of every nameable code of `kb` into `con` (import and cache use this)."""
    from bot.understanding.name_search import write_names as write

    words = Words(kb.lexicon)
    return write(con, nameable_entries(kb, words), words, names_key(kb))


def name_index(kb: KnowledgeBase, words: Words, cache_dir: Path | None, key: str,
               store: Store | None = None) -> ProcedureIndex | NameSearch:
    """The word index over every nameable code.

    With an imported release: the FTS5 name tables `cptbot kb import` wrote into the store, or, when the
    knowledge files changed since (another fingerprint), the same tables written once into the cache folder
    (in memory when there is none). Without one: the curated codes' index, from the cache when `key`
    (`kb_fingerprint`) is current.
    """
    if not kb.imported:
        return compiled(cache_dir, "name-index", key, lambda: ProcedureIndex(nameable_entries(kb, words), words))
    from bot.understanding.name_search import NameSearch, stored_key

    want = names_key(kb, key)
    db = store.db if store is not None else None
    if db is not None:
        with db.lock:
            current = stored_key(db.con)
        if current == want:
            return NameSearch(db.con, db.lock)
    if cache_dir is not None:
        path = cache_dir / f"names-{want}.sqlite3"
        try:
            if not path.exists():
                _write_names_file(path, kb, cache_dir)
            return NameSearch.open(path)
        except (OSError, sqlite3.Error) as exc:
            log.info("name index not cached (%s); it is built in memory", exc)
    con = sqlite3.connect(":memory:", check_same_thread=False)
    write_names(con, kb)
    return NameSearch(con)


def _write_names_file(path: Path, kb: KnowledgeBase, cache_dir: Path) -> None:
    """The name tables in a cache file of their own, written beside and swapped in whole."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    import tempfile
    fd, tmp = tempfile.mkstemp(dir=cache_dir, prefix=".names-")
    os.close(fd)
    try:
        con = sqlite3.connect(tmp, isolation_level=None)
        try:
            con.execute("PRAGMA journal_mode = OFF")
            con.execute("BEGIN")
            write_names(con, kb)
            con.execute("COMMIT")
        finally:
            con.close()
        for old in cache_dir.glob("names-*.sqlite3"):
            old.unlink(missing_ok=True)
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
