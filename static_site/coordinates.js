// @ts-check
// Coordinates as the form reads them. A point is rounded once, to 6 decimals (about 0.1 m),
// and that one value is shown, previewed (GET /v1/units/locate) and sent (POST /v1/reports),
// so that the unit named before sending is the unit on the receipt. No DOM: node tests it.

export const DECIMALS = 6;

/** A typed coordinate ("50.0614", "50,0614", " -1.5 ") as a number; NaN when it is not one. */
export function parseCoordinate(value) {
  const text = String(value ?? "").trim().replace(",", ".");
  return /^[-+]?\d+(\.\d+)?$/.test(text) ? Number(text) : NaN;
}

/** The coordinate rounded to DECIMALS places: the value both the preview and the report use. */
export function roundCoordinate(value) {
  const rounded = Number(Number(value).toFixed(DECIMALS));
  return Object.is(rounded, -0) ? 0 : rounded;
}

/**
 * The form's point: {lat, lon} rounded, or null when either is not a coordinate in range.
 * `lat` and `lon` may be typed text or numbers (a click on the map, the device's location).
 */
export function pointOf(lat, lon) {
  const y = typeof lat === "number" ? lat : parseCoordinate(lat);
  const x = typeof lon === "number" ? lon : parseCoordinate(lon);
  if (!Number.isFinite(y) || !Number.isFinite(x)) return null;
  const point = { lat: roundCoordinate(y), lon: roundCoordinate(x) };
  return Math.abs(point.lat) <= 90 && Math.abs(point.lon) <= 180 ? point : null;
}

/** A rounded coordinate as the fields show it and the locate query sends it. */
export function coordinateText(value) {
  return roundCoordinate(value).toFixed(DECIMALS);
}
