// The map's filters: the engine keeps the reports whose category, status and date pass
// (static_site/engine.js applyFilter); the address names statuses by slug
// (static_site/shared/statuses.js), the engine by the feed's name.
import assert from "node:assert/strict";
import { test } from "node:test";

import Supercluster from "supercluster";

globalThis.Supercluster ??= Supercluster; // in the browser the vendored UMD bundle sets it
const { MapData } = await import("../../static_site/engine.js");
const { concatColumns, decodeCompact } = await import("../../static_site/feed.js");
const { STATUSES, statusBySlug, statusInfo, CLOSED_STATUSES } = await import("../../static_site/shared/statuses.js");

/** Five reports: categories a,b,a,b,a; statuses Nowe, Potwierdzone, …; created day0 + 0..4. */
function data() {
  const engine = new MapData();
  const feed = {
    format: "kmzb-compact-1", count: 5, scale: 100000, day0: "2026-11-01",
    lat: [5100000, 1000, 1000, 1000, 1000], lon: [2200000, 1000, 1000, 1000, 1000],
    categories: ["a", "b"], category: [0, 1, 0, 1, 0],
    statuses: ["Nowe", "Potwierdzone", "Niepotwierdzone"], status: [0, 1, 2, 0, 1],
    powiats: [], powiat: [-1, -1, -1, -1, -1], times_of_day: [], time_of_day: [-1, -1, -1, -1, -1],
    created: [0, 1, 2, 3, 4], modified: [0, 1, 2, 3, 4], occurred: [-1, -1, -1, -1, -1],
    days: [0, 0, 0, 0, 0], confirmations: [0, 0, 0, 0, 0],
  };
  engine.columns = concatColumns([decodeCompact(feed, engine.dictionaries)]);
  return engine;
}

const selected = (engine, filter) => [...engine.applyFilter(filter) && engine.selected];

const CASES = [
  ["no filter: all", {}, [0, 1, 2, 3, 4]],
  ["null lists: all", { categories: null, statuses: null }, [0, 1, 2, 3, 4]],
  ["empty lists: none", { categories: [] }, []],
  ["one category", { categories: ["a"] }, [0, 2, 4]],
  ["an unknown category", { categories: ["zzz"] }, []],
  ["two statuses", { statuses: ["Nowe", "Niepotwierdzone"] }, [0, 2, 3]],
  ["category and status", { categories: ["b"], statuses: ["Nowe"] }, [3]],
  ["from a day (inclusive)", { from: "2026-11-03" }, [2, 3, 4]],
  ["to a day (inclusive)", { to: "2026-11-02" }, [0, 1]],
  ["one day", { from: "2026-11-04", to: "2026-11-04" }, [3]],
  ["from after to", { from: "2026-11-05", to: "2026-11-01" }, []],
];
for (const [what, filter, expected] of CASES) {
  test(`filter: ${what}`, () => {
    const engine = data();
    assert.deepEqual(selected(engine, filter), expected);
    assert.equal(engine.summary().shown, expected.length);
  });
}

test("each filter change is a new generation of the index", () => {
  const engine = data();
  engine.applyFilter({});
  const generation = engine.generation;
  engine.applyFilter({ categories: ["a"] });
  assert.equal(engine.generation, generation + 1);
});

test("the address's status slugs name the feed's statuses; unknown slugs name none", () => {
  assert.equal(statusBySlug("nowe").name, "Nowe");
  assert.equal(statusBySlug("wyeliminowane").name, "Potwierdzone (wyeliminowane)");
  assert.equal(statusBySlug("przekazane").name, "Potwierdzone (przekazane poza Policję)");
  assert.equal(statusBySlug("Nowe"), undefined);
  assert.equal(statusBySlug("nope"), undefined);
  // Every public status has a slug of its own, unchanged by a URL's encoding.
  const slugs = STATUSES.map((s) => s.slug);
  assert.equal(new Set(slugs).size, slugs.length);
  for (const slug of slugs) assert.equal(encodeURIComponent(slug), slug);
});

test("one status table: by name or code, closed ones known, unknown ones neutral", () => {
  assert.equal(statusInfo("Weryfikacja").code, "verifying");
  assert.equal(statusInfo("verifying").name, "Weryfikacja");
  assert.ok(CLOSED_STATUSES.has("Żart lub pomyłka") && CLOSED_STATUSES.has("prank_or_mistake"));
  assert.ok(!CLOSED_STATUSES.has("Nowe") && !CLOSED_STATUSES.has("new"));
  assert.ok(!STATUSES.some((s) => s.name === "Żart lub pomyłka"), "not on the public map");
  const unknown = statusInfo("Nowy status");
  assert.equal(unknown.name, "Nowy status");
  assert.equal(unknown.colour, "#555");
});
