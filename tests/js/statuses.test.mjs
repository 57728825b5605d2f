// static_site/shared/statuses.js takes the status catalogue from GET /v1/statuses (STATUSES on
// the board: {code, name_pl, name_en, colour, public, closed}); the built-in one stays otherwise.
import assert from "node:assert/strict";
import { test } from "node:test";

import {
  ALL_STATUSES, CLOSED_STATUSES, STATUSES, loadStatuses, statusBySlug, statusInfo, statusKeys,
} from "../../static_site/shared/statuses.js";

const answer = (status, data) => async () => ({ ok: status === 200, status, data });

test("no catalogue from the API (404, no list, an empty one): the built-in one stays", async () => {
  for (const get of [answer(404, null), answer(200, {}), answer(200, { statuses: [] })]) {
    assert.equal(await loadStatuses(get), false);
    assert.equal(ALL_STATUSES.length, 7);
    assert.equal(statusInfo("new").name, "Nowe");
  }
});

test("the API's catalogue replaces the built-in one: names, colours, order, public, closed", async () => {
  const catalogue = {
    statuses: [
      { code: "new", name_pl: "Nowe", name_en: "New", colour: "#00ff00", public: true, closed: false },
      { code: "verifying", name_pl: "W weryfikacji", name_en: "Being verified", colour: "#ffff00", public: true, closed: false },
      { code: "prank_or_mistake", name_pl: "Żart lub pomyłka", name_en: "Prank or mistake", colour: "#7b3fa0", public: false, closed: true },
      { code: "archived", name_pl: "Zarchiwizowane", name_en: "Archived", colour: "#000000", public: true, closed: true },
    ],
  };
  assert.equal(await loadStatuses(answer(200, catalogue)), true);
  assert.deepEqual(ALL_STATUSES.map((s) => s.code), ["new", "verifying", "prank_or_mistake", "archived"]);
  assert.deepEqual(STATUSES.map((s) => s.code), ["new", "verifying", "archived"]);
  assert.equal(statusInfo("verifying").name, "W weryfikacji");
  assert.equal(statusInfo("W weryfikacji").en, "Being verified");
  assert.equal(statusInfo("new").colour, "#00ff00");
  // The map's own presentation is kept per code; a new code's slug is the code.
  assert.equal(statusBySlug("weryfikacja").code, "verifying");
  assert.equal(statusBySlug("archived").name, "Zarchiwizowane");
  assert.ok(CLOSED_STATUSES.has("archived") && CLOSED_STATUSES.has("Zarchiwizowane"));
  assert.ok(!CLOSED_STATUSES.has("Niepotwierdzone"), "gone from the catalogue");
});

test("the server's catalogue (chalicelib/statuses.py): `public` is a rule, glyphs and notes come along", async () => {
  const catalogue = {
    statuses: [
      { code: "new", name_pl: "Nowe", name_en: "New", colour: "#2e7d32", public: "always", public_days: null, closed: false, glyph: null, note_pl: null, note_en: null },
      { code: "not_confirmed", name_pl: "Niepotwierdzone", name_en: "Not confirmed", colour: "#8a8a8a", public: "recently_changed", public_days: 7, closed: true, glyph: null, note_pl: null, note_en: null },
      { code: "prank_or_mistake", name_pl: "Żart lub pomyłka", name_en: "Prank or mistake", colour: "#7b3fa0", public: "never", public_days: null, closed: true, glyph: null, note_pl: null, note_en: null },
      { code: "confirmed_eliminated", name_pl: "Potwierdzone (wyeliminowane)", name_en: "Confirmed (eliminated)", colour: "#1565c0", public: "recently_changed", public_days: 30, closed: true, glyph: "✓", note_pl: "zagrożenie usunięte", note_en: "the threat has been removed" },
    ],
  };
  assert.equal(await loadStatuses(answer(200, catalogue)), true);
  assert.deepEqual(STATUSES.map((s) => s.code), ["new", "not_confirmed", "confirmed_eliminated"]);
  assert.equal(statusInfo("confirmed_eliminated").glyph, "✓");
  assert.equal(statusInfo("confirmed_eliminated").notePl, "zagrożenie usunięte");
  assert.equal(statusInfo("new").glyph, undefined);
});

test("the map's filter gives the engine each status's code and its release-1 name", () => {
  assert.deepEqual(statusKeys(["nowe", "wyeliminowane", "no-such-slug"]),
    ["new", "Nowe", "confirmed_eliminated", "Potwierdzone (wyeliminowane)"]);
  assert.deepEqual(statusKeys([]), []);
});
