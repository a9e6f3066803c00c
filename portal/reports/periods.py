"""The period a report covers, parsed from the query string, and the period before it (the same
number of days, ending where this one starts). Its days are the viewer's: "today", "this month"
and a custom range are dates in the viewer's zone (their own, else the program's), and every
figure counted from a timestamp (sign-ups, entries decided, content used, referrals, a group's
ledger rows) is bounded by the viewer's midnights exactly.

The daily rollups (visits, earners and points moved per day) are kept per UTC day, as the
ledger transaction and the visit write them, whoever looks. A viewer's day reads the UTC day
that holds its middle (noon), with one offset for the whole period (the zone's at the period's
end, so a clock change never reads a UTC day twice or skips one): the same date from UTC-11
to UTC+12, the day before in zones ahead of UTC+12 (Auckland in summer, Tonga, Kiribati).
A viewer in Los Angeles therefore sees a day's rolled-up figures for the UTC day 8 hours ahead
of their midnight, one in Auckland for the UTC day 13 hours behind it: each reads the 24 hours
that overlap their own day the most. Rolling up per program-zone day instead would be exact
only for viewers in the program's zone and would still be off for everyone else, at the cost
of a zone lookup in every award; per-hour rollups would be exact for whole-hour zones but 24
times the rows."""

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from enum import StrEnum
from urllib.parse import urlencode

from babel.dates import format_date
from starlette.datastructures import QueryParams

from portal import i18n
from portal.forms import FormState
from portal.i18n import N_

LONGEST = timedelta(days=366 * 3)


class Span(StrEnum):
    DAYS_7 = "7d"
    DAYS_30 = "30d"
    DAYS_90 = "90d"
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"
    CUSTOM = "custom"

    @property
    def label(self) -> str:
        return {
            "7d": N_("Last 7 days"),
            "30d": N_("Last 30 days"),
            "90d": N_("Last 90 days"),
            "month": N_("This month"),
            "quarter": N_("This quarter"),
            "year": N_("This year"),
            "custom": N_("Custom range"),
        }[self.value]


@dataclass(frozen=True)
class Period:
    """Whole days from `first` to `last` (both included), in `zone`."""

    first: date
    last: date
    zone: tzinfo = UTC
    # The day whose noon maps the viewer's days to the rollups' UTC days: the last day of the
    # period asked for, kept by `previous` so that both read adjoining UTC days.
    anchor: date | None = None

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first, time(), self.zone).astimezone(UTC)

    @property
    def end(self) -> datetime:
        """Exclusive: midnight after the last day."""
        return datetime.combine(self.last + timedelta(days=1), time(), self.zone).astimezone(UTC)

    @property
    def rollup_shift(self) -> timedelta:
        """From a viewer's day to the UTC day whose rollup it reads (0 or -1 day, or +1 day at
        UTC-12): the UTC date of the anchor day's noon, less that day."""
        anchor = self.anchor or self.last
        return datetime.combine(anchor, time(12), self.zone).astimezone(UTC).date() - anchor

    @property
    def rollup_first(self) -> date:
        """The first UTC day of rollup rows this period reads."""
        return self.first + self.rollup_shift

    @property
    def rollup_last(self) -> date:
        return self.last + self.rollup_shift

    def rollup_day(self, day: date) -> date:
        """The viewer's `day` of a daily series, back from the UTC day it reads."""
        return day - self.rollup_shift

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    @property
    def previous(self) -> "Period":
        return replace(
            self,
            first=self.first - timedelta(days=self.days),
            last=self.first - timedelta(days=1),
            anchor=self.anchor or self.last,
        )

    @property
    def label(self) -> str:
        """ "3 Nov 2026 to 2 Dec 2026", in the reader's language."""

        def day(d: date) -> str:
            return format_date(d, "d MMM y", locale=i18n.locale())

        if self.first == self.last:
            return day(self.first)
        return i18n.gettext("%(first)s to %(last)s") % {
            "first": day(self.first),
            "last": day(self.last),
        }

    def each_day(self) -> list[date]:
        return [self.first + timedelta(days=n) for n in range(self.days)]


def period_of(span: Span, today: date, zone: tzinfo = UTC) -> Period:
    """A named span ending `today` (the viewer's date in their `zone`; custom ranges come from
    `parse`)."""
    if span in (Span.DAYS_7, Span.DAYS_30, Span.DAYS_90):
        return Period(today - timedelta(days=int(span.value[:-1]) - 1), today, zone)
    if span is Span.MONTH:
        return Period(today.replace(day=1), today, zone)
    if span is Span.QUARTER:
        return Period(today.replace(month=(today.month - 1) // 3 * 3 + 1, day=1), today, zone)
    return Period(today.replace(month=1, day=1), today, zone)


@dataclass(frozen=True)
class Choice:
    """What the filter form asked for: the period, and one group or everyone."""

    span: Span
    period: Period
    group_id: int | None

    @property
    def query(self) -> str:
        """The query string that asks for this again (report links and CSV downloads)."""
        params = {"span": self.span.value}
        if self.span is Span.CUSTOM:
            params |= {"from": str(self.period.first), "to": str(self.period.last)}
        if self.group_id is not None:
            params["group"] = str(self.group_id)
        return urlencode(params)


def parse(params: QueryParams, *, now: datetime, zone: tzinfo) -> tuple[FormState, Choice]:
    """The filter form from the query string, its days in the viewer's `zone` (today is their
    date at `now`); a wrong value keeps what was typed, names the field, and falls back to the
    last 30 days so the page still shows figures."""
    today = now.astimezone(zone).date()
    state = FormState(
        data={name: params.get(name, "").strip() for name in ("span", "from", "to", "group")}
    )
    state.data["span"] = state.value("span") or Span.DAYS_30.value
    span = Span.DAYS_30
    if state.value("span") in set(Span):
        span = Span(state.value("span"))
    else:
        state.add_error("span", "Choose one of the periods.")
    period = period_of(span if span is not Span.CUSTOM else Span.DAYS_30, today, zone)
    if span is Span.CUSTOM:
        period = _custom(state, today, zone) or period
    group_id = state.number(
        "group", minimum=1, message="Choose a group from the list.", optional=True
    )
    return state, Choice(span if state.ok else Span.DAYS_30, period, group_id)


def _custom(state: FormState, today: date, zone: tzinfo) -> Period | None:
    days = {}
    for name, label in (("from", "start"), ("to", "end")):
        try:
            days[name] = date.fromisoformat(state.value(name))
        except ValueError:
            state.add_error(name, f"Enter the {label} date as YYYY-MM-DD.")
    if len(days) < 2:
        return None
    if days["from"] > days["to"]:
        state.add_error("to", "The end date must not be before the start date.")
    elif days["to"] > today:
        state.add_error("to", "The end date can't be in the future.")
    elif days["to"] - days["from"] > LONGEST:
        state.add_error("to", "Choose at most three years.")
    else:
        return Period(days["from"], days["to"], zone)
    return None
