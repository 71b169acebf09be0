"""Working days for time limits: weekends, the Labour Code's holidays and each year's announced
days off (data/holidays.toml), extended by an admin's file (setting `holidays`)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date, timedelta
from importlib import resources
from pathlib import Path

from ..errors import ConfigError

_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


@dataclass(frozen=True)
class Year:
    """One year's days off as announced (or, unchecked, as the statute places them)."""

    year: int
    lunar_new_year: date | None
    hung_kings: date | None  # Giỗ Tổ Hùng Vương, 10/3 âm lịch
    checked: bool
    source: str


class Calendar:
    def __init__(
        self,
        *,
        weekend: frozenset[int],
        fixed: frozenset[tuple[int, int]],
        days_off: frozenset[date],
        working_days: frozenset[date],
        years: dict[int, Year],
    ) -> None:
        self.weekend = weekend
        self.fixed = fixed  # (month, day) of the solar holidays, every year
        self.days_off = days_off
        self.working_days = working_days  # weekend days worked in exchange (làm bù)
        self.years = years

    def is_working_day(self, day: date) -> bool:
        if day in self.working_days:
            return True
        if day in self.days_off or (day.month, day.day) in self.fixed:
            return False
        return day.weekday() not in self.weekend

    def next_working_day(self, day: date) -> date:
        """`day` itself when it is a working day, else the first working day after it."""
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return day

    def add_working_days(self, start: date, n: int) -> date:
        """The n-th working day after `start` (`start` itself is not counted)."""
        day = start
        while n > 0:
            day += timedelta(days=1)
            if self.is_working_day(day):
                n -= 1
        return day


def load_calendar(extra: Path | None = None) -> Calendar:
    """The packaged holidays.toml, with an admin's file (setting `holidays`) added to it."""
    packaged = resources.files("pipeline").joinpath("data/holidays.toml").read_text(encoding="utf-8")
    tables = [("holidays.toml (packaged)", tomllib.loads(packaged))]
    if extra is not None:
        try:
            tables.append((str(extra), tomllib.loads(Path(extra).read_text(encoding="utf-8"))))
        except (OSError, tomllib.TOMLDecodeError) as error:
            raise ConfigError(f"{extra}: cannot read the holiday calendar ({error})") from error
    weekend: frozenset[int] = frozenset()
    fixed: set[tuple[int, int]] = set()
    days_off: set[date] = set()
    working: set[date] = set()
    years: dict[int, Year] = {}
    for name, data in tables:
        if "weekend" in data:
            weekend = frozenset(_weekday(name, w) for w in data["weekend"])
        fixed |= {_month_day(name, text) for text in data.get("fixed", [])}
        for key, table in data.get("years", {}).items():
            year = _year(name, key)
            days_off |= _days(name, key, table.get("days_off", []))
            working |= _days(name, key, table.get("working_days", []))
            before = years.get(year)
            years[year] = Year(
                year,
                table.get("lunar_new_year", before.lunar_new_year if before else None),
                table.get("hung_kings", before.hung_kings if before else None),
                bool(table.get("checked", before.checked if before else False)),
                str(table.get("source", before.source if before else "")),
            )
    return Calendar(
        weekend=weekend,
        fixed=frozenset(fixed),
        days_off=frozenset(days_off),
        working_days=frozenset(working),
        years=years,
    )


def _weekday(name: str, text: str) -> int:
    if text not in _WEEKDAYS:
        raise ConfigError(f"{name}: weekend day {text!r} is not one of {', '.join(_WEEKDAYS)}")
    return _WEEKDAYS.index(text)


def _month_day(name: str, text: str) -> tuple[int, int]:
    try:
        month, day = (int(part) for part in text.split("-"))
        date(2024, month, day)  # a leap year: 02-29 is a real day
    except ValueError as error:
        raise ConfigError(f"{name}: fixed holiday {text!r} is not MM-DD") from error
    return month, day


def _year(name: str, key: str) -> int:
    if not key.isdigit():
        raise ConfigError(f"{name}: [years.{key}] is not a year")
    return int(key)


def _days(name: str, year: str, entries: list) -> set[date]:
    """Dates and inclusive [first, last] ranges, each inside its year's table."""
    days: set[date] = set()
    for entry in entries:
        first, last = entry if isinstance(entry, list) and len(entry) == 2 else (entry, entry)
        if not (isinstance(first, date) and isinstance(last, date)) or first > last:
            raise ConfigError(f"{name}: [years.{year}] has {entry!r}: give a date or a [first, last] range of dates")
        days |= {first + timedelta(days=i) for i in range((last - first).days + 1)}
    return days
