// @ts-check
// The map's data: every garrison's compact feed decoded into shared typed arrays, the current
// filter, and a supercluster index of the reports that pass it. No DOM: it runs in the map's
// Web Worker (cluster-worker.js), or in the page where module workers are missing.
import "./vendor/supercluster/supercluster.min.js"; // UMD bundle (with kdbush): sets Supercluster
import {
  FeedError, NONE, concatColumns, decodeCompact, decodeIds, epochDay, isoDay, newDictionaries,
} from "./feed.js";
import { ITEM_STRIDE } from "./items.js";

export { ITEM_STRIDE };

// radius is in 1/512 of a tile: 100 keeps clusters 50 px apart, more than the widest symbol.
const CLUSTER_OPTIONS = { radius: 100, maxZoom: 16, minPoints: 2 };
const EARTH_RADIUS = 6_371_000;

function distance(lat1, lon1, lat2, lon2) {
  const rad = Math.PI / 180;
  const a = Math.sin(((lat2 - lat1) * rad) / 2) ** 2
    + Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(((lon2 - lon1) * rad) / 2) ** 2;
  return 2 * EARTH_RADIUS * Math.asin(Math.sqrt(a));
}

export class MapData {
  constructor(fetchImpl = (input, init) => globalThis.fetch(input, init)) {
    this.fetch = fetchImpl;
    this.dictionaries = newDictionaries();
    this.garrisons = []; // manifest entries, in column order
    this.decoded = new Map(); // compact URL → decoded columns (kept while the file is current)
    this.ids = new Map(); // ids URL → Promise of the list
    this.columns = concatColumns([]);
    this.filter = {};
    this.selected = new Uint32Array(0);
    this.index = null;
    this.generation = 0; // counts index rebuilds: indexes and cluster ids of older ones are stale
  }

  async getJson(url, cache = "default") {
    const response = await this.fetch(url, { cache, headers: { Accept: "application/json" } });
    if (!response.ok) throw new FeedError(`${url}: HTTP ${response.status}`);
    return response.json();
  }

  /**
   * Reads the manifest and every garrison's compact feed not already decoded, then rebuilds the
   * columns and the index. `fresh` revalidates the manifest (it is cached for a minute).
   * Answers a summary; `changed` is false when no garrison's feed changed.
   */
  async load(manifestUrl, { fresh = false } = {}) {
    const cache = fresh ? "no-cache" : "default";
    const manifest = await this.getJson(manifestUrl, cache);
    if (!Array.isArray(manifest?.garrisons)) throw new FeedError("the manifest lists no garrisons");
    // An entry names its files, or (the national manifest) the garrison's pointer to them.
    const listed = manifest.garrisons.filter((g) => g && (typeof g.compact === "string"
      || typeof g.pointer === "string"));
    const pointed = await Promise.allSettled(listed.map(async (entry) => {
      if (typeof entry.compact === "string") return { ...entry, base: manifestUrl };
      const base = new URL(entry.pointer, manifestUrl).href;
      const pointer = await this.getJson(base, cache);
      if (typeof pointer?.compact !== "string") throw new FeedError(`${base}: no compact feed`);
      return { ...entry, ...pointer, base };
    }));
    const entries = [];
    const failures = [];
    pointed.forEach((result, i) => {
      if (result.status === "fulfilled") entries.push(result.value);
      else failures.push({ garrison: listed[i].garrison, error: String(result.reason?.message) });
    });
    const results = await Promise.allSettled(entries.map(async (entry) => {
      const url = new URL(entry.compact, entry.base).href;
      if (!this.decoded.has(url)) {
        this.decoded.set(url, decodeCompact(await this.getJson(url), this.dictionaries));
      }
      return this.decoded.get(url);
    }));
    const loaded = [];
    const parts = [];
    results.forEach((result, i) => {
      if (result.status === "fulfilled") {
        loaded.push(entries[i]);
        parts.push(result.value);
      } else {
        failures.push({ garrison: entries[i].garrison, error: String(result.reason?.message) });
      }
    });
    const current = new Set(entries.map((e) => new URL(e.compact, e.base).href));
    for (const url of this.decoded.keys()) if (!current.has(url)) this.decoded.delete(url);
    const key = (list) => list.map((g) => g.compact).join("\n");
    const changed = key(loaded) !== key(this.garrisons);
    if (changed || !this.index) {
      let offset = 0;
      this.garrisons = loaded.map((entry, i) => {
        const garrison = { ...entry, offset, length: parts[i].length,
          compactUrl: new URL(entry.compact, entry.base).href,
          idsUrl: entry.ids ? new URL(entry.ids, entry.base).href : null };
        offset += parts[i].length;
        return garrison;
      });
      this.columns = concatColumns(parts);
      this.applyFilter(this.filter);
    }
    return { ...this.summary(), changed, failures, generatedAt: manifest.generated_at ?? null };
  }

