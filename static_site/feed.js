// @ts-check
// Decoding the public compact feed (docs/FEED.md, "kmzb-compact-1") into typed arrays.
// Pure functions, no DOM: used by the map's Web Worker (or the page, without workers).

export const FORMAT = "kmzb-compact-1";
export const NONE = -1; // "no value" in every index and day column
const MS_PER_DAY = 86_400_000;

export class FeedError extends Error {}

/** Days since 1970-01-01 of a calendar date "YYYY-MM-DD" (NaN when it is not one). */
export function epochDay(date) {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(String(date));
  if (!match) return NaN;
  return Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])) / MS_PER_DAY;
}

/** "YYYY-MM-DD" of a number of days since 1970-01-01. */
export function isoDay(day) {
  return new Date(day * MS_PER_DAY).toISOString().slice(0, 10);
}

/** Values interned to small integers, shared by all garrisons' feeds. */
export class Dictionary {
  constructor() {
    this.names = [];
    this.index = new Map();
  }

  intern(name) {
    let i = this.index.get(name);
    if (i === undefined) {
      i = this.names.length;
      this.names.push(name);
      this.index.set(name, i);
    }
    return i;
  }
}

export function newDictionaries() {
  return {
    categories: new Dictionary(), statuses: new Dictionary(), powiats: new Dictionary(),
    timesOfDay: new Dictionary(),
  };
}

const COLUMNS = {
  lat: Float64Array, lon: Float64Array, category: Int16Array, status: Int8Array,
  powiat: Int16Array, created: Int32Array, modified: Int32Array, occurred: Int32Array,
  timeOfDay: Int8Array, days: Uint8Array, confirmations: Int32Array,
  garrison: Uint8Array, row: Int32Array,
};
const ARRAYS = ["lat", "lon", "category", "status", "powiat", "created", "modified", "occurred",
  "time_of_day", "days", "confirmations"];

/** Empty columns for n reports. */
export function allocate(n) {
  const columns = { length: n };
  for (const [name, Type] of Object.entries(COLUMNS)) columns[name] = new Type(n);
  return columns;
}

function check(feed) {
  if (!feed || feed.format !== FORMAT) {
    throw new FeedError(`not a ${FORMAT} feed: format ${JSON.stringify(feed?.format)}`);
  }
  const n = feed.count;
  if (!Number.isInteger(n) || n < 0) throw new FeedError(`bad count ${JSON.stringify(n)}`);
  for (const name of ARRAYS) {
    if (!Array.isArray(feed[name]) || feed[name].length !== n) {
      throw new FeedError(`column ${name} does not have ${n} items`);
    }
  }
  if (!(feed.scale > 0)) throw new FeedError(`bad scale ${JSON.stringify(feed.scale)}`);
  if (Number.isNaN(epochDay(feed.day0))) throw new FeedError(`bad day0 ${JSON.stringify(feed.day0)}`);
}

/** Local dictionary indexes → shared ones (NONE stays NONE). */
function translate(values, names, dictionary, Type, n) {
  const table = (names || []).map((name) => dictionary.intern(name));
  const out = new Type(n);
  for (let i = 0; i < n; i++) {
    const v = values[i];
    out[i] = v >= 0 && v < table.length ? table[v] : NONE;
  }
  return out;
}

/** Days since the feed's day0 → days since 1970-01-01 (NONE stays NONE). */
function days(values, base, n) {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = values[i] < 0 ? NONE : base + values[i];
  return out;
}

/**
 * One garrison's compact feed → columns of typed arrays: coordinates in degrees, dictionary
 * values as indexes into the shared `dictionaries`, dates as days since 1970-01-01.
 */
export function decodeCompact(feed, dictionaries) {
  check(feed);
  const n = feed.count;
  const columns = allocate(n);
  const scale = feed.scale;
  let lat = 0;
  let lon = 0;
  const latDeltas = feed.lat;
  const lonDeltas = feed.lon;
  for (let i = 0; i < n; i++) {
    lat += latDeltas[i]; // integers: the running sum is exact
    lon += lonDeltas[i];
    columns.lat[i] = lat / scale;
    columns.lon[i] = lon / scale;
  }
  columns.category = translate(feed.category, feed.categories, dictionaries.categories, Int16Array, n);
  columns.status = translate(feed.status, feed.statuses, dictionaries.statuses, Int8Array, n);
  columns.powiat = translate(feed.powiat, feed.powiats, dictionaries.powiats, Int16Array, n);
  columns.timeOfDay = translate(feed.time_of_day, feed.times_of_day, dictionaries.timesOfDay,
    Int8Array, n);
  const base = epochDay(feed.day0);
  columns.created = days(feed.created, base, n);
  columns.modified = days(feed.modified, base, n);
  columns.occurred = days(feed.occurred, base, n);
  columns.days = Uint8Array.from(feed.days);
  columns.confirmations = Int32Array.from(feed.confirmations);
  for (let i = 0; i < n; i++) columns.row[i] = i;
  return columns;
}

/** Several garrisons' columns as one set, in the given order; `garrison` is the part's place. */
export function concatColumns(parts) {
  const total = parts.reduce((sum, part) => sum + part.length, 0);
  const columns = allocate(total);
  let offset = 0;
  parts.forEach((part, garrison) => {
    for (const name of Object.keys(COLUMNS)) columns[name].set(part[name], offset);
    columns.garrison.fill(garrison, offset, offset + part.length);
    offset += part.length;
  });
  return columns;
}

/** The ids file: a list, or an object with `ids` (the contract names neither). */
export function decodeIds(body, expected) {
  const ids = Array.isArray(body) ? body : body?.ids;
  if (!Array.isArray(ids)) throw new FeedError("the ids file holds no list of ids");
  if (expected !== undefined && ids.length !== expected) {
    throw new FeedError(`the ids file has ${ids.length} ids for ${expected} reports`);
  }
  return ids;
}
