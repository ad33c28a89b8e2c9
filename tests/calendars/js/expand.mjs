// Expand every event of an iCalendar file with Mozilla's ical.js, as Thunderbird would:
// node expand.mjs FILE UNTIL_UNIX_SECONDS  ->  JSON [{summary, start, end}] in Unix seconds.
// The file's own VTIMEZONEs are registered first, so the zones are read from the file.
import { readFileSync } from "node:fs";
import ICAL from "ical.js";

const [file, until] = process.argv.slice(2);
const root = new ICAL.Component(ICAL.parse(readFileSync(file, "utf8")));
for (const zone of root.getAllSubcomponents("vtimezone")) {
  ICAL.TimezoneService.register(zone);
}
const out = [];
for (const vevent of root.getAllSubcomponents("vevent")) {
  const event = new ICAL.Event(vevent);
  const it = event.iterator();
  for (let next = it.next(); next; next = it.next()) {
    const details = event.getOccurrenceDetails(next);
    if (details.startDate.toUnixTime() >= Number(until)) break;
    out.push({ summary: event.summary, start: details.startDate.toUnixTime(), end: details.endDate.toUnixTime(),
               zone: details.startDate.zone ? details.startDate.zone.tzid : null });
  }
}
process.stdout.write(JSON.stringify(out));