  summary() {
    return {
      total: this.columns.length,
      shown: this.selected.length,
      categories: this.dictionaries.categories.names,
      statuses: this.dictionaries.statuses.names,
      garrisons: this.garrisons.map(({ garrison, headquarters, count }) =>
        ({ garrison, headquarters, count })),
    };
  }

  /**
   * Keeps the reports that pass `filter` ({categories, statuses}: lists, or null for all;
   * from, to: "YYYY-MM-DD" bounds of the report's date, or null) and re-clusters them.
   */
  applyFilter(filter = {}) {
    this.filter = filter;
    const { columns } = this;
    const allowed = (list, dictionary) => {
      if (!list) return null;
      const mask = new Uint8Array(dictionary.names.length);
      for (const name of list) {
        const i = dictionary.index.get(name);
        if (i !== undefined) mask[i] = 1;
      }
      return mask;
    };
    const categories = allowed(filter.categories, this.dictionaries.categories);
    const statuses = allowed(filter.statuses, this.dictionaries.statuses);
    const from = filter.from ? epochDay(filter.from) : -Infinity;
    const to = filter.to ? epochDay(filter.to) : Infinity;
    const selected = new Uint32Array(columns.length);
    let n = 0;
    for (let i = 0; i < columns.length; i++) {
      if (categories && !categories[columns.category[i]]) continue;
      if (statuses && !statuses[columns.status[i]]) continue;
      const day = columns.created[i];
      if (day < from || day > to) continue;
      selected[n++] = i;
    }
    this.selected = selected.slice(0, n);
    this.index = this.cluster(this.selected);
    this.generation++;
    return this.summary();
  }

  cluster(selected) {
    const { lat, lon } = this.columns;
    const points = new Array(selected.length);
    for (let k = 0; k < selected.length; k++) {
      const i = selected[k];
      points[k] = { type: "Feature", properties: i,
        geometry: { type: "Point", coordinates: [lon[i], lat[i]] } };
    }
    return new globalThis.Supercluster(CLUSTER_OPTIONS).load(points);
  }

  /**
   * Clusters and reports to draw in `bbox` ([west, south, east, north]) at `zoom`, and the
   * number of shown reports per status within `view` (the visible part of the map).
   */
  query({ bbox, zoom, view }) {
    const features = this.index ? this.index.getClusters(bbox, zoom) : [];
    const items = new Float64Array(features.length * ITEM_STRIDE);
    const { status, category } = this.columns;
    features.forEach((feature, k) => {
      const [lon, lat] = feature.geometry.coordinates;
      const cluster = feature.properties?.cluster === true;
      const o = k * ITEM_STRIDE;
      items[o] = lat;
      items[o + 1] = lon;
      items[o + 2] = cluster ? feature.properties.point_count : 1;
      items[o + 3] = cluster ? feature.properties.cluster_id : feature.properties;
      items[o + 4] = cluster ? NONE : status[feature.properties];
      items[o + 5] = cluster ? NONE : category[feature.properties];
    });
    return { items, generation: this.generation, ...this.count(view) };
  }

  count([west, south, east, north]) {
    const { lat, lon, status } = this.columns;
    const counts = new Int32Array(this.dictionaries.statuses.names.length);
    let total = 0;
    for (const i of this.selected) {
      const y = lat[i];
      const x = lon[i];
      if (y >= south && y <= north && x >= west && x <= east) {
        counts[status[i]]++;
        total++;
      }
    }
    return { counts, total };
  }

