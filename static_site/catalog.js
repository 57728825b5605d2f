// What the map knows about statuses, categories, times of day and days of the week.
// Category names come from GET /v1/categories; the grouping of the filter is the map's own.

/** Public statuses in legend order: slug (for the URL), English name, colour, glyph. */
export const STATUSES = [
  { name: "Nowe", slug: "nowe", en: "New", colour: "#2e7d32" },
  { name: "Weryfikacja", slug: "weryfikacja", en: "Under verification", colour: "#f9c80e" },
  { name: "Potwierdzone", slug: "potwierdzone", en: "Confirmed", colour: "#c62828" },
  { name: "Niepotwierdzone", slug: "niepotwierdzone", en: "Not confirmed", colour: "#8a8a8a" },
  {
    name: "Potwierdzone (wyeliminowane)", slug: "wyeliminowane", en: "Confirmed (eliminated)",
    colour: "#1565c0", glyph: "✓",
    notePl: "zagrożenie usunięte", noteEn: "the threat has been removed",
  },
  {
    name: "Potwierdzone (przekazane poza Policję)", slug: "przekazane",
    en: "Confirmed (handed over outside the Police)", colour: "#8d5a2b", glyph: "→",
    notePl: "sprawę prowadzi inna instytucja", noteEn: "another institution handles it",
  },
];
const BY_NAME = new Map(STATUSES.map((s) => [s.name, s]));
const BY_SLUG = new Map(STATUSES.map((s) => [s.slug, s]));

/** A status by its Polish name; an unknown one (a newer feed) gets a neutral look. */
export function statusInfo(name) {
  return BY_NAME.get(name) || { name, slug: name, en: name, colour: "#555" };
}
export const statusBySlug = (slug) => BY_SLUG.get(slug);

/**
 * Closed reports (chalicelib/workflow.py CLOSED): no "Potwierdzam" on them and not offered as
 * duplicates of a new one — confirming a closed case helps nobody.
 */
export const CLOSED_STATUSES = new Set(["Niepotwierdzone", "Żart lub pomyłka",
  "Potwierdzone (wyeliminowane)", "Potwierdzone (przekazane poza Policję)"]);

/** The category filter's groups; a code in none of them lands in "Inne / Other". */
export const CATEGORY_GROUPS = [
  {
    id: "roads", pl: "Ruch drogowy i kolej", en: "Roads and railways",
    codes: ["speeding", "illegal_racing", "illegal_parking", "road_infrastructure",
      "traffic_organisation", "wildlife_collisions", "level_crossing", "track_crossing"],
  },
  {
    id: "water", pl: "Woda", en: "Water",
    codes: ["wild_swimming", "dangerous_waterside", "dangerous_water", "drownings"],
  },
  {
    id: "nature", pl: "Przyroda i zwierzęta", en: "Nature and animals",
    codes: ["illegal_dumping", "poaching", "illegal_logging", "greenery_damage", "quads_in_forest",
      "grass_burning", "stray_dogs", "animal_cruelty"],
  },
  {
    id: "order", pl: "Porządek publiczny", en: "Public order",
    codes: ["vandalism", "minors_at_risk", "dangerous_venue", "public_drinking", "drug_use",
      "begging", "homeless_in_need"],
  },
];
export const OTHER_GROUP = { id: "other", pl: "Inne", en: "Other", codes: [] };

export const TIMES_OF_DAY = [
  { code: "rano", pl: "rano", en: "morning" },
  { code: "dzien", pl: "dzień", en: "day" },
  { code: "wieczor", pl: "wieczór", en: "evening" },
  { code: "noc", pl: "noc", en: "night" },
];

/** Days of the week: API code, the feed's bit (Monday = 1 … Sunday = 64), names. */
export const DAYS = [
  { code: "mon", bit: 1, pl: "poniedziałek", en: "Monday", shortPl: "pon.", shortEn: "Mon" },
  { code: "tue", bit: 2, pl: "wtorek", en: "Tuesday", shortPl: "wt.", shortEn: "Tue" },
  { code: "wed", bit: 4, pl: "środa", en: "Wednesday", shortPl: "śr.", shortEn: "Wed" },
  { code: "thu", bit: 8, pl: "czwartek", en: "Thursday", shortPl: "czw.", shortEn: "Thu" },
  { code: "fri", bit: 16, pl: "piątek", en: "Friday", shortPl: "pt.", shortEn: "Fri" },
  { code: "sat", bit: 32, pl: "sobota", en: "Saturday", shortPl: "sob.", shortEn: "Sat" },
  { code: "sun", bit: 64, pl: "niedziela", en: "Sunday", shortPl: "niedz.", shortEn: "Sun" },
];
