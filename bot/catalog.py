"""The codes the engine can name: curated entries first, then every code of an imported CMS release.

Two things live here because they change together when a release is imported:
- `merge_store`: the fee years of the data directory laid over the shipped ones (an imported release of
  the same year and the same or a later quarter replaces the shipped rows; curated words always win);
- `name_index`: the word index over every nameable code. Imported codes are named by their CMS short
  descriptor with CMS's abbreviations expanded ("Xcapsl ctrc rmvl w/o ecp" -> "extracapsular cataract
  removal without ..."), plus the everyday names of `knowledge/common_names.yaml`. Building it over
  17,000 codes takes longer than answering thousands of questions, so it is pickled in the data
  directory and reused while the knowledge files and the imported releases are unchanged.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import tempfile
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from bot.knowledge import KnowledgeBase
from bot.records import CodeEntry, FeeYear
from bot.understanding.procedures import ProcedureIndex
from bot.understanding.words import Words

if TYPE_CHECKING:
    from bot.store import Store

log = logging.getLogger(__name__)
INDEX_FORMAT = 2  # bump when ProcedureIndex or the naming rules change shape
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
    out = []
    for token in words.surface(descriptor):
        out.append(abbreviations.get(token, token))
    return " ".join(out)


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


def kb_fingerprint(kb: KnowledgeBase) -> str:
    """What the index depends on: the words of every entry source, the lexicon, the imported releases."""
    h = hashlib.sha256()
    lex = kb.lexicon  # sets are listed sorted: their order changes with each process's hash seed
    parts = (INDEX_FORMAT, sorted(kb.codes.items()), sorted(kb.common_names.items()), sorted(kb.modifiers.items()),
             sorted(kb.abbreviations.items()), sorted(lex.equivalents.items()), sorted(lex.stopwords),
             sorted(lex.rewrites.items()), sorted(lex.settings.items()),
             sorted((y, fy.release) for y, fy in kb.years.items()))  # an imported release carries its sha256
    h.update(repr(parts).encode())
    return h.hexdigest()[:24]


def files_fingerprint(*folders: Path) -> str:
    """A digest of every YAML file under `folders` and of the code that reads them.

    Reading and hashing a few hundred kilobytes takes about a millisecond; parsing them takes two hundred.
    """
    h = hashlib.sha256(str(INDEX_FORMAT).encode())
    here = Path(__file__).resolve().parent
    for name in _CODE:
        h.update((here / name).read_bytes())
    for folder in folders:
        for path in sorted(folder.rglob("*.yaml")):
            h.update(str(path.relative_to(folder)).encode() + b"\0" + path.read_bytes())
    return h.hexdigest()[:24]


def compiled(cache_dir: Path | None, kind: str, key: str, build: Callable[[], T]) -> T:
    """`build()`, or its pickled result from an earlier process with the same `key`.

    Used for what costs more to build than to load: the validated knowledge base and the word indexes.
    A cache that cannot be read or written (read-only or full disk) is ignored: the value is built in
    memory. Entries of the same kind with another key are removed when a new one is written.
    """
    if cache_dir is None:
        return build()
    path = cache_dir / f"{kind}-{key}.pickle"
    try:
        with path.open("rb") as fh:
            return pickle.load(fh)
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError):
        pass
    value = build()
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        for old in cache_dir.glob(f"{kind}-*.pickle"):
            old.unlink(missing_ok=True)
        fd, tmp = tempfile.mkstemp(dir=cache_dir, prefix=f".{kind}-")
        with os.fdopen(fd, "wb") as fh:
            pickle.dump(value, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    except OSError as exc:
        log.info("%s not cached (%s); it is rebuilt at each start", kind, exc.strerror or type(exc).__name__)
    return value


def name_index(kb: KnowledgeBase, words: Words, cache_dir: Path | None, key: str) -> ProcedureIndex:
    """The word index over every nameable code, from the cache when `key` (`kb_fingerprint`) is current."""
    return compiled(cache_dir, "name-index", key, lambda: ProcedureIndex(nameable_entries(kb, words), words))
