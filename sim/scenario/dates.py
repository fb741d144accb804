"""Calendar months: the model's clock counts months (floats) from the scenario's start.

Dates in scenario files are written `2026-04` (start of that month) or
`2026-04-15` (that day, as a fraction of the month). Reports convert back to
`YYYY-MM` labels. Every malformed or impossible date (`2026-02-30`, `2026-13`)
raises ValueError with a message that says why, which validation turns into a
located problem.
"""

from __future__ import annotations

import calendar as _calendar
import datetime as _dt
import re
from dataclasses import dataclass

#: Dates a scenario may name: wide enough for any history or projection, narrow enough
#: that every month of a 50-year horizon is a real calendar date.
FIRST_YEAR, LAST_YEAR = 1900, 2200
_MONTH = re.compile(r"^\s*(\d{4})-(\d{1,2})\s*$")
_DAY = re.compile(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})\s*$")


@dataclass(frozen=True, order=True)
class Month:
    """A calendar month, the unit of the reporting grid."""

    year: int
    month: int

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def index(self) -> int:
        """Months since year 0, so that differences are month counts."""
        return self.year * 12 + self.month - 1

    def plus(self, months: int) -> Month:
        i = self.index + months
        return Month(i // 12, i % 12 + 1)


def parse_date(value: object) -> float:
    """Return a date as fractional months since year 0, or raise ValueError.

    Accepts `YYYY-MM` strings, `YYYY-MM-DD` strings and `datetime.date` values
    (YAML reads an unquoted `2026-04-15` as a date).
    """
    if isinstance(value, _dt.datetime):
        value = value.date()
    if isinstance(value, _dt.date):
        year, month, day = value.year, value.month, value.day
    elif isinstance(value, str) and (m := _MONTH.match(value)):
        year, month, day = int(m[1]), int(m[2]), 1
    elif isinstance(value, str) and (m := _DAY.match(value)):
        year, month, day = int(m[1]), int(m[2]), int(m[3])
    else:
        raise ValueError(f"expected a date like 2026-04 or 2026-04-15, got {_shown(value)}")
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValueError(f"the year {year} is outside {FIRST_YEAR}-{LAST_YEAR}")
    if not 1 <= month <= 12:
        raise ValueError(f"month {month} is not between 1 and 12 in {_shown(value)}")
    days = _calendar.monthrange(year, month)[1]
    if not 1 <= day <= days:
        raise ValueError(f"day {day} does not exist in {year:04d}-{month:02d}")
    return year * 12 + (month - 1) + (day - 1) / days


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def parse_month(value: object) -> Month:
    """Parse a month (`2026-01`: a scenario's start, an estimate's date); a day is not
    allowed here. The message names no field: the caller's location does."""
    at = parse_date(value)
    if at != int(at):
        raise ValueError(f"expected a month like 2026-01, without a day, got {_shown(value)}")
    i = int(at)
    return Month(i // 12, i % 12 + 1)


def label(start: Month | str, months: float) -> str:
    """The `YYYY-MM` label of the month containing `months` after `start` (a Month or `YYYY-MM`)."""
    if not isinstance(start, Month):
        start = parse_month(start)
    return str(start.plus(int(months // 1)))
