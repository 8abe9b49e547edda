"""`Record`: the base of cptbot's records, declared like dataclasses and made without generated code.

Why not `dataclasses`: a dataclass compiles its generated `__init__`, `__repr__`, `__eq__` and `__hash__`
when its module is imported. For the ~90 record classes of a one-question `cptbot ask` that was 151M of its
509M instructions, plus 39M to import `dataclasses` (and `inspect`, `ast` with it). `msgspec.Struct` makes
them in C, but importing msgspec brings `typing_extensions`, `inspect` and `ast` (installed here for
psycopg and SQLAlchemy): 82M, a fifth of what was left. A record here is a plain class whose methods are
shared by every record class, so making one costs a class statement and nothing more.

What a subclass gets, as with `@dataclass`: fields from its annotations, in order, with defaults and
`field(default_factory=...)`; `__init__` by position or keyword (a missing or unknown argument is a
TypeError), then `__post_init__` if defined; `__repr__`; `__eq__` by value and type (`eq=False`: by
identity); `frozen=True`: assigning to a field is an AttributeError and the record hashes by value.
`replace`, `fields`, `asdict` and `astuple` work like their `dataclasses` namesakes.
`dataclass_transform` tells type checkers all of this.
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import pairwise
from typing import Any, ClassVar, TypeVar, dataclass_transform

R = TypeVar("R", bound="Record")


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()  # a field with no default


class _Factory:
    """`field(default_factory=...)`: called for each new record, so no two records share a list or dict."""

    __slots__ = ("make",)

    def __init__(self, make: Callable[[], object]):
        self.make = make


def field(*, default: Any = MISSING, default_factory: Callable[[], Any] | None = None) -> Any:
    """A field's default value, or the factory that makes a fresh one for each record."""
    if default_factory is not None:
        if default is not MISSING:
            raise TypeError("a field takes a default or a default_factory, not both")
        return _Factory(default_factory)
    return default


@dataclass_transform(field_specifiers=(field,))
class Record:
    """Base class of records; see the module docstring."""

    __record_fields__: ClassVar[tuple[str, ...]] = ()
    __record_defaults__: ClassVar[dict[str, Any]] = {}
    __record_types__: ClassVar[dict[str, str]] = {}
    __record_post_init__: ClassVar[bool] = False
    __record_values__: ClassVar[dict[str, Any]] = {}  # the defaults that are values, not factories
    __record_factories__: ClassVar[tuple[tuple[str, Callable[[], Any]], ...]] = ()

    def __init_subclass__(cls, *, frozen: bool = False, eq: bool = True, **kwargs: Any):
        super().__init_subclass__(**kwargs)
        names = list(cls.__record_fields__)
        defaults = dict(cls.__record_defaults__)
        types = dict(cls.__record_types__)
        own = cls.__dict__.get("__annotations__", {})  # noqa: RUF063 (importing inspect is what this avoids)
        for name, annotation in own.items():
            if str(annotation).startswith(("ClassVar", "typing.ClassVar")):
                continue
            if name not in names:
                names.append(name)
            types[name] = str(annotation)
            if name in cls.__dict__:
                defaults[name] = cls.__dict__[name]
                if isinstance(defaults[name], _Factory):
                    delattr(cls, name)  # the class attribute would be a factory, not a value
        for earlier, later in pairwise(names):
            if earlier in defaults and later not in defaults:
                raise TypeError(f"{cls.__qualname__}: field {later!r} without a default follows one with a default")
        cls.__record_fields__ = tuple(names)
        cls.__record_defaults__ = defaults
        cls.__record_types__ = types
        cls.__match_args__ = tuple(names)
        cls.__record_post_init__ = callable(getattr(cls, "__post_init__", None))
        cls.__record_values__ = {n: d for n, d in defaults.items() if not isinstance(d, _Factory)}
        cls.__record_factories__ = tuple((n, d.make) for n, d in defaults.items() if isinstance(d, _Factory))
        if frozen:
            cls.__setattr__ = _refuse_assignment  # type: ignore[method-assign, assignment]
            cls.__delattr__ = _refuse_assignment  # type: ignore[method-assign, assignment]
        if eq:
            cls.__eq__ = _equal  # type: ignore[method-assign, assignment]
            cls.__hash__ = _hash if frozen else None  # type: ignore[method-assign, assignment]

    def __init__(self, *args: Any, **kwargs: Any):
        cls = type(self)
        names = cls.__record_fields__
        values = self.__dict__
        values.update(cls.__record_values__)  # the plain defaults, then what is given over them
        if args:
            if len(args) > len(names):
                raise TypeError(f"{cls.__qualname__} takes {len(names)} fields, {len(args)} were given")
            values.update(zip(names, args, strict=False))  # the rest by keyword or default
        if kwargs:
            if not cls.__record_types__.keys() >= kwargs.keys() or (args and not kwargs.keys().isdisjoint(
                    names[:len(args)])):
                raise TypeError(_bad_call(cls, args, kwargs))
            values.update(kwargs)
        for name, make in cls.__record_factories__:
            if name not in values:
                values[name] = make()
        if len(values) < len(names):
            missing = next(name for name in names if name not in values)
            raise TypeError(f"{cls.__qualname__}: missing field {missing!r}")
        if cls.__record_post_init__:
            self.__post_init__()  # type: ignore[attr-defined]

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__record_fields__)
        return f"{type(self).__qualname__}({shown})"

    @classmethod
    def _from_fields(cls: type[R], values: list[Any] | tuple[Any, ...]) -> R:
        """A record from its fields' values in order, without `__init__` (what a cache wrote from one)."""
        if len(values) != len(cls.__record_fields__):
            raise ValueError(f"{cls.__qualname__} has {len(cls.__record_fields__)} fields, not {len(values)}")
        record = cls.__new__(cls)
        record.__dict__.update(zip(cls.__record_fields__, values, strict=True))
        return record


