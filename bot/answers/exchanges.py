"""A device taken out and a new one put in at one visit: one code for both, or the removal and the insertion.

"IUD removal and reinsertion" names two procedures in few words; the name search finds the removal alone,
or asks between it and the arm implant's "removal with reinsertion" (11983), which is another device.
Whether one code covers the exchange depends on the device: the contraceptive arm implant has one (11983),
the IUD has none (58301 and 58300 are both reported), a pacemaker generator has one per number of leads.
`knowledge/device_exchanges.yaml` says which, by device; this module reads a question that names a device
and says it was exchanged (a word such as "reinsertion" or "replaced", or a removal and an insertion both
said), and answers with the codes to report. Several combined codes (chosen by what the question does not
say) are asked about.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.answers.rules_yaml import text, texts
from bot.record import Record
from bot.yamlfile import LineMap, Problems, check_fields, is_text, is_text_list, load_yaml

if TYPE_CHECKING:
    from bot.answer import Answer
    from bot.engine import Engine
    from bot.understanding.ask import Ask
    from bot.understanding.reading import Reading
    from bot.understanding.words import Words

FILE = "device_exchanges.yaml"


class Device(Record, eq=False):
    id: str
    title: str
    called: str  # the device in words ("IUD")
    device: tuple[str, ...]
    removal: str = ""
    insertion: str = ""
    combined: tuple[str, ...] = ()
    facts: tuple[str, ...] = ()

    @property
    def codes(self) -> list[str]:
        """The codes to report for the exchange (several combined codes: the ones to choose among)."""
        return list(self.combined) if self.combined else [self.removal, self.insertion]


class ExchangeRules(Record, eq=False):
    exchange_words: tuple[str, ...] = ()
    removal_words: tuple[str, ...] = ()
    insertion_words: tuple[str, ...] = ()
    devices: tuple[Device, ...] = ()


def _is_code(value: Any) -> str | None:
    return None if isinstance(value, str) and len(value) == 5 else "must be a quoted five-character code"


def _is_codes(value: Any) -> str | None:
    if not isinstance(value, list) or not value or any(_is_code(v) for v in value):
        return "must be a list of quoted five-character codes"
    return None


DEVICE_SPEC = {"id": (is_text, True), "title": (is_text, True), "called": (is_text, True),
               "device": (is_text_list, True),
               "removal": (_is_code, False), "insertion": (_is_code, False), "combined": (_is_codes, False),
               "facts": (is_text_list, False)}
FILE_SPEC = {"exchange_words": (is_text_list, True), "removal_words": (is_text_list, True),
             "insertion_words": (is_text_list, True),
             "devices": (lambda v: None if isinstance(v, list) and v else "must be a list of devices", True)}


def load_exchanges(root: Path, problems: Problems) -> ExchangeRules:
    """Read `knowledge/device_exchanges.yaml` (optional); problems go to `problems` as file:line: entry: field."""
    path = root / FILE
    disp = f"knowledge/{FILE}"
    if not path.exists():
        return ExchangeRules()
    doc = load_yaml(path, disp, problems)
    if not isinstance(doc, LineMap) or not check_fields(doc, FILE_SPEC, problems, disp, "(file)"):
        return ExchangeRules()
    devices = []
    for i, e in enumerate(doc["devices"]):
        name = str(e.get("id", f"device {i + 1}")) if isinstance(e, dict) else f"device {i + 1}"
        if not check_fields(e, DEVICE_SPEC, problems, disp, name, doc.line_of("devices")):
            continue
        if not e.get("combined") and not (e.get("removal") and e.get("insertion")):
            problems.add(disp, e.line, name, "combined", "a device needs combined code(s), or a removal and an "
                                                         "insertion code")
            continue
        devices.append(Device(id=name, title=text(e, "title"), called=text(e, "called"), device=tuple(e["device"]),
                              removal=str(e.get("removal", "")), insertion=str(e.get("insertion", "")),
                              combined=tuple(str(c) for c in e.get("combined") or ()), facts=texts(e, "facts")))
    return ExchangeRules(tuple(doc["exchange_words"]), tuple(doc["removal_words"]), tuple(doc["insertion_words"]),
                         tuple(devices))


class ExchangeFinder:
    """Whether a question names a device and says it was exchanged."""

    def __init__(self, rules: ExchangeRules, words: Words):
        def stems(phrases) -> list[frozenset[str]]:
            return [frozenset(s) for s in (words.content_stems(p) for p in phrases) if s]

        self._exchange = stems(rules.exchange_words)
        self._removal = stems(rules.removal_words)
        self._insertion = stems(rules.insertion_words)
        self._devices = [(d, stems(d.device)) for d in rules.devices]

    def vocabulary(self) -> set[str]:
        return set()

    def find(self, r: Reading) -> Device | None:
        """The device a question says was taken out and replaced, or None."""
        said = {t.stem for t in r.tokens if not t.stop}
        if not said:
            return None
        device = next((d for d, names in self._devices if any(n <= said for n in names)), None)
        if device is None:
            return None
        exchanged = any(s <= said for s in self._exchange) or (
            any(s <= said for s in self._removal) and any(s <= said for s in self._insertion))
        return device if exchanged else None


def answer(ask: Ask, engine: Engine) -> Answer:
    """The `exchange` answerer: the code(s) to report, priced side by side, the first sentence saying how."""
    from bot.answer import Section
    from bot.answers import ANSWERERS

    device: Device = ask.rule  # type: ignore[assignment]
    ask.kind, ask.what = "codes", ask.what or "describe"
    ans = ANSWERERS["codes"](ask, engine)
    if device.combined:
        first = f"{device.combined[0]}: one code for removing the {device.called} and putting in a new one"
        if device.removal and device.insertion:
            first += f" (not {device.removal} + {device.insertion})"
        first += "."
    else:
        first = (f"Report both {device.removal} for removing the {device.called} and {device.insertion} for "
                 "putting in the new one: no single code covers the two.")
    ans.headline = first if ask.what == "describe" else f"{first} {ans.headline}"
    ans.title = device.title
    if device.facts:
        ans.sections.append(Section("How it is reported", [], " ".join(device.facts)))
    return ans
