// The report form's checks: "Kiedy" (what is sent, what is refused) and the description's characters.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

import { occurredAt } from "../../static_site/report.js";

const CASES = JSON.parse(readFileSync(new URL("../wallclock_cases.json", import.meta.url), "utf8"));

test("an empty field sends nothing", () => {
  assert.deepEqual(occurredAt(""), {});
});

test("the autumn night's 01:30 is sent as +02:00, the offset in force then", () => {
  assert.deepEqual(occurredAt("2026-10-25T01:30"), { iso: "2026-10-25T01:30:00+02:00" });
  assert.deepEqual(occurredAt("2026-10-25T02:30"), { iso: "2026-10-25T02:30:00+02:00" });
  assert.deepEqual(occurredAt("2026-10-25T03:30"), { iso: "2026-10-25T03:30:00+01:00" });
});

test("every past case of the shared file is sent as the instant the server expects", () => {
  for (const { wall, utc } of CASES.instants) {
    if (Date.parse(`${utc}:00Z`) > Date.now()) continue;
    const { iso } = occurredAt(wall);
    assert.equal(new Date(iso).toISOString(), new Date(`${utc}:00Z`).toISOString(), wall);
    assert.ok(iso.startsWith(`${wall}:00+0`), iso); // the wall time as typed, with its offset
  }
});

test("a spring-gap time is refused in both languages, naming the jump", () => {
  for (const wall of CASES.nonexistent) {
    const { iso, error } = occurredAt(wall);
    assert.equal(iso, undefined);
    assert.match(error[0], /nie ma w czasie polskim.*z 2:00 na 3:00/);
    assert.match(error[1], /does not exist in Polish time.*from 2:00 to 3:00/);
  }
});

test("not a date, or the future, is refused", () => {
  assert.match(occurredAt("2026-02-30T12:00").error[0], /poprawną datę/);
  assert.match(occurredAt("jutro").error[0], /poprawną datę/);
  assert.match(occurredAt("2999-01-01T12:00").error[0], /w przyszłości/);
});

test("the form refuses the control characters the server refuses, and only those", async () => {
  const { hasForbiddenCharacters } = await import("../../static_site/report.js");
  for (const bad of ["bell\u0007", "a\u000bb", "nul\u0000", "del\u007f", "c1\u0085x", "half \ud800 surrogate"]) {
    assert.equal(hasForbiddenCharacters(bad), true, JSON.stringify(bad));
  }
  for (const good of ["dwie\nlinie", "tab\there", "zażółć 🙂", "", "\u00ad\u200b"]) {
    assert.equal(hasForbiddenCharacters(good), false, JSON.stringify(good));
  }
});
