// @ts-check
// The layout of the engine's query answers, shared by the engine (in the Web Worker) and the
// page's drawing: a module of its own, so that the page does not load the engine (and
// supercluster) only for this number.

/** A drawn item in query answers: lat, lon, count, id (cluster id, or report index), status, category. */
export const ITEM_STRIDE = 6;
