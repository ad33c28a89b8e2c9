"""VTIMEZONE components written as calendar clients expect: yearly RRULEs derived from zoneinfo.

RFC 5545 also allows one DTSTART plus a comma-separated RDATE list per observance, but
Mozilla's ical.js (Thunderbird) and vobject/dateutil misread that form: occurrences in
summer shift by an hour. So each observance (a change to the same offset and name) is
written as `RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU` style rules, found from the zone's own
transitions. Changes that no yearly rule fits (a one-off change, a rule that held for a
single year, Morocco's Ramadan changes) get one observance each with a COMMENT saying so:
an RDATE list is misread by the same clients.
"""

from __future__ import annotations

import calendar as cal
import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
UTC = dt.UTC
RDATE_NOTE = "no yearly rule fits this change of the zone: written on its own"


@dataclass(frozen=True, slots=True)
class Transition:
    at: dt.datetime  # the instant, UTC
    before: dt.timedelta  # UTC offset until then
    after: dt.timedelta  # UTC offset from then on
    name: str  # abbreviation from then on
    dst: bool

    @property
    def local(self) -> dt.datetime:
        """When it happens on the clocks it changes (RFC 5545's DTSTART: in the offset before), naive."""
        return (self.at + self.before).replace(tzinfo=None)

    @property
    def kind(self) -> tuple[dt.timedelta, dt.timedelta, str, bool]:
        return self.before, self.after, self.name, self.dst


def transitions(tz: ZoneInfo, first_year: int, last_year: int) -> list[Transition]:
    """The zone's changes of offset, name or daylight saving from first_year to last_year."""
    found: list[Transition] = []
    step = 12 * 3600  # no zone changes twice within 12 hours
    moment = int(dt.datetime(first_year, 1, 1, tzinfo=UTC).timestamp())
    end = int(dt.datetime(last_year + 1, 1, 1, tzinfo=UTC).timestamp())
    state = _state(tz, moment)
    while moment < end:
        following = moment + step
        new = _state(tz, following)
        if new != state:
            low, high = moment, following  # the change is in (low, high]: bisect to the second
            while high - low > 1:
                middle = (low + high) // 2
                low, high = (middle, high) if _state(tz, middle) == state else (low, middle)
            found.append(Transition(dt.datetime.fromtimestamp(high, UTC), state[0], new[0], new[1], new[2]))
            state = new
        moment = following
    return found


def _state(tz: ZoneInfo, seconds: int) -> tuple[dt.timedelta, str, bool]:
    here = dt.datetime.fromtimestamp(seconds, tz)
    return here.utcoffset() or dt.timedelta(0), here.tzname() or "", bool(here.dst())


def _rules_for(local: dt.datetime) -> set[str]:
    """The yearly BY* parts that name this local date: the nth or last weekday, or the day."""
    weekday = WEEKDAYS[local.weekday()]
    days = cal.monthrange(local.year, local.month)[1]
    rules = {f"BYMONTH={local.month};BYMONTHDAY={local.day}", f"BYMONTH={local.month};BYDAY={(local.day - 1) // 7 + 1}{weekday}"}
    if days - local.day < 7:
        rules.add(f"BYMONTH={local.month};BYDAY=-1{weekday}")
    # tzdata's "Sun>=2" (the first Sunday on or after the 2nd): the weekday within 7 given days
    for first in range(max(1, local.day - 6), min(local.day, 25) + 1):
        rules.add(f"BYMONTH={local.month};BYDAY={weekday};BYMONTHDAY={','.join(str(d) for d in range(first, first + 7))}")
    return rules


def _preferred(rules: set[str]) -> str:
    """Last weekday, then nth weekday, then a fixed day, then a weekday on or after a day."""
    def rank(rule: str) -> tuple[int, str]:
        if "BYDAY" in rule and "BYMONTHDAY" in rule:
            return 3, rule
        return (0 if "BYDAY=-1" in rule else 1 if "BYDAY" in rule else 2), rule
    return sorted(rules, key=rank)[0]


