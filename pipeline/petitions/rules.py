"""The petitions' time limits as data (data/petition-rules.toml), each with its legal basis and the
quote of its clause; an admin's file (setting `petition_rules`) replaces rules by key."""

from __future__ import annotations

import calendar as months_calendar
import tomllib
from dataclasses import dataclass
from datetime import date, timedelta
from importlib import resources
from pathlib import Path

from ..errors import ConfigError, UsageError
from .calendar import Calendar

UNITS = ("days", "working_days", "months")
STARTS = ("received", "accepted")
ENDS = ("accept", "resolve")
COMPLEXITIES = ("simple", "complex", "especially_complex")


@dataclass(frozen=True)
class Period:
    amount: int
    unit: str  # "days" | "working_days" | "months"


def add_period(start: date, period: Period, calendar: Calendar, *, roll_day_off: bool = False) -> date:
    """The last day of `period` counted from `start` (the day of the event, itself not counted).

    Months end on the same-numbered day, or on the month's last day when it has none (31 January
    + 1 month: 29 February in a leap year, else 28). Working days always end on a working day;
    `roll_day_off` moves a days or months end that falls on a day off to the next working day."""
    if period.unit == "working_days":
        return calendar.add_working_days(start, period.amount)
    if period.unit == "months":
        index = start.month - 1 + period.amount
        year, month = start.year + index // 12, index % 12 + 1
        end = date(year, month, min(start.day, months_calendar.monthrange(year, month)[1]))
    else:
        end = start + timedelta(days=period.amount)
    return calendar.next_working_day(end) if roll_day_off else end


@dataclass(frozen=True)
class Counting:
    """How a law counts its periods: which units end on the next working day when the last day is off."""

    key: str
    label: str
    basis: str
    quote: str
    verified: bool
    source: str
    roll_day_off: tuple[str, ...]


@dataclass(frozen=True)
class Step:
    """One time limit of a rule."""

    key: str  # "thu_ly" | "giai_quyet" | "xu_ly_ban_dau" | ...
    label: str  # Vietnamese, e.g. "thụ lý"
    starts: str  # the event it counts from: "received" | "accepted"
    period: Period
    basis: str  # "Luật Khiếu nại 2011, Điều 27"
    quote: str  # the clause's text
    verified: bool
    source: str
    counting: Counting
    ends: str = "resolve"  # the workflow action that meets it: "accept" | "resolve"
    complex: Period | None = None
    especially_complex: Period | None = None
    remote: Period | None = None
    remote_complex: Period | None = None
    extension: Period | None = None
    extensions: tuple[tuple[str, int], ...] = ()  # (complexity, how many times it may be extended)

    def period_for(self, complexity: str, remote: bool) -> Period:
        """The period for this complexity ("simple", "complex", "especially_complex") and place."""
        hard = complexity in ("complex", "especially_complex")
        if remote and hard and self.remote_complex:
            return self.remote_complex
        if remote and self.remote:
            return self.remote
        if complexity == "especially_complex" and self.especially_complex:
            return self.especially_complex
        return (self.complex if hard else None) or self.period

    def max_extensions(self, complexity: str) -> int:
        return dict(self.extensions).get(complexity, 0) if self.extension else 0

    def rolls(self, period: Period) -> bool:
        return period.unit in self.counting.roll_day_off


@dataclass(frozen=True)
class Rule:
    key: str  # "khieu_nai" | "khieu_nai_to_tung" | "to_cao" | "tin_bao" | "kien_nghi" | ...
    label: str
    types: tuple[str, ...]  # petition doc types it applies to
    steps: tuple[Step, ...]
    in_proceedings: bool = False  # a complaint or denunciation inside criminal proceedings (BLTTHS)
    anonymous: bool = False  # applies to a petition naming no petitioner
    accepts: bool = True  # False: the law does not let it be thụ lý (an anonymous tố cáo)
    basis: str = ""  # a rule without steps says why it has none
    quote: str = ""
    verified: bool = False
    source: str = ""


class RuleBook:
    def __init__(self, rules: dict[str, Rule]) -> None:
        self.rules = rules

    def rule_for(self, doc_type: str, *, in_proceedings: bool = False, anonymous: bool = False) -> Rule:
        """The rule for a petition: the most specific one of its type that fits how it reads."""
        fitting = [
            rule
            for rule in self.rules.values()
            if doc_type in rule.types
            and (anonymous or not rule.anonymous)
            and (in_proceedings or not rule.in_proceedings)
        ]
        if not fitting:
            raise UsageError(f"no petition rule applies to type {doc_type!r} (rules: {', '.join(self.rules)})")
        return max(fitting, key=lambda rule: (rule.anonymous, rule.in_proceedings))


