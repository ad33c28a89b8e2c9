"""The monitoring schedule as calendar entries: watches, check-ins, reports, reviews.

Counted from the deployment time in the plan's zone: "hours 1-4" is the first four hours,
"days 2-7" the second to seventh local day, "days 8-" everything after. Bounded activities
become one event per occurrence; open-ended ones (the daily report, the weekly review)
recur with an RRULE on local wall time, so they stay at their hour across DST changes.
"""

from __future__ import annotations

import datetime as dt

from monplan.formats.ical import Entry
from monplan.lang import durations
from monplan.model.schedule import deployed_at, during_window, plus_days, plus_elapsed, time_of_day
from monplan.model.settings import PLACEHOLDER, Activity, Settings

CHECK = dt.timedelta(minutes=15)  # how long a check-in is blocked in the calendar
_HOUR = dt.timedelta(hours=1)
_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_RRULE_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


def _first_at(begin: dt.datetime, at: dt.time, weekday: int | None = None) -> dt.datetime:
    """The first local time `at` (on `weekday`, if given) at or after `begin`."""
    day = begin.date()
    while True:
        moment = dt.datetime.combine(day, at, tzinfo=begin.tzinfo)
        if moment >= begin and (weekday is None or day.weekday() == weekday):
            return moment
        day += dt.timedelta(days=1)


def _repeat(kind: str, summary: str, begin: dt.datetime, end: dt.datetime | None, at: dt.time, length: dt.timedelta,
            description: str, weekday: int | None = None) -> list[Entry]:
    """Daily (or weekly on `weekday`) occurrences at local time `at` from begin until end (None: for ever)."""
    first = _first_at(begin, at, weekday)
    if end is None:
        rule: dict[str, object] = {"freq": "weekly" if weekday is not None else "daily"}
        if weekday is not None:
            rule["byday"] = _RRULE_DAYS[weekday]
        return [Entry(kind, summary, first, plus_elapsed(first, length), description, rrule=rule)]
    step = 7 if weekday is not None else 1
    out, moment = [], first
    while moment < end:
        out.append(Entry(kind, summary, moment, plus_elapsed(moment, length), description))
        moment = plus_days(moment, step)
    return out


def _daily_report(settings: Settings) -> tuple[dt.time, str]:
    report = settings.reporting.daily_report if settings.reporting else None
    if report is None:
        return dt.time(9, 0), ""
    return time_of_day(report.time), "Contents: " + "; ".join(item.item for item in report.contents) + "."


def _weekly_review(settings: Settings) -> tuple[int, dt.time, dt.timedelta, str] | None:
    review = settings.reporting.weekly_review if settings.reporting else None
    if review is None or PLACEHOLDER.fullmatch(review.day) or PLACEHOLDER.fullmatch(review.time):
        return None  # [DAY] at [TIME]: not scheduled yet
    lines = []
    if review.participants:
        lines.append("Participants: " + ", ".join(review.participants) + ".")
    if review.agenda:
        lines.append("Agenda: " + "; ".join(review.agenda) + ".")
    return (_DAYS.index(review.day), time_of_day(review.time), dt.timedelta(milliseconds=durations.parse_ms(review.duration)),
            "\n".join(lines))


def _activity(settings: Settings, start: dt.datetime, period: str, activity: Activity) -> list[Entry]:
    begin, end = during_window(start, activity.during)
    about = f"{period}: {activity.activity} ({activity.during})." + (f" Owner: {activity.owner}." if activity.owner else "")
    summary = activity.activity
    if activity.at:
        entries = []
        for text in activity.at:
            if not PLACEHOLDER.fullmatch(text):
                entries += _repeat("check", summary, begin, end, time_of_day(text), CHECK, about)
        return entries
    if activity.cadence == "hourly" and end is not None:
        checks = [plus_elapsed(begin, k * dt.timedelta(hours=1)) for k in range(int((end - begin) / dt.timedelta(hours=1)))]
        return [Entry("check", summary, moment, plus_elapsed(moment, CHECK), about) for moment in checks]
    if activity.cadence == "daily":
        at, contents = _daily_report(settings)
        return _repeat("report", summary, begin, end, at, CHECK, "\n".join(filter(None, (about, contents))))
    if activity.cadence == "weekly":
        review = _weekly_review(settings)
        if review is None:
            return []
        weekday, at, length, details = review
        return _repeat("review", summary, begin, end, at, length, "\n".join(filter(None, (about, details))), weekday)
    # continuous (a watch over the whole window) or once
    return [Entry("watch", summary, begin, end if end is not None else plus_elapsed(begin, CHECK), about)]


def schedule_entries(settings: Settings) -> list[Entry]:
    """Every activity of monitoring_schedule, the reports and reviews, and the refinement reviews."""
    start = deployed_at(settings)
    if start is None:
        return []
    entries: list[Entry] = []
    cadences = set()
    for period in settings.monitoring_schedule:
        for activity in period.activities:
            entries += _activity(settings, start, period.period, activity)
            if not activity.at:
                cadences.add(activity.cadence)
    after_day_one = plus_days(start, 1)
    if settings.reporting and "daily" not in cadences:  # a daily report the schedule does not place
        at, contents = _daily_report(settings)
        entries += _repeat("report", "Daily report", after_day_one, None, at, CHECK, contents)
    review = _weekly_review(settings)
    if review is not None and "weekly" not in cadences:
        weekday, at, length, details = review
        entries += _repeat("review", "Weekly review meeting", after_day_one, None, at, length, details, weekday)
    if settings.refinement:
        entries += _refinement(settings, start)
    return entries


def _refinement(settings: Settings, start: dt.datetime) -> list[Entry]:
    assert settings.refinement is not None
    actions = "\n".join(f"- {action}" for action in settings.refinement.actions)
    out = []
    for after in settings.refinement.review_after:
        moment = plus_elapsed(start, dt.timedelta(milliseconds=durations.parse_ms(after)))
        out.append(Entry("review", f"Monitoring refinement after {after}", moment, plus_elapsed(moment, _HOUR),
                         "\n".join(filter(None, (settings.refinement.statement, actions)))))
    if settings.refinement.full_review_after:
        moment = plus_elapsed(start, dt.timedelta(milliseconds=durations.parse_ms(settings.refinement.full_review_after)))
        out.append(Entry("review", "Full review of the monitoring plan", moment, plus_elapsed(moment, _HOUR),
                         "Review the whole plan and update it for long-term monitoring."))
    return out