@dataclass(frozen=True)
class Observance:
    transitions: tuple[Transition, ...]
    rule: str | None  # the BY* parts of a yearly RRULE, or None: each transition on its own
    open_ended: bool  # the rule still holds at the end of the range


def observances(found: list[Transition], last_year: int) -> list[Observance]:
    """Transitions of one kind in consecutive years that one yearly rule names become one
    observance with that RRULE; the rest are written one by one (rule None)."""
    by_kind: dict[tuple[dt.timedelta, dt.timedelta, str, bool], list[Transition]] = {}
    for transition in found:
        by_kind.setdefault(transition.kind, []).append(transition)
    out: list[Observance] = []

    def close(run: list[Transition], rules: set[str], singles: list[Transition]) -> None:
        if len(run) >= 2:
            out.append(Observance(tuple(run), _preferred(rules), run[-1].local.year >= last_year))
        else:
            singles.extend(run)

    for runs in by_kind.values():
        run: list[Transition] = []
        rules: set[str] = set()
        singles: list[Transition] = []

        for transition in runs:
            local = transition.local
            fits = _rules_for(local)
            if run and local.year == run[-1].local.year + 1 and local.time() == run[-1].local.time() and rules & fits:
                run.append(transition)
                rules &= fits
            else:
                close(run, rules, singles)
                run, rules = [transition], fits
        close(run, rules, singles)
        if singles:
            out.append(Observance(tuple(singles), None, False))
    return sorted(out, key=lambda o: o.transitions[0].at)


def _offset(delta: dt.timedelta) -> str:
    seconds = int(delta.total_seconds())
    sign = "-" if seconds < 0 else "+"
    hours, rest = divmod(abs(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{sign}{hours:02d}{minutes:02d}" + (f"{secs:02d}" if secs else "")


def _offsets(transition: Transition) -> list[str]:
    return [f"TZOFFSETFROM:{_offset(transition.before)}", f"TZOFFSETTO:{_offset(transition.after)}",
            f"TZNAME:{transition.name}"]


def _stamp(moment: dt.datetime) -> str:
    return moment.strftime("%Y%m%dT%H%M%S")


def vtimezone_lines(key: str, first_year: int, years: int = 10) -> list[str]:
    """The content lines of the VTIMEZONE of zone `key`, from January of the year before
    first_year (so the offset in force at the first event is defined) on."""
    tz = ZoneInfo(key)
    last_year = first_year + years
    found = transitions(tz, first_year - 1, last_year)
    lines = ["BEGIN:VTIMEZONE", f"TZID:{key}"]
    if not found:  # no change at all: one observance, at the offset the zone has
        offset, name, _ = _state(tz, int(dt.datetime(first_year, 1, 1, tzinfo=UTC).timestamp()))
        return lines + ["BEGIN:STANDARD", "DTSTART:19700101T000000", f"TZOFFSETFROM:{_offset(offset)}",
                        f"TZOFFSETTO:{_offset(offset)}", f"TZNAME:{name}", "END:STANDARD", "END:VTIMEZONE"]
    for observance in observances(found, last_year):
        first = observance.transitions[0]
        part = "DAYLIGHT" if first.dst else "STANDARD"
        lines += [f"BEGIN:{part}", f"DTSTART:{_stamp(first.local)}"]
        if observance.rule is not None:
            until = "" if observance.open_ended else f";UNTIL={_stamp(observance.transitions[-1].at)}Z"
            lines.append(f"RRULE:FREQ=YEARLY;{observance.rule}{until}")
            lines += _offsets(first) + [f"END:{part}"]
            continue
        # No yearly rule: one observance per change. An RDATE list (RFC 5545 allows it) is
        # what ical.js and dateutil misread, so every change gets its own DTSTART instead.
        lines += [f"COMMENT:{RDATE_NOTE}"] + _offsets(first) + [f"END:{part}"]
        for transition in observance.transitions[1:]:
            lines += [f"BEGIN:{part}", f"DTSTART:{_stamp(transition.local)}", f"COMMENT:{RDATE_NOTE}"]
            lines += _offsets(transition) + [f"END:{part}"]
    return lines + ["END:VTIMEZONE"]
