// @ts-check
// The view in the address: #map=<zoom>/<lat>/<lon>&status=…&cat=…&from=…&to=…&report=1
// A missing `status` or `cat` means all; an empty one means none. A link reproduces the view.

export const DEFAULT_VIEW = { zoom: 6, lat: 52.07, lon: 19.48 };

function list(params, name) {
  if (!params.has(name)) return null;
  const value = params.get(name);
  return value ? value.split(",").filter(Boolean) : [];
}

function day(value) {
  return /^\d{4}-\d{2}-\d{2}$/.test(value ?? "") ? value : null;
}

export function readState(hash = location.hash) {
  const params = new URLSearchParams(hash.replace(/^#/, ""));
  const [zoom, lat, lon] = (params.get("map") || "").split("/").map(Number);
  const valid = Number.isFinite(zoom) && Number.isFinite(lat) && Number.isFinite(lon)
    && Math.abs(lat) <= 85 && Math.abs(lon) <= 180 && zoom >= 0 && zoom <= 19;
  return {
    view: valid ? { zoom: Math.round(zoom), lat, lon } : null,
    statuses: list(params, "status"),
    categories: list(params, "cat"),
    from: day(params.get("from")),
    to: day(params.get("to")),
    report: params.get("report") === "1",
  };
}

export function formatState({ view, statuses, categories, from, to, report }) {
  const parts = [];
  if (view) {
    const digits = Math.max(2, Math.ceil(Math.log10(2 ** view.zoom)));
    parts.push(`map=${view.zoom}/${view.lat.toFixed(digits)}/${view.lon.toFixed(digits)}`);
  }
  const encode = (values) => values.map(encodeURIComponent).join(",");
  if (statuses) parts.push(`status=${encode(statuses)}`);
  if (categories) parts.push(`cat=${encode(categories)}`);
  if (from) parts.push(`from=${from}`);
  if (to) parts.push(`to=${to}`);
  if (report) parts.push("report=1");
  return `#${parts.join("&")}`;
}

/** Replaces the address's fragment without a new history entry (panning is not navigation). */
export function writeState(state) {
  const hash = formatState(state);
  if (hash !== location.hash) history.replaceState(history.state, "", hash);
}
