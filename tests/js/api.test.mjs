// static_site/shared/api.js, the API client of the map and the officer panel, against a real
// HTTP server: RFC 9457 problem details (top-level message/message_en, the legacy `error`
// member), Accept-Language from the page's language, Retry-After, no answer at all.
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { after, before, test } from "node:test";

import { api, errorOf, retryMoment, setApiBase } from "../../static_site/shared/api.js";

const seen = [];
let server;

before(async () => {
  server = createServer((request, response) => {
    seen.push({ url: request.url, headers: request.headers });
    const routes = {
      "/v1/ok": [200, "application/json", { fine: true }],
      "/v1/problem": [422, "application/problem+json", {
        type: "/problems/invalid_category", title: "Nieznana kategoria", status: 422,
        detail: "Kategoria „x” nie istnieje.", instance: "/v1/problem", code: "invalid_category",
        message: "Kategoria „x” nie istnieje.", message_en: "Category \"x\" does not exist.",
        error: { code: "invalid_category", message: "stara", message_en: "old" },
      }],
      "/v1/legacy": [400, "application/json",
        { error: { code: "malformed_json", message: "Zły JSON.", message_en: "Bad JSON." } }],
      "/v1/polish-only": [409, "application/problem+json",
        { status: 409, code: "conflict", message: "Konflikt." }],
      "/v1/busy": [429, "application/problem+json",
        { status: 429, code: "daily_limit", message: "Limit.", message_en: "Limit." }],
      "/v1/html": [502, "text/html", null],
    };
    const [status, type, body] = routes[request.url] ?? [404, "text/plain", null];
    response.writeHead(status, { "Content-Type": type, ...(status === 429 ? { "Retry-After": "120" } : {}) });
    response.end(body === null ? "<html>bad gateway</html>" : JSON.stringify(body));
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  setApiBase(`http://127.0.0.1:${server.address().port}/v1/`);
});
after(() => server.close());

test("a success answers its JSON", async () => {
  const answer = await api("/ok");
  assert.deepEqual(answer, { network: false, ok: true, status: 200, data: { fine: true }, retryAfter: null });
});

test("a problem's top-level message and message_en win over the legacy member", async () => {
  const answer = await api("/problem");
  assert.equal(answer.ok, false);
  assert.deepEqual(errorOf(answer), {
    code: "invalid_category", pl: "Kategoria „x” nie istnieje.", en: "Category \"x\" does not exist.",
  });
});

test("an older API's {error: {code, message, message_en}} is still read", async () => {
  assert.deepEqual(errorOf(await api("/legacy")), { code: "malformed_json", pl: "Zły JSON.", en: "Bad JSON." });
});

test("a message without its English one is shown in Polish for both", async () => {
  assert.deepEqual(errorOf(await api("/polish-only")), { code: "conflict", pl: "Konflikt.", en: "Konflikt." });
});

test("Retry-After becomes the moment a retry may go", async () => {
  const answer = await api("/busy");
  assert.equal(answer.retryAfter, 120);
  assert.equal(retryMoment(answer, 1_000).getTime(), 121_000);
});

test("an answer that is no JSON is an unexpected answer naming its HTTP status", async () => {
  const error = errorOf(await api("/html"));
  assert.equal(error.code, "unexpected");
  assert.match(error.pl, /HTTP 502/);
  assert.match(error.en, /HTTP 502/);
});

test("no answer at all is a network error, said as such", async () => {
  setApiBase("http://127.0.0.1:9/v1"); // the discard port: nothing listens
  const answer = await api("/ok");
  setApiBase(`http://127.0.0.1:${server.address().port}/v1`);
  assert.equal(answer.network, true);
  assert.equal(errorOf(answer).code, "network");
});

test("Accept-Language is the page's language first; JSON and problem+json are accepted", async () => {
  seen.length = 0;
  await api("/ok");
  globalThis.document = { documentElement: { lang: "en" } }; // the page switched to English
  try {
    await api("/ok", { headers: { Authorization: "Bearer t" } });
  } finally {
    delete globalThis.document;
  }
  assert.equal(seen[0].headers["accept-language"], "pl, en;q=0.5");
  assert.equal(seen[1].headers["accept-language"], "en, pl;q=0.5");
  assert.equal(seen[1].headers.authorization, "Bearer t");
  assert.match(seen[0].headers.accept, /application\/json/);
  assert.match(seen[0].headers.accept, /application\/problem\+json/);
});

test("a body is sent as JSON", async () => {
  seen.length = 0;
  await api("/ok", { method: "POST", body: { a: 1 } });
  assert.equal(seen[0].headers["content-type"], "application/json");
});
