// static_site/state.js: the map's view and filters in the address (a link reproduces the view).
import assert from "node:assert/strict";
import { test } from "node:test";

import { formatState, readState } from "../../static_site/state.js";

test("a full address is read into the view and the filters", () => {
  const state = readState("#map=12/51.2465/22.5684&status=nowe,potwierdzone&cat=speeding&from=2026-11-01&to=2026-11-29&report=1");
  assert.deepEqual(state, {
    view: { zoom: 12, lat: 51.2465, lon: 22.5684 },
    statuses: ["nowe", "potwierdzone"], categories: ["speeding"],
    from: "2026-11-01", to: "2026-11-29", report: true,
  });
});

test("a missing list means all (null), an empty one means none ([])", () => {
  assert.equal(readState("#map=6/52/19").statuses, null);
  assert.equal(readState("#map=6/52/19").categories, null);
  assert.deepEqual(readState("#status=&cat=").statuses, []);
  assert.deepEqual(readState("#status=&cat=").categories, []);
  assert.deepEqual(readState("#status=nowe,,weryfikacja,").statuses, ["nowe", "weryfikacja"]);
});

const BAD_VIEWS = ["#map=6/91/19", "#map=6/52/181", "#map=20/52/19", "#map=-1/52/19", "#map=6/52",
  "#map=x/52/19", "#map=", ""];
for (const hash of BAD_VIEWS) {
  test(`no view from ${JSON.stringify(hash)}: the default one is used`, () => {
    assert.equal(readState(hash).view, null);
  });
}

test("a fractional zoom is rounded; dates that are no calendar dates are dropped", () => {
  assert.equal(readState("#map=6.6/52/19").view.zoom, 7);
  const state = readState("#from=2026-11-1&to=29.11.2026&report=yes");
  assert.equal(state.from, null);
  assert.equal(state.to, null);
  assert.equal(state.report, false);
});

test("what is written is read back the same", () => {
  const states = [
    { view: { zoom: 6, lat: 52.07, lon: 19.48 }, statuses: null, categories: null, from: null, to: null, report: false },
    { view: { zoom: 15, lat: 51.24651, lon: 22.56841 }, statuses: [], categories: ["a&b", "c,d"],
      from: "2026-01-01", to: null, report: true },
    { view: null, statuses: ["nowe"], categories: [], from: null, to: "2026-12-31", report: false },
  ];
  for (const state of states) {
    const hash = formatState(state);
    const read = readState(hash);
    assert.deepEqual({ ...read, categories: read.categories }, {
      ...state, categories: state.categories && state.categories.flatMap((c) => c.split(",")),
    }, hash);
  }
});

test("the precision of the written view follows the zoom (a link lands where it was made)", () => {
  assert.equal(formatState({ view: { zoom: 6, lat: 52.123456, lon: 19.5 } }), "#map=6/52.12/19.50");
  assert.equal(formatState({ view: { zoom: 16, lat: 52.123456, lon: 19.5 } }), "#map=16/52.12346/19.50000");
});
