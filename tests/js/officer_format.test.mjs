// static_site/officer/format.js: the panel's times (Warsaw wall clock), calendar dates (no time
// zone), today's date in Warsaw and distances, whatever the machine's time zone.
import assert from "node:assert/strict";
import { test } from "node:test";

process.env.TZ = "America/New_York"; // a browser far from Warsaw must show Warsaw's clock
const { calendarDate, distance, reportLink, warsawToday, when } = await import("../../static_site/officer/format.js");

const INSTANTS = [
  ["2026-11-29T22:30:00Z", "29.11.2026, 23:30"], // winter: +01:00
  ["2026-11-29T23:30:00Z", "30.11.2026, 00:30"], // the next day in Warsaw already
  ["2026-07-01T22:15:00+00:00", "2.07.2026, 00:15"], // summer: +02:00
  ["2026-03-29T00:59:00Z", "29.03.2026, 01:59"], // just before the spring change
  ["2026-03-29T01:00:00Z", "29.03.2026, 03:00"], // just after it
  ["2026-10-25T00:30:00Z", "25.10.2026, 02:30"], // the autumn hour, first time (+02:00)
  ["2026-10-25T01:30:00Z", "25.10.2026, 02:30"], // and again (+01:00)
];
for (const [iso, shown] of INSTANTS) {
  test(`${iso} is shown as ${shown} (Warsaw)`, () => {
    assert.equal(when(iso).replace(/\u202f|\u00a0/g, " "), shown);
  });
}

test("a calendar date is shown as that date, never as a midnight instant", () => {
  for (const [iso, shown] of [["2026-11-29", "29.11.2026"], ["2026-03-29", "29.03.2026"], ["2024-02-29", "29.02.2024"]]) {
    assert.equal(when(iso), shown);
    assert.equal(calendarDate(iso), shown);
  }
  assert.equal(calendarDate(""), "—");
  assert.equal(calendarDate("29.11.2026"), "29.11.2026"); // not one: shown as it is
  assert.equal(when(null), "—");
  assert.equal(when("not a date"), "not a date");
});

test("today in Warsaw, around midnight there and here", () => {
  assert.equal(warsawToday(new Date("2026-11-29T22:59:00Z")), "2026-11-29");
  assert.equal(warsawToday(new Date("2026-11-29T23:00:00Z")), "2026-11-30");
  assert.equal(warsawToday(new Date("2026-06-30T21:59:00Z")), "2026-06-30");
  assert.equal(warsawToday(new Date("2026-06-30T22:00:00Z")), "2026-07-01");
});

test("distances as an officer reads them", () => {
  assert.equal(distance(40.4), "40 m");
  assert.equal(distance(999.4), "999 m");
  assert.equal(distance(1234), "1,2 km");
  assert.equal(distance(Number.NaN), "");
  assert.equal(distance(undefined), "");
});

test("a report's link escapes its id", () => {
  assert.equal(reportLink("a/b c"), "#/r/a%2Fb%20c");
});
