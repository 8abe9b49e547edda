"""The record base behaves like the dataclasses it replaced, where cptbot relies on it."""

from __future__ import annotations

import copy
import pickle
from functools import cached_property

import pytest

from bot.record import MISSING, Record, asdict, astuple, field, fields, replace


class Row(Record, frozen=True):
    """A value record."""

    code: str
    work: float
    flags: tuple[str, ...] = ()
    notes: list[str] = field(default_factory=list)


class Holder(Record, eq=False):
    name: str
    seen: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.name = self.name.strip()

    @cached_property
    def shout(self) -> str:
        return self.name.upper()


def test_fields_by_position_keyword_and_default():
    row = Row("57520", work=4.01)
    assert (row.code, row.work, row.flags, row.notes) == ("57520", 4.01, (), [])
    assert Row("57520", 4.01, ("x",)).flags == ("x",)


def test_each_record_gets_its_own_list_from_a_factory():
    a, b = Row("1", 1.0), Row("2", 2.0)
    a.notes.append("only a")
    assert b.notes == []


@pytest.mark.parametrize("make, says", [
    (lambda: Row("57520"), "missing field 'work'"),
    (lambda: Row("57520", 1.0, work=2.0), "given twice 'work'"),
    (lambda: Row("57520", 1.0, colour="red"), "unknown field 'colour'"),
    (lambda: Row("1", 1.0, (), [], "extra"), "takes 4 fields, 5 were given"),
])
def test_a_wrong_call_is_a_type_error_that_names_the_field(make, says):
    with pytest.raises(TypeError, match=says):
        make()


def test_a_frozen_record_refuses_assignment_and_hashes_by_value():
    row = Row("57520", 4.01)
    with pytest.raises(AttributeError, match="frozen"):
        row.work = 5.0  # type: ignore[misc]
    with pytest.raises(AttributeError):
        del row.code
    assert row == Row("57520", 4.01) and row != Row("57520", 4.02)
    assert row != ("57520", 4.01)

    class Key(Record, frozen=True):
        code: str
        modifier: str = ""

    assert len({Key("57520"), Key("57520", ""), Key("57520", "26")}) == 2


def test_an_eq_false_record_is_compared_by_identity_and_runs_post_init():
    a = Holder("  LEEP ")
    assert a.name == "LEEP" and a.shout == "LEEP"
    assert a != Holder("LEEP") and a == a and {a: 1}[a] == 1
    a.name = "cone"  # not frozen
    assert a.name == "cone"


def test_a_default_record_is_compared_by_value_and_is_unhashable():
    class Point(Record):
        x: int
        y: int = 0

    assert Point(1) == Point(1, 0)
    with pytest.raises(TypeError):
        hash(Point(1))


def test_repr_lists_every_field_in_order():
    assert repr(Row("57520", 4.01)) == "Row(code='57520', work=4.01, flags=(), notes=[])"


def test_replace_fields_asdict_astuple():
    row = Row("57520", 4.01)
    assert replace(row, work=5.0) == Row("57520", 5.0) and row.work == 4.01
    assert [(f.name, f.type) for f in fields(Row)][:2] == [("code", "str"), ("work", "float")]
    assert fields(row)[0].default is MISSING and fields(Row)[2].default == ()
    assert asdict(row) == {"code": "57520", "work": 4.01, "flags": (), "notes": []}
    assert astuple(row) == ("57520", 4.01, (), [])


def test_a_field_without_default_after_one_with_is_refused_at_class_creation():
    with pytest.raises(TypeError, match="'b' without a default"):
        class Bad(Record):
            a: int = 0
            b: int


def test_copies_and_pickles_round_trip():
    row = Row("57520", 4.01, ("a",), ["n"])
    assert copy.copy(row) == row and copy.deepcopy(row) == row
    assert pickle.loads(pickle.dumps(row)) == row


def test_from_fields_fills_without_init_and_checks_the_count():
    row = Row._from_fields(["57520", 4.01, (), []])
    assert row == Row("57520", 4.01)
    with pytest.raises(ValueError, match="4 fields, not 2"):
        Row._from_fields(["57520", 4.01])
