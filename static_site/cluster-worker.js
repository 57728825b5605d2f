// @ts-check
// The map's Web Worker: holds the decoded feeds and the cluster index (engine.js), so that
// fetching, decoding and clustering hundreds of thousands of reports never blocks the page.
// Messages: {id, method, args} → {id, result} | {id, error}.
import { MapData } from "./engine.js";

const data = new MapData();
/** The worker's own scope (the DOM's lib types `self` as a window). @type {any} */
const scope = globalThis;

scope.addEventListener("message", async ({ data: { id, method, args } }) => {
  try {
    const result = await data[method](...args);
    const transfer = result?.items instanceof Float64Array ? [result.items.buffer] : [];
    scope.postMessage({ id, result }, transfer);
  } catch (error) {
    scope.postMessage({ id, error: String(error?.message || error) });
  }
});
scope.postMessage({ id: 0, result: "ready" });
