// @ts-check
// The receipts of reports sent from this browser, kept in localStorage: the site follows them
// (the tracking view finds their place) and does not offer "Potwierdzam" on them. The tracking
// token is the reporter's own key to their report; it stays in their browser, nowhere else.

const KEY = "kmzb.receipts";
const MAX_KEPT = 50; // the newest; a report stays on the public map for 30 days at most

function storageOf(storage) {
  try {
    return storage ?? globalThis.localStorage ?? null;
  } catch {
    return null; // storage disabled
  }
}

/** Every kept receipt, newest first: [{id, token, created_at, category, unit, lat, lon}]. */
export function storedReceipts(storage) {
  const store = storageOf(storage);
  if (!store) return [];
  try {
    const list = JSON.parse(store.getItem(KEY) || "[]");
    return Array.isArray(list) ? list.filter((r) => r && typeof r.id === "string") : [];
  } catch {
    return [];
  }
}

/** Keeps a receipt (the POST /v1/reports answer) with the point it was sent for. */
export function rememberReceipt(receipt, point, storage) {
  const store = storageOf(storage);
  if (!store || typeof receipt?.id !== "string") return;
  const kept = {
    id: receipt.id, token: String(receipt.tracking_token ?? ""), created_at: receipt.created_at ?? null,
    category: receipt.category ?? null, unit: receipt.unit?.name ?? null,
    lat: point?.lat ?? null, lon: point?.lon ?? null,
  };
  const list = [kept, ...storedReceipts(store).filter((r) => r.id !== kept.id)].slice(0, MAX_KEPT);
  try {
    store.setItem(KEY, JSON.stringify(list));
  } catch {
    // full or disabled: the receipt on the screen is all there is
  }
}

/** The kept receipt of report `id`, or null. */
export function receiptOf(id, storage) {
  return storedReceipts(storage).find((r) => r.id === id) ?? null;
}

/**
 * Marks each of the engine's report details sent from this browser (`detail.own = true`).
 * The ids come from the feed's ids file, read only when this browser has sent something.
 */
export async function markOwn(engine, details, storage) {
  const mine = new Set(storedReceipts(storage).map((r) => r.id));
  if (!mine.size || !engine) return details;
  await Promise.all(details.map(async (detail) => {
    try {
      detail.own = mine.has(await engine.call("reportId", detail.ref));
    } catch {
      detail.own = false; // no ids file: the server still refuses nothing it should not
    }
  }));
  return details;
}