  /** Cluster ids and report indexes belong to one `generation` of the index: null if stale. */
  expansionZoom(clusterId, generation) {
    if (generation !== this.generation) return null;
    return this.index.getClusterExpansionZoom(clusterId);
  }

  /** Report indexes of a cluster, `limit` of them from `offset` (a popup pages through them). */
  leaves(clusterId, generation, limit = 10, offset = 0) {
    if (generation !== this.generation) return [];
    return this.index.getLeaves(clusterId, limit, offset).map((feature) => feature.properties);
  }

  /**
   * Everything the feed says about reports, by index. `ref` names the report for good (its
   * garrison's feed file and row), for confirming it whatever the feed has become since.
   */
  details(indexes, generation = this.generation) {
    if (generation !== this.generation) return [];
    const c = this.columns;
    const d = this.dictionaries;
    const day = (value) => (value === NONE ? null : isoDay(value));
    const name = (dictionary, value) => (value === NONE ? null : dictionary.names[value]);
    return indexes.filter((i) => i >= 0 && i < c.length).map((i) => ({
      index: i,
      lat: c.lat[i],
      lon: c.lon[i],
      category: name(d.categories, c.category[i]),
      status: name(d.statuses, c.status[i]),
      created: day(c.created[i]),
      modified: day(c.modified[i]),
      occurred: day(c.occurred[i]),
      timeOfDay: name(d.timesOfDay, c.timeOfDay[i]),
      days: c.days[i],
      confirmations: c.confirmations[i],
      powiat: name(d.powiats, c.powiat[i]),
      garrison: this.garrisons[c.garrison[i]]?.garrison ?? null,
      ref: this.refOf(i),
    }));
  }

  refOf(index) {
    const garrison = this.garrisons[this.columns.garrison[index]];
    return { compact: garrison.compactUrl, ids: garrison.idsUrl, length: garrison.length,
      row: this.columns.row[index] };
  }

  /**
   * Reports of `category` within `metres` of a point, nearest first, whatever the filter,
   * leaving out `excludeStatuses`.
   */
  nearby({ lat, lon, category, metres, excludeStatuses = [], limit = 10 }) {
    const c = this.columns;
    const code = this.dictionaries.categories.index.get(category);
    if (code === undefined) return [];
    const excluded = new Set(excludeStatuses.map((s) => this.dictionaries.statuses.index.get(s)));
    const dLat = metres / 111_000; // a cheap box first: a degree of latitude is ≥ 110.5 km
    const dLon = dLat / Math.max(Math.cos((lat * Math.PI) / 180), 0.01);
    const found = [];
    for (let i = 0; i < c.length; i++) {
      if (c.category[i] !== code || excluded.has(c.status[i])) continue;
      if (Math.abs(c.lat[i] - lat) > dLat || Math.abs(c.lon[i] - lon) > dLon) continue;
      const metresAway = distance(lat, lon, c.lat[i], c.lon[i]);
      if (metresAway <= metres) found.push({ index: i, distance: metresAway });
    }
    found.sort((a, b) => a.distance - b.distance);
    const near = found.slice(0, limit);
    const details = this.details(near.map((f) => f.index));
    return details.map((detail, k) => ({ ...detail, distance: near[k].distance }));
  }

  /** The id of the report a `ref` names, from its feed's ids file (read on first need). */
  async reportId(ref) {
    if (!ref?.ids) throw new FeedError("the manifest names no ids file for this garrison");
    if (!this.ids.has(ref.ids)) {
      const pending = this.getJson(ref.ids).then((body) => decodeIds(body, ref.length));
      pending.catch(() => this.ids.delete(ref.ids)); // a failed read is tried again next time
      this.ids.set(ref.ids, pending);
    }
    const ids = await this.ids.get(ref.ids);
    return String(ids[ref.row]);
  }

  /** A confirmation the API has counted, shown until the next feed says the same. */
  setConfirmations(ref, confirmations) {
    const part = this.decoded.get(ref.compact);
    if (part) part.confirmations[ref.row] = confirmations;
    const garrison = this.garrisons.find((g) => g.compactUrl === ref.compact);
    if (garrison) this.columns.confirmations[garrison.offset + ref.row] = confirmations;
  }
}