def load_rules(override: Path | None = None) -> RuleBook:
    """The packaged petition-rules.toml; an admin's file (setting `petition_rules`) replaces rules
    and countings by key and keeps the others."""
    packaged = resources.files("pipeline").joinpath("data/petition-rules.toml").read_text(encoding="utf-8")
    name = "petition-rules.toml (packaged)"
    data = tomllib.loads(packaged)
    origin = dict.fromkeys([*data.get("rules", {}), *data.get("counting", {})], name)
    if override is not None:
        try:
            extra = tomllib.loads(Path(override).read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as error:
            raise ConfigError(f"{override}: cannot read the petition rules ({error})") from error
        for table in ("rules", "counting"):
            data.setdefault(table, {}).update(extra.get(table, {}))
            origin.update(dict.fromkeys(extra.get(table, {}), str(override)))
    countings = {key: _counting(origin[key], key, raw) for key, raw in data.get("counting", {}).items()}
    return RuleBook({key: _rule(origin[key], key, raw, countings) for key, raw in data.get("rules", {}).items()})


def _counting(name: str, key: str, raw: dict) -> Counting:
    where = f"{name}: counting {key!r}"
    _cited(where, raw)
    units = tuple(raw.get("roll_day_off", []))
    if unknown := set(units) - set(UNITS):
        raise ConfigError(f"{where}: roll_day_off has {sorted(unknown)}; units are {', '.join(UNITS)}")
    return Counting(
        key, str(raw.get("label", key)), raw["basis"], raw["quote"], raw["verified"], raw.get("source", ""), units
    )


def _rule(name: str, key: str, raw: dict, countings: dict[str, Counting]) -> Rule:
    where = f"{name}: rule {key!r}"
    types = tuple(raw.get("types", []))
    if not types or not raw.get("label"):
        raise ConfigError(f"{where} needs a label and the petition types it applies to (types = [...])")
    if "steps" not in raw:
        raise ConfigError(f"{where} has no steps: give its time limits as [[rules.{key}.steps]] (steps = [] if none)")
    steps = tuple(_step(f"{where} step {i + 1}", s, countings) for i, s in enumerate(raw["steps"]))
    if not steps:  # no time limit runs: the rule says which clause makes it so
        _cited(where, raw)
    return Rule(
        key=key,
        label=raw["label"],
        types=types,
        steps=steps,
        in_proceedings=bool(raw.get("in_proceedings", False)),
        anonymous=bool(raw.get("anonymous", False)),
        accepts=bool(raw.get("accepts", True)),
        basis=raw.get("basis", ""),
        quote=raw.get("quote", ""),
        verified=bool(raw.get("verified", False)),
        source=raw.get("source", ""),
    )


def _step(where: str, raw: dict, countings: dict[str, Counting]) -> Step:
    if raw.get("key"):
        where = f"{where} ({raw['key']})"
    _cited(where, raw)
    for field, allowed in (("starts", STARTS), ("ends", ENDS)):
        if raw.get(field, "resolve") not in allowed:
            raise ConfigError(f"{where}: {field} = {raw.get(field)!r}; it is one of {', '.join(allowed)}")
    if raw.get("counting") not in countings:
        raise ConfigError(f"{where}: counting = {raw.get('counting')!r}; name one of {', '.join(countings)}")
    extensions = raw.get("extensions", {})
    if unknown := set(extensions) - set(COMPLEXITIES):
        raise ConfigError(f"{where}: extensions has {sorted(unknown)}; complexities are {', '.join(COMPLEXITIES)}")
    if extensions and "extension" not in raw:
        raise ConfigError(f"{where}: extensions are allowed but no extension period is given")
    optional = ("complex", "especially_complex", "remote", "remote_complex", "extension")
    return Step(
        key=raw.get("key") or _missing(where, "key"),
        label=raw.get("label") or _missing(where, "label"),
        starts=raw.get("starts") or _missing(where, "starts"),
        ends=raw.get("ends", "resolve"),
        period=_period(where, "period", raw.get("period")),
        basis=raw["basis"],
        quote=raw["quote"],
        verified=raw["verified"],
        source=raw.get("source", ""),
        counting=countings[raw["counting"]],
        extensions=tuple((c, int(n)) for c, n in extensions.items()),
        **{field: _period(where, field, raw[field]) for field in optional if field in raw},
    )


def _cited(where: str, raw: dict) -> None:
    """Every time limit names its legal basis, quotes its clause and says whether that was checked."""
    for field in ("basis", "quote"):
        if not str(raw.get(field, "")).strip():
            raise ConfigError(
                f"{where} has no {field}: every time limit names its legal basis (law, article, clause) "
                "in `basis` and quotes the clause in `quote`"
            )
    if not isinstance(raw.get("verified"), bool):
        raise ConfigError(f"{where}: say verified = true (the quote was read in its source) or verified = false")


def _period(where: str, field: str, raw: object) -> Period:
    if (
        not isinstance(raw, dict)
        or raw.get("unit") not in UNITS
        or not isinstance(raw.get("amount"), int)
        or raw["amount"] < 1
    ):
        raise ConfigError(f'{where}: {field} = {raw!r}; give {{ amount = N, unit = "{"|".join(UNITS)}" }} with N ≥ 1')
    return Period(raw["amount"], raw["unit"])


def _missing(where: str, field: str) -> str:
    raise ConfigError(f"{where} has no {field}")