def _bad_call(cls: type[Record], args: tuple[Any, ...], kwargs: dict[str, Any]) -> str:
    for name in kwargs:
        if name not in cls.__record_types__:
            return f"{cls.__qualname__}: unknown field {name!r}"
        if name in cls.__record_fields__[:len(args)]:
            return f"{cls.__qualname__}: given twice {name!r}"
    return f"{cls.__qualname__}: wrong arguments"


def _values(record: Record) -> tuple[Any, ...]:
    values = record.__dict__
    return tuple(values[name] for name in record.__record_fields__)


def _equal(self: Record, other: object) -> bool:
    if other.__class__ is not self.__class__:
        return NotImplemented
    return _values(self) == _values(other)  # type: ignore[arg-type]


def _hash(self: Record) -> int:
    return hash(_values(self))


def _refuse_assignment(self: Record, name: str, *value: Any) -> None:
    raise AttributeError(f"{type(self).__qualname__} is frozen: cannot change {name!r}")


class Field(Record, frozen=True):
    """One field of a record class: its name, default (MISSING if none) and annotation as written."""

    name: str
    default: Any
    type: str


def replace(record: R, **changes: Any) -> R:
    """A copy of `record` with `changes`, made through `__init__` (so `__post_init__` runs again)."""
    return type(record)(**{**{name: getattr(record, name) for name in record.__record_fields__}, **changes})


def fields(record_or_class: Record | type[Record]) -> tuple[Field, ...]:
    cls = record_or_class if isinstance(record_or_class, type) else type(record_or_class)
    return tuple(Field(name, cls.__record_defaults__.get(name, MISSING), cls.__record_types__[name])
                 for name in cls.__record_fields__)


def asdict(record: Record) -> dict[str, Any]:
    """The fields as a dict (not recursive: no record here holds another that is written out this way)."""
    return {name: getattr(record, name) for name in record.__record_fields__}


def astuple(record: Record) -> tuple[Any, ...]:
    return tuple(getattr(record, name) for name in record.__record_fields__)
