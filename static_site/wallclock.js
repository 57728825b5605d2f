// @ts-check
// Wall-clock times in Warsaw → instants, by the offset in force at that moment.
// The same rules as chalicelib/wallclock.py (both tested against tests/wallclock_cases.json):
// - the offset is the one in force at that wall time in Europe/Warsaw (the IANA tz database,
//   read through Intl): +01:00 in winter, +02:00 in summer; no hand-made DST rule;
// - a time in the spring gap (last Sunday of March, 02:00-02:59) does not exist: NonexistentTime;
// - a time in the autumn hour (last Sunday of October, 02:00-02:59, shown twice) takes the
//   earlier instant, i.e. +02:00 (Python's fold=0).
// No DOM: the officer panel and node's tests import it too.

export const TIME_ZONE = "Europe/Warsaw";
const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

/** A wall time Warsaw's clocks never show (the spring-forward gap). */
export class NonexistentTime extends RangeError {
  constructor(wall) {
    super(`${wall} does not exist in ${TIME_ZONE} (the clocks jump forward)`);
    this.name = "NonexistentTime";
    this.wall = wall;
  }
}

let formatter = null;

function warsawParts(instantMs) {
  formatter ??= new Intl.DateTimeFormat("en-GB", {
    timeZone: TIME_ZONE, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit",
    hour: "2-digit", minute: "2-digit", second: "2-digit",
  });
  const parts = {};
  for (const { type, value } of formatter.formatToParts(new Date(instantMs))) {
    if (type !== "literal") parts[type] = Number(value);
  }
  return parts;
}

/** Minutes east of UTC in force in Warsaw at an instant (a Date or epoch milliseconds). */
export function warsawOffsetMinutes(instant) {
  const ms = instant instanceof Date ? instant.getTime() : Number(instant);
  const whole = Math.floor(ms / 1000) * 1000; // Intl shows whole seconds
  const p = warsawParts(whole);
  const wall = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return Math.round((wall - whole) / MINUTE_MS);
}

const pad = (n, width = 2) => String(n).padStart(width, "0");

function wallText(year, month, day, hour, minute) {
  return `${pad(year, 4)}-${pad(month)}-${pad(day)}T${pad(hour)}:${pad(minute)}`;
}

/**
 * The instant (a Date) a Warsaw clock shows year-month-day hour:minute (month 1-12).
 * Throws RangeError for a date or time that is not on the calendar (e.g. 31 April, 24:00),
 * NonexistentTime for a time in the spring gap; an autumn time is the earlier instant.
 */
export function warsawInstant(year, month, day, hour, minute) {
  const fields = [year, month, day, hour, minute];
  if (!fields.every(Number.isInteger)) throw new RangeError("the date and time must be whole numbers");
  const check = new Date(0);
  check.setUTCFullYear(year, month - 1, day); // not Date.UTC: it reads years 0-99 as 19xx
  check.setUTCHours(hour, minute, 0, 0);
  const asUtc = check.getTime();
  if (year < 1 || year > 9999 || check.getUTCFullYear() !== year || check.getUTCMonth() !== month - 1
      || check.getUTCDate() !== day || check.getUTCHours() !== hour || check.getUTCMinutes() !== minute) {
    throw new RangeError(`${wallText(year, month, day, hour, minute)} is not a date and time`);
  }
  // The offsets in force a day either side include every offset this wall time can have
  // (Warsaw's changes are months apart); keep those that map back to it, take the earliest.
  const offsets = new Set([asUtc - DAY_MS, asUtc, asUtc + DAY_MS].map(warsawOffsetMinutes));
  const instants = [...offsets]
    .map((offset) => asUtc - offset * MINUTE_MS)
    .filter((instant) => warsawOffsetMinutes(instant) * MINUTE_MS === asUtc - instant);
  if (!instants.length) throw new NonexistentTime(wallText(year, month, day, hour, minute));
  return new Date(Math.min(...instants));
}

const WALL = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::00(?:\.0+)?)?$/;

/**
 * A datetime-local value ("2026-10-25T01:30") read as Warsaw time → its instant (a Date).
 * Null when the text is not such a value; throws as warsawInstant does.
 */
export function parseWarsawWallClock(text) {
  const match = WALL.exec(String(text ?? ""));
  if (!match) return null;
  const [year, month, day, hour, minute] = match.slice(1).map(Number);
  return warsawInstant(year, month, day, hour, minute);
}

/** An instant as ISO 8601 with Warsaw's offset then: "2026-10-25T01:30:00+02:00". */
export function warsawIsoOf(instant) {
  const ms = instant instanceof Date ? instant.getTime() : Number(instant);
  const offset = warsawOffsetMinutes(ms);
  const wall = new Date(Math.floor(ms / 1000) * 1000 + offset * MINUTE_MS);
  const sign = offset < 0 ? "-" : "+";
  const abs = Math.abs(offset);
  return `${wall.toISOString().slice(0, 19)}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

/**
 * "2026-10-25T01:30" read as Warsaw time → "2026-10-25T01:30:00+02:00" (what the API takes).
 * Null when the text is not a datetime-local value; throws NonexistentTime for a gap time.
 */
export function warsawIso(text) {
  const instant = parseWarsawWallClock(text);
  return instant === null ? null : warsawIsoOf(instant);
}

/** An instant as a datetime-local value in Warsaw ("2026-10-25T01:30"), e.g. a field's max. */
export function warsawWallClock(instant = new Date()) {
  const p = warsawParts(instant instanceof Date ? instant.getTime() : Number(instant));
  return wallText(p.year, p.month, p.day, p.hour, p.minute);
}
