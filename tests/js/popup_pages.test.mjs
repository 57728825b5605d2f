// A popup pages through every report of a cluster that cannot be split: the engine's leaves
// take an offset, so no report beyond the first page is out of reach.
import assert from "node:assert/strict";
import { test } from "node:test";

import Supercluster from "supercluster";

globalThis.Supercluster ??= Supercluster; // in the browser the vendored UMD bundle sets it
const { MapData } = await import("../../static_site/engine.js");

function clusterOf(n) {
  const data = new MapData();
  const points = Array.from({ length: n }, (_, i) => ({ type: "Feature", properties: i,
    geometry: { type: "Point", coordinates: [22.5684, 51.2465] } }));
  data.index = new Supercluster({ radius: 100, maxZoom: 16, minPoints: 2 }).load(points);
  const [cluster] = data.index.getClusters([-180, -85, 180, 85], 10);
  assert.equal(cluster.properties.point_count, n);
  return { data, id: cluster.properties.cluster_id };
}

for (const n of [2, 10, 12, 25]) {
  test(`${n} reports at one point are reached page by page, each once`, () => {
    const { data, id } = clusterOf(n);
    const seen = [];
    for (let offset = 0; offset < n; offset += 10) {
      const page = data.leaves(id, data.generation, 10, offset);
      assert.equal(page.length, Math.min(10, n - offset));
      seen.push(...page);
    }
    assert.deepEqual([...seen].sort((a, b) => a - b), Array.from({ length: n }, (_, i) => i));
  });
}

test("a page of a stale index is empty, never another report", () => {
  const { data, id } = clusterOf(12);
  assert.deepEqual(data.leaves(id, data.generation + 1, 10, 0), []);
});
