"""When reports and tuning run: the plan's report times as systemd timers and a CI schedule.

  reporting.daily_report.time      `monplan report --period day` every day at that time
  reporting.weekly_review          `monplan report --period week` and `monplan tune --since 7d
                                   --write-plan`, one hour before the meeting, for its agenda
                                   ("review monitoring data ... update thresholds if needed")
  refinement.review_after,         `monplan tune --since <that>` once, that long after
  refinement.full_review_after     deployment.time ("after the first 24 hours", "after 7 days")

Times are the plan's wall-clock times in its time zone. systemd timers take the zone
directly. GitHub Actions cron is UTC only, so the workflow has one cron line per UTC
offset the zone uses in the year, and a first step that lets only the line matching the
zone's offset at run time go on: the report runs at its local time all year.
"""

from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

from monplan.formats.render import header, one_line
from monplan.lang import durations
from monplan.model.plan import Plan
from monplan.model.settings import PLACEHOLDER

OUT = "schedules"
DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
SYSTEMD_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
WORKDIR = "/srv/monplan"  # where the units expect the checkout holding the plan


def _known(text: str | None) -> bool:
    return bool(text) and not PLACEHOLDER.fullmatch(str(text))


def _clock(text: str) -> tuple[int, int]:
    hour, minute = text.split(":")
    return int(hour), int(minute)


def weekly_run(day: str, time: str) -> tuple[int, int, int]:
    """(weekday 0=Monday, hour, minute) one hour before the weekly review."""
    hour, minute = _clock(time)
    moment = dt.datetime(2024, 1, 1 + DAYS.index(day), hour, minute) - dt.timedelta(hours=1)  # 2024-01-01 is a Monday
    return moment.weekday(), moment.hour, moment.minute


def utc_offsets(tz: ZoneInfo, year: int) -> list[dt.timedelta]:
    """The UTC offsets the zone uses in `year`, in order of first use."""
    out: list[dt.timedelta] = []
    for day in range(0, 366, 1):
        moment = dt.datetime(year, 1, 1, 12, tzinfo=tz) + dt.timedelta(days=day)
        offset = moment.utcoffset()
        if offset is not None and offset not in out:
            out.append(offset)
    return out


def utc_cron(weekday: int | None, hour: int, minute: int, offset: dt.timedelta) -> str:
    """A cron line (UTC) for a local time at a given UTC offset; weekday 0=Monday or None (daily)."""
    local = dt.datetime(2024, 1, 1 + (weekday or 0), hour, minute)
    utc = local - offset
    dow = "*" if weekday is None else str((utc.weekday() + 1) % 7)  # cron: 0 is Sunday
    return f"{utc.minute} {utc.hour} * * {dow}"


def offset_text(offset: dt.timedelta) -> str:
    """`date +%z` spelling: +0100, -0330."""
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    return f"{sign}{abs(minutes) // 60:02d}{abs(minutes) % 60:02d}"


# The scripts hold no plan text: the plan's file name, the Prometheus URL and the time zone
# reach them as positional arguments ("$1", "$2", "$3"; "$4" the refinement's lookback), so
# no quote, $(...), backtick or line break in them is ever read by a shell.
PLAN_ARG, URL_ARG, TZ_ARG, SINCE_ARG = '"$1"', '"$2"', '"$3"', '"$4"'


