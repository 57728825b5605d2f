// static_site/wallclock.js against the cases chalicelib/wallclock.py is tested with.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

import {
  NonexistentTime, parseWarsawWallClock, warsawInstant, warsawIso, warsawIsoOf,
  warsawOffsetMinutes, warsawWallClock,
} from "../../static_site/wallclock.js";

const CASES = JSON.parse(readFileSync(new URL("../wallclock_cases.json", import.meta.url), "utf8"));

const fields = (wall) => wall.match(/^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/).slice(1).map(Number);

for (const { wall, utc, note } of CASES.instants) {
  test(`${wall} in Warsaw is ${utc} UTC (${note})`, () => {
    const expected = new Date(`${utc}:00Z`);
    assert.equal(warsawInstant(...fields(wall)).toISOString(), expected.toISOString());
    assert.equal(parseWarsawWallClock(wall).toISOString(), expected.toISOString());
    // What the form sends: the wall time as typed with the offset in force then.
    const offset = (Date.parse(`${wall}:00Z`) - expected.getTime()) / 60000;
    const sign = offset < 0 ? "-" : "+";
    const hh = String(Math.floor(Math.abs(offset) / 60)).padStart(2, "0");
    const mm = String(Math.abs(offset) % 60).padStart(2, "0");
    assert.equal(warsawIso(wall), `${wall}:00${sign}${hh}:${mm}`);
    assert.equal(new Date(warsawIso(wall)).getTime(), expected.getTime());
    assert.equal(warsawWallClock(expected), wall);
  });
}

for (const wall of CASES.nonexistent) {
  test(`${wall} does not exist in Warsaw and is refused`, () => {
    assert.throws(() => warsawInstant(...fields(wall)), NonexistentTime);
    assert.throws(() => warsawIso(wall), (error) => error instanceof NonexistentTime
      && error instanceof RangeError && error.wall === wall);
  });
}

test("the offset in force comes from the time zone database, not a fixed rule", () => {
  assert.equal(warsawOffsetMinutes(new Date("2026-10-25T00:59:59Z")), 120);
  assert.equal(warsawOffsetMinutes(new Date("2026-10-25T01:00:00Z")), 60);
  assert.equal(warsawOffsetMinutes(new Date("2026-03-29T00:59:59Z")), 60);
  assert.equal(warsawOffsetMinutes(new Date("2026-03-29T01:00:00Z")), 120);
  // The second 02:30 of the autumn night is shown with its own offset.
  assert.equal(warsawIsoOf(new Date("2026-10-25T01:30:00Z")), "2026-10-25T02:30:00+01:00");
});

test("what is not a date and time is refused, not rolled over", () => {
  assert.equal(warsawIso("2026-10-25 01:30x"), null);
  assert.equal(warsawIso(""), null);
  assert.equal(parseWarsawWallClock(undefined), null);
  for (const wall of ["2026-02-30T12:00", "2026-04-31T08:00", "2026-13-01T00:00", "2026-01-01T24:00",
    "2026-01-01T12:60"]) {
    assert.throws(() => warsawIso(wall), RangeError, wall);
  }
  assert.throws(() => warsawInstant(2026, 1, 1, 1.5, 0), RangeError);
});
