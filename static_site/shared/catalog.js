// @ts-check
// The words of a report shared by the map and the officer panel: categories (names from
// GET /v1/categories, the filter's grouping is the map's own), times of day, days of the week.
// Statuses: statuses.js.
import { t } from "./i18n.js";

/**
 * @typedef {{code: string, name_pl: string, name_en: string, [key: string]: unknown}} Category
 */

/** Category code → {pl, en}; unknown codes show as they are. */
export class CategoryNames {
  /** @param {Category[]} [list] */
  constructor(list = []) {
    /** @type {Map<string, {pl: string, en: string} & Partial<Category>>} */
    this.byCode = new Map(list.map((c) => [c.code, { pl: c.name_pl, en: c.name_en, ...c }]));
  }

  /** @param {string} code */
  get(code) {
    return this.byCode.get(code) || { pl: String(code), en: String(code) };
  }

  /** @param {string} code the name in the page's language */
  text(code) {
    const names = this.get(code);
    return t(names.pl, names.en);
  }

  get size() {
    return this.byCode.size;
  }
}

/**
 * The category catalogue from GET /v1/categories; [] when it did not answer.
 * @param {(path: string) => Promise<{ok: boolean, data: any}>} get the shared api()
 * @returns {Promise<Category[]>}
 */
export async function loadCategories(get) {
  const answer = await get("/categories");
  return answer.ok && Array.isArray(answer.data?.categories) ? answer.data.categories : [];
}

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
/** @type {{id: string, pl: string, en: string, codes: string[]}} */
export const OTHER_GROUP = { id: "other", pl: "Inne", en: "Other", codes: [] };

/** Times of day: API code, names. */
export const TIMES_OF_DAY = [
  { code: "morning", pl: "rano", en: "morning" },
  { code: "day", pl: "dzień", en: "day" },
  { code: "evening", pl: "wieczór", en: "evening" },
  { code: "night", pl: "noc", en: "night" },
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
