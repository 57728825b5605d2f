// @ts-check
// The API client of the map and the officer panel (same origin, /v1, unless config.json says
// otherwise). Answers {network, ok, status, data, retryAfter}; network is true when the request
// never got an answer. Errors are RFC 9457 problem details (application/problem+json) with the
// Polish `message` and the English `message_en`; errorOf() reads them.

/**
 * @typedef {{network: boolean, ok: boolean, status: number, data: any, retryAfter: number|null}} Answer
 * @typedef {{code: string, pl: string, en: string}} ApiError
 */

let base = "/v1";

/**
 * The API's address, from config.json ("api"); same-origin /v1 unless it says otherwise.
 * @param {unknown} address
 */
export function setApiBase(address) {
  if (typeof address === "string" && address) base = address.replace(/\/+$/, "");
}

/** The page's language first (html[lang]), the other one second: the API's error language. */
export function acceptLanguage() {
  const lang = typeof document === "undefined" ? "pl" : document.documentElement.lang;
  return lang === "en" ? "en, pl;q=0.5" : "pl, en;q=0.5";
}

/**
 * One call to the API.
 * @param {string} path e.g. "/categories"
 * @param {{method?: string, body?: unknown, headers?: Record<string, string>}} [options]
 * @returns {Promise<Answer>}
 */
export async function api(path, { method = "GET", body, headers = {} } = {}) {
  /** @type {Record<string, string>} */
  const sent = {
    Accept: "application/json, application/problem+json", "Accept-Language": acceptLanguage(),
    ...headers,
  };
  /** @type {RequestInit} */
  const init = { method, headers: sent };
  if (body !== undefined) {
    sent["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(`${base}${path}`, init);
  } catch {
    return { network: true, ok: false, status: 0, data: null, retryAfter: null };
  }
  const data = await response.json().catch(() => null);
  const retry = Number.parseInt(response.headers.get("Retry-After") ?? "", 10);
  return {
    network: false, ok: response.ok, status: response.status, data,
    retryAfter: Number.isFinite(retry) && retry >= 0 ? retry : null,
  };
}

/**
 * The API's error as {code, pl, en}: a problem's top-level `message`/`message_en` (RFC 9457,
 * with the project's members), else the legacy `error` member, else a generic one.
 * @param {Partial<Answer>|null|undefined} answer
 * @returns {ApiError}
 */
export function errorOf(answer) {
  const data = answer?.data;
  for (const source of [data, data?.error]) {
    if (source && typeof source === "object" && typeof source.message === "string" && source.message) {
      const code = typeof source.code === "string" ? source.code : String(data?.error?.code ?? "error");
      const en = typeof source.message_en === "string" && source.message_en ? source.message_en : source.message;
      return { code, pl: source.message, en };
    }
  }
  if (answer?.network) {
    return { code: "network", pl: "Brak połączenia z serwerem.", en: "No connection to the server." };
  }
  return {
    code: "unexpected", pl: `Nieoczekiwana odpowiedź serwera (HTTP ${answer?.status ?? "?"}).`,
    en: `Unexpected answer from the server (HTTP ${answer?.status ?? "?"}).`,
  };
}

/**
 * When an answer with Retry-After lets the client try again.
 * @param {Answer} answer
 * @param {number} [now] milliseconds since the epoch
 */
export function retryMoment(answer, now = Date.now()) {
  return answer.retryAfter === null ? null : new Date(now + answer.retryAfter * 1000);
}
