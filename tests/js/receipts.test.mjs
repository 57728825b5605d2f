// Receipts kept in this browser: the site knows which reports it sent.
import assert from "node:assert/strict";
import { test } from "node:test";

import { markOwn, receiptOf, rememberReceipt, storedReceipts } from "../../static_site/receipts.js";

class MemoryStorage {
  constructor() { this.items = new Map(); }
  getItem(key) { return this.items.has(key) ? this.items.get(key) : null; }
  setItem(key, value) { this.items.set(key, String(value)); }
}

const receipt = (id) => ({ id, tracking_token: `t-${id}`, created_at: "2026-11-29T10:00:00.000Z",
  category: "speeding", unit: { name: "KMP Kraków" } });

test("a receipt is kept with its point, newest first, once", () => {
  const storage = new MemoryStorage();
  rememberReceipt(receipt("A"), { lat: 50.0614, lon: 19.9366 }, storage);
  rememberReceipt(receipt("B"), { lat: 52.1, lon: 21.0 }, storage);
  rememberReceipt(receipt("A"), { lat: 50.0614, lon: 19.9366 }, storage);
  assert.deepEqual(storedReceipts(storage).map((r) => r.id), ["A", "B"]);
  assert.deepEqual(receiptOf("B", storage), { id: "B", token: "t-B", created_at: "2026-11-29T10:00:00.000Z",
    category: "speeding", unit: "KMP Kraków", lat: 52.1, lon: 21.0 });
  assert.equal(receiptOf("C", storage), null);
});

test("at most 50 receipts are kept", () => {
  const storage = new MemoryStorage();
  for (let i = 0; i < 60; i++) rememberReceipt(receipt(`R${i}`), null, storage);
  const kept = storedReceipts(storage);
  assert.equal(kept.length, 50);
  assert.equal(kept[0].id, "R59");
});

test("garbage in storage is no receipt", () => {
  const storage = new MemoryStorage();
  storage.setItem("kmzb.receipts", "{not json");
  assert.deepEqual(storedReceipts(storage), []);
  storage.setItem("kmzb.receipts", JSON.stringify([null, 5, { id: 7 }, { id: "X" }]));
  assert.deepEqual(storedReceipts(storage).map((r) => r.id), ["X"]);
});

test("details of reports sent here are marked as own; nothing is read when none were sent", async () => {
  const calls = [];
  const engine = { call: async (method, ref) => { calls.push(method); return ref.row === 1 ? "A" : "Z"; } };
  const empty = new MemoryStorage();
  const details = [{ ref: { row: 1 } }, { ref: { row: 2 } }];
  await markOwn(engine, details, empty);
  assert.deepEqual(calls, []);
  assert.equal(details[0].own, undefined);

  const storage = new MemoryStorage();
  rememberReceipt(receipt("A"), null, storage);
  await markOwn(engine, details, storage);
  assert.deepEqual(details.map((d) => d.own), [true, false]);

  const failing = { call: async () => { throw new Error("no ids file"); } };
  await markOwn(failing, details, storage);
  assert.deepEqual(details.map((d) => d.own), [false, false]);
});
