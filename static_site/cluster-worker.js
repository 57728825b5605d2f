// The map's Web Worker: holds the decoded feeds and the cluster index (engine.js), so that
// fetching, decoding and clustering hundreds of thousands of reports never blocks the page.
// Messages: {id, method, args} → {id, result} | {id, error}.
import { MapData } from "./engine.js";

const data = new MapData();

self.addEventListener("message", async ({ data: { id, method, args } }) => {
  try {
    const result = await data[method](...args);
    const transfer = result?.items instanceof Float64Array ? [result.items.buffer] : [];
    self.postMessage({ id, result }, transfer);
  } catch (error) {
    self.postMessage({ id, error: String(error?.message || error) });
  }
});
self.postMessage({ id: 0, result: "ready" });
