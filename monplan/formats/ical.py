"""iCalendar (RFC 5545) files of the rotation and the monitoring schedule, with `icalendar`.

Times are local wall times with a TZID and a VTIMEZONE, so calendars show a shift that
crosses a daylight-saving change as ending at the handoff time. Output is deterministic:
DTSTAMP is the deployment time (or the first shift), and each UID is a hash of the event.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any

from monplan.model.escalation import steps
from monplan.model.schedule import Window, repeats, shift_windows
from monplan.model.settings import Person, Settings

PRODID = "-//monplan//monitoring plan//EN"


@dataclass(frozen=True)
class Entry:
    """One calendar event before it becomes iCalendar."""

    kind: str  # shift, check, watch, report, review
    summary: str
    start: dt.datetime  # aware, in the calendar's zone
    end: dt.datetime
    description: str = ""
    rrule: dict[str, Any] | None = None  # for open-ended recurrences only
    attendees: tuple[tuple[str, str, str], ...] = ()  # (name, email, ROLE)
    categories: tuple[str, ...] = ()
    busy: bool = True


def person(settings: Settings, name: str) -> Person | None:
    return next((p for p in settings.people if p.name == name), None)


def oncall_identity(settings: Settings, name: str) -> str:
    """What Grafana OnCall/IRM matches a shift to: its username or email (the event title)."""
    found = person(settings, name)
    if found is None:
        return name
    return found.oncall_user or found.email or found.name


def _who(settings: Settings, name: str) -> str:
    found = person(settings, name)
    details = [d for d in (found.role, found.email) if d] if found else []
    return f"{name} ({', '.join(details)})" if details else name


def escalation_text(settings: Settings) -> str:
    parts = []
    for step in steps(settings):
        when = "at once" if step.after_ms == 0 else f"after {step.after}"
        parts.append(f"{step.title}: {', '.join(step.who())}, {when}")
    return "; ".join(parts)


def shift_entries(settings: Settings) -> list[Entry]:
    """Two events per shift of the rotation: the primary's and the secondary's."""
    windows = shift_windows(settings) if settings.oncall else None
    entries = []
    for window in windows or []:
        for role, name in (("primary", window.primary), ("secondary", window.secondary)):
            entries.append(Entry(
                "shift", f"On call, {role}: {name} ({window.name})", window.start, window.end,
                description=_shift_description(settings, window), categories=("On call", role.capitalize()),
                attendees=_attendee(settings, name, "REQ-PARTICIPANT" if role == "primary" else "OPT-PARTICIPANT"),
                busy=False, rrule=_weekly(settings),
            ))
    return entries


def _weekly(settings: Settings) -> dict[str, Any] | None:
    """A weekly rotation's shifts recur every week, at the same local times, with no end."""
    return {"freq": "weekly"} if repeats(settings) else None


def _attendee(settings: Settings, name: str, role: str) -> tuple[tuple[str, str, str], ...]:
    found = person(settings, name)
    return ((name, found.email, role),) if found and found.email else ()


def _shift_description(settings: Settings, window: Window) -> str:
    again = ", then every week" if repeats(settings) else ""
    lines = [f"{window.name} of the {settings.system} on-call rotation, "
             f"{window.start:%Y-%m-%d %H:%M} to {window.end:%Y-%m-%d %H:%M} ({window.start.tzinfo}){again}.",
             f"Primary: {_who(settings, window.primary)}", f"Secondary: {_who(settings, window.secondary)}"]
    if settings.escalation_path:
        lines.append(f"Escalation: {escalation_text(settings)}")
    return "\n".join(lines)


def oncall_entries(settings: Settings, role: str) -> list[Entry]:
    """Grafana OnCall/IRM's import format: one event per shift titled with the user's username or email.

    OnCall reads the title (and the description) as usernames, so nothing else is written.
    """
    windows = shift_windows(settings) if settings.oncall else None
    return [Entry("shift", oncall_identity(settings, getattr(w, role)), w.start, w.end, busy=False, rrule=_weekly(settings))
            for w in windows or []]


def _uid(system: str, entry: Entry, *, whole: bool = False) -> str:
    """A hash of the event's kind, summary and start; `whole`: of everything it holds as well."""
    parts = [system, entry.kind, entry.summary, entry.start.isoformat()]
    if whole:
        parts.append(repr((entry.end.isoformat(), entry.description, sorted((entry.rrule or {}).items()),
                           entry.attendees, entry.categories, entry.busy)))
    digest = hashlib.sha256("\n".join(parts).encode())
    return f"{digest.hexdigest()[:32]}@monplan"


def stamp(settings: Settings) -> dt.datetime:
    """DTSTAMP of every event: when the plan's deployment happened, so builds are reproducible."""
    if settings.deployment is not None:
        return settings.deployment.time.astimezone(dt.UTC)
    windows = shift_windows(settings) if settings.oncall else None
    if windows:
        return windows[0].start.astimezone(dt.UTC)
    return dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def calendar(settings: Settings, name: str, entries: list[Entry]) -> bytes:
    from icalendar import Calendar, Event, vCalAddress, vText

    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    # icalendar escapes only the properties it knows as TEXT; the calendar's name holds the
    # system's (a line break in it would end the content line), so it is TEXT explicitly.
    cal.add("x-wr-calname", vText(name))
    when = stamp(settings)
    taken: dict[str, Entry] = {}
    for entry in sorted(entries, key=lambda e: (e.start, e.kind, e.summary)):
        uid = _uid(settings.system, entry)
        if uid in taken:
            # A UID names one event (RFC 5545): a second with the same one replaces the first in
            # calendar clients. The same check written twice (a repeated `at` time, an activity
            # copied into two periods' words) is one event; different events that share a
            # summary and start are told apart by all they hold.
            if taken[uid] == entry:
                continue
            uid = _uid(settings.system, entry, whole=True)
            if uid in taken:
                continue
        taken[uid] = entry
        event = Event()
        event.add("uid", uid)
        event.add("dtstamp", when)
        event.add("dtstart", entry.start)
        event.add("dtend", entry.end)
        event.add("summary", entry.summary)
        if entry.description:
            event.add("description", entry.description)
        if entry.rrule:
            event.add("rrule", entry.rrule)
        for attendee_name, email, role in entry.attendees:
            address = vCalAddress(f"mailto:{email}")
            address.params["cn"] = attendee_name
            address.params["role"] = role
            event.add("attendee", address, encode=False)
        if entry.categories:
            event.add("categories", list(entry.categories))
        event.add("transp", "OPAQUE" if entry.busy else "TRANSPARENT")
        cal.add_component(event)
    text: bytes = cal.to_ical()
    if entries:
        # The zones of the events as yearly rules (monplan/formats/vtimezone.py: icalendar's own RDATE
        # lists shift events by an hour in ical.js and dateutil), before the first event.
        first_year = min(e.start for e in entries).year
        zones = sorted({str(moment.tzinfo) for e in entries for moment in (e.start, e.end)
                        if str(moment.tzinfo) not in ("UTC", "None")})
        block = b"".join(_timezone_block(key, first_year) for key in zones)
        at = text.find(b"BEGIN:VEVENT\r\n")
        text = text[:at] + block + text[at:] if at >= 0 else text
    return text


def _timezone_block(key: str, first_year: int) -> bytes:
    from icalendar import Timezone

    from monplan.formats.vtimezone import vtimezone_lines

    # Through icalendar, so the file is in its canonical form (it round-trips byte for byte).
    block: bytes = Timezone.from_ical("\r\n".join(vtimezone_lines(key, first_year)) + "\r\n").to_ical()
    return block