def systemd_word(text: str) -> str:
    """One argument of ExecStart= as systemd reads it back (systemd.service(5), "Command lines"):
    double-quoted, with backslash and double quote escaped, control characters as C escapes,
    % doubled (else a specifier such as %h) and $ doubled (else an environment variable)."""
    out = []
    for char in text:
        if char in '\\"':
            out.append("\\" + char)
        elif char == "%":
            out.append("%%")
        elif char == "$":
            out.append("$$")
        elif not char.isprintable() or char in "\u2028\u2029":
            code = ord(char)
            out.append(f"\\x{code:02x}" if code < 0x80 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def _service(what: str, source: str, commands: list[str], url: str, tz: str, *, instance: bool = False) -> bytes:
    """A oneshot unit running `commands` in the plan's checkout: `sh -c SCRIPT sh PLAN URL TZ`,
    each a single argument, and with `instance` systemd's %i (the template's instance) as $4."""
    script = " && ".join(["mkdir -p reports", *commands])
    args = " ".join(systemd_word(arg) for arg in ("sh", source, url, tz))
    text = (header(source, what) +
            f"# Install: copy the .service and .timer files to /etc/systemd/system/, point WorkingDirectory at the\n"
            f"# checkout holding the plan (monplan installed), then: systemctl enable --now <name>.timer\n"
            f"[Unit]\nDescription={_unit_text(what)}\nWants=network-online.target\nAfter=network-online.target\n\n"
            f"[Service]\nType=oneshot\nWorkingDirectory={WORKDIR}\n"
            f"ExecStart=/bin/sh -c {systemd_word(script)} {args}{' %i' if instance else ''}\n")
    return text.encode()


def _unit_text(text: str) -> str:
    """Plan text (the system's name) as a unit setting's value: one line, so it cannot start a
    setting of its own, and % doubled, as systemd expands specifiers such as %h there. A line
    ending in an odd number of backslashes would continue on the next (Wants=...), so the last
    one is doubled: systemd then reads it as escaped and ends the line."""
    text = one_line(text).replace("%", "%%")
    trailing = len(text) - len(text.rstrip("\\"))
    return text + "\\" if trailing % 2 else text


def _timer(what: str, source: str, calendars: list[str], unit: str | None = None, persistent: bool = True) -> bytes:
    lines = [header(source, what).rstrip("\n"), "[Unit]", f"Description={_unit_text(what)}", "", "[Timer]"]
    lines += [f"OnCalendar={calendar}" for calendar in calendars]
    if unit:
        lines.append(f"Unit={unit}")
    if persistent:
        lines.append("Persistent=true")  # a run missed while the machine was off happens at boot
    lines += ["", "[Install]", "WantedBy=timers.target", ""]
    return "\n".join(lines).encode()


def commands(plan_word: str = PLAN_ARG, url_word: str = URL_ARG, tz_word: str = TZ_ARG) -> dict[str, list[str]]:
    """The shell commands of each scheduled job; reports land in reports/ with their date.
    The plan's values are double-quoted parameter expansions (the systemd script's arguments,
    the workflow's environment), never the script's text."""
    PLAN_ARG, URL_ARG, TZ_ARG = plan_word, url_word, tz_word
    base = f"monplan report --plan {PLAN_ARG} --prometheus {URL_ARG}"
    today = f"$(TZ={TZ_ARG} date +%F)"
    return {
        "daily": [f'{base} --period day --format html --out "reports/daily-{today}.html"'],
        "weekly": [f'{base} --period week --format html --out "reports/weekly-{today}.html"',
                   f"monplan tune --plan {PLAN_ARG} --prometheus {URL_ARG} --since 7d "
                   f'--write-plan "reports/plan.tuned-{today}.yaml" > "reports/tune-{today}.txt"'],
    }


def _systemd(plan: Plan, source: str) -> dict[str, bytes]:
    settings = plan.settings
    assert settings.reporting is not None
    tz, files = settings.timezone, {}
    url = settings.endpoints.prometheus_url
    jobs = commands()
    daily, weekly = settings.reporting.daily_report, settings.reporting.weekly_review
    path = f"{OUT}/systemd/monplan"
    if _known(daily.time):
        what = f"monplan daily report of {settings.system}"
        files[f"{path}-daily-report.service"] = _service(what, source, jobs["daily"], url, tz)
        files[f"{path}-daily-report.timer"] = _timer(what, source, [f"*-*-* {daily.time}:00 {tz}"])
    if _known(weekly.day) and _known(weekly.time):
        day, hour, minute = weekly_run(weekly.day, weekly.time)
        what = f"monplan weekly review data of {settings.system} (report and tuning, an hour before the meeting)"
        files[f"{path}-weekly-review.service"] = _service(what, source, jobs["weekly"], url, tz)
        files[f"{path}-weekly-review.timer"] = _timer(what, source, [f"{SYSTEMD_DAYS[day]} *-*-* {hour:02d}:{minute:02d}:00 {tz}"])
    files.update(_refinement(plan, source, path))
    return files


def _refinement(plan: Plan, source: str, path: str) -> dict[str, bytes]:
    settings = plan.settings
    if settings.refinement is None or settings.deployment is None:
        return {}
    full = settings.refinement.full_review_after
    reviews: dict[int, str] = {}  # in the plan's own spelling ("24h", not "1d"), each lookback once
    for text in [*settings.refinement.review_after, *([full] if full else [])]:
        reviews.setdefault(durations.parse_ms(text), text.strip())
    if not reviews:
        return {}
    what = f"monplan refinement review of {settings.system}: tuning over the time since deployment"
    # One template unit; each timer starts it with its lookback as the instance (%i, the script's $4).
    files = {f"{path}-refinement@.service": _service(what, source, [
        f"monplan tune --plan {PLAN_ARG} --prometheus {URL_ARG} --since {SINCE_ARG} "
        f'--write-plan "reports/plan.tuned-after-{SINCE_ARG[1:-1]}.yaml" > "reports/tune-after-{SINCE_ARG[1:-1]}.txt"'],
        settings.endpoints.prometheus_url, settings.timezone, instance=True)}
    tz = ZoneInfo(settings.timezone)
    for ms, review in reviews.items():
        moment = (settings.deployment.time + dt.timedelta(milliseconds=ms)).astimezone(tz)
        files[f"{path}-refinement-{review}.timer"] = _timer(
            f"monplan refinement review {review} after deployment", source,
            [f"{moment:%Y-%m-%d %H:%M:%S} {settings.timezone}"], unit=f"monplan-refinement@{review}.service", persistent=True)
    return files


def _github(plan: Plan, source: str) -> bytes | None:
    settings = plan.settings
    assert settings.reporting is not None
    daily, weekly = settings.reporting.daily_report, settings.reporting.weekly_review
    tz = ZoneInfo(settings.timezone)
    year = settings.deployment.time.year if settings.deployment else 2026
    offsets = utc_offsets(tz, year)
    jobs: list[tuple[str, str, list[tuple[str, str]]]] = []  # (job, title, [(cron, offset)])
    if _known(daily.time):
        hour, minute = _clock(daily.time)
        jobs.append(("daily-report", f"daily report at {daily.time}",
                     [(utc_cron(None, hour, minute, o), offset_text(o)) for o in offsets]))
    if _known(weekly.day) and _known(weekly.time):
        day, hour, minute = weekly_run(weekly.day, weekly.time)
        jobs.append(("weekly-review", f"weekly review data {SYSTEMD_DAYS[day]} {hour:02d}:{minute:02d}",
                     [(utc_cron(day, hour, minute, o), offset_text(o)) for o in offsets]))
    if not jobs:
        return None
    run = commands('"$MONPLAN_PLAN"', '"${PROMETHEUS_URL:-$MONPLAN_PROMETHEUS_URL}"', '"$MONPLAN_TZ"')
    q = json.dumps  # JSON strings are YAML double-quoted scalars
    out = [header(source, f"GitHub Actions schedule of {settings.system}'s reports").rstrip("\n"),
           "# Copy to .github/workflows/. GitHub's cron is UTC: each job has a line per UTC offset of",
           f"# {settings.timezone} and runs only on the line matching today's offset, so it keeps local time.",
           "# Repository variables: PROMETHEUS_URL (default: the plan's endpoints.prometheus_url) and",
           "# MONPLAN_RUNNER, a runner that can reach it (self-hosted when Prometheus is internal).",
           "name: monplan reports", "\"on\":  # quoted: YAML 1.1 readers take a bare on for true", "  schedule:"]
    for _job, title, lines in jobs:
        out += [f"    - cron: {q(cron)}  # {title} {settings.timezone} at UTC{offset}" for cron, offset in lines]
    out += ["  workflow_dispatch:", "    inputs:", "      job:", "        type: choice",
            f"        options: [{', '.join(job for job, _, _ in jobs)}]", f"        default: {jobs[0][0]}",
            "permissions:", "  contents: read", "jobs:"]
    for job, title, lines in jobs:
        due = " | ".join(f'"{cron}|{offset}"' for cron, offset in lines)
        script = run["daily" if job == "daily-report" else "weekly"]
        # Plan values reach the scripts through env: only as "$VARIABLES", never in run: text.
        out += [f"  {job}:", "    runs-on: ${{ vars.MONPLAN_RUNNER || 'ubuntu-latest' }}", "    env:",
                "      PROMETHEUS_URL: ${{ vars.PROMETHEUS_URL }}",
                f"      MONPLAN_PROMETHEUS_URL: {q(_literal(settings.endpoints.prometheus_url))}",
                f"      MONPLAN_PLAN: {q(_literal(source))}", f"      MONPLAN_TZ: {q(_literal(settings.timezone))}",
                "    steps:",
                "      - id: due", f"        name: Due now? ({title} {settings.timezone})", "        env:",
                "          EVENT: ${{ github.event_name }}", "          SCHEDULE: ${{ github.event.schedule }}",
                "          CHOICE: ${{ inputs.job }}", "        run: |",
                f'          if [ "$EVENT" = workflow_dispatch ]; then due=$([ "$CHOICE" = {job} ] && echo true || echo false)',
                f'          else case "$SCHEDULE|$(TZ="$MONPLAN_TZ" date +%z)" in {due}) due=true ;; *) due=false ;; esac',
                "          fi", '          echo "due=$due" >> "$GITHUB_OUTPUT"',
                "      - if: steps.due.outputs.due == 'true'", "        uses: actions/checkout@v4",
                "      - if: steps.due.outputs.due == 'true'", "        uses: actions/setup-python@v5",
                "        with:", "          python-version: \"3.11\"",
                "      - if: steps.due.outputs.due == 'true'", "        name: Install monplan",
                "        run: pip install .",
                "      - if: steps.due.outputs.due == 'true'", f"        name: {title[0].upper() + title[1:]}",
                "        run: |", "          mkdir -p reports", *(f"          {line}" for line in script),
                "      - if: steps.due.outputs.due == 'true'", "        uses: actions/upload-artifact@v4",
                "        with:", f"          name: {job}", "          path: reports/"]
    return ("\n".join(out) + "\n").encode()


def _literal(text: str) -> str:
    """Text GitHub Actions leaves as it is: it evaluates ${{ ... }} in every value, and has no
    escape but an expression whose value is the two characters' text."""
    return text.replace("${{", "${{ '${{' }}")


def generate(plan: Plan) -> dict[str, bytes]:
    if plan.settings.reporting is None:
        return {}
    source = plan.source
    files = _systemd(plan, source)
    workflow = _github(plan, source)
    if workflow is not None:
        files[f"{OUT}/github/monplan-reports.yml"] = workflow
    return files
