// The form rounds a point once; the preview and the submission use that one value.
import assert from "node:assert/strict";
import { test } from "node:test";

import { coordinateText, parseCoordinate, pointOf, roundCoordinate } from "../../static_site/coordinates.js";

test("typed coordinates are read with a dot or a comma", () => {
  assert.equal(parseCoordinate("50.0614"), 50.0614);
  assert.equal(parseCoordinate(" 50,0614 "), 50.0614);
  assert.equal(parseCoordinate("-1.5"), -1.5);
  for (const bad of ["", "abc", "50.06.14", "1e5", "0x10", null, undefined, "50."]) {
    assert.ok(Number.isNaN(parseCoordinate(bad)), String(bad));
  }
});

test("a point with many decimals is rounded once, to 6", () => {
  const cases = [
    ["50.06140049999999", "19.93669950000001", 50.0614, 19.9367],
    ["50.0614004", "19.9366996", 50.0614, 19.9367],
    ["52.2296755555", "21.0122287777", 52.229676, 21.012229],
    ["-0.0000001", "0.0000004", 0, 0],
  ];
  for (const [lat, lon, y, x] of cases) {
    const point = pointOf(lat, lon);
    assert.deepEqual(point, { lat: y, lon: x }, `${lat}, ${lon}`);
    // What the locate query sends and what the report's JSON sends are the same number.
    assert.equal(Number(coordinateText(point.lat)), JSON.parse(JSON.stringify(point)).lat);
    assert.equal(Number(coordinateText(point.lon)), JSON.parse(JSON.stringify(point)).lon);
    assert.deepEqual(pointOf(point.lat, point.lon), point); // rounding again changes nothing
  }
});

test("numbers from the map are rounded like typed text", () => {
  assert.deepEqual(pointOf(50.061400499999, 19.9366996), { lat: 50.0614, lon: 19.9367 });
  assert.equal(roundCoordinate(19.12345649), 19.123456);
});

test("a point out of range or not a number is no point", () => {
  assert.equal(pointOf("91", "20"), null);
  assert.equal(pointOf("50", "180.5"), null);
  assert.equal(pointOf("", "20"), null);
  assert.equal(pointOf(Number.NaN, 20), null);
});
