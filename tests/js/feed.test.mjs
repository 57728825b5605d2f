// static_site/feed.js: the compact feed (docs/FEED.md, "kmzb-compact-1") decoded into columns.
import assert from "node:assert/strict";
import { test } from "node:test";

import {
  FeedError, NONE, concatColumns, decodeCompact, decodeIds, epochDay, isoDay, newDictionaries,
} from "../../static_site/feed.js";

/** A feed of `n` reports; `overrides` replace columns or fields. */
function feed(overrides = {}) {
  return {
    format: "kmzb-compact-1", count: 3, scale: 100000, day0: "2026-11-01",
    lat: [5124650, 10, -20], lon: [2256840, -5, 7],
    categories: ["speeding", "vandalism"], category: [0, 1, 0],
    statuses: ["Nowe", "Potwierdzone"], status: [1, 0, 5],
    powiats: ["Lublin"], powiat: [0, 0, NONE],
    times_of_day: ["rano"], time_of_day: [NONE, 0, 0],
    created: [0, 3, 28], modified: [1, 3, NONE], occurred: [NONE, 2, 27],
    days: [0, 1 | 64, 127], confirmations: [0, 2, 5],
    ...overrides,
  };
}

test("coordinates are running sums of integer deltas over the scale", () => {
  const columns = decodeCompact(feed(), newDictionaries());
  assert.deepEqual([...columns.lat], [51.2465, 51.2466, 51.2464]);
  assert.deepEqual([...columns.lon], [22.5684, 22.56835, 22.56842]);
});

test("dictionary indexes are shared across feeds; an index out of range is NONE", () => {
  const dictionaries = newDictionaries();
  const first = decodeCompact(feed(), dictionaries);
  // A second garrison names its categories in another order: the shared indexes still agree.
  const second = decodeCompact(feed({ categories: ["vandalism", "speeding"] }), dictionaries);
  assert.deepEqual(dictionaries.categories.names, ["speeding", "vandalism"]);
  assert.deepEqual([...first.category], [0, 1, 0]);
  assert.deepEqual([...second.category], [1, 0, 1]);
  assert.equal(first.status[2], NONE); // status 5 names nothing
  assert.equal(first.powiat[2], NONE);
  assert.equal(first.timeOfDay[0], NONE);
});

test("days count from day0 into days since 1970; NONE stays NONE", () => {
  const columns = decodeCompact(feed(), newDictionaries());
  const base = epochDay("2026-11-01");
  assert.deepEqual([...columns.created], [base, base + 3, base + 28]);
  assert.equal(isoDay(columns.created[2]), "2026-11-29");
  assert.equal(columns.modified[2], NONE);
  assert.equal(columns.occurred[0], NONE);
  assert.deepEqual([...columns.days], [0, 65, 127]);
  assert.deepEqual([...columns.row], [0, 1, 2]);
});

test("calendar days round-trip, across the DST change and a leap day", () => {
  for (const day of ["1970-01-01", "2024-02-29", "2026-03-29", "2026-10-25", "2099-12-31"]) {
    assert.equal(isoDay(epochDay(day)), day);
  }
  assert.equal(epochDay("1970-01-02"), 1);
  for (const bad of ["2026-11-1", "29.11.2026", "", null, "2026-11-29T00:00"]) {
    assert.ok(Number.isNaN(epochDay(bad)), String(bad));
  }
});

const BROKEN = [
  ["another format", { format: "kmzb-compact-0" }],
  ["a negative count", { count: -1 }],
  ["a fractional count", { count: 1.5 }],
  ["a column too short", { created: [0, 1] }],
  ["a column that is no list", { status: "0,1,0" }],
  ["no scale", { scale: 0 }],
  ["a bad day0", { day0: "1.11.2026" }],
];
for (const [what, overrides] of BROKEN) {
  test(`a feed with ${what} is refused with a FeedError`, () => {
    assert.throws(() => decodeCompact(feed(overrides), newDictionaries()), FeedError);
  });
}

test("an empty feed decodes to empty columns", () => {
  const empty = Object.fromEntries(Object.entries(feed()).map(([k, v]) => [k, Array.isArray(v) ? [] : v]));
  const columns = decodeCompact({ ...empty, count: 0 }, newDictionaries());
  assert.equal(columns.length, 0);
  assert.equal(columns.lat.length, 0);
});

test("garrisons' columns join in order, each report knowing its garrison", () => {
  const dictionaries = newDictionaries();
  const a = decodeCompact(feed(), dictionaries);
  const b = decodeCompact(feed({ count: 1, lat: [5000000], lon: [2000000], category: [1],
    status: [0], powiat: [0], time_of_day: [0], created: [5], modified: [5], occurred: [5],
    days: [2], confirmations: [9] }), dictionaries);
  const joined = concatColumns([a, b]);
  assert.equal(joined.length, 4);
  assert.deepEqual([...joined.garrison], [0, 0, 0, 1]);
  assert.deepEqual([...joined.row], [0, 1, 2, 0]);
  assert.equal(joined.lat[3], 50);
  assert.equal(joined.confirmations[3], 9);
});

test("the ids file is a list or {ids}, of the expected length", () => {
  assert.deepEqual(decodeIds(["a", "b"], 2), ["a", "b"]);
  assert.deepEqual(decodeIds({ ids: ["a"] }, 1), ["a"]);
  assert.throws(() => decodeIds({ ids: ["a"] }, 2), FeedError);
  assert.throws(() => decodeIds({}, 0), FeedError);
  assert.throws(() => decodeIds(null), FeedError);
});
