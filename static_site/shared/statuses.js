// @ts-check
// The status catalogue of the map and the officer panel: one table, whose source is the API's
// GET /v1/statuses (chalicelib/statuses.py: {"statuses": [{code, name_pl, name_en, colour,
// public, public_days, closed, glyph, note_pl, note_en}]}); loadStatuses() takes it from there
// at start, the built-in copy below stands in until then and where the API has no such route
// (an older API). The feeds and the API speak codes; a status is also found by its Polish name
// (release 1's feeds and answers said those).

/**
 * @typedef {object} Status
 * @property {string} code stable code (GET /v1/statuses)
 * @property {string} name Polish name
 * @property {string} en English name
 * @property {string} slug in the map's address (#statuses=…)
 * @property {string} colour CSS colour of the swatch and the marker
 * @property {boolean} public shown on the public map
 * @property {boolean} closed a closed report: no confirmations, no duplicates of it
 * @property {string} [glyph] a mark on the swatch besides the colour
 * @property {string} [notePl] the legend's note
 * @property {string} [noteEn]
 */

export const HANDED_OVER = "confirmed_handed_over";
/** Reports in these statuses may be marked as duplicates (chalicelib/workflow.py DUPLICATE_FROM). */
export const DUPLICATE_FROM = new Set(["new", "verifying"]);

/** @type {Status[]} every status in the workflow's order */
export const ALL_STATUSES = [
  { code: "new", name: "Nowe", slug: "nowe", en: "New", colour: "#2e7d32", public: true, closed: false },
  {
    code: "verifying", name: "Weryfikacja", slug: "weryfikacja", en: "Under verification",
    colour: "#f9c80e", public: true, closed: false,
  },
  {
    code: "confirmed", name: "Potwierdzone", slug: "potwierdzone", en: "Confirmed", colour: "#c62828",
    public: true, closed: false,
  },
  {
    code: "not_confirmed", name: "Niepotwierdzone", slug: "niepotwierdzone", en: "Not confirmed",
    colour: "#8a8a8a", public: true, closed: true,
  },
  {
    code: "prank_or_mistake", name: "Żart lub pomyłka", slug: "zart", en: "Prank or mistake",
    colour: "#7b3fa0", public: false, closed: true,
  },
  {
    code: "confirmed_eliminated", name: "Potwierdzone (wyeliminowane)", slug: "wyeliminowane",
    en: "Confirmed (eliminated)", colour: "#1565c0", glyph: "✓", public: true, closed: true,
    notePl: "zagrożenie usunięte", noteEn: "the threat has been removed",
  },
  {
    code: HANDED_OVER, name: "Potwierdzone (przekazane poza Policję)", slug: "przekazane",
    en: "Confirmed (handed over outside the Police)", colour: "#8d5a2b", glyph: "→", public: true,
    closed: true, notePl: "sprawę prowadzi inna instytucja", noteEn: "another institution handles it",
  },
];

/** The built-in copy as shipped: the slugs of the map's addresses are kept from it. */
const BUILT_IN = ALL_STATUSES.slice();

/** @type {Status[]} the public map's statuses, in legend order */
export const STATUSES = [];
/** @type {Set<string>} names (and codes) of the closed statuses (chalicelib/workflow.py) */
export const CLOSED_STATUSES = new Set();
/** @type {Map<string, Status>} */
const BY_KEY = new Map();
/** @type {Map<string, Status>} */
const BY_SLUG = new Map();

function index() {
  STATUSES.splice(0, STATUSES.length, ...ALL_STATUSES.filter((s) => s.public));
  CLOSED_STATUSES.clear();
  BY_KEY.clear();
  BY_SLUG.clear();
  for (const status of ALL_STATUSES) {
    BY_KEY.set(status.name, status);
    BY_KEY.set(status.code, status);
    BY_SLUG.set(status.slug, status);
    if (status.closed) {
      CLOSED_STATUSES.add(status.name);
      CLOSED_STATUSES.add(status.code);
    }
  }
}
index();

/**
 * A status by its Polish name or code; an unknown one (a newer feed) gets a neutral look.
 * @param {string} key
 * @returns {Status}
 */
export function statusInfo(key) {
  return BY_KEY.get(key) || {
    code: key, name: key, slug: key, en: key, colour: "#555", public: true, closed: false,
  };
}

/** @param {string} slug */
export const statusBySlug = (slug) => BY_SLUG.get(slug);

/**
 * The engine's filter values for the address's slugs: each status's code, and its Polish name
 * for a feed built before the codes (release 1).
 * @param {string[]} slugs
 * @returns {string[]}
 */
export const statusKeys = (slugs) => slugs.flatMap((slug) => {
  const status = BY_SLUG.get(slug);
  return status ? [status.code, status.name] : [];
});

/**
 * Takes the catalogue from GET /v1/statuses (whose order is the legend's); the built-in copy
 * stays when the API has none. The slug (the map's address keeps release 1's slugs, so old links
 * still work) is kept per code.
 * @param {(path: string) => Promise<{ok: boolean, data: any}>} get the shared api()
 * @returns {Promise<boolean>} whether the API's catalogue is in use
 */
export async function loadStatuses(get) {
  const answer = await get("/statuses");
  const list = answer.ok && Array.isArray(answer.data?.statuses) ? answer.data.statuses : null;
  if (!list || !list.length) return false;
  const known = new Map(BUILT_IN.map((s) => [s.code, s]));
  ALL_STATUSES.splice(0, ALL_STATUSES.length, ...list.map((/** @type {any} */ s) => ({
    ...known.get(s.code),
    code: String(s.code), name: String(s.name_pl), en: String(s.name_en || s.name_pl),
    slug: known.get(s.code)?.slug ?? String(s.code), colour: String(s.colour || "#555"),
    // "always" | "recently_changed" | "never" (older answers: a boolean)
    public: s.public !== "never" && s.public !== false, closed: Boolean(s.closed),
    ...(s.glyph ? { glyph: String(s.glyph) } : {}),
    ...(s.note_pl ? { notePl: String(s.note_pl), noteEn: String(s.note_en || s.note_pl) } : {}),
  })));
  index();
  return true;
}
